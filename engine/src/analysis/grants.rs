//! Per role: which workflows use it, grants none of them needs, and `*` grants whose needed
//! targets are all static.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde_json::Value;

use super::{principal_for_role, render_policy, request_for};
use crate::asl::permissions::Place;
use crate::iam::{Evaluator, glob_match_ignore_case};
use crate::model::{Derived, FactGraph, Grant, Policy, Requirement, Role, RoleUsage};

/// Builds `derived.roles` from the requirements already derived.
pub(super) fn role_usage(
    graph: &FactGraph,
    derived: &Derived,
    places: &BTreeMap<String, Place>,
) -> BTreeMap<String, RoleUsage> {
    let mut usage: BTreeMap<&str, (RoleUsage, Vec<&Requirement>, Option<&Place>)> = BTreeMap::new();
    for (id, machine) in &graph.state_machines {
        let Some(role) = machine.role.as_deref().filter(|r| graph.roles.contains_key(*r)) else { continue };
        let entry = usage.entry(role).or_default();
        entry.0.state_machines.push(id.clone());
        if entry.2.is_none() {
            entry.2 = places.get(id);
        }
        if let Some(m) = derived.state_machines.get(id) {
            entry.1.extend(&m.requirements);
        }
    }
    for (state, task) in &derived.tasks {
        let exec = graph.state_machines.get(&task.state_machine).and_then(|m| m.role.as_deref());
        for requirement in &task.requirements {
            let owner = if task.via_credentials && requirement.kind != "assume_role" {
                task.principal.as_deref()
            } else {
                exec
            };
            let Some(owner) = owner.filter(|r| graph.roles.contains_key(*r)) else { continue };
            let entry = usage.entry(owner).or_default();
            entry.1.push(requirement);
            if entry.2.is_none() {
                entry.2 = places.get(&task.state_machine);
            }
            if task.via_credentials && Some(owner) != exec && !entry.0.assumed_by.contains(state) {
                entry.0.assumed_by.push(state.clone());
            }
        }
    }
    let default_place = Place::default();
    usage
        .into_par_iter()
        .filter_map(|(id, (mut usage, requirements, place))| {
            let role = graph.roles.get(id)?;
            let place = place.unwrap_or(&default_place);
            let (unused, wildcard) = grants(graph, role, &requirements, place);
            usage.unused_grants = unused;
            usage.wildcard_grants = wildcard;
            usage.state_machines.sort();
            usage.state_machines.dedup();
            usage.assumed_by.sort();
            Some((id.to_owned(), usage))
        })
        .collect()
}

fn grants(graph: &FactGraph, role: &Role, requirements: &[&Requirement], place: &Place) -> (Vec<Grant>, Vec<Grant>) {
    let principal = principal_for_role(role, place);
    let mut unused = Vec::new();
    let mut wildcard = Vec::new();
    for policy_id in role.inline_policies.iter().chain(&role.managed_policies) {
        let Some(policy) = graph.policies.get(policy_id) else { continue };
        let rendered = render_policy(policy, place);
        for (index, statement) in rendered.statements.iter().enumerate() {
            if statement.effect != "Allow" {
                continue;
            }
            // Judge the grant itself: conditions are left out, as the workflow's requests carry
            // few of the keys a condition may test.
            let mut bare = statement.clone();
            bare.condition.clear();
            let single = Policy {
                id: rendered.id.clone(),
                kind: rendered.kind,
                name: None,
                arn: None,
                version: rendered.version.clone(),
                statements: vec![bare],
                document: Value::Null,
                attached_to: Vec::new(),
                source: rendered.source.clone(),
            };
            let Ok(evaluator) = Evaluator::builder().identity_policy(&single).build() else { continue };
            let matched: Vec<&Requirement> = requirements
                .iter()
                .copied()
                .filter(|r| {
                    let conditions: Vec<(&str, &str)> =
                        r.conditions.iter().map(|c| (c.key.as_str(), c.value.as_str())).collect();
                    request_for(&r.action, &r.resource, &conditions, &principal, place).is_ok_and(|(request, _)| {
                        evaluator.evaluate(&request).kind() == crate::iam::AccessDecisionKind::Allow
                    })
                })
                .collect();
            let resources: Vec<String> = statement.resource.iter().map(show).collect();
            let sid = statement.sid.clone();
            if statement.action.is_empty() {
                if matched.is_empty() {
                    unused.push(Grant {
                        policy: policy_id.clone(),
                        statement: index,
                        sid,
                        actions: vec!["*".to_owned()],
                        resources,
                    });
                }
                continue;
            }
            let mut unused_actions = Vec::new();
            let mut narrowable = BTreeSet::new();
            let mut static_resources = BTreeSet::new();
            for entry in &statement.action {
                let Some(pattern) = entry.as_str() else { continue };
                let served: Vec<&&Requirement> =
                    matched.iter().filter(|r| glob_match_ignore_case(pattern, &r.action)).collect();
                if served.is_empty() {
                    unused_actions.push(pattern.to_owned());
                } else if served.iter().all(|r| is_static(r)) {
                    for r in served {
                        narrowable.insert(r.action.clone());
                        static_resources.insert(r.resource.clone());
                    }
                }
            }
            if !unused_actions.is_empty() {
                unused.push(Grant {
                    policy: policy_id.clone(),
                    statement: index,
                    sid: sid.clone(),
                    actions: unused_actions,
                    resources: resources.clone(),
                });
            }
            let star = statement.resource.iter().any(|r| r.as_str() == Some("*"));
            if star && !narrowable.is_empty() {
                wildcard.push(Grant {
                    policy: policy_id.clone(),
                    statement: index,
                    sid,
                    actions: narrowable.into_iter().collect(),
                    resources: static_resources.into_iter().collect(),
                });
            }
        }
    }
    (unused, wildcard)
}

/// A requirement whose target is named by the definition (so `*` is more than it needs).
fn is_static(r: &Requirement) -> bool {
    !r.dynamic && !r.wildcard_only && r.resource != "*"
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
