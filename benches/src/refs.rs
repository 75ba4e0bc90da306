//! How a definition names the resources it calls, in each input form, and which grants those
//! calls need.
//!
//! A describe-state-machine output holds literal ARNs. A template's structured `Definition`
//! uses `${Name}` placeholders filled by `DefinitionSubstitutions` (with `!GetAtt`, `!Ref`,
//! `!Sub` or literal values). A template's `DefinitionString: !Sub` writes `${Logical.Arn}`
//! and pseudo parameters inline. Resources come from the application (granted by its role in
//! the IAM export) or from the template itself (granted by a role the template defines).

use crate::app::{App, WORKLOAD_ACCOUNT};
use crate::rng::Rng;
use crate::value::Value;

/// How resources are written into the definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefMode {
    /// Literal ARNs and names (describe-state-machine output).
    Literal,
    /// `${Name}` placeholders and a `DefinitionSubstitutions` map.
    Substitutions,
    /// Inline `Fn::Sub` syntax in a `DefinitionString`.
    SubText,
}

/// Resources a template defines itself, by logical id and physical name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Local {
    /// `AWS::Serverless::Function`s (SAM templates only): logical id, function name.
    pub(crate) functions: Vec<(String, String)>,
    pub(crate) tables: Vec<(String, String)>,
    pub(crate) queues: Vec<(String, String)>,
    pub(crate) topics: Vec<(String, String)>,
    pub(crate) buckets: Vec<(String, String)>,
}

/// A template-local or same-template state machine that another machine may start.
#[derive(Debug, Clone)]
pub(crate) struct Child {
    pub(crate) name: String,
    /// Logical id when the child is in the same template.
    pub(crate) logical: Option<String>,
}

/// What a role must allow for one call: actions on one resource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grant {
    /// The SAM policy template that covers it, with its parameter (for SAM `Policies`).
    pub(crate) sam: Option<(&'static str, &'static str, Value)>,
    pub(crate) actions: Vec<&'static str>,
    pub(crate) resource: Value,
    /// `iam:PassedToService` value, for `iam:PassRole`.
    pub(crate) passed_to: Option<&'static str>,
}

/// Hands out resource references for one state machine and records what they need.
pub(crate) struct Refs<'a> {
    pub(crate) mode: RefMode,
    pub(crate) app: &'a App,
    /// Template-local resources, when the machine's role is defined by its template.
    pub(crate) local: Option<&'a Local>,
    /// Machines this one may start (`states:startExecution`).
    pub(crate) children: Vec<Child>,
    /// `DefinitionSubstitutions`, in first-use order.
    pub(crate) substitutions: Vec<(String, Value)>,
    /// Grants needed by what the definition calls (used for template-defined roles).
    pub(crate) grants: Vec<Grant>,
    /// Logical ids and parameters the definition's `Fn::Sub` text or substitutions refer to.
    pub(crate) logical_refs: Vec<String>,
}

const PARTITION_ACCOUNT: &str = "${AWS::Partition}";

