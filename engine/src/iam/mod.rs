//! IAM policy evaluation: does AWS allow this request, and which statements decide it?
//!
//! An [`Evaluator`] holds the policies that bear on one principal (identity policies,
//! permissions boundary, session policy, the SCP chain of its account) and, optionally, on
//! one resource (its resource policy, the RCP chain of its account). Building it compiles
//! every statement into matcher structures once; [`Evaluator::evaluate`] then decides a
//! [`AccessRequest`] without allocating.
//!
//! The decision follows AWS's documented evaluation logic (see `docs/iam-evaluation.md`):
//! 1. any applicable `Deny` in any policy type → explicit deny;
//! 2. every SCP level (root → OUs → account) needs an applicable `Allow`, unless the principal
//!    is in the management account or is a service-linked role; RCPs are deny-only
//!    (`RCPFullAWSAccess` is attached everywhere and cannot be detached);
//! 3. same account: a resource policy naming the principal (or its session) grants on its
//!    own; naming the role behind a session (or the user behind a federated session) grants
//!    within the boundary and session policy; otherwise identity ∩ boundary ∩ session;
//! 4. cross-account: both the principal's side (identity ∩ boundary ∩ session) and the
//!    resource policy must allow.

mod arn;
mod catalogue;
mod compile;
mod condition;
mod decision;
mod pattern;
mod request;

use std::collections::BTreeMap;

pub(crate) use catalogue::glob_match_ignore_case;
pub use catalogue::{AccessLevel, ActionCatalogue, ActionInfo, ResourceType, action_catalogue};
pub use decision::{AccessDecision, AccessDecisionKind, Blocker, DecidingStatement, Effect, PolicySource, ScpLevel};
pub use request::{AccessRequest, AccessRequestError};

use compile::{CheckContext, CompiledStatement, PrincipalMatch, PrincipalMode, compile_policy};
use request::Caller;

use crate::doc::Limits;
use crate::error::{Error, InputError};
use crate::ingest::policy_doc::read_policy;
use crate::ingest::{ReadContext, parse_text};
use crate::model::{Policy, PolicyKind};

/// Reads one policy document (JSON or YAML text) into a normalized [`Policy`] with id
/// `name`, the same way the ingest readers do.
///
/// ```
/// let policy = stepguard::parse_policy(
///     "inline.json",
///     stepguard::PolicyKind::Inline,
///     r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
/// )?;
/// assert_eq!(policy.statements.len(), 1);
/// # Ok::<(), stepguard::Error>(())
/// ```
pub fn parse_policy(name: &str, kind: PolicyKind, text: &str) -> Result<Policy, Error> {
    let limits = Limits::default();
    let node = parse_text(name, text, &limits).map_err(|e| Error::Input(vec![e]))?;
    let documents = BTreeMap::new();
    let ctx = ReadContext::new(name, &limits, &documents, None);
    read_policy(&ctx, &node, "", name.to_owned(), kind).map_err(|e| Error::Input(vec![e]))
}

/// One level of an SCP or RCP chain: the policies attached to a root, OU or account.
#[derive(Debug, Clone)]
struct Level {
    target: String,
    statements: Vec<CompiledStatement>,
}

/// Compiled policies for one principal (and optionally one resource), ready to evaluate
/// requests.
///
/// ```
/// use stepguard::{parse_policy, Evaluator, PolicyKind, AccessRequest, AccessDecisionKind};
/// let role = parse_policy("role.json", PolicyKind::Inline,
///     r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "lambda:Invoke*", "Resource": "*"}}"#)?;
/// let scp = parse_policy("scp.json", PolicyKind::Scp,
///     r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
///        {"Effect": "Deny", "Action": "*", "Resource": "*",
///         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}"#)?;
/// let evaluator = Evaluator::builder().identity_policy(&role).scp_level("r-root", &[&scp]).build()?;
/// let request = AccessRequest::new("arn:aws:sts::111122223333:assumed-role/exec/s", "lambda:InvokeFunction")?
///     .with_resource("arn:aws:lambda:us-east-1:111122223333:function:f")?;
/// // The region key is absent: `StringNotEquals` holds and the SCP denies.
/// assert_eq!(evaluator.evaluate(&request).kind(), AccessDecisionKind::ExplicitDeny);
/// let request = request.with_context("aws:RequestedRegion", "eu-west-1");
/// assert_eq!(evaluator.evaluate(&request).kind(), AccessDecisionKind::Allow);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
// CAUTION: publicly exported
#[derive(Debug, Clone, Default)]
pub struct Evaluator {
    identity: Vec<CompiledStatement>,
    boundary: Option<Vec<CompiledStatement>>,
    session: Option<Vec<CompiledStatement>>,
    scps: Vec<Level>,
    rcps: Vec<Level>,
    resource: Option<Vec<CompiledStatement>>,
    management_account: Option<String>,
}

