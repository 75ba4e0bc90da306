//! State machine definitions in templates: `Definition` objects, `DefinitionString` text,
//! local files named by `DefinitionUri`/`DefinitionS3Location`, and `DefinitionSubstitutions`.
//!
//! Step Functions replaces `${name}` placeholders textually. A JSON string that is exactly one
//! placeholder becomes the substituted value itself, so a symbolic substitution (`!GetAtt
//! Fn.Arn`) stays a structured symbolic value in the graph; a string with text around
//! placeholders becomes a string when every value is known, else a `{"sub": ...}`.
//!
//! A `DefinitionString` is text, so values known only at deploy time are first written into it
//! as private-use sentinel tokens (chosen so that they cannot clash with the text), the text is
//! parsed, and each sentinel is then replaced by its value. A sentinel outside a JSON string
//! (a number or a whole object left to deploy time) cannot be represented and is an error.

use std::collections::BTreeMap;

use super::resolve::{Part, Piece, build, display_text, scalar_text};
use super::{Reader, TemplateResource};
use crate::asl::{self, DefinitionPlace, Storage};
use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::ingest::ReadOutcome;
use crate::ingest::asl_file::parse_embedded;
use crate::ingest::symbolic::is_symbolic;
use crate::model::StateMachine;

/// `DefinitionSubstitutions`, resolved: name → value (concrete or symbolic).
pub(super) type Substitutions = BTreeMap<String, Node>;

/// Diagnostic code for a definition kept in S3.
const NOT_LOCAL: &str = "CFN_DEFINITION_NOT_LOCAL";

impl Reader<'_, '_> {
    /// Reads and resolves `DefinitionSubstitutions`.
    pub(super) fn substitutions(&self, res: &TemplateResource<'_>) -> Result<Substitutions, InputError> {
        let mut out = Substitutions::new();
        let Some((node, pointer)) = res.property("DefinitionSubstitutions") else { return Ok(out) };
        let Some(value) = self.resolver.resolve(node, &pointer)? else { return Ok(out) };
        let Some(members) = value.as_object().filter(|_| !is_symbolic(&value)) else {
            return Err(self.ctx.type_error(&value, &pointer, "an object of substitutions"));
        };
        for (name, v) in members {
            let ok = matches!(v.value, Value::String(_) | Value::Number(_) | Value::Bool(_)) || is_symbolic(v);
            if !ok {
                return Err(self.ctx.type_error(v, &join_pointer(&pointer, name), "a string, number or boolean"));
            }
            out.insert(name.clone(), v.clone());
        }
        Ok(out)
    }

    /// Reads a `Definition` given as an object.
    pub(super) fn read_inline_definition(
        &self,
        machine: &mut StateMachine,
        node: &Node,
        pointer: &str,
        substitutions: &Substitutions,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        let Some(definition) = self.resolver.resolve(node, pointer)? else { return Ok(()) };
        if is_symbolic(&definition) {
            self.not_evaluable(out, &machine.id, pointer, &definition);
            return Ok(());
        }
        if definition.as_object().is_none() {
            return Err(self.ctx.type_error(&definition, pointer, "a state machine definition (an object)"));
        }
        let definition = substitute_tree(self.ctx.file, definition, substitutions, pointer)?;
        let place = DefinitionPlace { file: self.ctx.file, storage: Storage::Inline(pointer) };
        asl::read_definition(&definition, machine, &place, &mut out.graph);
        Ok(())
    }

    /// Reads a `DefinitionString`: a string, an `Fn::Sub` or an `Fn::Join`.
    pub(super) fn read_definition_string(
        &self,
        machine: &mut StateMachine,
        node: &Node,
        pointer: &str,
        substitutions: &Substitutions,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        let Some(pieces) = self.resolver.text_pieces(node, pointer)? else {
            let value = self.resolver.resolve_or_null(node, pointer)?;
            if is_symbolic(&value) {
                self.not_evaluable(out, &machine.id, pointer, &value);
                return Ok(());
            }
            return Err(self.ctx.type_error(&value, pointer, "a definition string"));
        };
        let rendered = render(pieces, substitutions);
        let offset = self.file_line_offset(node, &rendered.text);
        if let Some((index, inner_line)) = rendered.outside_json_string() {
            let shown = rendered.values.get(index).map(display_text).unwrap_or_default();
            return Err(self.ctx.error(
                offset.map_or(node.line, |o| o + inner_line),
                pointer,
                InputErrorKind::NotEvaluable,
                format!("`{shown}` is substituted outside a JSON string; its value is known only at deploy time"),
            ));
        }
        let parsed = parse_embedded(self.ctx, &rendered.text, pointer, node.line)?;
        let definition = rendered.restore(self.ctx.file, parsed, pointer)?;
        let place = DefinitionPlace {
            file: self.ctx.file,
            storage: Storage::Embedded {
                pointer,
                line: offset.unwrap_or(node.line),
                line_preserving: offset.is_some(),
            },
        };
        asl::read_definition(&definition, machine, &place, &mut out.graph);
        Ok(())
    }

