//! Syntax of the JSONPath side of the language: paths, reference paths and intrinsic functions.
//!
//! Step Functions evaluates paths with a Jayway-style JSONPath engine, so `InputPath`,
//! `OutputPath`, payload `.$` values and the other `*Path` fields accept the full syntax (deep
//! scan, wildcards, filters, slices). `ResultPath` is a *reference path*: it names one place to
//! write, so only `.name`, `['name']` and `[index]` steps are allowed. The checks here are
//! syntactic; they never evaluate anything. Strings holding template placeholders (`${...}`)
//! are replaced at deploy time, so callers skip them.

/// Which path grammar a field uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathMode {
    /// Any JSONPath from the state input (`$`), the context object (`$$`) or a variable
    /// (`$name`).
    Path,
    /// A reference path into the state input: `$`, `.name`, `['name']`, `[index]`.
    Reference,
}

/// True when a string holds a template placeholder that is replaced before deployment.
pub(crate) fn has_placeholder(s: &str) -> bool {
    s.contains("${")
}

/// Checks the syntax of a path; the error says what is wrong, in lowercase.
pub(crate) fn check_path(s: &str, mode: PathMode) -> Result<(), String> {
    // The path engine ignores trailing blanks, and real definitions have them.
    let chars: Vec<char> = s.trim_end().chars().collect();
    let mut i = 0;
    if chars.first() != Some(&'$') {
        return Err("a path must start with `$`".to_owned());
    }
    i += 1;
    match chars.get(i) {
        Some('$') => {
            if mode == PathMode::Reference {
                return Err("a reference path cannot point into the context object `$$`".to_owned());
            }
            i += 1;
        }
        Some(c) if is_ident_start(*c) => {
            if mode == PathMode::Reference {
                return Err("a reference path cannot name a variable".to_owned());
            }
            while chars.get(i).is_some_and(|c| is_ident_char(*c)) {
                i += 1;
            }
        }
        _ => {}
    }
    while let Some(&c) = chars.get(i) {
        match c {
            '.' if chars.get(i + 1) == Some(&'.') => {
                if mode == PathMode::Reference {
                    return Err("a reference path cannot use the deep-scan operator `..`".to_owned());
                }
                i += 2;
                match chars.get(i) {
                    Some('*') => i += 1,
                    Some('[') => {}
                    _ => i = read_name(&chars, i, mode, "`..`")?,
                }
            }
            '.' => {
                i += 1;
                if chars.get(i) == Some(&'*') {
                    if mode == PathMode::Reference {
                        return Err("a reference path cannot use the wildcard `*`".to_owned());
                    }
                    i += 1;
                } else if chars.get(i) == Some(&'[') && mode == PathMode::Path {
                    // `$.[0]` is read as `$[0]`.
                } else {
                    i = read_name(&chars, i, mode, "`.`")?;
                }
            }
            '[' => i = read_bracket(&chars, i + 1, mode)?,
            other => return Err(format!("unexpected `{other}` at position {}", i + 1)),
        }
    }
    Ok(())
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Reads a member name after `.` (or `..`); a trailing `()` call is a path function, allowed
/// only at the end of a full path.
fn read_name(chars: &[char], start: usize, mode: PathMode, after: &str) -> Result<usize, String> {
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        if matches!(c, '.' | '[' | ']' | '(' | ')' | '\'' | '"') || c.is_whitespace() {
            break;
        }
        i += 1;
    }
    if i == start {
        return Err(format!("expected a member name after {after} at position {}", start + 1));
    }
    if chars.get(i) == Some(&'(') {
        if mode == PathMode::Reference {
            return Err("a reference path cannot call a function".to_owned());
        }
        let end = skip_balanced(chars, i)?;
        if end != chars.len() {
            return Err("a path function call must be the last step".to_owned());
        }
        return Ok(end);
    }
    Ok(i)
}

