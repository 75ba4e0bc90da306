//! `AWS::IAM::Role`, `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy` and `AWS::IAM::RolePolicy`.

use std::collections::BTreeMap;

use super::resolve::display_text;
use super::{Reader, TemplateResource, get_att};
use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::ingest::policy_doc::read_policy;
use crate::ingest::symbolic::is_symbolic;
use crate::ingest::{ReadOutcome, parse_text};
use crate::model::{EdgeKind, Policy, PolicyKind, Role};

impl Reader<'_, '_> {
    pub(super) fn read_role(&self, res: &TemplateResource<'_>, out: &mut ReadOutcome) -> Result<(), InputError> {
        let id = self.id(res.logical_id);
        let line = res.node.line;
        let name = self.string_property(res, "RoleName")?;
        let path = self.string_property(res, "Path")?.map(|p| display_text(&p));
        let arn = self
            .resolver
            .physical(res.logical_id, Some("Arn"), line, &res.pointer)?
            .unwrap_or_else(|| get_att(res.logical_id, "Arn", line));
        let mut role = Role {
            id: id.clone(),
            principal_type: "role".to_owned(),
            name: name.map(|n| n.to_json()),
            arn: Some(arn.to_json()),
            account: None,
            path,
            trust_policy: None,
            inline_policies: Vec::new(),
            managed_policies: Vec::new(),
            permissions_boundary: None,
            tags: BTreeMap::new(),
            source: self.source(&res.pointer, line),
        };
        let Some((trust_node, trust_pointer)) = res.property("AssumeRolePolicyDocument") else {
            return Err(self.ctx.error(
                line,
                &res.pointer,
                InputErrorKind::Shape,
                "role has no `AssumeRolePolicyDocument`",
            ));
        };
        if let Some(document) = self.resolver.resolve(trust_node, &trust_pointer)? {
            let trust_id = format!("{id}/trust");
            let document = self.policy_document(document, &trust_pointer)?;
            let mut trust = read_policy(self.ctx, &document, &trust_pointer, trust_id.clone(), PolicyKind::Trust)?;
            trust.attached_to.push(id.clone());
            role.trust_policy = Some(trust_id.clone());
            Self::edge(out, &id, &trust_id, EdgeKind::TrustedBy);
            out.graph.policies.insert(trust_id, trust);
        }
        if let Some((node, pointer)) = res.property("Policies") {
            self.inline_policies(node, &pointer, &mut role, out)?;
        }
        if let Some((node, pointer)) = res.property("ManagedPolicyArns") {
            role.managed_policies = self.managed_references(node, &pointer)?;
        }
        if let Some((node, pointer)) = res.property("PermissionsBoundary") {
            role.permissions_boundary = self.managed_reference(node, &pointer)?;
        }
        role.tags = self.tags(res, "Tags")?.into_iter().collect();
        out.graph.roles.insert(id, role);
        Ok(())
    }

    /// A role's `Policies`: `[{PolicyName, PolicyDocument}]`.
    fn inline_policies(
        &self,
        node: &Node,
        pointer: &str,
        role: &mut Role,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        let Some(list) = self.resolver.resolve(node, pointer)? else { return Ok(()) };
        if is_symbolic(&list) {
            self.not_evaluable(out, &role.id, pointer, &list);
            return Ok(());
        }
        let Some(items) = list.as_array() else {
            return Err(self.ctx.type_error(&list, pointer, "a list of policies"));
        };
        for (i, item) in items.iter().enumerate() {
            let item_pointer = join_index(pointer, i);
            if is_symbolic(item) {
                self.not_evaluable(out, &role.id, &item_pointer, item);
                continue;
            }
            if item.as_object().is_none() {
                return Err(self.ctx.type_error(item, &item_pointer, "a policy (`{PolicyName, PolicyDocument}`)"));
            }
            let Some(document) = item.get("PolicyDocument") else {
                return Err(self.ctx.error(
                    item.line,
                    &item_pointer,
                    InputErrorKind::Shape,
                    "policy has no `PolicyDocument`",
                ));
            };
            let name = item.get("PolicyName");
            let label = name.and_then(Node::as_str).map_or_else(|| i.to_string(), str::to_owned);
            let policy_id = format!("{}/policy/{label}", role.id);
            let document_pointer = join_pointer(&item_pointer, "PolicyDocument");
            let document = self.policy_document(document.clone(), &document_pointer)?;
            let mut policy =
                self.read_document(&document, &document_pointer, policy_id.clone(), PolicyKind::Inline, out)?;
            policy.name = name.map(Node::to_json);
            policy.attached_to.push(role.id.clone());
            role.inline_policies.push(policy_id.clone());
            Self::edge(out, &policy_id, &role.id, EdgeKind::AttachedTo);
            out.graph.policies.insert(policy_id, policy);
        }
        Ok(())
    }

