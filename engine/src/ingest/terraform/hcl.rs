//! `.tf` files, parsed with `hcl-rs` (its `hcl-edit` parser keeps byte spans, so every value
//! gets its line).
//!
//! Only literals are evaluated: strings, heredocs, numbers, lists, objects, and `jsonencode` of
//! them. A string that is one interpolation (`"${aws_iam_role.exec.arn}"`) or a reference
//! (`aws_iam_role.exec.arn`) becomes `{"terraform": "aws_iam_role.exec.arn"}`; a string that
//! mixes text and interpolations becomes `{"sub": "${aws_s3_bucket.b.arn}/*"}`; any other
//! expression becomes `{"terraform": "<the expression as written>"}`. A definition or policy
//! that is not literal (`file()`, `templatefile()`, a variable) is reported as a
//! `TF_NOT_EVALUABLE` diagnostic, and the resource is still read.
//!
//! Pointers are those the value would have in Terraform's JSON syntax
//! (`/resource/aws_sfn_state_machine/main/definition`).

use std::collections::BTreeMap;
use std::ops::Range;

use hcl::edit::Span;
use hcl::edit::expr::{Expression, FuncCall, ObjectKey};
use hcl::edit::structure::{Block, Body, Structure};
use hcl::edit::template::{Element, Template};

use super::{Doc, Form, TERRAFORM_KEY, TfResource, build, shorten};
use crate::doc::{Node, Value, join_pointer};
use crate::error::InputErrorKind;
use crate::ingest::{ReadContext, ReadOutcome, parse_text};

/// Attributes holding JSON documents, by resource type (`*` stands for each nested block).
const DOCUMENT_ATTRIBUTES: &[(&str, &[&[&str]])] = &[
    ("aws_sfn_state_machine", &[&["definition"]]),
    ("aws_iam_role", &[&["assume_role_policy"], &["inline_policy", "*", "policy"]]),
    ("aws_iam_role_policy", &[&["policy"]]),
    ("aws_iam_policy", &[&["policy"]]),
    ("aws_organizations_policy", &[&["content"]]),
    ("aws_sqs_queue_policy", &[&["policy"]]),
    ("aws_sns_topic_policy", &[&["policy"]]),
    ("aws_s3_bucket_policy", &[&["policy"]]),
    ("aws_cloudwatch_event_bus_policy", &[&["policy"]]),
    ("aws_secretsmanager_secret_policy", &[&["policy"]]),
    ("aws_sqs_queue", &[&["policy"]]),
    ("aws_sns_topic", &[&["policy"]]),
    ("aws_kms_key", &[&["policy"]]),
];

/// Why a document is not read, for anything but a literal.
const NOT_LITERAL: &str = "it reads literal documents and `jsonencode` of literal values";

/// Marks an interpolation inside template text while it is parsed as JSON (private-use
/// characters, which Terraform configurations have no reason to contain).
const MARK_START: char = '\u{E000}';
const MARK_END: char = '\u{E001}';

/// Reads one `.tf` file.
pub(super) fn read(ctx: &ReadContext<'_>, text: &str, out: &mut ReadOutcome) {
    let body = match hcl::edit::parser::parse_body(text) {
        Ok(body) => body,
        Err(e) => {
            let location = e.location();
            let line = u32::try_from(location.line()).unwrap_or(u32::MAX);
            let column = u32::try_from(location.column()).unwrap_or(u32::MAX);
            out.errors.push(ctx.error(line, "", InputErrorKind::Syntax, e.message().to_owned()).with_column(column));
            return;
        }
    };
    let reader = Reader { ctx, text, lines: LineIndex::new(text) };
    let mut resources: Vec<TfResource> = Vec::new();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for block in body.blocks() {
        let Some(resource) = reader.resource(block) else { continue };
        if let Some(first) = seen.get(&resource.address) {
            out.errors.push(ctx.error(
                resource.line,
                &resource.resource_pointer,
                InputErrorKind::Shape,
                format!("`{}` is also defined at line {first}", resource.address),
            ));
            continue;
        }
        seen.insert(resource.address.clone(), resource.line);
        resources.push(resource);
    }
    build::build(ctx, "terraform-hcl", &resources, out);
}

/// Byte offsets of line starts, to turn spans into 1-based lines.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Self { starts }
    }

    fn line(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&start| start <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}

struct Reader<'r, 'c> {
    ctx: &'r ReadContext<'c>,
    text: &'r str,
    lines: LineIndex,
}

