//! Differential test of the IAM evaluator against an independent simulator,
//! `@cloud-copilot/iam-simulate` (AGPL, run as an external program through
//! `../shared/oracles/iam-simulate/driver.mjs`; installed with npm into a temporary folder at
//! test time, never vendored).
//!
//! Cases are random but reproducible (a seeded xorshift generator) over a small vocabulary:
//! actions and ARNs with wildcards and variables, conditions of every operator family with
//! present and missing keys, identity policies, boundaries, session policies, SCP chains,
//! RCPs, resource policies and cross-account requests. Every case the simulator can
//! evaluate must agree.
//!
//! Not compared (counted and printed instead):
//! - cases where the simulator reports ignored context keys or returns an error;
//! - cases that exercise a documented difference between the simulator and AWS's
//!   documentation (see `docs/iam-evaluation.md`): a variable without a value under a
//!   negated operator or in `NotResource`, and `NotPrincipal` lists naming a principal's
//!   account without the principal (or the reverse). They are still run, and the number
//!   that actually differ is printed.
//!
//! Skips (with a printed note) when `node`/`npm` are missing, `../shared` is absent, or npm
//! cannot reach the registry.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions fail loudly on broken fixtures"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use stepguard::{AccessDecisionKind, AccessRequest, Evaluator, PolicyKind, parse_policy};

const PACKAGE: &str = "@cloud-copilot/iam-simulate@0.1.173";
const SEED: u64 = 0x5eed_1a3d_2024_0001;
const CASES: usize = 6000;

const A: &str = "111122223333";
const B: &str = "444455556666";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/exec/run";
const OTHER_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/other/run";
const ROLE: &str = "arn:aws:iam::111122223333:role/exec";
const USER: &str = "arn:aws:iam::111122223333:user/alice";
const SERVICE: &str = "events.amazonaws.com";

// ---------------------------------------------------------------------------------------
// Reproducible randomness.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn some<T: Clone>(&mut self, items: &[T], max: usize) -> Vec<T> {
        let n = 1 + self.below(max);
        (0..n).map(|_| self.pick(items).clone()).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Vocabulary.

struct ActionSpec {
    action: &'static str,
    /// Resource ARN template (`{region}`, `{account}`, `{name}`), or `*` for actions with no
    /// resource types.
    template: &'static str,
}

const ACTIONS: &[ActionSpec] = &[
    ActionSpec { action: "lambda:InvokeFunction", template: "arn:aws:lambda:{region}:{account}:function:{name}" },
    ActionSpec { action: "lambda:GetFunction", template: "arn:aws:lambda:{region}:{account}:function:{name}" },
    ActionSpec { action: "states:StartExecution", template: "arn:aws:states:{region}:{account}:stateMachine:{name}" },
    ActionSpec { action: "sqs:SendMessage", template: "arn:aws:sqs:{region}:{account}:{name}" },
    ActionSpec { action: "dynamodb:GetItem", template: "arn:aws:dynamodb:{region}:{account}:table/{name}" },
    ActionSpec { action: "sns:Publish", template: "arn:aws:sns:{region}:{account}:{name}" },
    ActionSpec { action: "s3:GetObject", template: "arn:aws:s3:::{bucket}/{key}" },
    ActionSpec { action: "states:ListStateMachines", template: "*" },
    ActionSpec { action: "lambda:ListFunctions", template: "*" },
];

const REGIONS: &[&str] = &["us-east-1", "eu-west-1"];
const NAMES: &[&str] = &["f", "app-orders", "App-users", "prod-api", "blue-jobs"];
const BUCKETS: &[&str] = &["bucket-1", "bucket-2", "logs"];
const KEYS: &[&str] = &["alice/notes.txt", "bob/x", "shared/report", "blue/data", "app-1/y"];

const ACTION_PATTERNS: &[&str] = &[
    "*",
    "lambda:*",
    "lambda:Invoke*",
    "LAMBDA:invokefunction",
    "lambda:GetFunction",
    "lambda:List*",
    "states:*Execution",
    "states:List*",
    "states:*",
    "sqs:?endMessage",
    "sqs:SendMessage",
    "sqs:*",
    "dynamodb:Get*",
    "dynamodb:GetItem",
    "s3:GetObject",
    "s3:*",
    "sns:Publish",
    "SNS:*",
    "iam:*",
];

