//! Turning [`TfResource`]s into graph nodes: state machines, roles, policies, SCPs and their
//! links within one input.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::{Doc, Form, TERRAFORM_KEY, TfResource, shorten, split_reference};
use crate::asl::{self, DefinitionPlace, Storage};
use crate::doc::{Node, Value, join_pointer};
use crate::error::InputError;
use crate::ingest::asl_file::parse_embedded;
use crate::ingest::policy_doc::read_policy;
use crate::ingest::symbolic::is_symbolic;
use crate::ingest::{ReadContext, ReadOutcome, parse_text};
use crate::model::{
    Attachment, Diagnostic, DiagnosticSeverity, Edge, EdgeKind, Policy, PolicyKind, Role, SourceRef, StateMachine,
};

/// Diagnostic code for a value stepguard does not evaluate (a definition or policy built by a
/// function, a variable, or known only after apply).
const NOT_EVALUABLE: &str = "TF_NOT_EVALUABLE";

/// Resources that hold a resource-based policy in `policy`, and the attribute naming what it
/// is attached to (`None`: the resource itself).
const RESOURCE_POLICIES: &[(&str, Option<&str>)] = &[
    ("aws_sqs_queue_policy", Some("queue_url")),
    ("aws_sns_topic_policy", Some("arn")),
    ("aws_s3_bucket_policy", Some("bucket")),
    ("aws_cloudwatch_event_bus_policy", Some("event_bus_name")),
    ("aws_secretsmanager_secret_policy", Some("secret_arn")),
    ("aws_sqs_queue", None),
    ("aws_sns_topic", None),
    ("aws_kms_key", None),
];

/// Builds the graph nodes of one input's resources into `out`.
pub(super) fn build(ctx: &ReadContext<'_>, origin: &str, resources: &[TfResource], out: &mut ReadOutcome) {
    let mut builder = Builder {
        ctx,
        origin,
        by_address: resources.iter().map(|r| (r.address.as_str(), r)).collect(),
        roles: Index::default(),
        policies: Index::default(),
        org_policies: Index::default(),
        consumed_documents: BTreeSet::new(),
        out,
    };
    fn of_type<'r>(resources: &'r [TfResource], t: &'r str, data: bool) -> impl Iterator<Item = &'r TfResource> {
        resources.iter().filter(move |r| r.resource_type == t && r.data == data)
    }
    // Order matters: roles and managed policies are indexed before anything links to them,
    // and `aws_iam_role_policy` resources come before a role's own `inline_policy` list,
    // which in a state repeats them.
    for r in of_type(resources, "aws_iam_role", false) {
        builder.role(r);
    }
    for r in of_type(resources, "aws_iam_policy", false) {
        builder.managed_policy(r);
    }
    for r in of_type(resources, "aws_iam_role_policy", false) {
        builder.role_policy(r);
    }
    for r in of_type(resources, "aws_iam_role", false) {
        builder.role_policies(r);
    }
    for r in of_type(resources, "aws_iam_role_policy_attachment", false) {
        builder.role_policy_attachment(r);
    }
    for r in of_type(resources, "aws_iam_policy_attachment", false) {
        builder.policy_attachment(r);
    }
    for r in of_type(resources, "aws_organizations_policy", false) {
        builder.org_policy(r);
    }
    for r in of_type(resources, "aws_organizations_policy_attachment", false) {
        builder.org_policy_attachment(r);
    }
    for (resource_type, target) in RESOURCE_POLICIES {
        for r in of_type(resources, resource_type, false) {
            builder.resource_policy(r, target);
        }
    }
    for r in of_type(resources, "aws_sfn_state_machine", false) {
        builder.state_machine(r);
    }
    for r in of_type(resources, "aws_iam_policy_document", true) {
        builder.standalone_document(r);
    }
    for role in builder.out.graph.roles.values_mut() {
        role.inline_policies.sort();
        role.inline_policies.dedup();
        role.managed_policies.sort();
        role.managed_policies.dedup();
    }
    for policy in builder.out.graph.policies.values_mut() {
        policy.attached_to.sort();
        policy.attached_to.dedup();
    }
}

/// Node ids of one kind of resource, by address, ARN and name (or organization policy id).
#[derive(Default)]
struct Index {
    by_address: BTreeMap<String, String>,
    by_arn: BTreeMap<String, String>,
    by_name: BTreeMap<String, String>,
}

