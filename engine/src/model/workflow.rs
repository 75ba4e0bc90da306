//! State machines and their states.
//!
//! Values that the inputs leave to deploy time (a CloudFormation `!Ref`, a `!Sub` with pseudo
//! parameters) are kept as symbolic JSON objects — `{"ref": "MyFn"}`,
//! `{"get_att": ["MyFn", "Arn"]}`, `{"sub": "arn:${AWS::Partition}:..."}` — never guessed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SourceRef;

/// A Step Functions state machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StateMachine {
    /// Stable id: the ARN when the input gives it, else `file#LogicalId` (or `file` for a bare
    /// definition).
    pub id: String,
    /// Name, literal or symbolic, when known.
    pub name: Option<Value>,
    /// ARN, literal or symbolic, when known.
    pub arn: Option<Value>,
    /// How the input described it: `asl`, `describe`, `cloudformation`, `sam`,
    /// `terraform-plan`, `terraform-state`, `terraform-hcl`.
    pub origin: String,
    /// Logical id in a template or resource address in Terraform.
    pub logical_id: Option<String>,
    /// `STANDARD` or `EXPRESS` (AWS's default is `STANDARD`).
    #[serde(rename = "type")]
    pub machine_type: String,
    /// Top-level `QueryLanguage`: `JSONPath` (default) or `JSONata`.
    pub query_language: String,
    /// Definition `Comment`.
    pub comment: Option<String>,
    /// `StartAt` of the definition.
    pub start_at: Option<String>,
    /// Top-level `TimeoutSeconds` of the definition.
    pub timeout_seconds: Option<Value>,
    /// Definition `Version`.
    pub version: Option<String>,
    /// Id of the execution role node, when the role is among the inputs.
    pub role: Option<String>,
    /// The role as the input names it: an ARN, or symbolic.
    pub role_arn: Option<Value>,
    /// Logging configuration.
    pub logging: Logging,
    /// X-Ray tracing.
    pub tracing: Tracing,
    /// Encryption at rest.
    pub encryption: Encryption,
    /// Tags, key → value (values may be symbolic).
    pub tags: BTreeMap<String, Value>,
    /// `DefinitionSubstitutions` after resolution.
    pub substitutions: BTreeMap<String, Value>,
    /// Ids of the top-level states in definition order (nested states hang off their parent).
    pub states: Vec<String>,
    /// Whether a definition was found and read.
    pub has_definition: bool,
    /// Where the state machine is declared.
    pub source: SourceRef,
    /// Where its definition is (the same file for a bare definition).
    pub definition_source: Option<SourceRef>,
}

/// `loggingConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    /// `ALL`, `ERROR`, `FATAL` or `OFF`; `None` when not configured (AWS treats that as `OFF`).
    pub level: Option<String>,
    /// `includeExecutionData`.
    pub include_execution_data: Option<bool>,
    /// Log group ARNs (literal or symbolic).
    pub destinations: Vec<Value>,
}

/// `tracingConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tracing {
    /// Whether X-Ray tracing is on (absent means off).
    pub enabled: bool,
}

/// `encryptionConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    /// `AWS_OWNED_KEY` (default) or `CUSTOMER_MANAGED_KMS_KEY`.
    #[serde(rename = "type")]
    pub encryption_type: String,
    /// The key, literal or symbolic.
    pub kms_key_id: Option<Value>,
    /// `KmsDataKeyReusePeriodSeconds`.
    pub kms_data_key_reuse_period_seconds: Option<Value>,
}

impl Default for Encryption {
    fn default() -> Self {
        Self { encryption_type: "AWS_OWNED_KEY".to_owned(), kms_key_id: None, kms_data_key_reuse_period_seconds: None }
    }
}

/// One state of a state machine, nested or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Stable id: `<state machine id>/state/<Name>`.
    pub id: String,
    /// Id of the state machine it belongs to.
    pub state_machine: String,
    /// The state's name.
    pub name: String,
    /// `Task`, `Pass`, `Choice`, `Wait`, `Succeed`, `Fail`, `Parallel` or `Map`.
    #[serde(rename = "type")]
    pub state_type: String,
    /// Id of the Parallel or Map state whose branch or processor contains it.
    pub parent: Option<String>,
    /// Index of the Parallel branch that contains it.
    pub branch: Option<usize>,
    /// Effective query language (the state's own, else the machine's).
    pub query_language: String,
    /// `Comment`.
    pub comment: Option<String>,
    /// `Resource` of a Task (literal or symbolic).
    pub resource: Option<Value>,
    /// What a Task calls, parsed from `Resource`.
    pub integration: Option<Integration>,
    /// `Parameters` (JSONPath) as written, after substitutions.
    pub parameters: Option<Value>,
    /// `Arguments` (JSONata) as written, after substitutions.
    pub arguments: Option<Value>,
    /// `TimeoutSeconds` (a number, or a JSONata expression string).
    pub timeout_seconds: Option<Value>,
    /// `TimeoutSecondsPath`.
    pub timeout_seconds_path: Option<String>,
    /// `HeartbeatSeconds` (a number, or a JSONata expression string).
    pub heartbeat_seconds: Option<Value>,
    /// `HeartbeatSecondsPath`.
    pub heartbeat_seconds_path: Option<String>,
    /// `Retry` rules.
    pub retry: Vec<Retrier>,
    /// `Catch` rules.
    pub catch: Vec<Catcher>,
    /// `Next`.
    pub next: Option<String>,
    /// `End`.
    pub end: bool,
    /// Choice `Default`.
    pub default: Option<String>,
    /// Choice rule targets, in order.
    pub choices: Vec<String>,
    /// Task `Credentials` (e.g. `{"RoleArn": ...}`).
    pub credentials: Option<Value>,
    /// Map configuration.
    pub map: Option<MapConfig>,
    /// HTTP endpoint of an HTTP Task or API Gateway Task.
    pub http: Option<HttpEndpoint>,
    /// `InputPath`, `OutputPath`, `ResultPath`, `ResultSelector`, `Output`, `Assign`: kept so
    /// data-flow rules can see what a state passes on.
    pub io: BTreeMap<String, Value>,
    /// Pointer of the state inside its definition (e.g. `/States/Fetch`).
    pub definition_pointer: String,
    /// Where the state is.
    pub source: SourceRef,
}

