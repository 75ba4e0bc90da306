//! `aws stepfunctions describe-state-machine` output.
//!
//! The state machine's id is its `stateMachineArn`. Read: `name`, `type`, `roleArn`,
//! `definition` (a JSON string, parsed as an embedded definition), `loggingConfiguration`
//! (`level`, `includeExecutionData`, `destinations[].cloudWatchLogsLogGroup.logGroupArn`),
//! `tracingConfiguration.enabled` and `encryptionConfiguration` (`type`, `kmsKeyId`,
//! `kmsDataKeyReusePeriodSeconds`). Tags come from `aws stepfunctions list-tags-for-resource`,
//! whose output is `{"tags": [{"key": ..., "value": ...}]}`: merge its `tags` member into the
//! describe document to attach them. Other members (`creationDate`, `status`, `revisionId`,
//! `description`, ...) are ignored so that output from newer CLI versions still reads.

use serde_json::Value as Json;

use super::asl_file::parse_embedded;
use super::{ReadContext, ReadOutcome};
use crate::asl::{self, DefinitionPlace, Storage};
use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::model::{SourceRef, StateMachine};

const MACHINE_TYPES: &[&str] = &["STANDARD", "EXPRESS"];
const LOG_LEVELS: &[&str] = &["ALL", "ERROR", "FATAL", "OFF"];
const ENCRYPTION_TYPES: &[&str] = &["AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"];

/// Reads one describe-state-machine document.
pub(crate) fn read(ctx: &ReadContext<'_>, root: &Node, out: &mut ReadOutcome) {
    let mut reader = Reader { ctx, errors: Vec::new() };
    let Some(arn) = reader.string(root, "", "stateMachineArn") else {
        if root.get("stateMachineArn").is_none() {
            out.errors.push(ctx.error(
                root.line,
                "",
                InputErrorKind::Shape,
                "describe output has no `stateMachineArn`",
            ));
        }
        out.errors.append(&mut reader.errors);
        return;
    };
    let source = SourceRef { file: ctx.file.to_owned(), pointer: String::new(), line: root.line };
    let mut machine = StateMachine::new(arn.clone(), "describe", source);
    machine.arn = Some(Json::String(arn));
    machine.name = reader.string(root, "", "name").map(Json::String);
    if let Some(machine_type) = reader.enumeration(root, "", "type", MACHINE_TYPES) {
        machine.machine_type = machine_type;
    }
    machine.role_arn = reader.string(root, "", "roleArn").map(Json::String);
    reader.logging(root, &mut machine);
    if let Some(tracing) = reader.object(root, "", "tracingConfiguration")
        && let Some(enabled) = reader.boolean(tracing, "/tracingConfiguration", "enabled")
    {
        machine.tracing.enabled = enabled;
    }
    reader.encryption(root, &mut machine);
    reader.tags(root, &mut machine);

    match root.get("definition") {
        None => {}
        Some(Node { value: Value::String(text), line }) => match parse_embedded(ctx, text, "/definition", *line) {
            Ok(definition) => {
                let storage = Storage::Embedded { pointer: "/definition", line: *line, line_preserving: false };
                let place = DefinitionPlace { file: ctx.file, storage };
                asl::read_definition(&definition, &mut machine, &place, &mut out.graph);
            }
            Err(e) => reader.errors.push(e),
        },
        // Some tools store the parsed definition instead of the string.
        Some(definition @ Node { value: Value::Object(_), .. }) => {
            let place = DefinitionPlace { file: ctx.file, storage: Storage::Inline("/definition") };
            asl::read_definition(definition, &mut machine, &place, &mut out.graph);
        }
        Some(other) => reader.errors.push(ctx.type_error(other, "/definition", "a string")),
    }
    out.errors.append(&mut reader.errors);
    out.graph.state_machines.insert(machine.id.clone(), machine);
}

struct Reader<'a, 'c> {
    ctx: &'a ReadContext<'c>,
    errors: Vec<InputError>,
}

impl Reader<'_, '_> {
    /// `key` of `parent` when present and of the right type; records an error otherwise.
    fn field<'n, T>(
        &mut self,
        parent: &'n Node,
        pointer: &str,
        key: &str,
        expected: &str,
        get: impl Fn(&'n Node) -> Option<T>,
    ) -> Option<T> {
        let node = parent.get(key)?;
        let value = get(node);
        if value.is_none() {
            self.errors.push(self.ctx.type_error(node, &join_pointer(pointer, key), expected));
        }
        value
    }