impl Index {
    fn insert(&mut self, address: &str, id: &str, arn: Option<&Json>, name: Option<&Json>) {
        self.by_address.insert(address.to_owned(), id.to_owned());
        if let Some(arn) = arn.and_then(Json::as_str) {
            self.by_arn.insert(arn.to_owned(), id.to_owned());
        }
        if let Some(name) = name.and_then(Json::as_str) {
            self.by_name.insert(name.to_owned(), id.to_owned());
        }
    }

    /// The id for a reference to `address`; an address without instance key matches the
    /// only instance there is.
    fn get_address(&self, address: &str) -> Option<&String> {
        if let Some(id) = self.by_address.get(address) {
            return Some(id);
        }
        let prefix = format!("{address}[");
        let mut matches = self.by_address.range(prefix.clone()..).take_while(|(a, _)| a.starts_with(&prefix));
        match (matches.next(), matches.next()) {
            (Some((_, id)), None) => Some(id),
            _ => None,
        }
    }

    /// The id of the node a value names: a reference to one of the indexed resources, or a
    /// literal looked up with `literal`.
    fn resolve<'i>(&'i self, value: &Json, literal: &'i BTreeMap<String, String>) -> Option<&'i String> {
        match value {
            Json::String(s) => literal.get(s),
            _ => terraform_reference(value).and_then(|(address, _)| self.get_address(&address)),
        }
    }
}

/// The resource address and attribute a `{"terraform": ...}` value refers to.
fn terraform_reference(value: &Json) -> Option<(String, String)> {
    value.get(TERRAFORM_KEY).and_then(Json::as_str).and_then(split_reference)
}

struct Builder<'b, 'c> {
    ctx: &'b ReadContext<'c>,
    origin: &'b str,
    by_address: BTreeMap<&'b str, &'b TfResource>,
    roles: Index,
    policies: Index,
    org_policies: Index,
    /// Addresses of `aws_iam_policy_document` data sources used by a resource read here, and
    /// documents read from text (compact JSON), so a data source is not also reported on its own.
    consumed_documents: BTreeSet<String>,
    out: &'b mut ReadOutcome,
}

/// A resource's attributes with typed, place-aware accessors.
struct Attrs<'r, 'c> {
    ctx: &'r ReadContext<'c>,
    node: &'r Node,
    pointer: String,
    form: Form,
}

impl<'r, 'c> Attrs<'r, 'c> {
    fn of(ctx: &'r ReadContext<'c>, resource: &'r TfResource) -> Self {
        Self { ctx, node: &resource.values, pointer: resource.pointer.clone(), form: resource.form }
    }