/// Reads the inside of `[...]` starting after `[`; returns the index after `]`.
fn read_bracket(chars: &[char], start: usize, mode: PathMode) -> Result<usize, String> {
    let mut i = start;
    while chars.get(i).is_some_and(|c| *c == ' ') {
        i += 1;
    }
    let Some(&first) = chars.get(i) else {
        return Err("unclosed `[`".to_owned());
    };
    let after_content = match first {
        '*' => {
            if mode == PathMode::Reference {
                return Err("a reference path cannot use the wildcard `*`".to_owned());
            }
            i + 1
        }
        '\'' | '"' => {
            let mut j = i;
            loop {
                j = skip_quoted(chars, j)?;
                while chars.get(j).is_some_and(|c| *c == ' ') {
                    j += 1;
                }
                if chars.get(j) == Some(&',') {
                    if mode == PathMode::Reference {
                        return Err("a reference path cannot select several members".to_owned());
                    }
                    j += 1;
                    while chars.get(j).is_some_and(|c| *c == ' ') {
                        j += 1;
                    }
                    if !matches!(chars.get(j), Some('\'' | '"')) {
                        return Err("expected a quoted name after `,`".to_owned());
                    }
                } else {
                    break j;
                }
            }
        }
        '?' | '(' => {
            if mode == PathMode::Reference {
                return Err("a reference path cannot use filter or script expressions".to_owned());
            }
            let open = if first == '?' { i + 1 } else { i };
            if chars.get(open) != Some(&'(') {
                return Err("expected `(` after `?` in a filter".to_owned());
            }
            skip_balanced(chars, open)?
        }
        _ => {
            let mut j = i;
            while chars.get(j).is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | ',' | ' ')) {
                j += 1;
            }
            if j == i {
                return Err(format!("unexpected `{first}` inside `[...]`"));
            }
            let content: String = chars.get(i..j).unwrap_or_default().iter().collect();
            check_index(content.trim(), mode)?;
            j
        }
    };
    let mut j = after_content;
    while chars.get(j).is_some_and(|c| *c == ' ') {
        j += 1;
    }
    match chars.get(j) {
        Some(']') => Ok(j + 1),
        Some(c) => Err(format!("unexpected `{c}` inside `[...]`")),
        None => Err("unclosed `[`".to_owned()),
    }
}

/// An index, slice (`1:3`, `:-1`, `::2`) or union (`0,2`) inside brackets.
fn check_index(content: &str, mode: PathMode) -> Result<(), String> {
    let is_int = |s: &str| {
        let digits = s.strip_prefix('-').unwrap_or(s);
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
    };
    if content.is_empty() {
        return Err("empty `[]`".to_owned());
    }
    if mode == PathMode::Reference {
        return if content.chars().all(|c| c.is_ascii_digit()) {
            Ok(())
        } else {
            Err(format!("a reference path index must be a non-negative integer, not `{content}`"))
        };
    }
    if content.contains(':') {
        let parts: Vec<&str> = content.split(':').collect();
        if parts.len() > 3 || parts.iter().any(|p| !p.trim().is_empty() && !is_int(p.trim())) {
            return Err(format!("invalid slice `{content}`"));
        }
        return Ok(());
    }
    if content.split(',').all(|p| is_int(p.trim())) { Ok(()) } else { Err(format!("invalid index `{content}`")) }
}

/// Skips a quoted string starting at its opening quote; returns the index after the close.
fn skip_quoted(chars: &[char], start: usize) -> Result<usize, String> {
    let quote = chars.get(start).copied().unwrap_or('\'');
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        if c == '\\' {
            i += 2;
            continue;
        }
        if c == quote {
            return Ok(i + 1);
        }
        i += 1;
    }
    Err("unclosed quoted name".to_owned())
}

