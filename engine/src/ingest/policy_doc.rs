//! Normalizing IAM policy documents (identity, trust, boundary, resource, SCP, RCP).
//!
//! Every reader that meets a policy document (templates, Terraform, IAM exports, SCP files)
//! calls [`read_policy`], so statements look the same whatever the source: arrays everywhere,
//! principals as a type → values map, conditions as operator → key → values.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::ReadContext;
use super::symbolic::is_symbolic;
use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::model::{Policy, PolicyKind, Principal, SourceRef, Statement};

const STATEMENT_KEYS: &[&str] =
    &["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"];

/// Reads the policy document at `pointer` (an object with `Statement`) into a [`Policy`].
///
/// A document given as a JSON string (IAM API output, Terraform) should be parsed by the caller
/// first. Symbolic values (unresolved template references) are accepted wherever strings are.
pub(crate) fn read_policy(
    ctx: &ReadContext<'_>,
    document: &Node,
    pointer: &str,
    id: String,
    kind: PolicyKind,
) -> Result<Policy, InputError> {
    let Some(members) = document.as_object() else {
        return Err(ctx.type_error(document, pointer, "a policy document (an object)"));
    };
    for (key, value) in members {
        match key.as_str() {
            "Version" | "Id" => {
                if value.as_str().is_none() && !is_symbolic(value) {
                    return Err(ctx.type_error(value, &join_pointer(pointer, key), "a string"));
                }
            }
            "Statement" => {}
            other => {
                return Err(ctx.error(
                    value.line,
                    &join_pointer(pointer, other),
                    InputErrorKind::Shape,
                    format!("unknown policy element `{other}`"),
                ));
            }
        }
    }
    let statement_pointer = join_pointer(pointer, "Statement");
    let statements = match document.get("Statement") {
        None => {
            return Err(ctx.error(document.line, pointer, InputErrorKind::Shape, "policy document has no `Statement`"));
        }
        Some(Node { value: Value::Array(items), .. }) => items
            .iter()
            .enumerate()
            .map(|(i, s)| read_statement(ctx, s, &join_index(&statement_pointer, i)))
            .collect::<Result<Vec<_>, _>>()?,
        Some(single @ Node { value: Value::Object(_), .. }) => vec![read_statement(ctx, single, &statement_pointer)?],
        Some(other) => return Err(ctx.type_error(other, &statement_pointer, "an object or an array of statements")),
    };
    Ok(Policy {
        id,
        kind,
        name: None,
        arn: None,
        version: document.get("Version").and_then(Node::as_str).map(str::to_owned),
        statements,
        document: document.to_json(),
        attached_to: Vec::new(),
        source: SourceRef { file: ctx.file.to_owned(), pointer: pointer.to_owned(), line: document.line },
    })
}