    /// The attribute, when present and not null.
    fn get(&self, key: &str) -> Option<&'r Node> {
        self.node.get(key).filter(|n| !n.is_null())
    }

    fn pointer(&self, key: &str) -> String {
        join_pointer(&self.pointer, key)
    }

    /// A string or symbolic value; empty strings (the providers' "not set") are `None`.
    fn string(&self, key: &str) -> Result<Option<Json>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(n) if is_symbolic(n) => Ok(Some(n.to_json())),
            Some(n) => match n.as_str() {
                Some("") => Ok(None),
                Some(s) => Ok(Some(Json::String(s.to_owned()))),
                None => Err(self.ctx.type_error(n, &self.pointer(key), "a string")),
            },
        }
    }

    /// A literal string only (a symbolic value is `None`).
    fn literal(&self, key: &str) -> Result<Option<String>, InputError> {
        Ok(self.string(key)?.and_then(|v| v.as_str().map(str::to_owned)))
    }

    /// A boolean; a symbolic value is `None`.
    fn boolean(&self, key: &str) -> Result<Option<bool>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(n) if is_symbolic(n) => Ok(None),
            Some(n) => n.as_bool().map(Some).ok_or_else(|| self.ctx.type_error(n, &self.pointer(key), "a boolean")),
        }
    }

    /// A number or symbolic value.
    fn number(&self, key: &str) -> Result<Option<Json>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(n) if is_symbolic(n) || matches!(n.value, Value::Number(_)) => Ok(Some(n.to_json())),
            Some(n) => Err(self.ctx.type_error(n, &self.pointer(key), "a number")),
        }
    }

    /// The first block of a nested block list (`logging_configuration { ... }`), when there is one.
    fn block(&self, key: &str) -> Result<Option<Attrs<'r, 'c>>, InputError> {
        Ok(self.blocks(key)?.into_iter().next())
    }

    /// Every block of a nested block list.
    fn blocks(&self, key: &str) -> Result<Vec<Attrs<'r, 'c>>, InputError> {
        let Some(n) = self.get(key) else { return Ok(Vec::new()) };
        let pointer = self.pointer(key);
        if n.as_object().is_some() && !is_symbolic(n) {
            return Ok(vec![Attrs { ctx: self.ctx, node: n, pointer, form: self.form }]);
        }
        let Some(items) = n.as_array() else {
            return if is_symbolic(n) {
                Ok(Vec::new())
            } else {
                Err(self.ctx.type_error(n, &pointer, "an array of blocks"))
            };
        };
        items
            .iter()
            .enumerate()
            .filter(|(_, item)| !is_symbolic(item))
            .map(|(i, item)| {
                let item_pointer = format!("{pointer}/{i}");
                if item.as_object().is_some() {
                    Ok(Attrs { ctx: self.ctx, node: item, pointer: item_pointer, form: self.form })
                } else {
                    Err(self.ctx.type_error(item, &item_pointer, "a block (an object)"))
                }
            })
            .collect()
    }

    /// A list (or set) of strings or symbolic values; a symbolic list is one symbolic item.
    fn strings(&self, key: &str) -> Result<Vec<Json>, InputError> {
        let Some(n) = self.get(key) else { return Ok(Vec::new()) };
        if is_symbolic(n) {
            return Ok(vec![n.to_json()]);
        }
        let pointer = self.pointer(key);
        let Some(items) = n.as_array() else { return Err(self.ctx.type_error(n, &pointer, "an array of strings")) };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                if item.as_str().is_some() || is_symbolic(item) {
                    Ok(item.to_json())
                } else {
                    Err(self.ctx.type_error(item, &format!("{pointer}/{i}"), "a string"))
                }
            })
            .collect()
    }

    /// A map of tags (`tags_all` when known, as it includes the provider's default tags).
    fn tags(&self) -> Result<BTreeMap<String, Json>, InputError> {
        let key = match self.get("tags_all") {
            Some(n) if n.as_object().is_some() && !is_symbolic(n) => "tags_all",
            _ => "tags",
        };
        let Some(n) = self.get(key) else { return Ok(BTreeMap::new()) };
        if is_symbolic(n) {
            return Ok(BTreeMap::new());
        }
        let Some(members) = n.as_object() else { return Err(self.ctx.type_error(n, &self.pointer(key), "a map")) };
        members
            .iter()
            .map(|(k, v)| {
                if v.as_str().is_some() || is_symbolic(v) || v.is_null() {
                    Ok((k.clone(), v.to_json()))
                } else {
                    Err(self.ctx.type_error(v, &join_pointer(&self.pointer(key), k), "a string"))
                }
            })
            .collect()
    }

    /// The JSON document held by `key` (relative path `rel` within the resource).
    fn document(&self, resource: &TfResource, key: &str) -> Result<Option<Doc>, InputError> {
        let rel =
            self.pointer(key).strip_prefix(&resource.pointer).unwrap_or_default().trim_start_matches('/').to_owned();
        if let Some(doc) = resource.documents.get(&rel) {
            return Ok(Some(doc.clone()));
        }
        let Some(n) = self.get(key) else { return Ok(None) };
        if is_symbolic(n) {
            let value = n.to_json();
            let expression =
                value.get(TERRAFORM_KEY).and_then(Json::as_str).map_or_else(|| value.to_string(), str::to_owned);
            let reason = if self.form == Form::Plan {
                format!("is known only after apply (it depends on `{}`)", shorten(&expression))
            } else {
                format!("is `{}`, which stepguard does not evaluate", shorten(&expression))
            };
            return Ok(Some(Doc::NotEvaluable { expression, line: n.line, reason }));
        }
        match n.as_str() {
            Some("") => Ok(None),
            Some(text) => Ok(Some(Doc::Text { text: text.to_owned(), line: n.line, line_preserving: false })),
            None => Err(self.ctx.type_error(n, &self.pointer(key), "a JSON document in a string")),
        }
    }
}

/// What a new policy node is, besides its document.
struct NewPolicy {
    id: String,
    kind: PolicyKind,
    name: Option<Json>,
    arn: Option<Json>,
}

impl NewPolicy {
    fn new(id: String, kind: PolicyKind) -> Self {
        Self { id, kind, name: None, arn: None }
    }

    fn named(mut self, name: Option<Json>, arn: Option<Json>) -> Self {
        self.name = name;
        self.arn = arn;
        self
    }
}

/// A document ready to read, or why not.
enum Ready {
    /// The document, with file lines.
    Node(Node),
    /// Not evaluable: the expression, its line and why.
    NotEvaluable(String, u32, String),
}

impl Builder<'_, '_> {
    fn file_id(&self, address: &str) -> String {
        format!("{}#{address}", self.ctx.file)
    }

