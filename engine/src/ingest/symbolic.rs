//! Symbolic values: what a template leaves to deploy time.
//!
//! A CloudFormation intrinsic that cannot be resolved from the template alone becomes a
//! one-key object with a lowercase snake-case key: `{"ref": "MyFn"}`,
//! `{"get_att": ["MyFn", "Arn"]}`, `{"sub": "arn:${AWS::Partition}:..."}`, `{"join": ...}`,
//! `{"import_value": ...}`, `{"if": ...}`... Readers treat such an object as "a string known
//! only at deploy time" wherever a string is expected.

use crate::doc::{Node, Value};

/// Keys that mark a symbolic value.
pub(crate) const SYMBOLIC_KEYS: &[&str] = &[
    "ref",
    "get_att",
    "sub",
    "join",
    "import_value",
    "if",
    "select",
    "find_in_map",
    "split",
    "base64",
    "get_azs",
    "cidr",
    "transform",
    "to_json_string",
    "length",
    "terraform",
];

/// True when the node is a one-key object whose key marks a symbolic value.
pub(crate) fn is_symbolic(node: &Node) -> bool {
    match &node.value {
        Value::Object(members) => {
            members.len() == 1 && members.first().is_some_and(|(k, _)| SYMBOLIC_KEYS.contains(&k.as_str()))
        }
        _ => false,
    }
}

/// True when the JSON value is a symbolic value.
pub(crate) fn is_symbolic_json(value: &serde_json::Value) -> bool {
    value.as_object().is_some_and(|m| m.len() == 1 && m.keys().all(|k| SYMBOLIC_KEYS.contains(&k.as_str())))
}