/// What a Task state calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// The family of integration.
    pub kind: IntegrationKind,
    /// Service name as written in the resource (`lambda`, `dynamodb`, `sfn` for SDK calls...).
    pub service: Option<String>,
    /// API name as written (`invoke`, `putItem`, `startExecution`...).
    pub api: Option<String>,
    /// `request_response`, `sync`, `sync2` or `wait_for_task_token`.
    pub pattern: String,
}

/// The families of Task integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationKind {
    /// `arn:aws:states:::SERVICE:API[.pattern]`.
    Optimized,
    /// `arn:aws:states:::aws-sdk:SERVICE:API`.
    Sdk,
    /// `arn:aws:states:::http:invoke`.
    Http,
    /// A Lambda function ARN used directly as the resource.
    LambdaArn,
    /// `arn:aws:states:REGION:ACCOUNT:activity:NAME`.
    Activity,
    /// The resource is symbolic or a JSONata expression: not known until deploy or run time.
    Dynamic,
    /// A resource string stepguard does not recognize.
    Unknown,
}

/// One `Retry` rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `IntervalSeconds` (AWS default 1).
    pub interval_seconds: Option<Value>,
    /// `MaxAttempts` (AWS default 3).
    pub max_attempts: Option<Value>,
    /// `BackoffRate` (AWS default 2.0).
    pub backoff_rate: Option<Value>,
    /// `MaxDelaySeconds`.
    pub max_delay_seconds: Option<Value>,
    /// `JitterStrategy` (`FULL` or `NONE`).
    pub jitter_strategy: Option<String>,
}

/// One `Catch` rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `Next`.
    pub next: Option<String>,
    /// `ResultPath`.
    pub result_path: Option<Value>,
}

/// Map state configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MapConfig {
    /// `INLINE` (default) or `DISTRIBUTED`.
    pub mode: String,
    /// For distributed maps: `STANDARD` or `EXPRESS` child executions.
    pub execution_type: Option<String>,
    /// `MaxConcurrency` (0 or absent means unbounded).
    pub max_concurrency: Option<Value>,
    /// `MaxConcurrencyPath`.
    pub max_concurrency_path: Option<String>,
    /// `ItemsPath` (JSONPath) or `Items` (JSONata).
    pub items: Option<Value>,
    /// `ItemReader`.
    pub item_reader: Option<Value>,
    /// `ResultWriter`.
    pub result_writer: Option<Value>,
    /// `ItemBatcher`.
    pub item_batcher: Option<Value>,
    /// `ToleratedFailurePercentage`.
    pub tolerated_failure_percentage: Option<Value>,
    /// `ToleratedFailureCount`.
    pub tolerated_failure_count: Option<Value>,
    /// `Label`.
    pub label: Option<String>,
    /// Name of the first state of the processor (or iterator).
    pub start_at: Option<String>,
}

/// An HTTP endpoint a Task calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpEndpoint {
    /// The URL (literal, symbolic, or a path/expression when dynamic).
    pub endpoint: Option<Value>,
    /// HTTP method.
    pub method: Option<Value>,
    /// True when the endpoint comes from state input (`.$` path or JSONata expression).
    pub dynamic: bool,
    /// EventBridge connection ARN (HTTP Task) or `AuthType` (API Gateway).
    pub authentication: Option<Value>,
}

impl StateMachine {
    /// A state machine with AWS's defaults and no definition yet.
    pub(crate) fn new(id: impl Into<String>, origin: &str, source: SourceRef) -> Self {
        Self {
            id: id.into(),
            name: None,
            arn: None,
            origin: origin.to_owned(),
            logical_id: None,
            machine_type: "STANDARD".to_owned(),
            query_language: "JSONPath".to_owned(),
            comment: None,
            start_at: None,
            timeout_seconds: None,
            version: None,
            role: None,
            role_arn: None,
            logging: Logging::default(),
            tracing: Tracing::default(),
            encryption: Encryption::default(),
            tags: BTreeMap::new(),
            substitutions: BTreeMap::new(),
            states: Vec::new(),
            has_definition: false,
            source,
            definition_source: None,
        }
    }
}
