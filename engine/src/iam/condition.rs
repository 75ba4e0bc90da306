//! Condition operators: compiled once per `operator → key → values` entry.
//!
//! Rules, after AWS's condition-operator reference:
//! - Blocks, keys within a block, are ANDed; values of one key are ORed, except under negated
//!   operators (`...Not...`, `NotIpAddress`), where every value must not match (AND).
//! - A key absent from the request: positive operators are false, negated operators true,
//!   `...IfExists` true, `ForAllValues:` true, `ForAnyValue:` false; `Null` tests presence.
//! - A plain operator never matches a multivalued key (AWS requires a set operator).
//! - A policy value that names nothing concrete (a symbolic template value, or a policy
//!   variable the request cannot supply) equals nothing: positive operators do not match it,
//!   negated operators do ("not equal to null", as AWS documents for variables).
//! - A request value that cannot be read as the operator's type (a number, date, boolean,
//!   base64, IP address or ARN) makes that comparison false, for negated operators too.

use std::net::IpAddr;

use serde_json::Value as Json;

use super::arn::{ArnPattern, split_arn};
use super::pattern::{Matched, Pattern, Syntax};
use super::request::{AccessRequest, ContextValue};
use crate::ingest::symbolic::is_symbolic_json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Single,
    AnyValue,
    AllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Order {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Order::Eq => request == policy,
            Order::Lt => request < policy,
            Order::Le => request <= policy,
            Order::Gt => request > policy,
            Order::Ge => request >= policy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// `StringEquals`... ; `like` enables wildcards, `fold` ignores case.
    String {
        like: bool,
        fold: bool,
    },
    Numeric(Order),
    Date(Order),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Net {
    V4(u32, u32),
    V6(u128, u32),
}

impl Net {
    fn parse(text: &str) -> Option<Net> {
        let (addr, bits) = match text.split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u32>().ok().filter(|_| b.bytes().all(|c| c.is_ascii_digit()))?)),
            None => (text, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let bits = bits.unwrap_or(32);
                (bits <= 32).then_some(Net::V4(u32::from(a), bits))
            }
            IpAddr::V6(a) => {
                let bits = bits.unwrap_or(128);
                (bits <= 128).then_some(Net::V6(u128::from(a), bits))
            }
        }
    }

    fn contains(self, addr: IpAddr) -> bool {
        match (self, addr) {
            (Net::V4(net, bits), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                u32::from(a) & mask == net & mask
            }
            (Net::V6(net, bits), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                u128::from(a) & mask == net & mask
            }
            // An address of the other family is outside the network.
            _ => false,
        }
    }
}

/// One compiled policy value.
#[derive(Debug, Clone, PartialEq)]
enum PolicyValue {
    /// A symbolic template value: equals nothing concrete.
    Symbolic,
    Str(Pattern),
    Number(f64),
    /// Milliseconds since the Unix epoch.
    Date(i64),
    Bool(bool),
    Bytes(Box<[u8]>),
    Ip(Net),
    Arn(Box<ArnPattern>),
    /// An ARN condition value that is not a six-segment ARN: matches nothing.
    BadArn,
}

/// How one policy value compares with one request value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compared {
    Match,
    NoMatch,
    /// The policy value names nothing concrete (symbolic, or a variable without a value).
    Nothing,
    /// The request value is not of the operator's type.
    Unreadable,
}

/// A compiled condition: one operator applied to one key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    family: Family,
    negated: bool,
    set: SetOp,
    if_exists: bool,
    // INVARIANT (lowercase-key): lowercase, like the request's context keys.
    key: Box<str>,
    values: Box<[PolicyValue]>,
}

/// Why a condition could not be compiled; the caller adds the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConditionError {
    /// Index of the offending value, when a value is at fault.
    pub(crate) value: Option<usize>,
    pub(crate) message: String,
}

