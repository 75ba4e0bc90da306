//! Custom Rego builtins under `stepguard.`, registered with regorus's `add_extension`.
//!
//! | builtin | meaning |
//! |---|---|
//! | `stepguard.glob_match(pattern, value)` | IAM wildcard match: `*` any run (crossing `/` and `:`), `?` one character; case-sensitive, as for ARNs |
//! | `stepguard.action_match(pattern, action)` | the same, case-insensitive, as for IAM actions |
//! | `stepguard.arn.parse(arn)` | `{partition, service, region, account, resource, resource_type, resource_id}`, or `null` when the string is not an ARN |
//! | `stepguard.iam.allows(policies, action, resource)` | whether the IAM evaluator allows `action` on `resource` under `policies` (graph policy objects or plain policy documents, routed by `kind`) |
//! | `stepguard.iam.decide(policies, action, resource, context)` | the full decision: `{decision, statements, blockers, scp_level}`; `context` maps condition keys to a string or a list of strings |
//! | `stepguard.iam.action_info(action)` | `{name, service, service_name, access_level, wildcard_only, resource_types, dependent_actions}` from the action catalogue, or `null` for an unknown action |
//! | `stepguard.iam.expand(pattern)` | every catalogued action an `Action` entry such as `s3:Get*` matches, sorted |
//!
//! The IAM builtins are pure functions of their arguments: a rule that holds policy ids looks
//! the objects up in `input.policies` first (`docs/rego-builtins.md`).

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
    register_iam(engine)
}

