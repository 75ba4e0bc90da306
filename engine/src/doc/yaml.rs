//! YAML documents, read from `yaml-rust2` parser events into [`Node`]s.
//!
//! Plain scalars follow the YAML 1.2 core schema. CloudFormation's short-form tags become the
//! long form (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`) so the
//! template reader sees one shape. Aliases are expanded under a node budget.

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{Limits, Node, SyntaxError, Value, join_index, push_pointer};

/// CloudFormation intrinsic functions that have a `!Name` short form.
const CFN_FUNCTIONS: &[&str] = &[
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "ForEach",
    "GetAtt",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
];

enum Frame {
    Sequence { items: Vec<Node>, line: u32, anchor: usize, tag: Option<Tag> },
    Mapping { members: Vec<(String, Node)>, line: u32, anchor: usize, tag: Option<Tag>, key: Option<String> },
}

/// Parses one YAML document (an empty stream is `null`).
pub(crate) fn parse_yaml(text: &str, limits: &Limits) -> Result<Node, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: Vec<(usize, Node)> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    let mut nodes = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| SyntaxError {
            line: line_of(e.marker()),
            column: u32::try_from(e.marker().col() + 1).unwrap_or(u32::MAX),
            pointer: pointer_of(&stack),
            message: e.info().to_owned(),
        })?;
        let line = line_of(&mark);
        let fail = |stack: &[Frame], message: String| SyntaxError {
            line,
            column: u32::try_from(mark.col() + 1).unwrap_or(u32::MAX),
            pointer: pointer_of(stack),
            message,
        };
        let completed = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(fail(&stack, "more than one YAML document in the file".into()));
                }
                continue;
            }
            Event::SequenceStart(anchor, tag) => {
                if stack.len() >= limits.max_depth {
                    return Err(fail(&stack, format!("nesting deeper than {} levels", limits.max_depth)));
                }
                stack.push(Frame::Sequence { items: Vec::new(), line, anchor, tag });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                if stack.len() >= limits.max_depth {
                    return Err(fail(&stack, format!("nesting deeper than {} levels", limits.max_depth)));
                }
                stack.push(Frame::Mapping { members: Vec::new(), line, anchor, tag, key: None });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Sequence { items, line, anchor, tag }) => {
                    let node =
                        apply_tag(Node::new(Value::Array(items), line), tag.as_ref()).map_err(|m| fail(&stack, m))?;
                    remember(&mut anchors, anchor, &node);
                    node
                }
                _ => return Err(fail(&stack, "unbalanced sequence".into())),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Mapping { members, line, anchor, tag, .. }) => {
                    let node = apply_tag(Node::new(Value::Object(members), line), tag.as_ref())
                        .map_err(|m| fail(&stack, m))?;
                    remember(&mut anchors, anchor, &node);
                    node
                }
                _ => return Err(fail(&stack, "unbalanced mapping".into())),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let node = scalar(text, style, tag.as_ref(), line).map_err(|m| fail(&stack, m))?;
                remember(&mut anchors, anchor, &node);
                node
            }
            Event::Alias(id) => {
                let Some((_, target)) = anchors.iter().rev().find(|(a, _)| *a == id) else {
                    return Err(fail(&stack, "alias to an unknown anchor".into()));
                };
                nodes += count_nodes(target);
                if nodes > limits.max_yaml_nodes {
                    return Err(fail(&stack, format!("aliases expand to more than {} values", limits.max_yaml_nodes)));
                }
                target.clone()
            }
        };
        nodes += 1;
        if nodes > limits.max_yaml_nodes {
            return Err(fail(&stack, format!("more than {} values", limits.max_yaml_nodes)));
        }
        match stack.last_mut() {
            None => root = Some(completed),
            Some(Frame::Sequence { items, .. }) => items.push(completed),
            Some(Frame::Mapping { members, key, .. }) => match key.take() {
                None => {
                    let Value::String(k) = completed.value else {
                        return Err(fail(&stack, "mapping keys must be strings".into()));
                    };
                    if members.iter().any(|(existing, _)| *existing == k) {
                        let mut err = fail(&stack, format!("duplicate key `{k}`"));
                        push_pointer(&mut err.pointer, &k);
                        return Err(err);
                    }
                    *key = Some(k);
                }
                Some(k) => members.push((k, completed)),
            },
        }
    }
    Ok(root.unwrap_or(Node::new(Value::Null, 1)))
}