impl Condition {
    /// Compiles `operator` applied to `key` with `values`; `variables` enables `${...}`.
    pub(crate) fn compile(
        operator: &str,
        key: &str,
        values: &[Json],
        variables: bool,
    ) -> Result<Condition, ConditionError> {
        let unknown = || ConditionError { value: None, message: format!("unknown condition operator `{operator}`") };
        let lower = operator.to_ascii_lowercase();
        let (set, rest) = if let Some(r) = lower.strip_prefix("foranyvalue:") {
            (SetOp::AnyValue, r)
        } else if let Some(r) = lower.strip_prefix("forallvalues:") {
            (SetOp::AllValues, r)
        } else {
            (SetOp::Single, lower.as_str())
        };
        let (if_exists, base) = match rest.strip_suffix("ifexists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let (family, negated) = match base {
            "stringequals" => (Family::String { like: false, fold: false }, false),
            "stringnotequals" => (Family::String { like: false, fold: false }, true),
            "stringequalsignorecase" => (Family::String { like: false, fold: true }, false),
            "stringnotequalsignorecase" => (Family::String { like: false, fold: true }, true),
            "stringlike" => (Family::String { like: true, fold: false }, false),
            "stringnotlike" => (Family::String { like: true, fold: false }, true),
            "numericequals" => (Family::Numeric(Order::Eq), false),
            "numericnotequals" => (Family::Numeric(Order::Eq), true),
            "numericlessthan" => (Family::Numeric(Order::Lt), false),
            "numericlessthanequals" => (Family::Numeric(Order::Le), false),
            "numericgreaterthan" => (Family::Numeric(Order::Gt), false),
            "numericgreaterthanequals" => (Family::Numeric(Order::Ge), false),
            "dateequals" => (Family::Date(Order::Eq), false),
            "datenotequals" => (Family::Date(Order::Eq), true),
            "datelessthan" => (Family::Date(Order::Lt), false),
            "datelessthanequals" => (Family::Date(Order::Le), false),
            "dategreaterthan" => (Family::Date(Order::Gt), false),
            "dategreaterthanequals" => (Family::Date(Order::Ge), false),
            "bool" => (Family::Bool, false),
            "binaryequals" => (Family::Binary, false),
            "ipaddress" => (Family::Ip, false),
            "notipaddress" => (Family::Ip, true),
            // ArnEquals behaves like ArnLike (AWS condition-operator reference).
            "arnequals" | "arnlike" => (Family::Arn, false),
            "arnnotequals" | "arnnotlike" => (Family::Arn, true),
            "null" if set == SetOp::Single && !if_exists => (Family::Null, false),
            _ => return Err(unknown()),
        };
        let values = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                compile_value(family, v, variables).map_err(|message| ConditionError { value: Some(i), message })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Condition {
            family,
            negated,
            set,
            if_exists,
            key: key.to_lowercase().into_boxed_str(),
            values: values.into_boxed_slice(),
        })
    }

    /// True when the condition holds for the request.
    pub(crate) fn holds(&self, request: &AccessRequest) -> bool {
        let value = request.lookup(&self.key);
        if self.family == Family::Null {
            let absent = value.is_none();
            return self.values.contains(&PolicyValue::Bool(absent));
        }
        match (self.set, value) {
            (SetOp::Single, None) => self.if_exists || self.negated,
            // AWS requires a set operator for a multivalued key; a plain one never matches.
            (SetOp::Single, Some(ContextValue::Multi(_))) => false,
            (SetOp::Single, Some(ContextValue::Single(v))) => self.holds_for(v, request),
            (SetOp::AnyValue, None) => self.if_exists,
            (SetOp::AllValues, None) => true,
            (SetOp::AnyValue, Some(ContextValue::Single(v))) | (SetOp::AllValues, Some(ContextValue::Single(v))) => {
                self.holds_for(v, request)
            }
            (SetOp::AnyValue, Some(ContextValue::Multi(vs))) => vs.iter().any(|v| self.holds_for(v, request)),
            (SetOp::AllValues, Some(ContextValue::Multi(vs))) => vs.iter().all(|v| self.holds_for(v, request)),
        }
    }

    /// The operator applied to one request value against all policy values.
    fn holds_for(&self, value: &str, request: &AccessRequest) -> bool {
        if self.negated {
            self.values.iter().all(|p| matches!(self.compare(p, value, request), Compared::NoMatch | Compared::Nothing))
        } else {
            self.values.iter().any(|p| self.compare(p, value, request) == Compared::Match)
        }
    }

    fn compare(&self, policy: &PolicyValue, value: &str, request: &AccessRequest) -> Compared {
        let yes = |b: bool| if b { Compared::Match } else { Compared::NoMatch };
        let fold = matches!(self.family, Family::String { fold: true, .. });
        match policy {
            PolicyValue::Symbolic => Compared::Nothing,
            PolicyValue::Str(p) => match p.matches(value, fold, request) {
                Matched::Yes => Compared::Match,
                Matched::No => Compared::NoMatch,
                Matched::Unresolved => Compared::Nothing,
            },
            PolicyValue::Number(n) => match (parse_number(value), self.family) {
                (Some(x), Family::Numeric(order)) => yes(order.holds(x, *n)),
                _ => Compared::Unreadable,
            },
            PolicyValue::Date(d) => match (parse_date(value), self.family) {
                (Some(x), Family::Date(order)) => yes(order.holds(x, *d)),
                _ => Compared::Unreadable,
            },
            PolicyValue::Bool(b) => match parse_bool(value) {
                Some(x) => yes(x == *b),
                None => Compared::Unreadable,
            },
            PolicyValue::Bytes(bytes) => match base64_equals(value, bytes) {
                Some(same) => yes(same),
                None => Compared::Unreadable,
            },
            PolicyValue::Ip(net) => match value.parse::<IpAddr>() {
                Ok(addr) => yes(net.contains(addr)),
                Err(_) => Compared::Unreadable,
            },
            PolicyValue::Arn(pattern) => match split_arn(value) {
                Some(parts) => match pattern.matches(&parts, false, request) {
                    Matched::Yes => Compared::Match,
                    Matched::No => Compared::NoMatch,
                    Matched::Unresolved => Compared::Nothing,
                },
                None => Compared::Unreadable,
            },
            // An invalid policy ARN makes the comparison fail either way.
            PolicyValue::BadArn => Compared::Unreadable,
        }
    }
}

