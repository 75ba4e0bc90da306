//! Syntax of JSONata expressions as Step Functions embeds them: `"{% <expression> %}"`.
//!
//! [`check_expression`] is a recognizer, not an evaluator: a tokenizer plus a Pratt parser
//! that follows the grammar of JSONata 2.x (the version Step Functions runs) closely enough to
//! reject what the JSONata parser rejects — unbalanced brackets, a missing operand, stray
//! tokens, unterminated strings, comments and regular expressions — without building a tree.
//! Expressions nested deeper than [`MAX_DEPTH`] are accepted unchecked rather than risking the
//! stack.

/// Deepest nesting the parser follows before giving up (and accepting the expression).
const MAX_DEPTH: usize = 128;

/// How a string value relates to the `{% %}` delimiters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Surround<'a> {
    /// Not an expression: a literal string.
    Literal,
    /// `{% ... %}`: the expression between the delimiters.
    Expression(&'a str),
    /// Starts with `{%` but does not end with `%}`.
    Unclosed,
    /// Ends with `%}` but does not start with `{%` (taken as a literal, likely a mistake).
    Unopened,
}

/// Classifies a string by its delimiters.
pub(crate) fn surround(s: &str) -> Surround<'_> {
    let opens = s.starts_with("{%");
    let closes = s.ends_with("%}");
    match (opens, closes) {
        (true, true) if s.len() >= 4 => Surround::Expression(s.get(2..s.len() - 2).unwrap_or_default()),
        (true, _) => Surround::Unclosed,
        (false, true) => Surround::Unopened,
        (false, false) => Surround::Literal,
    }
}

/// Checks the syntax of a JSONata expression (without its delimiters).
pub(crate) fn check_expression(source: &str) -> Result<(), String> {
    if source.trim().is_empty() {
        return Err("empty expression".to_owned());
    }
    let tokens = tokenize(source)?;
    let mut parser = Parser { tokens: &tokens, pos: 0, depth: 0 };
    match parser.expression(0) {
        Ok(_) => {}
        Err(Failure::TooDeep) => return Ok(()),
        Err(Failure::Syntax(message)) => return Err(message),
    }
    match parser.peek() {
        Token::End => Ok(()),
        other => Err(format!("unexpected {} after the end of the expression", other.describe())),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Op(&'static str),
    Name(String),
    Variable,
    Literal,
    Regex,
    End,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Op(op) => format!("`{op}`"),
            Token::Name(name) => format!("name `{name}`"),
            Token::Variable => "variable".to_owned(),
            Token::Literal => "literal".to_owned(),
            Token::Regex => "regular expression".to_owned(),
            Token::End => "end of expression".to_owned(),
        }
    }

    /// Whether a `/` after this token divides (true) or starts a regular expression (false).
    fn ends_operand(&self) -> bool {
        match self {
            Token::Name(_) | Token::Variable | Token::Literal | Token::Regex => true,
            Token::Op(op) => matches!(*op, ")" | "]" | "}"),
            Token::End => false,
        }
    }
}

const TWO_CHAR_OPS: &[&str] = &["..", ":=", "!=", ">=", "<=", "**", "~>", "??", "?:"];
const ONE_CHAR_OPS: &[&str] = &[
    ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^",
    "&", "!", "~",
];

fn one_char_op(c: char) -> Option<&'static str> {
    let mut buf = [0u8; 4];
    let s: &str = c.encode_utf8(&mut buf);
    ONE_CHAR_OPS.iter().find(|op| **op == s).copied()
}