/// Skips a parenthesized run starting at `(`, honoring quotes and nested brackets; returns the
/// index after the matching `)`.
fn skip_balanced(chars: &[char], start: usize) -> Result<usize, String> {
    let mut stack: Vec<char> = Vec::new();
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        match c {
            '\'' | '"' => {
                i = skip_quoted(chars, i)?;
                continue;
            }
            '(' => stack.push(')'),
            '[' => stack.push(']'),
            ')' | ']' => {
                if stack.pop() != Some(c) {
                    return Err(format!("unbalanced `{c}`"));
                }
                if stack.is_empty() {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err("unbalanced `(`".to_owned())
}

/// What is wrong with the value of a `.$` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DynamicValueError {
    /// Not a path (or a malformed one).
    Path(String),
    /// A malformed intrinsic function call.
    Intrinsic(String),
}

/// Checks a value that is evaluated at run time (a `.$` field, `ErrorPath`, `CausePath`): a
/// path or an intrinsic function call.
pub(crate) fn check_dynamic_value(s: &str) -> Result<(), DynamicValueError> {
    if s.starts_with("States.") {
        check_intrinsic(s).map_err(DynamicValueError::Intrinsic)
    } else if s.starts_with('$') {
        check_path(s, PathMode::Path).map_err(DynamicValueError::Path)
    } else {
        Err(DynamicValueError::Path(format!("`{}` is neither a path nor an intrinsic function", shorten(s))))
    }
}

/// At most 60 characters of a user value, for messages.
pub(crate) fn shorten(s: &str) -> String {
    if s.chars().count() <= 60 { s.to_owned() } else { format!("{}...", s.chars().take(57).collect::<String>()) }
}

/// The intrinsic functions: name, fewest and most arguments, and which arguments must be
/// numbers (0-based).
const INTRINSICS: &[(&str, usize, Option<usize>, &[usize])] = &[
    ("Format", 1, None, &[]),
    ("StringToJson", 1, Some(1), &[]),
    ("JsonToString", 1, Some(1), &[]),
    ("Array", 0, None, &[]),
    ("ArrayPartition", 2, Some(2), &[1]),
    ("ArrayContains", 2, Some(2), &[]),
    ("ArrayRange", 3, Some(3), &[0, 1, 2]),
    ("ArrayGetItem", 2, Some(2), &[1]),
    ("ArrayLength", 1, Some(1), &[]),
    ("ArrayUnique", 1, Some(1), &[]),
    ("Base64Encode", 1, Some(1), &[]),
    ("Base64Decode", 1, Some(1), &[]),
    ("Hash", 2, Some(2), &[]),
    ("JsonMerge", 3, Some(3), &[]),
    ("MathRandom", 2, Some(3), &[0, 1, 2]),
    ("MathAdd", 2, Some(2), &[0, 1]),
    ("StringSplit", 2, Some(2), &[]),
    ("UUID", 0, Some(0), &[]),
];

const HASH_ALGORITHMS: &[&str] = &["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

/// Nested calls deeper than this are not checked further (no real definition comes close).
const MAX_INTRINSIC_DEPTH: usize = 32;

/// One parsed argument of an intrinsic call.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Str(String),
    Number,
    Bool(bool),
    Null,
    Path,
    Call,
}

/// Checks an intrinsic function call such as `States.Format('{}', $.name)`.
pub(crate) fn check_intrinsic(s: &str) -> Result<(), String> {
    let chars: Vec<char> = s.chars().collect();
    let mut parser = IntrinsicParser { chars: &chars, pos: 0 };
    parser.call(0)?;
    parser.skip_ws();
    if parser.pos < chars.len() {
        return Err(format!("unexpected text after the call at position {}", parser.pos + 1));
    }
    Ok(())
}

struct IntrinsicParser<'a> {
    chars: &'a [char],
    pos: usize,
}

impl IntrinsicParser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn starts_with(&self, word: &str) -> bool {
        (self.pos..).zip(word.chars()).all(|(i, c)| self.chars.get(i) == Some(&c))
    }

    /// Parses `States.Name(args)` at the current position.
    fn call(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_INTRINSIC_DEPTH {
            return Err("intrinsic calls nest too deeply".to_owned());
        }
        if !self.starts_with("States.") {
            return Err("expected an intrinsic function `States.<Name>(...)`".to_owned());
        }
        self.pos += "States.".len();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        let name: String = self.chars.get(start..self.pos).unwrap_or_default().iter().collect();
        let Some(&(_, min, max, numeric)) = INTRINSICS.iter().find(|(n, ..)| *n == name) else {
            return Err(format!("unknown intrinsic function `States.{name}`"));
        };
        if self.peek() != Some('(') {
            return Err(format!("expected `(` after `States.{name}`"));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                args.push(self.argument(depth)?);
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    Some(c) => return Err(format!("unexpected `{c}` in the arguments of `States.{name}`")),
                    None => return Err(format!("unclosed `(` in `States.{name}`")),
                }
            }
        }
        check_arguments(&name, &args, min, max, numeric)
    }

    fn argument(&mut self, depth: usize) -> Result<Arg, String> {
        match self.peek() {
            Some('\'') => self.string().map(Arg::Str),
            Some('$') => {
                let start = self.pos;
                let mut stack: Vec<char> = Vec::new();
                while let Some(c) = self.peek() {
                    match c {
                        '\'' | '"' => {
                            self.pos = skip_quoted(self.chars, self.pos)?;
                            continue;
                        }
                        '(' => stack.push(')'),
                        '[' => stack.push(']'),
                        ')' | ']' if !stack.is_empty() && stack.pop() != Some(c) => {
                            return Err(format!("unbalanced `{c}` in a path argument"));
                        }
                        ',' | ')' if stack.is_empty() => break,
                        _ => {}
                    }
                    self.pos += 1;
                }
                let path: String = self.chars.get(start..self.pos).unwrap_or_default().iter().collect();
                check_path(path.trim_end(), PathMode::Path).map_err(|e| format!("path argument `{path}`: {e}"))?;
                Ok(Arg::Path)
            }
            Some('S') if self.starts_with("States.") => {
                self.call(depth + 1)?;
                Ok(Arg::Call)
            }
            Some(c) if c.is_ascii_digit() || c == '-' => {
                let start = self.pos;
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
                    self.pos += 1;
                }
                let text: String = self.chars.get(start..self.pos).unwrap_or_default().iter().collect();
                if text.parse::<f64>().is_ok() { Ok(Arg::Number) } else { Err(format!("invalid number `{text}`")) }
            }
            _ if self.starts_with("null") => {
                self.pos += 4;
                Ok(Arg::Null)
            }
            _ if self.starts_with("true") => {
                self.pos += 4;
                Ok(Arg::Bool(true))
            }
            _ if self.starts_with("false") => {
                self.pos += 5;
                Ok(Arg::Bool(false))
            }
            Some(c) => Err(format!("unexpected `{c}` where an argument was expected")),
            None => Err("unexpected end where an argument was expected".to_owned()),
        }
    }

    /// A single-quoted string with backslash escapes; returns its content unescaped.
    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '\\' => {
                    let Some(next) = self.peek() else { break };
                    self.pos += 1;
                    // Escaped braces stay escaped so `Format` placeholders can be counted.
                    if matches!(next, '{' | '}') {
                        out.push('\\');
                    }
                    out.push(next);
                }
                '\'' => return Ok(out),
                c => out.push(c),
            }
        }
        Err("unclosed string argument".to_owned())
    }
}

