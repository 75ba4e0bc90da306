//! The derived facts of the graph (`graph.derived`), computed once after linking.
//!
//! For every Task (and distributed Map) state: what it needs (`asl::permissions`), and for
//! each need the decision of the principal's own policies, of the SCP chain of its account,
//! and the two combined. For every role: which workflows use it, the grants none of them
//! needs, and `*` grants whose needed targets are all static.
//!
//! Values a template leaves to deploy time are rendered the same way on both sides — the
//! workflow's targets and the role's policies — so that `!Sub arn:${AWS::Partition}:...` in a
//! policy matches the same `!Sub` in a definition: pseudo parameters become the state
//! machine's partition, region and account (or `{Region}`-style placeholders), other
//! references become `{Name}`.
//!
//! The work is split so that it parallelizes and stays deterministic: needs per machine,
//! then one evaluator per (principal, place) and one SCP chain per account, then every
//! decision; results are collected in id order.

mod grants;
mod suggest;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde_json::Value;

pub use suggest::{SuggestedPolicy, suggest_policy};

use crate::asl::permissions::{Need, Place, StateNeeds, machine_needs, render, state_needs};
use crate::iam::{AccessDecision, AccessDecisionKind, AccessRequest, Evaluator, PolicySource, action_catalogue};
use crate::model::{
    Check, Derived, FactGraph, MachinePermissions, PermissionDecision, Policy, PolicyKind, Requirement,
    RequirementCondition, Role, State, StateMachine, StatementRef, TaskPermissions,
};

/// Session name used in the principal ARN of evaluated requests.
const SESSION: &str = "stepguard";

/// Computes `graph.derived`.
pub(crate) fn derive(graph: &mut FactGraph) {
    graph.derived = Analysis::new(graph).run();
}

/// Who a need's request is made as.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Principal {
    /// Role id in the graph, when the role is among the inputs.
    pub(crate) role: Option<String>,
    /// The role ARN (rendered; placeholders for unknown parts).
    pub(crate) role_arn: String,
    /// The session ARN the request is made with.
    pub(crate) session: String,
    /// The role's account, when known.
    pub(crate) account: Option<String>,
}

/// The derived facts of one machine: its tasks' and its own.
type MachineResult = (Vec<(String, TaskPermissions)>, (String, MachinePermissions));

/// One state's or machine's needs with the principal of each.
struct Planned<'g> {
    machine: &'g StateMachine,
    place: Place,
    exec: Option<Principal>,
    /// State id → (needs, principal of its calls).
    states: Vec<(&'g State, StateNeeds, Option<Principal>)>,
    config: StateNeeds,
}

struct Analysis<'g> {
    graph: &'g FactGraph,
    role_by_arn: BTreeMap<&'g str, &'g Role>,
    states_by_machine: BTreeMap<&'g str, Vec<&'g State>>,
}

/// A compiled role: its evaluator, or why there is none; and whether policies are missing.
struct RoleEvaluator {
    evaluator: Result<Evaluator, String>,
    /// The same policies with a key policy that delegates to the account, for KMS requests
    /// (KMS always consults the key policy; stepguard assumes AWS's default key policy).
    kms: Option<Evaluator>,
    missing: Vec<String>,
}

/// The SCP chain of one account.
enum ScpChain {
    Evaluator(Evaluator, Vec<String>),
    Exempt(String),
    Unknown(String),
}

impl<'g> Analysis<'g> {
    fn new(graph: &'g FactGraph) -> Self {
        let mut role_by_arn = BTreeMap::new();
        for role in graph.roles.values() {
            if let Some(arn) = role.arn.as_ref().and_then(Value::as_str) {
                role_by_arn.insert(arn, role);
            }
        }
        let mut states_by_machine: BTreeMap<&str, Vec<&State>> = BTreeMap::new();
        for state in graph.states.values() {
            states_by_machine.entry(state.state_machine.as_str()).or_default().push(state);
        }
        Analysis { graph, role_by_arn, states_by_machine }
    }

