//! IAM documents: bare policies, `get-role`, `get-role-policy` (and its user and group
//! siblings), `get-policy-version` (optionally merged with `get-policy`), and
//! `get-account-authorization-details`.
//!
//! Ids follow the graph's rule: ARNs where the input gives them (`ROLE_ARN#trust` for a trust
//! policy, `PRINCIPAL_ARN#policy/NAME` for an inline policy), else the file name. Links that
//! cross files (a `get-role-policy` to its role, a managed policy ARN to the policy) are made
//! later by `link`, so the readers here only record what each file says.
//!
//! Policy documents in IAM API output are objects when the CLI printed them and URL-encoded
//! JSON strings in raw API responses; both are accepted.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::policy_doc::read_policy;
use super::{InputKind, ReadContext, ReadOutcome, parse_text};
use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::model::{Edge, EdgeKind, FactGraph, Policy, PolicyKind, Role, SourceRef, Statement};

/// Reads one IAM document of the given kind.
pub(crate) fn read(ctx: &ReadContext<'_>, kind: InputKind, root: &Node, out: &mut ReadOutcome) {
    let result = match kind {
        InputKind::IamPolicy => read_document(ctx, root, &mut out.graph),
        InputKind::IamRole => read_get_role(ctx, root, &mut out.graph),
        InputKind::IamRolePolicy => read_principal_policy(ctx, root, &mut out.graph),
        InputKind::IamPolicyVersion => read_policy_version(ctx, root, &mut out.graph),
        InputKind::IamAuthorizationDetails => {
            read_authorization_details(ctx, root, out);
            Ok(())
        }
        _ => Ok(()),
    };
    if let Err(e) = result {
        out.errors.push(e);
    }
}

/// The three kinds of IAM principal and the keys their API output uses.
struct PrincipalForm {
    principal_type: &'static str,
    name_key: &'static str,
    inline_key: &'static str,
}

const ROLE: PrincipalForm =
    PrincipalForm { principal_type: "role", name_key: "RoleName", inline_key: "RolePolicyList" };
const USER: PrincipalForm =
    PrincipalForm { principal_type: "user", name_key: "UserName", inline_key: "UserPolicyList" };
const GROUP: PrincipalForm =
    PrincipalForm { principal_type: "group", name_key: "GroupName", inline_key: "GroupPolicyList" };

/// The `SourceFile` kind under which `get-role-policy` output is listed; `link` uses it to find
/// inline policies that still need their principal.
pub(super) const PRINCIPAL_POLICY_SOURCE_KIND: &str = "iam-get-role-policy";

/// A bare policy document. Its id is the file name; its kind is guessed from its content:
/// principals with `sts:AssumeRole*` make a trust policy, other principals a resource policy.
fn read_document(ctx: &ReadContext<'_>, root: &Node, graph: &mut FactGraph) -> Result<(), InputError> {
    // Documents cut out of templates still hold `Fn::GetAtt`, `Ref`...: keep those symbolic.
    let mut document = root.clone();
    symbolize_intrinsics(&mut document);
    let mut policy = read_policy(ctx, &document, "", ctx.file.to_owned(), PolicyKind::Identity)?;
    policy.kind = document_kind(&policy.statements);
    graph.policies.insert(policy.id.clone(), policy);
    Ok(())
}

fn document_kind(statements: &[Statement]) -> PolicyKind {
    let mut has_principal = false;
    for s in statements.iter().filter(|s| s.principal.is_some() || s.not_principal.is_some()) {
        has_principal = true;
        if s.action.iter().any(|a| a.as_str().is_some_and(is_assume_role_action)) {
            return PolicyKind::Trust;
        }
    }
    if has_principal { PolicyKind::Resource } else { PolicyKind::Identity }
}

