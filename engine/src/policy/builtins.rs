//! Custom Rego builtins under `stepguard.`, registered with regorus's `add_extension`.
//!
//! | builtin | meaning |
//! |---|---|
//! | `stepguard.glob_match(pattern, value)` | IAM wildcard match: `*` any run (crossing `/` and `:`), `?` one character; case-sensitive, as for ARNs |
//! | `stepguard.action_match(pattern, action)` | the same, case-insensitive, as for IAM actions |
//! | `stepguard.arn.parse(arn)` | `{partition, service, region, account, resource, resource_type, resource_id}`, or `null` when the string is not an ARN |

use regorus::Value;

/// Registers every builtin on `engine`.
pub(crate) fn register(engine: &mut regorus::Engine) -> Result<(), String> {
    engine
        .add_extension(
            "stepguard.glob_match".to_owned(),
            2,
            Box::new(|args: Vec<Value>| {
                let (pattern, value) = two_strings("stepguard.glob_match", &args)?;
                Ok(Value::from(wildcard_match(&pattern, &value, false)))
            }),
        )
        .map_err(|e| e.to_string())?;
    engine
        .add_extension(
            "stepguard.action_match".to_owned(),
            2,
            Box::new(|args: Vec<Value>| {
                let (pattern, value) = two_strings("stepguard.action_match", &args)?;
                Ok(Value::from(wildcard_match(&pattern, &value, true)))
            }),
        )
        .map_err(|e| e.to_string())?;
    engine
        .add_extension(
            "stepguard.arn.parse".to_owned(),
            1,
            Box::new(|args: Vec<Value>| {
                let arn = args.first().and_then(|v| v.as_string().ok()).map(|s| s.to_string());
                let Some(arn) = arn else { anyhow::bail!("stepguard.arn.parse: expected a string") };
                Ok(parse_arn(&arn).map_or(Value::Null, Value::from))
            }),
        )
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn two_strings(name: &str, args: &[Value]) -> anyhow::Result<(String, String)> {
    match (args.first().map(Value::as_string), args.get(1).map(Value::as_string)) {
        (Some(Ok(a)), Some(Ok(b))) => Ok((a.to_string(), b.to_string())),
        _ => anyhow::bail!("{name}: expected two strings"),
    }
}

/// `*` matches any run of characters (including none), `?` exactly one.
pub(crate) fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let fold = |c: char| if case_insensitive { c.to_ascii_lowercase() } else { c };
    let p: Vec<char> = pattern.chars().map(fold).collect();
    let t: Vec<char> = text.chars().map(fold).collect();
    // Iterative matcher with single-star backtracking: linear in practice, no recursion.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// Splits an ARN into its parts.
pub(crate) fn parse_arn(arn: &str) -> Option<serde_json::Value> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if partition.is_empty() || service.is_empty() {
        return None;
    }
    let (resource_type, resource_id) = match resource.find(['/', ':']) {
        Some(i) => (resource.get(..i).unwrap_or_default(), resource.get(i + 1..).unwrap_or_default()),
        None => ("", resource),
    };
    Some(serde_json::json!({
        "partition": partition,
        "service": service,
        "region": region,
        "account": account,
        "resource": resource,
        "resource_type": resource_type,
        "resource_id": resource_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_iam_semantics() {
        assert!(wildcard_match("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", false));
        assert!(wildcard_match("arn:aws:lambda:*:*:function:f?", "arn:aws:lambda:us-east-1:1:function:f1", false));
        assert!(!wildcard_match("arn:aws:lambda:*:*:function:f?", "arn:aws:lambda:us-east-1:1:function:f12", false));
        assert!(!wildcard_match("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket", false));
        assert!(wildcard_match("S3:Get*", "s3:getobject", true));
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match("a*b*c", "aXXbYYbc", false));
        assert!(!wildcard_match("a*b*c", "aXXbYYb", false));
    }

    #[test]
    fn arns_parse() {
        let v = parse_arn("arn:aws:states:us-east-1:123456789012:stateMachine:orders").unwrap();
        assert_eq!(v["service"], "states");
        assert_eq!(v["resource_type"], "stateMachine");
        assert_eq!(v["resource_id"], "orders");
        assert!(parse_arn("not-an-arn").is_none());
    }

    #[test]
    fn builtins_are_callable_from_rego() {
        let mut engine = regorus::Engine::new();
        register(&mut engine).unwrap();
        engine
            .add_policy(
                "t.rego".into(),
                r#"package t
a := stepguard.glob_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/k")
b := stepguard.action_match("s3:get*", "S3:GetObject")
c := stepguard.arn.parse("arn:aws:iam::111122223333:role/x").account
"#
                .into(),
            )
            .unwrap();
        assert_eq!(engine.eval_rule("data.t.a".into()).unwrap(), Value::from(true));
        assert_eq!(engine.eval_rule("data.t.b".into()).unwrap(), Value::from(true));
        assert_eq!(engine.eval_rule("data.t.c".into()).unwrap(), Value::from("111122223333"));
    }
}