impl Reader<'_, '_> {
    fn line(&self, span: Option<Range<usize>>, fallback: u32) -> u32 {
        span.map_or(fallback, |s| self.lines.line(s.start))
    }

    /// The expression as written, on one line.
    fn source(&self, expr: &Expression) -> String {
        let written = expr.span().and_then(|s| self.text.get(s)).map_or_else(|| expr.to_string(), str::to_owned);
        one_line(&written)
    }

    /// A `resource` or `data` block as a resource; `None` for other blocks.
    fn resource(&self, block: &Block) -> Option<TfResource> {
        let data = match block.ident.as_str() {
            "resource" => false,
            "data" => true,
            _ => return None,
        };
        let [resource_type, name] = block.labels.as_slice() else { return None };
        let (resource_type, name) = (resource_type.as_str(), name.as_str());
        let line = self.line(block.span(), 0);
        let address = if data { format!("data.{resource_type}.{name}") } else { format!("{resource_type}.{name}") };
        let pointer = join_pointer(&join_pointer(if data { "/data" } else { "/resource" }, resource_type), name);
        let values = self.body(&block.body, line);
        let mut documents = BTreeMap::new();
        if data && resource_type == "aws_iam_policy_document" {
            documents.insert("json".to_owned(), policy_document(&values, &block.body, line));
        } else if !data {
            let paths = DOCUMENT_ATTRIBUTES.iter().find(|(t, _)| *t == resource_type).map_or(&[][..], |(_, p)| *p);
            for path in paths {
                self.documents(&block.body, path, String::new(), &mut documents);
            }
        }
        Some(TfResource {
            address,
            data,
            resource_type: resource_type.to_owned(),
            values,
            pointer: pointer.clone(),
            resource_pointer: pointer,
            form: Form::Hcl,
            line,
            documents,
        })
    }