const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:lambda:*:*:function:*",
    "arn:aws:lambda:us-east-1:111122223333:function:app-*",
    "arn:aws:lambda:*:111122223333:function:f",
    "arn:aws:lambda:US-EAST-1:111122223333:function:f",
    "arn:aws:lambda:*:*:function:App-*",
    "arn:aws:lambda:*:*:function:${aws:PrincipalTag/team}-*",
    "arn:aws:states:*:*:stateMachine:*",
    "arn:aws:states:eu-west-1:444455556666:stateMachine:?rod-api",
    "arn:aws:sqs:*:111122223333:*",
    "arn:aws:sqs:eu-west-1:*:app-??????",
    "arn:aws:sqs:*:*:f",
    "arn:aws:dynamodb:*:*:table/app-*",
    "arn:aws:dynamodb:us-east-1:444455556666:table/*",
    "arn:aws:sns:*:444455556666:*",
    "arn:aws:sns:*:*:blue-jobs",
    "arn:aws:s3:::bucket-1/*",
    "arn:aws:s3:::bucket-?/app-*",
    "arn:aws:s3:::bucket-1/${aws:username}/*",
    "arn:aws:s3:::*/${aws:PrincipalTag/team, 'shared'}/*",
    "arn:aws:s3:::logs/*",
];

/// A condition key with the values policies compare against and the values requests carry.
struct KeySpec {
    key: &'static str,
    family: Family,
    policy: &'static [&'static str],
    request: &'static [&'static str],
}

#[derive(Clone, Copy, PartialEq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Multi,
}