    fn string(&mut self, parent: &Node, pointer: &str, key: &str) -> Option<String> {
        self.field(parent, pointer, key, "a string", |n| n.as_str().map(str::to_owned))
    }

    fn boolean(&mut self, parent: &Node, pointer: &str, key: &str) -> Option<bool> {
        self.field(parent, pointer, key, "a boolean", Node::as_bool)
    }

    fn object<'n>(&mut self, parent: &'n Node, pointer: &str, key: &str) -> Option<&'n Node> {
        self.field(parent, pointer, key, "an object", |n| n.as_object().map(|_| n))
    }

    fn array<'n>(&mut self, parent: &'n Node, pointer: &str, key: &str) -> Option<&'n [Node]> {
        self.field(parent, pointer, key, "an array", Node::as_array)
    }

    /// A string that must be one of `allowed`.
    fn enumeration(&mut self, parent: &Node, pointer: &str, key: &str, allowed: &[&str]) -> Option<String> {
        let value = self.string(parent, pointer, key)?;
        if allowed.contains(&value.as_str()) {
            return Some(value);
        }
        let line = parent.get(key).map_or(0, |n| n.line);
        let expected = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
        self.errors.push(self.ctx.error(
            line,
            &join_pointer(pointer, key),
            InputErrorKind::Shape,
            format!("`{key}` must be one of {expected}, found `{value}`"),
        ));
        None
    }

    fn logging(&mut self, root: &Node, machine: &mut StateMachine) {
        let pointer = "/loggingConfiguration";
        let Some(logging) = self.object(root, "", "loggingConfiguration") else { return };
        machine.logging.level = self.enumeration(logging, pointer, "level", LOG_LEVELS);
        machine.logging.include_execution_data = self.boolean(logging, pointer, "includeExecutionData");
        let Some(destinations) = self.array(logging, pointer, "destinations") else { return };
        let destinations_pointer = join_pointer(pointer, "destinations");
        for (i, destination) in destinations.iter().enumerate() {
            let dp = join_index(&destinations_pointer, i);
            if destination.as_object().is_none() {
                self.errors.push(self.ctx.type_error(destination, &dp, "an object"));
                continue;
            }
            let Some(group) = self.object(destination, &dp, "cloudWatchLogsLogGroup") else { continue };
            let gp = join_pointer(&dp, "cloudWatchLogsLogGroup");
            if let Some(arn) = self.string(group, &gp, "logGroupArn") {
                machine.logging.destinations.push(Json::String(arn));
            }
        }
    }

    fn encryption(&mut self, root: &Node, machine: &mut StateMachine) {
        let pointer = "/encryptionConfiguration";
        let Some(encryption) = self.object(root, "", "encryptionConfiguration") else { return };
        if let Some(encryption_type) = self.enumeration(encryption, pointer, "type", ENCRYPTION_TYPES) {
            machine.encryption.encryption_type = encryption_type;
        }
        machine.encryption.kms_key_id = self.string(encryption, pointer, "kmsKeyId").map(Json::String);
        machine.encryption.kms_data_key_reuse_period_seconds =
            self.field(encryption, pointer, "kmsDataKeyReusePeriodSeconds", "a number", |n| {
                n.as_f64().map(|_| n.to_json())
            });
    }

    /// `tags` in the `list-tags-for-resource` shape: `[{"key": ..., "value": ...}]`.
    fn tags(&mut self, root: &Node, machine: &mut StateMachine) {
        let Some(tags) = self.array(root, "", "tags") else { return };
        for (i, tag) in tags.iter().enumerate() {
            let tp = join_index("/tags", i);
            if tag.as_object().is_none() {
                self.errors.push(self.ctx.type_error(tag, &tp, "a tag object with `key` and `value`"));
                continue;
            }
            let key = self.string(tag, &tp, "key");
            let value = self.string(tag, &tp, "value");
            let Some(key) = key else {
                if tag.get("key").is_none() {
                    self.errors.push(self.ctx.error(tag.line, &tp, InputErrorKind::Shape, "tag has no `key`"));
                }
                continue;
            };
            if machine.tags.contains_key(&key) {
                self.errors.push(self.ctx.error(
                    tag.line,
                    &tp,
                    InputErrorKind::Shape,
                    format!("tag `{key}` is given twice"),
                ));
                continue;
            }
            machine.tags.insert(key, Json::String(value.unwrap_or_default()));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::{Document, IngestOptions, ingest_documents};
    use crate::model::FactGraph;

    fn read(text: &str) -> Result<FactGraph, crate::Error> {
        ingest_documents(&[Document::new("describe.json", text)], &IngestOptions::default())
    }

    const ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:Orders";

    #[test]
    fn reads_configuration_tags_and_definition() {
        let definition = r#"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::sqs:sendMessage.waitForTaskToken\",\"End\":true}}}"#;
        let text = format!(
            r#"{{"stateMachineArn": "{ARN}", "name": "Orders", "type": "EXPRESS",
            "roleArn": "arn:aws:iam::123456789012:role/OrdersRole", "definition": "{definition}",
            "loggingConfiguration": {{"level": "ERROR", "includeExecutionData": true,
              "destinations": [{{"cloudWatchLogsLogGroup": {{"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:/sfn/orders:*"}}}}]}},
            "tracingConfiguration": {{"enabled": true}},
            "encryptionConfiguration": {{"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/orders", "kmsDataKeyReusePeriodSeconds": 300}},
            "tags": [{{"key": "team", "value": "payments"}}],
            "creationDate": "2024-01-01T00:00:00Z", "status": "ACTIVE"}}"#
        );
        let graph = read(&text).unwrap();
        let machine = &graph.state_machines[ARN];
        assert_eq!(machine.origin, "describe");
        assert_eq!(machine.machine_type, "EXPRESS");
        assert_eq!(machine.role_arn, Some(serde_json::json!("arn:aws:iam::123456789012:role/OrdersRole")));
        assert_eq!(machine.logging.level.as_deref(), Some("ERROR"));
        assert_eq!(machine.logging.include_execution_data, Some(true));
        assert_eq!(machine.logging.destinations.len(), 1);
        assert!(machine.tracing.enabled);
        assert_eq!(machine.encryption.encryption_type, "CUSTOMER_MANAGED_KMS_KEY");
        assert_eq!(machine.encryption.kms_data_key_reuse_period_seconds, Some(serde_json::json!(300)));
        assert_eq!(machine.tags["team"], serde_json::json!("payments"));
        assert!(machine.has_definition);
        let state = &graph.states[&format!("{ARN}/state/A")];
        assert_eq!(state.source.pointer, "/definition");
        // The machine type reaches validation: an Express workflow cannot wait for a task token.
        assert!(graph.diagnostics.iter().any(|d| d.code == "ASL_EXPRESS_PATTERN"));
    }

    #[test]
    fn wrong_types_are_errors_with_pointers() {
        let text = format!(
            r#"{{"stateMachineArn": "{ARN}", "roleArn": 7, "loggingConfiguration": {{"level": "LOUD",
            "destinations": [{{"cloudWatchLogsLogGroup": {{"logGroupArn": false}}}}]}},
            "tracingConfiguration": {{"enabled": "yes"}}, "tags": [{{"key": "a", "value": 1}}]}}"#
        );
        let err = read(&text).unwrap_err();
        let places: Vec<(&str, &str)> = err.input_errors().iter().map(|e| (e.pointer(), e.message())).collect();
        assert!(places.contains(&("/roleArn", "expected a string, found a number")), "{places:?}");
        assert!(places.iter().any(|(p, m)| *p == "/loggingConfiguration/level" && m.contains("`LOUD`")));
        assert!(places.contains(&(
            "/loggingConfiguration/destinations/0/cloudWatchLogsLogGroup/logGroupArn",
            "expected a string, found a boolean"
        )));
        assert!(places.contains(&("/tracingConfiguration/enabled", "expected a boolean, found a string")));
        assert!(places.contains(&("/tags/0/value", "expected a string, found a number")));
    }

    #[test]
    fn a_broken_definition_string_names_the_inner_line() {
        let text = format!("{{\"stateMachineArn\": \"{ARN}\",\n \"definition\": \"{{\\n\\\"StartAt\\\": \\n}}\"}}");
        let err = read(&text).unwrap_err();
        let e = &err.input_errors()[0];
        assert_eq!((e.pointer(), e.line()), ("/definition", Some(2)));
        assert!(e.message().starts_with("line 3 of the definition"), "{}", e.message());
    }

    #[test]
    fn a_definition_that_is_not_a_string_is_an_error() {
        let err = read(&format!(r#"{{"stateMachineArn": "{ARN}", "definition": 12}}"#)).unwrap_err();
        assert_eq!(err.input_errors()[0].pointer(), "/definition");
    }

    #[test]
    fn describe_without_a_definition_is_still_a_machine() {
        let graph = read(&format!(r#"{{"stateMachineArn": "{ARN}", "roleArn": "arn:aws:iam::1:role/R"}}"#)).unwrap();
        assert!(!graph.state_machines[ARN].has_definition);
        assert_eq!(graph.state_machines[ARN].machine_type, "STANDARD");
    }
}
