//! Structural checks of a definition; each problem is a diagnostic with a stable code.

use crate::doc::Node;
use crate::model::{FactGraph, StateMachine};

use super::DefinitionPlace;

/// Checks `definition` and adds diagnostics to `graph`.
pub(crate) fn validate(
    _definition: &Node,
    _machine: &StateMachine,
    _place: &DefinitionPlace<'_>,
    _graph: &mut FactGraph,
) {
}