    fn run(&self) -> Derived {
        let machines: Vec<&StateMachine> = self.graph.state_machines.values().collect();
        let planned: Vec<Planned<'_>> = machines.par_iter().map(|m| self.plan(m)).collect();

        // One evaluator per principal and place, one SCP chain per account.
        let mut principals: BTreeSet<(Principal, PlaceKey)> = BTreeSet::new();
        let mut accounts: BTreeSet<String> = BTreeSet::new();
        for p in &planned {
            let all = p.exec.iter().chain(p.states.iter().filter_map(|(_, _, principal)| principal.as_ref()));
            for principal in all {
                principals.insert((principal.clone(), PlaceKey::of(&p.place)));
                if let Some(account) = &principal.account {
                    accounts.insert(account.clone());
                }
            }
        }
        let role_evaluators: BTreeMap<(Principal, PlaceKey), RoleEvaluator> = principals
            .into_par_iter()
            .map(|(principal, key)| {
                let evaluator = self.role_evaluator(&principal, &key.place());
                ((principal, key), evaluator)
            })
            .collect();
        let scp_chains: BTreeMap<String, ScpChain> =
            accounts.into_par_iter().map(|account| (account.clone(), self.scp_chain(&account))).collect();
        let decide = Decider { roles: &role_evaluators, scps: &scp_chains, organization: self.has_organization() };

        let results: Vec<MachineResult> = planned
            .par_iter()
            .map(|p| {
                let key = PlaceKey::of(&p.place);
                let tasks = p
                    .states
                    .iter()
                    .map(|(state, needs, principal)| {
                        let requirements = needs
                            .needs
                            .iter()
                            .map(|need| {
                                let who = if need.via_credentials { principal.as_ref() } else { p.exec.as_ref() };
                                decide.requirement(need, who, &key, &p.place)
                            })
                            .collect();
                        let via = needs.credentials_role.is_some() || needs.credentials_dynamic;
                        let mut notes = needs.notes.clone();
                        if needs.credentials_dynamic {
                            notes.push(
                                "the `Credentials` role comes from state input: its calls are not evaluated".to_owned(),
                            );
                        }
                        let permissions = TaskPermissions {
                            state_machine: p.machine.id.clone(),
                            principal: principal
                                .as_ref()
                                .map(|pr| pr.role.clone().unwrap_or_else(|| pr.role_arn.clone())),
                            via_credentials: via,
                            requirements,
                            notes,
                        };
                        (state.id.clone(), permissions)
                    })
                    .collect();
                let machine = MachinePermissions {
                    role: p.machine.role.clone(),
                    partition: p.place.partition.clone(),
                    region: p.place.region.clone(),
                    account: p.place.account.clone(),
                    requirements: p
                        .config
                        .needs
                        .iter()
                        .map(|need| decide.requirement(need, p.exec.as_ref(), &key, &p.place))
                        .collect(),
                    notes: p.config.notes.clone(),
                };
                (tasks, (p.machine.id.clone(), machine))
            })
            .collect();

        let mut derived = Derived::default();
        for (tasks, (id, machine)) in results {
            derived.tasks.extend(tasks);
            derived.state_machines.insert(id, machine);
        }
        derived.roles = grants::role_usage(self.graph, &derived, &planned_places(&planned));
        derived
    }

    fn has_organization(&self) -> bool {
        let org = &self.graph.organization;
        org.root.is_some() || !org.accounts.is_empty()
    }

    fn plan<'a>(&'a self, machine: &'g StateMachine) -> Planned<'g> {
        let place = Place::of_machine(machine);
        let exec = self.execution_principal(machine, &place);
        let mut states = Vec::new();
        for state in self.states_by_machine.get(machine.id.as_str()).into_iter().flatten() {
            let relevant = state.state_type == "Task"
                || (state.state_type == "Map" && state.map.as_ref().is_some_and(|m| m.mode == "DISTRIBUTED"));
            if !relevant {
                continue;
            }
            let needs = state_needs(state, machine, &place);
            let principal = match &needs.credentials_role {
                Some(arn) => Some(self.principal_for_arn(arn, &place)),
                None if needs.credentials_dynamic => None,
                None => exec.clone(),
            };
            states.push((*state, needs, principal));
        }
        let config = machine_needs(machine, &place);
        Planned { machine, place, exec, states, config }
    }

    fn execution_principal(&self, machine: &StateMachine, place: &Place) -> Option<Principal> {
        if let Some(role) = machine.role.as_ref().and_then(|id| self.graph.roles.get(id)) {
            return Some(principal_for_role(role, place));
        }
        let arn = machine.role_arn.as_ref().and_then(|a| render(a, place))?;
        Some(self.principal_for_arn(&arn, place))
    }

