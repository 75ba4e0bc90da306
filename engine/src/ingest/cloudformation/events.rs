//! What the SAM transform checks in a state machine's `Events` and in the APIs they use.
//!
//! Events decide who can start a state machine (an `Api` event with no authorizer makes it
//! callable by anyone who can reach the API), so a template that SAM would reject for its
//! events is reported here instead of being read as if it deployed.

use super::resolve::intrinsic;
use super::{Reader, TemplateResource};
use crate::doc::{Node, Value, join_pointer};
use crate::error::{InputError, InputErrorKind};

impl Reader<'_, '_> {
    /// Checks `Events` of an `AWS::Serverless::StateMachine`.
    pub(super) fn check_sam_events(&self, res: &TemplateResource<'_>) -> Result<(), InputError> {
        let Some((events, pointer)) = res.property("Events") else { return Ok(()) };
        if events.is_null() {
            return Ok(());
        }
        let Some(members) = events.as_object() else {
            return Err(self.ctx.type_error(events, &pointer, "an object of events"));
        };
        for (name, event) in members {
            let event_pointer = join_pointer(&pointer, name);
            if event.as_object().is_none() {
                return Err(self.ctx.type_error(event, &event_pointer, "an event (an object)"));
            }
            let type_pointer = join_pointer(&event_pointer, "Type");
            let event_type = match event.get("Type") {
                Some(t) => t.as_str().ok_or_else(|| self.ctx.type_error(t, &type_pointer, "a string"))?,
                None => return Err(self.shape(event, &event_pointer, "event has no `Type`")),
            };
            let properties_pointer = join_pointer(&event_pointer, "Properties");
            let empty = Node::new(Value::Object(Vec::new()), event.line);
            let properties = match event.get("Properties") {
                None => &empty,
                Some(p) if p.as_object().is_some() => p,
                Some(p) => return Err(self.ctx.type_error(p, &properties_pointer, "an object")),
            };
            match event_type {
                "Api" => self.check_api_event(properties, &properties_pointer)?,
                "Schedule" => {
                    if properties.get("State").is_some() && properties.get("Enabled").is_some() {
                        return Err(self.shape(
                            properties,
                            &properties_pointer,
                            "`State` and `Enabled` cannot both be set",
                        ));
                    }
                    self.check_dead_letter_config(properties, &properties_pointer)?;
                }
                "ScheduleV2" | "CloudWatchEvent" | "EventBridgeRule" => {
                    self.check_dead_letter_config(properties, &properties_pointer)?;
                }
                other => {
                    return Err(self.ctx.error(
                        event.line,
                        &type_pointer,
                        InputErrorKind::Shape,
                        format!("`{other}` is not an event type of a SAM state machine"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_dead_letter_config(&self, properties: &Node, pointer: &str) -> Result<(), InputError> {
        let Some(config) = properties.get("DeadLetterConfig") else { return Ok(()) };
        let p = join_pointer(pointer, "DeadLetterConfig");
        if config.as_object().is_none() {
            return Err(self.ctx.type_error(config, &p, "an object"));
        }
        match (config.get("Arn"), config.get("Type")) {
            (Some(_), Some(_)) => {
                return Err(self.shape(config, &p, "`DeadLetterConfig` takes `Arn` or `Type`, not both"));
            }
            (None, None) => return Err(self.shape(config, &p, "`DeadLetterConfig` needs `Arn` or `Type`")),
            (None, Some(t)) if t.as_str() != Some("SQS") => {
                return Err(self.shape(t, &join_pointer(&p, "Type"), "`DeadLetterConfig` `Type` must be `SQS`"));
            }
            _ => {}
        }
        if let Some(queue) = config.get("QueueLogicalId")
            && queue.as_str().is_none()
        {
            return Err(self.ctx.type_error(queue, &join_pointer(&p, "QueueLogicalId"), "a logical id (a string)"));
        }
        Ok(())
    }

    fn check_api_event(&self, properties: &Node, pointer: &str) -> Result<(), InputError> {
        if let Some(unescape) = properties.get("UnescapeMappingTemplate")
            && unescape.as_bool().is_none()
        {
            return Err(self.ctx.type_error(unescape, &join_pointer(pointer, "UnescapeMappingTemplate"), "a boolean"));
        }
        let Some(auth) = properties.get("Auth") else { return Ok(()) };
        let auth_pointer = join_pointer(pointer, "Auth");
        if auth.as_object().is_none() {
            return Err(self.ctx.type_error(auth, &auth_pointer, "an object"));
        }
        let Some(authorizer) = auth.get("Authorizer") else { return Ok(()) };
        let authorizer_pointer = join_pointer(&auth_pointer, "Authorizer");
        let name =
            authorizer.as_str().ok_or_else(|| self.ctx.type_error(authorizer, &authorizer_pointer, "a string"))?;
        // The API whose authorizers apply: the referenced template API, or the implicit API
        // configured by `Globals`. An API outside the template cannot be checked.
        let api_auth = match properties.get("RestApiId") {
            Some(id) => match intrinsic(id) {
                Some(("Ref", target)) => match target.as_str().and_then(|t| self.template.resources.get(t)) {
                    Some(api) if api.resource_type == "AWS::Serverless::Api" => {
                        Some(api.property("Auth").map(|(a, _)| a))
                    }
                    _ => None,
                },
                _ => None,
            },
            None => Some(self.template.globals.and_then(|g| g.get("Api")).and_then(|a| a.get("Auth"))),
        };
        let Some(api_auth) = api_auth else { return Ok(()) };
        match name {
            "AWS_IAM" => {}
            "NONE" => {
                if api_auth.and_then(|a| a.get("DefaultAuthorizer")).is_none() {
                    return Err(self.shape(
                        authorizer,
                        &authorizer_pointer,
                        "`Authorizer: NONE` is only valid when the API has a `DefaultAuthorizer`",
                    ));
                }
            }
            other => {
                let defined = api_auth.and_then(|a| a.get("Authorizers")).and_then(|a| a.get(other)).is_some();
                if !defined {
                    return Err(self.ctx.error(
                        authorizer.line,
                        &authorizer_pointer,
                        InputErrorKind::Shape,
                        format!("authorizer `{other}` is not defined in the API's `Auth.Authorizers`"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks the `Auth` of an `AWS::Serverless::Api` (and of `Globals.Api`): the shape SAM
    /// requires before it can wire state machine events to it.
    pub(super) fn check_api_auth(&self, auth: &Node, pointer: &str) -> Result<(), InputError> {
        if auth.as_object().is_none() {
            return Err(self.ctx.type_error(auth, pointer, "an object"));
        }
        for (field, expected) in
            [("DefaultAuthorizer", "a string"), ("Authorizers", "an object"), ("ResourcePolicy", "an object")]
        {
            let Some(value) = auth.get(field) else { continue };
            let ok = match field {
                "DefaultAuthorizer" => value.as_str().is_some(),
                _ => value.as_object().is_some(),
            };
            if !ok && intrinsic(value).is_none() {
                return Err(self.ctx.type_error(value, &join_pointer(pointer, field), expected));
            }
        }
        Ok(())
    }

    fn shape(&self, node: &Node, pointer: &str, message: &str) -> InputError {
        self.ctx.error(node.line, pointer, InputErrorKind::Shape, message.to_owned())
    }
}
