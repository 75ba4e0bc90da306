//! The outcome of evaluating one request, with what decided it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::SourceRef;

/// The three possible outcomes, as AWS names them.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessDecisionKind {
    /// Some policy allows the request and every guardrail lets it through.
    Allow,
    /// Nothing allows it (or a required policy type, such as an SCP level, has no allow).
    ImplicitDeny,
    /// An applicable `Deny` statement forbids it.
    ExplicitDeny,
}

impl AccessDecisionKind {
    /// `allow`, `implicit_deny` or `explicit_deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessDecisionKind::Allow => "allow",
            AccessDecisionKind::ImplicitDeny => "implicit_deny",
            AccessDecisionKind::ExplicitDeny => "explicit_deny",
        }
    }
}

impl fmt::Display for AccessDecisionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The policy type a statement was evaluated as.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum PolicySource {
    /// An identity policy (inline or managed) of the principal.
    Identity,
    /// The principal's permissions boundary.
    PermissionsBoundary,
    /// A session policy passed when the session was created.
    SessionPolicy,
    /// A service control policy attached at `level` of the chain (0 is the root).
    Scp {
        /// Index in the chain, root first.
        level: usize,
    },
    /// A resource control policy attached at `level` of the chain (0 is the root).
    Rcp {
        /// Index in the chain, root first.
        level: usize,
    },
    /// The resource's own policy (bucket policy, key policy, trust policy...).
    ResourcePolicy,
}

/// `Allow` or `Deny`.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Forbids.
    Deny,
}

/// A statement that contributed to a decision: where it is and what it is.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidingStatement {
    pub(crate) policy_id: String,
    pub(crate) index: usize,
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) source: PolicySource,
    pub(crate) location: SourceRef,
}

impl DecidingStatement {
    /// Id of the policy (as in the fact graph).
    pub fn policy_id(&self) -> &str {
        &self.policy_id
    }
    /// 0-based index of the statement in its policy.
    pub fn index(&self) -> usize {
        self.index
    }
    /// The statement's `Sid`, when it has one.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }
    /// `Allow` or `Deny`.
    pub fn effect(&self) -> Effect {
        self.effect
    }
    /// The policy type it was evaluated as.
    pub fn source(&self) -> PolicySource {
        self.source
    }
    /// File, JSON pointer and line of the statement.
    pub fn location(&self) -> &SourceRef {
        &self.location
    }
}

impl fmt::Display for DecidingStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.policy_id, self.index)?;
        if let Some(sid) = &self.sid {
            write!(f, " ({sid})")?;
        }
        Ok(())
    }
}

/// A policy type whose missing `Allow` caused an implicit deny.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocker {
    /// A level of the SCP chain has no applicable `Allow` (see [`AccessDecision::blocking_scp_level`]).
    Scp,
    /// No identity policy allows, and no resource policy grants on its own.
    IdentityPolicy,
    /// The permissions boundary does not allow.
    PermissionsBoundary,
    /// The session policy does not allow.
    SessionPolicy,
    /// The resource policy does not allow, and this request needs it to (cross-account
    /// access, KMS keys, role trust).
    ResourcePolicy,
}

const BLOCKERS: [Blocker; 5] = [
    Blocker::Scp,
    Blocker::IdentityPolicy,
    Blocker::PermissionsBoundary,
    Blocker::SessionPolicy,
    Blocker::ResourcePolicy,
];

impl Blocker {
    fn bit(self) -> u8 {
        match self {
            Blocker::Scp => 1,
            Blocker::IdentityPolicy => 2,
            Blocker::PermissionsBoundary => 4,
            Blocker::SessionPolicy => 8,
            Blocker::ResourcePolicy => 16,
        }
    }
}

/// Most statements a decision records; more are counted but not kept, so that evaluating
/// never allocates.
pub(crate) const MAX_DECIDING: usize = 12;

/// The level of an SCP chain that blocked a request.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScpLevel<'e> {
    /// Index in the chain, root first.
    pub index: usize,
    /// The root, OU or account id the level was given as.
    pub target: &'e str,
}