fn check_arguments(name: &str, args: &[Arg], min: usize, max: Option<usize>, numeric: &[usize]) -> Result<(), String> {
    let n = args.len();
    if n < min || max.is_some_and(|m| n > m) {
        let expected = match max {
            Some(m) if m == min => format!("{min}"),
            Some(m) => format!("{min} to {m}"),
            None => format!("at least {min}"),
        };
        let plural = if expected == "1" { "" } else { "s" };
        return Err(format!("`States.{name}` takes {expected} argument{plural}, found {n}"));
    }
    for (i, arg) in args.iter().enumerate() {
        if numeric.contains(&i) && matches!(arg, Arg::Str(_) | Arg::Bool(_) | Arg::Null) {
            return Err(format!("argument {} of `States.{name}` must be a number or a path", i + 1));
        }
    }
    match (name, args) {
        ("Format", [Arg::Str(template), rest @ ..]) => {
            let placeholders = count_placeholders(template);
            if placeholders != rest.len() {
                return Err(format!(
                    "`States.Format` template has {placeholders} `{{}}` placeholder(s) but {} value(s)",
                    rest.len()
                ));
            }
        }
        ("Format", [Arg::Number | Arg::Bool(_) | Arg::Null, ..]) => {
            return Err("the first argument of `States.Format` must be a string".to_owned());
        }
        ("Hash", [_, Arg::Str(algorithm)]) if !HASH_ALGORITHMS.contains(&algorithm.as_str()) => {
            return Err(format!("unsupported hash algorithm `{algorithm}`"));
        }
        ("JsonMerge", [_, _, Arg::Bool(true)]) => {
            return Err(
                "`States.JsonMerge` supports only a shallow merge: the third argument must be `false`".to_owned()
            );
        }
        _ => {}
    }
    Ok(())
}