    /// A block body as an object: attributes by name, nested blocks as arrays of objects.
    fn body(&self, body: &Body, line: u32) -> Node {
        let mut members: Vec<(String, Node)> = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let node = self.value(&attribute.value, self.line(attribute.span(), line));
                    members.push((attribute.key.as_str().to_owned(), node));
                }
                Structure::Block(block) => {
                    let block_line = self.line(block.span(), line);
                    let node = self.body(&block.body, block_line);
                    let key = block.ident.as_str();
                    match members.iter_mut().find(|(k, _)| k == key) {
                        Some((_, Node { value: Value::Array(items), .. })) => items.push(node),
                        Some(_) => {}
                        None => members.push((key.to_owned(), Node::new(Value::Array(vec![node]), block_line))),
                    }
                }
            }
        }
        Node::new(Value::Object(members), line)
    }

    /// Classifies the document attributes at `path` (relative to `body`) into `out`.
    fn documents(&self, body: &Body, path: &[&str], prefix: String, out: &mut BTreeMap<String, Doc>) {
        match path {
            [attribute] => {
                if let Some(attribute) = body.get_attribute(attribute) {
                    let line = self.line(attribute.span(), 0);
                    out.insert(format!("{prefix}{}", attribute.key.as_str()), self.document(&attribute.value, line));
                }
            }
            [block, "*", rest @ ..] => {
                for (i, nested) in body.get_blocks(block).enumerate() {
                    self.documents(&nested.body, rest, format!("{prefix}{block}/{i}/"), out);
                }
            }
            _ => {}
        }
    }

    /// A document that is not read, and why.
    fn not_evaluable(&self, expr: &Expression, line: u32, why: &str) -> Doc {
        let expression = self.source(expr);
        let reason = format!("is `{}`, which stepguard does not evaluate: {why}", shorten(&expression));
        Doc::NotEvaluable { expression, line, reason }
    }

    /// What a document attribute holds.
    fn document(&self, expr: &Expression, attribute_line: u32) -> Doc {
        let not_evaluable = |why: &str| self.not_evaluable(expr, attribute_line, why);
        let line = self.line(expr.span(), attribute_line);
        match expr {
            Expression::String(s) => Doc::Text { text: s.value().clone(), line, line_preserving: false },
            Expression::HeredocTemplate(heredoc) => {
                self.template_document(&heredoc.template, line, true, expr, attribute_line)
            }
            Expression::StringTemplate(template) => self.template_document(template, line, false, expr, attribute_line),
            Expression::Parenthesis(inner) => self.document(inner.inner(), attribute_line),
            Expression::FuncCall(call) if is_function(call, "jsonencode") && call.args.len() == 1 => {
                match call.args.iter().next().map(|arg| self.value(arg, line)) {
                    Some(node @ Node { value: Value::Object(_), .. }) if !is_symbolic_node(&node) => {
                        Doc::Decoded { node, embedded: None }
                    }
                    _ => not_evaluable(NOT_LITERAL),
                }
            }
            _ => not_evaluable(NOT_LITERAL),
        }
    }

    /// A heredoc or quoted template holding JSON. Interpolations become symbolic values inside
    /// the decoded document; directives (`%{ if }`) make it not evaluable.
    fn template_document(
        &self,
        template: &Template,
        line: u32,
        line_preserving: bool,
        expr: &Expression,
        attribute_line: u32,
    ) -> Doc {
        let not_evaluable = |why: String| self.not_evaluable(expr, attribute_line, &why);
        let mut text = String::new();
        let mut interpolations: Vec<String> = Vec::new();
        let mut in_string = false;
        let mut escaped = false;
        for element in template.iter() {
            match element {
                Element::Literal(literal) => {
                    for c in literal.value().chars() {
                        // Track JSON strings so an interpolation outside one is quoted.
                        match (in_string, escaped, c) {
                            (true, true, _) => escaped = false,
                            (true, false, '\\') => escaped = true,
                            (_, false, '"') => in_string = !in_string,
                            _ => {}
                        }
                        text.push(c);
                    }
                }
                Element::Interpolation(interpolation) => {
                    let mark = format!("{MARK_START}{}{MARK_END}", interpolations.len());
                    interpolations.push(self.source(&interpolation.expr));
                    if in_string {
                        text.push_str(&mark);
                    } else {
                        text.push('"');
                        text.push_str(&mark);
                        text.push('"');
                    }
                }
                Element::Directive(_) => {
                    return not_evaluable("template directives (`%{...}`) are not evaluated".to_owned());
                }
            }
        }
        if interpolations.is_empty() {
            return Doc::Text { text, line, line_preserving };
        }
        match parse_text(self.ctx.file, &text, self.ctx.limits) {
            Ok(mut node) => {
                restore_interpolations(&mut node, &interpolations);
                Doc::Decoded { node, embedded: Some((line, line_preserving)) }
            }
            Err(e) => not_evaluable(format!("with its interpolations left symbolic it is not JSON ({})", e.message())),
        }
    }

    /// A value as a node: literals as they are, anything else symbolic.
    fn value(&self, expr: &Expression, fallback_line: u32) -> Node {
        let line = self.line(expr.span(), fallback_line);
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => {
                let n = n.value();
                let number = match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => Some(serde_json::Number::from(u)),
                    (None, Some(i)) => Some(serde_json::Number::from(i)),
                    _ => n.as_f64().and_then(serde_json::Number::from_f64),
                };
                match number {
                    Some(number) => Value::Number(number),
                    None => return symbolic(self.source(expr), line),
                }
            }
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(items) => Value::Array(items.iter().map(|item| self.value(item, line)).collect()),
            Expression::Object(object) => Value::Object(
                object.iter().map(|(key, value)| (self.key(key), self.value(value.expr(), line))).collect(),
            ),
            Expression::StringTemplate(template) => return self.template_value(template, line, expr),
            Expression::HeredocTemplate(heredoc) => return self.template_value(&heredoc.template, line, expr),
            Expression::Parenthesis(inner) => return self.value(inner.inner(), line),
            Expression::FuncCall(call) if is_function(call, "jsonencode") && call.args.len() == 1 => {
                let encoded = call.args.iter().next().map(|arg| self.value(arg, line));
                match encoded {
                    Some(node) if !contains_symbolic(&node) => Value::String(node.to_json().to_string()),
                    _ => return symbolic(self.source(expr), line),
                }
            }
            Expression::Variable(_)
            | Expression::Traversal(_)
            | Expression::FuncCall(_)
            | Expression::Conditional(_)
            | Expression::UnaryOp(_)
            | Expression::BinaryOp(_)
            | Expression::ForExpr(_) => return symbolic(self.source(expr), line),
        };
        Node::new(value, line)
    }

    /// An object key: an identifier or literal string as is, else the expression as written.
    fn key(&self, key: &ObjectKey) -> String {
        match key {
            ObjectKey::Ident(ident) => ident.value().as_str().to_owned(),
            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
            ObjectKey::Expression(expr) => self.source(expr),
        }
    }

    /// A string template: literal text, one interpolation (`{"terraform": ...}`), or text with
    /// interpolations (`{"sub": ...}`).
    fn template_value(&self, template: &Template, line: u32, expr: &Expression) -> Node {
        let elements: Vec<&Element> = template.iter().collect();
        if let [Element::Interpolation(interpolation)] = elements.as_slice() {
            return symbolic(self.source(&interpolation.expr), line);
        }
        let mut text = String::new();
        let mut literal = true;
        for element in elements {
            match element {
                Element::Literal(s) => text.push_str(s.value()),
                Element::Interpolation(interpolation) => {
                    literal = false;
                    text.push_str("${");
                    text.push_str(&self.source(&interpolation.expr));
                    text.push('}');
                }
                Element::Directive(_) => return symbolic(self.source(expr), line),
            }
        }
        if literal {
            Node::string(text, line)
        } else {
            Node::new(Value::Object(vec![("sub".to_owned(), Node::string(text, line))]), line)
        }
    }
}

