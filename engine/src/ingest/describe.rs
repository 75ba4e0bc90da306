//! `aws stepfunctions describe-state-machine` output.

use super::{ReadContext, ReadOutcome};
use crate::doc::Node;

/// Reads one describe-state-machine document.
pub(crate) fn read(_ctx: &ReadContext<'_>, _root: &Node, _out: &mut ReadOutcome) {}
