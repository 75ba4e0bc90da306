//! Least-privilege policies from the derived requirements: for each state machine, the
//! execution role's permissions policy and trust policy, and a policy for each role its
//! Tasks assume through `Credentials`.
//!
//! Every requirement becomes a grant on exactly its resource. `*` appears only where the
//! requirement's resource is `*`: a target from state input or decided at run time, or an
//! action that supports no resource type. Such statements say why in their `Sid`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::asl::permissions::{Place, machine_arn};
use crate::error::Error;
use crate::model::{FactGraph, Requirement};

/// The suggested policies of one state machine.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestedPolicy {
    /// The state machine's id.
    pub state_machine: String,
    /// Id of its execution role, when among the inputs.
    pub role: Option<String>,
    /// The execution role's permissions policy (IAM JSON).
    pub policy: Value,
    /// The execution role's trust policy: Step Functions, scoped with `aws:SourceArn` and
    /// `aws:SourceAccount`.
    pub trust_policy: Value,
    /// Policies for the roles its Tasks assume through `Credentials`, by role (id or ARN).
    pub credentials_roles: BTreeMap<String, Value>,
}

/// Suggests least-privilege policies for every state machine of `graph`, or only for
/// `state_machine` (an id) when given.
///
/// ```
/// let asl = r#"{"StartAt": "Put", "States": {"Put": {"Type": "Task",
///   "Resource": "arn:aws:states:::dynamodb:putItem",
///   "Parameters": {"TableName": "orders", "Item": {}}, "End": true}}}"#;
/// let graph = stepguard::graph_from_documents(
///     &[stepguard::Document::new("put.asl.json", asl)],
///     &stepguard::IngestOptions::default(),
/// )?;
/// let suggested = stepguard::suggest_policy(&graph, None)?;
/// let statement = &suggested[0].policy["Statement"][0];
/// assert_eq!(statement["Action"][0], "dynamodb:PutItem");
/// assert_eq!(statement["Resource"][0], "arn:{Partition}:dynamodb:{Region}:{Account}:table/orders");
/// # Ok::<(), stepguard::Error>(())
/// ```
pub fn suggest_policy(graph: &FactGraph, state_machine: Option<&str>) -> Result<Vec<SuggestedPolicy>, Error> {
    if let Some(id) = state_machine
        && !graph.state_machines.contains_key(id)
    {
        return Err(Error::UnknownStateMachine { id: id.to_owned() });
    }
    let mut tasks_by_machine: BTreeMap<&str, Vec<&crate::model::TaskPermissions>> = BTreeMap::new();
    for task in graph.derived.tasks.values() {
        tasks_by_machine.entry(task.state_machine.as_str()).or_default().push(task);
    }
    let mut out = Vec::new();
    for (id, machine) in &graph.state_machines {
        if state_machine.is_some_and(|s| s != id) {
            continue;
        }
        let derived = graph.derived.state_machines.get(id);
        let mut exec: Vec<&Requirement> = derived.map(|d| d.requirements.iter().collect()).unwrap_or_default();
        let mut others: BTreeMap<String, Vec<&Requirement>> = BTreeMap::new();
        for task in tasks_by_machine.get(id.as_str()).into_iter().flatten() {
            for r in &task.requirements {
                if task.via_credentials && r.kind != "assume_role" {
                    let who = task.principal.clone().unwrap_or_else(|| "(role from state input)".to_owned());
                    others.entry(who).or_default().push(r);
                } else {
                    exec.push(r);
                }
            }
        }
        let place = derived.map_or_else(Place::default, |d| Place {
            partition: d.partition.clone(),
            region: d.region.clone(),
            account: d.account.clone(),
        });
        let arn = machine_arn(machine, &place);
        let trust_policy = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": arn},
                    "StringEquals": {"aws:SourceAccount": place.account},
                },
            }],
        });
        out.push(SuggestedPolicy {
            state_machine: id.clone(),
            role: machine.role.clone(),
            policy: policy_document(&exec),
            trust_policy,
            credentials_roles: others.into_iter().map(|(k, v)| (k, policy_document(&v))).collect(),
        });
    }
    Ok(out)
}

