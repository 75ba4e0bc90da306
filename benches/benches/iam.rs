//! IAM evaluator throughput: one request against a role with ten identity policies (thirty
//! statements with wildcards, a policy variable and conditions) and a three-level SCP chain
//! (root with `FullAWSAccess` and a region lock, an OU, the account), decided on one thread.
//! Reported as decisions per second (`docs/benchmarks.md`; target ≥ 1,000,000/s).

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a benchmark fails loudly on broken fixtures")]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stepguard::{AccessRequest, Evaluator, PolicyKind, parse_policy};

fn evaluator() -> Evaluator {
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
            parse_policy(&format!("policy-{i}"), PolicyKind::Managed, &text).expect("valid policy")
        })
        .collect();
    let full = parse_policy(
        "FullAWSAccess",
        PolicyKind::Scp,
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
    )
    .expect("valid policy");
    let region = parse_policy(
        "RegionLock",
        PolicyKind::Scp,
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}}"#,
    )
    .expect("valid policy");
    let mut builder = Evaluator::builder();
    for p in &identity {
        builder = builder.identity_policy(p);
    }
    builder
        .scp_level("r-root", &[&full, &region])
        .scp_level("ou-prod", &[&full])
        .scp_level("111122223333", &[&full])
        .build()
        .expect("policies compile")
}

fn request(action: &str, resource: &str) -> AccessRequest {
    AccessRequest::new("arn:aws:sts::111122223333:assumed-role/exec/run", action)
        .and_then(|r| r.with_resource(resource))
        .expect("valid request")
        .with_context("aws:RequestedRegion", "us-east-1")
        .with_context("aws:PrincipalTag/team", "blue")
        .with_context("aws:ResourceTag/team", "blue")
        .with_context("aws:MultiFactorAuthPresent", "true")
}

fn bench(c: &mut Criterion) {
    let evaluator = evaluator();
    let mut group = c.benchmark_group("iam");
    group.throughput(Throughput::Elements(1));
    // An allow that needs every SCP level and a policy variable in a condition.
    let allow = request("sqs:PutMessage", "arn:aws:sqs:us-east-1:111122223333:app-orders");
    assert!(evaluator.evaluate(&allow).is_allowed());
    group.bench_function("decide_allow", |b| b.iter(|| black_box(evaluator.evaluate(black_box(&allow)).kind())));
    // An implicit deny: nothing grants, every statement is scanned.
    let deny = request("s3:GetObject", "arn:aws:s3:::bucket/key");
    assert!(!evaluator.evaluate(&deny).is_allowed());
    group.bench_function("decide_implicit_deny", |b| b.iter(|| black_box(evaluator.evaluate(black_box(&deny)).kind())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
