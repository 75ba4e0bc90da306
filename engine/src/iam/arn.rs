//! ARNs: splitting `arn:partition:service:region:account:resource` and matching per segment.

use super::pattern::{Matched, Pattern, Syntax, Variables};

/// The five segments after `arn:` (the resource part keeps any further `:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArnParts<'a> {
    pub(crate) partition: &'a str,
    pub(crate) service: &'a str,
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
    pub(crate) resource: &'a str,
}

/// Splits an ARN; `None` when it does not start with `arn:` or has fewer than six segments.
pub(crate) fn split_arn(arn: &str) -> Option<ArnParts<'_>> {
    let rest = arn.strip_prefix("arn:")?;
    let mut it = rest.splitn(5, ':');
    let parts = ArnParts {
        partition: it.next()?,
        service: it.next()?,
        region: it.next()?,
        account: it.next()?,
        resource: it.next()?,
    };
    Some(parts)
}

/// Like [`split_arn`], but a `:` inside `${...}` (as in `${aws:PrincipalAccount}`) does not
/// separate segments.
fn split_arn_with_variables(text: &str) -> Option<ArnParts<'_>> {
    let rest = text.strip_prefix("arn:")?;
    let mut cuts = [0usize; 4];
    let mut found = 0;
    let mut in_variable = false;
    let mut previous = '\0';
    for (i, c) in rest.char_indices() {
        match c {
            '{' if previous == '$' => in_variable = true,
            '}' => in_variable = false,
            ':' if !in_variable && found < cuts.len() => {
                if let Some(slot) = cuts.get_mut(found) {
                    *slot = i;
                }
                found += 1;
            }
            _ => {}
        }
        previous = c;
    }
    if found < cuts.len() {
        return None;
    }
    let [a, b, c, d] = cuts;
    Some(ArnParts {
        partition: rest.get(..a)?,
        service: rest.get(a + 1..b)?,
        region: rest.get(b + 1..c)?,
        account: rest.get(c + 1..d)?,
        resource: rest.get(d + 1..)?,
    })
}

/// An ARN pattern compiled per segment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArnPattern {
    partition: Pattern,
    service: Pattern,
    region: Pattern,
    account: Pattern,
    resource: Pattern,
}

impl ArnPattern {
    /// Compiles `text`; `None` when it is not a six-segment ARN.
    pub(crate) fn parse(text: &str, syntax: Syntax) -> Option<ArnPattern> {
        let parts = if syntax.variables { split_arn_with_variables(text)? } else { split_arn(text)? };
        Some(ArnPattern {
            partition: Pattern::parse(parts.partition, syntax),
            service: Pattern::parse(parts.service, syntax),
            region: Pattern::parse(parts.region, syntax),
            account: Pattern::parse(parts.account, syntax),
            resource: Pattern::parse(parts.resource, syntax),
        })
    }

    /// Matches a split ARN. `fold_segments` makes partition, service, region and account
    /// case-insensitive (the `Resource` element); the resource part is always case-sensitive.
    pub(crate) fn matches<V: Variables + ?Sized>(&self, arn: &ArnParts<'_>, fold_segments: bool, vars: &V) -> Matched {
        let segments = [
            (&self.partition, arn.partition, fold_segments),
            (&self.service, arn.service, fold_segments),
            (&self.region, arn.region, fold_segments),
            (&self.account, arn.account, fold_segments),
            (&self.resource, arn.resource, false),
        ];
        let mut outcome = Matched::Yes;
        for (pattern, text, fold) in segments {
            match pattern.matches(text, fold, vars) {
                Matched::Yes => {}
                Matched::No => return Matched::No,
                // Keep looking: a definite mismatch elsewhere is still a plain mismatch.
                Matched::Unresolved => outcome = Matched::Unresolved,
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoVars;
    impl Variables for NoVars {
        fn single_value(&self, _: &str) -> Option<&str> {
            None
        }
    }

    #[test]
    fn split_keeps_colons_in_the_resource_part() {
        let p = split_arn("arn:aws:lambda:us-east-1:111122223333:function:f:live").unwrap();
        assert_eq!(p.resource, "function:f:live");
        assert_eq!(p.account, "111122223333");
        assert!(split_arn("arn:aws:s3:::bucket").is_some());
        assert!(split_arn("arn:aws:s3::bucket").is_none());
        assert!(split_arn("bucket").is_none());
    }

    #[test]
    fn colons_inside_variables_do_not_split() {
        let p = split_arn_with_variables("arn:aws:sqs:*:${aws:PrincipalAccount}:q:${aws:x}").unwrap();
        assert_eq!(p.account, "${aws:PrincipalAccount}");
        assert_eq!(p.resource, "q:${aws:x}");
        assert!(split_arn_with_variables("arn:aws:s3:${a:b}").is_none());
    }

    #[test]
    fn segments_fold_but_resource_part_does_not() {
        let syntax = Syntax { wildcards: true, variables: false };
        let p = ArnPattern::parse("arn:AWS:Lambda:*:*:function:F*", syntax).unwrap();
        let ok = split_arn("arn:aws:lambda:us-east-1:1:function:Fx").unwrap();
        let wrong_case = split_arn("arn:aws:lambda:us-east-1:1:function:fx").unwrap();
        assert_eq!(p.matches(&ok, true, &NoVars), Matched::Yes);
        assert_eq!(p.matches(&ok, false, &NoVars), Matched::No);
        assert_eq!(p.matches(&wrong_case, true, &NoVars), Matched::No);
    }
}
