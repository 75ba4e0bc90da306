//! Organizations: the layout file, `describe-policy` output and `list-*` output.

use super::{InputKind, ReadContext, ReadOutcome};
use crate::doc::Node;

/// Reads one organizations document of the given kind.
pub(crate) fn read(_ctx: &ReadContext<'_>, _kind: InputKind, _root: &Node, _out: &mut ReadOutcome) {}