    fn principal_for_arn(&self, arn: &str, place: &Place) -> Principal {
        if let Some(role) = self.role_by_arn.get(arn) {
            return principal_for_role(role, place);
        }
        principal_from_arn(None, arn, None, place)
    }

    fn role_evaluator(&self, principal: &Principal, place: &Place) -> RoleEvaluator {
        let Some(role) = principal.role.as_ref().and_then(|id| self.graph.roles.get(id)) else {
            return RoleEvaluator {
                evaluator: Err(format!("role `{}` is not among the inputs", principal.role_arn)),
                kms: None,
                missing: Vec::new(),
            };
        };
        let mut builder = Evaluator::builder();
        let mut missing = Vec::new();
        for id in role.inline_policies.iter().chain(&role.managed_policies) {
            match self.graph.policies.get(id) {
                Some(policy) => builder = builder.identity_policy(&render_policy(policy, place)),
                None => missing.push(id.clone()),
            }
        }
        if let Some(id) = &role.permissions_boundary {
            match self.graph.policies.get(id) {
                Some(policy) => builder = builder.permissions_boundary(&render_policy(policy, place)),
                None => missing.push(id.clone()),
            }
        }
        let kms = principal.account.as_ref().and_then(|account| {
            let key_policy = default_key_policy(account, "kms:*")?;
            builder.clone().resource_policy(&key_policy).build().ok()
        });
        let evaluator = builder.build().map_err(|e| format!("the role's policies do not compile: {e}"));
        RoleEvaluator { evaluator, kms, missing }
    }

    fn scp_chain(&self, account: &str) -> ScpChain {
        let org = &self.graph.organization;
        if !self.has_organization() {
            return ScpChain::Unknown("no organization layout among the inputs".to_owned());
        }
        if org.management_account.as_deref() == Some(account) {
            return ScpChain::Exempt("SCPs do not apply to the management account".to_owned());
        }
        let Some(mut parent) = org.accounts.get(account).map(|a| a.parent.clone()) else {
            return ScpChain::Unknown(format!("account `{account}` is not in the organization layout"));
        };
        let mut chain = vec![account.to_owned()];
        // Walk up to the root; the layout is untrusted, so stop on a cycle.
        while !chain.contains(&parent) && chain.len() < 16 {
            chain.push(parent.clone());
            match org.ous.get(&parent) {
                Some(ou) => parent = ou.parent.clone(),
                None => break,
            }
        }
        chain.reverse();
        // Everything but the SCPs allows, including resource policies that must trust the
        // caller (KMS keys, role trust), so the chain alone decides.
        let mut builder = Evaluator::builder().identity_policy(full_access());
        if let Some(trust) = default_key_policy(account, "*") {
            builder = builder.resource_policy(&trust);
        }
        if let Some(management) = &org.management_account {
            builder = builder.management_account(management);
        }
        let mut notes = Vec::new();
        for target in &chain {
            let attached: Vec<&str> =
                org.attachments.iter().filter(|a| &a.target == target).map(|a| a.policy.as_str()).collect();
            let policies: Vec<&Policy> = attached
                .iter()
                .filter_map(|id| self.graph.policies.get(*id))
                .filter(|p| p.kind == PolicyKind::Scp)
                .collect();
            let absent = attached.len() - policies.len();
            if absent > 0 {
                // A level whose policies are not all among the inputs cannot be judged: leave it out.
                notes.push(format!(
                    "level `{target}`: {absent} attached policies are not among the inputs; level not evaluated"
                ));
                continue;
            }
            builder = builder.scp_level(target, &policies);
        }
        match builder.build() {
            Ok(evaluator) => ScpChain::Evaluator(evaluator, notes),
            Err(e) => ScpChain::Unknown(format!("the SCPs do not compile: {e}")),
        }
    }
}

