//! Terraform: `terraform show -json` output and `.tf` files with literal definitions.

use super::{ReadContext, ReadOutcome};
use crate::doc::Node;

/// Reads `terraform show -json` output (plan or state).
pub(crate) fn read_json(_ctx: &ReadContext<'_>, _root: &Node, _out: &mut ReadOutcome) {}

/// Reads a `.tf` file.
pub(crate) fn read_hcl(_ctx: &ReadContext<'_>, _text: &str, _out: &mut ReadOutcome) {}
