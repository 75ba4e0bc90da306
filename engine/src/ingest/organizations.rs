//! Organizations: stepguard's layout file, `describe-policy` output and the `list-*` /
//! `describe-organization` output that carries enough to use on its own.
//!
//! AWS has no single command that prints the tree with its policies, and the `list-*` outputs
//! do not name the parent they were asked about, so the tree comes from a layout file (format
//! and an export script in `docs/organizations.md`). The layout is validated strictly: a typo
//! in a layout silently detaching an SCP would make every later verdict wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value as Json;

use super::iam::{
    arn_account, field, insert_policy, is_account_id, members, optional_array, optional_str, policy_document, required,
    required_name, required_str,
};
use super::policy_doc::read_policy;
use super::{InputKind, ReadContext, ReadOutcome, hex_digest, join_display, parse_text, read_text, sniff};
use crate::doc::{Node, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::model::{
    Account, Attachment, Edge, EdgeKind, FactGraph, OrgUnit, Organization, Policy, PolicyKind, SourceFile, SourceRef,
};

/// Reads one organizations document of the given kind.
pub(crate) fn read(ctx: &ReadContext<'_>, kind: InputKind, root: &Node, out: &mut ReadOutcome) {
    match kind {
        InputKind::OrgLayout => read_layout(ctx, root, out),
        InputKind::OrgPolicy => {
            if let Err(e) = read_describe_policy(ctx, root, &mut out.graph) {
                out.errors.push(e);
            }
        }
        InputKind::OrgListing => read_listing(ctx, root, out),
        _ => {}
    }
}

/// The layout format version this reader understands.
const LAYOUT_VERSION: u64 = 1;

const LAYOUT_KEYS: &[&str] = &["stepguard_organization", "root", "management_account", "ous", "accounts", "policies"];
const ROOT_KEYS: &[&str] = &["id", "name"];
const MEMBER_KEYS: &[&str] = &["id", "name", "parent"];
const POLICY_KEYS: &[&str] = &["id", "name", "description", "type", "file", "content", "targets"];

/// The AWS-managed policies a layout may name without content: attached by default when the
/// policy type is enabled, they allow everything.
const BUILT_IN: &[(&str, PolicyKind, &str, &str)] = &[
    (
        "p-FullAWSAccess",
        PolicyKind::Scp,
        "FullAWSAccess",
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
    ),
    (
        "p-RCPFullAWSAccess",
        PolicyKind::Rcp,
        "RCPFullAWSAccess",
        "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
    ),
];

/// An OU or account entry of a layout, after its own fields were checked.
struct Member<'n> {
    id: &'n str,
    name: Option<&'n str>,
    parent: &'n str,
    /// Line and pointer of the entry's `parent` value.
    parent_line: u32,
    pointer: String,
    line: u32,
}

