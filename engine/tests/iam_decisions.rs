//! AccessDecision tables for the IAM evaluator: every `testdata/iam-decisions/*.yaml` file holds
//! named policies and cases, one case per row. Adding a row adds a test.
//!
//! A file: `policies` (name → policy document), optional `defaults` (fields every case
//! inherits), `cases` and optional `errors` (policies that must not compile). A case:
//! `name`, `principal`, `action`, `resource`, `resource_account`, `context` (a list value is a
//! multivalued key), policy slots naming policies (`identity`, `boundary`, `session`,
//! `resource_policy`, `scps` and `rcps` as lists of levels, each a list of names),
//! `management_account`, and the expectations: `expect`, optionally `deciding`
//! (`policy#index` in order), `blockers`, `scp_level`, `symbolic`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions fail loudly on broken fixtures"
)]

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};
use stepguard::{AccessDecisionKind, AccessRequest, Blocker, Evaluator, PolicyKind, parse_policy};
use yaml_rust2::{Yaml, YamlLoader};

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(s) => s.parse::<f64>().map(Value::from).unwrap_or_else(|_| Value::from(s.as_str())),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::from(s.as_str()),
        Yaml::Boolean(b) => Value::from(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        other => panic!("unsupported key {other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Yaml::Null => Value::Null,
        other => panic!("unsupported YAML value {other:?}"),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(scalar).collect(),
        Some(other) => vec![scalar(other)],
    }
}

struct Table {
    file: String,
    policies: BTreeMap<String, stepguard::Policy>,
}

impl Table {
    fn policy(&self, name: &str) -> &stepguard::Policy {
        self.policies.get(name).unwrap_or_else(|| panic!("{}: no policy `{name}`", self.file))
    }
}

fn load_policy(file: &str, name: &str, doc: &Value) -> Result<stepguard::Policy, stepguard::Error> {
    let text = serde_json::to_string_pretty(doc).unwrap();
    parse_policy(&format!("{file}#{name}"), PolicyKind::Inline, &text)
}

fn build(table: &Table, case: &Map<String, Value>) -> Result<Evaluator, stepguard::Error> {
    let mut b = Evaluator::builder();
    for name in names(case.get("identity")) {
        b = b.identity_policy(table.policy(&name));
    }
    for name in names(case.get("boundary")) {
        b = b.permissions_boundary(table.policy(&name));
    }
    for name in names(case.get("session")) {
        b = b.session_policy(table.policy(&name));
    }
    for name in names(case.get("resource_policy")) {
        b = b.resource_policy(table.policy(&name));
    }
    for (slot, is_scp) in [("scps", true), ("rcps", false)] {
        if let Some(Value::Array(levels)) = case.get(slot) {
            for (i, level) in levels.iter().enumerate() {
                let policies: Vec<&stepguard::Policy> = names(Some(level)).iter().map(|n| table.policy(n)).collect();
                let target = format!("level-{i}");
                b = if is_scp { b.scp_level(&target, &policies) } else { b.rcp_level(&target, &policies) };
            }
        }
    }
    if let Some(account) = case.get("management_account") {
        b = b.management_account(&scalar(account));
    }
    b.build()
}

fn request(case: &Map<String, Value>) -> AccessRequest {
    let field = |k: &str| case.get(k).map(scalar).unwrap_or_else(|| panic!("case has no `{k}`"));
    let mut r = AccessRequest::new(&field("principal"), &field("action")).unwrap();
    if let Some(resource) = case.get("resource").filter(|v| !v.is_null()) {
        r = r.with_resource(&scalar(resource)).unwrap();
    }
    if let Some(account) = case.get("resource_account").filter(|v| !v.is_null()) {
        r = r.with_resource_account(&scalar(account));
    }
    if let Some(Value::Object(context)) = case.get("context") {
        for (k, v) in context {
            r = match v {
                Value::Array(items) => r.with_context_values(k, items.iter().map(scalar)),
                other => r.with_context(k, scalar(other)),
            };
        }
    }
    if case.get("principal_keys") == Some(&Value::Bool(true)) {
        r = r.with_principal_keys();
    }
    r
}