    /// Reads a policy document. An empty document (`{}`), which IAM refuses at deploy time but
    /// templates sometimes carry as a placeholder, is kept as a policy without statements and
    /// reported.
    pub(super) fn read_document(
        &self,
        document: &Node,
        pointer: &str,
        id: String,
        kind: PolicyKind,
        out: &mut ReadOutcome,
    ) -> Result<Policy, InputError> {
        if document.as_object().is_some_and(<[_]>::is_empty) {
            self.warn(
                out,
                "IAM_EMPTY_POLICY_DOCUMENT",
                Some(&id),
                pointer,
                document.line,
                "the policy document is empty",
            );
            return Ok(Policy {
                id,
                kind,
                name: None,
                arn: None,
                version: None,
                statements: Vec::new(),
                document: document.to_json(),
                attached_to: Vec::new(),
                source: self.source(pointer, document.line),
            });
        }
        read_policy(self.ctx, document, pointer, id, kind)
    }

    /// A policy document that may be given as a JSON string.
    pub(super) fn policy_document(&self, document: Node, pointer: &str) -> Result<Node, InputError> {
        match &document.value {
            Value::String(text) => parse_text(self.ctx.file, text, self.ctx.limits).map_err(|e| {
                InputError::new(
                    self.ctx.file,
                    (document.line > 0).then_some(document.line),
                    pointer,
                    e.kind(),
                    format!("policy document: {}", e.message()),
                )
            }),
            _ => Ok(document),
        }
    }