const KEY_SPECS: &[KeySpec] = &[
    KeySpec {
        key: "aws:PrincipalTag/team",
        family: Family::String,
        policy: &["blue", "red", "Blue", "b*", "?ed"],
        request: &["blue", "red", "BLUE", "green"],
    },
    KeySpec {
        key: "aws:RequestedRegion",
        family: Family::String,
        policy: &["us-east-1", "eu-west-1", "eu-*", "us-????-1"],
        request: &["us-east-1", "eu-west-1", "ap-south-1"],
    },
    KeySpec {
        key: "aws:username",
        family: Family::String,
        policy: &["alice", "bob", "al*", "ALICE"],
        request: &["alice", "bob", "carol"],
    },
    KeySpec {
        key: "aws:ResourceTag/env",
        family: Family::String,
        policy: &["prod", "dev", "${aws:PrincipalTag/team}", "${aws:PrincipalTag/team, 'blue'}", "p*"],
        request: &["prod", "dev", "blue", "red"],
    },
    KeySpec {
        key: "aws:PrincipalOrgID",
        family: Family::String,
        policy: &["o-abc", "o-xyz"],
        request: &["o-abc", "o-other"],
    },
    KeySpec {
        key: "aws:SourceAccount",
        family: Family::String,
        policy: &["111122223333", "444455556666", "${aws:PrincipalAccount}"],
        request: &["111122223333", "444455556666"],
    },
    KeySpec {
        key: "aws:MultiFactorAuthAge",
        family: Family::Numeric,
        policy: &["300", "3600", "0", "59.5"],
        request: &["0", "299", "300", "3600", "7200", "59.5"],
    },
    KeySpec {
        key: "aws:CurrentTime",
        family: Family::Date,
        policy: &["2024-01-01T00:00:00Z", "2025-06-01T12:00:00Z", "2024-06-01"],
        request: &["2023-12-31T23:59:59Z", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"],
    },
    KeySpec {
        key: "aws:EpochTime",
        family: Family::Date,
        policy: &["1700000000", "1750000000"],
        request: &["1690000000", "1700000000", "1760000000"],
    },
    KeySpec {
        key: "aws:SecureTransport",
        family: Family::Bool,
        policy: &["true", "false"],
        request: &["true", "false"],
    },
    KeySpec {
        key: "aws:RequestTag/blob",
        family: Family::Binary,
        policy: &["aGVsbG8=", "d29ybGQ="],
        request: &["aGVsbG8=", "d29ybGQ=", "Zm9v"],
    },
    KeySpec {
        key: "aws:SourceIp",
        family: Family::Ip,
        policy: &["203.0.113.0/24", "10.0.0.0/8", "2001:db8::/32", "198.51.100.7/32"],
        request: &["203.0.113.5", "10.1.2.3", "192.0.2.1", "2001:db8::1", "2001:db9::1", "198.51.100.7"],
    },
    KeySpec {
        key: "aws:SourceArn",
        family: Family::Arn,
        policy: &["arn:aws:states:*:111122223333:stateMachine:*", "arn:aws:sns:us-east-1:*:t?", "arn:aws:sns:*:*:*"],
        request: &[
            "arn:aws:states:us-east-1:111122223333:stateMachine:m",
            "arn:aws:sns:us-east-1:111122223333:t1",
            "arn:aws:sns:us-east-1:444455556666:t12",
        ],
    },
    KeySpec {
        key: "aws:PrincipalArn",
        family: Family::Arn,
        policy: &["arn:aws:iam::111122223333:role/exec", "arn:aws:iam::*:role/admin*", "arn:aws:iam::111122223333:*"],
        request: &[
            "arn:aws:iam::111122223333:role/exec",
            "arn:aws:iam::111122223333:role/admin-x",
            "arn:aws:iam::444455556666:role/exec",
        ],
    },
    KeySpec {
        key: "aws:TagKeys",
        family: Family::Multi,
        policy: &["env", "team", "secret", "Env", "t*"],
        request: &["env", "team", "cost", "secret"],
    },
    KeySpec {
        key: "aws:PrincipalOrgPaths",
        family: Family::Multi,
        policy: &["o-abc/r-root/ou-prod/*", "o-abc/r-root/*", "o-abc/r-root/ou-dev/"],
        request: &["o-abc/r-root/ou-prod/", "o-abc/r-root/ou-dev/", "o-xyz/r-1/"],
    },
];

// ---------------------------------------------------------------------------------------
// Cases.

#[derive(Clone, Debug)]
enum Ctx {
    Single(String),
    Multi(Vec<String>),
}

#[derive(Debug)]
struct Case {
    principal: &'static str,
    action: &'static str,
    resource: String,
    resource_account: &'static str,
    context: Vec<(String, Ctx)>,
    identity: Vec<Value>,
    boundary: Vec<Value>,
    session: Option<Value>,
    scps: Vec<Vec<Value>>,
    rcps: Vec<Vec<Value>>,
    resource_policy: Option<Value>,
}

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn one_or_many(rng: &mut Rng, items: Vec<String>) -> Value {
    if items.len() == 1 && rng.chance(60) { Value::from(items[0].clone()) } else { json!(items) }
}

fn condition_block(rng: &mut Rng) -> Value {
    let mut block = serde_json::Map::new();
    for _ in 0..1 + rng.below(2) {
        let spec = rng.pick(KEY_SPECS);
        let key = if rng.chance(10) { spec.key.to_uppercase() } else { spec.key.to_owned() };
        let values: Vec<String> = rng.some(spec.policy, 2).into_iter().map(str::to_owned).collect();
        let (operator, values) = match spec.family {
            Family::String => {
                let base = *rng.pick(&[
                    "StringEquals",
                    "StringNotEquals",
                    "StringEqualsIgnoreCase",
                    "StringNotEqualsIgnoreCase",
                    "StringLike",
                    "StringNotLike",
                ]);
                (with_if_exists(rng, base), values)
            }
            Family::Numeric => {
                let base = *rng.pick(&[
                    "NumericEquals",
                    "NumericNotEquals",
                    "NumericLessThan",
                    "NumericLessThanEquals",
                    "NumericGreaterThan",
                    "NumericGreaterThanEquals",
                ]);
                (with_if_exists(rng, base), values)
            }
            Family::Date => {
                let base = *rng.pick(&[
                    "DateEquals",
                    "DateNotEquals",
                    "DateLessThan",
                    "DateLessThanEquals",
                    "DateGreaterThan",
                    "DateGreaterThanEquals",
                ]);
                (with_if_exists(rng, base), values)
            }
            Family::Bool => (with_if_exists(rng, "Bool"), vec![rng.pick(spec.policy).to_string()]),
            Family::Binary => (with_if_exists(rng, "BinaryEquals"), values),
            Family::Ip => {
                let base = rng_pick_str(rng, &["IpAddress", "NotIpAddress"]);
                (with_if_exists(rng, base), values)
            }
            Family::Arn => {
                let base = rng_pick_str(rng, &["ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals"]);
                (with_if_exists(rng, base), values)
            }
            Family::Multi => {
                let base = rng_pick_str(
                    rng,
                    &["StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase"],
                );
                // Mostly set operators; sometimes a plain one (never matches a set).
                let op = match rng.below(10) {
                    0 => base.to_owned(),
                    1..=5 => format!("ForAnyValue:{base}"),
                    _ => format!("ForAllValues:{base}"),
                };
                (op, values)
            }
        };
        let (operator, values) = if rng.chance(8) {
            ("Null".to_owned(), vec![rng_pick_str(rng, &["true", "false"]).to_owned()])
        } else {
            (operator, values)
        };
        let entry = block.entry(operator).or_insert_with(|| json!({}));
        let v = one_or_many(rng, values);
        entry.as_object_mut().unwrap().insert(key, v);
    }
    Value::Object(block)
}

fn rng_pick_str(rng: &mut Rng, items: &[&'static str]) -> &'static str {
    items[rng.below(items.len())]
}

fn with_if_exists(rng: &mut Rng, base: &str) -> String {
    if rng.chance(20) { format!("{base}IfExists") } else { base.to_owned() }
}

fn statement(rng: &mut Rng, deny_percent: u64, spec: &ActionSpec, resource: &str) -> Value {
    let effect = if rng.chance(deny_percent) { "Deny" } else { "Allow" };
    let mut s = serde_json::Map::new();
    s.insert("Effect".into(), json!(effect));
    let mut actions: Vec<String> = rng.some(ACTION_PATTERNS, 2).into_iter().map(str::to_owned).collect();
    if rng.chance(35) {
        actions[0] = spec.action.to_owned();
    }
    let actions = one_or_many(rng, actions);
    s.insert(if rng.chance(12) { "NotAction".into() } else { "Action".into() }, actions);
    let mut resources: Vec<String> = rng.some(RESOURCE_PATTERNS, 2).into_iter().map(str::to_owned).collect();
    if rng.chance(25) {
        resources[0] = resource.to_owned();
    }
    let resources = one_or_many(rng, resources);
    s.insert(if rng.chance(12) { "NotResource".into() } else { "Resource".into() }, resources);
    if rng.chance(45) {
        s.insert("Condition".into(), condition_block(rng));
    }
    Value::Object(s)
}

fn policy(rng: &mut Rng, deny_percent: u64, max_statements: usize, spec: &ActionSpec, resource: &str) -> Value {
    doc((0..1 + rng.below(max_statements)).map(|_| statement(rng, deny_percent, spec, resource)).collect())
}

fn scp_level(rng: &mut Rng, spec: &ActionSpec) -> Vec<Value> {
    if rng.chance(4) {
        return Vec::new();
    }
    let mut level = Vec::new();
    if rng.chance(85) {
        level.push(doc(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})]));
    } else {
        let mut actions: Vec<String> = rng
            .some(&["lambda:*", "sqs:*", "states:*", "s3:*", "dynamodb:*", "sns:*"], 2)
            .into_iter()
            .map(str::to_owned)
            .collect();
        if rng.chance(50) {
            actions.push(format!("{}:*", spec.action.split(':').next().unwrap()));
        }
        level.push(doc(vec![json!({"Effect": "Allow", "Action": actions, "Resource": "*"})]));
    }
    if rng.chance(35) {
        let mut deny = serde_json::Map::new();
        deny.insert("Effect".into(), json!("Deny"));
        let action = if rng.chance(50) { spec.action.to_owned() } else { rng.pick(ACTION_PATTERNS).to_string() };
        deny.insert(if rng.chance(15) { "NotAction".into() } else { "Action".into() }, json!(action));
        deny.insert("Resource".into(), json!(rng.pick(RESOURCE_PATTERNS)));
        if rng.chance(60) {
            deny.insert("Condition".into(), condition_block(rng));
        }
        level.push(doc(vec![Value::Object(deny)]));
    }
    level
}

