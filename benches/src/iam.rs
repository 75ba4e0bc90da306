//! IAM: application execution roles and managed policies as one
//! `aws iam get-account-authorization-details` export, and the roles and SAM policies that
//! templates define for their own state machines.

use crate::app::{App, WORKLOAD_ACCOUNT};
use crate::refs::Grant;
use crate::rng::{Rng, Stream};
use crate::value::{Value, obj};

const VERSION: &str = "2012-10-17";

/// An AWS managed policy the export lists (with the document AWS publishes for it).
struct AwsManaged {
    name: &'static str,
    path: &'static str,
    actions: &'static [&'static str],
}

const AWS_MANAGED: &[AwsManaged] = &[
    AwsManaged {
        name: "AWSXRayDaemonWriteAccess",
        path: "/",
        actions: &[
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:GetSamplingStatisticSummaries",
        ],
    },
    AwsManaged { name: "CloudWatchLogsFullAccess", path: "/", actions: &["logs:*", "cloudwatch:GenerateQuery"] },
    AwsManaged { name: "AWSLambdaRole", path: "/service-role/", actions: &["lambda:InvokeFunction"] },
];

fn aws_managed_arn(m: &AwsManaged) -> String {
    format!("arn:aws:iam::aws:policy{}{}", m.path, m.name)
}

/// A date-time in the format the AWS CLI prints, somewhere in 2021–2025.
pub(crate) fn timestamp(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        rng.range(2021, 2025),
        rng.range(1, 12),
        rng.range(1, 28),
        rng.range(0, 23),
        rng.range(0, 59),
        rng.range(0, 59)
    )
}

/// An IAM unique id (`AROA...`, `ANPA...`): a prefix and 17 upper-case letters and digits.
fn unique_id(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}{}", rng.string_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17))
}

fn statement(sid: &str, actions: Vec<&str>, resources: Vec<String>) -> Value {
    let action =
        if actions.len() == 1 { Value::from(actions.first().copied().unwrap_or("")) } else { Value::from(actions) };
    let resource = if resources.len() == 1 {
        Value::Str(resources.into_iter().next().unwrap_or_default())
    } else {
        Value::from(resources)
    };
    obj! { "Sid" => sid, "Effect" => "Allow", "Action" => action, "Resource" => resource }
}

fn document(statements: Vec<Value>) -> Value {
    obj! { "Version" => VERSION, "Statement" => statements }
}

/// The trust policy letting Step Functions assume a role.
pub(crate) fn trust_policy(rng: &mut Rng, region: &str) -> Value {
    let mut st = obj! {
        "Effect" => "Allow",
        "Principal" => obj! { "Service" => "states.amazonaws.com" },
        "Action" => "sts:AssumeRole",
    };
    if rng.chance(0.4) {
        st.set(
            "Condition",
            obj! {
                "StringEquals" => obj! { "aws:SourceAccount" => WORKLOAD_ACCOUNT },
                "ArnLike" => obj! {
                    "aws:SourceArn" => format!("arn:aws:states:{region}:{WORKLOAD_ACCOUNT}:stateMachine:*"),
                },
            },
        );
    }
    document(vec![st])
}