/// `sts:AssumeRole`, `sts:AssumeRoleWithSAML`, `sts:AssumeRoleWithWebIdentity` (actions are
/// case-insensitive).
fn is_assume_role_action(action: &str) -> bool {
    const PREFIX: &str = "sts:AssumeRole";
    action.get(..PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
}

/// CloudFormation intrinsic functions and their symbolic names (see `symbolic`).
const INTRINSICS: &[(&str, &str)] = &[
    ("Ref", "ref"),
    ("Fn::GetAtt", "get_att"),
    ("Fn::Sub", "sub"),
    ("Fn::Join", "join"),
    ("Fn::ImportValue", "import_value"),
    ("Fn::If", "if"),
    ("Fn::Select", "select"),
    ("Fn::FindInMap", "find_in_map"),
    ("Fn::Split", "split"),
    ("Fn::Base64", "base64"),
    ("Fn::GetAZs", "get_azs"),
    ("Fn::Cidr", "cidr"),
    ("Fn::Transform", "transform"),
    ("Fn::ToJsonString", "to_json_string"),
    ("Fn::Length", "length"),
];

/// Rewrites one-key intrinsic objects (`{"Fn::GetAtt": "A.Arn"}`) into their symbolic form
/// (`{"get_att": ["A", "Arn"]}`) in place. Iterative, so any depth the parser accepted is safe.
fn symbolize_intrinsics(root: &mut Node) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if let Value::Object(members) = &mut node.value
            && let [(key, value)] = members.as_mut_slice()
            && let Some((_, symbolic)) = INTRINSICS.iter().find(|(name, _)| name == key)
        {
            key.clear();
            key.push_str(symbolic);
            if let ("get_att", Value::String(s)) = (*symbolic, &value.value)
                && let Some((resource, attribute)) = s.split_once('.')
            {
                value.value =
                    Value::Array(vec![Node::string(resource, value.line), Node::string(attribute, value.line)]);
            }
        }
        match &mut node.value {
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(members) => stack.extend(members.iter_mut().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// `aws iam get-role`: `{"Role": {...}}`.
fn read_get_role(ctx: &ReadContext<'_>, root: &Node, graph: &mut FactGraph) -> Result<(), InputError> {
    let node = required(ctx, root, "", "Role")?;
    let role = read_principal(ctx, node, "/Role", &ROLE, graph)?;
    insert_role(ctx, graph, role)
}

/// `aws iam get-role-policy` (or `get-user-policy`, `get-group-policy`): an inline policy that
/// names its principal only by name. `link` attaches it to the principal.
fn read_principal_policy(ctx: &ReadContext<'_>, root: &Node, graph: &mut FactGraph) -> Result<(), InputError> {
    members(ctx, root, "")?;
    let form = [&ROLE, &USER, &GROUP].into_iter().find(|f| field(root, f.name_key).is_some()).unwrap_or(&ROLE);
    let owner = required_name(ctx, root, "", form.name_key)?;
    let name = required_name(ctx, root, "", "PolicyName")?;
    let document = policy_document(ctx, required(ctx, root, "", "PolicyDocument")?, "/PolicyDocument")?;
    let id = format!("{}#{}/{owner}/policy/{name}", ctx.file, form.principal_type);
    let mut policy = read_policy(ctx, &document, "/PolicyDocument", id, PolicyKind::Inline)?;
    policy.name = Some(Json::from(name));
    insert_policy(ctx, graph, policy)
}

/// Splits an id made by [`read_principal_policy`] into principal type and name.
pub(super) fn principal_policy_owner(id: &str) -> Option<(&str, &str)> {
    let (_, local) = id.rsplit_once('#')?;
    let mut parts = local.splitn(4, '/');
    let principal_type = parts.next()?;
    let owner = parts.next()?;
    (parts.next()? == "policy").then_some((principal_type, owner))
}

/// `aws iam get-policy-version`, possibly merged with `get-policy` (`jq -s add`) so that the
/// document has its ARN. Without an ARN (or for a version that is not the default one) the id
/// is `FILE#VERSION`.
fn read_policy_version(ctx: &ReadContext<'_>, root: &Node, graph: &mut FactGraph) -> Result<(), InputError> {
    let meta = field(root, "Policy");
    if let Some(meta) = meta {
        members(ctx, meta, "/Policy")?;
    }
    let meta_str = |key: &str| meta.map(|m| optional_str(ctx, m, "/Policy", key)).transpose().map(Option::flatten);
    let arn = meta_str("Arn")?;
    let name = meta_str("PolicyName")?;
    let default_version = meta_str("DefaultVersionId")?;
    let Some(version) = field(root, "PolicyVersion") else {
        return Err(ctx.error(
            root.line,
            "",
            InputErrorKind::NotEvaluable,
            "`get-policy` output holds no policy document: merge it with the `get-policy-version` output (`jq -s add`)",
        ));
    };
    members(ctx, version, "/PolicyVersion")?;
    let version_id = optional_str(ctx, version, "/PolicyVersion", "VersionId")?;
    let is_default = match field(version, "IsDefaultVersion") {
        Some(v) => Some(v.as_bool().ok_or_else(|| ctx.type_error(v, "/PolicyVersion/IsDefaultVersion", "a boolean"))?),
        None => default_version.zip(version_id).map(|(d, v)| d == v),
    };
    let document =
        policy_document(ctx, required(ctx, version, "/PolicyVersion", "Document")?, "/PolicyVersion/Document")?;
    let id = match arn {
        Some(arn) if is_default != Some(false) => arn.to_owned(),
        _ => format!("{}#{}", ctx.file, version_id.unwrap_or("default")),
    };
    let mut policy = read_policy(ctx, &document, "/PolicyVersion/Document", id, PolicyKind::Managed)?;
    policy.name = name.map(Json::from);
    policy.arn = arn.map(Json::from);
    insert_policy(ctx, graph, policy)
}

/// `aws iam get-account-authorization-details`: every role, user, group and managed policy of
/// an account. Problems are reported per principal and policy, so one run lists them all.
fn read_authorization_details(ctx: &ReadContext<'_>, root: &Node, out: &mut ReadOutcome) {
    if let Err(e) = members(ctx, root, "") {
        out.errors.push(e);
        return;
    }
    if let Some(truncated) = field(root, "IsTruncated").filter(|t| t.as_bool() == Some(true)) {
        out.errors.push(ctx.error(
            truncated.line,
            "/IsTruncated",
            InputErrorKind::NotEvaluable,
            "the export is one page of several: run the command without `--max-items` so the CLI fetches every page",
        ));
        return;
    }
    // Groups first, so that users' `GroupList` names can become group ids.
    let mut group_ids: BTreeMap<String, String> = BTreeMap::new();
    for (list, form) in [("GroupDetailList", &GROUP), ("RoleDetailList", &ROLE), ("UserDetailList", &USER)] {
        let items = match optional_array(ctx, root, "", list) {
            Ok(items) => items,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        for (i, item) in items.iter().enumerate() {
            let pointer = join_index(&join_pointer("", list), i);
            let result = read_principal(ctx, item, &pointer, form, &mut out.graph).and_then(|principal| {
                if form.principal_type == "group" {
                    if let Some(name) = principal.name.as_ref().and_then(Json::as_str) {
                        group_ids.insert(name.to_owned(), principal.id.clone());
                    }
                } else if form.principal_type == "user" {
                    read_group_list(ctx, item, &pointer, &principal.id, &group_ids, &mut out.graph)?;
                }
                insert_role(ctx, &mut out.graph, principal)
            });
            if let Err(e) = result {
                out.errors.push(e);
            }
        }
    }
    match optional_array(ctx, root, "", "Policies") {
        Ok(items) => {
            for (i, item) in items.iter().enumerate() {
                let pointer = join_index("/Policies", i);
                if let Err(e) =
                    read_managed_policy(ctx, item, &pointer).and_then(|p| insert_policy(ctx, &mut out.graph, p))
                {
                    out.errors.push(e);
                }
            }
        }
        Err(e) => out.errors.push(e),
    }
}

/// A user's `GroupList` as `member_of` edges: to the group's ARN when the group is in the same
/// export, else to its name.
fn read_group_list(
    ctx: &ReadContext<'_>,
    user: &Node,
    pointer: &str,
    user_id: &str,
    group_ids: &BTreeMap<String, String>,
    graph: &mut FactGraph,
) -> Result<(), InputError> {
    let list_pointer = join_pointer(pointer, "GroupList");
    for (i, group) in optional_array(ctx, user, pointer, "GroupList")?.iter().enumerate() {
        let name =
            group.as_str().ok_or_else(|| ctx.type_error(group, &join_index(&list_pointer, i), "a group name"))?;
        let to = group_ids.get(name).cloned().unwrap_or_else(|| name.to_owned());
        graph.edges.push(Edge { from: user_id.to_owned(), to, kind: EdgeKind::MemberOf });
    }
    Ok(())
}

/// One entry of `Policies`: the policy with its default version's document.
fn read_managed_policy(ctx: &ReadContext<'_>, node: &Node, pointer: &str) -> Result<Policy, InputError> {
    members(ctx, node, pointer)?;
    let arn = required_name(ctx, node, pointer, "Arn")?;
    let name = optional_str(ctx, node, pointer, "PolicyName")?;
    let default_version = optional_str(ctx, node, pointer, "DefaultVersionId")?;
    let versions_pointer = join_pointer(pointer, "PolicyVersionList");
    let versions = optional_array(ctx, node, pointer, "PolicyVersionList")?;
    let flagged = versions.iter().position(|v| field(v, "IsDefaultVersion").and_then(Node::as_bool) == Some(true));
    let named = || {
        default_version
            .and_then(|d| versions.iter().position(|v| field(v, "VersionId").and_then(Node::as_str) == Some(d)))
    };
    let (index, version) = flagged.or_else(named).and_then(|i| versions.get(i).map(|v| (i, v))).ok_or_else(|| {
        ctx.error(node.line, &versions_pointer, InputErrorKind::Shape, "no default version is listed")
    })?;
    let version_pointer = join_index(&versions_pointer, index);
    let document_pointer = join_pointer(&version_pointer, "Document");
    let document = policy_document(ctx, required(ctx, version, &version_pointer, "Document")?, &document_pointer)?;
    let mut policy = read_policy(ctx, &document, &document_pointer, arn.to_owned(), PolicyKind::Managed)?;
    policy.name = name.map(Json::from);
    policy.arn = Some(Json::from(arn));
    Ok(policy)
}

/// A role, user or group: the node itself, plus its trust policy and inline policies (added to
/// `graph`) and its trust and boundary edges.
fn read_principal(
    ctx: &ReadContext<'_>,
    node: &Node,
    pointer: &str,
    form: &PrincipalForm,
    graph: &mut FactGraph,
) -> Result<Role, InputError> {
    members(ctx, node, pointer)?;
    let name = required_name(ctx, node, pointer, form.name_key)?;
    let arn = optional_str(ctx, node, pointer, "Arn")?;
    let id = match arn {
        Some(arn) => arn.to_owned(),
        None => format!("{}#{}/{name}", ctx.file, form.principal_type),
    };
    let mut role = Role {
        id,
        principal_type: form.principal_type.to_owned(),
        name: Some(Json::from(name)),
        arn: arn.map(Json::from),
        account: arn.and_then(arn_account).map(str::to_owned),
        path: optional_str(ctx, node, pointer, "Path")?.map(str::to_owned),
        trust_policy: None,
        inline_policies: Vec::new(),
        managed_policies: Vec::new(),
        permissions_boundary: None,
        tags: BTreeMap::new(),
        source: SourceRef { file: ctx.file.to_owned(), pointer: pointer.to_owned(), line: node.line },
    };

    if let Some(trust) = field(node, "AssumeRolePolicyDocument") {
        let trust_pointer = join_pointer(pointer, "AssumeRolePolicyDocument");
        let document = policy_document(ctx, trust, &trust_pointer)?;
        let policy = read_policy(ctx, &document, &trust_pointer, format!("{}#trust", role.id), PolicyKind::Trust)?;
        role.trust_policy = Some(policy.id.clone());
        graph.edges.push(Edge { from: role.id.clone(), to: policy.id.clone(), kind: EdgeKind::TrustedBy });
        insert_policy(ctx, graph, policy)?;
    }

    if let Some(boundary) = field(node, "PermissionsBoundary") {
        let boundary_pointer = join_pointer(pointer, "PermissionsBoundary");
        members(ctx, boundary, &boundary_pointer)?;
        let arn = required_name(ctx, boundary, &boundary_pointer, "PermissionsBoundaryArn")?;
        role.permissions_boundary = Some(arn.to_owned());
        graph.edges.push(Edge { from: role.id.clone(), to: arn.to_owned(), kind: EdgeKind::BoundedBy });
    }

    let tags_pointer = join_pointer(pointer, "Tags");
    for (i, tag) in optional_array(ctx, node, pointer, "Tags")?.iter().enumerate() {
        let tag_pointer = join_index(&tags_pointer, i);
        members(ctx, tag, &tag_pointer)?;
        let key = required_name(ctx, tag, &tag_pointer, "Key")?;
        let value = required_str(ctx, tag, &tag_pointer, "Value")?;
        role.tags.insert(key.to_owned(), Json::from(value));
    }

    let inline_pointer = join_pointer(pointer, form.inline_key);
    for (i, item) in optional_array(ctx, node, pointer, form.inline_key)?.iter().enumerate() {
        let item_pointer = join_index(&inline_pointer, i);
        members(ctx, item, &item_pointer)?;
        let policy_name = required_name(ctx, item, &item_pointer, "PolicyName")?;
        let document_pointer = join_pointer(&item_pointer, "PolicyDocument");
        let document = policy_document(ctx, required(ctx, item, &item_pointer, "PolicyDocument")?, &document_pointer)?;
        let id = format!("{}#policy/{policy_name}", role.id);
        let mut policy = read_policy(ctx, &document, &document_pointer, id, PolicyKind::Inline)?;
        policy.name = Some(Json::from(policy_name));
        role.inline_policies.push(policy.id.clone());
        insert_policy(ctx, graph, policy)?;
    }

    let managed_pointer = join_pointer(pointer, "AttachedManagedPolicies");
    for (i, item) in optional_array(ctx, node, pointer, "AttachedManagedPolicies")?.iter().enumerate() {
        let item_pointer = join_index(&managed_pointer, i);
        members(ctx, item, &item_pointer)?;
        let arn = required_name(ctx, item, &item_pointer, "PolicyArn")?;
        if !role.managed_policies.iter().any(|m| m == arn) {
            role.managed_policies.push(arn.to_owned());
        }
    }
    Ok(role)
}

/// The account id of an ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`), when it is
/// 12 digits.
pub(super) fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    is_account_id(account).then_some(account)
}

/// True for a 12-digit AWS account id.
pub(super) fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

fn insert_role(ctx: &ReadContext<'_>, graph: &mut FactGraph, role: Role) -> Result<(), InputError> {
    if let Some(first) = graph.roles.get(&role.id) {
        return Err(ctx.error(
            role.source.line,
            &role.source.pointer,
            InputErrorKind::Shape,
            format!("{} `{}` is listed twice (first at line {})", role.principal_type, role.id, first.source.line),
        ));
    }
    graph.roles.insert(role.id.clone(), role);
    Ok(())
}

pub(super) fn insert_policy(ctx: &ReadContext<'_>, graph: &mut FactGraph, policy: Policy) -> Result<(), InputError> {
    if let Some(first) = graph.policies.get(&policy.id) {
        return Err(ctx.error(
            policy.source.line,
            &policy.source.pointer,
            InputErrorKind::Shape,
            format!("policy `{}` is listed twice (first at line {})", policy.id, first.source.line),
        ));
    }
    graph.policies.insert(policy.id.clone(), policy);
    Ok(())
}

/// A policy document given as an object, a JSON string, or a URL-encoded JSON string (raw IAM
/// API output). Strings are parsed and every value takes the string's line, so errors inside
/// point at the string in this file with a pointer that continues into the document.
pub(super) fn policy_document<'n>(
    ctx: &ReadContext<'_>,
    node: &'n Node,
    pointer: &str,
) -> Result<Cow<'n, Node>, InputError> {
    let text = match &node.value {
        Value::Object(_) => return Ok(Cow::Borrowed(node)),
        Value::String(text) => text,
        _ => return Err(ctx.type_error(node, pointer, "a policy document (an object or a JSON string)")),
    };
    let decoded = if text.trim_start().starts_with('%') {
        Cow::Owned(percent_decode(text).map_err(|m| ctx.error(node.line, pointer, InputErrorKind::Syntax, m))?)
    } else {
        Cow::Borrowed(text.as_str())
    };
    let parsed = parse_text(ctx.file, &decoded, ctx.limits).map_err(|e| {
        let place = match e.line {
            Some(line) => format!("line {line} of the embedded document"),
            None => "the embedded document".to_owned(),
        };
        let place = if e.pointer.is_empty() { place } else { format!("{place}, at `{}`", e.pointer) };
        ctx.error(node.line, pointer, e.kind, format!("{place}: {}", e.message))
    })?;
    Ok(Cow::Owned(Node::from_json(&parsed.to_json(), node.line)))
}

/// Decodes `%XX` escapes (RFC 3986; `+` stays a plus, as in IAM's encoding).
fn percent_decode(text: &str) -> Result<String, String> {
    fn hex(b: u8) -> Option<u8> {
        char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let high = bytes.get(i + 1).copied().and_then(hex);
            let low = bytes.get(i + 2).copied().and_then(hex);
            let (Some(high), Some(low)) = (high, low) else {
                return Err(format!("invalid percent-encoding at byte {i} of the URL-encoded document"));
            };
            out.push(high << 4 | low);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|e| format!("the URL-encoded document is not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()))
}

// Field access with errors that name the place. Absent and `null` are the same (AWS output
// uses both for "not set").

/// The value of `key`, unless absent or null.
pub(super) fn field<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    node.get(key).filter(|v| !v.is_null())
}

/// The members of an object, or a type error.
pub(super) fn members<'n>(
    ctx: &ReadContext<'_>,
    node: &'n Node,
    pointer: &str,
) -> Result<&'n [(String, Node)], InputError> {
    node.as_object().ok_or_else(|| ctx.type_error(node, pointer, "an object"))
}