fn compile_value(family: Family, value: &Json, variables: bool) -> Result<PolicyValue, String> {
    if is_symbolic_json(value) {
        return Ok(PolicyValue::Symbolic);
    }
    let text = match value {
        Json::String(s) => s.clone(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        _ => return Err("expected a string, number or boolean".to_owned()),
    };
    let bad = |what: &str| format!("`{text}` is not {what}");
    Ok(match family {
        Family::String { like, .. } => PolicyValue::Str(Pattern::parse(&text, Syntax { wildcards: like, variables })),
        Family::Numeric(_) => PolicyValue::Number(parse_number(&text).ok_or_else(|| bad("a number"))?),
        Family::Date(_) => {
            PolicyValue::Date(parse_date(&text).ok_or_else(|| bad("an ISO 8601 date or epoch seconds"))?)
        }
        Family::Bool | Family::Null => PolicyValue::Bool(parse_bool(&text).ok_or_else(|| bad("`true` or `false`"))?),
        Family::Binary => PolicyValue::Bytes(decode_base64(&text).ok_or_else(|| bad("base64"))?.into_boxed_slice()),
        Family::Ip => PolicyValue::Ip(Net::parse(&text).ok_or_else(|| bad("an IP address or CIDR block"))?),
        Family::Arn => match ArnPattern::parse(&text, Syntax { wildcards: true, variables }) {
            Some(p) => PolicyValue::Arn(Box::new(p)),
            None => PolicyValue::BadArn,
        },
    })
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An integer or decimal: optional sign, digits, optional fraction.
fn parse_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    text.parse::<f64>().ok()
}

/// Epoch seconds, or an ISO 8601 date (W3C profile): `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a
/// date with `Thh:mm[:ss[.fff]]` and `Z` / `±hh:mm` (no zone means UTC). Milliseconds.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().ok()?.checked_mul(1000);
    }
    let (date, time) = match text.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year = fixed_digits(parts.next()?, 4)?;
    let month = parts.next().map(|m| fixed_digits(m, 2)).unwrap_or(Some(1))?;
    let day = parts.next().map(|d| fixed_digits(d, 2)).unwrap_or(Some(1))?;
    if parts.next().is_some() || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let mut millis = days.checked_mul(86_400_000)?;
    if let Some(time) = time {
        let (clock, offset_minutes) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else if let Some(i) = time.rfind(['+', '-']) {
            let (c, zone) = time.split_at(i);
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let zone = zone.get(1..)?;
            let (h, m) = match zone.split_once(':') {
                Some((h, m)) => (h, m),
                None => (zone.get(..2)?, zone.get(2..)?),
            };
            let (h, m) = (fixed_digits(h, 2)?, fixed_digits(m, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            (c, sign * (h * 60 + m))
        } else {
            (time, 0)
        };
        let mut fields = clock.split(':');
        let hour = fixed_digits(fields.next()?, 2)?;
        let minute = fixed_digits(fields.next()?, 2)?;
        let (second, fraction_ms) = match fields.next() {
            Some(s) => {
                let (whole, frac) = match s.split_once('.') {
                    Some((w, f)) => (w, Some(f)),
                    None => (s, None),
                };
                let ms = match frac {
                    Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
                        // Milliseconds: the first three digits, padded.
                        f.bytes()
                            .chain(std::iter::repeat(b'0'))
                            .take(3)
                            .fold(0i64, |ms, b| ms * 10 + i64::from(b - b'0'))
                    }
                    Some(_) => return None,
                    None => 0,
                };
                (fixed_digits(whole, 2)?, ms)
            }
            None => (0, 0),
        };
        if fields.next().is_some() || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let seconds = hour * 3600 + minute * 60 + second - offset_minutes * 60;
        millis = millis.checked_add(seconds.checked_mul(1000)?.checked_add(fraction_ms)?)?;
    }
    Some(millis)
}

