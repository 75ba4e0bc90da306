//! IAM roles and policies, normalized.
//!
//! Statements always hold arrays (`"Action": "s3:GetObject"` becomes `["s3:GetObject"]`) and
//! principals are a map from principal type to values, so policies can be queried without
//! caring how the author wrote them. The original document is kept beside the normalized one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SourceRef;

/// The role a policy plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// An inline policy embedded in a role, user or group.
    Inline,
    /// A customer- or AWS-managed policy.
    Managed,
    /// A role's trust (assume-role) policy.
    Trust,
    /// A permissions boundary.
    Boundary,
    /// A resource-based policy (function, queue, key, bucket...).
    Resource,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
    /// A policy document of unknown attachment (a bare file).
    Identity,
}

/// A principal element: `"*"` is `{"AWS": ["*"]}`; other forms map type → values.
pub type Principal = BTreeMap<String, Vec<Value>>;

/// One normalized statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// `Sid`, when given.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// `Action` (empty when `NotAction` is used).
    pub action: Vec<Value>,
    /// `NotAction`.
    pub not_action: Vec<Value>,
    /// `Resource` (empty when `NotResource` is used; absent in trust policies).
    pub resource: Vec<Value>,
    /// `NotResource`.
    pub not_resource: Vec<Value>,
    /// `Principal`.
    pub principal: Option<Principal>,
    /// `NotPrincipal`.
    pub not_principal: Option<Principal>,
    /// `Condition`: operator → key → values (always arrays).
    pub condition: BTreeMap<String, BTreeMap<String, Vec<Value>>>,
    /// Where the statement is.
    pub source: SourceRef,
}

/// A policy document with its role and attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Stable id (policy ARN when known, else `file#LogicalId[/name]`).
    pub id: String,
    /// What the policy is for.
    pub kind: PolicyKind,
    /// Policy name, when known.
    pub name: Option<Value>,
    /// Policy ARN, when known.
    pub arn: Option<Value>,
    /// `Version` of the document.
    pub version: Option<String>,
    /// Normalized statements in document order.
    pub statements: Vec<Statement>,
    /// The document as written (after template resolution).
    pub document: Value,
    /// Ids of the roles, OUs, accounts or root it is attached to.
    pub attached_to: Vec<String>,
    /// Where the policy is.
    pub source: SourceRef,
}

/// An IAM role (or, for `get-account-authorization-details`, a user or group principal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Stable id (role ARN when known, else `file#LogicalId`).
    pub id: String,
    /// `role`, `user` or `group`.
    pub principal_type: String,
    /// Role name, literal or symbolic.
    pub name: Option<Value>,
    /// Role ARN, literal or symbolic.
    pub arn: Option<Value>,
    /// Account id when the ARN gives it.
    pub account: Option<String>,
    /// Role `Path`.
    pub path: Option<String>,
    /// Id of the trust policy.
    pub trust_policy: Option<String>,
    /// Ids of inline policies.
    pub inline_policies: Vec<String>,
    /// Ids (or ARNs, when the policy is not among the inputs) of attached managed policies.
    pub managed_policies: Vec<String>,
    /// Id (or ARN) of the permissions boundary.
    pub permissions_boundary: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, Value>,
    /// Where the role is defined.
    pub source: SourceRef,
}