fn read_statement(ctx: &ReadContext<'_>, node: &Node, pointer: &str) -> Result<Statement, InputError> {
    let Some(members) = node.as_object() else {
        return Err(ctx.type_error(node, pointer, "a statement (an object)"));
    };
    for (key, value) in members {
        if !STATEMENT_KEYS.contains(&key.as_str()) {
            return Err(ctx.error(
                value.line,
                &join_pointer(pointer, key),
                InputErrorKind::Shape,
                format!("unknown statement element `{key}`"),
            ));
        }
    }
    let field = |key: &str| node.get(key).map(|v| (v, join_pointer(pointer, key)));
    let effect = match field("Effect") {
        Some((v, p)) => match v.as_str() {
            Some(e @ ("Allow" | "Deny")) => e.to_owned(),
            Some(other) => {
                return Err(ctx.error(
                    v.line,
                    &p,
                    InputErrorKind::Shape,
                    format!("`Effect` must be `Allow` or `Deny`, not `{other}`"),
                ));
            }
            None if is_symbolic(v) => return Err(ctx.type_error(v, &p, "`Allow` or `Deny`")),
            None => return Err(ctx.type_error(v, &p, "`Allow` or `Deny`")),
        },
        None => return Err(ctx.error(node.line, pointer, InputErrorKind::Shape, "statement has no `Effect`")),
    };
    let action = string_list(ctx, field("Action"))?;
    let not_action = string_list(ctx, field("NotAction"))?;
    if node.get("Action").is_some() && node.get("NotAction").is_some() {
        return Err(ctx.error(
            node.line,
            pointer,
            InputErrorKind::Shape,
            "statement has both `Action` and `NotAction`",
        ));
    }
    if node.get("Action").is_none() && node.get("NotAction").is_none() {
        return Err(ctx.error(
            node.line,
            pointer,
            InputErrorKind::Shape,
            "statement has neither `Action` nor `NotAction`",
        ));
    }
    if node.get("Resource").is_some() && node.get("NotResource").is_some() {
        return Err(ctx.error(
            node.line,
            pointer,
            InputErrorKind::Shape,
            "statement has both `Resource` and `NotResource`",
        ));
    }
    if node.get("Principal").is_some() && node.get("NotPrincipal").is_some() {
        return Err(ctx.error(
            node.line,
            pointer,
            InputErrorKind::Shape,
            "statement has both `Principal` and `NotPrincipal`",
        ));
    }
    Ok(Statement {
        sid: match field("Sid") {
            Some((v, _)) if v.as_str().is_some() => v.as_str().map(str::to_owned),
            Some((v, p)) if !v.is_null() => return Err(ctx.type_error(v, &p, "a string")),
            _ => None,
        },
        effect,
        action,
        not_action,
        resource: string_list(ctx, field("Resource"))?,
        not_resource: string_list(ctx, field("NotResource"))?,
        principal: field("Principal").map(|(v, p)| principal(ctx, v, &p)).transpose()?,
        not_principal: field("NotPrincipal").map(|(v, p)| principal(ctx, v, &p)).transpose()?,
        condition: match field("Condition") {
            Some((v, p)) => condition(ctx, v, &p)?,
            None => BTreeMap::new(),
        },
        source: SourceRef { file: ctx.file.to_owned(), pointer: pointer.to_owned(), line: node.line },
    })
}

/// A string, a symbolic value, or an array of them, as an array.
fn string_list(ctx: &ReadContext<'_>, field: Option<(&Node, String)>) -> Result<Vec<Json>, InputError> {
    let Some((node, pointer)) = field else { return Ok(Vec::new()) };
    let item = |n: &Node, p: &str| -> Result<Json, InputError> {
        if n.as_str().is_some() || is_symbolic(n) { Ok(n.to_json()) } else { Err(ctx.type_error(n, p, "a string")) }
    };
    match &node.value {
        Value::Array(items) => items.iter().enumerate().map(|(i, n)| item(n, &join_index(&pointer, i))).collect(),
        _ if is_symbolic(node) => Ok(vec![node.to_json()]),
        _ => Ok(vec![item(node, &pointer)?]),
    }
}

fn principal(ctx: &ReadContext<'_>, node: &Node, pointer: &str) -> Result<Principal, InputError> {
    let mut out = Principal::new();
    match &node.value {
        Value::String(s) if s == "*" => {
            out.insert("AWS".to_owned(), vec![Json::String("*".to_owned())]);
        }
        Value::Object(members) if !is_symbolic(node) => {
            for (kind, values) in members {
                let p = join_pointer(pointer, kind);
                if !matches!(kind.as_str(), "AWS" | "Service" | "Federated" | "CanonicalUser") {
                    return Err(ctx.error(
                        values.line,
                        &p,
                        InputErrorKind::Shape,
                        format!("unknown principal type `{kind}`"),
                    ));
                }
                out.insert(kind.clone(), string_list(ctx, Some((values, p)))?);
            }
        }
        _ => return Err(ctx.type_error(node, pointer, "`\"*\"` or an object of principal types")),
    }
    Ok(out)
}