fn rcp_level(rng: &mut Rng) -> Vec<Value> {
    if rng.chance(30) {
        return Vec::new();
    }
    let condition = match rng.below(3) {
        0 => json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}),
        1 => json!({"BoolIfExists": {"aws:SecureTransport": "false"}}),
        _ => json!({"StringNotEquals": {"aws:SourceAccount": A}}),
    };
    let action = rng_pick_str(rng, &["s3:*", "sqs:*", "s3:GetObject", "sqs:SendMessage"]);
    vec![doc(vec![
        json!({"Effect": "Deny", "Principal": "*", "Action": action, "Resource": "*", "Condition": condition}),
    ])]
}

const PRINCIPAL_ENTRIES: &[&str] = &[
    "*",
    SESSION,
    ROLE,
    A,
    "arn:aws:iam::111122223333:root",
    B,
    "arn:aws:iam::444455556666:root",
    USER,
    "arn:aws:iam::111122223333:role/other",
];

fn resource_policy(rng: &mut Rng, spec: &ActionSpec, resource: &str) -> Value {
    let mut statements = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let deny = rng.chance(25);
        let mut s = serde_json::Map::new();
        s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
        if deny && rng.chance(30) {
            let entries: Vec<&str> = rng.some(PRINCIPAL_ENTRIES, 3).into_iter().filter(|e| *e != "*").collect();
            s.insert("NotPrincipal".into(), json!({"AWS": entries}));
        } else if rng.chance(10) {
            s.insert("Principal".into(), json!({"Service": SERVICE}));
        } else {
            let entries: Vec<&str> = rng.some(PRINCIPAL_ENTRIES, 2);
            if entries.contains(&"*") && rng.chance(50) {
                s.insert("Principal".into(), json!("*"));
            } else {
                s.insert("Principal".into(), json!({"AWS": entries}));
            }
        }
        let action = if rng.chance(70) { spec.action.to_owned() } else { rng.pick(ACTION_PATTERNS).to_string() };
        s.insert("Action".into(), json!(action));
        let r = if resource == "*" || rng.chance(30) {
            "*".to_owned()
        } else if rng.chance(70) {
            resource.to_owned()
        } else {
            rng.pick(RESOURCE_PATTERNS).to_string()
        };
        s.insert("Resource".into(), json!(r));
        if rng.chance(30) {
            s.insert("Condition".into(), condition_block(rng));
        }
        statements.push(Value::Object(s));
    }
    doc(statements)
}

