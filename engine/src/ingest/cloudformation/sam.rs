//! `AWS::Serverless::StateMachine`: what the SAM transform turns it into.
//!
//! SAM writes the state machine as an `AWS::StepFunctions::StateMachine` and, when `Role` is
//! absent, an execution role `<LogicalId>Role` trusting `states.amazonaws.com`, with the
//! `Policies` as managed policies (names or ARNs), inline documents and expanded policy
//! templates (inline policies named `<LogicalId>RolePolicy<index>`). Both get the tag
//! `stateMachine:createdBy: SAM` unless tags are propagated. The `Globals` section may only set
//! `PropagateTags` for state machines.

use std::collections::BTreeMap;

use super::resolve::{display_text, intrinsic};
use super::{Reader, TemplateResource, get_att};
use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::ingest::ReadOutcome;
use crate::ingest::policy_doc::read_policy;
use crate::ingest::sam_policies;
use crate::ingest::symbolic::is_symbolic;
use crate::model::{EdgeKind, PolicyKind, Role, StateMachine};

/// The managed policy SAM adds to a generated role when X-Ray tracing is on.
const XRAY_POLICY: &str = "AWSXrayWriteOnlyAccess";

impl Reader<'_, '_> {
    pub(super) fn read_sam_state_machine(
        &self,
        res: &TemplateResource<'_>,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        let line = res.node.line;
        self.check_sam_properties(res)?;
        self.check_sam_events(res)?;
        let mut machine = self.new_machine(res, "sam", "Name", "Type")?;
        let id = machine.id.clone();
        if let Some((value, pointer)) = self.object_property(res, "Logging", &id, out)? {
            machine.logging = self.logging(&value, &pointer, &id, out)?;
        }
        if let Some((value, pointer)) = self.object_property(res, "Tracing", &id, out)? {
            machine.tracing = self.tracing(&value, &pointer, &id, out)?;
        }
        let mut tags = Vec::new();
        if !self.propagates_tags(res)? {
            tags.push(("stateMachine:createdBy".to_owned(), serde_json::Value::from("SAM")));
        }
        tags.extend(self.tags(res, "Tags")?);
        machine.tags = tags.iter().cloned().collect();
        let substitutions = self.substitutions(res)?;
        machine.substitutions = substitutions.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();

        match res.property("Role").filter(|(n, _)| !n.is_null()) {
            Some((node, pointer)) => self.link_role(&mut machine, node, &pointer, out)?,
            None => {
                let role_id = self.generated_role(res, &machine, tags.into_iter().collect(), out)?;
                machine.role_arn = Some(get_att(&format!("{}Role", res.logical_id), "Arn", line).to_json());
                Self::edge(out, &id, &role_id, EdgeKind::ExecutesAs);
                machine.role = Some(role_id);
            }
        }

        if let Some((node, pointer)) = res.property("Definition") {
            self.read_inline_definition(&mut machine, node, &pointer, &substitutions, out)?;
        } else if let Some((node, pointer)) = res.property("DefinitionUri")
            && let Some(uri) = self.resolver.resolve(node, &pointer)?
        {
            match &uri.value {
                Value::String(s) if s.starts_with("s3://") => {
                    self.remote_definition(&machine, s, &pointer, uri.line, out)
                }
                // SAM CLI uploads a local file named here and rewrites the property.
                Value::String(path) => {
                    self.read_definition_file(&mut machine, path, &pointer, uri.line, &substitutions, out)?;
                }
                Value::Object(_) if !is_symbolic(&uri) => {
                    let location = self.s3_location(&uri, &pointer, "DefinitionUri")?;
                    self.remote_definition(&machine, &location, &pointer, uri.line, out);
                }
                _ if is_symbolic(&uri) => {
                    self.remote_definition(&machine, &display_text(&uri), &pointer, uri.line, out);
                }
                _ => return Err(self.ctx.type_error(&uri, &pointer, "an S3 URI, a local path or `{Bucket, Key}`")),
            }
        }
        out.graph.state_machines.insert(id, machine);
        Ok(())
    }