/// The statements an application's role needs for everything its machines may call.
fn app_statements(app: &App, rng: &mut Rng) -> Vec<Value> {
    let r = app.region;
    let a = WORKLOAD_ACCOUNT;
    let mut out = Vec::new();
    let functions: Vec<String> = app
        .functions
        .iter()
        .flat_map(|f| {
            [format!("arn:aws:lambda:{r}:{a}:function:{f}"), format!("arn:aws:lambda:{r}:{a}:function:{f}:*")]
        })
        .collect();
    out.push(statement("InvokeFunctions", vec!["lambda:InvokeFunction"], functions));
    let tables = app.tables.iter().map(|t| format!("arn:aws:dynamodb:{r}:{a}:table/{t}")).collect();
    out.push(statement(
        "ReadWriteTables",
        vec!["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        tables,
    ));
    let queues = app.queues.iter().map(|q| format!("arn:aws:sqs:{r}:{a}:{q}")).collect();
    out.push(statement("SendMessages", vec!["sqs:SendMessage"], queues));
    let topics = app.topics.iter().map(|t| format!("arn:aws:sns:{r}:{a}:{t}")).collect();
    out.push(statement("PublishNotifications", vec!["sns:Publish"], topics));
    let objects = app.buckets.iter().map(|b| format!("arn:aws:s3:::{b}/*")).collect();
    out.push(statement(
        "ReadWriteObjects",
        vec!["s3:GetObject", "s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
        objects,
    ));
    let buckets = app.buckets.iter().map(|b| format!("arn:aws:s3:::{b}")).collect();
    out.push(statement("ListBuckets", vec!["s3:ListBucket"], buckets));
    out.push(statement(
        "StartWorkflows",
        vec!["states:StartExecution"],
        vec![format!("arn:aws:states:{r}:{a}:stateMachine:{}-*", app.prefix)],
    ));
    out.push(statement(
        "TrackWorkflows",
        vec!["states:DescribeExecution", "states:StopExecution"],
        vec![format!("arn:aws:states:{r}:{a}:execution:{}-*", app.prefix)],
    ));
    out.push(statement(
        "RunWorkerTasks",
        vec!["ecs:RunTask"],
        vec![format!("arn:aws:ecs:{r}:{a}:task-definition/{}:*", app.task_family)],
    ));
    out.push(statement("TrackWorkerTasks", vec!["ecs:StopTask", "ecs:DescribeTasks"], vec!["*".into()]));
    let mut pass = statement(
        "PassTaskRoles",
        vec!["iam:PassRole"],
        vec![
            format!("arn:aws:iam::{a}:role/{}", app.task_role),
            format!("arn:aws:iam::{a}:role/{}", app.task_execution_role),
        ],
    );
    pass.set("Condition", obj! { "StringEquals" => obj! { "iam:PassedToService" => "ecs-tasks.amazonaws.com" } });
    out.push(pass);
    out.push(statement(
        "ManagedEventRules",
        vec!["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        vec![
            format!("arn:aws:events:{r}:{a}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"),
            format!("arn:aws:events:{r}:{a}:rule/StepFunctionsGetEventsForECSTaskRule"),
        ],
    ));
    let mut http = statement("InvokePartnerApi", vec!["states:InvokeHTTPEndpoint"], vec!["*".into()]);
    http.set(
        "Condition",
        obj! { "StringLike" => obj! { "states:HTTPEndpoint" => format!("https://{}/*", app.api_host) } },
    );
    out.push(http);
    out.push(statement(
        "UseConnection",
        vec!["events:RetrieveConnectionCredentials"],
        vec![format!("arn:aws:events:{r}:{a}:connection/{}/*", app.connection_name)],
    ));
    out.push(statement(
        "ReadConnectionSecret",
        vec!["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        vec![format!("arn:aws:secretsmanager:{r}:{a}:secret:events!connection/{}/*", app.connection_name)],
    ));
    // Real roles drift: some grant too much, some lost a statement.
    if rng.chance(0.08) {
        let service = rng.pick(&["lambda", "dynamodb", "s3", "sqs"]);
        out.push(obj! { "Sid" => "Broad", "Effect" => "Allow", "Action" => format!("{service}:*"), "Resource" => "*" });
    }
    if rng.chance(0.05) && !out.is_empty() {
        let drop = rng.below(out.len());
        out.remove(drop);
    }
    out
}

/// One customer managed policy, shared by several roles.
pub(crate) struct ManagedPolicy {
    pub(crate) arn: String,
    pub(crate) detail: Value,
    pub(crate) boundary: bool,
}

/// Customer managed policy `k`: its ARN and its `Policies` entry.
pub(crate) fn managed_policy(seed: u64, k: usize, mutate: f64) -> (ManagedPolicy, bool) {
    let mut rng = Rng::stream(seed, Stream::ManagedPolicy, k as u64);
    let team = rng.pick(crate::app::TEAMS);
    // Only policy 0 is the boundary: IAM policy ARNs are unique, so the others never reuse its name.
    let kind = if k == 0 { 0 } else { 1 + rng.below(4) };
    let (name, path, statements) = match kind {
        0 => (
            "workloads-permissions-boundary".to_owned(),
            "/boundaries/",
            vec![
                obj! { "Sid" => "AllowWorkloads", "Effect" => "Allow", "Action" => "*", "Resource" => "*" },
                obj! {
                    "Sid" => "DenyIdentityAdmin",
                    "Effect" => "Deny",
                    "Action" => vec!["iam:CreateUser", "iam:CreateAccessKey", "iam:PutRolePermissionsBoundary", "organizations:*"],
                    "Resource" => "*",
                },
            ],
        ),
        1 => (
            format!("{team}-sfn-log-delivery-{k}"),
            "/",
            vec![statement(
                "LogDelivery",
                vec![
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                vec!["*".into()],
            )],
        ),
        2 => (
            format!("{team}-data-read-{k}"),
            "/teams/",
            vec![statement(
                "ReadTeamTables",
                vec!["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
                vec![format!("arn:aws:dynamodb:*:{WORKLOAD_ACCOUNT}:table/{team}-*")],
            )],
        ),
        3 => {
            let key = rng.uuid();
            let mut st = statement(
                "UseTeamKey",
                vec!["kms:Decrypt", "kms:GenerateDataKey"],
                vec![format!("arn:aws:kms:us-east-1:{WORKLOAD_ACCOUNT}:key/{key}")],
            );
            st.set(
                "Condition",
                obj! { "StringLike" => obj! { "kms:ViaService" => vec!["states.*.amazonaws.com", "sqs.*.amazonaws.com"] } },
            );
            (format!("{team}-kms-use-{k}"), "/teams/", vec![st])
        }
        _ => (
            format!("{team}-events-publish-{k}"),
            "/",
            vec![statement(
                "PutEvents",
                vec!["events:PutEvents"],
                vec![format!("arn:aws:events:*:{WORKLOAD_ACCOUNT}:event-bus/{team}-*")],
            )],
        ),
    };
    let arn = format!("arn:aws:iam::{WORKLOAD_ACCOUNT}:policy{path}{name}");
    let versions = rng.range(1, 3);
    let created = timestamp(&mut rng);
    let mut list: Vec<Value> = (1..=versions)
        .map(|v| {
            obj! {
                "Document" => document(statements.clone()),
                "VersionId" => format!("v{v}"),
                "IsDefaultVersion" => v == versions,
                "CreateDate" => created.clone(),
            }
        })
        .rev()
        .collect();
    let mut default_version = versions;
    let mut mrng = Rng::stream(seed, Stream::MutateManagedPolicy, k as u64);
    let mutated = mrng.chance(mutate);
    if mutated {
        // A new default version with one more action, as an edit in the console makes.
        let mut changed = statements.clone();
        if let Some(first) = changed.first_mut() {
            add_action(first, &mut mrng);
        }
        for v in &mut list {
            v.set("IsDefaultVersion", Value::Bool(false));
        }
        default_version += 1;
        list.insert(
            0,
            obj! {
                "Document" => document(changed),
                "VersionId" => format!("v{default_version}"),
                "IsDefaultVersion" => true,
                "CreateDate" => timestamp(&mut mrng),
            },
        );
    }
    let detail = obj! {
        "PolicyName" => name,
        "PolicyId" => unique_id(&mut rng, "ANPA"),
        "Arn" => arn.clone(),
        "Path" => path,
        "DefaultVersionId" => format!("v{default_version}"),
        // Both counts are set from the roles by `count_attachments`.
        "AttachmentCount" => 0i64,
        "PermissionsBoundaryUsageCount" => 0i64,
        "IsAttachable" => true,
        "CreateDate" => created,
        "UpdateDate" => timestamp(&mut rng),
        "PolicyVersionList" => list,
    };
    (ManagedPolicy { arn, detail, boundary: kind == 0 }, mutated)
}

const EXTRA_ACTIONS: &[&str] = &[
    "dynamodb:Scan",
    "dynamodb:Query",
    "s3:DeleteObject",
    "sqs:DeleteMessage",
    "lambda:GetFunction",
    "kms:Encrypt",
    "logs:PutLogEvents",
    "sns:Subscribe",
];

/// Adds one action to a statement (turning a single action into a list).
fn add_action(statement: &mut Value, rng: &mut Rng) {
    let extra = Value::from(rng.pick(EXTRA_ACTIONS));
    match statement.get_mut("Action") {
        Some(Value::Arr(items)) if !items.contains(&extra) => {
            items.push(extra);
        }
        Some(single) => {
            let first = std::mem::replace(single, Value::Null);
            *single = if first == extra { first } else { Value::Arr(vec![first, extra]) };
        }
        None => {}
    }
}

/// Changes a policy document: one more action, a resource widened to `*`, or one more
/// statement.
pub(crate) fn mutate_document(doc: &mut Value, rng: &mut Rng) {
    let Some(Value::Arr(statements)) = doc.get_mut("Statement") else { return };
    let choice = rng.below(3);
    let target = rng.below(statements.len());
    match (choice, statements.get_mut(target)) {
        (0, Some(st)) => add_action(st, rng),
        (1, Some(st)) if st.get("Resource").is_some() => st.set("Resource", Value::from("*")),
        _ => statements.push(obj! {
            "Sid" => "AddedDuringIncident",
            "Effect" => "Allow",
            "Action" => rng.pick(EXTRA_ACTIONS),
            "Resource" => "*",
        }),
    }
}

/// The export's entry for application `app`'s role.
pub(crate) fn export_role(
    seed: u64,
    app: &App,
    managed: &[String],
    boundary: Option<&str>,
    mutate: f64,
) -> (Value, bool) {
    let mut rng = Rng::stream(seed, Stream::Role, app.index as u64);
    let mut statements = app_statements(app, &mut rng);
    let mut mrng = Rng::stream(seed, Stream::MutateRole, app.index as u64);
    let mutated = mrng.chance(mutate);
    // Split the statements over one to three inline policies.
    let parts = rng.range(1, 3).min(statements.len().max(1));
    let per = statements.len().div_ceil(parts).max(1);
    let mut inline = Vec::new();
    let mut n = 0;
    while !statements.is_empty() {
        let rest = statements.split_off(per.min(statements.len()));
        let chunk = std::mem::replace(&mut statements, rest);
        n += 1;
        let name = match n {
            1 => "StepFunctionsExecution".to_owned(),
            _ => format!("WorkflowAccess{n}"),
        };
        inline.push(obj! { "PolicyName" => name, "PolicyDocument" => document(chunk) });
    }
    if mutated && let Some(doc) = inline.first_mut().and_then(|p| p.get_mut("PolicyDocument")) {
        mutate_document(doc, &mut mrng);
    }
    let mut attached = Vec::new();
    for _ in 0..rng.range(0, 2) {
        if let Some(arn) = managed.get(rng.below(managed.len())) {
            let name = arn.rsplit('/').next().unwrap_or(arn);
            let entry = obj! { "PolicyName" => name, "PolicyArn" => arn };
            if !attached.contains(&entry) {
                attached.push(entry);
            }
        }
    }
    if let (true, Some(m)) = (rng.chance(0.5), AWS_MANAGED.get(rng.below(AWS_MANAGED.len()))) {
        attached.push(obj! { "PolicyName" => m.name, "PolicyArn" => aws_managed_arn(m) });
    }
    let mut role = obj! {
        "Path" => app.role_path,
        "RoleName" => app.role_name.clone(),
        "RoleId" => unique_id(&mut rng, "AROA"),
        "Arn" => app.role_arn(),
        "CreateDate" => timestamp(&mut rng),
        "AssumeRolePolicyDocument" => trust_policy(&mut rng, app.region),
        "InstanceProfileList" => Value::Arr(Vec::new()),
        "RolePolicyList" => inline,
        "AttachedManagedPolicies" => attached,
    };
    if let (Some(boundary), true) = (boundary, rng.chance(0.1)) {
        role.set(
            "PermissionsBoundary",
            obj! { "PermissionsBoundaryType" => "Policy", "PermissionsBoundaryArn" => boundary },
        );
    }
    role.set(
        "Tags",
        Value::Arr(vec![
            obj! { "Key" => "team", "Value" => app.team },
            obj! { "Key" => "managed-by", "Value" => rng.pick(&["terraform", "cloudformation", "console"]) },
        ]),
    );
    let last_used = if rng.chance(0.8) {
        obj! { "LastUsedDate" => timestamp(&mut rng), "Region" => app.region }
    } else {
        obj! {}
    };
    role.set("RoleLastUsed", last_used);
    (role, mutated)
}

/// The `Policies` entries of the AWS managed policies roles may attach.
pub(crate) fn aws_managed_details() -> Vec<Value> {
    AWS_MANAGED
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let doc = document(vec![obj! {
                "Effect" => "Allow",
                "Action" => Value::from(m.actions.to_vec()),
                "Resource" => "*",
            }]);
            obj! {
                "PolicyName" => m.name,
                "PolicyId" => format!("ANPAAWSMANAGED{i:07}"),
                "Arn" => aws_managed_arn(m),
                "Path" => m.path,
                "DefaultVersionId" => "v1",
                "AttachmentCount" => 0i64,
                "PermissionsBoundaryUsageCount" => 0i64,
                "IsAttachable" => true,
                "CreateDate" => "2019-01-01T00:00:00+00:00",
                "UpdateDate" => "2019-01-01T00:00:00+00:00",
                "PolicyVersionList" => vec![obj! {
                    "Document" => doc,
                    "VersionId" => "v1",
                    "IsDefaultVersion" => true,
                    "CreateDate" => "2019-01-01T00:00:00+00:00",
                }],
            }
        })
        .collect()
}

/// Sets each policy's `AttachmentCount` and `PermissionsBoundaryUsageCount` from the roles
/// that use it, as the export reports them.
pub(crate) fn count_attachments(policies: &mut [Value], roles: &[Value]) {
    let mut attached: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    let mut boundaries: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for role in roles {
        if let Some(Value::Arr(items)) = role.get("AttachedManagedPolicies") {
            for arn in items.iter().filter_map(|a| a.get("PolicyArn").and_then(Value::as_str)) {
                *attached.entry(arn).or_default() += 1;
            }
        }
        if let Some(arn) =
            role.get("PermissionsBoundary").and_then(|b| b.get("PermissionsBoundaryArn")).and_then(Value::as_str)
        {
            *boundaries.entry(arn).or_default() += 1;
        }
    }
    for policy in policies {
        let arn = policy.get("Arn").and_then(Value::as_str).unwrap_or_default().to_owned();
        policy.set("AttachmentCount", Value::Int(attached.get(arn.as_str()).copied().unwrap_or(0)));
        policy.set("PermissionsBoundaryUsageCount", Value::Int(boundaries.get(arn.as_str()).copied().unwrap_or(0)));
    }
}

/// Merges grants with the same actions into one statement each, in first-use order.
pub(crate) fn grant_statements(grants: &[Grant], logging: bool) -> Vec<Value> {
    let mut groups: Vec<(Vec<&'static str>, Option<&'static str>, Vec<Value>)> = Vec::new();
    for g in grants {
        match groups.iter_mut().find(|(a, p, _)| *a == g.actions && *p == g.passed_to) {
            Some((_, _, resources)) => {
                if !resources.contains(&g.resource) {
                    resources.push(g.resource.clone());
                }
            }
            None => groups.push((g.actions.clone(), g.passed_to, vec![g.resource.clone()])),
        }
    }
    let mut out: Vec<Value> = groups
        .into_iter()
        .map(|(actions, passed_to, resources)| {
            let resource = if resources.len() == 1 {
                resources.into_iter().next().unwrap_or(Value::Null)
            } else {
                Value::Arr(resources)
            };
            let action = if actions.len() == 1 {
                Value::from(actions.first().copied().unwrap_or(""))
            } else {
                Value::from(actions)
            };
            let mut st = obj! { "Effect" => "Allow", "Action" => action, "Resource" => resource };
            if let Some(service) = passed_to {
                st.set("Condition", obj! { "StringEquals" => obj! { "iam:PassedToService" => service } });
            }
            st
        })
        .collect();
    if logging {
        out.push(obj! {
            "Effect" => "Allow",
            "Action" => vec![
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
            ],
            "Resource" => "*",
        });
    }
    out
}

/// An `AWS::IAM::Role` resource granting `grants`.
pub(crate) fn template_role(rng: &mut Rng, grants: &[Grant], logging: bool, tracing: bool) -> Value {
    let mut props = obj! {
        "AssumeRolePolicyDocument" => document(vec![obj! {
            "Effect" => "Allow",
            "Principal" => obj! { "Service" => vec!["states.amazonaws.com"] },
            "Action" => vec!["sts:AssumeRole"],
        }]),
    };
    if rng.chance(0.3) {
        props.set("RoleName", Value::sub("${AWS::StackName}-sfn-role"));
    }
    if tracing {
        props.set(
            "ManagedPolicyArns",
            Value::Arr(vec![Value::sub("arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess")]),
        );
    }
    props.set(
        "Policies",
        Value::Arr(vec![obj! {
            "PolicyName" => "StateMachineAccess",
            "PolicyDocument" => document(grant_statements(grants, logging)),
        }]),
    );
    obj! { "Type" => "AWS::IAM::Role", "Properties" => props }
}

/// SAM `Policies` for a state machine: policy templates where one fits, statements otherwise.
pub(crate) fn sam_policies(grants: &[Grant], logging: bool, tracing: bool) -> Value {
    let mut items: Vec<Value> = Vec::new();
    let mut rest: Vec<Grant> = Vec::new();
    for g in grants {
        match &g.sam {
            Some((template, param, value)) => {
                let item =
                    Value::Obj(vec![((*template).to_owned(), Value::Obj(vec![((*param).to_owned(), value.clone())]))]);
                if !items.contains(&item) {
                    items.push(item);
                }
            }
            None => rest.push(g.clone()),
        }
    }
    let statements = grant_statements(&rest, logging);
    if !statements.is_empty() {
        items.push(document(statements));
    }
    if tracing {
        items.push(Value::from("AWSXRayDaemonWriteAccess"));
    }
    Value::Arr(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_role_has_the_export_shape() {
        let app = App::new(4, 17);
        let (role, _) = export_role(4, &app, &["arn:aws:iam::222222222222:policy/x".into()], None, 0.0);
        let j = role.to_serde();
        assert_eq!(j["Arn"], app.role_arn());
        assert!(j["RoleId"].as_str().unwrap().starts_with("AROA"));
        assert_eq!(j["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"], "states.amazonaws.com");
        let inline = j["RolePolicyList"].as_array().unwrap();
        assert!(!inline.is_empty());
        assert_eq!(inline[0]["PolicyDocument"]["Version"], VERSION);
    }

    #[test]
    fn mutation_changes_only_when_drawn() {
        let app = App::new(4, 3);
        let (a, ma) = export_role(4, &app, &[], None, 0.0);
        let (b, mb) = export_role(4, &app, &[], None, 1.0);
        assert!(!ma && mb);
        assert_ne!(a, b);
        let (c, _) = export_role(4, &app, &[], None, 0.0);
        assert_eq!(a, c);
    }

    #[test]
    fn mutated_managed_policy_gets_a_new_default_version() {
        let (p, mutated) = managed_policy(4, 2, 1.0);
        assert!(mutated);
        let j = p.detail.to_serde();
        let default = j["DefaultVersionId"].as_str().unwrap();
        let versions = j["PolicyVersionList"].as_array().unwrap();
        let defaults: Vec<_> = versions.iter().filter(|v| v["IsDefaultVersion"] == true).collect();
        assert_eq!(defaults.len(), 1);
        assert_eq!(defaults[0]["VersionId"], default);
    }
}