fn tokenize(source: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}') {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut j = i + 2;
            loop {
                match chars.get(j) {
                    None => return Err("unterminated comment".to_owned()),
                    Some('*') if chars.get(j + 1) == Some(&'/') => break,
                    Some(_) => j += 1,
                }
            }
            i = j + 2;
            continue;
        }
        let after_operand = tokens.last().is_some_and(Token::ends_operand);
        if c == '/' && !after_operand {
            i = scan_regex(&chars, i + 1)?;
            tokens.push(Token::Regex);
            continue;
        }
        if let Some(next) = chars.get(i + 1) {
            let pair: String = [c, *next].iter().collect();
            if let Some(op) = TWO_CHAR_OPS.iter().find(|op| **op == pair) {
                tokens.push(Token::Op(op));
                i += 2;
                continue;
            }
        }
        if let Some(op) = one_char_op(c) {
            tokens.push(Token::Op(op));
            i += 1;
            continue;
        }
        if c == '"' || c == '\'' {
            i = scan_string(&chars, i)?;
            tokens.push(Token::Literal);
            continue;
        }
        if c.is_ascii_digit() {
            i = scan_number(&chars, i);
            tokens.push(Token::Literal);
            continue;
        }
        if c == '`' {
            let Some(end) = chars.iter().skip(i + 1).position(|c| *c == '`') else {
                return Err("unterminated backtick-quoted name".to_owned());
            };
            let name: String = chars.get(i + 1..i + 1 + end).unwrap_or_default().iter().collect();
            tokens.push(Token::Name(name));
            i += end + 2;
            continue;
        }
        let start = i;
        while let Some(&c) = chars.get(i) {
            if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}') || one_char_op(c).is_some() {
                break;
            }
            i += 1;
        }
        let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
        tokens.push(if word.starts_with('$') {
            Token::Variable
        } else {
            match word.as_str() {
                "and" => Token::Op("and"),
                "or" => Token::Op("or"),
                "in" => Token::Op("in"),
                "true" | "false" | "null" => Token::Literal,
                _ => Token::Name(word),
            }
        });
    }
    tokens.push(Token::End);
    Ok(tokens)
}

/// Scans a string literal from its opening quote; returns the index after the closing quote.
fn scan_string(chars: &[char], start: usize) -> Result<usize, String> {
    let quote = chars.get(start).copied().unwrap_or('"');
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        if c == '\\' {
            match chars.get(i + 1) {
                Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => i += 2,
                Some('u') => {
                    let hex = chars.get(i + 2..i + 6).unwrap_or_default();
                    if hex.len() != 4 || !hex.iter().all(char::is_ascii_hexdigit) {
                        return Err("`\\u` must be followed by four hex digits".to_owned());
                    }
                    i += 6;
                }
                Some(other) => return Err(format!("invalid escape `\\{other}` in a string")),
                None => return Err("unterminated string".to_owned()),
            }
            continue;
        }
        if c == quote {
            return Ok(i + 1);
        }
        i += 1;
    }
    Err("unterminated string".to_owned())
}

/// Scans `0|[1-9][0-9]*` with an optional fraction and exponent; a `.` not followed by a digit
/// is left for the next token (as JSONata does).
fn scan_number(chars: &[char], start: usize) -> usize {
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut i = start + 1;
    if chars.get(start) != Some(&'0') {
        while digit(i) {
            i += 1;
        }
    }
    if chars.get(i) == Some(&'.') && digit(i + 1) {
        i += 1;
        while digit(i) {
            i += 1;
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        if digit(j) {
            i = j;
            while digit(i) {
                i += 1;
            }
        }
    }
    i
}

/// Scans a regular expression from after its opening `/`; returns the index after the flags.
fn scan_regex(chars: &[char], start: usize) -> Result<usize, String> {
    let mut depth: i64 = 0;
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        let escaped = {
            let mut backslashes = 0;
            while i > backslashes && chars.get(i - backslashes - 1) == Some(&'\\') {
                backslashes += 1;
            }
            backslashes % 2 == 1
        };
        if c == '/' && depth == 0 && !escaped {
            if i == start {
                return Err("empty regular expression".to_owned());
            }
            let mut j = i + 1;
            while matches!(chars.get(j), Some('i' | 'm')) {
                j += 1;
            }
            return Ok(j);
        }
        if !escaped {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        i += 1;
    }
    Err("unterminated regular expression".to_owned())
}

/// Why parsing stopped.
enum Failure {
    Syntax(String),
    /// Nesting beyond [`MAX_DEPTH`]: the expression is accepted unchecked.
    TooDeep,
}

/// What an expression turned out to be, where the grammar cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The name `function` or `λ`, which turns a following call into a lambda definition.
    FunctionKeyword,
    Variable,
    Other,
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    depth: usize,
}