/// The layout file (see `docs/organizations.md`). Every problem is reported, not just the first.
fn read_layout(ctx: &ReadContext<'_>, root: &Node, out: &mut ReadOutcome) {
    let mut errors = Vec::new();
    if let Err(e) = check_keys(ctx, root, "", LAYOUT_KEYS) {
        out.errors.push(e);
        return;
    }
    if let Err(e) = check_version(ctx, root) {
        out.errors.push(e);
        return;
    }
    let root_id = match read_root(ctx, root) {
        Ok(id) => Some(id),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let management_account = match field(root, "management_account") {
        None => None,
        Some(v) => match account_id(ctx, v, "/management_account") {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    let ous = read_members(
        ctx,
        root,
        "ous",
        "organizational unit",
        is_ou_id,
        "`ou-` and lowercase letters, digits or `-`",
        &mut errors,
    );
    let accounts = read_members(ctx, root, "accounts", "account", is_account_id, "12 digits", &mut errors);

    let ou_index: BTreeMap<&str, usize> = ous.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    for member in ous.iter().chain(&accounts) {
        if Some(member.parent) != root_id && !ou_index.contains_key(member.parent) {
            errors.push(ctx.error(
                member.parent_line,
                &join_pointer(&member.pointer, "parent"),
                InputErrorKind::Shape,
                format!("unknown parent `{}`: not the root or an organizational unit of this layout", member.parent),
            ));
        }
    }
    errors.extend(find_cycle(ctx, &ous, &ou_index));

    let mut targets: BTreeSet<&str> = ous.iter().chain(&accounts).map(|m| m.id).collect();
    targets.extend(root_id);
    let mut policies = Vec::new();
    let mut attachments = Vec::new();
    let mut sources = Vec::new();
    let mut policy_lines: BTreeMap<&str, u32> = BTreeMap::new();
    match optional_array(ctx, root, "", "policies") {
        Ok(items) => {
            for (i, item) in items.iter().enumerate() {
                let pointer = join_index("/policies", i);
                match read_layout_policy(ctx, item, &pointer, &targets) {
                    Ok(entry) => {
                        if let Some(first) = policy_lines.insert(entry.id, item.line) {
                            errors.push(ctx.error(
                                item.line,
                                &join_pointer(&pointer, "id"),
                                InputErrorKind::Shape,
                                format!("policy `{}` is listed twice (first at line {first})", entry.id),
                            ));
                        }
                        attachments.extend(
                            entry.targets.iter().map(|t| Attachment { policy: entry.id.to_owned(), target: t.clone() }),
                        );
                        policies.extend(entry.policy);
                        sources.extend(entry.source);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        Err(e) => errors.push(e),
    }

    if !errors.is_empty() {
        out.errors.extend(errors);
        return;
    }
    let graph = &mut out.graph;
    let source = |m: &Member<'_>| SourceRef { file: ctx.file.to_owned(), pointer: m.pointer.clone(), line: m.line };
    for ou in &ous {
        graph.edges.push(Edge { from: ou.id.to_owned(), to: ou.parent.to_owned(), kind: EdgeKind::ChildOf });
        graph.organization.ous.insert(
            ou.id.to_owned(),
            OrgUnit {
                id: ou.id.to_owned(),
                name: ou.name.map(str::to_owned),
                parent: ou.parent.to_owned(),
                source: source(ou),
            },
        );
    }
    for account in &accounts {
        graph.edges.push(Edge { from: account.id.to_owned(), to: account.parent.to_owned(), kind: EdgeKind::ChildOf });
        graph.organization.accounts.insert(
            account.id.to_owned(),
            Account {
                id: account.id.to_owned(),
                name: account.name.map(str::to_owned),
                parent: account.parent.to_owned(),
                source: source(account),
            },
        );
    }
    graph.organization.root = root_id.map(str::to_owned);
    graph.organization.management_account = management_account.map(str::to_owned);
    graph.organization.attachments = attachments;
    graph.sources.extend(sources);
    for policy in policies {
        if let Err(e) = insert_policy(ctx, graph, policy) {
            out.errors.push(e);
        }
    }
}

fn check_version(ctx: &ReadContext<'_>, root: &Node) -> Result<(), InputError> {
    let version = required(ctx, root, "", "stepguard_organization")?;
    match version.as_u64() {
        Some(LAYOUT_VERSION) => Ok(()),
        Some(other) => Err(ctx.error(
            version.line,
            "/stepguard_organization",
            InputErrorKind::Shape,
            format!("unsupported layout version `{other}`: this stepguard reads version {LAYOUT_VERSION}"),
        )),
        None => Err(ctx.type_error(version, "/stepguard_organization", "the layout version (a number)")),
    }
}

fn read_root<'n>(ctx: &ReadContext<'_>, layout: &'n Node) -> Result<&'n str, InputError> {
    let root = required(ctx, layout, "", "root")?;
    members(ctx, root, "/root")?;
    check_keys(ctx, root, "/root", ROOT_KEYS)?;
    optional_str(ctx, root, "/root", "name")?;
    let id = required_name(ctx, root, "/root", "id")?;
    if !is_root_id(id) {
        return Err(ctx.error(
            line_of(root, "id"),
            "/root/id",
            InputErrorKind::Shape,
            format!("root id `{id}` must be `r-` and 4 to 32 lowercase letters or digits"),
        ));
    }
    Ok(id)
}

/// The `ous` or `accounts` list: entries with valid fields and unique ids. Parents are checked
/// by the caller, once both lists are known.
fn read_members<'n>(
    ctx: &ReadContext<'_>,
    layout: &'n Node,
    key: &str,
    what: &str,
    valid_id: fn(&str) -> bool,
    id_rule: &str,
    errors: &mut Vec<InputError>,
) -> Vec<Member<'n>> {
    let items = match optional_array(ctx, layout, "", key) {
        Ok(items) => items,
        Err(e) => {
            errors.push(e);
            return Vec::new();
        }
    };
    let mut out: Vec<Member<'n>> = Vec::new();
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let pointer = join_index(&join_pointer("", key), i);
        let entry = (|| {
            members(ctx, item, &pointer)?;
            check_keys(ctx, item, &pointer, MEMBER_KEYS)?;
            let id_node = required(ctx, item, &pointer, "id")?;
            let id_pointer = join_pointer(&pointer, "id");
            let id = if what == "account" {
                account_id(ctx, id_node, &id_pointer)?
            } else {
                let id = required_name(ctx, item, &pointer, "id")?;
                if !valid_id(id) {
                    return Err(ctx.error(
                        id_node.line,
                        &id_pointer,
                        InputErrorKind::Shape,
                        format!("{what} id `{id}` must be {id_rule}"),
                    ));
                }
                id
            };
            let name = optional_str(ctx, item, &pointer, "name")?;
            let parent = required_name(ctx, item, &pointer, "parent")?;
            Ok(Member {
                id,
                name,
                parent,
                parent_line: line_of(item, "parent"),
                pointer: pointer.clone(),
                line: item.line,
            })
        })();
        match entry {
            Ok(member) => {
                if let Some(first) = seen.insert(member.id, item.line) {
                    errors.push(ctx.error(
                        line_of(item, "id"),
                        &join_pointer(&pointer, "id"),
                        InputErrorKind::Shape,
                        format!("{what} `{}` is listed twice (first at line {first})", member.id),
                    ));
                } else {
                    out.push(member);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    out
}

/// The first cycle in the OU tree (in document order), as an error naming every OU on it.
fn find_cycle(ctx: &ReadContext<'_>, ous: &[Member<'_>], index: &BTreeMap<&str, usize>) -> Option<InputError> {
    // Each OU has one parent, so walking parents from every OU in turn and remembering which
    // walk visited a node finds each cycle in linear time.
    let mut walk_of: Vec<Option<usize>> = vec![None; ous.len()];
    for start in 0..ous.len() {
        let mut path = Vec::new();
        let mut current = start;
        loop {
            match walk_of.get(current).copied().flatten() {
                Some(walk) if walk == start => {
                    let from = path.iter().position(|&p| p == current).unwrap_or(0);
                    return Some(cycle_error(ctx, ous, path.get(from..).unwrap_or(&[])));
                }
                Some(_) => break,
                None => {}
            }
            if let Some(slot) = walk_of.get_mut(current) {
                *slot = Some(start);
            }
            path.push(current);
            match ous.get(current).and_then(|m| index.get(m.parent)) {
                Some(&next) => current = next,
                None => break,
            }
        }
    }
    None
}

fn cycle_error(ctx: &ReadContext<'_>, ous: &[Member<'_>], cycle: &[usize]) -> InputError {
    // Start the message at the OU listed first, so the error does not depend on walk order.
    let first = cycle.iter().enumerate().min_by_key(|&(_, &i)| i).map_or(0, |(at, _)| at);
    let ordered: Vec<usize> = cycle.iter().skip(first).chain(cycle.iter().take(first)).copied().collect();
    let mut names: Vec<String> = ordered.iter().filter_map(|&i| ous.get(i)).map(|m| format!("`{}`", m.id)).collect();
    if let Some(head) = names.first().cloned() {
        names.push(head);
    }
    let (line, pointer) = ordered
        .first()
        .and_then(|&i| ous.get(i))
        .map_or((0, String::new()), |m| (m.parent_line, join_pointer(&m.pointer, "parent")));
    ctx.error(
        line,
        &pointer,
        InputErrorKind::Shape,
        format!("organizational units form a cycle through their parents: {}", names.join(" → ")),
    )
}

/// One `policies` entry, read and checked.
struct LayoutPolicy<'n> {
    id: &'n str,
    targets: Vec<String>,
    /// The policy node, unless the entry refers to a policy defined by another input.
    policy: Option<Policy>,
    /// The policy file the entry names, as a source of the graph.
    source: Option<SourceFile>,
}

fn read_layout_policy<'n>(
    ctx: &ReadContext<'_>,
    node: &'n Node,
    pointer: &str,
    targets: &BTreeSet<&str>,
) -> Result<LayoutPolicy<'n>, InputError> {
    members(ctx, node, pointer)?;
    check_keys(ctx, node, pointer, POLICY_KEYS)?;
    let id = required_name(ctx, node, pointer, "id")?;
    let name = optional_str(ctx, node, pointer, "name")?;
    optional_str(ctx, node, pointer, "description")?;
    let type_name = required_str(ctx, node, pointer, "type")?;
    let kind = policy_kind(type_name).ok_or_else(|| {
        ctx.error(
            line_of(node, "type"),
            &join_pointer(pointer, "type"),
            InputErrorKind::Shape,
            format!("`type` must be `SERVICE_CONTROL_POLICY` or `RESOURCE_CONTROL_POLICY`, not `{type_name}`"),
        )
    })?;
    let targets_pointer = join_pointer(pointer, "targets");
    let mut attached = Vec::new();
    for (i, target) in optional_array(ctx, node, pointer, "targets")?.iter().enumerate() {
        let target_pointer = join_index(&targets_pointer, i);
        let t = target.as_str().ok_or_else(|| ctx.type_error(target, &target_pointer, "a root, OU or account id"))?;
        if !targets.contains(t) {
            return Err(ctx.error(
                target.line,
                &target_pointer,
                InputErrorKind::Shape,
                format!("unknown target `{t}`: not the root, an organizational unit or an account of this layout"),
            ));
        }
        attached.push(t.to_owned());
    }

    let (mut policy, source) = match (field(node, "file"), field(node, "content")) {
        (Some(_), Some(_)) => {
            return Err(ctx.error(
                node.line,
                pointer,
                InputErrorKind::Shape,
                "a policy has `file` or `content`, not both",
            ));
        }
        (None, Some(content)) => {
            let content_pointer = join_pointer(pointer, "content");
            let document = policy_document(ctx, content, &content_pointer)?;
            (Some(read_policy(ctx, &document, &content_pointer, id.to_owned(), kind)?), None)
        }
        (Some(file), None) => {
            let (policy, source) = read_policy_file(ctx, file, &join_pointer(pointer, "file"), id, kind)?;
            (Some(policy), Some(source))
        }
        (None, None) => (built_in(ctx, node, pointer, id, kind)?, None),
    };
    if let (Some(policy), Some(name)) = (policy.as_mut(), name) {
        policy.name = Some(Json::from(name));
    }
    Ok(LayoutPolicy { id, targets: attached, policy, source })
}

fn policy_kind(type_name: &str) -> Option<PolicyKind> {
    match type_name {
        "SERVICE_CONTROL_POLICY" => Some(PolicyKind::Scp),
        "RESOURCE_CONTROL_POLICY" => Some(PolicyKind::Rcp),
        _ => None,
    }
}

/// A policy entry without content: one of the AWS-managed full-access policies (built here), or
/// an AWS policy id whose `describe-policy` output is another input (`None`).
fn built_in(
    ctx: &ReadContext<'_>,
    node: &Node,
    pointer: &str,
    id: &str,
    kind: PolicyKind,
) -> Result<Option<Policy>, InputError> {
    if let Some(&(_, built_in_kind, name, arn)) = BUILT_IN.iter().find(|(b, ..)| *b == id) {
        if built_in_kind != kind {
            return Err(ctx.error(
                line_of(node, "type"),
                &join_pointer(pointer, "type"),
                InputErrorKind::Shape,
                format!(
                    "`{id}` is a {}",
                    if built_in_kind == PolicyKind::Scp { "service control policy" } else { "resource control policy" }
                ),
            ));
        }
        let document = Node::from_json(
            &serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
            node.line,
        );
        let mut policy = read_policy(ctx, &document, pointer, id.to_owned(), kind)?;
        // The document is built here, so its statements can only point at the layout entry.
        for statement in &mut policy.statements {
            statement.source = policy.source.clone();
        }
        policy.name = Some(Json::from(name));
        policy.arn = Some(Json::from(arn));
        return Ok(Some(policy));
    }
    if id.starts_with("p-") {
        return Ok(None);
    }
    Err(ctx.error(
        node.line,
        pointer,
        InputErrorKind::Shape,
        format!("policy `{id}` has no `file` or `content` (only an AWS policy id `p-...` may name a policy defined by another input)"),
    ))
}

/// Reads the policy document a layout entry names by `file` (relative to the layout). The
/// policy's source, and any error in it, name that file.
fn read_policy_file(
    ctx: &ReadContext<'_>,
    file: &Node,
    pointer: &str,
    id: &str,
    kind: PolicyKind,
) -> Result<(Policy, SourceFile), InputError> {
    let relative = file.as_str().ok_or_else(|| ctx.type_error(file, pointer, "a path (a string)"))?;
    if relative.is_empty() || relative.starts_with('/') || relative.contains('\\') || relative.contains(':') {
        return Err(ctx.error(
            file.line,
            pointer,
            InputErrorKind::Shape,
            format!("`{relative}` must be a path relative to the layout file, with `/` separators"),
        ));
    }
    let display = join_display(ctx.file, relative);
    let dir = ctx.dir.map(|d| d.join(relative)).and_then(|p| p.parent().map(Path::to_path_buf));
    let text = match ctx.documents.get(display.as_str()) {
        Some(text) => (*text).to_owned(),
        None => match ctx.dir {
            Some(dir) => {
                let path = dir.join(relative);
                // Say it plainly rather than with the platform's wording.
                if !path.is_file() {
                    return Err(ctx.error(
                        file.line,
                        pointer,
                        InputErrorKind::Io,
                        format!("cannot read `{relative}`: no such file"),
                    ));
                }
                read_text(&path, &display, ctx.limits).map_err(|e| {
                    ctx.error(
                        file.line,
                        pointer,
                        InputErrorKind::Io,
                        format!("cannot read `{relative}`: {}", e.message),
                    )
                })?
            }
            None => {
                return Err(ctx.error(
                    file.line,
                    pointer,
                    InputErrorKind::Io,
                    format!("cannot read `{relative}`: not among the inputs"),
                ));
            }
        },
    };
    let node = parse_text(&display, &text, ctx.limits)?;
    let inner = ReadContext::new(&display, ctx.limits, ctx.documents, dir.as_deref());
    let policy = read_policy(&inner, &node, "", id.to_owned(), kind)?;
    let source = SourceFile {
        file: display.clone(),
        kind: sniff::classify(&node).as_str().to_owned(),
        sha256: hex_digest(text.as_bytes()),
        bytes: text.len() as u64,
    };
    Ok((policy, source))
}

/// `aws organizations describe-policy`: an SCP or RCP with its AWS id.
fn read_describe_policy(ctx: &ReadContext<'_>, root: &Node, graph: &mut FactGraph) -> Result<(), InputError> {
    let policy = required(ctx, root, "", "Policy")?;
    members(ctx, policy, "/Policy")?;
    let summary = required(ctx, policy, "/Policy", "PolicySummary")?;
    let summary_pointer = "/Policy/PolicySummary";
    members(ctx, summary, summary_pointer)?;
    let id = required_name(ctx, summary, summary_pointer, "Id")?;
    let type_name = required_str(ctx, summary, summary_pointer, "Type")?;
    let kind = policy_kind(type_name).ok_or_else(|| {
        ctx.error(
            line_of(summary, "Type"),
            "/Policy/PolicySummary/Type",
            InputErrorKind::NotEvaluable,
            format!("policy type `{type_name}` is not a service or resource control policy"),
        )
    })?;
    let name = optional_str(ctx, summary, summary_pointer, "Name")?;
    let arn = optional_str(ctx, summary, summary_pointer, "Arn")?;
    let document = policy_document(ctx, required(ctx, policy, "/Policy", "Content")?, "/Policy/Content")?;
    let mut policy = read_policy(ctx, &document, "/Policy/Content", id.to_owned(), kind)?;
    policy.name = name.map(Json::from);
    policy.arn = arn.map(Json::from);
    insert_policy(ctx, graph, policy)
}

/// `list-roots` and `describe-organization` output (alone or merged). The other listings do
/// not say where their items sit, so they are refused with a pointer to the export script.
fn read_listing(ctx: &ReadContext<'_>, root: &Node, out: &mut ReadOutcome) {
    let Some(entries) = root.as_object() else { return };
    for (key, value) in entries {
        let pointer = join_pointer("", key);
        let result = match key.as_str() {
            "Roots" => read_roots(ctx, value, &pointer, &mut out.graph.organization),
            "Organization" => read_organization(ctx, value, &pointer, &mut out.graph.organization),
            "Accounts" | "OrganizationalUnits" | "Policies" | "Targets" | "Children" | "Parents" => {
                Err(ctx.error(value.line, &pointer, InputErrorKind::NotEvaluable, incomplete_listing(key)))
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            out.errors.push(e);
        }
    }
}

fn incomplete_listing(key: &str) -> String {
    let what = match key {
        "Accounts" => "`list-accounts` output does not say which parent each account is under",
        "OrganizationalUnits" => "`list-organizational-units-for-parent` output does not name the parent",
        "Policies" => "`list-policies` output holds no policy content and no targets",
        "Targets" => "`list-targets-for-policy` output does not name the policy",
        "Children" => "`list-children` output does not name the parent",
        _ => "`list-parents` output does not name the child",
    };
    format!("{what}: export the organization layout with the script in docs/organizations.md")
}

fn read_roots(ctx: &ReadContext<'_>, node: &Node, pointer: &str, org: &mut Organization) -> Result<(), InputError> {
    let roots = node.as_array().ok_or_else(|| ctx.type_error(node, pointer, "an array"))?;
    let [root] = roots else {
        return Err(ctx.error(
            node.line,
            pointer,
            InputErrorKind::Shape,
            format!("an organization has exactly one root; found {}", roots.len()),
        ));
    };
    let root_pointer = join_index(pointer, 0);
    members(ctx, root, &root_pointer)?;
    let id = required_name(ctx, root, &root_pointer, "Id")?;
    if !is_root_id(id) {
        return Err(ctx.error(
            line_of(root, "Id"),
            &join_pointer(&root_pointer, "Id"),
            InputErrorKind::Shape,
            format!("root id `{id}` must be `r-` and 4 to 32 lowercase letters or digits"),
        ));
    }
    org.root = Some(id.to_owned());
    // Organizations ARNs carry the management account: `arn:aws:organizations::MGMT:root/o-x/r-y`.
    if let Some(account) = optional_str(ctx, root, &root_pointer, "Arn")?.and_then(arn_account) {
        org.management_account = Some(account.to_owned());
    }
    Ok(())
}

fn read_organization(
    ctx: &ReadContext<'_>,
    node: &Node,
    pointer: &str,
    org: &mut Organization,
) -> Result<(), InputError> {
    members(ctx, node, pointer)?;
    let account = required(ctx, node, pointer, "MasterAccountId")?;
    org.management_account = Some(account_id(ctx, account, &join_pointer(pointer, "MasterAccountId"))?.to_owned());
    Ok(())
}

/// Fails on any key not in `allowed`, naming the ones that are.
fn check_keys(ctx: &ReadContext<'_>, node: &Node, pointer: &str, allowed: &[&str]) -> Result<(), InputError> {
    let Some(entries) = node.as_object() else { return Ok(()) };
    match entries.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some((key, value)) => {
            let expected = allowed.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
            Err(ctx.error(
                value.line,
                &join_pointer(pointer, key),
                InputErrorKind::Shape,
                format!("unknown key `{key}` (expected {expected})"),
            ))
        }
    }
}

/// A 12-digit account id given as a string (a number would lose leading zeros).
fn account_id<'n>(ctx: &ReadContext<'_>, node: &'n Node, pointer: &str) -> Result<&'n str, InputError> {
    let id = node.as_str().ok_or_else(|| ctx.type_error(node, pointer, "a 12-digit account id (a string)"))?;
    if is_account_id(id) {
        Ok(id)
    } else {
        Err(ctx.error(node.line, pointer, InputErrorKind::Shape, format!("account id `{id}` must be 12 digits")))
    }
}

fn line_of(node: &Node, key: &str) -> u32 {
    node.get(key).map_or(node.line, |v| v.line)
}

/// `r-` and 4 to 32 lowercase letters or digits (the form AWS gives root ids).
fn is_root_id(id: &str) -> bool {
    id.strip_prefix("r-").is_some_and(|rest| {
        (4..=32).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// `ou-` and lowercase letters, digits or `-` (AWS's own ids are `ou-ROOT-RANDOM`; hand-written
/// layouts may use readable ones).
fn is_ou_id(id: &str) -> bool {
    id.strip_prefix("ou-").is_some_and(|rest| {
        !rest.is_empty()
            && !rest.ends_with('-')
            && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_aws_forms() {
        assert!(is_root_id("r-a1b2"));
        assert!(!is_root_id("r-A1B2"));
        assert!(!is_root_id("r-abc"));
        assert!(is_ou_id("ou-a1b2-workload"));
        assert!(!is_ou_id("ou-"));
        assert!(!is_ou_id("ou-x-"));
        assert!(!is_ou_id("Workloads"));
    }
}