fn generate(rng: &mut Rng) -> Case {
    let spec = rng.pick(ACTIONS);
    let principal = match rng.below(100) {
        0..=74 => SESSION,
        75..=84 => USER,
        85..=92 => OTHER_SESSION,
        _ => SERVICE,
    };
    let resource_account = if spec.template == "*" || rng.chance(65) { A } else { B };
    let resource = spec
        .template
        .replace("{region}", rng_pick_str(rng, REGIONS))
        .replace("{account}", resource_account)
        .replace("{name}", rng_pick_str(rng, NAMES))
        .replace("{bucket}", rng_pick_str(rng, BUCKETS))
        .replace("{key}", rng_pick_str(rng, KEYS));

    let mut context = Vec::new();
    for key in KEY_SPECS {
        // S3 object actions know no resource tags; the simulator would drop the key.
        if rng.chance(55) && !(key.key == "aws:ResourceTag/env" && spec.action.starts_with("s3:")) {
            let value = if key.family == Family::Multi {
                Ctx::Multi(rng.some(key.request, 3).into_iter().map(str::to_owned).collect())
            } else {
                Ctx::Single(rng.pick(key.request).to_string())
            };
            context.push((key.key.to_owned(), value));
        }
    }
    if rng.chance(70) {
        context.push(("aws:PrincipalAccount".to_owned(), Ctx::Single(A.to_owned())));
    }

    let service = principal == SERVICE;
    let identity =
        if service { Vec::new() } else { (0..1 + rng.below(3)).map(|_| policy(rng, 25, 3, spec, &resource)).collect() };
    let boundary = if !service && rng.chance(30) { vec![policy(rng, 15, 2, spec, &resource)] } else { Vec::new() };
    let resource_policy =
        if rng.chance(if service { 85 } else { 35 }) { Some(resource_policy(rng, spec, &resource)) } else { None };
    // Session policies only without a resource policy (see the module documentation).
    let session = if principal != USER && !service && resource_policy.is_none() && rng.chance(15) {
        Some(policy(rng, 10, 2, spec, &resource))
    } else {
        None
    };
    let scps = if !service && rng.chance(55) {
        (0..1 + rng.below(3)).map(|_| scp_level(rng, spec)).collect()
    } else {
        Vec::new()
    };
    let rcps = if rng.chance(15) { (0..1 + rng.below(2)).map(|_| rcp_level(rng)).collect() } else { Vec::new() };
    Case {
        principal,
        action: spec.action,
        resource,
        resource_account,
        context,
        identity,
        boundary,
        session,
        scps,
        rcps,
        resource_policy,
    }
}