    /// Reads a definition from a file named relative to the template.
    pub(super) fn read_definition_file(
        &self,
        machine: &mut StateMachine,
        path: &str,
        pointer: &str,
        line: u32,
        substitutions: &Substitutions,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        let (display, node) = self.ctx.read_relative(path, pointer, line)?;
        if node.as_object().is_none() {
            return Err(InputError::new(
                &display,
                Some(node.line),
                "",
                InputErrorKind::Shape,
                format!("expected a state machine definition (an object), found {}", node.described_type()),
            ));
        }
        let definition = substitute_tree(&display, node, substitutions, "")?;
        let place = DefinitionPlace { file: &display, storage: Storage::Inline("") };
        asl::read_definition(&definition, machine, &place, &mut out.graph);
        Ok(())
    }

    /// Records that the definition is in S3 and was not read.
    pub(super) fn remote_definition(
        &self,
        machine: &StateMachine,
        location: &str,
        pointer: &str,
        line: u32,
        out: &mut ReadOutcome,
    ) {
        self.warn(
            out,
            NOT_LOCAL,
            Some(&machine.id),
            pointer,
            line,
            format!("the definition is stored in S3 at `{location}` and was not read"),
        );
    }

    /// An S3 location object (`{Bucket, Key, Version}`) as `s3://bucket/key`.
    pub(super) fn s3_location(&self, value: &Node, pointer: &str, property: &str) -> Result<String, InputError> {
        let (Some(bucket), Some(key)) = (value.get("Bucket"), value.get("Key")) else {
            return Err(self.ctx.error(
                value.line,
                pointer,
                InputErrorKind::Shape,
                format!("`{property}` needs `Bucket` and `Key`"),
            ));
        };
        for (field, v) in [("Bucket", bucket), ("Key", key)] {
            if v.as_str().is_none() && !is_symbolic(v) {
                return Err(self.ctx.type_error(v, &join_pointer(pointer, field), "a string"));
            }
        }
        Ok(format!("s3://{}/{}", display_text(bucket), display_text(key)))
    }

    /// The file line just before line 1 of `rendered`, when line N of it is that line plus N
    /// in the file: the text came from a YAML block scalar (`|`) whose lines match the file's
    /// one for one, and substitution added no lines.
    fn file_line_offset(&self, node: &Node, rendered: &str) -> Option<u32> {
        let text_node = match node.as_object() {
            None => Some(node),
            Some([(name, arg)]) if name == "Fn::Sub" => match &arg.value {
                Value::String(_) => Some(arg),
                Value::Array(items) => items.first(),
                _ => None,
            },
            Some(_) => None,
        }?;
        let text = text_node.as_str()?;
        let file_text = self.ctx.documents.get(self.ctx.file)?;
        if text.matches('\n').count() != rendered.matches('\n').count() {
            return None;
        }
        // A block scalar's value starts on the line after its `|` indicator.
        let first = usize::try_from(text_node.line).ok().filter(|l| *l > 1)?;
        let mut lines = file_text.lines().skip(first - 2);
        let header = lines.next()?;
        let indicator = header.split(" #").next().unwrap_or_default().trim_end();
        let is_block = indicator
            .rsplit(char::is_whitespace)
            .next()
            .and_then(|last| last.strip_prefix('|'))
            .is_some_and(|rest| rest.chars().all(|c| matches!(c, '+' | '-' | '0'..='9')));
        let matches = text.lines().all(|l| lines.next().is_some_and(|f| f.trim() == l.trim()));
        (is_block && matches).then(|| text_node.line - 1)
    }
}