    /// The combinations the SAM transform rejects.
    fn check_sam_properties(&self, res: &TemplateResource<'_>) -> Result<(), InputError> {
        let present = |name: &str| res.property(name).filter(|(n, _)| !is_empty(n));
        let fail = |line: u32, pointer: &str, message: &str| {
            Err(self.ctx.error(line, pointer, InputErrorKind::Shape, message.to_owned()))
        };
        match (present("Definition"), present("DefinitionUri")) {
            (Some(_), Some((n, p))) => {
                return fail(n.line, &p, "specify either `Definition` or `DefinitionUri`, not both");
            }
            (None, None) => {
                return fail(res.node.line, &res.pointer, "state machine has neither `Definition` nor `DefinitionUri`");
            }
            _ => {}
        }
        if let (Some(_), Some((n, p))) = (present("Role"), present("Policies")) {
            return fail(n.line, &p, "specify either `Role` or `Policies`, not both");
        }
        if present("AutoPublishAlias").is_none() {
            for needs_alias in ["DeploymentPreference", "UseAliasAsEventTarget"] {
                if let Some((n, p)) = present(needs_alias) {
                    return fail(n.line, &p, &format!("`{needs_alias}` requires `AutoPublishAlias`"));
                }
            }
        }
        Ok(())
    }

    /// `PropagateTags` on the resource, else in `Globals.StateMachine`.
    fn propagates_tags(&self, res: &TemplateResource<'_>) -> Result<bool, InputError> {
        let (node, pointer) = match res.property("PropagateTags") {
            Some(found) => found,
            None => {
                match self.template.globals.and_then(|g| g.get("StateMachine")).and_then(|s| s.get("PropagateTags")) {
                    Some(node) => (node, "/Globals/StateMachine/PropagateTags".to_owned()),
                    None => return Ok(false),
                }
            }
        };
        match node.value {
            Value::Bool(b) => Ok(b),
            _ => Err(self.ctx.type_error(node, &pointer, "a boolean")),
        }
    }