fn syntax<T>(message: String) -> Result<T, Failure> {
    Err(Failure::Syntax(message))
}

/// Left binding power of a token in infix position.
fn binding_power(token: &Token) -> u8 {
    let Token::Op(op) = token else { return 0 };
    match *op {
        "." => 75,
        "[" | "(" | "@" | "#" => 80,
        "{" => 70,
        "*" | "/" | "%" => 60,
        "+" | "-" | "&" => 50,
        "=" | "<" | ">" | "^" | "!=" | "<=" | ">=" | "~>" | "in" | "??" | "?:" => 40,
        "and" => 30,
        "or" => 25,
        "?" => 20,
        ":=" => 10,
        _ => 0,
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        self.tokens.get(self.pos).unwrap_or(&Token::End)
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn at(&self, op: &str) -> bool {
        matches!(self.peek(), Token::Op(o) if *o == op)
    }

    fn expect(&mut self, op: &str) -> Result<(), Failure> {
        if self.at(op) {
            self.pos += 1;
            Ok(())
        } else {
            syntax(format!("expected `{op}`, found {}", self.peek().describe()))
        }
    }

    fn expression(&mut self, rbp: u8) -> Result<Kind, Failure> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Failure::TooDeep);
        }
        let token = self.next();
        let mut left = self.prefix(&token)?;
        while rbp < binding_power(self.peek()) {
            let token = self.next();
            left = self.infix(&token, left)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    /// A token in prefix position.
    fn prefix(&mut self, token: &Token) -> Result<Kind, Failure> {
        match token {
            Token::Name(name) if name == "function" || name == "λ" => Ok(Kind::FunctionKeyword),
            Token::Name(_) | Token::Literal | Token::Regex => Ok(Kind::Other),
            Token::Variable => Ok(Kind::Variable),
            Token::End => syntax("unexpected end of expression".to_owned()),
            Token::Op(op) => match *op {
                // The keywords double as field names.
                "and" | "or" | "in" | "*" | "**" | "%" => Ok(Kind::Other),
                "-" => self.expression(70).map(|_| Kind::Other),
                "(" => {
                    while !self.at(")") {
                        self.expression(0)?;
                        if !self.at(";") {
                            break;
                        }
                        self.pos += 1;
                    }
                    self.expect(")")?;
                    Ok(Kind::Other)
                }
                "[" => {
                    if !self.at("]") {
                        loop {
                            self.expression(0)?;
                            if self.at("..") {
                                self.pos += 1;
                                self.expression(0)?;
                            }
                            if !self.at(",") {
                                break;
                            }
                            self.pos += 1;
                        }
                    }
                    self.expect("]")?;
                    Ok(Kind::Other)
                }
                "{" => self.object().map(|()| Kind::Other),
                "|" => {
                    self.expression(0)?;
                    self.expect("|")?;
                    self.expression(0)?;
                    if self.at(",") {
                        self.pos += 1;
                        self.expression(0)?;
                    }
                    self.expect("|")?;
                    Ok(Kind::Other)
                }
                other => syntax(format!("unexpected `{other}` where a value was expected")),
            },
        }
    }

    /// The pairs of an object constructor or group-by, after `{`.
    fn object(&mut self) -> Result<(), Failure> {
        if !self.at("}") {
            loop {
                self.expression(0)?;
                self.expect(":")?;
                self.expression(0)?;
                if !self.at(",") {
                    break;
                }
                self.pos += 1;
            }
        }
        self.expect("}")
    }

    /// A token in infix position, with what is on its left.
    fn infix(&mut self, token: &Token, left: Kind) -> Result<Kind, Failure> {
        let Token::Op(op) = token else {
            return syntax(format!("unexpected {}", token.describe()));
        };
        match *op {
            "(" => {
                if !self.at(")") {
                    loop {
                        if self.at("?") {
                            // A partial-application placeholder.
                            self.pos += 1;
                        } else {
                            self.expression(0)?;
                        }
                        if !self.at(",") {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                self.expect(")")?;
                if left == Kind::FunctionKeyword {
                    if self.at("<") {
                        self.skip_signature()?;
                    }
                    self.expect("{")?;
                    self.expression(0)?;
                    self.expect("}")?;
                }
                Ok(Kind::Other)
            }
            "[" => {
                if self.at("]") {
                    self.pos += 1;
                } else {
                    self.expression(0)?;
                    self.expect("]")?;
                }
                Ok(Kind::Other)
            }
            "{" => self.object().map(|()| Kind::Other),
            "^" => {
                self.expect("(")?;
                loop {
                    if self.at("<") || self.at(">") {
                        self.pos += 1;
                    }
                    self.expression(0)?;
                    if !self.at(",") {
                        break;
                    }
                    self.pos += 1;
                }
                self.expect(")")?;
                Ok(Kind::Other)
            }
            ":=" => {
                if left != Kind::Variable {
                    return syntax("the left side of `:=` must be a variable".to_owned());
                }
                self.expression(9)?;
                Ok(Kind::Other)
            }
            "@" | "#" => {
                if self.expression(80)? != Kind::Variable {
                    return syntax(format!("`{op}` must be followed by a variable"));
                }
                Ok(Kind::Other)
            }
            "?" => {
                self.expression(0)?;
                if self.at(":") {
                    self.pos += 1;
                    self.expression(0)?;
                }
                Ok(Kind::Other)
            }
            "." | "+" | "-" | "*" | "/" | "%" | "=" | "<" | ">" | "!=" | "<=" | ">=" | "&" | "and" | "or" | "in"
            | "~>" | "??" | "?:" => {
                self.expression(binding_power(token))?;
                Ok(Kind::Other)
            }
            other => syntax(format!("unexpected `{other}`")),
        }
    }

    /// Skips a lambda signature `<...>`, which has its own small grammar.
    fn skip_signature(&mut self) -> Result<(), Failure> {
        self.pos += 1;
        let mut depth = 1;
        while depth > 0 {
            match self.next() {
                Token::Op(">") => depth -= 1,
                Token::Op("<") => depth += 1,
                Token::End => return syntax("unterminated function signature".to_owned()),
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_expressions_pass() {
        for ok in [
            "10",
            "1+2",
            "$sum($states.input.numbers)",
            "$states.input.data.items",
            "$not(null in $each($states.input.data.address, function($v) { $length($trim($v)) > 0 ? $v : null }))",
            "$match($states.input.email, /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$/)",
            "($e := $x.email; $n := $x.first & ' ' & $x.last; $x.interests[category = 'home']{'customer': $n, category: {type: yearBuilt}})",
            "$exists($states.input.moreData) ? $states.input.moreData : {}",
            "789.0123456789012",
            "[1..5, 7]",
            "Account.Order.Product^(>Price, <Name)",
            "$x ?: 'default'",
            "$x ?? 0",
            "Account.Order@$o.Product#$i",
            "| Account | {'x': 1}, ['y'] |",
            "$map([1,2], function($v, $i) <n-n:n> { $v * $i })",
            "/* note */ $a / 2",
            "$states.result.Payload",
            "$uuid()",
            "$f(?, 2)",
            "-5 * 2",
            "**.Price",
            "`weird name`.x",
        ] {
            assert_eq!(check_expression(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn broken_expressions_fail() {
        for bad in [
            "420.",
            "10 + * 2",
            "$.store.book[?(@.price < 10)].title",
            "$sum($states.input.items.numbers",
            "'unterminated",
            "(1; 2",
            "[1, 2",
            "{'a' 1}",
            "1 2",
            "a ! b",
            "/* open",
            "'bad \\q escape'",
            "a.b := 3",
            "",
            "   ",
        ] {
            assert!(check_expression(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn surround_classifies_delimiters() {
        assert_eq!(surround("{% 10 %}"), Surround::Expression(" 10 "));
        assert_eq!(surround("{% 10 %"), Surround::Unclosed);
        assert_eq!(surround("10 %}"), Surround::Unopened);
        assert_eq!(surround("{%}"), Surround::Unclosed);
        assert_eq!(surround("plain"), Surround::Literal);
    }

    #[test]
    fn very_deep_nesting_is_accepted_without_overflow() {
        let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(check_expression(&deep), Ok(()));
    }
}