/// Collects policies by the role they play; [`EvaluatorBuilder::build`] reports every
/// statement that cannot be compiled.
// CAUTION: publicly exported
#[derive(Debug, Clone, Default)]
pub struct EvaluatorBuilder {
    evaluator: Evaluator,
    errors: Vec<InputError>,
}

impl EvaluatorBuilder {
    fn compile(&mut self, policy: &Policy, source: PolicySource) -> Vec<CompiledStatement> {
        compile_policy(policy, source).unwrap_or_else(|errors| {
            self.errors.extend(errors);
            Vec::new()
        })
    }

    /// Adds an identity policy (inline or managed) of the principal.
    pub fn identity_policy(mut self, policy: &Policy) -> Self {
        let statements = self.compile(policy, PolicySource::Identity);
        self.evaluator.identity.extend(statements);
        self
    }

    /// Sets (or adds to) the principal's permissions boundary.
    pub fn permissions_boundary(mut self, policy: &Policy) -> Self {
        let statements = self.compile(policy, PolicySource::PermissionsBoundary);
        self.evaluator.boundary.get_or_insert_with(Vec::new).extend(statements);
        self
    }

    /// Sets (or adds to) the session policy of a role or federated-user session.
    pub fn session_policy(mut self, policy: &Policy) -> Self {
        let statements = self.compile(policy, PolicySource::SessionPolicy);
        self.evaluator.session.get_or_insert_with(Vec::new).extend(statements);
        self
    }

    /// Appends an SCP level (call root first, then each OU, then the account) with the
    /// policies attached to `target`. A level with no policies blocks everything, as in AWS.
    pub fn scp_level(mut self, target: &str, policies: &[&Policy]) -> Self {
        let level = self.evaluator.scps.len();
        let mut statements = Vec::new();
        for policy in policies {
            statements.extend(self.compile(policy, PolicySource::Scp { level }));
        }
        self.evaluator.scps.push(Level { target: target.to_owned(), statements });
        self
    }

    /// Appends an RCP level of the resource's account, root first. Only `Deny` statements
    /// matter: `RCPFullAWSAccess` is implied at every level.
    pub fn rcp_level(mut self, target: &str, policies: &[&Policy]) -> Self {
        let level = self.evaluator.rcps.len();
        let mut statements = Vec::new();
        for policy in policies {
            statements.extend(self.compile(policy, PolicySource::Rcp { level }));
        }
        self.evaluator.rcps.push(Level { target: target.to_owned(), statements });
        self
    }

    /// Sets (or adds to) the resource's policy: a bucket, queue or key policy, a Lambda
    /// function policy, or a role's trust policy for `sts:AssumeRole*`.
    pub fn resource_policy(mut self, policy: &Policy) -> Self {
        let statements = self.compile(policy, PolicySource::ResourcePolicy);
        self.evaluator.resource.get_or_insert_with(Vec::new).extend(statements);
        self
    }

    /// The organization's management account: SCPs do not apply to its principals, nor
    /// RCPs to its resources.
    pub fn management_account(mut self, account: &str) -> Self {
        self.evaluator.management_account = Some(account.to_owned());
        self
    }

    /// The evaluator, or every statement that could not be compiled.
    pub fn build(self) -> Result<Evaluator, Error> {
        if self.errors.is_empty() {
            Ok(self.evaluator)
        } else {
            let mut errors = self.errors;
            errors.sort();
            errors.dedup();
            Err(Error::Input(errors))
        }
    }
}

/// Which path granted an allowed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// A resource policy naming the principal itself (or `*`).
    ResourceDirect,
    /// A resource policy naming the session's role or the federated session's user.
    ResourceLimited,
    /// Identity policies (same account, no resource trust needed).
    Identity,
    /// Identity policies plus a resource policy trusting the account or the principal.
    IdentityAndResource,
}

impl Evaluator {
    /// A builder to give each policy its role.
    pub fn builder() -> EvaluatorBuilder {
        EvaluatorBuilder::default()
    }