fn condition(
    ctx: &ReadContext<'_>,
    node: &Node,
    pointer: &str,
) -> Result<BTreeMap<String, BTreeMap<String, Vec<Json>>>, InputError> {
    let Some(operators) = node.as_object() else {
        return Err(ctx.type_error(node, pointer, "an object of condition operators"));
    };
    let mut out = BTreeMap::new();
    for (operator, keys) in operators {
        let op_pointer = join_pointer(pointer, operator);
        let Some(keys) = keys.as_object() else {
            return Err(ctx.type_error(keys, &op_pointer, "an object of condition keys"));
        };
        let mut by_key = BTreeMap::new();
        for (key, values) in keys {
            let key_pointer = join_pointer(&op_pointer, key);
            let scalar = |n: &Node, p: &str| -> Result<Json, InputError> {
                match &n.value {
                    Value::String(_) | Value::Bool(_) | Value::Number(_) => Ok(n.to_json()),
                    _ if is_symbolic(n) => Ok(n.to_json()),
                    _ => Err(ctx.type_error(n, p, "a string, number or boolean")),
                }
            };
            let list = match &values.value {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| scalar(n, &join_index(&key_pointer, i)))
                    .collect::<Result<_, _>>()?,
                _ => vec![scalar(values, &key_pointer)?],
            };
            by_key.insert(key.clone(), list);
        }
        out.insert(operator.clone(), by_key);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Limits, parse_json};

    fn read(text: &str) -> Result<Policy, InputError> {
        let limits = Limits::default();
        let documents = BTreeMap::new();
        let ctx = ReadContext {
            file: "p.json",
            limits: &limits,
            documents: &documents,
            dir: None,
            consumed: Default::default(),
        };
        let node = parse_json(text, &limits).unwrap();
        read_policy(&ctx, &node, "", "p.json".to_owned(), PolicyKind::Identity)
    }

    #[test]
    fn single_values_become_arrays() {
        let p = read(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}}"#,
        )
        .unwrap();
        let s = &p.statements[0];
        assert_eq!(s.action, vec![Json::from("s3:GetObject")]);
        assert_eq!(s.resource, vec![Json::from("*")]);
        assert_eq!(s.condition["StringEquals"]["aws:SourceAccount"], vec![Json::from("111122223333")]);
        assert_eq!(p.version.as_deref(), Some("2012-10-17"));
    }

    #[test]
    fn principal_star_and_objects_normalize() {
        let p = read(
            r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "NotPrincipal": {"Service": "states.amazonaws.com"}, "Action": "*"}]}"#,
        )
        .unwrap();
        assert_eq!(p.statements[0].principal.as_ref().unwrap()["AWS"], vec![Json::from("*")]);
        assert_eq!(
            p.statements[1].not_principal.as_ref().unwrap()["Service"],
            vec![Json::from("states.amazonaws.com")]
        );
    }

    #[test]
    fn malformed_statements_name_their_place() {
        let cases = [
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": 3}]}"#,
                "/Statement/0/Action",
                "expected a string, found a number",
            ),
            (
                r#"{"Statement": [{"Effect": "Permit", "Action": "*"}]}"#,
                "/Statement/0/Effect",
                "must be `Allow` or `Deny`",
            ),
            (r#"{"Statement": [{"Effect": "Allow"}]}"#, "/Statement/0", "neither `Action` nor `NotAction`"),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resourse": "*"}]}"#,
                "/Statement/0/Resourse",
                "unknown statement element",
            ),
            (r#"{"Version": "2012-10-17"}"#, "", "no `Statement`"),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"Person": "x"}}]}"#,
                "/Statement/0/Principal/Person",
                "unknown principal type",
            ),
        ];
        for (text, pointer, message) in cases {
            let err = read(text).unwrap_err();
            assert_eq!(err.pointer(), pointer, "{text}");
            assert!(err.message().contains(message), "{text}: {}", err.message());
        }
    }
}
