//! `terraform show -json` output: a plan (`planned_values`, `resource_changes`,
//! `configuration`, `prior_state`) or a state (`values`).
//!
//! A plan leaves out what is unknown until apply (`after_unknown` marks it); such values become
//! symbolic, named by the configuration's first reference for that attribute
//! (`{"terraform": "aws_iam_role.exec.arn"}`), or by the resource's own attribute when the
//! provider computes it (`{"terraform": "aws_sfn_state_machine.main.arn"}`).

use std::collections::{BTreeMap, BTreeSet};

use super::{Form, TERRAFORM_KEY, TfResource, build, strip_keys};
use crate::doc::{Node, Value, join_index, join_pointer};
use crate::error::{InputError, InputErrorKind};
use crate::ingest::{ReadContext, ReadOutcome};

/// How deep unknown markers are followed into nested blocks (real schemas nest a few levels).
const MAX_OVERLAY_DEPTH: usize = 8;

/// Reads one plan or state document.
pub(super) fn read(ctx: &ReadContext<'_>, root: &Node, out: &mut ReadOutcome) {
    if let Err(e) = check_format_version(ctx, root) {
        out.errors.push(e);
        return;
    }
    let is_plan =
        ["planned_values", "resource_changes", "configuration", "prior_state"].iter().any(|k| root.get(k).is_some());
    let origin = if is_plan { "terraform-plan" } else { "terraform-state" };
    for source in out.graph.sources.iter_mut().filter(|s| s.file == ctx.file) {
        origin.clone_into(&mut source.kind);
    }
    let form = if is_plan { Form::Plan } else { Form::State };
    let mut reader = Reader { ctx, form, errors: Vec::new(), resources: Vec::new(), seen: BTreeSet::new() };
    if is_plan {
        let changes = reader.changes(root);
        let config = reader.configuration(root);
        if let Some(planned) = reader.object_at(root, "", "planned_values") {
            reader.walk_values(planned, "/planned_values", &changes, &config, false);
        }
        reader.unplanned_changes(root, &changes, &config);
        // Data sources read while planning are kept in the prior state.
        if let Some(prior) = reader.object_at(root, "", "prior_state")
            && let Some(values) = reader.object_at(prior, "/prior_state", "values")
        {
            reader.walk_values(values, "/prior_state/values", &BTreeMap::new(), &BTreeMap::new(), true);
        }
    } else if let Some(values) = reader.object_at(root, "", "values") {
        reader.walk_values(values, "/values", &BTreeMap::new(), &BTreeMap::new(), false);
    }
    out.errors.append(&mut reader.errors);
    build::build(ctx, origin, &reader.resources, out);
}

/// The format's major version must be one this reader knows (the format promises that a new
/// major version is incompatible).
fn check_format_version(ctx: &ReadContext<'_>, root: &Node) -> Result<(), InputError> {
    let Some(version) = root.get("format_version") else { return Ok(()) };
    let Some(text) = version.as_str() else {
        return Err(ctx.type_error(version, "/format_version", "a string"));
    };
    match text.split('.').next() {
        Some("0" | "1") => Ok(()),
        _ => Err(ctx.error(
            version.line,
            "/format_version",
            InputErrorKind::Shape,
            format!("unsupported Terraform JSON format version `{text}` (expected 0.x or 1.x)"),
        )),
    }
}

/// A `resource_changes` entry: the planned attributes and which of them are unknown.
struct Change<'a> {
    after: Option<&'a Node>,
    after_unknown: Option<&'a Node>,
    pointer: String,
    line: u32,
    deleted: bool,
}

struct Reader<'c, 'a> {
    ctx: &'c ReadContext<'a>,
    form: Form,
    errors: Vec<InputError>,
    resources: Vec<TfResource>,
    /// Addresses already read (a data source appears both in the plan and the prior state).
    seen: BTreeSet<String>,
}