    /// The node id: the literal ARN when known, else `file#address`.
    fn id_for(&self, arn: Option<&Json>, address: &str) -> String {
        match arn.and_then(Json::as_str) {
            Some(arn) => arn.to_owned(),
            None => self.file_id(address),
        }
    }

    fn source(&self, resource: &TfResource) -> SourceRef {
        SourceRef { file: self.ctx.file.to_owned(), pointer: resource.resource_pointer.clone(), line: resource.line }
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind) {
        self.out.graph.edges.push(Edge { from: from.to_owned(), to: to.to_owned(), kind });
    }

    fn not_evaluable(&mut self, node: &str, pointer: &str, line: u32, message: String) {
        self.out.graph.diagnostics.push(Diagnostic {
            code: NOT_EVALUABLE.to_owned(),
            severity: DiagnosticSeverity::Warning,
            message,
            node: Some(node.to_owned()),
            source: SourceRef { file: self.ctx.file.to_owned(), pointer: pointer.to_owned(), line },
        });
    }

    /// Records an error and gives `None`, so one bad resource does not hide the others.
    fn check<T>(&mut self, result: Result<T, InputError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.out.errors.push(e);
                None
            }
        }
    }

    /// A document made ready: a reference to an `aws_iam_policy_document` data source of this
    /// input is replaced by its document; text is parsed and lines placed in the file.
    fn ready(&mut self, doc: Doc, pointer: &str, what: &str) -> Result<Ready, InputError> {
        let doc = self.follow_data_source(doc);
        match doc {
            Doc::Text { text, line, line_preserving } => {
                let node = parse_document(self.ctx, &text, pointer, line, line_preserving, what)?;
                self.consumed_documents.insert(crate::doc::canonical_json(&node.to_json()));
                Ok(Ready::Node(relocate(node, line, line_preserving)))
            }
            Doc::Decoded { node, embedded: Some((line, line_preserving)) } => {
                Ok(Ready::Node(relocate(node, line, line_preserving)))
            }
            Doc::Decoded { node, embedded: None } => Ok(Ready::Node(node)),
            Doc::NotEvaluable { expression, line, reason } => Ok(Ready::NotEvaluable(expression, line, reason)),
        }
    }

    fn follow_data_source(&mut self, doc: Doc) -> Doc {
        let Doc::NotEvaluable { expression, .. } = &doc else { return doc };
        let Some((address, attribute)) = split_reference(expression) else { return doc };
        if !matches!(attribute.as_str(), "json" | "minified_json") {
            return doc;
        }
        let Some(source) = self.by_address.get(address.as_str()).copied() else { return doc };
        if !(source.data && source.resource_type == "aws_iam_policy_document") {
            return doc;
        }
        // Used here, the data source is not reported on its own, even when it is not known.
        self.consumed_documents.insert(source.address.clone());
        let attrs = Attrs::of(self.ctx, source);
        match attrs.document(source, "json") {
            Ok(Some(found @ (Doc::Text { .. } | Doc::Decoded { .. }))) => found,
            _ => doc,
        }
    }

    /// Reads the policy document at `key` into a policy node; `None` when absent or broken
    /// (the error is recorded).
    fn policy(&mut self, resource: &TfResource, attrs: &Attrs<'_, '_>, key: &str, new: NewPolicy) -> Option<String> {
        let NewPolicy { id, kind, name, arn } = new;
        let doc = self.check(attrs.document(resource, key))??;
        let pointer = attrs.pointer(key);
        let ready = self.ready(doc, &pointer, "policy");
        let ready = self.check(ready)?;
        let mut policy = match ready {
            Ready::Node(node) => self.check(read_policy(self.ctx, &node, &pointer, id, kind))?,
            Ready::NotEvaluable(expression, line, reason) => {
                self.not_evaluable(&id, &pointer, line, format!("`{key}` of `{}` {reason}", resource.address));
                Policy {
                    id,
                    kind,
                    name: None,
                    arn: None,
                    version: None,
                    statements: Vec::new(),
                    document: serde_json::json!({ TERRAFORM_KEY: expression }),
                    attached_to: Vec::new(),
                    source: SourceRef { file: self.ctx.file.to_owned(), pointer, line },
                }
            }
        };
        policy.name = name;
        policy.arn = arn;
        let id = policy.id.clone();
        self.out.graph.policies.insert(id.clone(), policy);
        Some(id)
    }

    /// Links `policy` to `role` (both ids of this graph).
    fn attach(&mut self, policy: &str, role: &str, inline: bool) {
        if let Some(p) = self.out.graph.policies.get_mut(policy) {
            p.attached_to.push(role.to_owned());
        }
        if let Some(r) = self.out.graph.roles.get_mut(role) {
            if inline { r.inline_policies.push(policy.to_owned()) } else { r.managed_policies.push(policy.to_owned()) }
        }
        self.edge(policy, role, EdgeKind::AttachedTo);
    }

    /// The role node for a `role` attribute (a role name or a reference to a role).
    fn role_of(&self, value: &Json) -> Option<String> {
        self.roles.resolve(value, &self.roles.by_name).cloned()
    }

    fn role(&mut self, r: &TfResource) {
        let a = Attrs::of(self.ctx, r);
        let (Some(arn), Some(name), Some(path), Some(tags)) = (
            self.check(a.string("arn")),
            self.check(a.string("name")),
            self.check(a.literal("path")),
            self.check(a.tags()),
        ) else {
            return;
        };
        let arn = arn.or_else(|| self_reference(r, "arn"));
        let name = name.or_else(|| self_reference(r, "name"));
        let id = self.id_for(arn.as_ref(), &r.address);
        self.roles.insert(&r.address, &id, arn.as_ref(), name.as_ref());
        let account = arn.as_ref().and_then(Json::as_str).and_then(arn_account);
        let role = Role {
            id: id.clone(),
            principal_type: "role".to_owned(),
            name,
            arn,
            account,
            path,
            trust_policy: None,
            inline_policies: Vec::new(),
            managed_policies: Vec::new(),
            permissions_boundary: None,
            tags,
            source: self.source(r),
        };
        self.out.graph.roles.insert(id, role);
    }

    /// A role's trust policy, `inline_policy` blocks, `managed_policy_arns` and permissions
    /// boundary (after the policy resources are known, to link them).
    fn role_policies(&mut self, r: &TfResource) {
        let Some(role_id) = self.roles.by_address.get(&r.address).cloned() else { return };
        let a = Attrs::of(self.ctx, r);
        let trust_id = self.file_id(&format!("{}/assume_role_policy", r.address));
        if let Some(trust) = self.policy(r, &a, "assume_role_policy", NewPolicy::new(trust_id, PolicyKind::Trust)) {
            if let Some(p) = self.out.graph.policies.get_mut(&trust) {
                p.attached_to.push(role_id.clone());
            }
            if let Some(role) = self.out.graph.roles.get_mut(&role_id) {
                role.trust_policy = Some(trust.clone());
            }
            self.edge(&role_id, &trust, EdgeKind::TrustedBy);
        }
        let Some(blocks) = self.check(a.blocks("inline_policy")) else { return };
        for block in blocks {
            let Some(name) = self.check(block.string("name")) else { continue };
            let Some(name) = name else { continue };
            // A state lists every inline policy of the role, including those an
            // `aws_iam_role_policy` resource of this input already gave.
            let known = self.out.graph.roles.get(&role_id).is_some_and(|role| {
                role.inline_policies
                    .iter()
                    .any(|p| self.out.graph.policies.get(p).is_some_and(|p| p.name.as_ref() == Some(&name)))
            });
            if known {
                continue;
            }
            let label = name.as_str().map_or_else(|| name.to_string(), str::to_owned);
            let id = self.file_id(&format!("{}/inline_policy/{label}", r.address));
            if let Some(id) =
                self.policy(r, &block, "policy", NewPolicy::new(id, PolicyKind::Inline).named(Some(name), None))
            {
                self.attach(&id, &role_id, true);
            }
        }
        let Some(managed) = self.check(a.strings("managed_policy_arns")) else { return };
        for arn in managed {
            self.attach_managed(&arn, &role_id);
        }
        if let Some(Some(boundary)) = self.check(a.string("permissions_boundary")) {
            let target = self
                .policies
                .resolve(&boundary, &self.policies.by_arn)
                .cloned()
                .or_else(|| boundary.as_str().map(str::to_owned));
            if let Some(target) = target {
                if let Some(role) = self.out.graph.roles.get_mut(&role_id) {
                    role.permissions_boundary = Some(target.clone());
                }
                self.edge(&role_id, &target, EdgeKind::BoundedBy);
            }
        }
    }

    /// Attaches a managed policy (by ARN or reference) to a role; a policy that is not among
    /// the inputs is listed by its ARN.
    fn attach_managed(&mut self, policy_arn: &Json, role_id: &str) {
        match self.policies.resolve(policy_arn, &self.policies.by_arn).cloned() {
            Some(policy) => self.attach(&policy, role_id, false),
            None => {
                if let (Some(arn), Some(role)) = (policy_arn.as_str(), self.out.graph.roles.get_mut(role_id)) {
                    role.managed_policies.push(arn.to_owned());
                }
            }
        }
    }

    fn managed_policy(&mut self, r: &TfResource) {
        let a = Attrs::of(self.ctx, r);
        let (Some(arn), Some(name)) = (self.check(a.string("arn")), self.check(a.string("name"))) else { return };
        let arn = arn.or_else(|| self_reference(r, "arn"));
        let name = name.or_else(|| self_reference(r, "name"));
        let id = self.id_for(arn.as_ref(), &r.address);
        if let Some(id) =
            self.policy(r, &a, "policy", NewPolicy::new(id, PolicyKind::Managed).named(name.clone(), arn.clone()))
        {
            self.policies.insert(&r.address, &id, arn.as_ref(), name.as_ref());
        }
    }

    fn role_policy(&mut self, r: &TfResource) {
        let a = Attrs::of(self.ctx, r);
        let (Some(name), Some(role)) = (self.check(a.string("name")), self.check(a.string("role"))) else { return };
        let id = self.file_id(&r.address);
        let Some(id) = self.policy(r, &a, "policy", NewPolicy::new(id, PolicyKind::Inline).named(name, None)) else {
            return;
        };
        if let Some(role_id) = role.as_ref().and_then(|role| self.role_of(role)) {
            self.attach(&id, &role_id, true);
        }
    }

    fn role_policy_attachment(&mut self, r: &TfResource) {
        let a = Attrs::of(self.ctx, r);
        let (Some(role), Some(policy_arn)) = (self.check(a.string("role")), self.check(a.string("policy_arn"))) else {
            return;
        };
        if let (Some(role_id), Some(policy_arn)) = (role.as_ref().and_then(|role| self.role_of(role)), policy_arn) {
            self.attach_managed(&policy_arn, &role_id);
        }
    }

    fn policy_attachment(&mut self, r: &TfResource) {
        let a = Attrs::of(self.ctx, r);
        let (Some(roles), Some(policy_arn)) = (self.check(a.strings("roles")), self.check(a.string("policy_arn")))
        else {
            return;
        };
        let Some(policy_arn) = policy_arn else { return };
        for role in roles {
            if let Some(role_id) = self.role_of(&role) {
                self.attach_managed(&policy_arn, &role_id);
            }
        }
    }

    fn org_policy(&mut self, r: &TfResource) {
        let a = Attrs::of(self.ctx, r);
        let (Some(arn), Some(name), Some(policy_type), Some(policy_id)) = (
            self.check(a.string("arn")),
            self.check(a.string("name")),
            self.check(a.string("type")),
            self.check(a.literal("id")),
        ) else {
            return;
        };
        let arn = arn.or_else(|| self_reference(r, "arn"));
        let id = self.id_for(arn.as_ref(), &r.address);
        let kind = match policy_type.as_ref().map(|t| t.as_str()) {
            None | Some(Some("SERVICE_CONTROL_POLICY")) => PolicyKind::Scp,
            Some(Some("RESOURCE_CONTROL_POLICY")) => PolicyKind::Rcp,
            // Tag, backup and other organization policies grant or deny nothing.
            Some(Some(_)) => return,
            Some(None) => {
                let line = a.get("type").map_or(r.line, |n| n.line);
                self.not_evaluable(
                    &id,
                    &a.pointer("type"),
                    line,
                    format!("the type of `{}` is not known, so it is not read as an SCP or RCP", r.address),
                );
                return;
            }
        };
        if let Some(id) = self.policy(r, &a, "content", NewPolicy::new(id, kind).named(name, arn.clone())) {
            self.org_policies.insert(&r.address, &id, arn.as_ref(), None);
            if let Some(policy_id) = policy_id {
                self.org_policies.by_name.insert(policy_id, id);
            }
        }
    }

    fn org_policy_attachment(&mut self, r: &TfResource) {
        let a = Attrs::of(self.ctx, r);
        let (Some(Some(policy)), Some(Some(target))) =
            (self.check(a.string("policy_id")), self.check(a.string("target_id")))
        else {
            return;
        };
        let policy_id = self
            .org_policies
            .resolve(&policy, &self.org_policies.by_name)
            .cloned()
            .unwrap_or_else(|| symbolic_text(&policy));
        let target = symbolic_text(&target);
        if let Some(p) = self.out.graph.policies.get_mut(&policy_id) {
            p.attached_to.push(target.clone());
        }
        self.out.graph.organization.attachments.push(Attachment { policy: policy_id.clone(), target: target.clone() });
        self.edge(&policy_id, &target, EdgeKind::AttachedTo);
    }

    fn state_machine(&mut self, r: &TfResource) {
        let a = Attrs::of(self.ctx, r);
        let (Some(arn), Some(name), Some(machine_type), Some(role_arn), Some(tags)) = (
            self.check(a.string("arn")),
            self.check(a.string("name")),
            self.check(a.literal("type")),
            self.check(a.string("role_arn")),
            self.check(a.tags()),
        ) else {
            return;
        };
        let arn = arn.or_else(|| self_reference(r, "arn"));
        let id = self.id_for(arn.as_ref(), &r.address);
        let mut machine = StateMachine::new(id.clone(), self.origin, self.source(r));
        machine.name = name.or_else(|| self_reference(r, "name"));
        machine.arn = arn;
        machine.logical_id = Some(r.address.clone());
        if let Some(t) = machine_type {
            machine.machine_type = t;
        }
        machine.tags = tags;
        if let Some(role_arn) = role_arn {
            let role = self.roles.resolve(&role_arn, &self.roles.by_arn).cloned();
            match (&role, role_arn.as_str()) {
                (Some(role), _) => self.edge(&id, role, EdgeKind::ExecutesAs),
                (None, Some(literal)) => self.edge(&id, literal, EdgeKind::ExecutesAs),
                (None, None) => {}
            }
            machine.role = role;
            machine.role_arn = Some(role_arn);
        }
        if self.configuration(&a, &mut machine).is_none() {
            return;
        }
        if let Some(doc) = self.check(a.document(r, "definition")) {
            match doc {
                Some(doc) => self.definition(doc, &a.pointer("definition"), &mut machine),
                None => {
                    let line = a.get("definition").map_or(r.line, |n| n.line);
                    self.not_evaluable(
                        &id,
                        &a.pointer("definition"),
                        line,
                        format!("`{}` has no `definition`", r.address),
                    );
                }
            }
        }
        self.out.graph.state_machines.insert(id, machine);
    }

    /// Logging, tracing and encryption blocks; `None` when one is malformed (recorded).
    fn configuration(&mut self, a: &Attrs<'_, '_>, machine: &mut StateMachine) -> Option<()> {
        if let Some(logging) = self.check(a.block("logging_configuration"))? {
            machine.logging.level = self.check(logging.literal("level"))?;
            machine.logging.include_execution_data = self.check(logging.boolean("include_execution_data"))?;
            // The log group ARN carries the `:*` suffix Terraform requires; kept as written,
            // as in describe output.
            machine.logging.destinations = self.check(logging.string("log_destination"))?.into_iter().collect();
        }
        if let Some(tracing) = self.check(a.block("tracing_configuration"))? {
            machine.tracing.enabled = self.check(tracing.boolean("enabled"))?.unwrap_or(false);
        }
        if let Some(encryption) = self.check(a.block("encryption_configuration"))? {
            if let Some(t) = self.check(encryption.literal("type"))? {
                machine.encryption.encryption_type = t;
            }
            machine.encryption.kms_key_id = self.check(encryption.string("kms_key_id"))?;
            machine.encryption.kms_data_key_reuse_period_seconds =
                self.check(encryption.number("kms_data_key_reuse_period_seconds"))?;
        }
        Some(())
    }

    fn definition(&mut self, doc: Doc, pointer: &str, machine: &mut StateMachine) {
        let doc = self.follow_data_source(doc);
        let (node, storage) = match doc {
            Doc::Text { text, line, line_preserving } => {
                let parsed = if line_preserving {
                    parse_document(self.ctx, &text, pointer, line, true, "definition")
                } else {
                    parse_embedded(self.ctx, &text, pointer, line)
                };
                let Some(node) = self.check(parsed) else { return };
                (node, Storage::Embedded { pointer, line, line_preserving })
            }
            Doc::Decoded { node, embedded: Some((line, line_preserving)) } => {
                (node, Storage::Embedded { pointer, line, line_preserving })
            }
            Doc::Decoded { node, embedded: None } => (node, Storage::Inline(pointer)),
            Doc::NotEvaluable { line, reason, .. } => {
                let address = machine.logical_id.as_deref().unwrap_or_default();
                let message = format!("`definition` of `{address}` {reason}");
                self.not_evaluable(&machine.id, pointer, line, message);
                return;
            }
        };
        let place = DefinitionPlace { file: self.ctx.file, storage };
        asl::read_definition(&node, machine, &place, &mut self.out.graph);
    }

    /// A resource-based policy (queue, topic, bucket, key...), attached to what `target` names.
    fn resource_policy(&mut self, r: &TfResource, target: &Option<&str>) {
        let a = Attrs::of(self.ctx, r);
        let attached = match target {
            Some(key) => match self.check(a.string(key)) {
                Some(value) => value.as_ref().map(symbolic_text),
                None => return,
            },
            None => match self.check(a.string("arn")) {
                Some(arn) => arn.or_else(|| self_reference(r, "arn")).as_ref().map(symbolic_text),
                None => return,
            },
        };
        let id = self.file_id(&format!("{}/policy", r.address));
        let Some(id) = self.policy(r, &a, "policy", NewPolicy::new(id, PolicyKind::Resource)) else { return };
        if let Some(attached) = attached {
            if let Some(p) = self.out.graph.policies.get_mut(&id) {
                p.attached_to.push(attached.clone());
            }
            self.edge(&id, &attached, EdgeKind::AttachedTo);
        }
    }

    /// An `aws_iam_policy_document` that no resource of this input uses becomes a policy of
    /// unknown attachment, so its statements are still checked.
    fn standalone_document(&mut self, r: &TfResource) {
        if self.consumed_documents.contains(&r.address) {
            return;
        }
        let a = Attrs::of(self.ctx, r);
        // The same document, however formatted, is already read where it is used.
        if let Ok(Some(Doc::Text { text, .. })) = a.document(r, "json")
            && let Ok(node) = parse_text(self.ctx.file, &text, self.ctx.limits)
            && self.consumed_documents.contains(&crate::doc::canonical_json(&node.to_json()))
        {
            return;
        }
        let id = self.file_id(&r.address);
        self.policy(r, &a, "json", NewPolicy::new(id, PolicyKind::Identity));
    }
}