fn camel(name: &str) -> String {
    name.split(['-', '_', '.'])
        .filter(|p| !p.is_empty() && !p.chars().all(|c| c.is_ascii_digit()))
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The part of an application resource name after the application prefix (`orders-...-0001-state`
/// → `State`), used to name placeholders.
fn short(app: &App, name: &str) -> String {
    let rest = name.strip_prefix(&app.prefix).unwrap_or(name);
    let rest = rest.strip_suffix(&format!("-{WORKLOAD_ACCOUNT}")).unwrap_or(rest);
    let c = camel(rest);
    if c.is_empty() { "Resource".to_owned() } else { c }
}

impl<'a> Refs<'a> {
    pub(crate) fn new(mode: RefMode, app: &'a App, local: Option<&'a Local>, children: Vec<Child>) -> Self {
        Self { mode, app, local, children, substitutions: Vec::new(), grants: Vec::new(), logical_refs: Vec::new() }
    }

    /// The string placed in the definition for a value: in substitution mode a placeholder
    /// (registering the substitution once), else the inline text.
    fn place(&mut self, key: &str, substitution: Value, inline: String) -> String {
        match self.mode {
            RefMode::Substitutions => {
                // The same key for a different value (two resources whose names end alike)
                // gets a numbered key.
                let mut candidate = key.to_owned();
                let mut n = 1;
                loop {
                    match self.substitutions.iter().find(|(k, _)| *k == candidate) {
                        Some((_, existing)) if *existing == substitution => break,
                        Some(_) => {
                            n += 1;
                            candidate = format!("{key}{n}");
                        }
                        None => {
                            self.substitutions.push((candidate.clone(), substitution));
                            break;
                        }
                    }
                }
                format!("${{{candidate}}}")
            }
            RefMode::Literal | RefMode::SubText => inline,
        }
    }

    fn note_logical(&mut self, logical: &str) {
        if !self.logical_refs.iter().any(|l| l == logical) {
            self.logical_refs.push(logical.to_owned());
        }
    }

    fn grant(&mut self, grant: Grant) {
        if !self.grants.contains(&grant) {
            self.grants.push(grant);
        }
    }

    /// An application ARN: literal with the application's region in literal mode, else with
    /// pseudo parameters (`arn:${AWS::Partition}:svc:${AWS::Region}:${AWS::AccountId}:rest`).
    fn app_arn(&self, service: &str, rest: &str, regional: bool) -> (String, String) {
        let region = if regional { self.app.region } else { "" };
        let literal = format!("arn:aws:{service}:{region}:{WORKLOAD_ACCOUNT}:{rest}");
        let region = if regional { "${AWS::Region}" } else { "" };
        let account = if service == "s3" { "" } else { "${AWS::AccountId}" };
        let subbed = format!("arn:{PARTITION_ACCOUNT}:{service}:{region}:{account}:{rest}");
        (literal, subbed)
    }

    /// A Lambda function to invoke: the `FunctionName` (or Task `Resource`) value.
    pub(crate) fn function(&mut self, rng: &mut Rng, as_resource: bool) -> String {
        if let Some((logical, name)) = self.local.and_then(|l| l.functions.get(rng.below(l.functions.len()))).cloned() {
            self.note_logical(&logical);
            self.grant(Grant {
                sam: Some(("LambdaInvokePolicy", "FunctionName", Value::reference(&logical))),
                actions: vec!["lambda:InvokeFunction"],
                resource: Value::get_att(&logical, "Arn"),
                passed_to: None,
            });
            if !as_resource {
                self.grant(Grant {
                    sam: None,
                    actions: vec!["lambda:InvokeFunction"],
                    resource: Value::sub(format!("${{{logical}.Arn}}:*")),
                    passed_to: None,
                });
            }
            let key = format!("{}FunctionArn", camel(name.rsplit('-').next().unwrap_or("Process")));
            return self.place(&key, Value::get_att(&logical, "Arn"), format!("${{{logical}.Arn}}"));
        }
        let name = self.app.functions.get(rng.below(self.app.functions.len())).cloned().unwrap_or_default();
        let (literal, subbed) = self.app_arn("lambda", &format!("function:{name}"), true);
        self.grant(Grant {
            sam: None,
            actions: vec!["lambda:InvokeFunction"],
            resource: Value::sub(format!("{subbed}*")),
            passed_to: None,
        });
        let key = format!("{}FunctionArn", short(self.app, &name));
        match self.mode {
            RefMode::Literal if !as_resource => match rng.below(10) {
                0..=5 => literal,
                6 => format!("{literal}:$LATEST"),
                _ => name,
            },
            RefMode::Literal => literal,
            _ => {
                // Some teams paste the ARN, others build it with pseudo parameters.
                let value = if name.len() % 2 == 0 { Value::sub(subbed.clone()) } else { Value::Str(literal) };
                self.place(&key, value, subbed)
            }
        }
    }

    fn local_or_app(
        &mut self,
        rng: &mut Rng,
        pick_local: fn(&Local) -> &Vec<(String, String)>,
        app_names: fn(&App) -> &Vec<String>,
    ) -> Result<(String, String), String> {
        if let Some(local) = self.local {
            let items = pick_local(local);
            if let Some(item) = items.get(rng.below(items.len())) {
                return Ok(item.clone());
            }
        }
        let names = app_names(self.app);
        Err(names.get(rng.below(names.len())).cloned().unwrap_or_default())
    }

    /// A DynamoDB table: the `TableName` value.
    pub(crate) fn table(&mut self, rng: &mut Rng, write: bool) -> String {
        let actions = if write { vec!["dynamodb:PutItem"] } else { vec!["dynamodb:GetItem"] };
        let sam_policy = if write { "DynamoDBWritePolicy" } else { "DynamoDBReadPolicy" };
        match self.local_or_app(rng, |l| &l.tables, |a| &a.tables) {
            Ok((logical, name)) => {
                self.note_logical(&logical);
                self.grant(Grant {
                    sam: Some((sam_policy, "TableName", Value::reference(&logical))),
                    actions,
                    resource: Value::get_att(&logical, "Arn"),
                    passed_to: None,
                });
                let key = format!("{}TableName", camel(name.rsplit('-').next().unwrap_or("Data")));
                self.place(&key, Value::reference(&logical), format!("${{{logical}}}"))
            }
            Err(name) => {
                let (_, subbed) = self.app_arn("dynamodb", &format!("table/{name}"), true);
                self.grant(Grant { sam: None, actions, resource: Value::sub(subbed), passed_to: None });
                let key = format!("{}TableName", short(self.app, &name));
                self.place(&key, Value::Str(name.clone()), name)
            }
        }
    }

    /// An SQS queue: the `QueueUrl` value.
    pub(crate) fn queue(&mut self, rng: &mut Rng) -> String {
        match self.local_or_app(rng, |l| &l.queues, |a| &a.queues) {
            Ok((logical, name)) => {
                self.note_logical(&logical);
                self.grant(Grant {
                    sam: Some(("SQSSendMessagePolicy", "QueueName", Value::get_att(&logical, "QueueName"))),
                    actions: vec!["sqs:SendMessage"],
                    resource: Value::get_att(&logical, "Arn"),
                    passed_to: None,
                });
                let key = format!("{}QueueUrl", camel(name.rsplit('-').next().unwrap_or("Work")));
                self.place(&key, Value::reference(&logical), format!("${{{logical}}}"))
            }
            Err(name) => {
                let (_, subbed) = self.app_arn("sqs", &name, true);
                self.grant(Grant {
                    sam: None,
                    actions: vec!["sqs:SendMessage"],
                    resource: Value::sub(subbed),
                    passed_to: None,
                });
                let literal = format!("https://sqs.{}.amazonaws.com/{WORKLOAD_ACCOUNT}/{name}", self.app.region);
                let subbed = format!("https://sqs.${{AWS::Region}}.amazonaws.com/${{AWS::AccountId}}/{name}");
                let key = format!("{}QueueUrl", short(self.app, &name));
                if self.mode == RefMode::Literal {
                    literal
                } else {
                    self.place(&key, Value::sub(subbed.clone()), subbed)
                }
            }
        }
    }

    /// An SNS topic: the `TopicArn` value.
    pub(crate) fn topic(&mut self, rng: &mut Rng) -> String {
        match self.local_or_app(rng, |l| &l.topics, |a| &a.topics) {
            Ok((logical, name)) => {
                self.note_logical(&logical);
                self.grant(Grant {
                    sam: Some(("SNSPublishMessagePolicy", "TopicName", Value::get_att(&logical, "TopicName"))),
                    actions: vec!["sns:Publish"],
                    resource: Value::reference(&logical),
                    passed_to: None,
                });
                let key = format!("{}TopicArn", camel(name.rsplit('-').next().unwrap_or("Events")));
                self.place(&key, Value::reference(&logical), format!("${{{logical}}}"))
            }
            Err(name) => {
                let (literal, subbed) = self.app_arn("sns", &name, true);
                self.grant(Grant {
                    sam: None,
                    actions: vec!["sns:Publish"],
                    resource: Value::sub(subbed.clone()),
                    passed_to: None,
                });
                let key = format!("{}TopicArn", short(self.app, &name));
                if self.mode == RefMode::Literal {
                    literal
                } else {
                    self.place(&key, Value::sub(subbed.clone()), subbed)
                }
            }
        }
    }

    /// An S3 bucket: the `Bucket` value; objects in it get `actions`, the bucket `s3:ListBucket`.
    pub(crate) fn bucket(&mut self, rng: &mut Rng, actions: Vec<&'static str>) -> String {
        match self.local_or_app(rng, |l| &l.buckets, |a| &a.buckets) {
            Ok((logical, name)) => {
                self.note_logical(&logical);
                self.grant(Grant {
                    sam: None,
                    actions: actions.clone(),
                    resource: Value::sub(format!("arn:{PARTITION_ACCOUNT}:s3:::${{{logical}}}/*")),
                    passed_to: None,
                });
                self.grant(Grant {
                    sam: None,
                    actions: vec!["s3:ListBucket"],
                    resource: Value::get_att(&logical, "Arn"),
                    passed_to: None,
                });
                let key = format!("{}BucketName", camel(name.rsplit('-').next().unwrap_or("Data")));
                self.place(&key, Value::reference(&logical), format!("${{{logical}}}"))
            }
            Err(name) => {
                self.grant(Grant {
                    sam: None,
                    actions,
                    resource: Value::sub(format!("arn:{PARTITION_ACCOUNT}:s3:::{name}/*")),
                    passed_to: None,
                });
                self.grant(Grant {
                    sam: None,
                    actions: vec!["s3:ListBucket"],
                    resource: Value::sub(format!("arn:{PARTITION_ACCOUNT}:s3:::{name}")),
                    passed_to: None,
                });
                let key = format!("{}BucketName", short(self.app, &name));
                self.place(&key, Value::Str(name.clone()), name)
            }
        }
    }

    /// A state machine to start, when this one has any; `sync` adds the polling grants.
    pub(crate) fn child_machine(&mut self, rng: &mut Rng, sync: bool) -> Option<String> {
        let child = self.children.get(rng.below(self.children.len()))?.clone();
        let (literal, subbed) = self.app_arn("states", &format!("stateMachine:{}", child.name), true);
        let (_, executions) = self.app_arn("states", &format!("execution:{}:*", child.name), true);
        let key = format!("{}StateMachineArn", camel(child.name.rsplit('-').nth(1).unwrap_or("Child")));
        let (resource, value, inline) = match &child.logical {
            Some(logical) => {
                self.note_logical(logical);
                (Value::reference(logical), Value::reference(logical), format!("${{{logical}}}"))
            }
            None => (Value::sub(subbed.clone()), Value::sub(subbed.clone()), subbed),
        };
        self.grant(Grant {
            sam: child
                .logical
                .as_ref()
                .map(|l| ("StepFunctionsExecutionPolicy", "StateMachineName", Value::get_att(l, "Name"))),
            actions: vec!["states:StartExecution"],
            resource,
            passed_to: None,
        });
        if sync {
            self.grant(Grant {
                sam: None,
                actions: vec!["states:DescribeExecution", "states:StopExecution"],
                resource: Value::sub(executions),
                passed_to: None,
            });
            self.events_rule("StepFunctionsGetEventsForStepFunctionsExecutionRule");
        }
        Some(if self.mode == RefMode::Literal { literal } else { self.place(&key, value, inline) })
    }

    fn events_rule(&mut self, rule: &str) {
        let (_, subbed) = self.app_arn("events", &format!("rule/{rule}"), true);
        self.grant(Grant {
            sam: None,
            actions: vec!["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            resource: Value::sub(subbed),
            passed_to: None,
        });
    }

    /// The ECS cluster and task definition of the application's worker; `sync` adds polling.
    pub(crate) fn ecs_task(&mut self, sync: bool) -> (String, String, Vec<String>, String) {
        let app = self.app;
        let (cluster_literal, cluster_sub) = self.app_arn("ecs", &format!("cluster/{}", app.cluster), true);
        let td = format!("task-definition/{}:{}", app.task_family, app.task_revision);
        let (td_literal, td_sub) = self.app_arn("ecs", &td, true);
        let (_, td_any) = self.app_arn("ecs", &format!("task-definition/{}:*", app.task_family), true);
        self.grant(Grant { sam: None, actions: vec!["ecs:RunTask"], resource: Value::sub(td_any), passed_to: None });
        for role in [&app.task_role, &app.task_execution_role] {
            let (_, role_arn) = self.app_arn("iam", &format!("role/{role}"), false);
            self.grant(Grant {
                sam: None,
                actions: vec!["iam:PassRole"],
                resource: Value::sub(role_arn),
                passed_to: Some("ecs-tasks.amazonaws.com"),
            });
        }
        if sync {
            self.grant(Grant {
                sam: None,
                actions: vec!["ecs:StopTask", "ecs:DescribeTasks"],
                resource: Value::Str("*".into()),
                passed_to: None,
            });
            self.events_rule("StepFunctionsGetEventsForECSTaskRule");
        }
        let (cluster, td) = match self.mode {
            RefMode::Literal => (cluster_literal, td_literal),
            _ => (
                self.place("ClusterArn", Value::sub(cluster_sub.clone()), cluster_sub),
                self.place("WorkerTaskDefinitionArn", Value::sub(td_sub.clone()), td_sub),
            ),
        };
        (cluster, td, app.subnets.clone(), app.security_group.clone())
    }

    /// The EventBridge connection for HTTP Tasks, and the endpoint.
    pub(crate) fn http(&mut self, rng: &mut Rng) -> (String, String) {
        let app = self.app;
        let rest = format!("connection/{}/{}", app.connection_name, app.connection_uuid);
        let (literal, subbed) = self.app_arn("events", &rest, true);
        let (_, any) = self.app_arn("events", &format!("connection/{}/*", app.connection_name), true);
        let (_, secret) =
            self.app_arn("secretsmanager", &format!("secret:events!connection/{}/*", app.connection_name), true);
        self.grant(Grant {
            sam: None,
            actions: vec!["states:InvokeHTTPEndpoint"],
            resource: Value::Str("*".into()),
            passed_to: None,
        });
        self.grant(Grant {
            sam: None,
            actions: vec!["events:RetrieveConnectionCredentials"],
            resource: Value::sub(any),
            passed_to: None,
        });
        self.grant(Grant {
            sam: None,
            actions: vec!["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resource: Value::sub(secret),
            passed_to: None,
        });
        let path = rng.pick(&["v1/orders", "v2/shipments", "v1/payments/authorize", "v3/customers", "v1/events"]);
        let endpoint = format!("https://{}/{path}", app.api_host);
        let connection = match self.mode {
            RefMode::Literal => literal,
            _ => self.place("PartnerConnectionArn", Value::Str(literal), subbed),
        };
        (connection, endpoint)
    }

    /// Grants a distributed Map needs to start child executions of its own machine.
    pub(crate) fn distributed_map(&mut self, machine_name: &str) {
        let (_, own) = self.app_arn("states", &format!("stateMachine:{machine_name}"), true);
        let (_, runs) = self.app_arn("states", &format!("execution:{machine_name}/*"), true);
        self.grant(Grant {
            sam: None,
            actions: vec!["states:StartExecution"],
            resource: Value::sub(own),
            passed_to: None,
        });
        self.grant(Grant {
            sam: None,
            actions: vec!["states:DescribeExecution", "states:StopExecution"],
            resource: Value::sub(runs),
            passed_to: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_drops_numbers_and_separators() {
        assert_eq!(camel("-0042-records"), "Records");
        assert_eq!(camel("input-222222222222"), "Input");
    }

    #[test]
    fn substitution_mode_registers_each_placeholder_once() {
        let app = App::new(5, 1);
        let mut refs = Refs::new(RefMode::Substitutions, &app, None, Vec::new());
        let mut rng = Rng::stream(1, crate::rng::Stream::Machine, 0);
        let a = refs.queue(&mut rng);
        let b = refs.queue(&mut rng);
        assert!(a.starts_with("${") && a.ends_with("QueueUrl}"), "{a}");
        let distinct: std::collections::BTreeSet<_> = [a, b].into_iter().collect();
        assert_eq!(refs.substitutions.len(), distinct.len());
    }

    #[test]
    fn literal_mode_writes_real_arns() {
        let app = App::new(5, 2);
        let mut refs = Refs::new(RefMode::Literal, &app, None, Vec::new());
        let mut rng = Rng::stream(1, crate::rng::Stream::Machine, 0);
        let topic = refs.topic(&mut rng);
        assert!(topic.starts_with(&format!("arn:aws:sns:{}:{WORKLOAD_ACCOUNT}:", app.region)), "{topic}");
        assert!(refs.substitutions.is_empty());
        let (cluster, td, _, _) = refs.ecs_task(true);
        assert!(cluster.contains(":cluster/") && td.contains(":task-definition/"));
    }
}