    /// Each entry of a list of managed policies: a template policy's id, else the ARN (or
    /// name) as written, symbolic values in `Fn::Sub` syntax.
    pub(super) fn managed_references(&self, node: &Node, pointer: &str) -> Result<Vec<String>, InputError> {
        let mut refs = Vec::new();
        match node.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    refs.extend(self.managed_reference(item, &join_index(pointer, i))?);
                }
            }
            None => match self.resolver.resolve(node, pointer)? {
                None => {}
                Some(list) => match list.as_array() {
                    Some(items) => refs.extend(items.iter().map(display_text)),
                    None if is_symbolic(&list) => refs.push(display_text(&list)),
                    None => return Err(self.ctx.type_error(&list, pointer, "a list of policy ARNs")),
                },
            },
        }
        Ok(refs)
    }

    pub(super) fn managed_reference(&self, node: &Node, pointer: &str) -> Result<Option<String>, InputError> {
        if let Some(logical) = self.target(node, &["AWS::IAM::ManagedPolicy"]) {
            return Ok(Some(self.id(&logical)));
        }
        match self.resolver.resolve(node, pointer)? {
            None => Ok(None),
            Some(v) if v.as_str().is_some() || is_symbolic(&v) => Ok(Some(display_text(&v))),
            Some(v) => Err(self.ctx.type_error(&v, pointer, "a policy ARN (a string)")),
        }
    }

    pub(super) fn read_policy_resource(
        &self,
        res: &TemplateResource<'_>,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        let id = self.id(res.logical_id);
        let line = res.node.line;
        let (kind, name_prop) = match res.resource_type {
            "AWS::IAM::ManagedPolicy" => (PolicyKind::Managed, "ManagedPolicyName"),
            _ => (PolicyKind::Inline, "PolicyName"),
        };
        let Some((document_node, document_pointer)) = res.property("PolicyDocument") else {
            return Err(self.ctx.error(line, &res.pointer, InputErrorKind::Shape, "policy has no `PolicyDocument`"));
        };
        let Some(document) = self.resolver.resolve(document_node, &document_pointer)? else { return Ok(()) };
        let document = self.policy_document(document, &document_pointer)?;
        let mut policy = self.read_document(&document, &document_pointer, id.clone(), kind, out)?;
        policy.source = self.source(&res.pointer, line);
        policy.name = self.string_property(res, name_prop)?.map(|n| n.to_json());
        if kind == PolicyKind::Managed {
            let arn = self.resolver.physical(res.logical_id, None, line, &res.pointer)?;
            policy.arn = Some(arn.map_or_else(|| serde_json::json!({"ref": res.logical_id}), |a| a.to_json()));
        }
        let mut roles: Vec<(Node, String)> = Vec::new();
        if let Some((node, pointer)) = res.property("Roles") {
            match node.as_array() {
                Some(items) => {
                    roles.extend(items.iter().enumerate().map(|(i, n)| (n.clone(), join_index(&pointer, i))))
                }
                None => return Err(self.ctx.type_error(node, &pointer, "a list of role names")),
            }
        }
        if let Some((node, pointer)) = res.property("RoleName") {
            roles.push((node.clone(), pointer));
        }
        for (node, pointer) in roles {
            self.attach_to_role(&mut policy, &node, &pointer, out)?;
        }
        for principals in ["Users", "Groups"] {
            let Some((node, pointer)) = res.property(principals) else { continue };
            let Some(list) = self.resolver.resolve(node, &pointer)? else { continue };
            match list.as_array() {
                Some(items) => policy.attached_to.extend(items.iter().map(display_text)),
                None => return Err(self.ctx.type_error(&list, &pointer, "a list of names")),
            }
        }
        out.graph.policies.insert(id, policy);
        Ok(())
    }

    /// Attaches a policy resource to the role `node` names: a template role when it is one
    /// (by reference or by its fixed `RoleName`), else the name is kept in `attached_to`.
    fn attach_to_role(
        &self,
        policy: &mut Policy,
        node: &Node,
        pointer: &str,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        let role_id = match self.target(node, &["AWS::IAM::Role"]) {
            Some(logical) => Some(self.id(&logical)),
            None => {
                let Some(name) = self.resolver.resolve(node, pointer)? else { return Ok(()) };
                if name.as_str().is_none() && !is_symbolic(&name) {
                    return Err(self.ctx.type_error(&name, pointer, "a role name (a string)"));
                }
                let wanted = name.to_json();
                let file_prefix = format!("{}#", self.ctx.file);
                let found = out
                    .graph
                    .roles
                    .values()
                    .find(|r| r.id.starts_with(&file_prefix) && r.name.as_ref() == Some(&wanted))
                    .map(|r| r.id.clone());
                if found.is_none() {
                    policy.attached_to.push(display_text(&name));
                }
                found
            }
        };
        let Some(role_id) = role_id else { return Ok(()) };
        if let Some(role) = out.graph.roles.get_mut(&role_id) {
            let list =
                if policy.kind == PolicyKind::Managed { &mut role.managed_policies } else { &mut role.inline_policies };
            if !list.contains(&policy.id) {
                list.push(policy.id.clone());
            }
        }
        if !policy.attached_to.contains(&role_id) {
            policy.attached_to.push(role_id.clone());
        }
        Self::edge(out, &policy.id, &role_id, EdgeKind::AttachedTo);
        Ok(())
    }

    /// Attaches template managed policies named in roles' `ManagedPolicyArns`, and links
    /// permissions boundaries.
    pub(super) fn link_managed_policies(&self, out: &mut ReadOutcome) {
        let file_prefix = format!("{}#", self.ctx.file);
        let links: Vec<(String, Vec<String>, Option<String>)> = out
            .graph
            .roles
            .values()
            .filter(|r| r.id.starts_with(&file_prefix))
            .map(|r| (r.id.clone(), r.managed_policies.clone(), r.permissions_boundary.clone()))
            .collect();
        for (role_id, managed, boundary) in links {
            for policy_id in managed {
                if let Some(policy) = out.graph.policies.get_mut(&policy_id) {
                    if !policy.attached_to.contains(&role_id) {
                        policy.attached_to.push(role_id.clone());
                    }
                    Self::edge(out, &policy_id, &role_id, EdgeKind::AttachedTo);
                }
            }
            if let Some(boundary) = boundary {
                Self::edge(out, &role_id, &boundary, EdgeKind::BoundedBy);
            }
        }
    }
}