    /// An evaluator from policies routed by [`PolicyKind`]: inline, managed and identity
    /// policies are identity policies, `boundary` the permissions boundary, `resource` and
    /// `trust` the resource policy; each `scp` (and `rcp`) is one level of its chain, in the
    /// order given (root first), named by its first attachment. Use [`Evaluator::builder`]
    /// to attach several policies to one level or to give a session policy.
    pub fn new(policies: &[&Policy]) -> Result<Evaluator, Error> {
        let mut builder = Evaluator::builder();
        for policy in policies {
            let target = policy.attached_to.first().unwrap_or(&policy.id).clone();
            builder = match policy.kind {
                PolicyKind::Inline | PolicyKind::Managed | PolicyKind::Identity => builder.identity_policy(policy),
                PolicyKind::Boundary => builder.permissions_boundary(policy),
                PolicyKind::Resource | PolicyKind::Trust => builder.resource_policy(policy),
                PolicyKind::Scp => builder.scp_level(&target, &[policy]),
                PolicyKind::Rcp => builder.rcp_level(&target, &[policy]),
            };
        }
        builder.build()
    }

    /// Decides `request`. Never allocates.
    pub fn evaluate(&self, request: &AccessRequest) -> AccessDecision<'_> {
        let principal = &request.principal;
        // AWS: sts:GetCallerIdentity needs no permission and cannot be denied.
        if principal.is_iam() && request.service == "sts" && request.action_name == "getcalleridentity" {
            return AccessDecision::new(AccessDecisionKind::Allow);
        }
        let has_boundary = self.boundary.is_some();
        let plain = CheckContext { mode: PrincipalMode::Ignore, has_boundary };
        let mut symbolic = false;
        let mut denied = AccessDecision::new(AccessDecisionKind::ExplicitDeny);
        let mut allowed = AccessDecision::new(AccessDecisionKind::Allow);
        let management = self.management_account.as_deref();

        // SCPs: every level needs an allow; a deny at any level denies.
        let mut scp_gap = None;
        let mut scp_deny_level = None;
        let scps_apply =
            principal.is_iam() && !principal.is_service_linked() && management != Some(principal.account.as_str());
        if scps_apply {
            for (i, level) in self.scps.iter().enumerate() {
                let before = denied.statement_count();
                let allow = scan(&level.statements, request, plain, &mut symbolic, &mut denied);
                if denied.statement_count() > before && scp_deny_level.is_none() {
                    scp_deny_level = Some(i);
                }
                match allow {
                    Some((s, _)) => allowed.push(s),
                    None if scp_gap.is_none() => scp_gap = Some(i),
                    None => {}
                }
            }
        }

        // RCPs: deny-only, for resources outside the management account.
        let rcps_apply = !principal.is_service_linked() && management != Some(request.resource_account());
        if rcps_apply {
            let rcp = CheckContext { mode: PrincipalMode::Rcp, has_boundary };
            for level in &self.rcps {
                scan(&level.statements, request, rcp, &mut symbolic, &mut denied);
            }
        }

        // The principal's own policies apply only to IAM principals.
        let (identity, boundary, session) = if principal.is_iam() {
            let identity = scan(&self.identity, request, plain, &mut symbolic, &mut denied).map(|(s, _)| s);
            let boundary = self.boundary.as_ref().map(|b| scan(b, request, plain, &mut symbolic, &mut denied));
            let session = self.session.as_ref().map(|b| scan(b, request, plain, &mut symbolic, &mut denied));
            (identity, boundary.map(|o| o.map(|(s, _)| s)), session.map(|o| o.map(|(s, _)| s)))
        } else {
            (None, None, None)
        };

        // The resource policy: the first allow of each principal-match strength.
        let (mut direct, mut limited, mut account) = (None, None, None);
        if let Some(statements) = &self.resource {
            let cx = CheckContext { mode: PrincipalMode::Resource, has_boundary };
            for s in statements {
                match s.check(request, cx, &mut symbolic) {
                    None | Some(PrincipalMatch::None) => {}
                    Some(_) if s.deny => denied.push(&s.meta),
                    Some(PrincipalMatch::Direct) => {
                        direct.get_or_insert(&s.meta);
                    }
                    Some(PrincipalMatch::Limited) => {
                        limited.get_or_insert(&s.meta);
                    }
                    Some(PrincipalMatch::Account) => {
                        account.get_or_insert(&s.meta);
                    }
                }
            }
        }