fn planned_places(planned: &[Planned<'_>]) -> BTreeMap<String, Place> {
    planned.iter().map(|p| (p.machine.id.clone(), p.place.clone())).collect()
}

/// `Place` as an ordered key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PlaceKey(String, String, String);

impl PlaceKey {
    fn of(place: &Place) -> Self {
        PlaceKey(place.partition.clone(), place.region.clone(), place.account.clone())
    }

    fn place(&self) -> Place {
        Place { partition: self.0.clone(), region: self.1.clone(), account: self.2.clone() }
    }
}

/// An identity policy allowing everything, so that an evaluator holding only SCPs decides by
/// the SCPs alone.
fn full_access() -> &'static Policy {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| {
        let statement = crate::model::Statement {
            sid: None,
            effect: "Allow".to_owned(),
            action: vec![Value::from("*")],
            not_action: Vec::new(),
            resource: vec![Value::from("*")],
            not_resource: Vec::new(),
            principal: None,
            not_principal: None,
            condition: BTreeMap::new(),
            source: stepguard_source(),
        };
        Policy {
            id: "stepguard:allow-all".to_owned(),
            kind: PolicyKind::Identity,
            name: None,
            arn: None,
            version: Some("2012-10-17".to_owned()),
            statements: vec![statement],
            document: Value::Null,
            attached_to: Vec::new(),
            source: stepguard_source(),
        }
    })
}

fn stepguard_source() -> crate::model::SourceRef {
    crate::model::SourceRef { file: "stepguard".to_owned(), pointer: String::new(), line: 0 }
}

/// AWS's default key policy: the account's IAM policies decide.
fn default_key_policy(account: &str, action: &str) -> Option<Policy> {
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "EnableIAMPolicies", "Effect": "Allow",
            "Principal": {{"AWS": "{account}"}}, "Action": "{action}", "Resource": "*"}}]}}"#
    );
    crate::iam::parse_policy("stepguard:default-key-policy", PolicyKind::Resource, &text).ok()
}

/// The principal of a role node.
pub(crate) fn principal_for_role(role: &Role, place: &Place) -> Principal {
    let arn = role.arn.as_ref().and_then(|a| render(a, place));
    let name = role.name.as_ref().and_then(|n| render(n, place));
    match arn {
        Some(arn) if arn.starts_with("arn:") => principal_from_arn(Some(role.id.clone()), &arn, name, place),
        _ => {
            let name =
                name.unwrap_or_else(|| format!("{{{}}}", role.id.rsplit('#').next().unwrap_or(role.id.as_str())));
            let account = role.account.clone().unwrap_or_else(|| place.account.clone());
            let arn = format!("arn:{}:iam::{account}:role/{name}", place.partition);
            principal_from_arn(Some(role.id.clone()), &arn, Some(name), place)
        }
    }
}

fn principal_from_arn(role: Option<String>, arn: &str, name: Option<String>, place: &Place) -> Principal {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let (partition, account, path) = match parts.as_slice() {
        ["arn", p, _, _, a, rest] => ((*p).to_owned(), (*a).to_owned(), (*rest).to_owned()),
        _ => (place.partition.clone(), place.account.clone(), String::new()),
    };
    let account = if account.is_empty() { place.account.clone() } else { account };
    let name = name
        .filter(|n| !n.is_empty() && !n.contains('/'))
        .unwrap_or_else(|| path.rsplit('/').next().filter(|n| !n.is_empty()).unwrap_or("{Role}").to_owned());
    let known = |s: &str| !s.is_empty() && !s.contains(['{', '$', '*']);
    Principal {
        role,
        role_arn: arn.to_owned(),
        session: format!("arn:{partition}:sts::{account}:assumed-role/{name}/{SESSION}"),
        account: known(&account).then_some(account),
    }
}

/// A copy of `policy` with template values rendered as text where they stand for an ARN,
/// an action or a condition value; the original when it holds none.
pub(crate) fn render_policy<'p>(policy: &'p Policy, place: &Place) -> Cow<'p, Policy> {
    let symbolic = |v: &Value| v.is_object();
    let any = policy.statements.iter().any(|s| {
        s.resource.iter().chain(&s.not_resource).chain(&s.action).chain(&s.not_action).any(symbolic)
            || s.condition.values().flat_map(|m| m.values()).flatten().any(symbolic)
    });
    if !any {
        return Cow::Borrowed(policy);
    }
    let mut out = policy.clone();
    let arn_like = |s: &str| s == "*" || s.starts_with("arn:");
    for s in &mut out.statements {
        for v in s.resource.iter_mut().chain(s.not_resource.iter_mut()) {
            if let Some(text) = render(v, place).filter(|t| v.is_object() && arn_like(t)) {
                *v = Value::String(text);
            }
        }
        for v in s.action.iter_mut().chain(s.not_action.iter_mut()) {
            if let Some(text) = render(v, place).filter(|t| v.is_object() && t.contains(':')) {
                *v = Value::String(text);
            }
        }
        for values in s.condition.values_mut().flat_map(|m| m.values_mut()) {
            for v in values {
                if let Some(text) = render(v, place).filter(|_| v.is_object()) {
                    *v = Value::String(text);
                }
            }
        }
    }
    Cow::Owned(out)
}

