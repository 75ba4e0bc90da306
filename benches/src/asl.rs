//! State machine definitions: valid Amazon States Language built from blocks (Task, Choice
//! diamonds, Parallel, inline and distributed Map, Wait, Pass), JSONPath or JSONata, with
//! Retry and Catch, and the small changes `--mutate-percent` makes to single states.
//!
//! Validity is by construction: every scope is a chain of blocks whose open exits are joined
//! to the next block's first state; the last block's exits end the scope (`End` or a
//! `Succeed`). Every state is therefore reachable and every transition target exists.
//! Express machines get no `.sync`/`.waitForTaskToken` integrations and no distributed Map.

use std::collections::BTreeSet;

use crate::refs::Refs;
use crate::rng::Rng;
use crate::value::{Value, obj};

/// What to build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MachineShape<'m> {
    pub(crate) name: &'m str,
    pub(crate) express: bool,
    pub(crate) jsonata: bool,
    /// States wanted, counting nested ones (reached approximately).
    pub(crate) target_states: usize,
}

/// A built definition and how many states it has (nested ones included).
#[derive(Debug, Clone)]
pub(crate) struct Definition {
    pub(crate) value: Value,
    pub(crate) states: usize,
}

const NOUNS: &[&str] = &[
    "Order",
    "Payment",
    "Invoice",
    "Customer",
    "Shipment",
    "Report",
    "Claim",
    "Document",
    "Event",
    "Batch",
    "Inventory",
    "Profile",
    "Ticket",
    "Refund",
    "Quote",
    "Account",
    "Subscription",
    "Record",
];

const STATUS_VALUES: &[&str] = &["APPROVED", "REJECTED", "PENDING", "HIGH", "RETRY", "MANUAL_REVIEW", "EXPIRED"];

#[derive(Debug, Clone, Copy)]
enum NameStyle {
    Camel,
    Spaced,
    Kebab,
}

/// Which field of a state leads out of its block and still needs a target.
#[derive(Debug, Clone, Copy)]
enum Exit {
    Next(usize),
    Default(usize),
}

struct Draft {
    name: String,
    body: Value,
}

/// The states of one scope (the machine, a branch, an item processor) being built.
#[derive(Default)]
struct Scope {
    drafts: Vec<Draft>,
    pending: Vec<Exit>,
    start: Option<String>,
}

impl Scope {
    /// Points the open exits at `entry`, the first state of the next block.
    fn connect(&mut self, entry: &str) {
        if self.start.is_none() {
            self.start = Some(entry.to_owned());
        }
        for exit in std::mem::take(&mut self.pending) {
            let (i, key) = match exit {
                Exit::Next(i) => (i, "Next"),
                Exit::Default(i) => (i, "Default"),
            };
            if let Some(d) = self.drafts.get_mut(i) {
                d.body.set(key, Value::Str(entry.to_owned()));
            }
        }
    }

    fn push(&mut self, name: String, body: Value) -> usize {
        self.drafts.push(Draft { name, body });
        self.drafts.len() - 1
    }

    /// Whether every open exit can take `End: true` (a Choice `Default` cannot).
    fn can_end(&self) -> bool {
        self.pending.iter().all(|e| matches!(e, Exit::Next(_)))
    }

    fn end(&mut self) {
        for exit in std::mem::take(&mut self.pending) {
            if let Exit::Next(i) = exit
                && let Some(d) = self.drafts.get_mut(i)
            {
                d.body.set("End", Value::Bool(true));
            }
        }
    }

    fn into_value(self, extra_first: Vec<(String, Value)>) -> Value {
        let mut members = extra_first;
        members.push(("StartAt".into(), Value::Str(self.start.unwrap_or_default())));
        members.push(("States".into(), Value::Obj(self.drafts.into_iter().map(|d| (d.name, d.body)).collect())));
        Value::Obj(members)
    }
}

/// Where a state sits, which limits what it may do.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// No `.sync` or `.waitForTaskToken` (Express machines and Express item processors).
    restricted: bool,
    /// At the top level, where the failure handler can be a Catch target.
    top: bool,
}

struct Builder<'b, 'a> {
    rng: &'b mut Rng,
    refs: &'b mut Refs<'a>,
    shape: MachineShape<'b>,
    style: NameStyle,
    names: BTreeSet<String>,
    count: usize,
    /// The top-level failure handler's first state, when the machine has one.
    handler: Option<String>,
    handler_used: bool,
}

/// Builds the definition of one state machine.
pub(crate) fn build(shape: MachineShape<'_>, rng: &mut Rng, refs: &mut Refs<'_>) -> Definition {
    let style = match rng.below(10) {
        0..=5 => NameStyle::Camel,
        6..=8 => NameStyle::Spaced,
        _ => NameStyle::Kebab,
    };
    let mut b =
        Builder { rng, refs, shape, style, names: BTreeSet::new(), count: 0, handler: None, handler_used: false };
    let value = b.machine();
    Definition { value, states: b.count }
}