/// The provider-computed attribute of the resource itself, for an input that does not know it
/// (a `.tf` file, or a plan before apply): `{"terraform": "aws_iam_role.exec.arn"}`.
fn self_reference(r: &TfResource, attribute: &str) -> Option<Json> {
    // A state knows every attribute; an absent one is not set.
    if r.form == Form::State {
        return None;
    }
    Some(serde_json::json!({ TERRAFORM_KEY: format!("{}.{attribute}", r.address) }))
}

/// A literal as is, a symbolic value as the Terraform expression (or JSON) that gives it.
fn symbolic_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        _ => value.get(TERRAFORM_KEY).and_then(Json::as_str).map_or_else(|| value.to_string(), str::to_owned),
    }
}

/// The account of an IAM ARN (`arn:aws:iam::123456789012:role/x`).
fn arn_account(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_owned())
}

/// Parses a JSON document held in a string. Errors point at the string; for a heredoc, at
/// the line inside it.
fn parse_document(
    ctx: &ReadContext<'_>,
    text: &str,
    pointer: &str,
    line: u32,
    line_preserving: bool,
    what: &str,
) -> Result<Node, InputError> {
    parse_text(ctx.file, text, ctx.limits).map_err(|e| {
        let inner = e.line.unwrap_or(0);
        if line_preserving && inner > 0 {
            let mut err = ctx.error(line + inner, pointer, e.kind, format!("in the {what}: {}", e.message));
            err.column = e.column;
            err
        } else {
            let place = if inner > 0 { format!("line {inner} of the {what}") } else { format!("the {what}") };
            ctx.error(line, pointer, e.kind, format!("{place}: {}", e.message))
        }
    })
}

/// `node` with lines of an embedded document turned into file lines.
fn relocate(mut node: Node, base: u32, line_preserving: bool) -> Node {
    let mut stack = vec![&mut node];
    while let Some(n) = stack.pop() {
        n.line = if line_preserving && n.line > 0 { base + n.line } else { base };
        match &mut n.value {
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(members) => stack.extend(members.iter_mut().map(|(_, v)| v)),
            _ => {}
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_come_from_iam_arns() {
        assert_eq!(arn_account("arn:aws:iam::123456789012:role/x"), Some("123456789012".into()));
        assert_eq!(arn_account("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        assert_eq!(arn_account("not-an-arn"), None);
    }

    #[test]
    fn relocation_shifts_or_pins_lines() {
        let node = Node::new(Value::Array(vec![Node::string("a", 2), Node::string("b", 0)]), 1);
        let shifted = relocate(node.clone(), 10, true);
        assert_eq!(
            (shifted.line, shifted.as_array().unwrap()[0].line, shifted.as_array().unwrap()[1].line),
            (11, 12, 10)
        );
        let pinned = relocate(node, 7, false);
        assert!(pinned.as_array().unwrap().iter().all(|n| n.line == 7));
    }
}
