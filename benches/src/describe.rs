//! `aws stepfunctions describe-state-machine` output: the definition as a JSON string, the
//! role as a literal ARN.

use crate::app::{App, MachineMeta, WORKLOAD_ACCOUNT};
use crate::asl::{self, MachineShape};
use crate::iam::timestamp;
use crate::refs::{Child, RefMode, Refs};
use crate::rng::{Rng, Stream};
use crate::value::obj;

/// One describe output and what it holds.
pub(crate) struct Described {
    pub(crate) text: String,
    pub(crate) states: usize,
    pub(crate) mutated_states: usize,
}

/// The describe output of machine `i`.
pub(crate) fn describe(
    seed: u64,
    i: usize,
    app: &App,
    meta: &MachineMeta,
    children: Vec<Child>,
    mutate: f64,
) -> Described {
    let mut rng = Rng::stream(seed, Stream::Machine, i as u64);
    let mut refs = Refs::new(RefMode::Literal, app, None, children);
    let shape = MachineShape {
        name: &meta.name,
        express: meta.express,
        jsonata: meta.jsonata,
        target_states: meta.target_states,
    };
    let mut definition = asl::build(shape, &mut rng, &mut refs);
    let mut mrng = Rng::stream(seed, Stream::MutateMachine, i as u64);
    let mutated_states = asl::mutate(&mut definition.value, &mut mrng, mutate, meta.express);
    let indent = if rng.chance(0.7) { 2 } else { 0 };
    let logging = match rng.below(4) {
        0 | 1 => obj! { "level" => "OFF", "includeExecutionData" => false },
        level => obj! {
            "level" => if level == 2 { "ERROR" } else { "ALL" },
            "includeExecutionData" => level == 3,
            "destinations" => vec![obj! {
                "cloudWatchLogsLogGroup" => obj! {
                    "logGroupArn" => format!(
                        "arn:aws:logs:{}:{WORKLOAD_ACCOUNT}:log-group:/aws/vendedlogs/states/{}-Logs:*",
                        app.region, meta.name
                    ),
                },
            }],
        },
    };
    let mut out = obj! {
        "stateMachineArn" => app.machine_arn(&meta.name),
        "name" => meta.name.clone(),
        "status" => "ACTIVE",
        "definition" => definition.value.to_json(indent),
        "roleArn" => app.role_arn(),
        "type" => if meta.express { "EXPRESS" } else { "STANDARD" },
        "creationDate" => timestamp(&mut rng).replace("+00:00", ".512000+00:00"),
        "loggingConfiguration" => logging,
        "tracingConfiguration" => obj! { "enabled" => rng.chance(0.3) },
    };
    if rng.chance(0.25) {
        out.set(
            "encryptionConfiguration",
            obj! {
                "kmsKeyId" => format!("arn:aws:kms:{}:{WORKLOAD_ACCOUNT}:key/{}", app.region, rng.uuid()),
                "kmsDataKeyReusePeriodSeconds" => 300i64,
                "type" => "CUSTOMER_MANAGED_KMS_KEY",
            },
        );
    } else if rng.chance(0.5) {
        out.set("encryptionConfiguration", obj! { "type" => "AWS_OWNED_KEY" });
    }
    let mut text = out.to_json(4);
    text.push('\n');
    Described { text, states: definition.states, mutated_states }
}
