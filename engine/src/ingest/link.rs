//! Cross-file linking after all files are read and merged.
//!
//! Readers record references as the input states them — a state machine's role ARN, a role's
//! managed policy ARNs, a `get-role-policy` owner's name, an organization attachment's policy
//! id. Here those become links between nodes when the target is among the inputs: ids are
//! filled in, `attached_to` lists and edges are added. References to nodes that are not among
//! the inputs are kept as written. Every step indexes first and then looks up, so linking is
//! O(n log n) in the size of the graph.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::iam::{PRINCIPAL_POLICY_SOURCE_KIND, principal_policy_owner};
use crate::model::{
    Diagnostic, DiagnosticSeverity, Edge, EdgeKind, FactGraph, Policy, PolicyKind, Role, SourceRef, StateMachine,
};

/// Links references between nodes that came from different files.
pub(crate) fn link(graph: &mut FactGraph) {
    absorb_layout_documents(graph);
    let mut rewrites = EdgeRewrites::default();
    link_principal_policies(graph);
    link_role_policies(graph, &mut rewrites);
    link_org_attachments(graph);
    link_state_machines(graph, &mut rewrites);
    rewrites.apply(&mut graph.edges);
    for policy in graph.policies.values_mut() {
        policy.attached_to.sort();
        policy.attached_to.dedup();
    }
}

/// Edges whose target was a literal reference and is now a node id: `(from, old to, kind)` →
/// new `to`.
#[derive(Default)]
struct EdgeRewrites(BTreeMap<(String, String, EdgeKind), String>);

impl EdgeRewrites {
    fn add(&mut self, from: &str, old: &str, kind: EdgeKind, new: &str) {
        if old != new {
            self.0.insert((from.to_owned(), old.to_owned(), kind), new.to_owned());
        }
    }

    fn apply(self, edges: &mut [Edge]) {
        if self.0.is_empty() {
            return;
        }
        for edge in edges {
            if let Some(new) = self.0.get(&(edge.from.clone(), edge.to.clone(), edge.kind)) {
                edge.to.clone_from(new);
            }
        }
    }
}

/// A policy document that an organization layout reads by `file` becomes that layout's SCP or
/// RCP; when the same file was also read on its own (a folder walk), the bare copy is dropped so
/// the document appears once, under the layout's id.
fn absorb_layout_documents(graph: &mut FactGraph) {
    let read_by_layout: BTreeSet<String> = graph
        .policies
        .values()
        .filter(|p| is_org_policy(p) && p.source.pointer.is_empty() && p.id != p.source.file)
        .map(|p| p.source.file.clone())
        .collect();
    if read_by_layout.is_empty() {
        return;
    }
    graph.policies.retain(|id, p| {
        !(read_by_layout.contains(id) && p.source.file == *id && p.source.pointer.is_empty() && !is_org_policy(p))
    });
}

fn is_org_policy(policy: &Policy) -> bool {
    matches!(policy.kind, PolicyKind::Scp | PolicyKind::Rcp)
}

/// `get-role-policy` (and user/group) output names its principal only by name: attach it to the
/// one principal of that type and name, when there is exactly one.
fn link_principal_policies(graph: &mut FactGraph) {
    let files: BTreeSet<&str> =
        graph.sources.iter().filter(|s| s.kind == PRINCIPAL_POLICY_SOURCE_KIND).map(|s| s.file.as_str()).collect();
    if files.is_empty() {
        return;
    }
    let mut by_name: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for role in graph.roles.values() {
        if let Some(name) = role.name.as_ref().and_then(Json::as_str) {
            by_name.entry((role.principal_type.as_str(), name)).or_default().push(role.id.as_str());
        }
    }
    let mut links: Vec<(String, String)> = Vec::new();
    for policy in graph.policies.values() {
        if policy.kind != PolicyKind::Inline || !files.contains(policy.source.file.as_str()) {
            continue;
        }
        let Some(owner) = principal_policy_owner(&policy.id) else { continue };
        match by_name.get(&owner).map(Vec::as_slice) {
            Some([role]) => links.push(((*role).to_owned(), policy.id.clone())),
            Some(candidates @ [_, _, ..]) => graph.diagnostics.push(ambiguous(
                "LINK_AMBIGUOUS_PRINCIPAL",
                &policy.id,
                &policy.source,
                &format!("{} `{}`", owner.0, owner.1),
                candidates,
            )),
            _ => {}
        }
    }
    for (role, policy) in links {
        if let Some(role) = graph.roles.get_mut(&role)
            && !role.inline_policies.contains(&policy)
        {
            role.inline_policies.push(policy);
        }
    }
}

