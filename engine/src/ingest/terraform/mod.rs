//! Terraform: `terraform show -json` output (plan or state) and `.tf` files.
//!
//! Both forms are first turned into a list of [`TfResource`]s: an address, a type and the
//! attributes as a [`Node`] object in which every value stepguard cannot know is symbolic
//! (`{"terraform": "aws_iam_role.exec.arn"}`, the Terraform expression that gives it). One
//! builder then turns those into graph nodes, so a plan, a state and a `.tf` file of the same
//! configuration give the same shapes.
//!
//! Terraform references are module-qualified (`module.app.aws_iam_role.exec.arn`) so that they
//! name one object in the whole configuration; a reference to a resource of the same input
//! links the two nodes (a state machine to its role, a policy to the role it is attached to).

mod build;
mod hcl;
mod plan;

use std::collections::BTreeMap;

use super::{ReadContext, ReadOutcome};
use crate::doc::Node;

/// Reads `terraform show -json` output (plan or state).
pub(crate) fn read_json(ctx: &ReadContext<'_>, root: &Node, out: &mut ReadOutcome) {
    plan::read(ctx, root, out);
}

/// Reads a `.tf` file.
pub(crate) fn read_hcl(ctx: &ReadContext<'_>, text: &str, out: &mut ReadOutcome) {
    hcl::read(ctx, text, out);
}

/// The symbolic key for a value given by a Terraform expression.
const TERRAFORM_KEY: &str = "terraform";

/// One resource or data source, whatever form it came from.
#[derive(Debug, Clone)]
struct TfResource {
    /// Full address: module path, `data.` for data sources, type, name and instance key
    /// (`module.app.aws_iam_role.exec[0]`).
    address: String,
    /// True for a data source.
    data: bool,
    /// Resource type (`aws_sfn_state_machine`).
    resource_type: String,
    /// Attributes (an object); nested blocks are arrays of objects.
    values: Node,
    /// JSON pointer of `values` in the file.
    pointer: String,
    /// JSON pointer of the resource in the file (for `.tf` files, the pointer the resource
    /// would have in Terraform's JSON syntax: `/resource/TYPE/NAME`).
    resource_pointer: String,
    /// The form the resource was read from.
    form: Form,
    /// Line of the resource.
    line: u32,
    /// Attributes holding JSON documents (definitions, policies) that the reader already
    /// classified, by their pointer relative to `values` (`definition`, `inline_policy/0/policy`).
    /// Attributes not listed here are taken from `values`.
    documents: BTreeMap<String, Doc>,
}

/// The input forms, which differ in what they know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// A plan: values the provider computes are known only after apply.
    Plan,
    /// A state: every value is known.
    State,
    /// A `.tf` file: only literals are known.
    Hcl,
}

/// A JSON document held by an attribute (a definition or a policy).
#[derive(Debug, Clone)]
enum Doc {
    /// JSON text. When `line_preserving` (an HCL heredoc), line N of the text is line
    /// `line + N` of the file; otherwise the whole text sits at `line`.
    Text { text: String, line: u32, line_preserving: bool },
    /// A document already decoded: `jsonencode` of an object (node lines are file lines,
    /// `embedded` is `None`) or a template with interpolations (node lines are lines of the
    /// template, placed as for [`Doc::Text`] by `embedded = Some((line, line_preserving))`).
    Decoded { node: Node, embedded: Option<(u32, bool)> },
    /// A value stepguard does not evaluate: the expression that gives it (kept as the
    /// symbolic document) and why, as the end of a sentence about the attribute
    /// (`is known only after apply (it depends on ...)`).
    NotEvaluable { expression: String, line: u32, reason: String },
}

/// Longest expression quoted in a message.
const MAX_QUOTED: usize = 120;

/// `expression` cut to a length fit for a one-line message.
fn shorten(expression: &str) -> String {
    match expression.char_indices().nth(MAX_QUOTED) {
        Some((end, _)) => format!("{}...", expression.get(..end).unwrap_or_default()),
        None => expression.to_owned(),
    }
}

