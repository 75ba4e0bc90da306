//! Facts computed from the rest of the graph after linking: what each workflow needs of its
//! role, whether the role's policies and the organization's SCPs allow it, and which grants of
//! each role no workflow needs. Rego and Cedar policies read these directly
//! (`docs/fact-graph.md`, section "derived").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `derived` section of the graph.
// CAUTION: publicly exported
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    /// Per Task state (and distributed Map state), by state id: what it needs and the decisions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tasks: BTreeMap<String, TaskPermissions>,
    /// Per state machine, by id: what its own configuration needs (logging, X-Ray, KMS key).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub state_machines: BTreeMap<String, MachinePermissions>,
    /// Per role, by id: which workflows use it, and grants they do not need.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub roles: BTreeMap<String, RoleUsage>,
}

impl Derived {
    /// True when nothing was derived.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty() && self.state_machines.is_empty() && self.roles.is_empty()
    }
}

/// What one state needs and whether it is allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPermissions {
    /// Id of the state machine it belongs to.
    pub state_machine: String,
    /// The role its integration calls run as: the execution role, or the role in
    /// `Credentials` (role id when among the inputs, else its ARN).
    pub principal: Option<String>,
    /// True when the calls run as the role named in `Credentials`.
    pub via_credentials: bool,
    /// Every (action, resource) it needs, sorted.
    pub requirements: Vec<Requirement>,
    /// Remarks: why nothing is needed (activities, Kubernetes calls), what is assumed.
    pub notes: Vec<String>,
}

/// What a state machine's own configuration needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MachinePermissions {
    /// Id of the execution role, when among the inputs.
    pub role: Option<String>,
    /// Partition used to build ARNs (`{Partition}` when unknown).
    pub partition: String,
    /// Region used to build ARNs (`{Region}` when unknown).
    pub region: String,
    /// Account used to build ARNs and to place it in the organization (`{Account}` when
    /// unknown).
    pub account: String,
    /// Every (action, resource) its configuration needs, sorted.
    pub requirements: Vec<Requirement>,
    /// Remarks.
    pub notes: Vec<String>,
}

/// One (action, resource) a workflow needs, with the decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// `service:Action`, capitalized as AWS does when the action is in the catalogue.
    pub action: String,
    /// The ARN (with `{Region}`-style placeholders for unknown parts and `*` for parts decided
    /// at run time), or `*`.
    pub resource: String,
    /// True when the target is not known from the definition: taken from state input, or
    /// decided at run time.
    pub dynamic: bool,
    /// True when the action supports no resource type (only `*` can grant it).
    pub wildcard_only: bool,
    /// True when the action is in the IAM action catalogue.
    pub known_action: bool,
    /// The action's access level (`list`, `read`, `write`, `tagging`,
    /// `permissions_management`), when known.
    pub access_level: Option<String>,
    /// What it is for: `call`, `poll`, `events`, `pass_role`, `data`, `assume_role`,
    /// `child_execution`, `item_reader`, `result_writer`, `http`, `logging`, `tracing`,
    /// `encryption`.
    pub kind: String,
    /// Why it is needed, and why the resource is what it is.
    pub reason: String,
    /// Condition keys the request carries (and a least-privilege policy should state).
    /// Omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<RequirementCondition>,
    /// The decision of the principal's own policies (identity ∩ boundary).
    pub role: Check,
    /// The decision of the SCP chain of the principal's account.
    pub scp: Check,
    /// The combined decision: explicit deny if either denies explicitly, else implicit deny if
    /// either denies, else allow when the role allows (an SCP chain that cannot be evaluated
    /// counts as allowing; see `scp.decision`), else unknown.
    pub decision: PermissionDecision,
}

/// A condition of a requirement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementCondition {
    /// Operator for a policy (`StringEquals`, `StringLike`).
    pub operator: String,
    /// Context key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// The result of checking one requirement against one kind of policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// The decision.
    pub decision: PermissionDecision,
    /// The statements that decided (allowing statements for `allow`, denying ones for
    /// `explicit_deny`). Omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<StatementRef>,
    /// For `implicit_deny`: the policy types that lacked an allow (`identity`, `boundary`,
    /// `scp`). Omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<String>,
    /// For an SCP check that denies: the root, OU or account whose level blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Index of that level in the chain (0 is the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_index: Option<usize>,
    /// True when a value known only at deploy time was relevant, so the decision may change.
    /// Omitted when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub depends_on_symbolic: bool,
    /// Why the decision is `unknown`, or what was assumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Check {
    /// A check that could not be made, with the reason.
    pub(crate) fn unknown(note: impl Into<String>) -> Check {
        Check {
            decision: PermissionDecision::Unknown,
            statements: Vec::new(),
            blockers: Vec::new(),
            level: None,
            level_index: None,
            depends_on_symbolic: false,
            note: Some(note.into()),
        }
    }
}

/// A statement of a policy in the graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementRef {
    /// Policy id (in `policies`).
    pub policy: String,
    /// 0-based index of the statement.
    pub statement: usize,
    /// Its `Sid`.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
}

/// A decision as derived facts give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PermissionDecision {
    /// Allowed.
    Allow,
    /// Nothing allows it.
    ImplicitDeny,
    /// A `Deny` statement forbids it.
    ExplicitDeny,
    /// Could not be decided (the role or the account is not among the inputs).
    Unknown,
}

/// How workflows use a role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleUsage {
    /// State machines that run as it.
    pub state_machines: Vec<String>,
    /// States whose `Credentials` name it.
    pub assumed_by: Vec<String>,
    /// Action entries of its `Allow` statements that no requirement of those workflows needs.
    pub unused_grants: Vec<Grant>,
    /// `Allow` statements with a `*` resource whose needed targets are all static: the
    /// statement could name them instead.
    pub wildcard_grants: Vec<Grant>,
}

/// A grant of a role's policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Policy id.
    pub policy: String,
    /// 0-based statement index.
    pub statement: usize,
    /// Its `Sid`.
    pub sid: Option<String>,
    /// For an unused grant: the unused `Action` entries (`NotAction` statements: `*`). For a
    /// wildcard grant: the needed actions it grants.
    pub actions: Vec<String>,
    /// For an unused grant: the statement's resources. For a wildcard grant: the static
    /// resources the needed actions use, which could replace `*`.
    pub resources: Vec<String>,
}