pub(super) fn required<'n>(
    ctx: &ReadContext<'_>,
    node: &'n Node,
    pointer: &str,
    key: &str,
) -> Result<&'n Node, InputError> {
    field(node, key).ok_or_else(|| ctx.error(node.line, pointer, InputErrorKind::Shape, format!("missing `{key}`")))
}

pub(super) fn required_str<'n>(
    ctx: &ReadContext<'_>,
    node: &'n Node,
    pointer: &str,
    key: &str,
) -> Result<&'n str, InputError> {
    let value = required(ctx, node, pointer, key)?;
    value.as_str().ok_or_else(|| ctx.type_error(value, &join_pointer(pointer, key), "a string"))
}

/// A required string that must not be empty (names, ids, ARNs).
pub(super) fn required_name<'n>(
    ctx: &ReadContext<'_>,
    node: &'n Node,
    pointer: &str,
    key: &str,
) -> Result<&'n str, InputError> {
    let value = required_str(ctx, node, pointer, key)?;
    if value.is_empty() {
        let line = node.get(key).map_or(node.line, |v| v.line);
        return Err(ctx.error(line, &join_pointer(pointer, key), InputErrorKind::Shape, format!("`{key}` is empty")));
    }
    Ok(value)
}

pub(super) fn optional_str<'n>(
    ctx: &ReadContext<'_>,
    node: &'n Node,
    pointer: &str,
    key: &str,
) -> Result<Option<&'n str>, InputError> {
    field(node, key)
        .map(|v| v.as_str().ok_or_else(|| ctx.type_error(v, &join_pointer(pointer, key), "a string")))
        .transpose()
}