fn fixed_digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Decodes standard base64 (padding optional), handing each byte to `sink`; `None` when
/// `text` is not base64.
fn for_each_base64_byte(text: &str, mut sink: impl FnMut(u8)) -> Option<()> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in body.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = ((acc << 6) | u32::from(v)) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            sink(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(())
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for_each_base64_byte(text, |b| out.push(b))?;
    Some(out)
}

/// Whether base64 `text` decodes to `bytes`, without allocating.
fn base64_equals(text: &str, bytes: &[u8]) -> Option<bool> {
    let mut i = 0usize;
    let mut same = true;
    for_each_base64_byte(text, |b| {
        same &= bytes.get(i) == Some(&b);
        i += 1;
    })?;
    Some(same && i == bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(context: &[(&str, &str)]) -> AccessRequest {
        let mut r = AccessRequest::new("arn:aws:iam::111122223333:user/alice", "s3:GetObject").unwrap();
        for (k, v) in context {
            r = r.with_context(k, *v);
        }
        r
    }

    fn holds(op: &str, key: &str, values: &[&str], r: &AccessRequest) -> bool {
        let values: Vec<Json> = values.iter().map(|v| Json::from(*v)).collect();
        Condition::compile(op, key, &values, true).unwrap().holds(r)
    }

    #[test]
    fn dates_parse_iso_and_epoch() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_date("86400"), Some(86_400_000));
        assert_eq!(parse_date("2024-02-29T12:00:00+02:00"), parse_date("2024-02-29T10:00:00Z"));
        assert_eq!(parse_date("2024-01-01T00:00:00.5Z"), Some(parse_date("2024-01-01").unwrap() + 500));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2024-01-01T25:00Z"), None);
    }

    #[test]
    fn numbers_and_base64_are_strict() {
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number("1e3"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(decode_base64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("a$=="), None);
        assert_eq!(base64_equals("aGVsbG8=", b"hello"), Some(true));
        assert_eq!(base64_equals("aGVsbA==", b"hello"), Some(false));
        assert_eq!(base64_equals("aGVsbG8hIQ==", b"hello"), Some(false));
    }

    #[test]
    fn ip_networks_of_both_families() {
        let net = Net::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.1.2.3".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        assert!(Net::parse("2001:db8::/32").unwrap().contains("2001:db8::1".parse().unwrap()));
        assert!(Net::parse("0.0.0.0/0").unwrap().contains("1.1.1.1".parse().unwrap()));
        assert_eq!(Net::parse("10.0.0.0/33"), None);
    }

    #[test]
    fn missing_keys_follow_operator_polarity() {
        let r = request(&[]);
        assert!(!holds("StringEquals", "aws:PrincipalTag/team", &["a"], &r));
        assert!(holds("StringNotEquals", "aws:PrincipalTag/team", &["a"], &r));
        assert!(holds("StringEqualsIfExists", "aws:PrincipalTag/team", &["a"], &r));
        assert!(holds("ForAllValues:StringEquals", "aws:TagKeys", &["a"], &r));
        assert!(!holds("ForAnyValue:StringEquals", "aws:TagKeys", &["a"], &r));
        assert!(!holds("ForAnyValue:StringNotEquals", "aws:TagKeys", &["a"], &r));
        assert!(holds("Null", "aws:TagKeys", &["true"], &r));
    }

    #[test]
    fn negated_operators_and_values() {
        let r = request(&[("aws:RequestedRegion", "eu-west-1")]);
        assert!(holds("StringNotEquals", "aws:requestedregion", &["us-east-1", "us-west-2"], &r));
        assert!(!holds("StringNotEquals", "aws:requestedregion", &["us-east-1", "eu-west-1"], &r));
        assert!(holds("StringEquals", "AWS:REQUESTEDREGION", &["us-east-1", "eu-west-1"], &r));
    }

    #[test]
    fn missing_variables_match_nothing() {
        let r = request(&[("s3:prefix", "home/x")]);
        assert!(!holds("StringLike", "s3:prefix", &["home/${aws:username}/*"], &r));
        assert!(holds("StringNotLike", "s3:prefix", &["home/${aws:username}/*"], &r));
    }

    #[test]
    fn unknown_operators_are_errors() {
        assert!(Condition::compile("StringEqualz", "k", &[], true).is_err());
        assert!(Condition::compile("NullIfExists", "k", &[], true).is_err());
        let err = Condition::compile("NumericEquals", "k", &[Json::from("ten")], true).unwrap_err();
        assert_eq!(err.value, Some(0));
    }
}
