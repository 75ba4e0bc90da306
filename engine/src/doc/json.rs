//! A strict RFC 8259 JSON parser that records the line of every value.
//!
//! Written here rather than taken from a crate because the readers need three things at once that
//! no JSON crate offers together: a line for every value (for findings), duplicate keys rejected
//! with the pointer where they occur, and a nesting limit enforced without recursion.

use super::{Limits, Node, SyntaxError, Value, join_index, push_pointer};

/// Parses one JSON document.
pub(crate) fn parse_json(text: &str, limits: &Limits) -> Result<Node, SyntaxError> {
    Parser::new(text, limits.max_depth).parse()
}

enum Frame {
    Array { items: Vec<Node>, line: u32 },
    Object { members: Vec<(String, Node)>, line: u32, key: Option<(String, u32)> },
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
    max_depth: usize,
    stack: Vec<Frame>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, max_depth: usize) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Self { bytes: text.as_bytes(), text, pos: 0, line: 1, line_start: 0, max_depth, stack: Vec::new() }
    }

    fn parse(mut self) -> Result<Node, SyntaxError> {
        self.skip_ws();
        let root = self.parse_value()?;
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return Err(self.error("unexpected content after the end of the document"));
        }
        Ok(root)
    }

    /// Parses a value; containers are handled with an explicit stack.
    fn parse_value(&mut self) -> Result<Node, SyntaxError> {
        loop {
            // Read one value start: a scalar completes at once, a container opens a frame.
            let line = self.line;
            let completed = match self.peek() {
                Some(b'{') => {
                    self.open_frame(Frame::Object { members: Vec::new(), line, key: None })?;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        self.close_frame()
                    } else {
                        self.read_key()?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.open_frame(Frame::Array { items: Vec::new(), line })?;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        self.close_frame()
                    } else {
                        continue;
                    }
                }
                Some(b'"') => Node::new(Value::String(self.read_string()?), line),
                Some(b't') => self.read_literal("true", Value::Bool(true))?,
                Some(b'f') => self.read_literal("false", Value::Bool(false))?,
                Some(b'n') => self.read_literal("null", Value::Null)?,
                Some(b'-' | b'0'..=b'9') => self.read_number()?,
                Some(_) => return Err(self.error("expected a value")),
                None => return Err(self.error("unexpected end of input, expected a value")),
            };
            // Attach the completed value to its parent and close every container that ends here.
            let mut value = completed;
            loop {
                match self.stack.last_mut() {
                    None => return Ok(value),
                    Some(Frame::Array { items, .. }) => {
                        items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                break;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                value = self.close_frame();
                            }
                            _ => return Err(self.error("expected `,` or `]` after an array item")),
                        }
                    }
                    Some(Frame::Object { members, key, .. }) => {
                        if let Some((k, _)) = key.take() {
                            members.push((k, value));
                        }
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                self.read_key()?;
                                break;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                value = self.close_frame();
                            }
                            _ => return Err(self.error("expected `,` or `}` after an object member")),
                        }
                    }
                }
            }
        }
    }

    fn open_frame(&mut self, frame: Frame) -> Result<(), SyntaxError> {
        if self.stack.len() >= self.max_depth {
            return Err(self.error(&format!("nesting deeper than {} levels", self.max_depth)));
        }
        self.pos += 1;
        self.stack.push(frame);
        Ok(())
    }

    fn close_frame(&mut self) -> Node {
        match self.stack.pop() {
            Some(Frame::Array { items, line }) => Node::new(Value::Array(items), line),
            Some(Frame::Object { members, line, .. }) => Node::new(Value::Object(members), line),
            None => Node::new(Value::Null, self.line),
        }
    }

    /// Reads `"key":` into the innermost object frame, rejecting duplicates.
    fn read_key(&mut self) -> Result<(), SyntaxError> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string key"));
        }
        let line = self.line;
        let key = self.read_string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.error("expected `:` after an object key"));
        }
        self.pos += 1;
        self.skip_ws();
        if let Some(Frame::Object { members, key: slot, .. }) = self.stack.last_mut() {
            if members.iter().any(|(k, _)| *k == key) {
                let message = format!("duplicate key `{key}`");
                let mut err = self.error(&message);
                push_pointer(&mut err.pointer, &key);
                err.line = line;
                return Err(err);
            }
            *slot = Some((key, line));
        }
        Ok(())
    }

    fn read_literal(&mut self, word: &str, value: Value) -> Result<Node, SyntaxError> {
        let line = self.line;
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node::new(value, line))
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn read_number(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        let line = self.line;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number: expected a digit after `.`"));
            }
            self.skip_digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number: expected a digit in the exponent"));
            }
            self.skip_digits();
        }
        let literal = self.text.get(start..self.pos).unwrap_or("0");
        let number = literal.parse::<serde_json::Number>().map_err(|_| self.error("number out of range"))?;
        Ok(Node::new(Value::Number(number), line))
    }

    fn skip_digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn read_string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        // Fast path: no escapes.
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'"' => {
                    let s = self.text.get(start..self.pos).unwrap_or_default().to_owned();
                    self.pos += 1;
                    return Ok(s);
                }
                b'\\' => break,
                0x00..=0x1f => return Err(self.error("control character in a string")),
                _ => self.pos += 1,
            }
        }
        let mut out = String::from(self.text.get(start..self.pos).unwrap_or_default());
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&esc) = self.bytes.get(self.pos) else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.read_unicode_escape()?),
                        _ => return Err(self.error("invalid escape in a string")),
                    }
                }
                0x00..=0x1f => return Err(self.error("control character in a string")),
                _ => {
                    // Copy a run of ordinary characters at once; runs end on ASCII bytes, so
                    // slicing stays on character boundaries.
                    let run_start = self.pos;
                    while let Some(&c) = self.bytes.get(self.pos) {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
                }
            }
        }
    }

    fn read_hex4(&mut self) -> Result<u32, SyntaxError> {
        let hex = self.text.get(self.pos..self.pos + 4).ok_or_else(|| self.error("invalid unicode escape"))?;
        let code = u32::from_str_radix(hex, 16).map_err(|_| self.error("invalid unicode escape"))?;
        self.pos += 4;
        Ok(code)
    }

    fn read_unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.read_hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                return Err(self.error("unpaired surrogate in a unicode escape"));
            }
            self.pos += 2;
            let second = self.read_hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("unpaired surrogate in a unicode escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode escape"))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                }
                _ => break,
            }
        }
    }

    /// The pointer of the value being read, from the open frames.
    fn current_pointer(&self) -> String {
        let mut pointer = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Array { items, .. } => pointer = join_index(&pointer, items.len()),
                Frame::Object { key: Some((k, _)), .. } => push_pointer(&mut pointer, k),
                Frame::Object { .. } => {}
            }
        }
        pointer
    }

    fn error(&self, message: &str) -> SyntaxError {
        let column = self.text.get(self.line_start..self.pos.min(self.text.len())).map_or(1, |s| s.chars().count() + 1);
        SyntaxError {
            line: self.line,
            column: u32::try_from(column).unwrap_or(u32::MAX),
            pointer: self.current_pointer(),
            message: message.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Node, SyntaxError> {
        parse_json(text, &Limits::default())
    }

    #[test]
    fn values_carry_their_lines() {
        let node = parse("{\n  \"a\": 1,\n  \"b\": [\n    true,\n    \"x\"\n  ]\n}").unwrap();
        assert_eq!(node.line, 1);
        assert_eq!(node.get("a").unwrap().line, 2);
        let b = node.get("b").unwrap();
        assert_eq!(b.line, 3);
        assert_eq!(b.as_array().unwrap()[1].line, 5);
    }

    #[test]
    fn matches_serde_json_on_escapes_and_numbers() {
        let text = r#"{"s": "a\"b\\c\/\n\u00e9\ud83d\ude00", "n": [-0, 1.5e3, 12345678901234567890, -7]}"#;
        let ours = parse(text).unwrap().to_json();
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn duplicate_keys_are_rejected_with_their_pointer() {
        let err = parse("{\"States\": {\"A\": {\"Type\": \"Pass\",\n \"Type\": \"Task\"}}}").unwrap_err();
        assert_eq!(err.message, "duplicate key `Type`");
        assert_eq!(err.pointer, "/States/A/Type");
        assert_eq!(err.line, 2);
    }

    #[test]
    fn errors_name_line_column_and_pointer() {
        let err = parse("{\n  \"a\": [1, 2,\n  ]\n}").unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(err.pointer, "/a/2");
        assert!(err.message.contains("expected a value"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nesting deeper than"), "{}", err.message);
    }

    #[test]
    fn rejects_malformed_documents() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "01", "1.", "\"\\x\"", "{} {}", "\"a\nb\"", "NaN", "{'a': 1}"]
        {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn accepts_a_leading_byte_order_mark() {
        assert_eq!(parse("\u{feff}{}").unwrap().to_json(), serde_json::json!({}));
    }
}