/// Applies substitutions to every string (and key) of a definition.
fn substitute_tree(file: &str, node: Node, substitutions: &Substitutions, pointer: &str) -> Result<Node, InputError> {
    if substitutions.is_empty() {
        return Ok(node);
    }
    let line = node.line;
    let value = match node.value {
        Value::String(s) => {
            return Ok(substitute_text(&s, substitutions, line).unwrap_or_else(|| Node::string(s, line)));
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| substitute_tree(file, item, substitutions, &join_index(pointer, i)))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(members) => {
            let mut out = Vec::with_capacity(members.len());
            for (key, value) in members {
                let member_pointer = join_pointer(pointer, &key);
                let key = match substitute_text(&key, substitutions, line) {
                    None => key,
                    Some(Node { value: Value::String(k), .. }) => k,
                    Some(other) => {
                        return Err(InputError::new(
                            file,
                            (value.line > 0).then_some(value.line),
                            member_pointer,
                            InputErrorKind::NotEvaluable,
                            format!("the key `{key}` becomes `{}`, known only at deploy time", display_text(&other)),
                        ));
                    }
                };
                let value = substitute_tree(file, value, substitutions, &member_pointer)?;
                out.push((key, value));
            }
            Value::Object(out)
        }
        other => other,
    };
    Ok(Node::new(value, line))
}

/// Replaces `${name}` placeholders that have a substitution; `None` when there are none.
fn substitute_text(text: &str, substitutions: &Substitutions, line: u32) -> Option<Node> {
    let parts = substitution_parts(text, substitutions)?;
    if let [Part::Value { node, .. }] = parts.as_slice() {
        // The whole string is one placeholder: the value itself (text stays text).
        return Some(match scalar_text(node) {
            Some(t) => Node::string(t, line),
            None => Node { value: node.value.clone(), line },
        });
    }
    Some(build(parts, line))
}