/// The IAM builtins, backed by the evaluator and the action catalogue.
fn register_iam(engine: &mut regorus::Engine) -> Result<(), String> {
    engine
        .add_extension(
            "stepguard.iam.allows".to_owned(),
            3,
            Box::new(|args: Vec<Value>| {
                let decision = iam_decide("stepguard.iam.allows", &args, None)?;
                Ok(Value::from(decision.get("decision").and_then(serde_json::Value::as_str) == Some("allow")))
            }),
        )
        .map_err(|e| e.to_string())?;
    engine
        .add_extension(
            "stepguard.iam.decide".to_owned(),
            4,
            Box::new(|args: Vec<Value>| {
                let context = to_json(args.get(3));
                Ok(Value::from(iam_decide("stepguard.iam.decide", &args, Some(&context))?))
            }),
        )
        .map_err(|e| e.to_string())?;
    engine
        .add_extension(
            "stepguard.iam.action_info".to_owned(),
            1,
            Box::new(|args: Vec<Value>| {
                let Some(action) = args.first().and_then(|v| v.as_string().ok()).map(|s| s.to_string()) else {
                    anyhow::bail!("stepguard.iam.action_info: expected a string")
                };
                Ok(crate::iam::action_catalogue().action(&action).map_or(Value::Null, |a| Value::from(action_json(&a))))
            }),
        )
        .map_err(|e| e.to_string())?;
    engine
        .add_extension(
            "stepguard.iam.expand".to_owned(),
            1,
            Box::new(|args: Vec<Value>| {
                let Some(pattern) = args.first().and_then(|v| v.as_string().ok()).map(|s| s.to_string()) else {
                    anyhow::bail!("stepguard.iam.expand: expected a string")
                };
                let names: Vec<serde_json::Value> = crate::iam::action_catalogue()
                    .expand(&pattern)
                    .iter()
                    .map(|a| serde_json::Value::from(a.name()))
                    .collect();
                Ok(Value::from(serde_json::Value::from(names)))
            }),
        )
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn to_json(value: Option<&Value>) -> serde_json::Value {
    value.and_then(|v| serde_json::to_value(v).ok()).unwrap_or(serde_json::Value::Null)
}

fn action_json(a: &crate::iam::ActionInfo<'_>) -> serde_json::Value {
    serde_json::json!({
        "name": a.name(),
        "service": a.service_prefix(),
        "service_name": a.service_name(),
        "access_level": a.access_level().as_str(),
        "wildcard_only": a.is_wildcard_only(),
        "resource_types": a.resource_types().map(|t| serde_json::json!({"name": t.name, "required": t.required, "arn": t.arn})).collect::<Vec<_>>(),
        "dependent_actions": a.dependent_actions().collect::<Vec<_>>(),
    })
}

/// Reads the policies argument: a list (or one) of graph policy objects or plain documents.
fn read_policies(name: &str, value: &serde_json::Value) -> anyhow::Result<Vec<crate::model::Policy>> {
    let items: Vec<&serde_json::Value> = match value {
        serde_json::Value::Array(items) => items.iter().collect(),
        serde_json::Value::Object(_) => vec![value],
        _ => anyhow::bail!("{name}: `policies` must be a policy object or a list of them"),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let graph_policy = item.get("statements").is_some() && item.get("kind").is_some();
        let policy = if graph_policy {
            serde_json::from_value::<crate::model::Policy>(item.clone())
                .map_err(|e| anyhow::anyhow!("{name}: policy {i} is not a graph policy object: {e}"))?
        } else {
            let text = item.to_string();
            crate::iam::parse_policy(&format!("policies[{i}]"), crate::model::PolicyKind::Identity, &text)
                .map_err(|e| anyhow::anyhow!("{name}: policy {i}: {}", first_line(&e.to_string())))?
        };
        out.push(policy);
    }
    Ok(out)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// Evaluates `args` = (policies, action, resource[, context]) and returns the decision object.
fn iam_decide(name: &str, args: &[Value], context: Option<&serde_json::Value>) -> anyhow::Result<serde_json::Value> {
    let policies = read_policies(name, &to_json(args.first()))?;
    let (Some(Ok(action)), Some(Ok(resource))) = (args.get(1).map(Value::as_string), args.get(2).map(Value::as_string))
    else {
        anyhow::bail!("{name}: expected an action and a resource string");
    };
    let refs: Vec<&crate::model::Policy> = policies.iter().collect();
    let evaluator =
        crate::iam::Evaluator::new(&refs).map_err(|e| anyhow::anyhow!("{name}: {}", first_line(&e.to_string())))?;
    // The principal is a role session in the resource's account, so that identity policies
    // decide alone (no cross-account trust is needed).
    let account = resource
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or("000000000000");
    let principal = format!("arn:aws:sts::{account}:assumed-role/stepguard/stepguard");
    let mut request = crate::iam::AccessRequest::new(&principal, action)
        .and_then(|r| r.with_resource(resource))
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?
        .with_principal_keys();
    if let Some(serde_json::Value::Object(keys)) = context {
        for (key, value) in keys {
            request = match value {
                serde_json::Value::Array(items) => request.with_context_values(
                    key,
                    items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
                ),
                serde_json::Value::String(s) => request.with_context(key, s.clone()),
                other => request.with_context(key, other.to_string()),
            };
        }
    }
    let decision = evaluator.evaluate(&request);
    let statements: Vec<serde_json::Value> = decision
        .statements()
        .map(|s| serde_json::json!({"policy": s.policy_id(), "statement": s.index(), "sid": s.sid(), "effect": format!("{:?}", s.effect())}))
        .collect();
    let blockers: Vec<String> = decision.blockers().map(|b| format!("{b:?}").to_lowercase()).collect();
    Ok(serde_json::json!({
        "decision": decision.kind().as_str(),
        "statements": statements,
        "blockers": blockers,
        "scp_level": decision.blocking_scp_level().map(|l| l.target),
    }))
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

    #[test]
    fn iam_builtins_are_callable_from_rego() {
        let mut engine = regorus::Engine::new();
        register(&mut engine).unwrap();
        engine
            .add_policy(
                "t.rego".into(),
                r#"package t
doc := {"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "lambda:Invoke*", "Resource": "arn:aws:lambda:*:*:function:f"},
  {"Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}
fn := "arn:aws:lambda:us-east-1:111122223333:function:f"
allowed := stepguard.iam.allows([doc], "lambda:InvokeFunction", fn)
other := stepguard.iam.allows(doc, "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111122223333:function:g")
denied := stepguard.iam.decide([doc], "lambda:InvokeFunction", fn, {"aws:RequestedRegion": "eu-west-1"})
level := stepguard.iam.action_info("S3:getobject").access_level
unknown := stepguard.iam.action_info("s3:NoSuch")
sends := stepguard.iam.expand("states:SendTask*")
"#
                .into(),
            )
            .unwrap();
        assert_eq!(engine.eval_rule("data.t.allowed".into()).unwrap(), Value::from(true));
        assert_eq!(engine.eval_rule("data.t.other".into()).unwrap(), Value::from(false));
        let denied = engine.eval_rule("data.t.denied".into()).unwrap();
        assert_eq!(denied["decision"], Value::from("explicit_deny"));
        assert_eq!(denied["statements"][0]["statement"], Value::from(1u64));
        assert_eq!(engine.eval_rule("data.t.level".into()).unwrap(), Value::from("read"));
        assert_eq!(engine.eval_rule("data.t.unknown".into()).unwrap(), Value::Null);
        assert_eq!(engine.eval_rule("data.t.sends".into()).unwrap().as_array().unwrap().len(), 3);
    }
}