// ---------------------------------------------------------------------------------------
// Documented differences between the simulator and AWS's documentation.

fn context_has_single(case: &Case, key: &str) -> bool {
    case.context.iter().any(|(k, v)| k.eq_ignore_ascii_case(key) && matches!(v, Ctx::Single(_)))
}

/// Variables (without a default) whose key the request does not supply as one value.
fn unresolved_variables(case: &Case, text: &str) -> bool {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(end) = rest[start..].find('}') else { break };
        let inner = &rest[start + 2..start + end];
        rest = &rest[start + end + 1..];
        if matches!(inner, "*" | "?" | "$") {
            continue;
        }
        let (name, default) = match inner.split_once(", ") {
            Some((n, d)) => (n.trim(), d.starts_with('\'') && d.ends_with('\'')),
            None => (inner.trim(), false),
        };
        if !default && !context_has_single(case, name) {
            return true;
        }
    }
    false
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// Why the simulator and AWS's documentation may disagree on this case, if they may.
fn divergence(case: &Case) -> Option<&'static str> {
    let mut docs: Vec<&Value> = case.identity.iter().chain(&case.boundary).collect();
    docs.extend(case.session.iter());
    docs.extend(case.scps.iter().flatten());
    docs.extend(case.rcps.iter().flatten());
    docs.extend(case.resource_policy.iter());
    for doc in docs {
        for s in doc["Statement"].as_array().unwrap() {
            if let Some(Value::Object(ops)) = s.get("Condition") {
                for (op, keys) in ops {
                    if !op.to_ascii_lowercase().contains("not") {
                        continue;
                    }
                    for values in keys.as_object().unwrap().values() {
                        if strings(values).iter().any(|v| unresolved_variables(case, v)) {
                            return Some("variable without a value under a negated operator");
                        }
                    }
                }
            }
            if let Some(values) = s.get("NotResource")
                && strings(values).iter().any(|v| unresolved_variables(case, v))
            {
                return Some("variable without a value in NotResource");
            }
            if let Some(np) = s.get("NotPrincipal") {
                let entries = strings(&np["AWS"]);
                if not_principal_rules_differ(case.principal, &entries) {
                    return Some("NotPrincipal naming only one of account and principal");
                }
            }
        }
    }
    None
}

/// The simulator exempts a principal that any entry matches (its account alone included);
/// AWS's documentation requires both the account and the principal (or its role).
fn not_principal_rules_differ(principal: &str, entries: &[String]) -> bool {
    if principal == SERVICE {
        return false;
    }
    let account = entries.iter().any(|e| e == A || e == "arn:aws:iam::111122223333:root");
    let identity = entries.iter().any(|e| {
        e == principal
            || (principal == SESSION && e == ROLE)
            || (principal == OTHER_SESSION && e == "arn:aws:iam::111122223333:role/other")
    });
    (account || identity) != (account && identity)
}

// ---------------------------------------------------------------------------------------
// Running both sides.