fn line_of(mark: &Marker) -> u32 {
    u32::try_from(mark.line()).unwrap_or(u32::MAX).max(1)
}

fn pointer_of(stack: &[Frame]) -> String {
    let mut pointer = String::new();
    for frame in stack {
        match frame {
            Frame::Sequence { items, .. } => pointer = join_index(&pointer, items.len()),
            Frame::Mapping { key: Some(k), .. } => push_pointer(&mut pointer, k),
            Frame::Mapping { .. } => {}
        }
    }
    pointer
}

fn remember(anchors: &mut Vec<(usize, Node)>, anchor: usize, node: &Node) {
    if anchor > 0 {
        anchors.push((anchor, node.clone()));
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    let mut work = vec![node];
    while let Some(n) = work.pop() {
        count += 1;
        match &n.value {
            Value::Array(items) => work.extend(items),
            Value::Object(members) => work.extend(members.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
}

/// Resolves a scalar by its tag, or by the YAML 1.2 core schema when it is plain and untagged.
fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>, line: u32) -> Result<Node, String> {
    match tag {
        Some(t) if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" => {
            return core_tagged(text, &t.suffix, line);
        }
        Some(t) if t.handle == "!" && !t.suffix.is_empty() => {
            let node = Node::string(text, line);
            return apply_tag(node, Some(t));
        }
        Some(_) | None => {}
    }
    if style != TScalarStyle::Plain {
        return Ok(Node::string(text, line));
    }
    Ok(Node::new(plain_scalar(text), line))
}

fn plain_scalar(text: String) -> Value {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(n) = parse_yaml_number(&text) {
        return Value::Number(n);
    }
    Value::String(text)
}

fn parse_yaml_number(text: &str) -> Option<serde_json::Number> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok().map(Into::into);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return u64::from_str_radix(oct, 8).ok().map(Into::into);
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    let digits = unsigned.strip_prefix('-').unwrap_or(unsigned);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // Leading zeros ("007") are not integers in the core schema's JSON-compatible form;
        // keep them as strings, as account ids often look like that.
        if digits.len() > 1 && digits.starts_with('0') {
            return None;
        }
        if let Ok(i) = unsigned.parse::<i64>() {
            return Some(i.into());
        }
        if let Ok(u) = unsigned.parse::<u64>() {
            return Some(u.into());
        }
    }
    // Floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let mut chars = digits.bytes().peekable();
    let mut mantissa_digits = 0;
    while chars.peek().is_some_and(u8::is_ascii_digit) {
        chars.next();
        mantissa_digits += 1;
    }
    if chars.peek() == Some(&b'.') {
        chars.next();
        while chars.peek().is_some_and(u8::is_ascii_digit) {
            chars.next();
            mantissa_digits += 1;
        }
    }
    if mantissa_digits == 0 {
        return None;
    }
    if matches!(chars.peek(), Some(b'e' | b'E')) {
        chars.next();
        if matches!(chars.peek(), Some(b'+' | b'-')) {
            chars.next();
        }
        let mut exp_digits = 0;
        while chars.peek().is_some_and(u8::is_ascii_digit) {
            chars.next();
            exp_digits += 1;
        }
        if exp_digits == 0 {
            return None;
        }
    }
    if chars.next().is_some() {
        return None;
    }
    unsigned.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
}