        if denied.statement_count() > 0 {
            if let Some(index) = scp_deny_level {
                denied.set_scp_level(self.scp_level(index));
            }
            denied.set_symbolic(symbolic);
            return denied;
        }

        let boundary_ok = boundary.is_none_or(|a| a.is_some());
        let session_ok = session.is_none_or(|a| a.is_some());
        let guards_ok = boundary_ok && session_ok;
        // The root user has full access within its account.
        let identity_ok = identity.is_some() || principal.caller == Caller::Root;
        let same_account = principal.is_iam() && request.resource_account() == principal.account;
        let needs_resource_trust = self.needs_resource_trust(request);
        let resource_any = direct.or(limited).or(account);

        let grant = if !principal.is_iam() {
            direct.map(|_| Grant::ResourceDirect)
        } else if same_account {
            if direct.is_some() {
                Some(Grant::ResourceDirect)
            } else if limited.is_some() && guards_ok {
                Some(Grant::ResourceLimited)
            } else if identity_ok && guards_ok && !needs_resource_trust {
                Some(Grant::Identity)
            } else if identity_ok && guards_ok && account.is_some() {
                Some(Grant::IdentityAndResource)
            } else {
                None
            }
        } else if identity_ok && guards_ok && resource_any.is_some() {
            Some(Grant::IdentityAndResource)
        } else {
            None
        };

        let Some(grant) = grant else {
            let mut d = AccessDecision::new(AccessDecisionKind::ImplicitDeny);
            if principal.is_iam() {
                if !identity_ok {
                    d.block(Blocker::IdentityPolicy);
                }
                if identity_ok || limited.is_some() {
                    if !boundary_ok {
                        d.block(Blocker::PermissionsBoundary);
                    }
                    if !session_ok {
                        d.block(Blocker::SessionPolicy);
                    }
                }
            }
            let resource_required = !principal.is_iam() || !same_account || needs_resource_trust;
            if resource_required && resource_any.is_none() {
                d.block(Blocker::ResourcePolicy);
            }
            if let Some(index) = scp_gap {
                d.block(Blocker::Scp);
                d.set_scp_level(self.scp_level(index));
            }
            d.set_symbolic(symbolic);
            return d;
        };

        if let Some(index) = scp_gap {
            let mut d = AccessDecision::new(AccessDecisionKind::ImplicitDeny);
            d.block(Blocker::Scp);
            d.set_scp_level(self.scp_level(index));
            d.set_symbolic(symbolic);
            return d;
        }

        let guards = [boundary.flatten(), session.flatten()];
        let used: [Option<&DecidingStatement>; 4] = match grant {
            Grant::ResourceDirect => [direct, None, None, None],
            Grant::ResourceLimited => [guards[0], guards[1], limited, None],
            Grant::Identity => [identity, guards[0], guards[1], None],
            Grant::IdentityAndResource => [identity, guards[0], guards[1], resource_any],
        };
        for s in used.into_iter().flatten() {
            allowed.push(s);
        }
        allowed.set_symbolic(symbolic);
        allowed
    }

    /// Requests whose resource must trust the caller even within one account: KMS keys (the
    /// key policy must allow, directly or by delegating to the account) and role trust
    /// (`sts:*` against a role whose trust policy is given).
    fn needs_resource_trust(&self, request: &AccessRequest) -> bool {
        match request.service.as_str() {
            "kms" => request.arn().is_some_and(|a| a.resource.starts_with("key/")),
            "sts" => self.resource.is_some(),
            _ => false,
        }
    }

    fn scp_level(&self, index: usize) -> ScpLevel<'_> {
        ScpLevel { index, target: self.scps.get(index).map_or("", |l| l.target.as_str()) }
    }
}

/// Scans statements: records applicable denies, returns the first applicable allow.
#[inline]
fn scan<'e>(
    statements: &'e [CompiledStatement],
    request: &AccessRequest,
    cx: CheckContext,
    symbolic: &mut bool,
    denied: &mut AccessDecision<'e>,
) -> Option<(&'e DecidingStatement, PrincipalMatch)> {
    let mut allow = None;
    for s in statements {
        if let Some(m) = s.check(request, cx, symbolic) {
            if s.deny {
                denied.push(&s.meta);
            } else if allow.is_none() {
                allow = Some((&s.meta, m));
            }
        }
    }
    allow
}