/// Evaluates needs with the prepared evaluators.
struct Decider<'a> {
    roles: &'a BTreeMap<(Principal, PlaceKey), RoleEvaluator>,
    scps: &'a BTreeMap<String, ScpChain>,
    organization: bool,
}

impl Decider<'_> {
    fn requirement(&self, need: &Need, principal: Option<&Principal>, key: &PlaceKey, place: &Place) -> Requirement {
        let info = action_catalogue().action(&need.action);
        let (role, scp) = match principal {
            None => (
                Check::unknown("the principal is not known (no role, or a role from state input)"),
                Check::unknown("the principal is not known"),
            ),
            Some(principal) => match build_request(need, principal, place) {
                Err(e) => (Check::unknown(e.clone()), Check::unknown(e)),
                Ok((request, resource_note)) => {
                    let role = self.role_check(&request, principal, key, resource_note.as_deref());
                    let scp = self.scp_check(&request, principal);
                    (role, scp)
                }
            },
        };
        let decision = combine(&role, &scp);
        Requirement {
            action: need.action.clone(),
            resource: need.resource.clone(),
            dynamic: need.dynamic,
            wildcard_only: need.wildcard_only,
            known_action: info.is_some(),
            access_level: info.map(|a| a.access_level().as_str().to_owned()),
            kind: need.kind.as_str().to_owned(),
            reason: need.reason.clone(),
            conditions: need
                .conditions
                .iter()
                .map(|c| RequirementCondition {
                    operator: c.operator.clone(),
                    key: c.key.clone(),
                    value: c.value.clone(),
                })
                .collect(),
            role,
            scp,
            decision,
        }
    }

    fn role_check(&self, request: &AccessRequest, principal: &Principal, key: &PlaceKey, note: Option<&str>) -> Check {
        let Some(entry) = self.roles.get(&(principal.clone(), key.clone())) else {
            return Check::unknown("no evaluator for the principal");
        };
        let evaluator = match &entry.evaluator {
            Ok(e) => e,
            Err(why) => return Check::unknown(why.clone()),
        };
        let is_kms = request.action().get(..4).is_some_and(|p| p.eq_ignore_ascii_case("kms:"));
        let evaluator = match (&entry.kms, is_kms) {
            (Some(kms), true) => kms,
            _ => evaluator,
        };
        let decision = evaluator.evaluate(request);
        let mut check = to_check(&decision, |s| {
            matches!(s, PolicySource::Identity | PolicySource::PermissionsBoundary | PolicySource::SessionPolicy)
        });
        check.blockers.retain(|b| matches!(b.as_str(), "identity" | "boundary" | "session"));
        if !entry.missing.is_empty() && check.decision == PermissionDecision::ImplicitDeny {
            check.decision = PermissionDecision::Unknown;
            check.note = Some(format!("attached policies not among the inputs: {}", entry.missing.join(", ")));
        } else if let Some(note) = note {
            check.depends_on_symbolic = true;
            check.note = Some(note.to_owned());
        }
        check
    }

    fn scp_check(&self, request: &AccessRequest, principal: &Principal) -> Check {
        let Some(account) = &principal.account else {
            let why = if self.organization {
                "the account of the principal is not known"
            } else {
                "no organization layout among the inputs"
            };
            return Check::unknown(why);
        };
        match self.scps.get(account) {
            None => Check::unknown("no SCP chain"),
            Some(ScpChain::Unknown(why)) => Check::unknown(why.clone()),
            Some(ScpChain::Exempt(why)) => {
                let mut check = Check::unknown(why.clone());
                check.decision = PermissionDecision::Allow;
                check
            }
            Some(ScpChain::Evaluator(evaluator, notes)) => {
                let decision = evaluator.evaluate(request);
                let mut check = to_check(&decision, |s| matches!(s, PolicySource::Scp { .. }));
                if let Some(level) = decision.blocking_scp_level() {
                    check.level = Some(level.target.to_owned());
                    check.level_index = Some(level.index);
                }
                check.blockers.retain(|b| b == "scp");
                if !notes.is_empty() {
                    check.note = Some(notes.join("; "));
                }
                check
            }
        }
    }
}

