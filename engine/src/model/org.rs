//! The AWS Organizations layout: root → OUs → accounts, and which SCPs and RCPs are attached
//! where. SCP evaluation walks this from the root down to an account.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SourceRef;

/// The organization tree and policy attachments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Root id (`r-xxxx`), when a layout is among the inputs.
    pub root: Option<String>,
    /// Management account id, when known (SCPs do not apply to it).
    pub management_account: Option<String>,
    /// Organizational units by id.
    pub ous: BTreeMap<String, OrgUnit>,
    /// Accounts by id.
    pub accounts: BTreeMap<String, Account>,
    /// Which policy is attached to which target (root, OU or account id), sorted.
    pub attachments: Vec<Attachment>,
}

/// An organizational unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgUnit {
    /// `ou-xxxx-yyyyyyyy`.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Parent id (the root or another OU).
    pub parent: String,
    /// Where it is described.
    pub source: SourceRef,
}

/// A member account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// 12-digit account id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Parent id (the root or an OU).
    pub parent: String,
    /// Where it is described.
    pub source: SourceRef,
}

/// A policy attached to a target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Policy id (in `policies`) or policy id as AWS names it (`p-xxxx`) when not among the
    /// inputs.
    pub policy: String,
    /// Root, OU or account id.
    pub target: String,
}