/// Roles' inline and managed policies and boundaries: ARNs become policy ids when the policy is
/// among the inputs, and policies learn what they are attached to.
fn link_role_policies(graph: &mut FactGraph, rewrites: &mut EdgeRewrites) {
    let FactGraph { roles, policies, edges, .. } = graph;
    let by_arn: BTreeMap<String, String> = policies
        .values()
        .filter_map(|p| p.arn.as_ref().and_then(Json::as_str).map(|arn| (arn.to_owned(), p.id.clone())))
        .collect();
    let resolve = |reference: &str| -> Option<String> {
        if policies.contains_key(reference) { Some(reference.to_owned()) } else { by_arn.get(reference).cloned() }
    };
    let mut attach: Vec<(String, String)> = Vec::new();
    for role in roles.values_mut() {
        for managed in &mut role.managed_policies {
            if let Some(id) = resolve(managed) {
                *managed = id;
                attach.push((managed.clone(), role.id.clone()));
            }
        }
        for inline in &role.inline_policies {
            if policies.contains_key(inline) {
                attach.push((inline.clone(), role.id.clone()));
            }
        }
        if let Some(boundary) = role.permissions_boundary.as_mut()
            && let Some(id) = resolve(boundary)
        {
            rewrites.add(&role.id, boundary, EdgeKind::BoundedBy, &id);
            *boundary = id;
        }
    }
    for (policy, role) in attach {
        edges.push(Edge { from: policy.clone(), to: role.clone(), kind: EdgeKind::AttachedTo });
        if let Some(policy) = policies.get_mut(&policy) {
            policy.attached_to.push(role);
        }
    }
}

/// Organization attachments: the policy learns its targets. Attachments to policies that are
/// not among the inputs stay in `organization.attachments` as AWS names them.
fn link_org_attachments(graph: &mut FactGraph) {
    let FactGraph { organization, policies, edges, .. } = graph;
    for attachment in &organization.attachments {
        if let Some(policy) = policies.get_mut(&attachment.policy) {
            policy.attached_to.push(attachment.target.clone());
            edges.push(Edge {
                from: attachment.policy.clone(),
                to: attachment.target.clone(),
                kind: EdgeKind::AttachedTo,
            });
        }
    }
}

/// A state machine's literal role ARN → the role node: by ARN, else by name (and path) among
/// roles whose account is unknown or the ARN's.
fn link_state_machines(graph: &mut FactGraph, rewrites: &mut EdgeRewrites) {
    let FactGraph { state_machines, roles, edges, diagnostics, .. } = graph;
    let mut by_arn: BTreeMap<&str, &str> = BTreeMap::new();
    let mut by_name: BTreeMap<&str, Vec<&Role>> = BTreeMap::new();
    for role in roles.values().filter(|r| r.principal_type == "role") {
        by_arn.insert(role.id.as_str(), role.id.as_str());
        if let Some(arn) = role.arn.as_ref().and_then(Json::as_str) {
            by_arn.insert(arn, role.id.as_str());
        }
        if let Some(name) = role.name.as_ref().and_then(Json::as_str) {
            by_name.entry(name).or_default().push(role);
        }
    }
    for machine in state_machines.values_mut() {
        if machine.role.is_some() {
            continue;
        }
        let Some(role_arn) = machine.role_arn.as_ref() else { continue };
        let (arn, found) = match role_arn {
            Json::String(arn) => {
                let found = match by_arn.get(arn.as_str()) {
                    Some(id) => Some((*id).to_owned()),
                    None => role_by_name(arn, &by_name, machine, diagnostics),
                };
                (arn.clone(), found)
            }
            other => match deploy_time_role_arn(other) {
                Some(template) => {
                    let found = role_by_deploy_time_arn(&template, &by_name, machine, diagnostics);
                    (other.to_string(), found)
                }
                None => continue,
            },
        };
        let arn = arn.as_str();
        if let Some(id) = found {
            rewrites.add(&machine.id, arn, EdgeKind::ExecutesAs, &id);
            edges.push(Edge { from: machine.id.clone(), to: id.clone(), kind: EdgeKind::ExecutesAs });
            machine.role = Some(id);
        }
    }
}