/// `text` with each line break and the indentation around it folded into one space.
fn one_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut out = lines.next().unwrap_or_default().to_owned();
    for line in lines {
        out.push(' ');
        out.push_str(line);
    }
    out
}

fn is_function(call: &FuncCall, name: &str) -> bool {
    !call.name.is_namespaced() && call.name.name.value().as_str() == name
}

/// `{"terraform": expression}`.
fn symbolic(expression: String, line: u32) -> Node {
    Node::new(Value::Object(vec![(TERRAFORM_KEY.to_owned(), Node::string(expression, line))]), line)
}

fn is_symbolic_node(node: &Node) -> bool {
    crate::ingest::symbolic::is_symbolic(node)
}

/// True when any value inside `node` is symbolic.
fn contains_symbolic(node: &Node) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if is_symbolic_node(n) {
            return true;
        }
        match &n.value {
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(members) => stack.extend(members.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    false
}

/// Replaces interpolation marks in a decoded template: a string that is one mark becomes
/// `{"terraform": ...}`, a string with marks `{"sub": ...}`; keys get `${...}` back.
fn restore_interpolations(node: &mut Node, interpolations: &[String]) {
    let restore = |s: &str| -> (String, bool) {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        let mut found = false;
        while let Some(start) = rest.find(MARK_START) {
            let (before, after) = rest.split_at(start);
            out.push_str(before);
            let after = after.get(MARK_START.len_utf8()..).unwrap_or_default();
            let Some(end) = after.find(MARK_END) else {
                out.push(MARK_START);
                rest = after;
                continue;
            };
            let index = after.get(..end).and_then(|i| i.parse::<usize>().ok());
            match index.and_then(|i| interpolations.get(i)) {
                Some(expression) => {
                    found = true;
                    out.push_str("${");
                    out.push_str(expression);
                    out.push('}');
                }
                None => {
                    out.push(MARK_START);
                    out.push_str(after.get(..end).unwrap_or_default());
                    out.push(MARK_END);
                }
            }
            rest = after.get(end + MARK_END.len_utf8()..).unwrap_or_default();
        }
        out.push_str(rest);
        (out, found)
    };
    let single = |s: &str| -> Option<&String> {
        let inner = s.strip_prefix(MARK_START)?.strip_suffix(MARK_END)?;
        interpolations.get(inner.parse::<usize>().ok()?)
    };
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let line = n.line;
        if let Value::String(s) = &n.value
            && s.contains(MARK_START)
        {
            let replacement = match single(s) {
                Some(expression) => symbolic(expression.clone(), line),
                None => {
                    let (text, found) = restore(s);
                    if found {
                        Node::new(Value::Object(vec![("sub".to_owned(), Node::string(text, line))]), line)
                    } else {
                        Node::string(text, line)
                    }
                }
            };
            *n = replacement;
            continue;
        }
        match &mut n.value {
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(members) => {
                for (key, value) in members.iter_mut() {
                    if key.contains(MARK_START) {
                        *key = restore(key).0;
                    }
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
}

/// The document an `aws_iam_policy_document` data source builds from its literal `statement`
/// blocks, with the lines of the blocks.
fn policy_document(values: &Node, body: &Body, line: u32) -> Doc {
    for merged in ["source_policy_documents", "override_policy_documents", "source_json", "override_json"] {
        if values.get(merged).is_some() {
            return Doc::NotEvaluable {
                expression: format!("merged with `{merged}`"),
                line,
                reason: format!("merges the documents of `{merged}`, which stepguard does not do"),
            };
        }
    }
    if body.get_blocks("dynamic").next().is_some() {
        return Doc::NotEvaluable {
            expression: "built with `dynamic` blocks".to_owned(),
            line,
            reason: "has `dynamic` blocks, which stepguard does not expand".to_owned(),
        };
    }
    let mut members = vec![(
        "Version".to_owned(),
        values.get("version").cloned().unwrap_or_else(|| Node::string("2012-10-17", line)),
    )];
    if let Some(id) = values.get("policy_id") {
        members.push(("Id".to_owned(), id.clone()));
    }
    let statements: Vec<Node> =
        values.get("statement").and_then(Node::as_array).unwrap_or_default().iter().map(policy_statement).collect();
    members.push(("Statement".to_owned(), Node::new(Value::Array(statements), line)));
    Doc::Decoded { node: Node::new(Value::Object(members), line), embedded: None }
}

/// One `statement` block as an IAM statement.
fn policy_statement(block: &Node) -> Node {
    let line = block.line;
    let mut members: Vec<(String, Node)> = Vec::new();
    let field = |from: &str| block.get(from).filter(|v| !v.is_null()).cloned();
    if let Some(sid) = field("sid") {
        members.push(("Sid".to_owned(), sid));
    }
    members.push(("Effect".to_owned(), field("effect").unwrap_or_else(|| Node::string("Allow", line))));
    for (from, to) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(value) = field(from) {
            members.push((to.to_owned(), value));
        }
    }
    for (from, to) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
        if let Some(blocks) = block.get(from).and_then(Node::as_array) {
            members.push((to.to_owned(), principals(blocks, line)));
        }
    }
    if let Some(conditions) = block.get("condition").and_then(Node::as_array) {
        let mut operators: Vec<(String, Node)> = Vec::new();
        for condition in conditions {
            let (Some(test), Some(variable)) =
                (condition.get("test").and_then(Node::as_str), condition.get("variable").and_then(Node::as_str))
            else {
                // Left for the policy reader to reject with its place.
                operators.push(("test".to_owned(), condition.clone()));
                continue;
            };
            let values = condition.get("values").cloned().unwrap_or_else(|| Node::new(Value::Array(Vec::new()), line));
            match operators.iter_mut().find(|(k, _)| k == test) {
                Some((_, Node { value: Value::Object(keys), .. })) => keys.push((variable.to_owned(), values)),
                _ => operators.push((
                    test.to_owned(),
                    Node::new(Value::Object(vec![(variable.to_owned(), values)]), condition.line),
                )),
            }
        }
        members.push(("Condition".to_owned(), Node::new(Value::Object(operators), line)));
    }
    Node::new(Value::Object(members), line)
}

/// `principals` blocks as a `Principal` element; `type = "*"` with `identifiers = ["*"]` is `"*"`.
fn principals(blocks: &[Node], line: u32) -> Node {
    let mut types: Vec<(String, Node)> = Vec::new();
    for block in blocks {
        let identifiers =
            block.get("identifiers").cloned().unwrap_or_else(|| Node::new(Value::Array(Vec::new()), line));
        let Some(principal_type) = block.get("type").and_then(Node::as_str) else { continue };
        if principal_type == "*" {
            return Node::string("*", block.line);
        }
        match types.iter_mut().find(|(k, _)| k == principal_type) {
            Some((_, Node { value: Value::Array(existing), .. })) => match identifiers.value {
                Value::Array(more) => existing.extend(more),
                _ => existing.push(identifiers),
            },
            _ => types.push((principal_type.to_owned(), identifiers)),
        }
    }
    Node::new(Value::Object(types), line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_shown_on_one_line() {
        assert_eq!(one_line("templatefile(\"a\", {\n    x = 1\n  })"), "templatefile(\"a\", { x = 1 })");
        assert_eq!(one_line("  var.x "), "var.x");
    }

    #[test]
    fn line_index_maps_offsets_to_lines() {
        let index = LineIndex::new("a\nbc\n\nd");
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 2);
        assert_eq!(index.line(5), 3);
        assert_eq!(index.line(6), 4);
    }

    #[test]
    fn interpolation_marks_become_symbolic() {
        let marks = vec!["aws_lambda_function.f.arn".to_owned(), "var.region".to_owned()];
        let text = format!(
            r#"{{"a": "{MARK_START}0{MARK_END}", "b": "arn:aws:states:{MARK_START}1{MARK_END}:x", "k{MARK_START}1{MARK_END}": 1}}"#
        );
        let mut node = crate::doc::parse_json(&text, &crate::doc::Limits::default()).unwrap();
        restore_interpolations(&mut node, &marks);
        assert_eq!(
            node.to_json(),
            serde_json::json!({
                "a": {"terraform": "aws_lambda_function.f.arn"},
                "b": {"sub": "arn:aws:states:${var.region}:x"},
                "k${var.region}": 1
            })
        );
    }
}