/// Counts unescaped `{}` pairs in a `States.Format` template.
fn count_placeholders(template: &str) -> usize {
    let chars: Vec<char> = template.chars().collect();
    let mut count = 0;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '\\' {
            i += 2;
            continue;
        }
        if c == '{' && chars.get(i + 1) == Some(&'}') {
            count += 1;
            i += 2;
            continue;
        }
        i += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_paths_accept_jsonpath_features() {
        for ok in [
            "$",
            "$$",
            "$$.Execution.Id",
            "$.a.b",
            "$.input-foo-bar",
            "$.books[-2]",
            "$.vals[3:]",
            "$.a[0,2]",
            "$['a b'].c",
            "$..name",
            "$.a[*].b",
            "$.a.*",
            "$[(@.length-1)].bar",
            "$.r[?(@.OutputKey == FooBar)].OutputValue",
            "$.items.length()",
            "$myVar",
            "$myVar.field",
            "$.[0].body",
            "$$.Execution.Name ",
        ] {
            assert_eq!(check_path(ok, PathMode::Path), Ok(()), "{ok}");
        }
    }

    #[test]
    fn malformed_paths_are_rejected() {
        for bad in [".guid", "..guid", "()", "$...", "bug$.x", "$$23", "$.a[", "$.a[x]", "$. a", "$.a)", "23", ""] {
            assert!(check_path(bad, PathMode::Path).is_err(), "{bad}");
        }
    }

    #[test]
    fn reference_paths_allow_only_simple_steps() {
        for ok in ["$", "$.a", "$.a[0].b", "$['x']"] {
            assert_eq!(check_path(ok, PathMode::Reference), Ok(()), "{ok}");
        }
        for bad in ["$foo", "$$.x", "$..a", "$.a[*]", "$.a[-1]", "$.a[?(@.x)]", "$.a.length()"] {
            assert!(check_path(bad, PathMode::Reference).is_err(), "{bad}");
        }
    }

    #[test]
    fn intrinsics_are_checked_for_name_arity_and_argument_types() {
        for ok in [
            "States.Format('Welcome to {} {}\\'s playlist.', $.firstName, $.lastName)",
            "States.Array('Foo', 2020, $.someJson, null)",
            "States.ArrayRange(1, 9, 2)",
            "States.MathAdd($.value1, -1)",
            "States.UUID()",
            "States.JsonMerge($.a, $.b, false)",
            "States.ArrayGetItem($.r[?(@.k == 'x')].v, 0)",
            "States.Format('{}', States.ArrayLength($.a))",
            "States.Hash($.Data, 'SHA-256')",
        ] {
            assert_eq!(check_intrinsic(ok), Ok(()), "{ok}");
        }
        for bad in [
            "States.Xyz($.result)",
            "States.MathAdd(1,'-1')",
            "States.UUID(1)",
            "States.Format('{} {}', $.a)",
            "States.Array(1, 2",
            "States.JsonMerge($.a, $.b, true)",
            "States.Hash($.a, 'SHA-2')",
            "States.ArrayLength($.a) extra",
            "States.Array('unterminated)",
        ] {
            assert!(check_intrinsic(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dynamic_values_are_paths_or_intrinsics() {
        assert!(check_dynamic_value("$.a").is_ok());
        assert!(check_dynamic_value("States.UUID()").is_ok());
        assert!(matches!(check_dynamic_value("ipsum"), Err(DynamicValueError::Path(_))));
        assert!(matches!(check_dynamic_value(" States.Array(1)"), Err(DynamicValueError::Path(_))));
        assert!(matches!(check_dynamic_value("States.Nope()"), Err(DynamicValueError::Intrinsic(_))));
    }
}
