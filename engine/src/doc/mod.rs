//! Parsed documents that remember where every value came from.
//!
//! Every reader in `ingest` works on [`Node`]: a JSON-shaped tree in which each value carries the
//! 1-based line it starts on. JSON and YAML (with CloudFormation short-form tags) both parse into
//! it, so the readers are written once and every finding can point at a file, line and JSON
//! pointer. Parsers are iterative (no recursion on input nesting) and enforce [`Limits`].

mod json;
mod yaml;

use std::fmt::Write as _;

pub(crate) use json::parse_json;
pub(crate) use yaml::parse_yaml;

/// Bounds on what a single input file may contain. Defaults are generous for real projects and
/// small enough that a hostile file cannot exhaust memory or the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of arrays and objects.
    pub max_depth: usize,
    /// Most values a YAML document may expand to through aliases (guards against alias bombs).
    pub max_yaml_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_file_bytes: 64 * 1024 * 1024, max_depth: 200, max_yaml_nodes: 5_000_000 }
    }
}

/// A parsed value and the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    /// 1-based line of the value's first character (0 when synthesized).
    pub(crate) line: u32,
}

/// The JSON data model; objects keep their keys in document order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

/// A syntax error in a document: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) line: u32,
    pub(crate) column: u32,
    /// JSON pointer of the value being read when the error was found.
    pub(crate) pointer: String,
    pub(crate) message: String,
}

impl Node {
    pub(crate) fn new(value: Value, line: u32) -> Self {
        Self { value, line }
    }

    pub(crate) fn string(s: impl Into<String>, line: u32) -> Self {
        Self::new(Value::String(s.into()), line)
    }

    /// The value of `key` when this is an object that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub(crate) fn as_u64(&self) -> Option<u64> {
        match &self.value {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub(crate) fn as_object(&self) -> Option<&[(String, Node)]> {
        match &self.value {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The type with its article, for messages: `a string`, `an object`, `null`.
    pub(crate) fn described_type(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// Converts to a `serde_json::Value`, dropping positions.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        // An explicit stack keeps this safe for any depth the parsers accepted.
        enum Work<'a> {
            Visit(&'a Node),
            Array(usize),
            Object(Vec<&'a str>),
        }
        let mut work = vec![Work::Visit(self)];
        let mut out: Vec<serde_json::Value> = Vec::new();
        while let Some(item) = work.pop() {
            match item {
                Work::Visit(node) => match &node.value {
                    Value::Null => out.push(serde_json::Value::Null),
                    Value::Bool(b) => out.push(serde_json::Value::Bool(*b)),
                    Value::Number(n) => out.push(serde_json::Value::Number(n.clone())),
                    Value::String(s) => out.push(serde_json::Value::String(s.clone())),
                    Value::Array(items) => {
                        work.push(Work::Array(items.len()));
                        work.extend(items.iter().rev().map(Work::Visit));
                    }
                    Value::Object(members) => {
                        work.push(Work::Object(members.iter().map(|(k, _)| k.as_str()).collect()));
                        work.extend(members.iter().rev().map(|(_, v)| Work::Visit(v)));
                    }
                },
                Work::Array(len) => {
                    let items = out.split_off(out.len().saturating_sub(len));
                    out.push(serde_json::Value::Array(items));
                }
                Work::Object(keys) => {
                    let values = out.split_off(out.len().saturating_sub(keys.len()));
                    let map = keys.into_iter().map(str::to_owned).zip(values).collect::<serde_json::Map<_, _>>();
                    out.push(serde_json::Value::Object(map));
                }
            }
        }
        out.pop().unwrap_or(serde_json::Value::Null)
    }

    /// Builds a node from a `serde_json::Value`, giving every value the same line.
    pub(crate) fn from_json(value: &serde_json::Value, line: u32) -> Node {
        let value = match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.clone()),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => Value::Array(items.iter().map(|v| Node::from_json(v, line)).collect()),
            serde_json::Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), Node::from_json(v, line))).collect())
            }
        };
        Node { value, line }
    }
}

/// Compact JSON text with object keys sorted at every level, so two documents that differ
/// only in key order or formatting give the same text.
pub(crate) fn canonical_json(value: &serde_json::Value) -> String {
    fn sorted(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
            }
            serde_json::Value::Array(items) => serde_json::Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub(crate) fn push_pointer(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// `pointer` extended by one token, as a new string.
pub(crate) fn join_pointer(pointer: &str, token: &str) -> String {
    let mut p = String::with_capacity(pointer.len() + token.len() + 1);
    p.push_str(pointer);
    push_pointer(&mut p, token);
    p
}

/// `pointer` extended by an array index.
pub(crate) fn join_index(pointer: &str, index: usize) -> String {
    let mut p = String::with_capacity(pointer.len() + 4);
    p.push_str(pointer);
    let _ = write!(p, "/{index}");
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(join_pointer("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(join_index("", 3), "/3");
    }

    #[test]
    fn to_json_round_trips_nested_values() {
        let text = r#"{"a": [1, {"b": null}, "x"], "c": true}"#;
        let node = parse_json(text, &Limits::default()).unwrap();
        let expected: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(node.to_json(), expected);
        assert_eq!(Node::from_json(&expected, 1).to_json(), expected);
    }
}