pub(super) fn optional_array<'n>(
    ctx: &ReadContext<'_>,
    node: &'n Node,
    pointer: &str,
    key: &str,
) -> Result<&'n [Node], InputError> {
    match field(node, key) {
        None => Ok(&[]),
        Some(v) => v.as_array().ok_or_else(|| ctx.type_error(v, &join_pointer(pointer, key), "an array")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Limits, parse_json};

    fn run(kind: InputKind, text: &str) -> ReadOutcome {
        let limits = Limits::default();
        let documents = BTreeMap::new();
        let ctx = ReadContext::new("in.json", &limits, &documents, None);
        let root = parse_json(text, &limits).unwrap();
        let mut out = ReadOutcome::new();
        read(&ctx, kind, &root, &mut out);
        out
    }

    #[test]
    fn percent_decoding_handles_escapes_and_rejects_bad_ones() {
        assert_eq!(percent_decode("%7B%22a%22%3A%201%7D+x").unwrap(), "{\"a\": 1}+x");
        assert!(percent_decode("%7").unwrap_err().contains("byte 0"));
        assert!(percent_decode("ab%zz").unwrap_err().contains("byte 2"));
        assert!(percent_decode("%FF").unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn url_encoded_trust_policy_is_decoded() {
        let out = run(
            InputKind::IamRole,
            r#"{"Role": {"RoleName": "r", "Arn": "arn:aws:iam::123456789012:role/r",
            "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22states.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"}}"#,
        );
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let trust = &out.graph.policies["arn:aws:iam::123456789012:role/r#trust"];
        assert_eq!(trust.kind, PolicyKind::Trust);
        assert_eq!(
            trust.statements[0].principal.as_ref().unwrap()["Service"],
            vec![Json::from("states.amazonaws.com")]
        );
        assert_eq!(out.graph.roles["arn:aws:iam::123456789012:role/r"].account.as_deref(), Some("123456789012"));
    }

    #[test]
    fn errors_inside_embedded_documents_continue_the_pointer() {
        let out = run(
            InputKind::IamRolePolicy,
            "{\"RoleName\": \"r\", \"PolicyName\": \"p\",\n \"PolicyDocument\": \"{\\\"Statement\\\": [{\\\"Effect\\\": \\\"Maybe\\\", \\\"Action\\\": \\\"*\\\"}]}\"}",
        );
        let e = &out.errors[0];
        assert_eq!(e.pointer(), "/PolicyDocument/Statement/0/Effect");
        assert_eq!(e.line(), Some(2));
        let out = run(
            InputKind::IamRolePolicy,
            r#"{"RoleName": "r", "PolicyName": "p", "PolicyDocument": "{\"Statement\": ["}"#,
        );
        assert!(out.errors[0].message().starts_with("line 1 of the embedded document"), "{}", out.errors[0]);
    }

    #[test]
    fn bare_documents_are_classified_by_their_principals() {
        let trust = r#"{"Statement": {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "STS:AssumeRole"}}"#;
        let resource =
            r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}}"#;
        let identity = r#"{"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}"#;
        for (text, kind) in
            [(trust, PolicyKind::Trust), (resource, PolicyKind::Resource), (identity, PolicyKind::Identity)]
        {
            assert_eq!(run(InputKind::IamPolicy, text).graph.policies["in.json"].kind, kind, "{text}");
        }
    }

    #[test]
    fn template_intrinsics_in_bare_documents_become_symbolic() {
        let out = run(
            InputKind::IamPolicy,
            r#"{"Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
            "Resource": [{"Fn::GetAtt": "Fn.Arn"}, {"Fn::Sub": "${Fn.Arn}:*"}, {"Ref": "Other"}]}]}"#,
        );
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let resource = &out.graph.policies["in.json"].statements[0].resource;
        assert_eq!(
            serde_json::to_string(resource).unwrap(),
            r#"[{"get_att":["Fn","Arn"]},{"sub":"${Fn.Arn}:*"},{"ref":"Other"}]"#
        );
    }

    #[test]
    fn principal_policy_ids_give_back_their_owner() {
        assert_eq!(principal_policy_owner("a#b/x.json#role/Exec/policy/Main"), Some(("role", "Exec")));
        assert_eq!(principal_policy_owner("x.json#user/u/policy/p"), Some(("user", "u")));
        assert_eq!(principal_policy_owner("x.json"), None);
    }
}