impl<'n> Reader<'_, '_> {
    /// The object at `key` of `parent`; absent or null is `None`, another type an error.
    fn object_at(&mut self, parent: &'n Node, pointer: &str, key: &str) -> Option<&'n Node> {
        let node = parent.get(key).filter(|n| !n.is_null())?;
        if node.as_object().is_some() {
            Some(node)
        } else {
            self.errors.push(self.ctx.type_error(node, &join_pointer(pointer, key), "an object"));
            None
        }
    }

    /// The array at `key` of `parent`; absent or null is empty, another type an error.
    fn array_at(&mut self, parent: &'n Node, pointer: &str, key: &str) -> &'n [Node] {
        match parent.get(key) {
            None => &[],
            Some(node) if node.is_null() => &[],
            Some(node) => match node.as_array() {
                Some(items) => items,
                None => {
                    self.errors.push(self.ctx.type_error(node, &join_pointer(pointer, key), "an array"));
                    &[]
                }
            },
        }
    }

    /// The string at `key` of `parent`, required.
    fn string_at(&mut self, parent: &'n Node, pointer: &str, key: &str) -> Option<&'n str> {
        match parent.get(key) {
            Some(node) => match node.as_str() {
                Some(s) => Some(s),
                None => {
                    self.errors.push(self.ctx.type_error(node, &join_pointer(pointer, key), "a string"));
                    None
                }
            },
            None => {
                self.errors.push(self.ctx.error(
                    parent.line,
                    pointer,
                    InputErrorKind::Shape,
                    format!("missing `{key}`"),
                ));
                None
            }
        }
    }

    /// `resource_changes` by address.
    fn changes(&mut self, root: &'n Node) -> BTreeMap<String, Change<'n>> {
        let mut changes = BTreeMap::new();
        for (i, entry) in self.array_at(root, "", "resource_changes").iter().enumerate() {
            let pointer = join_index("/resource_changes", i);
            if entry.as_object().is_none() {
                self.errors.push(self.ctx.type_error(entry, &pointer, "an object"));
                continue;
            }
            let Some(address) = self.string_at(entry, &pointer, "address") else { continue };
            let Some(change) = self.object_at(entry, &pointer, "change") else { continue };
            let change_pointer = join_pointer(&pointer, "change");
            let deleted = self
                .array_at(change, &change_pointer, "actions")
                .iter()
                .all(|a| a.as_str().is_some_and(|a| a == "delete"))
                && change.get("actions").is_some();
            let after = change.get("after").filter(|n| !n.is_null());
            if let Some(after) = after
                && after.as_object().is_none()
            {
                self.errors.push(self.ctx.type_error(after, &join_pointer(&change_pointer, "after"), "an object"));
                continue;
            }
            changes.insert(
                address.to_owned(),
                Change {
                    after,
                    after_unknown: change.get("after_unknown"),
                    pointer: join_pointer(&change_pointer, "after"),
                    line: entry.line,
                    deleted,
                },
            );
        }
        changes
    }

    /// `configuration` resource expressions by module-call path and resource address, with
    /// instance keys left out (`module.app.aws_iam_role.exec`).
    fn configuration(&mut self, root: &'n Node) -> BTreeMap<String, &'n Node> {
        let mut out = BTreeMap::new();
        let Some(config) = self.object_at(root, "", "configuration") else { return out };
        let Some(module) = self.object_at(config, "/configuration", "root_module") else { return out };
        let mut stack = vec![(module, "/configuration/root_module".to_owned(), String::new())];
        while let Some((module, pointer, prefix)) = stack.pop() {
            for (i, resource) in self.array_at(module, &pointer, "resources").iter().enumerate() {
                let resource_pointer = join_index(&join_pointer(&pointer, "resources"), i);
                let Some(address) = resource.get("address").and_then(Node::as_str) else { continue };
                if let Some(expressions) = self.object_at(resource, &resource_pointer, "expressions") {
                    out.insert(format!("{prefix}{address}"), expressions);
                }
            }
            if let Some(calls) = self.object_at(module, &pointer, "module_calls").and_then(Node::as_object) {
                let calls_pointer = join_pointer(&pointer, "module_calls");
                for (name, call) in calls {
                    let call_pointer = join_pointer(&calls_pointer, name);
                    if let Some(child) = self.object_at(call, &call_pointer, "module") {
                        stack.push((child, join_pointer(&call_pointer, "module"), format!("{prefix}module.{name}.")));
                    }
                }
            }
        }
        out
    }

    /// Reads the resources of a values representation (`planned_values`, `values`,
    /// `prior_state.values`), descending into child modules. With `data_only`, managed
    /// resources are skipped (the prior state of a plan also holds resources being deleted).
    fn walk_values(
        &mut self,
        values: &'n Node,
        pointer: &str,
        changes: &BTreeMap<String, Change<'n>>,
        config: &BTreeMap<String, &'n Node>,
        data_only: bool,
    ) {
        let Some(root) = self.object_at(values, pointer, "root_module") else { return };
        let mut stack = vec![(root, join_pointer(pointer, "root_module"), String::new())];
        while let Some((module, module_pointer, module_address)) = stack.pop() {
            for (i, resource) in self.array_at(module, &module_pointer, "resources").iter().enumerate() {
                let resource_pointer = join_index(&join_pointer(&module_pointer, "resources"), i);
                self.resource(resource, &resource_pointer, &module_address, changes, config, data_only);
            }
            let children = self.array_at(module, &module_pointer, "child_modules");
            for (i, child) in children.iter().enumerate().rev() {
                let child_pointer = join_index(&join_pointer(&module_pointer, "child_modules"), i);
                if child.as_object().is_none() {
                    self.errors.push(self.ctx.type_error(child, &child_pointer, "an object"));
                    continue;
                }
                let Some(address) = self.string_at(child, &child_pointer, "address") else { continue };
                stack.push((child, child_pointer, address.to_owned()));
            }
        }
    }

    /// Reads one resource of a values representation.
    fn resource(
        &mut self,
        node: &'n Node,
        pointer: &str,
        module: &str,
        changes: &BTreeMap<String, Change<'n>>,
        config: &BTreeMap<String, &'n Node>,
        data_only: bool,
    ) {
        if node.as_object().is_none() {
            self.errors.push(self.ctx.type_error(node, pointer, "an object"));
            return;
        }
        let (Some(address), Some(resource_type)) =
            (self.string_at(node, pointer, "address"), self.string_at(node, pointer, "type"))
        else {
            return;
        };
        let data = match node.get("mode") {
            None => address.starts_with("data.") || address.contains(".data."),
            Some(mode) => match mode.as_str() {
                Some("data") => true,
                Some("managed") => false,
                Some(other) => {
                    self.errors.push(self.ctx.error(
                        mode.line,
                        &join_pointer(pointer, "mode"),
                        InputErrorKind::Shape,
                        format!("unknown resource mode `{other}`"),
                    ));
                    return;
                }
                None => {
                    self.errors.push(self.ctx.type_error(mode, &join_pointer(pointer, "mode"), "a string"));
                    return;
                }
            },
        };
        if (data_only && !data) || !self.seen.insert(address.to_owned()) {
            return;
        }
        let values_pointer = join_pointer(pointer, "values");
        let empty = Node::new(Value::Object(Vec::new()), node.line);
        let values = match node.get("values") {
            None => &empty,
            Some(v) if v.is_null() => &empty,
            Some(v) if v.as_object().is_some() => v,
            Some(v) => {
                self.errors.push(self.ctx.type_error(v, &values_pointer, "an object"));
                return;
            }
        };
        let unknown = changes.get(address).and_then(|c| c.after_unknown);
        let expressions = config.get(&strip_keys(address)).copied();
        let values = overlay(values, unknown, expressions, module, address, 0);
        self.resources.push(TfResource {
            address: address.to_owned(),
            data,
            resource_type: resource_type.to_owned(),
            values,
            pointer: values_pointer,
            resource_pointer: pointer.to_owned(),
            form: self.form,
            line: node.line,
            documents: BTreeMap::new(),
        });
    }

    /// Resources that only `resource_changes` describes (a data source read at apply time, a
    /// plan without `planned_values`); deleted ones are left out.
    fn unplanned_changes(
        &mut self,
        root: &'n Node,
        changes: &BTreeMap<String, Change<'n>>,
        config: &BTreeMap<String, &'n Node>,
    ) {
        let entries = self.array_at(root, "", "resource_changes");
        for (i, entry) in entries.iter().enumerate() {
            let Some(address) = entry.get("address").and_then(Node::as_str) else { continue };
            let Some(change) = changes.get(address) else { continue };
            if change.deleted || self.seen.contains(address) {
                continue;
            }
            let Some(resource_type) = entry.get("type").and_then(Node::as_str) else {
                self.errors.push(self.ctx.error(
                    entry.line,
                    &join_index("/resource_changes", i),
                    InputErrorKind::Shape,
                    "missing `type`",
                ));
                continue;
            };
            let module = entry.get("module_address").and_then(Node::as_str).unwrap_or_default();
            let data = entry.get("mode").and_then(Node::as_str) == Some("data");
            let empty = Node::new(Value::Object(Vec::new()), change.line);
            let after = change.after.unwrap_or(&empty);
            let expressions = config.get(&strip_keys(address)).copied();
            let values = overlay(after, change.after_unknown, expressions, module, address, 0);
            self.seen.insert(address.to_owned());
            self.resources.push(TfResource {
                address: address.to_owned(),
                data,
                resource_type: resource_type.to_owned(),
                values,
                pointer: change.pointer.clone(),
                resource_pointer: join_index("/resource_changes", i),
                form: self.form,
                line: change.line,
                documents: BTreeMap::new(),
            });
        }
    }
}

/// `values` with every attribute that `unknown` marks as unknown replaced by a symbolic value:
/// the configuration's first reference for it (module-qualified), else the attribute itself.
fn overlay(
    values: &Node,
    unknown: Option<&Node>,
    expressions: Option<&Node>,
    module: &str,
    path: &str,
    depth: usize,
) -> Node {
    let Some(unknown) = unknown.filter(|_| depth < MAX_OVERLAY_DEPTH) else { return values.clone() };
    match (&values.value, &unknown.value) {
        (Value::Object(members), Value::Object(marks)) => {
            let mut members = members.clone();
            for (key, mark) in marks {
                let expression = expressions.and_then(|e| e.get(key));
                let member_path = format!("{path}.{key}");
                let position = members.iter().position(|(k, _)| k == key);
                let current = position.and_then(|p| members.get(p)).map(|(_, v)| v).filter(|v| !v.is_null());
                let replacement = match (current, mark.as_bool()) {
                    // Placed where the attribute would be: the line of the object it belongs to.
                    (None, Some(true)) => Some(symbolic(expression, module, &member_path, values.line)),
                    (Some(value), None) => {
                        Some(overlay(value, Some(mark), expression, module, &member_path, depth + 1))
                    }
                    _ => None,
                };
                if let Some(replacement) = replacement {
                    match position.and_then(|p| members.get_mut(p)) {
                        Some(slot) => slot.1 = replacement,
                        None => members.push((key.clone(), replacement)),
                    }
                }
            }
            Node::new(Value::Object(members), values.line)
        }
        (Value::Array(items), Value::Array(marks)) => {
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let mark = marks.get(i);
                    // Block expressions are an array of one object per block.
                    let expression = expressions.and_then(|e| match &e.value {
                        Value::Array(blocks) => blocks.get(i).or_else(|| blocks.first()),
                        _ => Some(e),
                    });
                    match (mark, mark.and_then(Node::as_bool)) {
                        (Some(_), Some(true)) if item.is_null() => {
                            symbolic(expression, module, &format!("{path}[{i}]"), item.line)
                        }
                        (Some(m), None) => {
                            overlay(item, Some(m), expression, module, &format!("{path}[{i}]"), depth + 1)
                        }
                        _ => item.clone(),
                    }
                })
                .collect();
            Node::new(Value::Array(items), values.line)
        }
        _ => values.clone(),
    }
}

/// The symbolic value for an unknown attribute.
fn symbolic(expression: Option<&Node>, module: &str, path: &str, line: u32) -> Node {
    let reference = expression
        .and_then(|e| e.get("references"))
        .and_then(Node::as_array)
        .and_then(|refs| refs.iter().find_map(Node::as_str))
        .map(|r| if module.is_empty() { r.to_owned() } else { format!("{module}.{r}") })
        .unwrap_or_else(|| path.to_owned());
    Node::new(Value::Object(vec![(TERRAFORM_KEY.to_owned(), Node::string(reference, line))]), line)
}