impl Builder<'_, '_> {
    fn name(&mut self, verb: &str, noun: &str) -> String {
        let base = match self.style {
            NameStyle::Camel => format!("{verb}{noun}").replace(' ', ""),
            NameStyle::Spaced => format!("{verb} {noun}"),
            NameStyle::Kebab => format!("{verb}-{noun}").to_ascii_lowercase().replace(' ', "-"),
        };
        let mut candidate = base.clone();
        let mut n = 1;
        while self.names.contains(&candidate) {
            n += 1;
            candidate = match self.style {
                NameStyle::Spaced => format!("{base} {n}"),
                NameStyle::Kebab => format!("{base}-{n}"),
                NameStyle::Camel => format!("{base}{n}"),
            };
        }
        self.names.insert(candidate.clone());
        self.count += 1;
        candidate
    }

    fn noun(&mut self) -> &'static str {
        self.rng.pick(NOUNS)
    }

    fn jsonata(&self) -> bool {
        self.shape.jsonata
    }

    fn machine(&mut self) -> Value {
        let target = self.shape.target_states.max(2);
        // One state for the final Succeed; the handler's two states count when named.
        let reserved = 1;
        if self.rng.chance(0.65) {
            let handler = self.name("Notify", "Failure");
            self.handler = Some(handler);
        }
        let failed = if self.handler.is_some() { Some(self.name("Workflow", "Failed")) } else { None };
        let place = Place { restricted: self.shape.express, top: true };
        let mut scope = Scope::default();
        while self.count + reserved < target || scope.start.is_none() {
            let remaining = target.saturating_sub(self.count + reserved).max(1);
            self.block(&mut scope, place, remaining);
        }
        // Make sure the handler is reachable: catch on the first state that can catch.
        if let Some(handler) = self.handler.clone()
            && !self.handler_used
        {
            let catcher = self.catcher(&handler);
            if let Some(d) = scope
                .drafts
                .iter_mut()
                .find(|d| matches!(d.body.get("Type").and_then(Value::as_str), Some("Task" | "Parallel" | "Map")))
            {
                d.body.set("Catch", Value::Arr(vec![catcher]));
                self.handler_used = true;
            }
        }
        // End with a Succeed state most of the time, and always after a Choice.
        if !scope.can_end() || self.rng.chance(0.6) {
            let done = self.name("Workflow", "Succeeded");
            scope.connect(&done);
            let body = self.with_comment(obj! { "Type" => "Succeed" });
            scope.push(done, body);
        } else {
            scope.end();
        }
        if let (Some(handler), Some(failed), true) = (self.handler.clone(), failed, self.handler_used) {
            let body = self.notify_failure(&failed);
            scope.push(handler, body);
            let fail = obj! {
                "Type" => "Fail",
                "Error" => format!("{}.Failed", self.shape.name.split('-').next().unwrap_or("Workflow")),
                "Cause" => "An unrecoverable error occurred; see the execution history.",
            };
            scope.push(failed, fail);
        } else if self.handler.is_some() {
            // Reserved but unused (no state could catch): not in the definition.
            self.count = self.count.saturating_sub(2);
        }
        let mut head: Vec<(String, Value)> = Vec::new();
        head.push((
            "Comment".into(),
            Value::Str(format!("{} ({})", self.shape.name, if self.shape.express { "express" } else { "standard" })),
        ));
        if self.jsonata() {
            head.push(("QueryLanguage".into(), Value::Str("JSONata".into())));
        }
        let mut value = scope.into_value(head);
        if self.rng.chance(0.3) {
            let timeout: i64 = if self.shape.express { 300 } else { 3600 * self.rng.range(1, 24) as i64 };
            value.set("TimeoutSeconds", Value::Int(timeout));
        }
        value
    }

    fn with_comment(&mut self, mut body: Value) -> Value {
        if self.rng.chance(0.1) {
            body.set("Comment", Value::Str("Marks the execution as successful.".into()));
        }
        body
    }

    /// Adds one block to `scope`, using at most about `budget` states.
    fn block(&mut self, scope: &mut Scope, place: Place, budget: usize) {
        let standard = !self.shape.express;
        let weights = [
            40,                                                       // task
            8,                                                        // pass
            5,                                                        // wait
            if budget >= 2 { 10 } else { 0 },                         // choice
            if place.top && budget >= 5 { 7 } else { 0 },             // parallel
            if place.top && budget >= 3 { 6 } else { 0 },             // inline map
            if place.top && standard && budget >= 3 { 4 } else { 0 }, // distributed map
        ];
        match self.rng.weighted(&weights) {
            0 => self.task_block(scope, place),
            1 => {
                let (name, body) = self.pass();
                scope.connect(&name);
                let i = scope.push(name, body);
                scope.pending.push(Exit::Next(i));
            }
            2 => {
                let (name, body) = self.wait();
                scope.connect(&name);
                let i = scope.push(name, body);
                scope.pending.push(Exit::Next(i));
            }
            3 => self.choice(scope, place, budget),
            4 => self.parallel(scope, budget),
            5 => self.map(scope, budget, false),
            _ => self.map(scope, budget, true),
        }
    }

    fn task_block(&mut self, scope: &mut Scope, place: Place) {
        let (name, mut body) = self.task(place.restricted);
        if place.top {
            self.maybe_catch(&mut body);
        }
        scope.connect(&name);
        let i = scope.push(name, body);
        scope.pending.push(Exit::Next(i));
    }

    fn maybe_catch(&mut self, body: &mut Value) {
        if let Some(handler) = self.handler.clone()
            && self.rng.chance(0.5)
        {
            let mut catchers = Vec::new();
            if self.rng.chance(0.25) {
                let mut specific = self.catcher(&handler);
                specific.set("ErrorEquals", Value::from(vec!["States.Timeout"]));
                catchers.push(specific);
            }
            catchers.push(self.catcher(&handler));
            body.set("Catch", Value::Arr(catchers));
            self.handler_used = true;
        }
    }

    fn catcher(&mut self, next: &str) -> Value {
        if self.jsonata() {
            obj! {
                "ErrorEquals" => vec!["States.ALL"],
                "Next" => next,
                "Output" => obj! { "error" => "{% $states.errorOutput %}", "input" => "{% $states.input %}" },
            }
        } else {
            obj! { "ErrorEquals" => vec!["States.ALL"], "Next" => next, "ResultPath" => "$.error" }
        }
    }

    fn retry(&mut self, errors: Vec<&str>) -> Value {
        let mut r = obj! {
            "ErrorEquals" => errors,
            "IntervalSeconds" => self.rng.range(1, 5),
            "MaxAttempts" => self.rng.range(2, 6),
            "BackoffRate" => if self.rng.chance(0.7) { 2.0 } else { 1.5 },
        };
        if self.rng.chance(0.3) {
            r.set("MaxDelaySeconds", Value::Int(60));
            r.set("JitterStrategy", Value::Str("FULL".into()));
        }
        r
    }

    fn maybe_retry(&mut self, body: &mut Value, errors: Vec<&str>, p: f64) {
        if self.rng.chance(p) {
            let mut retriers = vec![self.retry(errors)];
            if self.rng.chance(0.2) {
                retriers.push(self.retry(vec!["States.ALL"]));
            }
            body.set("Retry", Value::Arr(retriers));
        }
    }

    /// A Task state calling one of the integrations.
    fn task(&mut self, restricted: bool) -> (String, Value) {
        let has_children = !self.refs.children.is_empty();
        let weights = [
            30,                               // lambda:invoke
            3,                                // legacy Lambda ARN
            9,                                // dynamodb:putItem
            9,                                // dynamodb:getItem
            7,                                // sqs:sendMessage
            if restricted { 0 } else { 3 },   // sqs .waitForTaskToken
            8,                                // sns:publish
            if has_children { 4 } else { 0 }, // states:startExecution(.sync)
            4,                                // ecs:runTask(.sync)
            8,                                // aws-sdk:s3:getObject
            5,                                // http:invoke
        ];
        let noun = self.noun();
        let j = self.jsonata();
        match self.rng.weighted(&weights) {
            0 => {
                let verb = self.rng.pick(&["Validate", "Enrich", "Transform", "Score", "Classify", "Render", "Check"]);
                let name = self.name(verb, noun);
                let f = self.refs.function(self.rng, false);
                let mut body = if j {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::lambda:invoke",
                        "Arguments" => obj! { "FunctionName" => f, "Payload" => "{% $states.input %}" },
                        "Output" => "{% $states.result.Payload %}",
                    }
                } else {
                    let mut b = obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::lambda:invoke",
                        "Parameters" => obj! { "FunctionName" => f, "Payload.$" => "$" },
                    };
                    if self.rng.chance(0.5) {
                        b.set("OutputPath", Value::from("$.Payload"));
                    } else {
                        b.set("ResultSelector", obj! { "result.$" => "$.Payload" });
                        b.set("ResultPath", Value::Str(format!("$.{}", noun.to_ascii_lowercase())));
                    }
                    b
                };
                body.set("TimeoutSeconds", Value::Int(if self.shape.express { 60 } else { 300 }));
                self.maybe_retry(
                    &mut body,
                    vec![
                        "Lambda.ServiceException",
                        "Lambda.AWSLambdaException",
                        "Lambda.SdkClientException",
                        "Lambda.TooManyRequestsException",
                    ],
                    0.8,
                );
                (name, body)
            }
            1 => {
                let name = self.name("Process", noun);
                let f = self.refs.function(self.rng, true);
                let mut body = obj! { "Type" => "Task", "Resource" => f };
                if !j {
                    body.set("InputPath", Value::from("$"));
                    body.set("ResultPath", Value::Str(format!("$.{}Result", noun.to_ascii_lowercase())));
                }
                self.maybe_retry(&mut body, vec!["Lambda.ServiceException", "Lambda.TooManyRequestsException"], 0.6);
                (name, body)
            }
            2 => {
                let verb = self.rng.pick(&["Save", "Record", "Persist"]);
                let name = self.name(verb, noun);
                let table = self.refs.table(self.rng, true);
                let status = self.rng.pick(STATUS_VALUES);
                let mut body = if j {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::dynamodb:putItem",
                        "Arguments" => obj! {
                            "TableName" => table,
                            "Item" => obj! {
                                "pk" => obj! { "S" => "{% $states.input.id %}" },
                                "status" => obj! { "S" => status },
                                "updatedAt" => obj! { "S" => "{% $states.context.State.EnteredTime %}" },
                            },
                        },
                        "Output" => "{% $states.input %}",
                    }
                } else {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::dynamodb:putItem",
                        "Parameters" => obj! {
                            "TableName" => table,
                            "Item" => obj! {
                                "pk" => obj! { "S.$" => "$.id" },
                                "status" => obj! { "S" => status },
                                "updatedAt" => obj! { "S.$" => "$$.State.EnteredTime" },
                            },
                        },
                        "ResultPath" => Value::Null,
                    }
                };
                self.maybe_retry(&mut body, vec!["States.TaskFailed"], 0.5);
                (name, body)
            }
            3 => {
                let verb = self.rng.pick(&["Load", "Lookup", "Fetch"]);
                let name = self.name(verb, noun);
                let table = self.refs.table(self.rng, false);
                let mut body = if j {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::dynamodb:getItem",
                        "Arguments" => obj! {
                            "TableName" => table,
                            "Key" => obj! { "pk" => obj! { "S" => "{% $states.input.id %}" } },
                        },
                        "Assign" => obj! { "record" => "{% $states.result.Item %}" },
                        "Output" => "{% $states.input %}",
                    }
                } else {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::dynamodb:getItem",
                        "Parameters" => obj! {
                            "TableName" => table,
                            "Key" => obj! { "pk" => obj! { "S.$" => "$.id" } },
                        },
                        "ResultSelector" => obj! { "item.$" => "$.Item" },
                        "ResultPath" => "$.lookup",
                    }
                };
                self.maybe_retry(&mut body, vec!["States.TaskFailed"], 0.5);
                (name, body)
            }
            4 => {
                let name = self.name("Enqueue", noun);
                let q = self.refs.queue(self.rng);
                let mut body = if j {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::sqs:sendMessage",
                        "Arguments" => obj! { "QueueUrl" => q, "MessageBody" => "{% $states.input %}" },
                    }
                } else {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::sqs:sendMessage",
                        "Parameters" => obj! { "QueueUrl" => q, "MessageBody.$" => "$" },
                        "ResultPath" => Value::Null,
                    }
                };
                self.maybe_retry(&mut body, vec!["States.TaskFailed"], 0.3);
                (name, body)
            }
            5 => {
                let name = self.name("Await Approval Of", noun);
                let q = self.refs.queue(self.rng);
                let heartbeat = 60 * self.rng.range(5, 30) as i64;
                let body = if j {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Arguments" => obj! {
                            "QueueUrl" => q,
                            "MessageBody" => obj! {
                                "taskToken" => "{% $states.context.Task.Token %}",
                                "input" => "{% $states.input %}",
                            },
                        },
                        "TimeoutSeconds" => 86400i64,
                        "HeartbeatSeconds" => heartbeat,
                    }
                } else {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Parameters" => obj! {
                            "QueueUrl" => q,
                            "MessageBody" => obj! { "taskToken.$" => "$$.Task.Token", "input.$" => "$" },
                        },
                        "ResultPath" => "$.approval",
                        "TimeoutSeconds" => 86400i64,
                        "HeartbeatSeconds" => heartbeat,
                    }
                };
                (name, body)
            }
            6 => {
                let name = self.name("Notify", noun);
                let topic = self.refs.topic(self.rng);
                let subject = format!("{noun} update");
                let body = if j {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::sns:publish",
                        "Arguments" => obj! {
                            "TopicArn" => topic,
                            "Subject" => subject,
                            "Message" => "{% $string($states.input) %}",
                        },
                        "Output" => "{% $states.input %}",
                    }
                } else {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::sns:publish",
                        "Parameters" => obj! { "TopicArn" => topic, "Subject" => subject, "Message.$" => "$" },
                        "ResultPath" => Value::Null,
                    }
                };
                (name, body)
            }
            7 => {
                let sync = !restricted;
                let name = self.name("Run", &format!("{noun} Workflow"));
                let Some(child) = self.refs.child_machine(self.rng, sync) else {
                    return self.pass_named(name);
                };
                let resource = match (sync, self.rng.chance(0.6)) {
                    (true, true) => "arn:aws:states:::states:startExecution.sync:2",
                    (true, false) => "arn:aws:states:::states:startExecution.sync",
                    (false, _) => "arn:aws:states:::states:startExecution",
                };
                let mut body = if j {
                    obj! {
                        "Type" => "Task",
                        "Resource" => resource,
                        "Arguments" => obj! {
                            "StateMachineArn" => child,
                            "Input" => obj! {
                                "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID" => "{% $states.context.Execution.Id %}",
                                "payload" => "{% $states.input %}",
                            },
                        },
                    }
                } else {
                    obj! {
                        "Type" => "Task",
                        "Resource" => resource,
                        "Parameters" => obj! {
                            "StateMachineArn" => child,
                            "Input" => obj! {
                                "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$" => "$$.Execution.Id",
                                "payload.$" => "$",
                            },
                        },
                        "ResultPath" => "$.child",
                    }
                };
                self.maybe_retry(&mut body, vec!["StepFunctions.ExecutionLimitExceededException"], 0.4);
                (name, body)
            }
            8 => {
                let sync = !restricted;
                let name = self.name("Run Worker For", noun);
                let (cluster, td, subnets, sg) = self.refs.ecs_task(sync);
                let resource = if sync { "arn:aws:states:::ecs:runTask.sync" } else { "arn:aws:states:::ecs:runTask" };
                let env_value = if j {
                    obj! { "Name" => "JOB_ID", "Value" => "{% $states.input.id %}" }
                } else {
                    obj! { "Name" => "JOB_ID", "Value.$" => "$.id" }
                };
                let params = obj! {
                    "LaunchType" => "FARGATE",
                    "Cluster" => cluster,
                    "TaskDefinition" => td,
                    "NetworkConfiguration" => obj! {
                        "AwsvpcConfiguration" => obj! {
                            "Subnets" => subnets,
                            "SecurityGroups" => vec![sg],
                            "AssignPublicIp" => "DISABLED",
                        },
                    },
                    "Overrides" => obj! {
                        "ContainerOverrides" => vec![obj! { "Name" => "worker", "Environment" => vec![env_value] }],
                    },
                };
                let mut body = obj! { "Type" => "Task", "Resource" => resource };
                body.set(if j { "Arguments" } else { "Parameters" }, params);
                if !j {
                    body.set("ResultPath", Value::from("$.task"));
                }
                body.set("TimeoutSeconds", Value::Int(if self.shape.express { 240 } else { 7200 }));
                self.maybe_retry(&mut body, vec!["ECS.AmazonECSException"], 0.5);
                (name, body)
            }
            9 => {
                let name = self.name("Read", noun);
                let bucket = self.refs.bucket(self.rng, vec!["s3:GetObject"]);
                let mut body = if j {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::aws-sdk:s3:getObject",
                        "Arguments" => obj! { "Bucket" => bucket, "Key" => "{% $states.input.objectKey %}" },
                        "Output" => obj! { "body" => "{% $states.result.Body %}", "id" => "{% $states.input.id %}" },
                    }
                } else {
                    obj! {
                        "Type" => "Task",
                        "Resource" => "arn:aws:states:::aws-sdk:s3:getObject",
                        "Parameters" => obj! { "Bucket" => bucket, "Key.$" => "$.objectKey" },
                        "ResultSelector" => obj! { "body.$" => "$.Body", "contentType.$" => "$.ContentType" },
                        "ResultPath" => "$.object",
                    }
                };
                self.maybe_retry(&mut body, vec!["S3.S3Exception"], 0.4);
                (name, body)
            }
            _ => {
                let name = self.name("Call Partner About", noun);
                let (connection, endpoint) = self.refs.http(self.rng);
                let method = self.rng.pick(&["POST", "GET", "PUT"]);
                let mut params = obj! {
                    "ApiEndpoint" => endpoint,
                    "Method" => method,
                    "Authentication" => obj! { "ConnectionArn" => connection },
                    "Headers" => obj! { "Content-Type" => "application/json" },
                };
                if method != "GET" {
                    if j {
                        params.set("RequestBody", Value::from("{% $states.input %}"));
                    } else {
                        params.set("RequestBody.$", Value::from("$"));
                    }
                }
                let mut body = obj! { "Type" => "Task", "Resource" => "arn:aws:states:::http:invoke" };
                body.set(if j { "Arguments" } else { "Parameters" }, params);
                if j {
                    body.set("Output", Value::from("{% $states.result.ResponseBody %}"));
                } else {
                    body.set("ResultSelector", obj! { "status.$" => "$.StatusCode", "body.$" => "$.ResponseBody" });
                    body.set("ResultPath", Value::from("$.response"));
                }
                self.maybe_retry(&mut body, vec!["States.Http.StatusCode.429", "States.Http.StatusCode.503"], 0.7);
                (name, body)
            }
        }
    }

    fn pass_named(&mut self, name: String) -> (String, Value) {
        let body = if self.jsonata() {
            obj! {
                "Type" => "Pass",
                "Output" => obj! {
                    "id" => "{% $states.input.id %}",
                    "receivedAt" => "{% $states.context.Execution.StartTime %}",
                },
            }
        } else {
            obj! {
                "Type" => "Pass",
                "Parameters" => obj! { "id.$" => "$.id", "receivedAt.$" => "$$.Execution.StartTime" },
                "ResultPath" => "$.meta",
            }
        };
        (name, body)
    }

    fn pass(&mut self) -> (String, Value) {
        let noun = self.noun();
        match self.rng.below(4) {
            0 => {
                let name = self.name("Prepare", noun);
                self.pass_named(name)
            }
            1 => {
                let name = self.name("Set Defaults For", noun);
                let priority = self.rng.range(1, 5);
                let channel = self.rng.pick(&["email", "sms", "push", "webhook"]);
                let body = if self.jsonata() {
                    obj! { "Type" => "Pass", "Assign" => obj! { "channel" => channel, "priority" => priority } }
                } else {
                    obj! {
                        "Type" => "Pass",
                        "Result" => obj! { "channel" => channel, "priority" => priority },
                        "ResultPath" => "$.defaults",
                    }
                };
                (name, body)
            }
            2 if !self.jsonata() => {
                // A JSONPath machine may switch single states to JSONata.
                let name = self.name("Shape", noun);
                let body = obj! {
                    "Type" => "Pass",
                    "QueryLanguage" => "JSONata",
                    "Output" => obj! { "id" => "{% $states.input.id %}", "kind" => noun.to_ascii_lowercase() },
                };
                (name, body)
            }
            _ => {
                let name = self.name("Remember", noun);
                let body = if self.jsonata() {
                    obj! { "Type" => "Pass", "Assign" => obj! { "currentId" => "{% $states.input.id %}" } }
                } else {
                    obj! { "Type" => "Pass", "Assign" => obj! { "currentId.$" => "$.id" } }
                };
                (name, body)
            }
        }
    }

    fn wait(&mut self) -> (String, Value) {
        let noun = self.noun();
        let name = self.name("Wait For", noun);
        let max = if self.shape.express { 60 } else { 3600 };
        let body = match (self.rng.below(3), self.jsonata()) {
            (0, false) => obj! { "Type" => "Wait", "SecondsPath" => "$.delaySeconds" },
            (0, true) => obj! { "Type" => "Wait", "Seconds" => "{% $states.input.delaySeconds %}" },
            _ => obj! { "Type" => "Wait", "Seconds" => self.rng.range(1, max) },
        };
        (name, body)
    }

    fn rule(&mut self, noun: &str) -> Value {
        let field = noun.to_ascii_lowercase();
        let status = self.rng.pick(STATUS_VALUES);
        let amount = 100 * self.rng.range(1, 100);
        if self.jsonata() {
            let cond = match self.rng.below(3) {
                0 => format!("{{% $states.input.{field}.status = '{status}' %}}"),
                1 => format!("{{% $states.input.amount > {amount} %}}"),
                _ => format!("{{% $exists($states.input.{field}) and $states.input.retryable %}}"),
            };
            obj! { "Condition" => cond }
        } else {
            match self.rng.below(5) {
                0 => obj! { "Variable" => format!("$.{field}.status"), "StringEquals" => status },
                1 => obj! { "Variable" => "$.amount", "NumericGreaterThan" => amount },
                2 => obj! { "Variable" => "$.retryable", "BooleanEquals" => true },
                3 => obj! {
                    "And" => vec![
                        obj! { "Variable" => format!("$.{field}"), "IsPresent" => true },
                        obj! { "Variable" => format!("$.{field}.priority"), "StringEquals" => "HIGH" },
                    ],
                },
                _ => obj! { "Not" => obj! { "Variable" => "$.region", "StringMatches" => "us-*" } },
            }
        }
    }

    /// A Choice with one or two arms that rejoin, a default that skips ahead or fails.
    fn choice(&mut self, scope: &mut Scope, place: Place, budget: usize) {
        let noun = self.noun();
        let name = self.name("Route", noun);
        scope.connect(&name);
        let arms = if budget >= 4 { self.rng.range(1, 2) } else { 1 };
        let choice_index = scope.push(name, Value::Null);
        let mut rules = Vec::new();
        let mut exits = Vec::new();
        for _ in 0..arms {
            let (arm_name, mut arm_body) = if self.rng.chance(0.7) { self.task(place.restricted) } else { self.pass() };
            if place.top && arm_body.get("Type").and_then(Value::as_str) == Some("Task") {
                self.maybe_catch(&mut arm_body);
            }
            let mut rule = self.rule(noun);
            rule.set("Next", Value::Str(arm_name.clone()));
            rules.push(rule);
            let i = scope.push(arm_name, arm_body);
            exits.push(Exit::Next(i));
        }
        let mut body = obj! { "Type" => "Choice", "Choices" => rules };
        if budget >= 3 && self.rng.chance(0.3) {
            // The default rejects: a Fail state ends this path.
            let reject = self.name("Reject", noun);
            body.set("Default", Value::Str(reject.clone()));
            let cause = format!("{noun} did not match any route");
            scope.push(reject, obj! { "Type" => "Fail", "Error" => format!("{noun}Rejected"), "Cause" => cause });
        } else {
            exits.push(Exit::Default(choice_index));
        }
        if let Some(d) = scope.drafts.get_mut(choice_index) {
            d.body = body;
        }
        scope.pending = exits;
    }

    /// A nested scope of `states` simple states (branch or item processor).
    fn child_scope(&mut self, states: usize, restricted: bool, head: Vec<(String, Value)>) -> Value {
        let place = Place { restricted, top: false };
        let mut scope = Scope::default();
        let start = self.count;
        while self.count - start < states || scope.start.is_none() {
            let remaining = states.saturating_sub(self.count - start).max(1);
            if remaining >= 3 && self.rng.chance(0.15) {
                self.choice(&mut scope, place, remaining);
            } else if self.rng.chance(0.75) {
                self.task_block(&mut scope, place);
            } else {
                let (name, body) = if self.rng.chance(0.7) { self.pass() } else { self.wait() };
                scope.connect(&name);
                let i = scope.push(name, body);
                scope.pending.push(Exit::Next(i));
            }
        }
        if scope.can_end() {
            scope.end();
        } else {
            let noun = self.noun();
            let done = self.name("Finish", noun);
            scope.connect(&done);
            scope.push(done, obj! { "Type" => "Succeed" });
        }
        scope.into_value(head)
    }

    fn parallel(&mut self, scope: &mut Scope, budget: usize) {
        let noun = self.noun();
        let name = self.name("Fan Out", noun);
        let branches = self.rng.range(2, 3).min((budget - 1) / 2).max(1);
        let per_branch = ((budget - 1) / branches).clamp(1, 3);
        let restricted = self.shape.express;
        let mut items = Vec::new();
        for _ in 0..branches {
            let n = self.rng.range(1, per_branch);
            items.push(self.child_scope(n, restricted, Vec::new()));
        }
        let mut body = obj! { "Type" => "Parallel", "Branches" => items };
        if self.jsonata() {
            body.set("Output", Value::from("{% $merge($states.result) %}"));
        } else {
            body.set("ResultPath", Value::Str(format!("$.{}Results", noun.to_ascii_lowercase())));
        }
        self.maybe_retry(&mut body, vec!["States.TaskFailed"], 0.3);
        self.maybe_catch(&mut body);
        scope.connect(&name);
        let i = scope.push(name, body);
        scope.pending.push(Exit::Next(i));
    }

    fn map(&mut self, scope: &mut Scope, budget: usize, distributed: bool) {
        let noun = self.noun();
        let name = self.name(if distributed { "Process All" } else { "For Each" }, noun);
        let j = self.jsonata();
        let states = self.rng.range(1, (budget - 1).clamp(1, 4));
        let (config, restricted) = if distributed {
            let express_children = self.rng.chance(0.7);
            let cfg = obj! {
                "Mode" => "DISTRIBUTED",
                "ExecutionType" => if express_children { "EXPRESS" } else { "STANDARD" },
            };
            (cfg, express_children)
        } else {
            (obj! { "Mode" => "INLINE" }, self.shape.express)
        };
        let processor = self.child_scope(states, restricted, vec![("ProcessorConfig".into(), config)]);
        let mut body = obj! { "Type" => "Map" };
        if distributed {
            self.refs.distributed_map(self.shape.name);
            let params_key = if j { "Arguments" } else { "Parameters" };
            let reader = if self.rng.chance(0.5) {
                let bucket = self.refs.bucket(self.rng, vec!["s3:GetObject"]);
                let key = if j { ("Key", "{% $states.input.manifestKey %}") } else { ("Key.$", "$.manifestKey") };
                let config = if self.rng.chance(0.5) {
                    obj! { "InputType" => "CSV", "CSVHeaderLocation" => "FIRST_ROW" }
                } else {
                    obj! { "InputType" => "JSON" }
                };
                let mut r = obj! { "Resource" => "arn:aws:states:::s3:getObject", "ReaderConfig" => config };
                r.set(params_key, obj! { "Bucket" => bucket, key.0 => key.1 });
                r
            } else {
                let bucket = self.refs.bucket(self.rng, vec!["s3:GetObject"]);
                let mut r = obj! { "Resource" => "arn:aws:states:::s3:listObjectsV2" };
                r.set(params_key, obj! { "Bucket" => bucket, "Prefix" => "incoming/" });
                r
            };
            body.set("ItemReader", reader);
            if self.rng.chance(0.3) {
                body.set("ItemBatcher", obj! { "MaxItemsPerBatch" => 50i64 });
            }
            body.set("ItemProcessor", processor);
            body.set("MaxConcurrency", Value::Int(100 * self.rng.range(1, 10) as i64));
            body.set("Label", Value::Str(format!("Process{noun}s")));
            body.set("ToleratedFailurePercentage", Value::Int(self.rng.range(0, 10) as i64));
            if self.rng.chance(0.6) {
                let bucket = self
                    .refs
                    .bucket(self.rng, vec!["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]);
                let mut w = obj! { "Resource" => "arn:aws:states:::s3:putObject" };
                w.set(params_key, obj! { "Bucket" => bucket, "Prefix" => format!("results/{}", self.shape.name) });
                body.set("ResultWriter", w);
            }
        } else {
            if j {
                body.set("Items", Value::from("{% $states.input.items %}"));
            } else {
                body.set("ItemsPath", Value::from("$.items"));
                body.set(
                    "ItemSelector",
                    obj! { "item.$" => "$$.Map.Item.Value", "index.$" => "$$.Map.Item.Index", "requestId.$" => "$.id" },
                );
            }
            body.set("ItemProcessor", processor);
            body.set("MaxConcurrency", Value::Int(self.rng.range(0, 10) as i64));
        }
        if !j {
            body.set("ResultPath", Value::Str(format!("$.{}Results", noun.to_ascii_lowercase())));
        }
        self.maybe_retry(&mut body, vec!["States.ItemReaderFailed", "States.TaskFailed"], 0.2);
        self.maybe_catch(&mut body);
        scope.connect(&name);
        let i = scope.push(name, body);
        scope.pending.push(Exit::Next(i));
    }

    /// The handler that reports a failure before the machine fails.
    fn notify_failure(&mut self, next: &str) -> Value {
        let topic = self.refs.topic(self.rng);
        let j = self.jsonata();
        let mut body = if j {
            obj! {
                "Type" => "Task",
                "Resource" => "arn:aws:states:::sns:publish",
                "Arguments" => obj! {
                    "TopicArn" => topic,
                    "Subject" => format!("{} failed", self.shape.name),
                    "Message" => "{% $string($states.input) %}",
                },
            }
        } else {
            obj! {
                "Type" => "Task",
                "Resource" => "arn:aws:states:::sns:publish",
                "Parameters" => obj! {
                    "TopicArn" => topic,
                    "Subject" => format!("{} failed", self.shape.name),
                    "Message.$" => "$.error",
                },
            }
        };
        body.set("Next", Value::Str(next.to_owned()));
        body
    }
}

/// Calls `f` on every state of a definition, in document order, each before its nested states.
pub(crate) fn for_each_state(scope: &mut Value, f: &mut impl FnMut(&mut Value)) {
    let Some(Value::Obj(states)) = scope.get_mut("States") else { return };
    for (_, state) in states.iter_mut() {
        f(state);
        if let Some(Value::Arr(branches)) = state.get_mut("Branches") {
            for branch in branches.iter_mut() {
                for_each_state(branch, f);
            }
        }
        if let Some(processor) = state.get_mut("ItemProcessor") {
            for_each_state(processor, f);
        }
    }
}

/// Changes each state with probability `p` (one small, valid change per state); returns how
/// many states changed. Draws only from `rng`, so the rest of the organization is unaffected.
pub(crate) fn mutate(definition: &mut Value, rng: &mut Rng, p: f64, express: bool) -> usize {
    let mut changed = 0;
    for_each_state(definition, &mut |state| {
        if rng.chance(p) {
            mutate_state(state, rng, express);
            changed += 1;
        }
    });
    changed
}

fn mutate_state(state: &mut Value, rng: &mut Rng, express: bool) {
    let kind = state.get("Type").and_then(Value::as_str).unwrap_or_default().to_owned();
    let revision = rng.range(2, 99);
    match kind.as_str() {
        "Task" => match rng.below(3) {
            0 if retarget(state) => {}
            1 => {
                if let Some(Value::Arr(retriers)) = state.get_mut("Retry") {
                    if let Some(first) = retriers.first_mut() {
                        let attempts = match first.get("MaxAttempts") {
                            Some(Value::Int(n)) => n + 1,
                            _ => 3,
                        };
                        first.set("MaxAttempts", Value::Int(attempts));
                    }
                } else {
                    state.set(
                        "Retry",
                        Value::Arr(vec![obj! { "ErrorEquals" => vec!["States.TaskFailed"], "MaxAttempts" => 2i64 }]),
                    );
                }
            }
            _ => {
                let timeout = match state.get("TimeoutSeconds") {
                    Some(Value::Int(n)) if !express => n + 60,
                    _ if express => 45,
                    _ => 900,
                };
                state.set("TimeoutSeconds", Value::Int(timeout));
            }
        },
        "Wait" if matches!(state.get("Seconds"), Some(Value::Int(_))) => {
            let seconds = if express { 10 } else { 30 * revision as i64 };
            state.set("Seconds", Value::Int(seconds));
        }
        "Map" if matches!(state.get("MaxConcurrency"), Some(Value::Int(_))) => {
            if let Some(Value::Int(n)) = state.get_mut("MaxConcurrency") {
                *n += 1;
            }
        }
        "Fail" => state.set("Cause", Value::Str(format!("Rejected by rule revision {revision}"))),
        _ => state.set("Comment", Value::Str(format!("Revision {revision}"))),
    }
}

/// Points a Task at a different resource of the same kind (a literal name gets a `-v2`
/// suffix), the kind of change that grants new access. False when the target is symbolic.
fn retarget(state: &mut Value) -> bool {
    let params = if state.get("Parameters").is_some() { "Parameters" } else { "Arguments" };
    let Some(args) = state.get_mut(params) else { return false };
    for key in ["FunctionName", "TableName", "TopicArn"] {
        if let Some(Value::Str(target)) = args.get_mut(key)
            && !target.contains("${")
            && !target.ends_with("$LATEST")
        {
            target.push_str("-v2");
            return true;
        }
    }
    false
}
