//! SAM and CloudFormation YAML templates holding one to three state machines.
//!
//! A template's machines run as the application's role from the IAM export (written as a
//! literal ARN, a `!Sub` ARN or a parameter), as a role the template defines
//! (`!GetAtt StateMachineRole.Arn`), or (SAM) with `Policies` from which SAM makes a role.
//! Definitions are structured `Definition`s with `DefinitionSubstitutions`, or (CloudFormation)
//! `DefinitionString: !Sub` JSON text, or a plain JSON `DefinitionString` with substitutions.

use crate::app::{App, MachineMeta};
use crate::asl::{self, MachineShape};
use crate::iam;
use crate::refs::{Child, Grant, Local, RefMode, Refs};
use crate::rng::{Rng, Stream};
use crate::value::{Value, obj};

/// One machine of a template: its number and kind.
pub(crate) struct Member<'m> {
    pub(crate) index: usize,
    /// The machine's logical id in the template.
    pub(crate) logical: String,
    pub(crate) meta: &'m MachineMeta,
    pub(crate) children: Vec<Child>,
}

/// A built template and what it holds.
pub(crate) struct Built {
    pub(crate) text: String,
    pub(crate) machines: usize,
    pub(crate) states: usize,
    pub(crate) mutated_states: usize,
    /// `AWS::IAM::Role` resources in the template.
    pub(crate) roles: usize,
    pub(crate) mutated_roles: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoleChoice {
    ExportLiteral,
    ExportSub,
    ExportParameter,
    TemplateRole,
    SamPolicies,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storage {
    /// `Definition` (structured) with `DefinitionSubstitutions`.
    Structured,
    /// `DefinitionString: !Sub` with the JSON text.
    SubString,
    /// `DefinitionString` as plain JSON text with `DefinitionSubstitutions`.
    PlainString,
}

fn camel(s: &str) -> String {
    s.split(['-', '_', ' '])
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The logical id of a machine: `PipelineStateMachine` from `team-domain-0001-pipeline-00042`.
pub(crate) fn logical_id(meta: &MachineMeta, taken: &[String]) -> String {
    let flow = meta.name.rsplit('-').nth(1).unwrap_or("Workflow");
    let base = format!("{}StateMachine", camel(flow));
    let mut id = base.clone();
    let mut n = 1;
    while taken.contains(&id) {
        n += 1;
        id = format!("{base}{n}");
    }
    id
}

fn local_resources(rng: &mut Rng, stack: &str, sam: bool) -> (Local, Vec<(String, Value)>) {
    let mut local = Local::default();
    let mut resources = Vec::new();
    if sam {
        for role in pick_distinct(rng, &["validate", "enrich", "transform", "score", "notify", "persist"], 1, 3) {
            let logical = format!("{}Function", camel(role));
            let name = format!("{stack}-{role}");
            let runtime = rng.pick(&["python3.12", "nodejs20.x", "java21", "python3.13"]);
            let handler = if runtime.starts_with("python") {
                "app.handler"
            } else if runtime.starts_with("node") {
                "index.handler"
            } else {
                "com.example.Handler::handleRequest"
            };
            resources.push((
                logical.clone(),
                obj! {
                    "Type" => "AWS::Serverless::Function",
                    "Properties" => obj! {
                        "FunctionName" => name.clone(),
                        "CodeUri" => format!("functions/{role}/"),
                        "Handler" => handler,
                        "Runtime" => runtime,
                        "MemorySize" => 128 * rng.range(1, 8),
                        "Timeout" => rng.range(3, 60),
                    },
                },
            ));
            local.functions.push((logical, name));
        }
    }
    for role in pick_distinct(rng, &["state", "records", "jobs", "ledger"], 0, 2) {
        let logical = format!("{}Table", camel(role));
        let name = format!("{stack}-{role}");
        resources.push((
            logical.clone(),
            obj! {
                "Type" => "AWS::DynamoDB::Table",
                "Properties" => obj! {
                    "TableName" => name.clone(),
                    "BillingMode" => "PAY_PER_REQUEST",
                    "AttributeDefinitions" => vec![obj! { "AttributeName" => "pk", "AttributeType" => "S" }],
                    "KeySchema" => vec![obj! { "AttributeName" => "pk", "KeyType" => "HASH" }],
                },
            },
        ));
        local.tables.push((logical, name));
    }
    if rng.chance(0.6) {
        let name = format!("{stack}-work");
        resources.push((
            "WorkQueue".into(),
            obj! {
                "Type" => "AWS::SQS::Queue",
                "Properties" => obj! { "QueueName" => name.clone(), "VisibilityTimeout" => 300i64 },
            },
        ));
        local.queues.push(("WorkQueue".into(), name));
    }
    if rng.chance(0.6) {
        let name = format!("{stack}-events");
        resources.push((
            "EventsTopic".into(),
            obj! { "Type" => "AWS::SNS::Topic", "Properties" => obj! { "TopicName" => name.clone() } },
        ));
        local.topics.push(("EventsTopic".into(), name));
    }
    if rng.chance(0.4) {
        resources.push((
            "DataBucket".into(),
            obj! {
                "Type" => "AWS::S3::Bucket",
                "Properties" => obj! {
                    "BucketEncryption" => obj! {
                        "ServerSideEncryptionConfiguration" => vec![obj! {
                            "ServerSideEncryptionByDefault" => obj! { "SSEAlgorithm" => "aws:kms" },
                        }],
                    },
                    "PublicAccessBlockConfiguration" => obj! {
                        "BlockPublicAcls" => true,
                        "BlockPublicPolicy" => true,
                        "IgnorePublicAcls" => true,
                        "RestrictPublicBuckets" => true,
                    },
                },
            },
        ));
        local.buckets.push(("DataBucket".into(), "data".into()));
    }
    (local, resources)
}

fn pick_distinct(rng: &mut Rng, pool: &[&'static str], lo: usize, hi: usize) -> Vec<&'static str> {
    let want = rng.range(lo, hi).min(pool.len());
    let mut out: Vec<&'static str> = Vec::new();
    while out.len() < want {
        let p = rng.pick(pool);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Builds template number `ordinal` of application `app` with `members` (in machine order).
pub(crate) fn build(seed: u64, app: &App, ordinal: usize, members: &[Member<'_>], mutate: f64) -> Built {
    let first = members.first().map_or(0, |m| m.index);
    let mut rng = Rng::stream(seed, Stream::TemplateRole, first as u64);
    let sam = rng.chance(0.55);
    let role = match rng.below(20) {
        0..=2 => RoleChoice::ExportLiteral,
        3..=5 => RoleChoice::ExportSub,
        6 => RoleChoice::ExportParameter,
        7..=14 => RoleChoice::TemplateRole,
        _ if sam => RoleChoice::SamPolicies,
        _ => RoleChoice::TemplateRole,
    };
    let stack = format!("{}-wf{ordinal}", app.prefix);
    let (local, local_resources) = match role {
        RoleChoice::TemplateRole | RoleChoice::SamPolicies => {
            let (l, r) = local_resources(&mut rng, &stack, sam);
            (Some(l), r)
        }
        _ => (None, Vec::new()),
    };
    let logging = rng.chance(0.4);
    let tracing = rng.chance(0.3);

    let mut resources: Vec<(String, Value)> = local_resources;
    let mut parameters = vec![(
        "Stage".to_owned(),
        obj! { "Type" => "String", "Default" => "prod", "AllowedValues" => vec!["dev", "staging", "prod"] },
    )];
    if role == RoleChoice::ExportParameter {
        parameters.push((
            "ExecutionRoleArn".to_owned(),
            obj! { "Type" => "String", "Default" => app.role_arn(), "Description" => "Role the state machines run as" },
        ));
    }
    if logging {
        resources.push((
            "StateMachineLogs".into(),
            obj! {
                "Type" => "AWS::Logs::LogGroup",
                "Properties" => obj! {
                    "LogGroupName" => Value::sub(format!("/aws/vendedlogs/states/${{AWS::StackName}}-{}", app.team)),
                    "RetentionInDays" => 30i64,
                },
            },
        ));
    }

    let mut grants: Vec<Grant> = Vec::new();
    let mut machines = Vec::new();
    let (mut states, mut mutated_states) = (0, 0);
    let mut outputs = Vec::new();
    for member in members {
        let logical = member.logical.clone();
        let mut mrng = Rng::stream(seed, Stream::Machine, member.index as u64);
        let storage = if sam {
            Storage::Structured
        } else {
            match mrng.below(10) {
                0..=4 => Storage::SubString,
                5..=7 => Storage::Structured,
                _ => Storage::PlainString,
            }
        };
        let mode = if storage == Storage::SubString { RefMode::SubText } else { RefMode::Substitutions };
        let mut refs = Refs::new(mode, app, local.as_ref(), member.children.clone());
        let shape = MachineShape {
            name: &member.meta.name,
            express: member.meta.express,
            jsonata: member.meta.jsonata,
            target_states: member.meta.target_states,
        };
        let mut definition = asl::build(shape, &mut mrng, &mut refs);
        let mut mut_rng = Rng::stream(seed, Stream::MutateMachine, member.index as u64);
        mutated_states += asl::mutate(&mut definition.value, &mut mut_rng, mutate, member.meta.express);
        states += definition.states;
        for g in refs.grants.drain(..) {
            if !grants.contains(&g) {
                grants.push(g);
            }
        }

        let kind = if member.meta.express { "EXPRESS" } else { "STANDARD" };
        let mut props = Value::Obj(Vec::new());
        if sam {
            props.set("Name", Value::Str(member.meta.name.clone()));
            props.set("Type", Value::from(kind));
        } else {
            props.set("StateMachineName", Value::Str(member.meta.name.clone()));
            props.set("StateMachineType", Value::from(kind));
        }
        match storage {
            Storage::Structured => props.set("Definition", definition.value),
            Storage::SubString => {
                let mut text = definition.value.to_json(2);
                text.push('\n');
                props.set("DefinitionString", Value::Tag("Sub", Box::new(Value::Block(text))));
            }
            Storage::PlainString => {
                let mut text = definition.value.to_json(2);
                text.push('\n');
                props.set("DefinitionString", Value::Block(text));
            }
        }
        if !refs.substitutions.is_empty() {
            props.set("DefinitionSubstitutions", Value::Obj(std::mem::take(&mut refs.substitutions)));
        }
        let role_key = if sam { "Role" } else { "RoleArn" };
        match role {
            RoleChoice::ExportLiteral => props.set(role_key, Value::Str(app.role_arn())),
            RoleChoice::ExportSub => props.set(
                role_key,
                Value::sub(format!(
                    "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role{}{}",
                    app.role_path, app.role_name
                )),
            ),
            RoleChoice::ExportParameter => props.set(role_key, Value::reference("ExecutionRoleArn")),
            RoleChoice::TemplateRole => props.set(role_key, Value::get_att("StateMachineRole", "Arn")),
            RoleChoice::SamPolicies => {}
        }
        if logging {
            let destination = obj! {
                "CloudWatchLogsLogGroup" => obj! { "LogGroupArn" => Value::get_att("StateMachineLogs", "Arn") },
            };
            let key = if sam { "Logging" } else { "LoggingConfiguration" };
            props.set(
                key,
                obj! { "Level" => "ERROR", "IncludeExecutionData" => false, "Destinations" => vec![destination] },
            );
        }
        if tracing {
            props.set(if sam { "Tracing" } else { "TracingConfiguration" }, obj! { "Enabled" => true });
        }
        if sam {
            props.set("Tags", obj! { "team" => app.team, "stage" => Value::reference("Stage") });
        } else {
            props.set(
                "Tags",
                Value::Arr(vec![
                    obj! { "Key" => "team", "Value" => app.team },
                    obj! { "Key" => "stage", "Value" => Value::reference("Stage") },
                ]),
            );
        }
        let type_name = if sam { "AWS::Serverless::StateMachine" } else { "AWS::StepFunctions::StateMachine" };
        machines.push((logical.clone(), obj! { "Type" => type_name, "Properties" => props }));
        outputs.push((
            format!("{logical}Arn"),
            obj! { "Description" => format!("ARN of {}", member.meta.name), "Value" => Value::reference(&logical) },
        ));
    }

    // SAM policies are per machine but the grants are shared; one list serves them all.
    let (mut roles, mut mutated_roles) = (0, 0);
    match role {
        RoleChoice::TemplateRole => {
            let mut role_value = iam::template_role(&mut rng, &grants, logging, tracing);
            let mut mrng = Rng::stream(seed, Stream::MutateTemplateRole, first as u64);
            if mrng.chance(mutate)
                && let Some(doc) = role_value
                    .get_mut("Properties")
                    .and_then(|p| p.get_mut("Policies"))
                    .and_then(|p| match p {
                        Value::Arr(items) => items.first_mut(),
                        _ => None,
                    })
                    .and_then(|p| p.get_mut("PolicyDocument"))
            {
                iam::mutate_document(doc, &mut mrng);
                mutated_roles += 1;
            }
            resources.push(("StateMachineRole".into(), role_value));
            roles += 1;
        }
        RoleChoice::SamPolicies => {
            let policies = iam::sam_policies(&grants, logging, tracing);
            for (_, machine) in &mut machines {
                if let Some(props) = machine.get_mut("Properties") {
                    props.set("Policies", policies.clone());
                }
            }
        }
        _ => {}
    }
    resources.extend(machines);

    let mut doc = obj! { "AWSTemplateFormatVersion" => "2010-09-09" };
    if sam {
        doc.set("Transform", Value::from("AWS::Serverless-2016-10-31"));
    }
    doc.set("Description", Value::Str(format!("{} workflows for the {} team", stack, app.team)));
    doc.set("Parameters", Value::Obj(parameters));
    doc.set("Resources", Value::Obj(resources));
    doc.set("Outputs", Value::Obj(outputs));
    Built { text: doc.to_yaml(), machines: members.len(), states, mutated_states, roles, mutated_roles }
}
