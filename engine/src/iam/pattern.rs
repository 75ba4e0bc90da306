//! Wildcard patterns with policy variables, compiled once and matched without allocating.
//!
//! One engine serves actions, ARN segments, resource ids and string/ARN condition values: a
//! pattern is a list of pieces (literal text, `*`, `?`, `${variable}`). Variables are looked
//! up in the request when matched; a variable that the request cannot supply (and that has no
//! default) makes the match [`Matched::Unresolved`], which callers treat as "matches nothing".

/// Supplies policy-variable values (single-valued context keys) during matching.
pub(crate) trait Variables {
    /// The value of the context key `key` (lowercase), when the request holds exactly one.
    fn single_value(&self, key: &str) -> Option<&str>;
}

/// A `${key}` or `${key, 'default'}` reference.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Variable {
    // INVARIANT (lowercase-key): lowercase, as context keys are stored lowercase.
    key: Box<str>,
    default: Option<Box<str>>,
}

impl Variable {
    fn resolve<'a, V: Variables + ?Sized>(&'a self, vars: &'a V) -> Option<&'a str> {
        vars.single_value(&self.key).or(self.default.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Lit(Box<str>),
    Star,
    One,
    Var(Variable),
}

/// The common shapes, matched without the general loop.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// `*` alone.
    Any,
    /// No wildcards and no variables.
    Exact(Box<str>),
    /// A literal followed by one `*`.
    Prefix(Box<str>),
    /// Anything else.
    General,
}

/// How a pattern is read from policy text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (otherwise literal characters).
    pub(crate) wildcards: bool,
    /// `${...}` is a policy variable or escape (policy version `2012-10-17`).
    pub(crate) variables: bool,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    pieces: Box<[Piece]>,
    shape: Shape,
}

/// The outcome of matching a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matched {
    Yes,
    No,
    /// A variable had no value in the request (and no default).
    Unresolved,
}

impl Pattern {
    /// Compiles `text`.
    pub(crate) fn parse(text: &str, syntax: Syntax) -> Pattern {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut literal = String::new();
        let flush = |literal: &mut String, pieces: &mut Vec<Piece>| {
            if !literal.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(literal).into_boxed_str()));
            }
        };
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if syntax.variables
                && let Some(after) = rest.strip_prefix("${")
                && let Some(end) = after.find('}')
            {
                let inner = after.get(..end).unwrap_or_default();
                rest = after.get(end + 1..).unwrap_or_default();
                match inner {
                    // Escapes for characters that would otherwise be special.
                    "*" | "?" | "$" => literal.push_str(inner),
                    _ => {
                        flush(&mut literal, &mut pieces);
                        pieces.push(Piece::Var(parse_variable(inner)));
                    }
                }
                continue;
            }
            rest = rest.get(c.len_utf8()..).unwrap_or_default();
            match c {
                '*' if syntax.wildcards => {
                    flush(&mut literal, &mut pieces);
                    // Consecutive stars match the same as one.
                    if pieces.last() != Some(&Piece::Star) {
                        pieces.push(Piece::Star);
                    }
                }
                '?' if syntax.wildcards => {
                    flush(&mut literal, &mut pieces);
                    pieces.push(Piece::One);
                }
                _ => literal.push(c),
            }
        }
        flush(&mut literal, &mut pieces);
        let shape = match pieces.as_slice() {
            [] => Shape::Exact("".into()),
            [Piece::Star] => Shape::Any,
            [Piece::Lit(s)] => Shape::Exact(s.clone()),
            [Piece::Lit(s), Piece::Star] => Shape::Prefix(s.clone()),
            _ => Shape::General,
        };
        Pattern { pieces: pieces.into_boxed_slice(), shape }
    }

    /// A pattern whose literal text is lowercased (for case-insensitive elements matched
    /// against lowercased request text).
    pub(crate) fn parse_lowercase(text: &str, syntax: Syntax) -> Pattern {
        Pattern::parse(&text.to_lowercase(), syntax)
    }

    /// Matches `text`; `fold` compares characters case-insensitively.
    pub(crate) fn matches<V: Variables + ?Sized>(&self, text: &str, fold: bool, vars: &V) -> Matched {
        let yes = |b: bool| if b { Matched::Yes } else { Matched::No };
        match &self.shape {
            Shape::Any => Matched::Yes,
            Shape::Exact(s) => yes(str_eq(s, text, fold)),
            // Byte-length slicing is only sound when folding cannot change lengths.
            Shape::Prefix(p) if !fold || p.is_ascii() && text.is_ascii() => {
                yes(text.get(..p.len()).is_some_and(|head| str_eq(p, head, fold)))
            }
            Shape::Prefix(_) => yes(glob(&self.pieces, text, fold, vars)),
            Shape::General => {
                let unresolved = self.pieces.iter().any(|p| matches!(p, Piece::Var(v) if v.resolve(vars).is_none()));
                if unresolved { Matched::Unresolved } else { yes(glob(&self.pieces, text, fold, vars)) }
            }
        }
    }
}

fn parse_variable(inner: &str) -> Variable {
    let (name, default) = match inner.split_once(", ") {
        Some((name, rest)) => {
            let quoted = rest.len() >= 2 && rest.starts_with('\'') && rest.ends_with('\'');
            (name, quoted.then(|| rest.get(1..rest.len() - 1).unwrap_or_default().into()))
        }
        None => (inner, None),
    };
    Variable { key: name.trim().to_lowercase().into_boxed_str(), default }
}

/// Character equality, optionally ignoring case.
pub(crate) fn char_eq(a: char, b: char, fold: bool) -> bool {
    a == b
        || (fold
            && if a.is_ascii() && b.is_ascii() {
                a.eq_ignore_ascii_case(&b)
            } else {
                a.to_lowercase().eq(b.to_lowercase())
            })
}