fn core_tagged(text: String, suffix: &str, line: u32) -> Result<Node, String> {
    let value = match suffix {
        "str" => Value::String(text),
        "null" => Value::Null,
        "bool" => match text.as_str() {
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            _ => return Err(format!("`{text}` is not a boolean")),
        },
        "int" | "float" => match parse_yaml_number(&text) {
            Some(n) => Value::Number(n),
            None => return Err(format!("`{text}` is not a number")),
        },
        other => return Err(format!("unsupported YAML tag `!!{other}`")),
    };
    Ok(Node::new(value, line))
}

/// Applies a local tag: CloudFormation short forms become their long form.
fn apply_tag(node: Node, tag: Option<&Tag>) -> Result<Node, String> {
    let Some(tag) = tag else { return Ok(node) };
    if tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:" {
        return match (tag.suffix.as_str(), &node.value) {
            ("seq", Value::Array(_)) | ("map", Value::Object(_)) => Ok(node),
            (other, _) => Err(format!("unsupported YAML tag `!!{other}` on a collection")),
        };
    }
    let name = tag.suffix.as_str();
    let line = node.line;
    let key = match name {
        "Ref" | "Condition" => name.to_owned(),
        _ if CFN_FUNCTIONS.contains(&name) => format!("Fn::{name}"),
        _ => return Err(format!("unsupported YAML tag `!{name}`")),
    };
    let argument = if name == "GetAtt" {
        // `!GetAtt Resource.Attribute` splits at the first dot; attributes may contain dots.
        match &node.value {
            Value::String(s) => match s.split_once('.') {
                Some((resource, attribute)) => {
                    Node::new(Value::Array(vec![Node::string(resource, line), Node::string(attribute, line)]), line)
                }
                None => return Err(format!("`!GetAtt {s}` needs the form `Resource.Attribute`")),
            },
            _ => node,
        }
    } else {
        node
    };
    Ok(Node::new(Value::Object(vec![(key, argument)]), line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Result<Node, SyntaxError> {
        parse_yaml(text, &Limits::default())
    }

    #[test]
    fn core_schema_scalars() {
        let node = parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: 0123456789\ng: hello\nh: -3\n").unwrap();
        assert_eq!(
            node.to_json(),
            json!({"a": 1, "b": 1.5, "c": true, "d": null, "e": "1", "f": "0123456789", "g": "hello", "h": -3})
        );
    }

    #[test]
    fn cloudformation_short_forms_become_long_forms() {
        let text = "A: !Ref Role\nB: !GetAtt Fn.Arn\nC: !Sub 'arn:${AWS::Partition}:x'\nD: !Join ['', [a, !Ref B]]\nE: !GetAtt [Fn, Arn]\n";
        assert_eq!(
            parse(text).unwrap().to_json(),
            json!({
                "A": {"Ref": "Role"},
                "B": {"Fn::GetAtt": ["Fn", "Arn"]},
                "C": {"Fn::Sub": "arn:${AWS::Partition}:x"},
                "D": {"Fn::Join": ["", ["a", {"Ref": "B"}]]},
                "E": {"Fn::GetAtt": ["Fn", "Arn"]}
            })
        );
    }

    #[test]
    fn lines_are_recorded() {
        let node = parse("Resources:\n  Fn:\n    Type: X\n    Properties:\n      Name: y\n").unwrap();
        let fn_node = node.get("Resources").unwrap().get("Fn").unwrap();
        assert_eq!(fn_node.get("Type").unwrap().line, 3);
        assert_eq!(fn_node.get("Properties").unwrap().get("Name").unwrap().line, 5);
    }

    #[test]
    fn duplicate_keys_and_unknown_tags_are_errors() {
        let err = parse("a:\n  b: 1\n  b: 2\n").unwrap_err();
        assert_eq!(err.message, "duplicate key `b`");
        assert_eq!(err.pointer, "/a/b");
        let err = parse("a: !Bogus x\n").unwrap_err();
        assert!(err.message.contains("unsupported YAML tag `!Bogus`"), "{}", err.message);
    }

    #[test]
    fn alias_bombs_are_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{}", err.message);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.line >= 1);
        assert!(!err.message.is_empty());
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = "[".repeat(5000);
        assert!(parse(&text).is_err());
    }
}
