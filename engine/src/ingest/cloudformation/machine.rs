//! `AWS::StepFunctions::StateMachine`, and the properties it shares with SAM's state machine.

use super::resolve::display_text;
use super::{Reader, TemplateResource};
use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::ingest::ReadOutcome;
use crate::ingest::symbolic::is_symbolic;
use crate::model::{EdgeKind, Encryption, Logging, StateMachine, Tracing};

impl Reader<'_, '_> {
    /// A state machine with the properties both resource types share read: name, ARN, type.
    pub(super) fn new_machine(
        &self,
        res: &TemplateResource<'_>,
        origin: &str,
        name_prop: &str,
        type_prop: &str,
    ) -> Result<StateMachine, InputError> {
        let id = self.id(res.logical_id);
        let line = res.node.line;
        let mut machine = StateMachine::new(&id, origin, self.source(&res.pointer, line));
        machine.logical_id = Some(res.logical_id.to_owned());
        machine.name = self.string_property(res, name_prop)?.map(|n| n.to_json());
        let arn = self.resolver.physical(res.logical_id, None, line, &res.pointer)?;
        machine.arn = Some(arn.map_or_else(|| serde_json::json!({"ref": res.logical_id}), |a| a.to_json()));
        if let Some(t) = self.string_property(res, type_prop)? {
            if let Some(s) = t.as_str()
                && !matches!(s, "STANDARD" | "EXPRESS")
            {
                let pointer = res.property(type_prop).map(|(_, p)| p).unwrap_or_default();
                return Err(self.ctx.error(
                    t.line,
                    &pointer,
                    InputErrorKind::Shape,
                    format!("`{type_prop}` must be `STANDARD` or `EXPRESS`, not `{s}`"),
                ));
            }
            machine.machine_type = display_text(&t);
        }
        Ok(machine)
    }

    pub(super) fn read_state_machine(
        &self,
        res: &TemplateResource<'_>,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        let mut machine = self.new_machine(res, "cloudformation", "StateMachineName", "StateMachineType")?;
        let id = machine.id.clone();
        if let Some((node, pointer)) = res.property("RoleArn") {
            self.link_role(&mut machine, node, &pointer, out)?;
        }
        if let Some((value, pointer)) = self.object_property(res, "LoggingConfiguration", &id, out)? {
            machine.logging = self.logging(&value, &pointer, &id, out)?;
        }
        if let Some((value, pointer)) = self.object_property(res, "TracingConfiguration", &id, out)? {
            machine.tracing = self.tracing(&value, &pointer, &id, out)?;
        }
        if let Some((value, pointer)) = self.object_property(res, "EncryptionConfiguration", &id, out)? {
            machine.encryption = self.encryption(&value, &pointer)?;
        }
        machine.tags = self.tags(res, "Tags")?.into_iter().collect();
        let substitutions = self.substitutions(res)?;
        machine.substitutions = substitutions.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();

        let given: Vec<&str> = ["Definition", "DefinitionString", "DefinitionS3Location"]
            .into_iter()
            .filter(|p| res.property(p).is_some())
            .collect();
        match given.as_slice() {
            [] => {
                // Legal to the SAM transform, which passes the resource through; CloudFormation
                // would refuse it at deploy time. The machine is still worth reporting on.
                self.warn(
                    out,
                    "CFN_DEFINITION_MISSING",
                    Some(&id),
                    &res.pointer,
                    res.node.line,
                    "state machine has no `Definition`, `DefinitionString` or `DefinitionS3Location`",
                );
            }
            [_] => {}
            [_, second, ..] => {
                let pointer = res.property(second).map(|(_, p)| p).unwrap_or_default();
                return Err(self.ctx.error(
                    res.node.line,
                    &pointer,
                    InputErrorKind::Shape,
                    format!("state machine has both `{}` and `{second}`", given.first().copied().unwrap_or_default()),
                ));
            }
        }
        if let Some((node, pointer)) = res.property("Definition") {
            self.read_inline_definition(&mut machine, node, &pointer, &substitutions, out)?;
        } else if let Some((node, pointer)) = res.property("DefinitionString") {
            self.read_definition_string(&mut machine, node, &pointer, &substitutions, out)?;
        } else if let Some((node, pointer)) = res.property("DefinitionS3Location")
            && let Some(location) = self.resolver.resolve(node, &pointer)?
        {
            // `aws cloudformation package` accepts a local path here and uploads the file.
            match &location.value {
                Value::String(path) if !path.starts_with("s3://") => {
                    self.read_definition_file(&mut machine, path, &pointer, location.line, &substitutions, out)?;
                }
                Value::String(uri) => self.remote_definition(&machine, uri, &pointer, location.line, out),
                Value::Object(_) if !is_symbolic(&location) => {
                    let uri = self.s3_location(&location, &pointer, "DefinitionS3Location")?;
                    self.remote_definition(&machine, &uri, &pointer, location.line, out);
                }
                _ if is_symbolic(&location) => {
                    self.remote_definition(&machine, &display_text(&location), &pointer, location.line, out)
                }
                _ => return Err(self.ctx.type_error(&location, &pointer, "a local path or `{Bucket, Key}`")),
            }
        }
        out.graph.state_machines.insert(id, machine);
        Ok(())
    }

