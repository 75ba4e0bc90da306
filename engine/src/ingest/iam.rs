//! IAM documents: bare policies, `get-role`, `get-role-policy`, `get-policy-version`, and
//! `get-account-authorization-details`.

use super::{InputKind, ReadContext, ReadOutcome};
use crate::doc::Node;

/// Reads one IAM document of the given kind.
pub(crate) fn read(_ctx: &ReadContext<'_>, _kind: InputKind, _root: &Node, _out: &mut ReadOutcome) {}