    /// Builds the role SAM generates, with its trust policy and `Policies`.
    fn generated_role(
        &self,
        res: &TemplateResource<'_>,
        machine: &StateMachine,
        tags: BTreeMap<String, serde_json::Value>,
        out: &mut ReadOutcome,
    ) -> Result<String, InputError> {
        let line = res.node.line;
        let logical = format!("{}Role", res.logical_id);
        if self.template.resources.contains_key(logical.as_str()) {
            return Err(self.ctx.error(
                line,
                &res.pointer,
                InputErrorKind::Shape,
                format!("SAM generates the role `{logical}` for this state machine, but the template already has a resource of that name"),
            ));
        }
        let id = self.id(&logical);
        let mut role = Role {
            id: id.clone(),
            principal_type: "role".to_owned(),
            name: None,
            arn: Some(get_att(&logical, "Arn", line).to_json()),
            account: None,
            path: self.string_property(res, "RolePath")?.map(|p| display_text(&p)),
            trust_policy: None,
            inline_policies: Vec::new(),
            managed_policies: Vec::new(),
            permissions_boundary: None,
            tags,
            source: self.source(&res.pointer, line),
        };
        let trust = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": ["states.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]
        });
        let trust_id = format!("{id}/trust");
        let mut trust =
            read_policy(self.ctx, &Node::from_json(&trust, line), &res.pointer, trust_id.clone(), PolicyKind::Trust)?;
        self.generated_source(&mut trust, &res.pointer, line);
        trust.attached_to.push(id.clone());
        role.trust_policy = Some(trust_id.clone());
        Self::edge(out, &id, &trust_id, EdgeKind::TrustedBy);
        out.graph.policies.insert(trust_id, trust);

        if let Some((node, pointer)) = res.property("Policies") {
            match node.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let name = format!("{logical}Policy{i}");
                        self.sam_policy(item, &join_index(&pointer, i), &name, &mut role, &machine.id, out)?;
                    }
                }
                None => self.sam_policy(node, &pointer, &format!("{logical}Policy0"), &mut role, &machine.id, out)?,
            }
        }
        if machine.tracing.enabled {
            role.managed_policies.push(XRAY_POLICY.to_owned());
        }
        if let Some((node, pointer)) = res.property("PermissionsBoundary") {
            role.permissions_boundary = self.managed_reference(node, &pointer)?;
        }
        out.graph.roles.insert(id.clone(), role);
        Ok(id)
    }

    /// One entry of SAM `Policies`: a managed policy name or ARN, a policy document, a policy
    /// template, or an `Fn::If` choosing between them.
    fn sam_policy(
        &self,
        item: &Node,
        pointer: &str,
        name: &str,
        role: &mut Role,
        machine_id: &str,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        if let Some(("Fn::If", arg)) = intrinsic(item) {
            let if_pointer = join_pointer(pointer, "Fn::If");
            let Some([condition, then, otherwise]) = arg.as_array() else {
                return Err(self.ctx.type_error(arg, &if_pointer, "`[condition, value if true, value if false]`"));
            };
            let condition_pointer = join_index(&if_pointer, 0);
            let Some(condition_name) = condition.as_str() else {
                return Err(self.ctx.type_error(condition, &condition_pointer, "a condition name (a string)"));
            };
            let branches = match self.resolver.condition(condition_name, condition.line, &condition_pointer)? {
                Some(true) => vec![(then, 1, name.to_owned())],
                Some(false) => vec![(otherwise, 2, name.to_owned())],
                None => {
                    self.warn(
                        out,
                        "CFN_CONDITIONAL_POLICY",
                        Some(machine_id),
                        pointer,
                        item.line,
                        format!("the policy depends on condition `{condition_name}`; both choices are kept"),
                    );
                    vec![(then, 1, name.to_owned()), (otherwise, 2, format!("{name}Else"))]
                }
            };
            for (branch, index, branch_name) in branches {
                let is_no_value = matches!(intrinsic(branch), Some(("Ref", r)) if r.as_str() == Some("AWS::NoValue"));
                if !is_no_value {
                    self.sam_policy(branch, &join_index(&if_pointer, index), &branch_name, role, machine_id, out)?;
                }
            }
            return Ok(());
        }
        match &item.value {
            Value::String(s) => {
                role.managed_policies.push(s.clone());
                return Ok(());
            }
            Value::Object(_) if intrinsic(item).is_some() => {
                role.managed_policies.extend(self.managed_reference(item, pointer)?);
                return Ok(());
            }
            Value::Object(_) => {}
            _ => {
                return Err(self.ctx.type_error(
                    item,
                    pointer,
                    "a policy name, a policy document or a policy template",
                ));
            }
        }
        let document = if item.get("Statement").is_some() {
            self.resolver.resolve_or_null(item, pointer)?
        } else {
            let Some([(template_name, parameters)]) = item.as_object() else {
                return Err(self.ctx.type_error(item, pointer, "a policy document or a policy template (one key)"));
            };
            let Some(template) = sam_policies::find(template_name) else {
                return Err(self.ctx.error(
                    item.line,
                    &join_pointer(pointer, template_name),
                    InputErrorKind::Shape,
                    format!("unknown SAM policy template `{template_name}`"),
                ));
            };
            let parameters_pointer = join_pointer(pointer, template_name);
            let empty = Node::new(Value::Object(Vec::new()), parameters.line);
            let parameters = if parameters.is_null() { &empty } else { parameters };
            if parameters.as_object().is_none() {
                return Err(self.ctx.type_error(parameters, &parameters_pointer, "an object of template parameters"));
            }
            for p in template.parameters() {
                if parameters.get(p).is_none() {
                    return Err(self.ctx.error(
                        parameters.line,
                        &parameters_pointer,
                        InputErrorKind::Shape,
                        format!("policy template `{template_name}` needs the parameter `{p}`"),
                    ));
                }
            }
            self.resolver.resolve_or_null(&template.document(parameters, parameters.line), &parameters_pointer)?
        };
        let policy_id = format!("{}/policy/{name}", role.id);
        let mut policy = self.read_document(&document, pointer, policy_id.clone(), PolicyKind::Inline, out)?;
        policy.name = Some(serde_json::Value::from(name));
        policy.attached_to.push(role.id.clone());
        role.inline_policies.push(policy_id.clone());
        Self::edge(out, &policy_id, &role.id, EdgeKind::AttachedTo);
        out.graph.policies.insert(policy_id, policy);
        Ok(())
    }

    /// Points a generated policy and its statements at the resource that generated them.
    fn generated_source(&self, policy: &mut crate::model::Policy, pointer: &str, line: u32) {
        policy.source = self.source(pointer, line);
        for statement in &mut policy.statements {
            statement.source = self.source(pointer, line);
        }
    }
}

/// Null, or an empty list or object (SAM treats these as absent).
fn is_empty(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(members) => members.is_empty(),
        _ => false,
    }
}
