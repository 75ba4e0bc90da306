//! Amazon States Language: turning a definition into state nodes and edges, and checking its
//! structure.
//!
//! [`read_definition`] is the one entry point every reader uses once it has a definition as a
//! [`Node`] (a bare ASL file, the `definition` string of describe output, a template's
//! `Definition`/`DefinitionString`, a Terraform `definition`). Structural problems become
//! [`Diagnostic`]s in the graph, never errors: a broken workflow is still a workflow to report on.
//!
//! - `integration`: a Task's `Resource` → the service, API and pattern it calls.
//! - `validate`: the structural checks and their stable `ASL_*` codes (`docs/diagnostics.md`).
//! - `path`, `jsonata`: syntax of JSONPath paths, intrinsic functions and JSONata expressions.
//!
//! States are nodes with ids `<machine>/state/<Name>`; edges are `contains` (machine → top-level
//! state, Parallel/Map → nested state), `next` and `catches`, resolved within each scope.

pub(crate) mod integration;
mod jsonata;
mod path;
pub(crate) mod permissions;
pub(crate) mod validate;

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::doc::{Node, Value, join_index, join_pointer};
use crate::ingest::symbolic::is_symbolic;
use crate::model::{
    Catcher, Diagnostic, DiagnosticSeverity, Edge, EdgeKind, FactGraph, MapConfig, Retrier, SourceRef, State,
    StateMachine,
};

/// Where a definition sits, so every state can point back at its place in the input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DefinitionPlace<'a> {
    /// The file the user named.
    pub(crate) file: &'a str,
    /// How the definition is stored in the file.
    pub(crate) storage: Storage<'a>,
}

/// How a definition is stored in its file.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Storage<'a> {
    /// As a JSON/YAML value at this pointer (`""` for a whole ASL file); node lines are file
    /// lines.
    Inline(&'a str),
    /// As a string at this pointer and line (describe output, `DefinitionString`, Terraform);
    /// node lines are lines of the string. When `line_preserving` (a YAML block scalar or an
    /// HCL heredoc), line N of the string is line `line + N` of the file.
    Embedded { pointer: &'a str, line: u32, line_preserving: bool },
}

impl DefinitionPlace<'_> {
    /// The source reference of a definition node at `inner` pointer and `line` of the definition.
    pub(crate) fn source(&self, inner: &str, line: u32) -> SourceRef {
        match self.storage {
            Storage::Inline(base) => SourceRef { file: self.file.to_owned(), pointer: format!("{base}{inner}"), line },
            Storage::Embedded { pointer, line: outer, line_preserving } => SourceRef {
                file: self.file.to_owned(),
                pointer: pointer.to_owned(),
                line: if line_preserving && line > 0 { outer + line } else { outer },
            },
        }
    }
}

/// State types of the language.
pub(crate) const STATE_TYPES: &[&str] = &["Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"];

/// Fields copied into [`State::io`] for data-flow rules.
const IO_FIELDS: &[&str] =
    &["InputPath", "OutputPath", "ResultPath", "ResultSelector", "Output", "Assign", "ItemSelector", "Result"];

/// Reads `definition` into `machine` and `graph`: states, `contains`/`next`/`catches` edges and
/// structural diagnostics. `machine.machine_type` must already be set.
pub(crate) fn read_definition(
    definition: &Node,
    machine: &mut StateMachine,
    place: &DefinitionPlace<'_>,
    graph: &mut FactGraph,
) {
    machine.has_definition = true;
    machine.definition_source = Some(place.source("", definition.line));
    if let Some(ql) = definition.get("QueryLanguage").and_then(Node::as_str).filter(|q| is_query_language(q)) {
        machine.query_language = ql.to_owned();
    }
    machine.comment = definition.get("Comment").and_then(Node::as_str).map(str::to_owned);
    machine.start_at = definition.get("StartAt").and_then(Node::as_str).map(str::to_owned);
    machine.version = definition.get("Version").and_then(Node::as_str).map(str::to_owned);
    machine.timeout_seconds = definition.get("TimeoutSeconds").map(Node::to_json);
    let mut reader = Reader { machine_id: machine.id.clone(), place, graph, seen: BTreeMap::new() };
    let top = reader.read_states(definition, "", None, None, &machine.query_language);
    for id in &top {
        reader.edge(&machine.id, id, EdgeKind::Contains);
    }
    machine.states = top;
    link_transitions(&machine.id, graph);
    validate::validate(definition, machine, place, graph);
}