/// String equality, optionally ignoring case.
pub(crate) fn str_eq(a: &str, b: &str, fold: bool) -> bool {
    if !fold {
        return a == b;
    }
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    let mut x = a.chars();
    let mut y = b.chars();
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(c), Some(d)) if char_eq(c, d, true) => {}
            _ => return false,
        }
    }
}

enum Elem {
    End,
    Star,
    One,
    Char(char),
}

/// The classic single-backtrack wildcard match, walking pieces in place so that variable
/// values are never copied. `*` matches any run of characters (including `/` and `:`), `?`
/// exactly one character.
fn glob<V: Variables + ?Sized>(pieces: &[Piece], text: &str, fold: bool, vars: &V) -> bool {
    let mut pi = 0usize;
    let mut off = 0usize;
    let mut t = 0usize;
    // After a star: the piece index following it and the text position it has consumed to.
    let mut star: Option<(usize, usize)> = None;
    loop {
        let elem = loop {
            let literal = match pieces.get(pi) {
                None => break Elem::End,
                Some(Piece::Star) => break Elem::Star,
                Some(Piece::One) => break Elem::One,
                Some(Piece::Lit(s)) => &**s,
                Some(Piece::Var(v)) => v.resolve(vars).unwrap_or_default(),
            };
            match literal.get(off..).and_then(|r| r.chars().next()) {
                Some(c) => break Elem::Char(c),
                None => {
                    pi += 1;
                    off = 0;
                }
            }
        };
        let next = text.get(t..).and_then(|r| r.chars().next());
        let advanced = match elem {
            Elem::End => {
                if next.is_none() {
                    return true;
                }
                false
            }
            Elem::Star => {
                pi += 1;
                off = 0;
                star = Some((pi, t));
                true
            }
            Elem::One => match next {
                Some(d) => {
                    t += d.len_utf8();
                    pi += 1;
                    off = 0;
                    true
                }
                None => false,
            },
            Elem::Char(c) => match next {
                Some(d) if char_eq(c, d, fold) => {
                    t += d.len_utf8();
                    off += c.len_utf8();
                    true
                }
                _ => false,
            },
        };
        if !advanced {
            let Some((after_star, consumed)) = star else { return false };
            let Some(d) = text.get(consumed..).and_then(|r| r.chars().next()) else { return false };
            let consumed = consumed + d.len_utf8();
            star = Some((after_star, consumed));
            pi = after_star;
            off = 0;
            t = consumed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ctx(Vec<(&'static str, &'static str)>);
    impl Variables for Ctx {
        fn single_value(&self, key: &str) -> Option<&str> {
            self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        }
    }

    const GLOB: Syntax = Syntax { wildcards: true, variables: true };
    const LITERAL: Syntax = Syntax { wildcards: false, variables: true };

    fn m(pattern: &str, text: &str) -> Matched {
        Pattern::parse(pattern, GLOB).matches(text, false, &Ctx(vec![("aws:username", "alice")]))
    }

    #[test]
    fn wildcards_cross_separators_and_question_mark_is_one_char() {
        assert_eq!(m("bucket/*/test/*", "bucket/1/2/test/3/x"), Matched::Yes);
        assert_eq!(m("a?c", "abc"), Matched::Yes);
        assert_eq!(m("a?c", "ac"), Matched::No);
        assert_eq!(m("a?c", "aéc"), Matched::Yes);
        assert_eq!(m("*", ""), Matched::Yes);
        assert_eq!(m("a*", "a:b/c"), Matched::Yes);
        assert_eq!(m("*b*b", "abab"), Matched::Yes);
        assert_eq!(m("*b*b", "abba"), Matched::No);
        assert_eq!(m("", ""), Matched::Yes);
    }

    #[test]
    fn variables_resolve_default_and_escape() {
        assert_eq!(m("home/${aws:username}/*", "home/alice/x"), Matched::Yes);
        assert_eq!(m("home/${aws:UserName}/*", "home/bob/x"), Matched::No);
        assert_eq!(m("home/${aws:PrincipalTag/team}/*", "home/x/y"), Matched::Unresolved);
        assert_eq!(m("home/${aws:PrincipalTag/team, 'all'}/*", "home/all/y"), Matched::Yes);
        assert_eq!(m("a${*}b", "a*b"), Matched::Yes);
        assert_eq!(m("a${*}b", "axb"), Matched::No);
        assert_eq!(m("${$}{x}", "${x}"), Matched::Yes);
        assert_eq!(m("a${?}", "a?"), Matched::Yes);
        assert_eq!(m("${unterminated", "${unterminated"), Matched::Yes);
    }

    #[test]
    fn variable_values_are_literal_text() {
        let p = Pattern::parse("x/${k}", GLOB);
        let ctx = Ctx(vec![("k", "*")]);
        assert_eq!(p.matches("x/*", false, &ctx), Matched::Yes);
        assert_eq!(p.matches("x/y", false, &ctx), Matched::No);
    }

    #[test]
    fn literal_syntax_keeps_wildcard_characters() {
        let p = Pattern::parse("a*", LITERAL);
        assert_eq!(p.matches("a*", false, &Ctx(vec![])), Matched::Yes);
        assert_eq!(p.matches("ab", false, &Ctx(vec![])), Matched::No);
    }

    #[test]
    fn folding_ignores_case() {
        let p = Pattern::parse("Get*Object", GLOB);
        assert_eq!(p.matches("getobject", true, &Ctx(vec![])), Matched::Yes);
        assert_eq!(p.matches("getobject", false, &Ctx(vec![])), Matched::No);
        assert!(str_eq("ÄBC", "äbc", true));
    }
}