    /// Sets `role_arn` and, when the value names a role of this template, `role` and an
    /// `executes_as` edge.
    pub(super) fn link_role(
        &self,
        machine: &mut StateMachine,
        node: &Node,
        pointer: &str,
        out: &mut ReadOutcome,
    ) -> Result<(), InputError> {
        let Some(value) = self.resolver.resolve(node, pointer)? else { return Ok(()) };
        if value.as_str().is_none() && !is_symbolic(&value) {
            return Err(self.ctx.type_error(&value, pointer, "a role ARN (a string)"));
        }
        let wanted = value.to_json();
        machine.role_arn = Some(wanted.clone());
        let role_id = match self.target(node, &["AWS::IAM::Role"]) {
            Some(logical) => Some(self.id(&logical)),
            None => {
                let file_prefix = format!("{}#", self.ctx.file);
                out.graph
                    .roles
                    .values()
                    .find(|r| r.id.starts_with(&file_prefix) && r.arn.as_ref() == Some(&wanted))
                    .map(|r| r.id.clone())
            }
        };
        if let Some(role_id) = role_id {
            Self::edge(out, &machine.id, &role_id, EdgeKind::ExecutesAs);
            machine.role = Some(role_id);
        }
        Ok(())
    }

    /// `LoggingConfiguration` (SAM: `Logging`).
    pub(super) fn logging(
        &self,
        value: &Node,
        pointer: &str,
        node_id: &str,
        out: &mut ReadOutcome,
    ) -> Result<Logging, InputError> {
        let mut logging = Logging::default();
        if let Some(level) = value.get("Level") {
            let p = join_pointer(pointer, "Level");
            if level.as_str().is_none() && !is_symbolic(level) {
                return Err(self.ctx.type_error(level, &p, "a string"));
            }
            logging.level = Some(display_text(level));
        }
        if let Some(include) = value.get("IncludeExecutionData") {
            logging.include_execution_data =
                self.boolean(include, &join_pointer(pointer, "IncludeExecutionData"), node_id, out)?;
        }
        if let Some(destinations) = value.get("Destinations") {
            let p = join_pointer(pointer, "Destinations");
            let Some(items) = destinations.as_array() else {
                return Err(self.ctx.type_error(destinations, &p, "a list of destinations"));
            };
            for (i, item) in items.iter().enumerate() {
                let item_pointer = join_index(&p, i);
                let arn = item.get("CloudWatchLogsLogGroup").and_then(|g| g.get("LogGroupArn"));
                match arn {
                    Some(arn) if arn.as_str().is_some() || is_symbolic(arn) => logging.destinations.push(arn.to_json()),
                    Some(arn) => {
                        let arn_pointer =
                            join_pointer(&join_pointer(&item_pointer, "CloudWatchLogsLogGroup"), "LogGroupArn");
                        return Err(self.ctx.type_error(arn, &arn_pointer, "a log group ARN (a string)"));
                    }
                    None if is_symbolic(item) => logging.destinations.push(item.to_json()),
                    None => {
                        return Err(self.ctx.type_error(
                            item,
                            &item_pointer,
                            "`{CloudWatchLogsLogGroup: {LogGroupArn}}`",
                        ));
                    }
                }
            }
        }
        Ok(logging)
    }

    /// `TracingConfiguration` (SAM: `Tracing`).
    pub(super) fn tracing(
        &self,
        value: &Node,
        pointer: &str,
        node_id: &str,
        out: &mut ReadOutcome,
    ) -> Result<Tracing, InputError> {
        let enabled = match value.get("Enabled") {
            Some(e) => self.boolean(e, &join_pointer(pointer, "Enabled"), node_id, out)?.unwrap_or(false),
            None => false,
        };
        Ok(Tracing { enabled })
    }

    fn encryption(&self, value: &Node, pointer: &str) -> Result<Encryption, InputError> {
        let mut encryption = Encryption::default();
        if let Some(t) = value.get("Type") {
            if t.as_str().is_none() && !is_symbolic(t) {
                return Err(self.ctx.type_error(t, &join_pointer(pointer, "Type"), "a string"));
            }
            encryption.encryption_type = display_text(t);
        }
        encryption.kms_key_id = value.get("KmsKeyId").map(Node::to_json);
        encryption.kms_data_key_reuse_period_seconds = value.get("KmsDataKeyReusePeriodSeconds").map(Node::to_json);
        Ok(encryption)
    }

    /// A boolean field; a symbolic one is reported and read as unknown.
    fn boolean(
        &self,
        value: &Node,
        pointer: &str,
        node_id: &str,
        out: &mut ReadOutcome,
    ) -> Result<Option<bool>, InputError> {
        match &value.value {
            Value::Bool(b) => Ok(Some(*b)),
            // CloudFormation accepts the strings "true" and "false" for booleans.
            Value::String(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") => {
                Ok(Some(s.eq_ignore_ascii_case("true")))
            }
            _ if is_symbolic(value) => {
                self.not_evaluable(out, node_id, pointer, value);
                Ok(None)
            }
            _ => Err(self.ctx.type_error(value, pointer, "a boolean")),
        }
    }
}