fn blocker_name(b: Blocker) -> &'static str {
    match b {
        Blocker::Scp => "scp",
        Blocker::IdentityPolicy => "identity",
        Blocker::PermissionsBoundary => "boundary",
        Blocker::SessionPolicy => "session",
        Blocker::ResourcePolicy => "resource",
    }
}

/// Runs one case; `Err` describes the mismatch.
fn run_case(table: &Table, case: &Map<String, Value>) -> Result<(), String> {
    let evaluator = build(table, case).map_err(|e| format!("policies do not compile: {e}"))?;
    let request = request(case);
    let decision = evaluator.evaluate(&request);
    let expect = case.get("expect").map(scalar).ok_or("case has no `expect`")?;
    let mut problems = Vec::new();
    if decision.kind().as_str() != expect {
        problems.push(format!("expected {expect}, got {decision}"));
    }
    if let Some(deciding) = case.get("deciding") {
        let want: Vec<String> = names(Some(deciding)).iter().map(|n| format!("{}#{n}", table.file)).collect();
        let got: Vec<String> = decision.statements().map(|s| format!("{}#{}", s.policy_id(), s.index())).collect();
        if want != got {
            problems.push(format!("deciding statements {got:?}, expected {want:?}"));
        }
    }
    if let Some(blockers) = case.get("blockers") {
        let want = names(Some(blockers));
        let got: Vec<String> = decision.blockers().map(|b| blocker_name(b).to_owned()).collect();
        if want != got {
            problems.push(format!("blockers {got:?}, expected {want:?}"));
        }
    }
    if let Some(level) = case.get("scp_level") {
        let got = decision.blocking_scp_level().map(|l| l.index as i64);
        if got != level.as_i64() {
            problems.push(format!("blocking scp level {got:?}, expected {level}"));
        }
    }
    if let Some(Value::Bool(symbolic)) = case.get("symbolic")
        && decision.depends_on_symbolic() != *symbolic
    {
        problems.push(format!("depends_on_symbolic {}, expected {symbolic}", decision.depends_on_symbolic()));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// Runs one `errors` row: the policy must fail to compile with this pointer and message.
fn run_error(file: &str, row: &Map<String, Value>) -> Result<(), String> {
    let name = row.get("name").map(scalar).unwrap_or_default();
    let policy = load_policy(file, &name, row.get("policy").ok_or("row has no `policy`")?)
        .map_err(|e| format!("policy does not parse: {e}"))?;
    let err = match Evaluator::builder().identity_policy(&policy).build() {
        Ok(_) => return Err("policy compiled".to_owned()),
        Err(e) => e,
    };
    let first = err.input_errors().first().ok_or("no input error")?;
    let pointer = row.get("pointer").map(scalar).unwrap_or_default();
    let message = row.get("message").map(scalar).unwrap_or_default();
    if first.pointer() != pointer || !first.message().contains(&message) {
        return Err(format!("got `{}` at `{}`", first.message(), first.pointer()));
    }
    Ok(())
}

fn run_file(path: &Path, failures: &mut Vec<String>) -> usize {
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let root = to_json(docs.first().unwrap_or_else(|| panic!("{file} is empty")));
    let root = root.as_object().unwrap_or_else(|| panic!("{file}: not a mapping"));
    let mut policies = BTreeMap::new();
    if let Some(Value::Object(map)) = root.get("policies") {
        for (name, doc) in map {
            let policy = load_policy(&file, name, doc).unwrap_or_else(|e| panic!("{file}: policy `{name}`: {e}"));
            policies.insert(name.clone(), policy);
        }
    }
    let table = Table { file: file.clone(), policies };
    let defaults = root.get("defaults").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut count = 0;
    for case in root.get("cases").and_then(Value::as_array).into_iter().flatten() {
        let mut merged = defaults.clone();
        merged.extend(case.as_object().unwrap_or_else(|| panic!("{file}: a case is not a mapping")).clone());
        let name = merged.get("name").map(scalar).unwrap_or_default();
        if let Err(problem) = run_case(&table, &merged) {
            failures.push(format!("{file}: {name}: {problem}"));
        }
        count += 1;
    }
    for row in root.get("errors").and_then(Value::as_array).into_iter().flatten() {
        let row = row.as_object().unwrap();
        let name = row.get("name").map(scalar).unwrap_or_default();
        if let Err(problem) = run_error(&file, row) {
            failures.push(format!("{file}: {name}: {problem}"));
        }
        count += 1;
    }
    count
}

#[test]
fn iam_decision_tables() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/iam-decisions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no decision tables in {}", dir.display());
    let mut failures = Vec::new();
    let mut count = 0;
    for path in &files {
        count += run_file(path, &mut failures);
    }
    eprintln!("iam decision tables: {count} rows in {} files, {} failed", files.len(), failures.len());
    assert!(failures.is_empty(), "{} of {count} rows failed:\n{}", failures.len(), failures.join("\n"));
    assert!(count >= 150, "expected at least 150 rows, found {count}");
}

#[test]
fn decisions_name_policy_ids_and_sids() {
    let policy = parse_policy(
        "p.json",
        PolicyKind::Inline,
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secrets/*"}]}"#,
    )
    .unwrap();
    let evaluator = Evaluator::new(&[&policy]).unwrap();
    let request = AccessRequest::new("arn:aws:iam::111122223333:user/u", "s3:GetObject")
        .unwrap()
        .with_resource("arn:aws:s3:::secrets/k")
        .unwrap();
    let decision = evaluator.evaluate(&request);
    assert_eq!(decision.kind(), AccessDecisionKind::ExplicitDeny);
    let s = decision.statements().next().unwrap();
    assert_eq!((s.policy_id(), s.index(), s.sid()), ("p.json", 1, Some("NoSecrets")));
    assert_eq!(s.location().pointer, "/Statement/1");
    assert_eq!(decision.to_string(), "explicit_deny by p.json#1 (NoSecrets)");
}

/// The evaluator's sizing scenario: a role with ten policies and a three-level SCP chain.
/// Run optimized to see the rate: `cargo test --release --test iam_decisions -- --ignored`.
#[test]
#[ignore = "throughput probe; meaningful only in an optimized build"]
fn iam_throughput_probe() {
    let services = ["lambda", "sqs", "states", "dynamodb", "sns", "s3", "logs", "events", "kms", "ecs"];
    let identity: Vec<stepguard::Policy> = services
        .iter()
        .enumerate()
        .map(|(i, svc)| {
            let text = format!(
                r#"{{"Version": "2012-10-17", "Statement": [
                {{"Sid": "Read{i}", "Effect": "Allow", "Action": ["{svc}:Get*", "{svc}:List*", "{svc}:Describe*"],
                  "Resource": "arn:aws:{svc}:*:111122223333:*"}},
                {{"Sid": "Write{i}", "Effect": "Allow", "Action": "{svc}:Put*",
                  "Resource": ["arn:aws:{svc}:us-east-1:111122223333:app-*", "arn:aws:{svc}:eu-west-1:111122223333:app-*"],
                  "Condition": {{"StringEquals": {{"aws:ResourceTag/team": "${{aws:PrincipalTag/team}}"}}}}}},
                {{"Sid": "Guard{i}", "Effect": "Deny", "Action": "{svc}:Delete*", "Resource": "*",
                  "Condition": {{"Bool": {{"aws:MultiFactorAuthPresent": "false"}}}}}}]}}"#
            );
            parse_policy(&format!("policy-{i}"), PolicyKind::Managed, &text).unwrap()
        })
        .collect();
    let full = parse_policy(
        "FullAWSAccess",
        PolicyKind::Scp,
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
    )
    .unwrap();
    let region = parse_policy(
        "RegionLock",
        PolicyKind::Scp,
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}}"#,
    )
    .unwrap();
    let mut builder = Evaluator::builder();
    for p in &identity {
        builder = builder.identity_policy(p);
    }
    let evaluator = builder
        .scp_level("r-root", &[&full, &region])
        .scp_level("ou-prod", &[&full])
        .scp_level("111122223333", &[&full])
        .build()
        .unwrap();
    let requests: Vec<AccessRequest> = [
        ("sqs:PutMessage", "arn:aws:sqs:us-east-1:111122223333:app-orders"),
        ("lambda:GetFunction", "arn:aws:lambda:us-east-1:111122223333:function:f"),
        ("ecs:DeleteService", "arn:aws:ecs:us-east-1:111122223333:service/x"),
        ("s3:GetObject", "arn:aws:s3:::bucket/key"),
    ]
    .iter()
    .map(|(action, resource)| {
        AccessRequest::new("arn:aws:sts::111122223333:assumed-role/exec/run", action)
            .unwrap()
            .with_resource(resource)
            .unwrap()
            .with_context("aws:RequestedRegion", "us-east-1")
            .with_context("aws:PrincipalTag/team", "blue")
            .with_context("aws:ResourceTag/team", "blue")
            .with_context("aws:MultiFactorAuthPresent", "true")
    })
    .collect();
    let kinds: Vec<AccessDecisionKind> = requests.iter().map(|r| evaluator.evaluate(r).kind()).collect();
    assert_eq!(
        kinds,
        [
            AccessDecisionKind::Allow,
            AccessDecisionKind::Allow,
            AccessDecisionKind::ImplicitDeny,
            AccessDecisionKind::ImplicitDeny
        ]
    );
    let rounds = 250_000;
    let start = std::time::Instant::now();
    let mut allowed = 0usize;
    for i in 0..rounds {
        let r = &requests[i % requests.len()];
        allowed += usize::from(std::hint::black_box(&evaluator).evaluate(std::hint::black_box(r)).is_allowed());
    }
    let elapsed = start.elapsed();
    assert_eq!(allowed, rounds / 2);
    eprintln!(
        "iam throughput: {rounds} decisions in {elapsed:?}: {:.0} decisions/s",
        rounds as f64 / elapsed.as_secs_f64()
    );
}

#[test]
fn evaluator_new_routes_policies_by_kind() {
    let p = |name: &str, kind: PolicyKind, text: &str| parse_policy(name, kind, text).unwrap();
    let role =
        p("role", PolicyKind::Managed, r#"{"Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}"#);
    let boundary = p(
        "pb",
        PolicyKind::Boundary,
        r#"{"Statement": {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}}"#,
    );
    let root = p("root", PolicyKind::Scp, r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#);
    let ou = p("ou", PolicyKind::Scp, r#"{"Statement": {"Effect": "Allow", "Action": "sqs:Send*", "Resource": "*"}}"#);
    let evaluator = Evaluator::new(&[&role, &boundary, &root, &ou]).unwrap();
    let request = |action: &str| {
        AccessRequest::new("arn:aws:sts::111122223333:assumed-role/r/s", action)
            .unwrap()
            .with_resource("arn:aws:sqs:us-east-1:111122223333:q")
            .unwrap()
    };
    let allowed = evaluator.evaluate(&request("sqs:SendMessage"));
    assert!(allowed.is_allowed());
    let ids: Vec<&str> = allowed.statements().map(|s| s.policy_id()).collect();
    assert_eq!(ids, ["root", "ou", "role", "pb"]);
    let blocked = evaluator.evaluate(&request("sqs:DeleteMessage"));
    assert_eq!(blocked.kind(), AccessDecisionKind::ImplicitDeny);
    assert_eq!(blocked.blockers().collect::<Vec<_>>(), [Blocker::Scp, Blocker::PermissionsBoundary]);
    assert_eq!(blocked.blocking_scp_level().map(|l| (l.index, l.target)), Some((1, "ou")));
}

#[test]
fn malformed_requests_are_errors() {
    assert!(AccessRequest::new("alice", "s3:GetObject").is_err());
    assert!(AccessRequest::new("arn:aws:iam::111122223333:user/alice", "s3").is_err());
    let r = AccessRequest::new("arn:aws:iam::111122223333:user/alice", "s3:GetObject").unwrap();
    let err = r.with_resource("bucket/key").unwrap_err();
    assert_eq!(err.to_string(), "resource `bucket/key` is not an ARN");
}
