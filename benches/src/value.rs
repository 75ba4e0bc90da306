//! An ordered JSON-like tree with CloudFormation tags, and its JSON and YAML writers.
//!
//! Generated documents keep their keys in the order people write them (`Type` first), which
//! `serde_json::Value` without `preserve_order` would sort; turning that feature on here would
//! change the engine's own `serde_json` through feature unification, so the tree is our own.

use std::fmt::Write as _;

/// A JSON value, a CloudFormation short-form function, or a YAML block string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
    /// A CloudFormation intrinsic in short form (`!GetAtt A.Arn`, `!Sub ...`, `!Ref X`); the
    /// name is the function without `Fn::`. JSON output uses the long form.
    Tag(&'static str, Box<Value>),
    /// A multi-line string written as a YAML literal block (`|`); a plain string in JSON.
    Block(String),
}

/// Builds an object from `key => value` pairs, in order.
macro_rules! obj {
    ($($k:expr => $v:expr),* $(,)?) => {
        $crate::value::Value::Obj(vec![$(($k.to_string(), $crate::value::Value::from($v))),*])
    };
}
pub(crate) use obj;

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Str(s.clone())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Float(n)
    }
}
impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Arr(items)
    }
}
impl From<Vec<&str>> for Value {
    fn from(items: Vec<&str>) -> Self {
        Value::Arr(items.into_iter().map(Value::from).collect())
    }
}
impl From<Vec<String>> for Value {
    fn from(items: Vec<String>) -> Self {
        Value::Arr(items.into_iter().map(Value::Str).collect())
    }
}

impl Value {
    /// `!Ref name`.
    pub(crate) fn reference(name: impl Into<String>) -> Self {
        Value::Tag("Ref", Box::new(Value::Str(name.into())))
    }

    /// `!GetAtt resource.attribute`.
    pub(crate) fn get_att(resource: &str, attribute: &str) -> Self {
        Value::Tag("GetAtt", Box::new(Value::Str(format!("{resource}.{attribute}"))))
    }

    /// `!Sub text`.
    pub(crate) fn sub(text: impl Into<String>) -> Self {
        Value::Tag("Sub", Box::new(Value::Str(text.into())))
    }