/// `text` split at the placeholders that have a substitution; `None` when there are none.
fn substitution_parts(text: &str, substitutions: &Substitutions) -> Option<Vec<Part>> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    let mut found = false;
    while let Some((before, after)) = rest.split_once("${") {
        literal.push_str(before);
        match after.split_once('}') {
            Some((name, tail)) if substitutions.contains_key(name) => {
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                let node = substitutions.get(name).cloned().unwrap_or_else(|| Node::string("", 0));
                parts.push(Part::Value { node, hint: name.to_owned() });
                rest = tail;
                found = true;
            }
            _ => {
                literal.push_str("${");
                rest = after;
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    found.then_some(parts)
}

/// Definition text with sentinels standing for deploy-time values.
struct Rendered {
    text: String,
    values: Vec<Node>,
    sentinel: char,
}

/// Writes the pieces and substitutions into one text.
fn render(pieces: Vec<Piece>, substitutions: &Substitutions) -> Rendered {
    let mut all_text = String::new();
    for piece in &pieces {
        if let Piece::Text(t) = piece {
            all_text.push_str(t);
        }
    }
    let sentinel = choose_sentinel(&all_text);
    let mut rendered = Rendered { text: String::new(), values: Vec::new(), sentinel };
    for piece in pieces {
        match piece {
            Piece::Text(t) => match substitution_parts(&t, substitutions) {
                None => rendered.text.push_str(&t),
                Some(parts) => {
                    for part in parts {
                        match part {
                            Part::Literal(s) | Part::Raw(s) => rendered.text.push_str(&s),
                            Part::Value { node, .. } => match scalar_text(&node) {
                                Some(s) => rendered.text.push_str(&s),
                                None => rendered.push_value(node),
                            },
                        }
                    }
                }
            },
            Piece::Value(node) => rendered.push_value(node),
        }
    }
    rendered
}

/// A private-use character that appears in the text neither as itself nor as a `\u` escape.
fn choose_sentinel(text: &str) -> char {
    let lower = text.to_ascii_lowercase();
    (0xE000u32..=0xF8FF)
        .filter_map(char::from_u32)
        .find(|c| !text.contains(*c) && !lower.contains(&format!("\\u{:04x}", u32::from(*c))))
        .unwrap_or('\u{E000}')
}

impl Rendered {
    fn push_value(&mut self, node: Node) {
        let index = self.values.len();
        self.values.push(node);
        self.text.push(self.sentinel);
        self.text.push_str(&index.to_string());
        self.text.push(self.sentinel);
    }

    /// The index and 1-based text line of the first value placed outside a JSON string, when
    /// the text is JSON.
    fn outside_json_string(&self) -> Option<(usize, u32)> {
        let trimmed = self.text.trim_start();
        if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
            return None;
        }
        let mut in_string = false;
        let mut escaped = false;
        let mut line = 1u32;
        let mut chars = self.text.chars();
        while let Some(c) = chars.next() {
            if c == '\n' {
                line = line.saturating_add(1);
            }
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else if c == self.sentinel {
                let digits: String = chars.by_ref().take_while(|d| *d != self.sentinel).collect();
                return digits.parse().ok().map(|i| (i, line));
            }
        }
        None
    }

    /// Splits a parsed string at sentinels into literal and value parts.
    fn parts(&self, text: &str) -> Option<Vec<Part>> {
        if !text.contains(self.sentinel) {
            return None;
        }
        let mut parts = Vec::new();
        for (i, chunk) in text.split(self.sentinel).enumerate() {
            if i % 2 == 0 {
                if !chunk.is_empty() {
                    parts.push(Part::Literal(chunk.to_owned()));
                }
            } else {
                let node = chunk.parse::<usize>().ok().and_then(|n| self.values.get(n)).cloned();
                match node {
                    Some(node) => parts.push(Part::Value { hint: String::new(), node }),
                    None => parts.push(Part::Literal(chunk.to_owned())),
                }
            }
        }
        Some(parts)
    }

    /// Puts the values back where their sentinels are.
    fn restore(&self, file: &str, node: Node, pointer: &str) -> Result<Node, InputError> {
        if self.values.is_empty() {
            return Ok(node);
        }
        let line = node.line;
        let value = match node.value {
            Value::String(s) => {
                return Ok(match self.parts(&s) {
                    None => Node::string(s, line),
                    Some(parts) => match parts.as_slice() {
                        [Part::Value { node, .. }] => Node { value: node.value.clone(), line },
                        _ => build(parts, line),
                    },
                });
            }
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|item| self.restore(file, item, pointer)).collect::<Result<_, _>>()?)
            }
            Value::Object(members) => {
                let mut out = Vec::with_capacity(members.len());
                for (key, value) in members {
                    if let Some(parts) = self.parts(&key) {
                        let shown = build(parts, line);
                        return Err(InputError::new(
                            file,
                            (line > 0).then_some(line),
                            pointer,
                            InputErrorKind::NotEvaluable,
                            format!(
                                "an object key of the definition is `{}`, known only at deploy time",
                                display_text(&shown)
                            ),
                        ));
                    }
                    out.push((key, self.restore(file, value, pointer)?));
                }
                Value::Object(out)
            }
            other => other,
        };
        Ok(Node::new(value, line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subs(pairs: &[(&str, serde_json::Value)]) -> Substitutions {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), Node::from_json(v, 1))).collect()
    }

    #[test]
    fn whole_string_placeholders_take_the_value() {
        let s = subs(&[("Fn", json!({"get_att": ["Fn", "Arn"]})), ("Name", json!("worker")), ("N", json!(3))]);
        assert_eq!(substitute_text("${Fn}", &s, 1).unwrap().to_json(), json!({"get_att": ["Fn", "Arn"]}));
        assert_eq!(substitute_text("${N}", &s, 1).unwrap().to_json(), json!("3"));
        assert_eq!(substitute_text("fn:${Name}:${Other}", &s, 1).unwrap().to_json(), json!("fn:worker:${Other}"));
        assert_eq!(substitute_text("arn:${Fn}/x", &s, 1).unwrap().to_json(), json!({"sub": "arn:${Fn.Arn}/x"}));
        assert!(substitute_text("no placeholders", &s, 1).is_none());
    }

    #[test]
    fn sentinels_avoid_characters_in_the_text() {
        assert_eq!(choose_sentinel("plain"), '\u{E000}');
        assert_eq!(choose_sentinel("has \u{E000}"), '\u{E001}');
        assert_eq!(choose_sentinel("escaped \\uE000 and \\ue001"), '\u{E002}');
    }

    #[test]
    fn placeholders_outside_strings_are_found() {
        let s = Substitutions::new();
        let r = render(
            vec![
                Piece::Text("{\"a\": \"".into()),
                Piece::Value(Node::from_json(&json!({"ref": "P"}), 1)),
                Piece::Text("\", \"b\": ".into()),
                Piece::Value(Node::from_json(&json!({"ref": "Q"}), 1)),
                Piece::Text("}".into()),
            ],
            &s,
        );
        assert_eq!(r.outside_json_string(), Some((1, 1)));
    }
}