/// Splits a Terraform reference (`module.app.aws_iam_role.exec[0].arn`) into the address of
/// the resource it names (`module.app.aws_iam_role.exec[0]`) and the rest (`arn`). `None` for
/// references to variables, locals, module outputs and the like.
fn split_reference(reference: &str) -> Option<(String, String)> {
    let segments = reference_segments(reference)?;
    let mut i = 0;
    let mut address = String::new();
    let name = |s: &str| s.split('[').next().unwrap_or_default().to_owned();
    while segments.get(i).is_some_and(|s| name(s) == "module") {
        let module_name = segments.get(i + 1)?;
        address.push_str(segments.get(i)?);
        address.push('.');
        address.push_str(module_name);
        address.push('.');
        i += 2;
    }
    let first = segments.get(i)?;
    let parts = match name(first).as_str() {
        "data" => 3,
        "var" | "local" | "module" | "path" | "each" | "count" | "self" | "terraform" => return None,
        _ => 2,
    };
    let resource = segments.get(i..i + parts)?;
    if resource.iter().take(parts - 1).any(|s| s.contains('[')) {
        return None;
    }
    address.push_str(&resource.join("."));
    let rest = segments.get(i + parts..).map(|r| r.join(".")).unwrap_or_default();
    Some((address, rest))
}

/// Dotted segments of a reference, brackets (with any quoted keys) kept with their segment.
fn reference_segments(reference: &str) -> Option<Vec<&str>> {
    let mut segments = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in reference.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '[' => depth += 1,
            ']' => depth = depth.checked_sub(1)?,
            '.' if depth == 0 => {
                segments.push(reference.get(start..i)?);
                start = i + 1;
            }
            c if depth == 0 && !(c.is_alphanumeric() || c == '_' || c == '-') => return None,
            _ => {}
        }
    }
    segments.push(reference.get(start..)?);
    if depth != 0 || quoted || segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    Some(segments)
}

/// `address` without instance keys (`module.a[0].aws_iam_role.r["x"]` → `module.a.aws_iam_role.r`).
fn strip_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in address.chars() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '"' if depth > 0 => quoted = true,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_resource_and_attribute() {
        let split = split_reference;
        assert_eq!(split("aws_iam_role.exec.arn"), Some(("aws_iam_role.exec".into(), "arn".into())));
        assert_eq!(split("aws_iam_role.exec"), Some(("aws_iam_role.exec".into(), String::new())));
        assert_eq!(
            split("module.app[0].aws_iam_role.exec[\"a.b\"].arn"),
            Some(("module.app[0].aws_iam_role.exec[\"a.b\"]".into(), "arn".into()))
        );
        assert_eq!(
            split("data.aws_iam_policy_document.trust.json"),
            Some(("data.aws_iam_policy_document.trust".into(), "json".into()))
        );
        assert_eq!(
            split("module.app.aws_iam_role.x.tags.Name"),
            Some(("module.app.aws_iam_role.x".into(), "tags.Name".into()))
        );
        assert_eq!(split("var.role_arn"), None);
        assert_eq!(split("module.app.role_arn"), None);
        assert_eq!(split("local.x"), None);
        assert_eq!(split("file(\"x.json\")"), None);
        assert_eq!(split("aws_iam_role"), None);
    }

    #[test]
    fn long_expressions_are_shortened() {
        assert_eq!(shorten("var.x"), "var.x");
        let long = "x".repeat(MAX_QUOTED + 5);
        assert_eq!(shorten(&long), format!("{}...", "x".repeat(MAX_QUOTED)));
    }

    #[test]
    fn instance_keys_are_stripped() {
        assert_eq!(strip_keys("module.a[0].aws_iam_role.r[\"x]y\"]"), "module.a.aws_iam_role.r");
        assert_eq!(strip_keys("aws_iam_role.r"), "aws_iam_role.r");
    }
}
