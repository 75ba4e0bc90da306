//! A light scanner over Rego source: the package, top-level rule heads, and OPA `# METADATA`
//! annotation blocks.
//!
//! regorus parses and evaluates Rego but exposes neither annotations nor the list of rules in a
//! package, and stepguard needs both: annotations give rules their id, title and severity, and
//! rule heads tell which `deny`/`warn`/`test_` rules to evaluate. Policies annotated this way
//! stay valid for real OPA.

use serde_json::Value as Json;

use crate::doc::{Limits, parse_yaml};

/// A top-level rule head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleHead {
    /// The rule's first name segment (`deny` for `deny.wildcard contains ...`).
    pub(crate) name: String,
    /// 1-based line of the head.
    pub(crate) line: u32,
}

/// A `# METADATA` block and what it annotates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Annotation {
    /// The rule it precedes, or `None` when it precedes the `package` line.
    pub(crate) rule: Option<String>,
    /// 1-based line of the `# METADATA` comment.
    pub(crate) line: u32,
    /// The YAML content as JSON (an object).
    pub(crate) value: Json,
}

/// What the scanner found in one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Scan {
    /// The package path, dot-separated (`stepguard.rules.iam`).
    pub(crate) package: Option<String>,
    /// Line of the package clause.
    pub(crate) package_line: u32,
    /// Top-level rule heads in order.
    pub(crate) rules: Vec<RuleHead>,
    /// METADATA blocks in order.
    pub(crate) annotations: Vec<Annotation>,
}

const KEYWORDS: &[&str] = &["package", "import", "default", "not", "some", "every", "with", "else", "if", "contains"];

/// Scans Rego source. Annotation YAML that does not parse is an error (`line`, message).
pub(crate) fn scan(text: &str) -> Result<Scan, (u32, String)> {
    let mut out = Scan::default();
    let mut pending: Option<(u32, Vec<String>)> = None;
    let mut in_block = false;
    let mut depth: i64 = 0;
    let lines: Vec<&str> = text.lines().collect();
    for (index, raw) in lines.iter().enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            if depth == 0 && comment.trim() == "METADATA" && raw.starts_with('#') {
                pending = Some((line_no, Vec::new()));
                in_block = true;
                continue;
            }
            if in_block && let Some((_, body)) = pending.as_mut() {
                body.push(comment.strip_prefix(' ').unwrap_or(comment).to_owned());
            }
            continue;
        }
        in_block = false;
        if trimmed.is_empty() {
            continue;
        }
        if depth == 0 && !raw.starts_with(char::is_whitespace) {
            if let Some(rest) = trimmed.strip_prefix("package ") {
                let name: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != '#').collect();
                out.package = Some(name);
                out.package_line = line_no;
                if let Some((line, body)) = pending.take() {
                    out.annotations.push(Annotation { rule: None, line, value: parse_annotation(line, &body)? });
                }
            } else if let Some(name) = rule_name(trimmed) {
                if let Some((line, body)) = pending.take() {
                    out.annotations.push(Annotation {
                        rule: Some(name.clone()),
                        line,
                        value: parse_annotation(line, &body)?,
                    });
                }
                out.rules.push(RuleHead { name, line: line_no });
            }
        }
        depth += brace_delta(raw);
        if depth < 0 {
            depth = 0;
        }
    }
    Ok(out)
}

/// The rule name a top-level line starts with, if it is a rule head.
fn rule_name(line: &str) -> Option<String> {
    let line = line.strip_prefix("default ").unwrap_or(line);
    let name: String = line.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    if name.is_empty() || KEYWORDS.contains(&name.as_str()) || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let rest = line.get(name.len()..)?.trim_start();
    let is_head = rest.is_empty()
        || rest.starts_with('.')
        || rest.starts_with('[')
        || rest.starts_with('(')
        || rest.starts_with('{')
        || rest.starts_with(":=")
        || rest.starts_with('=')
        || rest.starts_with("if")
        || rest.starts_with("contains");
    is_head.then_some(name)
}

/// Net `{`/`[`/`(` opened minus closed on a line, ignoring strings and comments.
fn brace_delta(line: &str) -> i64 {
    let mut delta = 0;
    let mut in_string = false;
    let mut raw_string = false;
    let mut escaped = false;
    for c in line.chars() {
        if in_string {
            if raw_string {
                if c == '`' {
                    in_string = false;
                }
            } else if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                raw_string = false;
            }
            '`' => {
                in_string = true;
                raw_string = true;
            }
            '#' => break,
            '{' | '[' | '(' => delta += 1,
            '}' | ']' | ')' => delta -= 1,
            _ => {}
        }
    }
    delta
}

fn parse_annotation(line: u32, body: &[String]) -> Result<Json, (u32, String)> {
    let text = body.join("\n");
    let node = parse_yaml(&text, &Limits::default())
        .map_err(|e| (line + e.line, format!("invalid METADATA block: {}", e.message)))?;
    let value = node.to_json();
    if value.is_object() {
        Ok(value)
    } else {
        Err((line, "invalid METADATA block: expected a YAML mapping".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r##"# METADATA
# title: Role policies
# description: Least privilege
package stepguard.rules.iam

import rego.v1

# METADATA
# title: Wildcard actions
# custom:
#   id: IAM001
#   severity: high
deny contains finding if {
	some p in input.policies
	x := {"a": [1, 2]}
	not contains_thing(p)
}

warn.noisy contains msg if {
	msg := "# not a comment"
}

default allow := false

test_something if {
	true
}
"##;

    #[test]
    fn finds_package_rules_and_annotations() {
        let scan = scan(SOURCE).unwrap();
        assert_eq!(scan.package.as_deref(), Some("stepguard.rules.iam"));
        assert_eq!(scan.package_line, 4);
        let names: Vec<&str> = scan.rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["deny", "warn", "allow", "test_something"]);
        assert_eq!(scan.rules[0].line, 13);
        assert_eq!(scan.annotations.len(), 2);
        assert_eq!(scan.annotations[0].rule, None);
        assert_eq!(scan.annotations[0].value["title"], "Role policies");
        assert_eq!(scan.annotations[1].rule.as_deref(), Some("deny"));
        assert_eq!(scan.annotations[1].value["custom"]["id"], "IAM001");
    }

    #[test]
    fn bad_metadata_yaml_is_an_error_with_a_line() {
        let err = scan("# METADATA\n# title: [unclosed\npackage x\n").unwrap_err();
        assert!(err.1.contains("invalid METADATA block"), "{}", err.1);
    }
}