    /// The value of `key` when this is an object that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The mutable value of `key` when this is an object that has it.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match self {
            Value::Obj(members) => members.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key` (replacing it in place, or appending it) when this is an object.
    pub(crate) fn set(&mut self, key: &str, value: Value) {
        if let Value::Obj(members) = self {
            if let Some(slot) = members.iter_mut().find(|(k, _)| k == key) {
                slot.1 = value;
            } else {
                members.push((key.to_owned(), value));
            }
        }
    }

    /// The string, when this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Block(s) => Some(s),
            _ => None,
        }
    }

    /// The same value as `serde_json`, with tags in their long form (`{"Fn::GetAtt": [..]}`).
    pub(crate) fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(n) => J::from(*n),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) | Value::Block(s) => J::String(s.clone()),
            Value::Arr(items) => J::Array(items.iter().map(Value::to_serde).collect()),
            Value::Obj(members) => J::Object(members.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect()),
            Value::Tag(name, inner) => long_form(name, inner.to_serde()),
        }
    }

    /// JSON text, indented by `indent` spaces per level (0 for compact output).
    pub(crate) fn to_json(&self, indent: usize) -> String {
        let mut out = String::new();
        write_json(self, indent, 0, &mut out);
        out
    }

    /// A YAML document (block style), ending in a newline.
    pub(crate) fn to_yaml(&self) -> String {
        let mut out = String::new();
        match self {
            Value::Obj(members) if !members.is_empty() => write_yaml_members(members, 0, &mut out),
            Value::Arr(items) if !items.is_empty() => write_yaml_items(items, 0, &mut out),
            other => {
                write_yaml_inline(other, &mut out);
                out.push('\n');
            }
        }
        out
    }
}

/// The long (JSON) form of a short-form CloudFormation function.
pub(crate) fn long_form(name: &str, inner: serde_json::Value) -> serde_json::Value {
    let inner = match (name, inner) {
        // `!GetAtt A.B` is the string form of `Fn::GetAtt: [A, B]`.
        ("GetAtt", serde_json::Value::String(s)) => match s.split_once('.') {
            Some((a, b)) => serde_json::json!([a, b]),
            None => serde_json::Value::String(s),
        },
        (_, inner) => inner,
    };
    let key = if name == "Ref" || name == "Condition" { name.to_owned() } else { format!("Fn::{name}") };
    serde_json::Value::Object([(key, inner)].into_iter().collect())
}

fn newline(indent: usize, level: usize, out: &mut String) {
    if indent > 0 {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', indent * level));
    }
}

fn write_json(value: &Value, indent: usize, level: usize, out: &mut String) {
    let colon = if indent > 0 { ": " } else { ":" };
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(f) => write_float(*f, out),
        Value::Str(s) | Value::Block(s) => write_json_string(s, out),
        Value::Arr(items) if items.is_empty() => out.push_str("[]"),
        Value::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, level + 1, out);
                write_json(item, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push(']');
        }
        Value::Obj(members) if members.is_empty() => out.push_str("{}"),
        Value::Obj(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, level + 1, out);
                write_json_string(k, out);
                out.push_str(colon);
                write_json(v, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push('}');
        }
        Value::Tag(name, inner) => {
            let long = Value::from_serde(&long_form(name, inner.to_serde()));
            write_json(&long, indent, level, out);
        }
    }
}

impl Value {
    fn from_serde(v: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => n.as_i64().map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
            J::String(s) => Value::Str(s.clone()),
            J::Array(items) => Value::Arr(items.iter().map(Value::from_serde).collect()),
            J::Object(members) => Value::Obj(members.iter().map(|(k, v)| (k.clone(), Value::from_serde(v))).collect()),
        }
    }
}

fn write_float(f: f64, out: &mut String) {
    if f.is_finite() {
        // `{:?}` keeps a `.0` on whole numbers, so the value reads back as a float.
        let _ = write!(out, "{f:?}");
    } else {
        out.push_str("null");
    }
}

/// A JSON string literal; also a valid YAML double-quoted scalar.
pub(crate) fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether `s` can be written as a plain YAML scalar and read back as the same string, by
/// YAML 1.1 readers (CloudFormation) as well as 1.2 ones.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if !first.is_ascii_alphabetic() || s.ends_with(':') {
        return false;
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':')) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    !matches!(lower.as_str(), "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n")
}

fn write_yaml_scalar_string(s: &str, out: &mut String) {
    if plain_ok(s) {
        out.push_str(s);
    } else {
        write_json_string(s, out);
    }
}

/// Whether a value is written on the line of its key (scalars and empty collections).
fn is_inline(value: &Value) -> bool {
    match value {
        Value::Arr(items) => items.is_empty(),
        Value::Obj(members) => members.is_empty(),
        Value::Tag(_, inner) => is_inline(inner),
        Value::Block(_) => false,
        _ => true,
    }
}

fn write_yaml_inline(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(f) => write_float(*f, out),
        Value::Str(s) | Value::Block(s) => write_yaml_scalar_string(s, out),
        Value::Arr(_) => out.push_str("[]"),
        Value::Obj(_) => out.push_str("{}"),
        Value::Tag(name, inner) => {
            let _ = write!(out, "!{name} ");
            write_yaml_inline(inner, out);
        }
    }
}

/// Writes what follows `key:` or `- `: either ` scalar\n`, or `\n` and an indented block.
fn write_yaml_after_indicator(value: &Value, level: usize, out: &mut String) {
    match value {
        v if is_inline(v) => {
            out.push(' ');
            write_yaml_inline(v, out);
            out.push('\n');
        }
        Value::Tag(name, inner) => {
            let _ = write!(out, " !{name}");
            write_yaml_after_indicator(inner, level, out);
        }
        Value::Block(text) if block_ok(text) => write_yaml_block(text, level + 1, out),
        Value::Block(text) => {
            out.push(' ');
            write_json_string(text, out);
            out.push('\n');
        }
        Value::Obj(members) => {
            out.push('\n');
            write_yaml_members(members, level + 1, out);
        }
        Value::Arr(items) => {
            out.push('\n');
            write_yaml_items(items, level + 1, out);
        }
        _ => out.push('\n'),
    }
}

fn indent_to(level: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', 2 * level));
}

fn write_yaml_members(members: &[(String, Value)], level: usize, out: &mut String) {
    for (k, v) in members {
        indent_to(level, out);
        write_yaml_scalar_string(k, out);
        out.push(':');
        write_yaml_after_indicator(v, level, out);
    }
}

fn write_yaml_items(items: &[Value], level: usize, out: &mut String) {
    for item in items {
        indent_to(level, out);
        out.push('-');
        match item {
            // `- key: value` with the rest of the mapping aligned under the first key.
            Value::Obj(members) if !members.is_empty() => {
                let mut first = true;
                for (k, v) in members {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent_to(level + 1, out);
                    }
                    write_yaml_scalar_string(k, out);
                    out.push(':');
                    write_yaml_after_indicator(v, level + 1, out);
                }
            }
            other => write_yaml_after_indicator(other, level, out),
        }
    }
}

/// Whether a literal block (`|` or `|-`, indentation detected from the first line) reads back
/// as exactly `text`.
fn block_ok(text: &str) -> bool {
    let first_content = text.split('\n').find(|l| !l.is_empty()).unwrap_or_default();
    !first_content.starts_with([' ', '\t'])
        && !text.ends_with("\n\n")
        && !text.starts_with('\n')
        && text.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
}

/// A literal block scalar: ` |` (or ` |-` without a final newline) and the lines, indented.
fn write_yaml_block(text: &str, level: usize, out: &mut String) {
    let body = text.strip_suffix('\n').unwrap_or(text);
    out.push_str(if text.ends_with('\n') { " |\n" } else { " |-\n" });
    for line in body.split('\n') {
        if !line.is_empty() {
            indent_to(level, out);
            out.push_str(line);
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_key_order_and_escapes() {
        let v = obj! { "b" => 1i64, "a" => "x\"y\n", "c" => Value::Arr(vec![]), "d" => 2.0 };
        assert_eq!(v.to_json(0), r#"{"b":1,"a":"x\"y\n","c":[],"d":2.0}"#);
        assert_eq!(v.to_json(2), "{\n  \"b\": 1,\n  \"a\": \"x\\\"y\\n\",\n  \"c\": [],\n  \"d\": 2.0\n}");
    }

    #[test]
    fn tags_are_short_in_yaml_and_long_in_json() {
        let v = obj! { "Role" => Value::get_att("MyRole", "Arn"), "Name" => Value::reference("Env") };
        assert_eq!(v.to_yaml(), "Role: !GetAtt MyRole.Arn\nName: !Ref Env\n");
        assert_eq!(v.to_json(0), r#"{"Role":{"Fn::GetAtt":["MyRole","Arn"]},"Name":{"Ref":"Env"}}"#);
    }

    #[test]
    fn yaml_quotes_what_would_read_back_differently() {
        let v = obj! {
            "a" => "yes", "b" => "123", "c" => "$.x", "d" => "plain-text", "e" => "x: y",
            "f" => "", "Payload.$" => "$", "g" => "arn:aws:states:::lambda:invoke",
        };
        assert_eq!(
            v.to_yaml(),
            "a: \"yes\"\nb: \"123\"\nc: \"$.x\"\nd: plain-text\ne: \"x: y\"\nf: \"\"\n\"Payload.$\": \"$\"\ng: arn:aws:states:::lambda:invoke\n"
        );
    }

    /// Strings a YAML reader could take for something else, or that need escaping.
    const AWKWARD: &[&str] = &[
        "yes",
        "No",
        "ON",
        "y",
        "null",
        "~",
        "true",
        "123",
        "-1",
        "+1",
        "0x1F",
        "1e5",
        ".5",
        ".inf",
        "inf",
        "NaN",
        "2010-09-09",
        "a: b",
        "#x",
        "a #b",
        "- x",
        "",
        "  lead",
        "trail ",
        "multi\nline",
        "tab\t",
        "ünïcode",
        "${X}",
        "{% $x %}",
        "*",
        "&a",
        "!tag",
        "@x",
        "`x",
        "%x",
        "key:",
        ":x",
        "[x]",
        "{x}",
        "x,y",
        "'q'",
        "\"d\"",
        "back\\slash",
        "https://a.example.com/x?y=1",
        "arn:aws:states:::lambda:invoke",
        "Payload.$",
        "$$.Map.Item",
    ];

    #[test]
    fn yaml_and_json_round_trip_through_real_parsers() {
        let strings = || Value::from(AWKWARD.to_vec());
        let keyed = Value::Obj(AWKWARD.iter().map(|k| ((*k).to_owned(), Value::from(*k))).collect());
        let v = obj! {
            "strings" => strings(),
            "keyed" => keyed,
            "numbers" => vec![Value::Int(0), Value::Int(-7), Value::Float(2.0), Value::Float(0.25), Value::Null],
            "nested" => vec![Value::Arr(vec![Value::from("a"), Value::Arr(vec![])]), obj! {}, obj! { "k" => vec![obj! { "x" => 1i64 }] }],
            "tagged" => vec![
                Value::get_att("A", "Arn"),
                Value::sub("x-${AWS::Region}"),
                Value::Tag("Sub", Box::new(Value::Arr(vec![Value::from("${a}"), obj! { "a" => "b" }]))),
                Value::Tag("Sub", Box::new(Value::Block("{\n  \"a\": \"${B}\"\n}\n".into()))),
            ],
            "block" => Value::Block("line one\n\n  indented\nlast".into()),
            "blocks" => vec![
                Value::Block("  starts indented\nx\n".into()),
                Value::Block("two newlines\n\n".into()),
                Value::Block("\nleading newline".into()),
                Value::Block("bell\u{7}".into()),
                Value::Block("single line".into()),
            ],
        };
        let expected = v.to_serde();
        assert_eq!(crate::check::yaml_to_json(&v.to_yaml()).unwrap(), expected, "YAML:\n{}", v.to_yaml());
        for indent in [0, 2, 4] {
            assert_eq!(serde_json::from_str::<serde_json::Value>(&v.to_json(indent)).unwrap(), expected);
        }
    }

    #[test]
    fn yaml_nests_lists_of_maps_and_blocks() {
        let v = obj! {
            "List" => vec![obj! { "A" => 1i64, "B" => vec!["x"] }],
            "Text" => Value::Tag("Sub", Box::new(Value::Block("{\n  \"k\": 1\n}\n".into()))),
        };
        assert_eq!(v.to_yaml(), "List:\n  - A: 1\n    B:\n      - x\nText: !Sub |\n  {\n    \"k\": 1\n  }\n");
    }
}
