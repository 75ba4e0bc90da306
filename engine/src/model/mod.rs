//! The fact graph: one normalized, JSON-serializable view of state machines, their states,
//! roles, policies and the organization, with typed edges and the source of every node.
//!
//! The serialized form is a versioned contract (`docs/fact-graph.md`,
//! `docs/fact-graph.schema.json`). Collections are `BTreeMap`s keyed by stable id and lists are
//! sorted before output, so the same inputs always give byte-identical JSON.

mod derived;
mod iam;
mod org;
mod workflow;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use derived::{
    Check, Derived, Grant, MachinePermissions, PermissionDecision, Requirement, RequirementCondition, RoleUsage,
    StatementRef, TaskPermissions,
};
pub use iam::{Policy, PolicyKind, Principal, Role, Statement};
pub use org::{Account, Attachment, OrgUnit, Organization};
pub use workflow::{
    Catcher, Encryption, HttpEndpoint, Integration, IntegrationKind, Logging, MapConfig, Retrier, State, StateMachine,
    Tracing,
};

/// The version of the serialized graph's shape. Bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "1.0";

/// Where a node came from: the file, the JSON pointer inside it and the line.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// The file as the user named it (path relative to the working directory or as given).
    pub file: String,
    /// JSON pointer to the node's value inside the file. For a definition embedded as a string
    /// (`DefinitionString`, describe output, Terraform), the pointer of that string.
    pub pointer: String,
    /// 1-based line of the value (0 when unknown).
    pub line: u32,
}

/// One input file that contributed to the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// The file as the user named it.
    pub file: String,
    /// What stepguard recognized it as (`asl`, `cloudformation`, `terraform-plan`, ...).
    pub kind: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// A typed, directed relation between two nodes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// Id of the source node.
    pub from: String,
    /// Id of the target node (or a literal ARN / symbolic reference when the target is not in
    /// the inputs).
    pub to: String,
    /// The relation.
    pub kind: EdgeKind,
}

/// The kinds of edge in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// State machine → role it runs as.
    ExecutesAs,
    /// State machine → state, or Parallel/Map state → state in its branch or processor.
    Contains,
    /// State → state it transitions to (`Next`, `Default`, Choice targets).
    Next,
    /// State → state a `Catch` sends errors to.
    Catches,
    /// Task state → resource it calls (function, queue, state machine, ...).
    Invokes,
    /// Policy → role, OU, account or root it is attached to.
    AttachedTo,
    /// OU or account → its parent in the organization.
    ChildOf,
    /// Task state → role it assumes through `Credentials`.
    Assumes,
    /// Role → policy that is its permissions boundary.
    BoundedBy,
    /// Role → its trust policy.
    TrustedBy,
    /// IAM user → group it belongs to (`get-account-authorization-details`).
    MemberOf,
}

/// Severity of a structural diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticSeverity {
    /// AWS would reject the definition or the execution would fail.
    Error,
    /// Legal but likely wrong.
    Warning,
}

/// A structural problem found while building the graph (not a policy finding).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Diagnostic {
    /// Stable code, e.g. `ASL_UNKNOWN_NEXT` (see `docs/fact-graph.md`).
    pub code: String,
    /// How bad it is.
    pub severity: DiagnosticSeverity,
    /// What is wrong, in one line.
    pub message: String,
    /// Id of the node it concerns (state machine or state), when there is one.
    pub node: Option<String>,
    /// Where it is.
    pub source: SourceRef,
}

/// A resource named by the inputs that is not itself a workflow, role or policy: a Lambda
/// function, KMS key, log group, queue, alarm... Kept so ARNs and references can be resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Stable id (ARN when known, else `file#LogicalId`).
    pub id: String,
    /// The resource type as the input names it (`AWS::Lambda::Function`, `aws_kms_key`).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Physical name, when the input determines it.
    pub name: Option<serde_json::Value>,
    /// ARN, literal or symbolic (`{"sub": ...}`), when the input determines it.
    pub arn: Option<serde_json::Value>,
    /// Selected properties that policies may need (e.g. a log group's `RetentionInDays`).
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Where it is defined.
    pub source: SourceRef,
}

/// The whole normalized graph.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactGraph {
    /// [`SCHEMA_VERSION`] of this document.
    pub schema_version: String,
    /// Every file that contributed, sorted by name.
    pub sources: Vec<SourceFile>,
    /// State machines by id.
    pub state_machines: BTreeMap<String, StateMachine>,
    /// States of every state machine (nested ones included) by id.
    pub states: BTreeMap<String, State>,
    /// IAM roles by id.
    pub roles: BTreeMap<String, Role>,
    /// Policies of every kind (identity, trust, boundary, resource, SCP, RCP) by id.
    pub policies: BTreeMap<String, Policy>,
    /// Other resources the inputs define (functions, keys, log groups, alarms) by id.
    pub resources: BTreeMap<String, Resource>,
    /// The organization layout, when the inputs describe one.
    pub organization: Organization,
    /// Typed edges, sorted.
    pub edges: Vec<Edge>,
    /// Structural diagnostics, sorted by file, line and code.
    pub diagnostics: Vec<Diagnostic>,
    /// Facts computed from the others (required permissions, decisions), filled after
    /// linking (`docs/fact-graph.md`, section "derived").
    pub derived: Derived,
}

impl Default for FactGraph {
    fn default() -> Self {
        Self {
            schema_version: SCHEMA_VERSION.to_owned(),
            sources: Vec::new(),
            state_machines: BTreeMap::new(),
            states: BTreeMap::new(),
            roles: BTreeMap::new(),
            policies: BTreeMap::new(),
            resources: BTreeMap::new(),
            organization: Organization::default(),
            edges: Vec::new(),
            diagnostics: Vec::new(),
            derived: Derived::default(),
        }
    }
}

impl FactGraph {
    /// Sorts and deduplicates the lists so output is byte-stable.
    pub(crate) fn canonicalize(&mut self) {
        self.sources.sort_by(|a, b| a.file.cmp(&b.file));
        self.sources.dedup_by(|a, b| a.file == b.file);
        self.edges.sort();
        self.edges.dedup();
        self.diagnostics.sort_by(|a, b| {
            (&a.source.file, a.source.line, &a.code, &a.source.pointer, &a.message).cmp(&(
                &b.source.file,
                b.source.line,
                &b.code,
                &b.source.pointer,
                &b.message,
            ))
        });
        self.diagnostics.dedup();
        self.organization.attachments.sort();
        self.organization.attachments.dedup();
    }

    /// Serializes to pretty JSON with a trailing newline.
    ///
    /// ```
    /// let graph = stepguard::FactGraph::default();
    /// let json = graph.to_json_pretty();
    /// assert!(json.starts_with("{\n  \"schema_version\": \"1.0\""));
    /// ```
    pub fn to_json_pretty(&self) -> String {
        // Serializing plain data into a String cannot fail; fall back to an empty object.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned());
        s.push('\n');
        s
    }

    /// Writes pretty JSON with a trailing newline to `out` without building the text in memory
    /// first (a 10,000-machine graph is hundreds of megabytes of JSON).
    pub fn write_json_pretty<W: std::io::Write>(&self, out: W) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        serde_json::to_writer_pretty(&mut out, self).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        out.flush()
    }

    /// Writes compact JSON on one line, with a trailing newline, to `out`.
    pub fn write_json_compact<W: std::io::Write>(&self, out: W) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        serde_json::to_writer(&mut out, self).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        out.flush()
    }

    /// The graph as a `serde_json::Value` (the policy engines' input).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