/// The result of [`Evaluator::evaluate`](super::Evaluator::evaluate).
///
/// - `explicit_deny`: [`AccessDecision::statements`] lists the applicable `Deny` statements.
/// - `allow`: it lists the statements that granted: the identity or resource statement, the
///   boundary and session statements, and one `Allow` per SCP level.
/// - `implicit_deny`: [`AccessDecision::blockers`] says which policy types lacked an `Allow`, and
///   [`AccessDecision::blocking_scp_level`] which SCP level.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessDecision<'e> {
    kind: AccessDecisionKind,
    statements: [Option<&'e DecidingStatement>; MAX_DECIDING],
    total: usize,
    blockers: u8,
    scp_level: Option<ScpLevel<'e>>,
    symbolic: bool,
}

impl<'e> AccessDecision<'e> {
    pub(crate) fn new(kind: AccessDecisionKind) -> Self {
        AccessDecision {
            kind,
            statements: [None; MAX_DECIDING],
            total: 0,
            blockers: 0,
            scp_level: None,
            symbolic: false,
        }
    }

    pub(crate) fn push(&mut self, statement: &'e DecidingStatement) {
        if let Some(slot) = self.statements.get_mut(self.total) {
            *slot = Some(statement);
        }
        self.total += 1;
    }

    pub(crate) fn block(&mut self, blocker: Blocker) {
        self.blockers |= blocker.bit();
    }

    pub(crate) fn set_scp_level(&mut self, level: ScpLevel<'e>) {
        self.scp_level = Some(level);
    }

    pub(crate) fn set_symbolic(&mut self, symbolic: bool) {
        self.symbolic = symbolic;
    }

    /// Allow, implicit deny or explicit deny.
    pub fn kind(&self) -> AccessDecisionKind {
        self.kind
    }

    /// True for [`AccessDecisionKind::Allow`].
    pub fn is_allowed(&self) -> bool {
        self.kind == AccessDecisionKind::Allow
    }

    /// The statements that decided (see the type's documentation), in evaluation order:
    /// SCPs root first, RCPs, identity, boundary, session, resource policy.
    pub fn statements(&self) -> impl Iterator<Item = &'e DecidingStatement> + '_ {
        self.statements.iter().flatten().copied()
    }

    /// How many statements decided, including any beyond the recorded twelve.
    pub fn statement_count(&self) -> usize {
        self.total
    }

    /// For an implicit deny, the policy types that lacked an `Allow`.
    pub fn blockers(&self) -> impl Iterator<Item = Blocker> + '_ {
        BLOCKERS.into_iter().filter(|b| self.blockers & b.bit() != 0)
    }

    /// The SCP level that blocked: for an implicit deny, the first level without an
    /// applicable `Allow`; for an explicit deny by an SCP, the level of the first such deny.
    pub fn blocking_scp_level(&self) -> Option<ScpLevel<'e>> {
        self.scp_level
    }

    /// True when a statement holding a symbolic value (a template value known only at
    /// deploy time) was relevant to the request: the decision assumes that value equals
    /// nothing in the request, so it may change once the value is known.
    pub fn depends_on_symbolic(&self) -> bool {
        self.symbolic
    }
}

impl fmt::Display for AccessDecision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        let mut first = true;
        for s in self.statements() {
            f.write_str(if first { " by " } else { ", " })?;
            first = false;
            write!(f, "{s}")?;
        }
        let blockers: Vec<&str> = self
            .blockers()
            .map(|b| match b {
                Blocker::Scp => "scp",
                Blocker::IdentityPolicy => "identity",
                Blocker::PermissionsBoundary => "boundary",
                Blocker::SessionPolicy => "session",
                Blocker::ResourcePolicy => "resource",
            })
            .collect();
        if !blockers.is_empty() {
            write!(f, " (no allow in: {})", blockers.join(", "))?;
        }
        if let Some(level) = self.scp_level {
            write!(f, " at scp level {} `{}`", level.index, level.target)?;
        }
        Ok(())
    }
}