fn to_check(decision: &AccessDecision<'_>, keep: impl Fn(PolicySource) -> bool) -> Check {
    let kind = match decision.kind() {
        AccessDecisionKind::Allow => PermissionDecision::Allow,
        AccessDecisionKind::ImplicitDeny => PermissionDecision::ImplicitDeny,
        AccessDecisionKind::ExplicitDeny => PermissionDecision::ExplicitDeny,
    };
    let statements = decision
        .statements()
        .filter(|s| keep(s.source()))
        .map(|s| StatementRef {
            policy: s.policy_id().to_owned(),
            statement: s.index(),
            sid: s.sid().map(str::to_owned),
            effect: format!("{:?}", s.effect()),
        })
        .collect();
    let blockers = decision
        .blockers()
        .map(|b| {
            match b {
                crate::iam::Blocker::Scp => "scp",
                crate::iam::Blocker::IdentityPolicy => "identity",
                crate::iam::Blocker::PermissionsBoundary => "boundary",
                crate::iam::Blocker::SessionPolicy => "session",
                crate::iam::Blocker::ResourcePolicy => "resource",
            }
            .to_owned()
        })
        .collect();
    Check {
        decision: kind,
        statements,
        blockers,
        level: None,
        level_index: None,
        depends_on_symbolic: decision.depends_on_symbolic(),
        note: None,
    }
}

fn combine(role: &Check, scp: &Check) -> PermissionDecision {
    use PermissionDecision::{Allow, ExplicitDeny, ImplicitDeny, Unknown};
    match (role.decision, scp.decision) {
        (ExplicitDeny, _) | (_, ExplicitDeny) => ExplicitDeny,
        (ImplicitDeny, _) | (_, ImplicitDeny) => ImplicitDeny,
        (Allow, Allow | Unknown) => Allow,
        (Unknown, _) => Unknown,
    }
}

/// The request for a need: concrete stand-ins for run-time parts of the resource (`*` → an
/// example name), the region, the need's condition keys and the principal's keys. Also returns
/// a note when the resource could not be used as an ARN.
pub(crate) fn build_request(
    need: &Need,
    principal: &Principal,
    place: &Place,
) -> Result<(AccessRequest, Option<String>), String> {
    let conditions: Vec<(&str, &str)> = need.conditions.iter().map(|c| (c.key.as_str(), c.value.as_str())).collect();
    request_for(&need.action, &need.resource, &conditions, principal, place)
}

/// The request for `action` on `resource` by `principal` (see [`build_request`]).
pub(crate) fn request_for(
    action: &str,
    resource: &str,
    conditions: &[(&str, &str)],
    principal: &Principal,
    place: &Place,
) -> Result<(AccessRequest, Option<String>), String> {
    let (resource, note) = request_resource(resource);
    let mut request = AccessRequest::new(&principal.session, action)
        .map_err(|e| format!("cannot evaluate `{action}`: {e}"))?
        .with_role_arn(&principal.role_arn)
        .with_principal_keys();
    request = match request.clone().with_resource(&resource) {
        Ok(r) => r,
        Err(_) => request.with_resource("*").map_err(|e| e.to_string())?,
    };
    let region = request
        .resource()
        .and_then(|r| r.split(':').nth(3))
        .filter(|r| !r.is_empty() && !r.contains('{'))
        .map(str::to_owned)
        .or_else(|| place.region_known().then(|| place.region.clone()));
    if let Some(region) = region {
        request = request.with_context("aws:RequestedRegion", region);
    }
    for (key, value) in conditions {
        request = request.with_context(key, *value);
    }
    Ok((request, note))
}

/// The resource to evaluate: `*` stays, ARN patterns get an example name for each wildcard,
/// anything else (a reference known only at deploy time) is evaluated as `*`.
pub(crate) fn request_resource(resource: &str) -> (String, Option<String>) {
    if resource == "*" {
        return ("*".to_owned(), None);
    }
    if resource.starts_with("arn:") {
        return (resource.replace('*', "example").replace('?', "x"), None);
    }
    ("*".to_owned(), Some(format!("the target `{resource}` is known only at deploy time: evaluated as any resource")))
}