struct Reader<'a, 'p> {
    machine_id: String,
    place: &'a DefinitionPlace<'p>,
    graph: &'a mut FactGraph,
    /// State name → number of times seen, to keep ids unique when names repeat (itself a
    /// diagnostic reported by validation).
    seen: BTreeMap<String, usize>,
}

impl Reader<'_, '_> {
    /// Reads the `States` of a definition, branch or processor; returns the new state ids.
    fn read_states(
        &mut self,
        container: &Node,
        pointer: &str,
        parent: Option<&str>,
        branch: Option<usize>,
        query_language: &str,
    ) -> Vec<String> {
        let Some(states) = container.get("States").and_then(Node::as_object) else {
            return Vec::new();
        };
        let states_pointer = join_pointer(pointer, "States");
        let mut ids = Vec::with_capacity(states.len());
        for (name, node) in states {
            let state_pointer = join_pointer(&states_pointer, name);
            let id = self.read_state(name, node, &state_pointer, parent, branch, query_language);
            ids.push(id);
        }
        ids
    }

    fn state_id(&mut self, name: &str) -> String {
        let count = self.seen.entry(name.to_owned()).or_insert(0);
        *count += 1;
        if *count == 1 {
            format!("{}/state/{name}", self.machine_id)
        } else {
            format!("{}/state/{name}~{count}", self.machine_id)
        }
    }

