//! CloudFormation and SAM templates.

use super::{ReadContext, ReadOutcome};
use crate::doc::Node;

/// Reads a template's state machines, roles, policies and the resources they reference.
pub(crate) fn read(_ctx: &ReadContext<'_>, _root: &Node, _out: &mut ReadOutcome) {}
