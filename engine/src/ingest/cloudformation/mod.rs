//! CloudFormation and SAM templates.
//!
//! A template is read in passes so that references between resources can be linked inside the
//! file: IAM roles first, then state machines (a SAM state machine without `Role` creates its
//! `<LogicalId>Role`), then IAM policy resources (which attach to roles), then other resources
//! (functions, keys, log groups, queues...), and last the attachments that need both ends.
//! Every value goes through [`resolve::Resolver`], so what the template leaves to deploy time
//! stays symbolic. Ids are `file#LogicalId`. One broken resource does not hide the others: each
//! resource's error is reported and reading goes on.

mod definition;
mod events;
mod iam;
mod machine;
mod resolve;
mod sam;

use std::collections::BTreeSet;

use super::symbolic::is_symbolic;
use super::{ReadContext, ReadOutcome};
use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::InputError;
use crate::model::{Diagnostic, DiagnosticSeverity, Edge, EdgeKind, Resource, SourceRef};
use resolve::{Resolver, Template, TemplateResource, display_text, intrinsic, symbolic};

/// Reads a template's state machines, roles, policies and the resources they reference.
pub(crate) fn read(ctx: &ReadContext<'_>, root: &Node, out: &mut ReadOutcome) {
    let template = match Template::read(ctx, root) {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    let reader = Reader::new(ctx, &template);
    reader.read(out);
}

/// Reads one template into a partial graph.
pub(super) struct Reader<'r, 'a> {
    ctx: &'r ReadContext<'r>,
    template: &'r Template<'a>,
    resolver: Resolver<'r, 'a>,
    /// Roles that SAM generates for state machines without `Role` (`<LogicalId>Role`).
    generated_roles: BTreeSet<String>,
}

/// Resource types kept in `graph.resources`: the property that names them, and the attribute
/// that gives their ARN (`None` where `Ref` does).
const RESOURCE_NAMES: &[(&str, Option<&str>, Option<&str>)] = &[
    ("AWS::Lambda::Function", Some("FunctionName"), Some("Arn")),
    ("AWS::Serverless::Function", Some("FunctionName"), Some("Arn")),
    ("AWS::KMS::Key", None, Some("Arn")),
    ("AWS::Logs::LogGroup", Some("LogGroupName"), Some("Arn")),
    ("AWS::SQS::Queue", Some("QueueName"), Some("Arn")),
    ("AWS::SNS::Topic", Some("TopicName"), None),
    ("AWS::DynamoDB::Table", Some("TableName"), Some("Arn")),
    ("AWS::Serverless::SimpleTable", Some("TableName"), Some("Arn")),
    ("AWS::S3::Bucket", Some("BucketName"), Some("Arn")),
    ("AWS::Events::EventBus", Some("Name"), Some("Arn")),
    ("AWS::StepFunctions::Activity", Some("Name"), None),
    ("AWS::Kinesis::Stream", Some("Name"), Some("Arn")),
    ("AWS::ECS::Cluster", Some("ClusterName"), Some("Arn")),
];

/// Properties copied into [`Resource::properties`], by type.
const RESOURCE_PROPERTIES: &[(&str, &[&str])] = &[
    ("AWS::Logs::LogGroup", &["RetentionInDays", "KmsKeyId", "DataProtectionPolicy"]),
    ("AWS::KMS::Key", &["EnableKeyRotation", "Enabled", "KeySpec", "KeyUsage", "PendingWindowInDays"]),
    ("AWS::SQS::Queue", &["KmsMasterKeyId", "SqsManagedSseEnabled"]),
    ("AWS::SNS::Topic", &["KmsMasterKeyId"]),
    ("AWS::Lambda::Function", &["Runtime"]),
    ("AWS::Serverless::Function", &["Runtime"]),
];

impl<'r, 'a> Reader<'r, 'a> {
    fn new(ctx: &'r ReadContext<'r>, template: &'r Template<'a>) -> Self {
        let generated_roles = template
            .resources
            .values()
            .filter(|r| {
                r.resource_type == "AWS::Serverless::StateMachine"
                    && r.property("Role").is_none_or(|(n, _)| n.is_null())
            })
            .map(|r| format!("{}Role", r.logical_id))
            .collect();
        Self { ctx, template, resolver: Resolver::new(ctx, template), generated_roles }
    }

    fn read(&self, out: &mut ReadOutcome) {
        for (key, line) in &self.template.loops {
            self.warn(
                out,
                "CFN_FOREACH_NOT_EXPANDED",
                None,
                &join_pointer("/Resources", key),
                *line,
                format!("`{key}` (language extensions) is not expanded; the resources it creates are not read"),
            );
        }
        // SAM rejects a template whose API authorization is malformed, whatever uses it.
        if let Some(auth) = self.template.globals.and_then(|g| g.get("Api")).and_then(|a| a.get("Auth"))
            && let Err(e) = self.check_api_auth(auth, "/Globals/Api/Auth")
        {
            out.errors.push(e);
        }
        for res in self.template.resources.values().filter(|r| r.resource_type == "AWS::Serverless::Api") {
            if let Some((auth, pointer)) = res.property("Auth")
                && let Err(e) = self.check_api_auth(auth, &pointer)
            {
                out.errors.push(e);
            }
        }
        let passes: [&[&str]; 3] = [
            &["AWS::IAM::Role"],
            &["AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"],
            &["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"],
        ];
        for types in passes {
            for logical_id in &self.template.order {
                let Some(res) = self.template.resources.get(logical_id) else { continue };
                if !types.contains(&res.resource_type) {
                    continue;
                }
                let result = match res.resource_type {
                    "AWS::IAM::Role" => self.read_role(res, out),
                    "AWS::StepFunctions::StateMachine" => self.read_state_machine(res, out),
                    "AWS::Serverless::StateMachine" => self.read_sam_state_machine(res, out),
                    _ => self.read_policy_resource(res, out),
                };
                if let Err(e) = result {
                    out.errors.push(e);
                }
            }
        }
        for logical_id in &self.template.order {
            let Some(res) = self.template.resources.get(logical_id) else { continue };
            if let Err(e) = self.read_resource(res, out) {
                out.errors.push(e);
            }
        }
        self.link_managed_policies(out);
    }

    /// `file#LogicalId`.
    fn id(&self, logical_id: &str) -> String {
        format!("{}#{logical_id}", self.ctx.file)
    }

    fn source(&self, pointer: &str, line: u32) -> SourceRef {
        SourceRef { file: self.ctx.file.to_owned(), pointer: pointer.to_owned(), line }
    }

    fn warn(
        &self,
        out: &mut ReadOutcome,
        code: &str,
        node: Option<&str>,
        pointer: &str,
        line: u32,
        message: impl Into<String>,
    ) {
        out.graph.diagnostics.push(Diagnostic {
            code: code.to_owned(),
            severity: DiagnosticSeverity::Warning,
            message: message.into(),
            node: node.map(str::to_owned),
            source: self.source(pointer, line),
        });
    }

    fn edge(out: &mut ReadOutcome, from: &str, to: &str, kind: EdgeKind) {
        out.graph.edges.push(Edge { from: from.to_owned(), to: to.to_owned(), kind });
    }

    /// A resolved property that must be a string (or symbolic); `None` when absent.
    fn string_property(&self, res: &TemplateResource<'_>, name: &str) -> Result<Option<Node>, InputError> {
        let Some((node, pointer)) = res.property(name) else { return Ok(None) };
        let Some(value) = self.resolver.resolve(node, &pointer)? else { return Ok(None) };
        if value.as_str().is_some() || is_symbolic(&value) {
            Ok(Some(value))
        } else {
            Err(self.ctx.type_error(&value, &pointer, "a string"))
        }
    }

    /// A resolved property that must be an object. A symbolic value (an `Fn::If` on a
    /// parameter, say) cannot be read field by field: it is reported and treated as absent.
    fn object_property(
        &self,
        res: &TemplateResource<'_>,
        name: &str,
        node_id: &str,
        out: &mut ReadOutcome,
    ) -> Result<Option<(Node, String)>, InputError> {
        let Some((node, pointer)) = res.property(name) else { return Ok(None) };
        let Some(value) = self.resolver.resolve(node, &pointer)? else { return Ok(None) };
        if is_symbolic(&value) {
            self.not_evaluable(out, node_id, &pointer, &value);
            return Ok(None);
        }
        if value.as_object().is_none() {
            return Err(self.ctx.type_error(&value, &pointer, "an object"));
        }
        Ok(Some((value, pointer)))
    }

    fn not_evaluable(&self, out: &mut ReadOutcome, node_id: &str, pointer: &str, value: &Node) {
        self.warn(
            out,
            "CFN_VALUE_NOT_EVALUABLE",
            Some(node_id),
            pointer,
            value.line,
            format!("`{}` is decided at deploy time; its fields are not read", display_text(value)),
        );
    }

    /// Tags in CloudFormation's list form (`[{Key, Value}]`) or SAM's map form.
    fn tags(&self, res: &TemplateResource<'_>, name: &str) -> Result<Vec<(String, serde_json::Value)>, InputError> {
        let Some((node, pointer)) = res.property(name) else { return Ok(Vec::new()) };
        let Some(value) = self.resolver.resolve(node, &pointer)? else { return Ok(Vec::new()) };
        let mut tags = Vec::new();
        match &value.value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let p = join_index(&pointer, i);
                    let (Some(key), Some(v)) = (item.get("Key"), item.get("Value")) else {
                        return Err(self.ctx.type_error(item, &p, "a tag (`{Key, Value}`)"));
                    };
                    tags.push((display_text(key), v.to_json()));
                }
            }
            Value::Object(members) if !is_symbolic(&value) => {
                tags.extend(members.iter().map(|(k, v)| (k.clone(), v.to_json())));
            }
            _ => return Err(self.ctx.type_error(&value, &pointer, "a list of tags or a map of tags")),
        }
        Ok(tags)
    }

    /// The logical id of a template resource of one of `types` (or a SAM-generated role, when
    /// `roles` holds) that `node` points at: `!Ref X`, `!GetAtt X.Arn`, or an `Fn::Sub` whose
    /// only reference is `${X}` or `${X.Arn}`.
    fn target(&self, node: &Node, types: &[&str]) -> Option<String> {
        let accepts = |logical: &str| {
            self.template.type_of(logical).is_some_and(|t| types.contains(&t))
                || (types.contains(&"AWS::IAM::Role") && self.generated_roles.contains(logical))
        };
        let (name, arg) = intrinsic(node)?;
        let candidate = match name {
            "Ref" => arg.as_str().map(str::to_owned),
            "Fn::GetAtt" => match &arg.value {
                Value::String(s) => {
                    s.split_once('.').filter(|(_, a)| matches!(*a, "Arn" | "PolicyArn")).map(|(r, _)| r.to_owned())
                }
                Value::Array(items) => match items.as_slice() {
                    [r, a] if matches!(a.as_str(), Some("Arn" | "PolicyArn")) => r.as_str().map(str::to_owned),
                    _ => None,
                },
                _ => None,
            },
            "Fn::Sub" => {
                let text = arg.as_str().or_else(|| arg.as_array().and_then(|a| a.first()).and_then(Node::as_str))?;
                let mut found: Option<String> = None;
                let mut rest = text;
                while let Some((_, after)) = rest.split_once("${") {
                    let (var, tail) = after.split_once('}')?;
                    rest = tail;
                    if var.starts_with('!') || var.starts_with("AWS::") {
                        continue;
                    }
                    let logical = var.strip_suffix(".Arn").unwrap_or(var);
                    if !accepts(logical) || found.as_deref().is_some_and(|f| f != logical) {
                        return None;
                    }
                    found = Some(logical.to_owned());
                }
                found
            }
            _ => None,
        }?;
        accepts(&candidate).then_some(candidate)
    }

    fn read_resource(&self, res: &TemplateResource<'_>, out: &mut ReadOutcome) -> Result<(), InputError> {
        let Some((_, name_prop, arn_attribute)) = RESOURCE_NAMES.iter().find(|(t, _, _)| *t == res.resource_type)
        else {
            return Ok(());
        };
        let id = self.id(res.logical_id);
        let line = res.node.line;
        let name = match name_prop {
            Some(p) => self.string_property(res, p)?,
            None => None,
        };
        let arn = self.resolver.physical(res.logical_id, *arn_attribute, line, &res.pointer)?.unwrap_or_else(|| {
            match arn_attribute {
                Some(attribute) => get_att(res.logical_id, attribute, line),
                None => symbolic("ref", Node::string(res.logical_id, line), line),
            }
        });
        let mut resource = Resource {
            id: id.clone(),
            resource_type: res.resource_type.to_owned(),
            name: name.map(|n| n.to_json()),
            arn: Some(arn.to_json()),
            properties: std::collections::BTreeMap::new(),
            source: self.source(&res.pointer, line),
        };
        let wanted = RESOURCE_PROPERTIES.iter().find(|(t, _)| *t == res.resource_type).map_or(&[][..], |(_, p)| *p);
        for prop in wanted {
            if let Some(value) = self.resolver.property(res, prop)? {
                resource.properties.insert((*prop).to_owned(), value.to_json());
            }
        }
        if res.resource_type == "AWS::KMS::Key"
            && let Some((node, pointer)) = res.property("KeyPolicy")
            && let Some(document) = self.resolver.resolve(node, &pointer)?
        {
            let document = self.policy_document(document, &pointer)?;
            let policy_id = format!("{id}/policy");
            let mut policy = crate::ingest::policy_doc::read_policy(
                self.ctx,
                &document,
                &pointer,
                policy_id.clone(),
                crate::model::PolicyKind::Resource,
            )?;
            policy.attached_to.push(id.clone());
            Self::edge(out, &policy_id, &id, EdgeKind::AttachedTo);
            out.graph.policies.insert(policy_id, policy);
        }
        out.graph.resources.insert(id, resource);
        Ok(())
    }
}

/// `{"get_att": [logical, attribute]}`.
fn get_att(logical_id: &str, attribute: &str, line: u32) -> Node {
    symbolic(
        "get_att",
        Node::new(Value::Array(vec![Node::string(logical_id, line), Node::string(attribute, line)]), line),
        line,
    )
}