    fn read_state(
        &mut self,
        name: &str,
        node: &Node,
        pointer: &str,
        parent: Option<&str>,
        branch: Option<usize>,
        inherited_ql: &str,
    ) -> String {
        let id = self.state_id(name);
        let source = self.place.source(pointer, node.line);
        let str_field = |key: &str| node.get(key).and_then(Node::as_str).map(str::to_owned);
        let json_field = |key: &str| node.get(key).map(Node::to_json);
        let state_type = str_field("Type").unwrap_or_default();
        let query_language =
            str_field("QueryLanguage").filter(|q| is_query_language(q)).unwrap_or_else(|| inherited_ql.to_owned());
        let resource = json_field("Resource");
        let parameters = json_field("Parameters");
        let arguments = json_field("Arguments");
        let integration = if state_type == "Task" { resource.as_ref().map(integration::parse) } else { None };
        let http = if state_type == "Task" {
            integration::http_endpoint(integration.as_ref(), parameters.as_ref().or(arguments.as_ref()))
        } else {
            None
        };
        let mut state = State {
            id: id.clone(),
            state_machine: self.machine_id.clone(),
            name: name.to_owned(),
            state_type: state_type.clone(),
            parent: parent.map(str::to_owned),
            branch,
            query_language: query_language.clone(),
            comment: str_field("Comment"),
            resource,
            integration,
            parameters,
            arguments,
            timeout_seconds: json_field("TimeoutSeconds"),
            timeout_seconds_path: str_field("TimeoutSecondsPath"),
            heartbeat_seconds: json_field("HeartbeatSeconds"),
            heartbeat_seconds_path: str_field("HeartbeatSecondsPath"),
            retry: read_retry(node.get("Retry")),
            catch: read_catch(node.get("Catch")),
            next: str_field("Next"),
            end: node.get("End").and_then(Node::as_bool).unwrap_or(false),
            default: str_field("Default"),
            choices: choice_targets(node.get("Choices")),
            credentials: json_field("Credentials"),
            map: None,
            http,
            io: IO_FIELDS.iter().filter_map(|k| node.get(k).map(|v| ((*k).to_owned(), v.to_json()))).collect(),
            definition_pointer: pointer.to_owned(),
            source: source.clone(),
        };
        match state_type.as_str() {
            "Parallel" => {
                if let Some(branches) = node.get("Branches").and_then(Node::as_array) {
                    let branches_pointer = join_pointer(pointer, "Branches");
                    for (i, b) in branches.iter().enumerate() {
                        let branch_pointer = join_index(&branches_pointer, i);
                        let ql = b
                            .get("QueryLanguage")
                            .and_then(Node::as_str)
                            .filter(|q| is_query_language(q))
                            .unwrap_or(&query_language)
                            .to_owned();
                        for child in self.read_states(b, &branch_pointer, Some(&id), Some(i), &ql) {
                            self.edge(&id, &child, EdgeKind::Contains);
                        }
                    }
                }
            }
            "Map" => {
                let (processor_key, processor) = match node.get("ItemProcessor") {
                    Some(p) => ("ItemProcessor", Some(p)),
                    None => ("Iterator", node.get("Iterator")),
                };
                let config = processor.and_then(|p| p.get("ProcessorConfig"));
                state.map = Some(MapConfig {
                    mode: config.and_then(|c| c.get("Mode")).and_then(Node::as_str).unwrap_or("INLINE").to_owned(),
                    execution_type: config
                        .and_then(|c| c.get("ExecutionType"))
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                    max_concurrency: json_field("MaxConcurrency"),
                    max_concurrency_path: str_field("MaxConcurrencyPath"),
                    items: json_field("ItemsPath").or_else(|| json_field("Items")),
                    item_reader: json_field("ItemReader"),
                    result_writer: json_field("ResultWriter"),
                    item_batcher: json_field("ItemBatcher"),
                    tolerated_failure_percentage: json_field("ToleratedFailurePercentage")
                        .or_else(|| json_field("ToleratedFailurePercentagePath")),
                    tolerated_failure_count: json_field("ToleratedFailureCount")
                        .or_else(|| json_field("ToleratedFailureCountPath")),
                    label: str_field("Label"),
                    start_at: processor.and_then(|p| p.get("StartAt")).and_then(Node::as_str).map(str::to_owned),
                });
                if let Some(p) = processor {
                    let processor_pointer = join_pointer(pointer, processor_key);
                    let ql = p
                        .get("QueryLanguage")
                        .and_then(Node::as_str)
                        .filter(|q| is_query_language(q))
                        .unwrap_or(&query_language)
                        .to_owned();
                    for child in self.read_states(p, &processor_pointer, Some(&id), None, &ql) {
                        self.edge(&id, &child, EdgeKind::Contains);
                    }
                }
            }
            _ => {}
        }
        self.graph.states.insert(id.clone(), state);
        id
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind) {
        self.graph.edges.push(Edge { from: from.to_owned(), to: to.to_owned(), kind });
    }
}

/// Adds `next` and `catches` edges between the machine's states. Names resolve within their
/// scope (the top level, one Parallel branch, one Map processor), as Step Functions resolves
/// them; a name that is not in the scope gets no edge (validation reports it).
fn link_transitions(machine_id: &str, graph: &mut FactGraph) {
    // Scope key: the enclosing Parallel/Map state and the branch index.
    type Scope<'a> = (Option<&'a str>, Option<usize>);
    let states: Vec<&State> = graph.states.values().filter(|s| s.state_machine == machine_id).collect();
    let mut scopes: BTreeMap<Scope<'_>, BTreeMap<&str, &str>> = BTreeMap::new();
    for s in &states {
        scopes.entry((s.parent.as_deref(), s.branch)).or_default().insert(s.name.as_str(), s.id.as_str());
    }
    let mut edges = Vec::new();
    for state in &states {
        let Some(names) = scopes.get(&(state.parent.as_deref(), state.branch)) else { continue };
        let nexts = state.next.iter().chain(state.default.iter()).chain(state.choices.iter());
        for target in nexts {
            if let Some(to) = names.get(target.as_str()) {
                edges.push(Edge { from: state.id.clone(), to: (*to).to_owned(), kind: EdgeKind::Next });
            }
        }
        for catcher in &state.catch {
            if let Some(to) = catcher.next.as_deref().and_then(|t| names.get(t)) {
                edges.push(Edge { from: state.id.clone(), to: (*to).to_owned(), kind: EdgeKind::Catches });
            }
        }
    }
    graph.edges.extend(edges);
}