fn ours(case: &Case) -> AccessDecisionKind {
    let parse = |name: String, doc: &Value| {
        parse_policy(&name, PolicyKind::Inline, &doc.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let identity: Vec<_> = case.identity.iter().enumerate().map(|(i, d)| parse(format!("id{i}"), d)).collect();
    let boundary: Vec<_> = case.boundary.iter().enumerate().map(|(i, d)| parse(format!("pb{i}"), d)).collect();
    let session = case.session.as_ref().map(|d| parse("session".into(), d));
    let resource = case.resource_policy.as_ref().map(|d| parse("resource".into(), d));
    let scps: Vec<Vec<_>> = case
        .scps
        .iter()
        .enumerate()
        .map(|(l, level)| level.iter().enumerate().map(|(i, d)| parse(format!("scp{l}.{i}"), d)).collect())
        .collect();
    let rcps: Vec<Vec<_>> = case
        .rcps
        .iter()
        .enumerate()
        .map(|(l, level)| level.iter().enumerate().map(|(i, d)| parse(format!("rcp{l}.{i}"), d)).collect())
        .collect();
    let mut b = Evaluator::builder();
    for p in &identity {
        b = b.identity_policy(p);
    }
    for p in &boundary {
        b = b.permissions_boundary(p);
    }
    if let Some(p) = &session {
        b = b.session_policy(p);
    }
    if let Some(p) = &resource {
        b = b.resource_policy(p);
    }
    for (l, level) in scps.iter().enumerate() {
        b = b.scp_level(&format!("level-{l}"), &level.iter().collect::<Vec<_>>());
    }
    for (l, level) in rcps.iter().enumerate() {
        b = b.rcp_level(&format!("level-{l}"), &level.iter().collect::<Vec<_>>());
    }
    let evaluator = b.build().unwrap_or_else(|e| panic!("policies do not compile: {e}"));
    let mut request = AccessRequest::new(case.principal, case.action)
        .unwrap()
        .with_resource(&case.resource)
        .unwrap()
        .with_resource_account(case.resource_account);
    for (k, v) in &case.context {
        request = match v {
            Ctx::Single(s) => request.with_context(k, s.as_str()),
            Ctx::Multi(vs) => request.with_context_values(k, vs.iter().map(String::as_str)),
        };
    }
    evaluator.evaluate(&request).kind()
}

fn simulation(case: &Case) -> Value {
    let named = |prefix: &str, docs: &[Value]| -> Vec<Value> {
        docs.iter().enumerate().map(|(i, d)| json!({"name": format!("{prefix}{i}"), "policy": d})).collect()
    };
    let levels = |docs: &[Vec<Value>], prefix: &str| -> Vec<Value> {
        docs.iter()
            .enumerate()
            .map(|(l, level)| json!({"orgIdentifier": format!("level-{l}"), "policies": named(&format!("{prefix}{l}."), level)}))
            .collect()
    };
    let context: serde_json::Map<String, Value> = case
        .context
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Ctx::Single(s) => json!(s),
                Ctx::Multi(vs) => json!(vs),
            };
            (k.clone(), v)
        })
        .collect();
    let mut sim = json!({
        "request": {
            "principal": case.principal,
            "action": case.action,
            "resource": {"resource": case.resource, "accountId": case.resource_account},
            "contextVariables": context,
        },
        "identityPolicies": named("id", &case.identity),
        "serviceControlPolicies": levels(&case.scps, "scp"),
        "resourceControlPolicies": levels(&case.rcps, "rcp"),
        "permissionBoundaryPolicies": named("pb", &case.boundary),
        "vpcEndpointPolicies": [],
    });
    if let Some(p) = &case.resource_policy {
        sim["resourcePolicy"] = p.clone();
    }
    if let Some(p) = &case.session {
        sim["sessionPolicy"] = p.clone();
    }
    sim
}

fn describe(case: &Case) -> String {
    serde_json::to_string_pretty(&simulation(case)).unwrap()
}

// ---------------------------------------------------------------------------------------
// The oracle process.