fn role_by_name(
    arn: &str,
    by_name: &BTreeMap<&str, Vec<&Role>>,
    machine: &StateMachine,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<String> {
    let (account, path, name) = parse_role_arn(arn)?;
    let candidates: Vec<&str> = by_name
        .get(name)?
        .iter()
        .filter(|r| r.account.as_deref().is_none_or(|a| a == account))
        .filter(|r| r.path.as_deref().is_none_or(|p| p.strip_prefix('/').unwrap_or(p) == path))
        .filter(|r| r.arn.as_ref().and_then(Json::as_str).is_none())
        .map(|r| r.id.as_str())
        .collect();
    match candidates.as_slice() {
        [one] => Some((*one).to_owned()),
        [] => None,
        many => {
            diagnostics.push(ambiguous(
                "LINK_AMBIGUOUS_ROLE",
                &machine.id,
                &machine.source,
                &format!("role `{arn}`"),
                many,
            ));
            None
        }
    }
}

/// A template's role ARN whose only unknowns are the partition and the account
/// (`{"sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/NAME"}`), with those two parts
/// replaced by markers; `None` for anything else.
fn deploy_time_role_arn(value: &Json) -> Option<String> {
    let text = value.get("sub")?.as_str()?;
    let normalized = text.replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", DEPLOY_ACCOUNT);
    (!normalized.contains("${")).then_some(normalized)
}

const DEPLOY_ACCOUNT: &str = "DEPLOY-TIME-ACCOUNT";

/// The role a deploy-time ARN names: the account is unknown until deployment, so it links to
/// the only role of that name and path among the inputs (two candidates are reported as
/// ambiguous, never guessed between).
fn role_by_deploy_time_arn(
    template: &str,
    by_name: &BTreeMap<&str, Vec<&Role>>,
    machine: &StateMachine,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<String> {
    let (account, path, name) = parse_role_arn(template)?;
    if account != DEPLOY_ACCOUNT {
        return None;
    }
    let candidates: Vec<&str> = by_name
        .get(name)?
        .iter()
        .filter(|r| r.path.as_deref().is_none_or(|p| p.strip_prefix('/').unwrap_or(p) == path))
        .map(|r| r.id.as_str())
        .collect();
    match candidates.as_slice() {
        [one] => Some((*one).to_owned()),
        [] => None,
        many => {
            diagnostics.push(ambiguous(
                "LINK_AMBIGUOUS_ROLE",
                &machine.id,
                &machine.source,
                &format!("role `{template}`"),
                many,
            ));
            None
        }
    }
}

/// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` → (account, path without its leading slash,
/// name): `role/a/b/N` gives `a/b/`, `role/N` gives an empty path.
fn parse_role_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let rest = resource.strip_prefix("role/")?;
    let (path, name) = match rest.rfind('/') {
        Some(split) => (rest.get(..=split)?, rest.get(split + 1..)?),
        None => ("", rest),
    };
    (!name.is_empty()).then_some((account, path, name))
}

fn ambiguous(code: &str, node: &str, source: &SourceRef, what: &str, candidates: &[&str]) -> Diagnostic {
    let list = candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
    Diagnostic {
        code: code.to_owned(),
        severity: DiagnosticSeverity::Warning,
        message: format!("{what} matches several inputs ({list}); not linked"),
        node: Some(node.to_owned()),
        source: source.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attachment, SourceFile};

    fn source(file: &str) -> SourceRef {
        SourceRef { file: file.to_owned(), pointer: String::new(), line: 1 }
    }

    fn role(id: &str, name: &str, arn: Option<&str>, account: Option<&str>, path: Option<&str>) -> Role {
        Role {
            id: id.to_owned(),
            principal_type: "role".to_owned(),
            name: Some(Json::from(name)),
            arn: arn.map(Json::from),
            account: account.map(str::to_owned),
            path: path.map(str::to_owned),
            trust_policy: None,
            inline_policies: Vec::new(),
            managed_policies: Vec::new(),
            permissions_boundary: None,
            tags: BTreeMap::new(),
            source: source("roles.json"),
        }
    }

    fn policy(id: &str, kind: PolicyKind, arn: Option<&str>, file: &str, pointer: &str) -> Policy {
        Policy {
            id: id.to_owned(),
            kind,
            name: None,
            arn: arn.map(Json::from),
            version: None,
            statements: Vec::new(),
            document: Json::Null,
            attached_to: Vec::new(),
            source: SourceRef { file: file.to_owned(), pointer: pointer.to_owned(), line: 1 },
        }
    }

    fn machine(id: &str, role_arn: &str) -> StateMachine {
        let mut m = StateMachine::new(id, "describe", source("m.json"));
        m.role_arn = Some(Json::from(role_arn));
        m
    }

    #[test]
    fn role_arns_link_by_arn_then_by_name_path_and_account() {
        let mut g = FactGraph::default();
        let exact = "arn:aws:iam::111111111111:role/Exact";
        g.roles.insert(exact.into(), role(exact, "Exact", Some(exact), Some("111111111111"), Some("/")));
        g.roles.insert("t.yaml#Named".into(), role("t.yaml#Named", "Named", None, None, None));
        g.roles
            .insert("t.yaml#Pathed".into(), role("t.yaml#Pathed", "Pathed", None, Some("222222222222"), Some("/svc/")));
        for (id, arn) in [
            ("a", exact),
            ("b", "arn:aws:iam::999999999999:role/Named"),
            ("c", "arn:aws:iam::222222222222:role/svc/Pathed"),
            ("d", "arn:aws:iam::333333333333:role/svc/Pathed"),
            ("e", "arn:aws:iam::222222222222:role/Pathed"),
        ] {
            g.state_machines.insert(id.into(), machine(id, arn));
            g.edges.push(Edge { from: id.into(), to: arn.into(), kind: EdgeKind::ExecutesAs });
        }
        link(&mut g);
        let linked = |id: &str| g.state_machines[id].role.clone();
        assert_eq!(linked("a").as_deref(), Some(exact));
        assert_eq!(linked("b").as_deref(), Some("t.yaml#Named"));
        assert_eq!(linked("c").as_deref(), Some("t.yaml#Pathed"));
        assert_eq!(linked("d"), None, "another account");
        assert_eq!(linked("e"), None, "another path");
        assert!(g.edges.contains(&Edge { from: "b".into(), to: "t.yaml#Named".into(), kind: EdgeKind::ExecutesAs }));
        assert!(!g.edges.iter().any(|e| e.from == "b" && e.to.starts_with("arn:")), "literal edge rewritten");
        assert!(g.edges.iter().any(|e| e.from == "d" && e.to.starts_with("arn:")), "unlinked edge kept");
    }

    #[test]
    fn two_roles_with_one_name_are_not_guessed_between() {
        let mut g = FactGraph::default();
        g.roles.insert("a#R".into(), role("a#R", "R", None, None, None));
        g.roles.insert("b#R".into(), role("b#R", "R", None, None, None));
        g.state_machines.insert("m".into(), machine("m", "arn:aws:iam::111111111111:role/R"));
        link(&mut g);
        assert_eq!(g.state_machines["m"].role, None);
        assert_eq!(g.diagnostics[0].code, "LINK_AMBIGUOUS_ROLE");
        assert!(g.diagnostics[0].message.contains("`a#R`, `b#R`"), "{}", g.diagnostics[0].message);
    }

    #[test]
    fn managed_policy_arns_and_boundaries_resolve_to_policy_ids() {
        let mut g = FactGraph::default();
        let arn = "arn:aws:iam::111111111111:policy/Boundary";
        let mut r = role("r", "R", None, None, None);
        r.managed_policies = vec![arn.into(), "arn:aws:iam::aws:policy/ReadOnlyAccess".into()];
        r.permissions_boundary = Some(arn.into());
        g.roles.insert("r".into(), r);
        g.policies.insert("tf#boundary".into(), policy("tf#boundary", PolicyKind::Managed, Some(arn), "tf", "/x"));
        g.edges.push(Edge { from: "r".into(), to: arn.into(), kind: EdgeKind::BoundedBy });
        link(&mut g);
        assert_eq!(g.roles["r"].managed_policies, ["tf#boundary", "arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        assert_eq!(g.roles["r"].permissions_boundary.as_deref(), Some("tf#boundary"));
        assert_eq!(g.policies["tf#boundary"].attached_to, ["r"]);
        assert!(g.edges.contains(&Edge { from: "r".into(), to: "tf#boundary".into(), kind: EdgeKind::BoundedBy }));
        assert!(g.edges.contains(&Edge { from: "tf#boundary".into(), to: "r".into(), kind: EdgeKind::AttachedTo }));
    }

    #[test]
    fn role_policies_attach_by_name_and_layout_files_replace_bare_copies() {
        let mut g = FactGraph::default();
        g.sources.push(SourceFile {
            file: "rp.json".into(),
            kind: PRINCIPAL_POLICY_SOURCE_KIND.into(),
            sha256: String::new(),
            bytes: 0,
        });
        g.roles.insert("arn:r".into(), role("arn:r", "Exec", Some("arn:r"), None, None));
        let inline = "rp.json#role/Exec/policy/Main";
        g.policies.insert(inline.into(), policy(inline, PolicyKind::Inline, None, "rp.json", "/PolicyDocument"));
        g.policies.insert("scp/a.json".into(), policy("scp/a.json", PolicyKind::Identity, None, "scp/a.json", ""));
        g.policies.insert("p-a".into(), policy("p-a", PolicyKind::Scp, None, "scp/a.json", ""));
        g.organization.attachments.push(Attachment { policy: "p-a".into(), target: "r-ab12".into() });
        link(&mut g);
        assert_eq!(g.roles["arn:r"].inline_policies, [inline]);
        assert_eq!(g.policies[inline].attached_to, ["arn:r"]);
        assert!(!g.policies.contains_key("scp/a.json"));
        assert_eq!(g.policies["p-a"].attached_to, ["r-ab12"]);
    }

    #[test]
    fn a_benchmark_sized_graph_links_every_machine() {
        let mut g = FactGraph::default();
        for i in 0..2_000 {
            let arn = format!("arn:aws:iam::111111111111:role/r{i}");
            let mut r = role(&format!("t#{i}"), &format!("r{i}"), None, None, None);
            r.managed_policies.push(format!("arn:aws:iam::111111111111:policy/p{i}"));
            g.roles.insert(r.id.clone(), r);
            let p = format!("arn:aws:iam::111111111111:policy/p{i}");
            g.policies.insert(p.clone(), policy(&p, PolicyKind::Managed, Some(&p), "d.json", "/x"));
            let _ = arn;
        }
        for i in 0..10_000 {
            let id = format!("m{i}");
            g.state_machines
                .insert(id.clone(), machine(&id, &format!("arn:aws:iam::111111111111:role/r{}", i % 2_000)));
        }
        let started = std::time::Instant::now();
        link(&mut g);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        assert!(g.state_machines.values().all(|m| m.role.is_some()));
    }

    #[test]
    fn deploy_time_role_arns_link_to_the_only_role_of_that_name() {
        let mut graph = FactGraph::default();
        let exported = role(
            "arn:aws:iam::222222222222:role/app-exec",
            "app-exec",
            Some("arn:aws:iam::222222222222:role/app-exec"),
            Some("222222222222"),
            Some("/"),
        );
        graph.roles.insert(exported.id.clone(), exported);
        let mut m = machine("t.yaml#M", "unused");
        m.role_arn = Some(serde_json::json!({"sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app-exec"}));
        graph.state_machines.insert(m.id.clone(), m);
        let mut p = machine("t.yaml#P", "unused");
        p.role_arn = Some(serde_json::json!({"ref": "ExecutionRoleArn"}));
        graph.state_machines.insert(p.id.clone(), p);
        let mut q = machine("t.yaml#Q", "unused");
        q.role_arn =
            Some(serde_json::json!({"sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Prefix}-exec"}));
        graph.state_machines.insert(q.id.clone(), q);
        link(&mut graph);
        assert_eq!(graph.state_machines["t.yaml#M"].role.as_deref(), Some("arn:aws:iam::222222222222:role/app-exec"));
        assert_eq!(graph.state_machines["t.yaml#P"].role, None, "a parameter is never guessed");
        assert_eq!(graph.state_machines["t.yaml#Q"].role, None, "an unknown name is never guessed");
    }

    #[test]
    fn role_arns_parse_into_account_path_and_name() {
        assert_eq!(parse_role_arn("arn:aws:iam::1:role/a/b/N"), Some(("1", "a/b/", "N")));
        assert_eq!(parse_role_arn("arn:aws-cn:iam::1:role/N"), Some(("1", "", "N")));
        assert_eq!(parse_role_arn("arn:aws:iam::1:roles/N"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::1:user/N"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::1:role/"), None);
        assert_eq!(parse_role_arn("not an arn"), None);
    }
}