fn read_retry(node: Option<&Node>) -> Vec<Retrier> {
    let Some(items) = node.and_then(Node::as_array) else { return Vec::new() };
    items
        .iter()
        .map(|r| Retrier {
            error_equals: string_list(r.get("ErrorEquals")),
            interval_seconds: r.get("IntervalSeconds").map(Node::to_json),
            max_attempts: r.get("MaxAttempts").map(Node::to_json),
            backoff_rate: r.get("BackoffRate").map(Node::to_json),
            max_delay_seconds: r.get("MaxDelaySeconds").map(Node::to_json),
            jitter_strategy: r.get("JitterStrategy").and_then(Node::as_str).map(str::to_owned),
        })
        .collect()
}

fn read_catch(node: Option<&Node>) -> Vec<Catcher> {
    let Some(items) = node.and_then(Node::as_array) else { return Vec::new() };
    items
        .iter()
        .map(|c| Catcher {
            error_equals: string_list(c.get("ErrorEquals")),
            next: c.get("Next").and_then(Node::as_str).map(str::to_owned),
            result_path: c.get("ResultPath").map(Node::to_json),
        })
        .collect()
}

fn string_list(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_array)
        .map(|items| items.iter().filter_map(Node::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `Next` targets of Choice rules, in order.
fn choice_targets(node: Option<&Node>) -> Vec<String> {
    string_list_of(node, "Next")
}

fn string_list_of(node: Option<&Node>, key: &str) -> Vec<String> {
    node.and_then(Node::as_array)
        .map(|items| items.iter().filter_map(|c| c.get(key).and_then(Node::as_str)).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Adds a diagnostic for a definition node.
#[expect(clippy::too_many_arguments, reason = "one flat call shared by every reader that reports on a definition")]
pub(crate) fn diagnose(
    graph: &mut FactGraph,
    place: &DefinitionPlace<'_>,
    code: &str,
    severity: DiagnosticSeverity,
    node_id: Option<&str>,
    inner_pointer: &str,
    line: u32,
    message: impl Into<String>,
) {
    graph.diagnostics.push(Diagnostic {
        code: code.to_owned(),
        severity,
        message: message.into(),
        node: node_id.map(str::to_owned),
        source: place.source(inner_pointer, line),
    });
}

/// True for a value a template leaves to deploy time: a symbolic value, or a CloudFormation
/// intrinsic (`{"Ref": ...}`, `{"Fn::GetAtt": ...}`) left in a definition read on its own.
pub(crate) fn is_unresolved(node: &Node) -> bool {
    if is_symbolic(node) {
        return true;
    }
    match &node.value {
        Value::Object(members) => {
            members.len() == 1 && members.first().is_some_and(|(k, _)| k == "Ref" || k.starts_with("Fn::"))
        }
        _ => false,
    }
}

/// The two query languages; anything else is reported by validation and ignored here.
fn is_query_language(q: &str) -> bool {
    q == "JSONPath" || q == "JSONata"
}

/// True when a JSON value is a JSONata expression string (`{% ... %}`).
pub(crate) fn is_jsonata(value: &Json) -> bool {
    value.as_str().is_some_and(|s| s.trim_start().starts_with("{%"))
}