/// Why a statement grants `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Star {
    /// Named resources only.
    None,
    /// The actions support no resource type.
    WildcardOnly,
    /// The targets come from state input or are decided at run time.
    Dynamic,
}

/// An IAM policy granting exactly `requirements`.
pub(crate) fn policy_document(requirements: &[&Requirement]) -> Value {
    // (conditions) → action → resources.
    type Conditions = Vec<(String, String, String)>;
    let mut grouped: BTreeMap<Conditions, BTreeMap<&str, (BTreeSet<&str>, Star)>> = BTreeMap::new();
    for r in requirements {
        let mut conditions: Conditions =
            r.conditions.iter().map(|c| (c.operator.clone(), c.key.clone(), c.value.clone())).collect();
        conditions.sort();
        conditions.dedup();
        let entry =
            grouped.entry(conditions).or_default().entry(r.action.as_str()).or_insert((BTreeSet::new(), Star::None));
        entry.0.insert(r.resource.as_str());
        if r.resource == "*" {
            let why = if r.wildcard_only { Star::WildcardOnly } else { Star::Dynamic };
            entry.1 = entry.1.max(why);
        }
    }
    let mut statements = Vec::new();
    let mut sids: BTreeSet<String> = BTreeSet::new();
    for (conditions, actions) in grouped {
        // Actions with the same resources share a statement.
        let mut by_resources: BTreeMap<(Vec<&str>, Star), Vec<&str>> = BTreeMap::new();
        for (action, (resources, star)) in actions {
            let resources: Vec<&str> =
                if resources.contains("*") { vec!["*"] } else { resources.into_iter().collect() };
            by_resources.entry((resources, star)).or_default().push(action);
        }
        for ((resources, star), actions) in by_resources {
            let mut statement = Map::new();
            statement.insert("Sid".to_owned(), Value::from(unique_sid(&mut sids, sid(star, &actions))));
            statement.insert("Effect".to_owned(), Value::from("Allow"));
            statement
                .insert("Action".to_owned(), Value::from(actions.iter().map(|a| Value::from(*a)).collect::<Vec<_>>()));
            statement.insert(
                "Resource".to_owned(),
                Value::from(resources.iter().map(|r| Value::from(*r)).collect::<Vec<_>>()),
            );
            if !conditions.is_empty() {
                let mut block: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
                for (operator, key, value) in &conditions {
                    block.entry(operator).or_default().entry(key).or_default().push(value);
                }
                let block: Map<String, Value> = block
                    .into_iter()
                    .map(|(op, keys)| {
                        let keys: Map<String, Value> = keys
                            .into_iter()
                            .map(|(k, v)| {
                                let v = match v.as_slice() {
                                    [one] => Value::from(*one),
                                    _ => Value::from(v),
                                };
                                (k.to_owned(), v)
                            })
                            .collect();
                        (op.to_owned(), Value::Object(keys))
                    })
                    .collect();
                statement.insert("Condition".to_owned(), Value::Object(block));
            }
            statements.push(Value::Object(statement));
        }
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A `Sid` naming the services, and for `*` grants, why.
fn sid(star: Star, actions: &[&str]) -> String {
    let services: BTreeSet<String> = actions
        .iter()
        .filter_map(|a| a.split(':').next())
        .map(|s| {
            s.split(|c: char| !c.is_ascii_alphanumeric())
                .map(|w| {
                    let mut chars = w.chars();
                    chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect::<String>()
                })
                .collect()
        })
        .collect();
    let services: String = services.into_iter().collect();
    match star {
        Star::None => services,
        Star::WildcardOnly => format!("{services}WildcardOnlyActions"),
        Star::Dynamic => format!("{services}TargetFromStateInputOrRunTime"),
    }
}

fn unique_sid(taken: &mut BTreeSet<String>, base: String) -> String {
    let base = if base.is_empty() { "Grant".to_owned() } else { base };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}