fn tool_available(tool: &str) -> bool {
    Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Installs the simulator into a fresh folder beside a copy of the driver. `Err` carries
/// npm's output when the registry cannot be reached.
fn install(driver: &Path) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("stepguard-iam-oracle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("package.json"), r#"{"name": "stepguard-iam-oracle", "private": true, "type": "module"}"#)
        .unwrap();
    std::fs::copy(driver, dir.join("driver.mjs")).unwrap();
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error", PACKAGE])
        .current_dir(&dir)
        .output()
        .expect("npm runs");
    if out.status.success() {
        return Ok(dir);
    }
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let offline = ["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "network", "ENETUNREACH"]
        .iter()
        .any(|m| log.contains(m));
    if offline {
        let _ = std::fs::remove_dir_all(&dir);
        Err(log)
    } else {
        panic!("npm install {PACKAGE} failed:\n{log}");
    }
}

fn run_oracle(dir: &Path, cases: &[Case]) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg("driver.mjs")
        .current_dir(dir)
        // Date-time strings without a zone are local time to the simulator: pin it to UTC.
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let mut stdin = child.stdin.take().unwrap();
    let input: String = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({"id": i.to_string(), "simulation": simulation(c), "options": {"simulationMode": "Strict"}})
                .to_string()
                + "\n"
        })
        .collect();
    let writer = std::thread::spawn(move || {
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let mut results = vec![Value::Null; cases.len()];
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad oracle line {line}: {e}"));
        let id: usize = v["id"].as_str().unwrap().parse().unwrap();
        results[id] = v;
    }
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "the oracle exited with an error");
    results
}

#[test]
fn iam_evaluator_agrees_with_iam_simulate() {
    let driver = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/oracles/iam-simulate/driver.mjs"));
    if !driver.is_file() {
        eprintln!("note: {} is absent; skipping the iam-simulate differential test", driver.display());
        return;
    }
    if !tool_available("node") || !tool_available("npm") {
        eprintln!("note: node or npm is not on PATH; skipping the iam-simulate differential test");
        return;
    }
    let dir = match install(driver) {
        Ok(dir) => dir,
        Err(log) => {
            eprintln!("note: npm cannot reach the registry; skipping the iam-simulate differential test\n{log}");
            return;
        }
    };

    let mut rng = Rng(SEED);
    let cases: Vec<Case> = (0..CASES).map(|_| generate(&mut rng)).collect();
    let oracle = run_oracle(&dir, &cases);
    let _ = std::fs::remove_dir_all(&dir);

    let (mut compared, mut agreed, mut ignored_keys, mut oracle_errors) = (0, 0, 0, 0);
    let (mut divergent, mut divergent_differing) = (0, 0);
    let mut kinds = [0usize; 3];
    let mut disagreements = Vec::new();
    for (i, (case, result)) in cases.iter().zip(&oracle).enumerate() {
        if result["resultType"] != "single" {
            oracle_errors += 1;
            if oracle_errors <= 3 {
                eprintln!("oracle error on case {i}: {result}\n{}", describe(case));
            }
            continue;
        }
        if result["ignoredContextKeys"].as_array().is_some_and(|k| !k.is_empty()) {
            ignored_keys += 1;
            continue;
        }
        let expected = match result["overallResult"].as_str() {
            Some("Allowed") => AccessDecisionKind::Allow,
            Some("ImplicitlyDenied") => AccessDecisionKind::ImplicitDeny,
            Some("ExplicitlyDenied") => AccessDecisionKind::ExplicitDeny,
            other => panic!("unexpected oracle result {other:?} for case {i}"),
        };
        let got = ours(case);
        if let Some(_reason) = divergence(case) {
            divergent += 1;
            if got != expected {
                divergent_differing += 1;
            }
            continue;
        }
        compared += 1;
        kinds[expected as usize] += 1;
        if got == expected {
            agreed += 1;
        } else {
            disagreements.push(format!(
                "case {i}: iam-simulate says {}, stepguard says {}\n{}",
                expected.as_str(),
                got.as_str(),
                describe(case)
            ));
        }
    }
    eprintln!(
        "iam-simulate differential: generated {CASES}, compared {compared} (allow {}, implicit_deny {}, explicit_deny {}), \
         agreed {agreed}, skipped-ignored-keys {ignored_keys}, oracle-errors {oracle_errors}, \
         skipped-documented-divergence {divergent} (of which differing {divergent_differing})",
        kinds[0], kinds[1], kinds[2]
    );
    for d in disagreements.iter().take(5) {
        eprintln!("{d}");
    }
    assert!(
        disagreements.is_empty(),
        "{} of {compared} cases disagree (first ones printed above)",
        disagreements.len()
    );
    assert!(compared >= CASES / 2, "too few comparable cases: {compared}");
    assert!(kinds.iter().all(|&k| k >= CASES / 20), "outcomes are too lopsided: {kinds:?}");
}
