//! Structural checks of a definition; each problem is a diagnostic with a stable code.
//!
//! The checks follow the Amazon States Language specification and what the Step Functions API
//! rejects (`error`), plus a few legal-but-likely-wrong shapes (`warning`). Every code is listed
//! in [`CODES`] and documented in `docs/diagnostics.md`.
//!
//! Scopes: the machine's top-level `States`, each `Parallel` branch and each `Map` processor
//! (`ItemProcessor` or legacy `Iterator`) is its own scope. `StartAt`, `Next`, `Default`, choice
//! rule and catcher targets must name a state of the same scope; reachability and "can reach a
//! terminal state" are computed per scope. State names must be unique across the whole machine.
//!
//! Values a template leaves to deploy time (symbolic objects, `${...}` placeholders) are accepted
//! wherever a string or number is expected. The walk recurses once per nested scope (bounded by
//! the parser's depth limit); JSON payloads are walked with explicit stacks.

mod choice;
mod fields;
mod states;

use std::collections::{BTreeMap, VecDeque};

use crate::doc::{Node, Value, join_index, join_pointer};
use crate::model::{DiagnosticSeverity, FactGraph, StateMachine};

use super::jsonata::{self, Surround};
use super::path::{self, DynamicValueError, PathMode, has_placeholder, shorten};
use super::{DefinitionPlace, STATE_TYPES, diagnose, is_unresolved};
use fields::{COMMON_FIELDS, JSONATA_ONLY, JSONPATH_ONLY, type_fields};

use DiagnosticSeverity::{Error, Warning};

/// Every diagnostic code this module emits, with its usual severity and a one-line meaning.
pub(crate) const CODES: &[(&str, DiagnosticSeverity, &str)] = &[
    (START_AT_MISSING, Error, "a definition, branch or processor has no `StartAt`"),
    (UNKNOWN_TARGET, Error, "`StartAt`, `Next`, `Default` or a catcher names a state that is not in the same scope"),
    (UNREACHABLE_STATE, Error, "no path from `StartAt` leads to the state"),
    (NO_TERMINAL, Error, "states that can never reach `Succeed`, `Fail` or `End: true`"),
    (FIELD_TYPE, Error, "a field has the wrong JSON type"),
    (MISSING_FIELD, Error, "a required field is absent"),
    (UNKNOWN_FIELD, Error, "a field the state type (or object) does not allow"),
    (INVALID_VALUE, Error, "a field holds a value outside its allowed set"),
    (NEXT_AND_END, Error, "a state has both `Next` and `End: true`"),
    (CHOICE_RULE, Error, "a malformed Choice rule"),
    (QUERY_LANGUAGE_MIXED, Error, "a JSONPath-only field in a JSONata state, or the reverse"),
    (EXPRESS_PATTERN, Error, "an Express workflow uses `.sync`, `.waitForTaskToken` or an activity"),
    (DUPLICATE_STATE_NAME, Error, "two states share a name anywhere in the machine"),
    (STATE_NAME_TOO_LONG, Error, "a state name is empty or longer than 80 characters"),
    (INVALID_PATH, Error, "a malformed JSONPath or reference path"),
    (INVALID_INTRINSIC, Error, "a malformed intrinsic function call"),
    (INVALID_JSONATA, Error, "a malformed `{% %}` JSONata expression"),
    (DUPLICATE_FIELD, Error, "a payload sets both `name` and `name.$`"),
    (INVALID_RESOURCE, Error, "a Task `Resource` that cannot be a valid ARN"),
    (RETRY, Error, "a malformed retrier"),
    (CATCH, Error, "a malformed catcher"),
    (TIMEOUT, Error, "invalid `TimeoutSeconds`/`HeartbeatSeconds`"),
    (MAP, Error, "an inconsistent Map state"),
    (PARALLEL, Error, "a Parallel state without branches"),
    (WAIT, Error, "a Wait state without exactly one duration"),
    (FAIL, Error, "a Fail state with both a static and a dynamic error or cause"),
    (CREDENTIALS, Error, "malformed Task `Credentials`"),
];

const START_AT_MISSING: &str = "ASL_START_AT_MISSING";
const UNKNOWN_TARGET: &str = "ASL_UNKNOWN_TARGET";
const UNREACHABLE_STATE: &str = "ASL_UNREACHABLE_STATE";
const NO_TERMINAL: &str = "ASL_NO_TERMINAL";
const FIELD_TYPE: &str = "ASL_FIELD_TYPE";
const MISSING_FIELD: &str = "ASL_MISSING_FIELD";
const UNKNOWN_FIELD: &str = "ASL_UNKNOWN_FIELD";
const INVALID_VALUE: &str = "ASL_INVALID_VALUE";
const NEXT_AND_END: &str = "ASL_NEXT_AND_END";
const CHOICE_RULE: &str = "ASL_CHOICE_RULE";
const QUERY_LANGUAGE_MIXED: &str = "ASL_QUERY_LANGUAGE_MIXED";
const EXPRESS_PATTERN: &str = "ASL_EXPRESS_PATTERN";
const DUPLICATE_STATE_NAME: &str = "ASL_DUPLICATE_STATE_NAME";
const STATE_NAME_TOO_LONG: &str = "ASL_STATE_NAME_TOO_LONG";
const INVALID_PATH: &str = "ASL_INVALID_PATH";
const INVALID_INTRINSIC: &str = "ASL_INVALID_INTRINSIC";
const INVALID_JSONATA: &str = "ASL_INVALID_JSONATA";
const DUPLICATE_FIELD: &str = "ASL_DUPLICATE_FIELD";
const INVALID_RESOURCE: &str = "ASL_INVALID_RESOURCE";
const RETRY: &str = "ASL_RETRY";
const CATCH: &str = "ASL_CATCH";
const TIMEOUT: &str = "ASL_TIMEOUT";
const MAP: &str = "ASL_MAP";
const PARALLEL: &str = "ASL_PARALLEL";
const WAIT: &str = "ASL_WAIT";
const FAIL: &str = "ASL_FAIL";
const CREDENTIALS: &str = "ASL_CREDENTIALS";

const JSONPATH: &str = "JSONPath";
const JSONATA: &str = "JSONata";

/// Largest value Step Functions accepts in its integer second and attempt fields.
const MAX_SECONDS: f64 = 99_999_999.0;
/// Longest state name Step Functions accepts.
const MAX_STATE_NAME: usize = 80;

/// Checks `definition` and adds diagnostics to `graph`.
pub(crate) fn validate(definition: &Node, machine: &StateMachine, place: &DefinitionPlace<'_>, graph: &mut FactGraph) {
    let state_ids: BTreeMap<String, String> = graph
        .states
        .values()
        .filter(|s| s.state_machine == machine.id)
        .map(|s| (s.definition_pointer.clone(), s.id.clone()))
        .collect();
    let machine_ql = match definition.get("QueryLanguage").and_then(Node::as_str) {
        Some(JSONATA) => JSONATA,
        _ => JSONPATH,
    };
    let mut validator = Validator {
        machine_id: machine.id.clone(),
        machine_ql,
        state_ids,
        findings: Vec::new(),
        names: BTreeMap::new(),
        pending_targets: Vec::new(),
        current: None,
    };
    validator.scope(definition, "", ScopeKind::Machine, JSONPATH, machine.machine_type == "EXPRESS");
    validator.finish();
    for f in validator.findings {
        diagnose(graph, place, f.code, f.severity, f.node.as_deref(), &f.pointer, f.line, f.message);
    }
}

struct Finding {
    code: &'static str,
    severity: DiagnosticSeverity,
    node: Option<String>,
    pointer: String,
    line: u32,
    message: String,
}

/// A transition whose target is not in its scope, resolved once every name is known.
struct PendingTarget {
    field: String,
    target: String,
    scope: ScopeKind,
    node: Option<String>,
    pointer: String,
    line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Machine,
    Branch,
    Processor,
    Iterator,
}

impl ScopeKind {
    fn describe(self) -> &'static str {
        match self {
            ScopeKind::Machine => "the state machine",
            ScopeKind::Branch => "this Parallel branch",
            ScopeKind::Processor => "this Map `ItemProcessor`",
            ScopeKind::Iterator => "this Map `Iterator`",
        }
    }
}

/// A transition out of a state.
struct Transition {
    field: String,
    target: String,
    pointer: String,
    line: u32,
}

/// What the scope check needs to know about one state.
struct StateInfo {
    transitions: Vec<Transition>,
    /// Succeed, Fail, `End: true`, or a state too broken to judge (so it does not cascade).
    terminal: bool,
}

struct Validator {
    machine_id: String,
    /// The machine's top-level query language (a JSONata machine cannot have JSONPath states).
    machine_ql: &'static str,
    /// State definition pointer → state id, for diagnostics about a state.
    state_ids: BTreeMap<String, String>,
    findings: Vec<Finding>,
    /// Every state name with its pointers and lines, to find duplicates across scopes.
    names: BTreeMap<String, Vec<(String, u32)>>,
    pending_targets: Vec<PendingTarget>,
    /// Id of the state being checked (or `None` for the definition itself).
    current: Option<String>,
}

impl Validator {
    fn emit(&mut self, code: &'static str, severity: DiagnosticSeverity, pointer: &str, line: u32, message: String) {
        debug_assert!(CODES.iter().any(|(c, ..)| *c == code), "undocumented code {code}");
        let node = self.current.clone().or_else(|| Some(self.machine_id.clone()));
        self.findings.push(Finding { code, severity, node, pointer: pointer.to_owned(), line, message });
    }

    fn error(&mut self, code: &'static str, pointer: &str, line: u32, message: String) {
        self.emit(code, Error, pointer, line, message);
    }

    fn warning(&mut self, code: &'static str, pointer: &str, line: u32, message: String) {
        self.emit(code, Warning, pointer, line, message);
    }

    fn type_error(&mut self, node: &Node, pointer: &str, field: &str, expected: &str) {
        self.error(
            FIELD_TYPE,
            pointer,
            node.line,
            format!("`{field}` must be {expected}, found {}", node.described_type()),
        );
    }

    /// Checks a definition, branch or processor and the states in it.
    fn scope(&mut self, container: &Node, pointer: &str, kind: ScopeKind, inherited_ql: &'static str, express: bool) {
        let Some(members) = container.as_object() else {
            let what = match kind {
                ScopeKind::Machine => "a definition",
                ScopeKind::Branch => "a branch",
                ScopeKind::Processor => "`ItemProcessor`",
                ScopeKind::Iterator => "`Iterator`",
            };
            self.error(
                FIELD_TYPE,
                pointer,
                container.line,
                format!("{what} must be an object, found {}", container.described_type()),
            );
            return;
        };
        let allowed: &[&str] = match kind {
            ScopeKind::Machine => &["Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"],
            ScopeKind::Branch | ScopeKind::Iterator => &["Comment", "StartAt", "States", "QueryLanguage"],
            ScopeKind::Processor => &["Comment", "StartAt", "States", "QueryLanguage", "ProcessorConfig"],
        };
        for (key, value) in members {
            let p = join_pointer(pointer, key);
            if !allowed.contains(&key.as_str()) {
                self.error(UNKNOWN_FIELD, &p, value.line, format!("unknown field `{key}` in {}", kind.describe()));
                continue;
            }
            match key.as_str() {
                "Comment" | "Version" => self.expect_string(value, &p, key),
                "TimeoutSeconds" => {
                    self.number(value, &p, key, JSONPATH, TIMEOUT, NumberRule::integer(1.0, MAX_SECONDS));
                }
                _ => {}
            }
        }
        let ql = match container.get("QueryLanguage") {
            Some(q) => self.query_language(q, &join_pointer(pointer, "QueryLanguage"), inherited_ql, kind),
            None => inherited_ql,
        };

        let start_at = match container.get("StartAt") {
            None => {
                self.error(START_AT_MISSING, pointer, container.line, format!("{} has no `StartAt`", kind.describe()));
                None
            }
            Some(node) => match node.as_str() {
                Some(s) => Some((s, node.line)),
                None => {
                    self.type_error(node, &join_pointer(pointer, "StartAt"), "StartAt", "a string");
                    None
                }
            },
        };
        let states_pointer = join_pointer(pointer, "States");
        let states: &[(String, Node)] = match container.get("States") {
            None => {
                self.error(MISSING_FIELD, pointer, container.line, format!("{} has no `States`", kind.describe()));
                &[]
            }
            Some(node) => match node.as_object() {
                Some(states) => {
                    if states.is_empty() {
                        self.error(MISSING_FIELD, &states_pointer, node.line, "`States` is empty".to_owned());
                    }
                    states
                }
                None => {
                    self.type_error(node, &states_pointer, "States", "an object");
                    &[]
                }
            },
        };

        let mut infos: Vec<(&str, String, u32, StateInfo)> = Vec::with_capacity(states.len());
        for (name, node) in states {
            let state_pointer = join_pointer(&states_pointer, name);
            self.names.entry(name.clone()).or_default().push((state_pointer.clone(), node.line));
            let info = self.state(name, node, &state_pointer, ql, express);
            infos.push((name.as_str(), state_pointer, node.line, info));
        }
        self.check_graph(kind, start_at, &states_pointer, &infos);
    }

    /// Targets, reachability and terminal states of one scope.
    fn check_graph(
        &mut self,
        kind: ScopeKind,
        start_at: Option<(&str, u32)>,
        states_pointer: &str,
        infos: &[(&str, String, u32, StateInfo)],
    ) {
        let saved = self.current.clone();
        self.check_graph_inner(kind, start_at, states_pointer, infos);
        self.current = saved;
    }

    fn check_graph_inner(
        &mut self,
        kind: ScopeKind,
        start_at: Option<(&str, u32)>,
        states_pointer: &str,
        infos: &[(&str, String, u32, StateInfo)],
    ) {
        let index: BTreeMap<&str, usize> = infos.iter().enumerate().map(|(i, (name, ..))| (*name, i)).collect();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); infos.len()];
        let mut terminal: Vec<bool> = infos.iter().map(|(.., info)| info.terminal).collect();
        for (i, (_, state_pointer, _, info)) in infos.iter().enumerate() {
            for t in &info.transitions {
                match index.get(t.target.as_str()) {
                    Some(&j) => {
                        if let Some(out) = edges.get_mut(i) {
                            out.push(j);
                        }
                    }
                    None => {
                        // A dangling transition is reported once; counting it as an exit keeps
                        // it from also showing up as a missing terminal.
                        if let Some(flag) = terminal.get_mut(i) {
                            *flag = true;
                        }
                        self.pending_targets.push(PendingTarget {
                            field: t.field.clone(),
                            target: t.target.clone(),
                            scope: kind,
                            node: self.state_ids.get(state_pointer).cloned(),
                            pointer: t.pointer.clone(),
                            line: t.line,
                        });
                    }
                }
            }
        }
        let Some((start, start_line)) = start_at else { return };
        let Some(&start_index) = index.get(start) else {
            if !infos.is_empty() {
                let pointer = states_pointer.strip_suffix("/States").unwrap_or("");
                self.pending_targets.push(PendingTarget {
                    field: "StartAt".to_owned(),
                    target: start.to_owned(),
                    scope: kind,
                    node: self.current.clone(),
                    pointer: join_pointer(pointer, "StartAt"),
                    line: start_line,
                });
            }
            return;
        };

        let mut reached = vec![false; infos.len()];
        let mut queue = VecDeque::from([start_index]);
        if let Some(r) = reached.get_mut(start_index) {
            *r = true;
        }
        while let Some(i) = queue.pop_front() {
            for &j in edges.get(i).map(Vec::as_slice).unwrap_or_default() {
                if let Some(r) = reached.get_mut(j)
                    && !*r
                {
                    *r = true;
                    queue.push_back(j);
                }
            }
        }
        for (i, (name, state_pointer, line, _)) in infos.iter().enumerate() {
            if !reached.get(i).copied().unwrap_or(true) {
                self.current = self.state_ids.get(state_pointer).cloned();
                self.error(
                    UNREACHABLE_STATE,
                    state_pointer,
                    *line,
                    format!("state `{name}` cannot be reached from `StartAt` `{start}`"),
                );
            }
        }

        // States that can reach a terminal state, by walking the edges backwards.
        let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); infos.len()];
        for (i, out) in edges.iter().enumerate() {
            for &j in out {
                if let Some(r) = reverse.get_mut(j) {
                    r.push(i);
                }
            }
        }
        let mut exits = terminal.clone();
        let mut queue: VecDeque<usize> = (0..infos.len()).filter(|i| terminal.get(*i) == Some(&true)).collect();
        while let Some(j) = queue.pop_front() {
            for &i in reverse.get(j).map(Vec::as_slice).unwrap_or_default() {
                if let Some(e) = exits.get_mut(i)
                    && !*e
                {
                    *e = true;
                    queue.push_back(i);
                }
            }
        }
        let stuck: Vec<usize> =
            (0..infos.len()).filter(|i| reached.get(*i) == Some(&true) && exits.get(*i) == Some(&false)).collect();
        if let Some((_, state_pointer, line, _)) = stuck.first().and_then(|i| infos.get(*i)) {
            let names: Vec<String> =
                stuck.iter().filter_map(|i| infos.get(*i)).map(|(n, ..)| format!("`{n}`")).take(5).collect();
            let more = if stuck.len() > 5 { format!(" and {} more", stuck.len() - 5) } else { String::new() };
            self.current = self.state_ids.get(state_pointer).cloned();
            self.error(
                NO_TERMINAL,
                state_pointer,
                *line,
                format!(
                    "{}{more} in {} can never reach a `Succeed`, `Fail` or `End: true` state",
                    names.join(", "),
                    kind.describe()
                ),
            );
        }
    }

    /// Reports targets missing from their scope, and names used twice, once all scopes are read.
    fn finish(&mut self) {
        let pending = std::mem::take(&mut self.pending_targets);
        for p in pending {
            let elsewhere = if self.names.contains_key(&p.target) {
                "; transitions cannot cross into or out of a Parallel branch or Map processor"
            } else {
                ""
            };
            self.findings.push(Finding {
                code: UNKNOWN_TARGET,
                severity: Error,
                node: p.node.or_else(|| Some(self.machine_id.clone())),
                pointer: p.pointer,
                line: p.line,
                message: format!(
                    "`{}` names `{}`, which is not a state of {}{elsewhere}",
                    p.field,
                    p.target,
                    p.scope.describe()
                ),
            });
        }
        let duplicates: Vec<(String, Vec<(String, u32)>)> =
            self.names.iter().filter(|(_, places)| places.len() > 1).map(|(n, p)| (n.clone(), p.clone())).collect();
        for (name, places) in duplicates {
            let Some((first_pointer, first_line)) = places.first().cloned() else { continue };
            for (pointer, line) in places.iter().skip(1) {
                self.current = self.state_ids.get(pointer).cloned();
                self.error(
                    DUPLICATE_STATE_NAME,
                    pointer,
                    *line,
                    format!(
                        "state name `{name}` is also used at `{first_pointer}` (line {first_line}); names must be unique in the whole machine"
                    ),
                );
            }
        }
    }

    fn query_language(&mut self, node: &Node, pointer: &str, inherited: &'static str, kind: ScopeKind) -> &'static str {
        match node.as_str() {
            Some(JSONPATH) => {
                if self.machine_ql == JSONATA && kind != ScopeKind::Machine {
                    self.error(
                        QUERY_LANGUAGE_MIXED,
                        pointer,
                        node.line,
                        "a `JSONPath` state or scope cannot be used when the machine's `QueryLanguage` is `JSONata`"
                            .to_owned(),
                    );
                }
                JSONPATH
            }
            Some(JSONATA) => JSONATA,
            Some(other) => {
                self.error(
                    INVALID_VALUE,
                    pointer,
                    node.line,
                    format!("`QueryLanguage` must be `JSONPath` or `JSONata`, found `{other}`"),
                );
                inherited
            }
            None => {
                self.type_error(node, pointer, "QueryLanguage", "a string");
                inherited
            }
        }
    }

    /// Checks one state; returns its transitions for the scope's graph checks.
    fn state(
        &mut self,
        name: &str,
        node: &Node,
        pointer: &str,
        inherited_ql: &'static str,
        express: bool,
    ) -> StateInfo {
        let saved = std::mem::replace(&mut self.current, self.state_ids.get(pointer).cloned());
        let info = self.state_inner(name, node, pointer, inherited_ql, express);
        self.current = saved;
        info
    }

    fn state_inner(
        &mut self,
        name: &str,
        node: &Node,
        pointer: &str,
        inherited_ql: &'static str,
        express: bool,
    ) -> StateInfo {
        let name_len = name.chars().count();
        if name_len == 0 || name_len > MAX_STATE_NAME {
            self.error(
                STATE_NAME_TOO_LONG,
                pointer,
                node.line,
                format!(
                    "state name `{}` is {name_len} characters long; names must be 1 to {MAX_STATE_NAME}",
                    shorten(name)
                ),
            );
        }
        let mut info = StateInfo { transitions: Vec::new(), terminal: false };
        let Some(members) = node.as_object() else {
            self.error(
                FIELD_TYPE,
                pointer,
                node.line,
                format!("state `{name}` must be an object, found {}", node.described_type()),
            );
            info.terminal = true;
            return info;
        };
        let ql = match node.get("QueryLanguage") {
            Some(q) => self.query_language(q, &join_pointer(pointer, "QueryLanguage"), inherited_ql, ScopeKind::Branch),
            None => inherited_ql,
        };
        let state_type = match node.get("Type") {
            None => {
                self.error(MISSING_FIELD, pointer, node.line, format!("state `{name}` has no `Type`"));
                None
            }
            Some(t) => match t.as_str() {
                Some(s) if STATE_TYPES.contains(&s) => Some(s),
                // Replaced at deploy time; nothing more can be judged.
                Some(s) if has_placeholder(s) => None,
                Some(s) => {
                    self.error(
                        INVALID_VALUE,
                        &join_pointer(pointer, "Type"),
                        t.line,
                        format!("unknown state type `{s}`; expected one of {}", STATE_TYPES.join(", ")),
                    );
                    None
                }
                None if is_unresolved(t) => None,
                None => {
                    self.type_error(t, &join_pointer(pointer, "Type"), "Type", "a string");
                    None
                }
            },
        };
        let Some(state_type) = state_type else {
            // Without a type nothing else can be judged; keep `Next` so reachability holds.
            if let Some(next) = node.get("Next").and_then(Node::as_str) {
                info.transitions.push(Transition {
                    field: "Next".to_owned(),
                    target: next.to_owned(),
                    pointer: join_pointer(pointer, "Next"),
                    line: node.line,
                });
            }
            info.terminal = true;
            return info;
        };

        self.check_fields(members, pointer, state_type, ql);
        self.walk_expressions(members, pointer, ql);
        let p = |key: &str| join_pointer(pointer, key);
        if let Some(comment) = node.get("Comment") {
            self.expect_string(comment, &p("Comment"), "Comment");
        }

        // Next / End.
        let mut end = false;
        if let Some(next) = node.get("Next") {
            self.transition(next, &p("Next"), "Next", &mut info.transitions);
        }
        if let Some(e) = node.get("End") {
            match e.as_bool() {
                Some(b) => end = b,
                None => self.type_error(e, &p("End"), "End", "a boolean"),
            }
        }
        if matches!(state_type, "Task" | "Pass" | "Wait" | "Parallel" | "Map") {
            match (node.get("Next"), end) {
                (Some(next), true) => self.error(
                    NEXT_AND_END,
                    &p("Next"),
                    next.line,
                    format!("state `{name}` has both `Next` and `End: true`"),
                ),
                (None, false) => {
                    self.error(MISSING_FIELD, pointer, node.line, format!("state `{name}` needs `Next` or `End: true`"))
                }
                _ => {}
            }
        }
        info.terminal = end || matches!(state_type, "Succeed" | "Fail");

        if ql == JSONPATH {
            for field in ["InputPath", "OutputPath"] {
                if let Some(v) = node.get(field) {
                    self.path_field(v, &p(field), field, PathMode::Path, true);
                }
            }
            if let Some(v) = node.get("ResultPath") {
                self.path_field(v, &p("ResultPath"), "ResultPath", PathMode::Reference, true);
            }
            for field in ["Parameters", "ResultSelector"] {
                if let Some(v) = node.get(field) {
                    self.payload(v, &p(field));
                }
            }
        }
        if let Some(assign) = node.get("Assign") {
            if assign.as_object().is_none() && !is_unresolved(assign) {
                self.type_error(assign, &p("Assign"), "Assign", "an object");
            } else if ql == JSONPATH {
                self.payload(assign, &p("Assign"));
            }
        }
        if let Some(retry) = node.get("Retry") {
            self.retriers(retry, &p("Retry"));
        }
        if let Some(catch) = node.get("Catch") {
            self.catchers(catch, &p("Catch"), ql, &mut info.transitions);
        }

        match state_type {
            "Task" => self.task(node, pointer, ql, express),
            "Wait" => self.wait(node, pointer, ql),
            "Choice" => self.choice(node, pointer, ql, &mut info.transitions),
            "Fail" => self.fail(node, pointer, ql),
            "Parallel" => self.parallel(node, pointer, ql, express),
            "Map" => self.map(node, pointer, ql, express),
            _ => {}
        }
        info
    }

    /// Unknown fields, fields of another state type, and fields of the other query language.
    fn check_fields(&mut self, members: &[(String, Node)], pointer: &str, state_type: &str, ql: &str) {
        let allowed = type_fields(state_type);
        for (key, value) in members {
            let k = key.as_str();
            let p = join_pointer(pointer, key);
            if COMMON_FIELDS.contains(&k) {
                continue;
            }
            if !allowed.contains(&k) {
                let elsewhere = STATE_TYPES.iter().any(|t| type_fields(t).contains(&k));
                let message = if elsewhere {
                    format!("`{key}` is not allowed in a `{state_type}` state")
                } else {
                    format!("unknown field `{key}` in a `{state_type}` state")
                };
                self.error(UNKNOWN_FIELD, &p, value.line, message);
                continue;
            }
            if ql == JSONATA {
                if let Some((_, instead)) = JSONPATH_ONLY.iter().find(|(f, _)| *f == k) {
                    self.error(
                        QUERY_LANGUAGE_MIXED,
                        &p,
                        value.line,
                        format!("`{key}` is a JSONPath field but this state uses JSONata; use {instead}"),
                    );
                }
            } else if JSONATA_ONLY.contains(&k) {
                self.error(
                    QUERY_LANGUAGE_MIXED,
                    &p,
                    value.line,
                    format!(
                        "`{key}` is a JSONata field but this state uses JSONPath; set `QueryLanguage` to `JSONata`"
                    ),
                );
            }
        }
    }

    /// Checks every `{% %}` string in a state's own fields (nested states are checked in their
    /// own scope). In a JSONPath state such a string is a literal, which is likely a mistake.
    fn walk_expressions(&mut self, members: &[(String, Node)], pointer: &str, ql: &str) {
        let mut stack: Vec<(&Node, String)> = members
            .iter()
            .rev()
            .filter(|(k, _)| !matches!(k.as_str(), "Comment" | "Branches" | "ItemProcessor" | "Iterator"))
            .map(|(k, v)| (v, join_pointer(pointer, k)))
            .collect();
        while let Some((node, p)) = stack.pop() {
            match &node.value {
                Value::String(s) => self.expression_string(s, &p, node.line, ql),
                Value::Array(items) => {
                    stack.extend(items.iter().enumerate().rev().map(|(i, v)| (v, join_index(&p, i))));
                }
                Value::Object(members) => {
                    if is_unresolved(node) {
                        continue;
                    }
                    stack.extend(
                        members.iter().rev().filter(|(k, _)| k != "Comment").map(|(k, v)| (v, join_pointer(&p, k))),
                    );
                }
                _ => {}
            }
        }
    }

    fn expression_string(&mut self, s: &str, pointer: &str, line: u32, ql: &str) {
        match jsonata::surround(s) {
            Surround::Literal => {}
            Surround::Expression(expression) if ql == JSONATA => {
                if let Err(e) = jsonata::check_expression(expression) {
                    self.error(INVALID_JSONATA, pointer, line, format!("invalid JSONata in `{}`: {e}", shorten(s)));
                }
            }
            Surround::Expression(_) => self.warning(
                QUERY_LANGUAGE_MIXED,
                pointer,
                line,
                format!(
                    "`{}` is a JSONata expression in a JSONPath state; it is passed on as a literal string",
                    shorten(s)
                ),
            ),
            Surround::Unclosed if ql == JSONATA => self.error(
                INVALID_JSONATA,
                pointer,
                line,
                format!("`{}` starts with `{{%` but does not end with `%}}`", shorten(s)),
            ),
            Surround::Unopened if ql == JSONATA => self.warning(
                INVALID_JSONATA,
                pointer,
                line,
                format!(
                    "`{}` ends with `%}}` but does not start with `{{%`; it is taken as a literal string",
                    shorten(s)
                ),
            ),
            Surround::Unclosed | Surround::Unopened => {}
        }
    }

    fn expect_string(&mut self, node: &Node, pointer: &str, field: &str) {
        if node.as_str().is_none() && !is_unresolved(node) {
            self.type_error(node, pointer, field, "a string");
        }
    }

    /// Records a transition to the state named by `node`.
    fn transition(&mut self, node: &Node, pointer: &str, field: &str, out: &mut Vec<Transition>) {
        match node.as_str() {
            Some(target) => out.push(Transition {
                field: field.to_owned(),
                target: target.to_owned(),
                pointer: pointer.to_owned(),
                line: node.line,
            }),
            None => self.type_error(node, pointer, field, "a state name (a string)"),
        }
    }

    /// A value evaluated or written at run time: a string the check cannot judge statically.
    fn deferred(node: &Node, ql: &str) -> bool {
        match &node.value {
            Value::String(s) => {
                has_placeholder(s) || (ql == JSONATA && !matches!(jsonata::surround(s), Surround::Literal))
            }
            _ => is_unresolved(node),
        }
    }

    /// Checks a `*Path` field: a path string (or `null` where allowed).
    fn path_field(&mut self, node: &Node, pointer: &str, field: &str, mode: PathMode, nullable: bool) {
        match &node.value {
            _ if node.is_null() && nullable => {}
            Value::Null => {
                self.error(INVALID_PATH, pointer, node.line, format!("`{field}` cannot be null"));
            }
            Value::String(s) if has_placeholder(s) => {}
            Value::String(s) => {
                if let Err(e) = path::check_path(s, mode) {
                    let kind = if mode == PathMode::Reference { "reference path" } else { "path" };
                    self.error(INVALID_PATH, pointer, node.line, format!("`{field}` is not a valid {kind}: {e}"));
                }
            }
            _ if is_unresolved(node) => {}
            _ => {
                self.type_error(node, pointer, field, if nullable { "a path string or null" } else { "a path string" })
            }
        }
    }

    /// Walks a JSONPath payload template: `.$` fields must hold a path or intrinsic call, and
    /// must not collide with a plain field of the same name.
    fn payload(&mut self, node: &Node, pointer: &str) {
        let mut stack: Vec<(&Node, String)> = vec![(node, pointer.to_owned())];
        while let Some((node, p)) = stack.pop() {
            match &node.value {
                Value::Object(members) => {
                    if is_unresolved(node) {
                        continue;
                    }
                    for (key, value) in members.iter().rev() {
                        let vp = join_pointer(&p, key);
                        let Some(base) = key.strip_suffix(".$") else {
                            stack.push((value, vp));
                            continue;
                        };
                        if members.iter().any(|(k, _)| k == base) {
                            self.error(
                                DUPLICATE_FIELD,
                                &vp,
                                value.line,
                                format!("`{key}` and `{base}` both set the field `{base}`"),
                            );
                        }
                        self.dynamic_value(value, &vp, key);
                    }
                }
                Value::Array(items) => stack.extend(items.iter().enumerate().map(|(i, v)| (v, join_index(&p, i)))),
                _ => {}
            }
        }
    }

    /// A value evaluated as a path or intrinsic function (a `.$` field, `ErrorPath`, `CausePath`).
    fn dynamic_value(&mut self, node: &Node, pointer: &str, field: &str) {
        match &node.value {
            Value::String(s) if has_placeholder(s) => {}
            Value::String(s) => match path::check_dynamic_value(s) {
                Ok(()) => {}
                Err(DynamicValueError::Path(e)) => {
                    self.error(INVALID_PATH, pointer, node.line, format!("`{field}`: {e}"));
                }
                Err(DynamicValueError::Intrinsic(e)) => {
                    self.error(INVALID_INTRINSIC, pointer, node.line, format!("`{field}`: {e}"));
                }
            },
            _ if is_unresolved(node) => {}
            _ => self.error(
                INVALID_PATH,
                pointer,
                node.line,
                format!("`{field}` must be a path or intrinsic function string, found {}", node.described_type()),
            ),
        }
    }

    /// Checks a number field; returns its value when it is a literal number in range.
    fn number(
        &mut self,
        node: &Node,
        pointer: &str,
        field: &str,
        ql: &str,
        range_code: &'static str,
        rule: NumberRule,
    ) -> Option<f64> {
        if Self::deferred(node, ql) {
            return None;
        }
        let Some(value) = node.as_f64() else {
            let expected = if ql == JSONATA { "a number or a JSONata expression" } else { "a number" };
            self.type_error(node, pointer, field, expected);
            return None;
        };
        if rule.integer && value.fract() != 0.0 {
            self.error(range_code, pointer, node.line, format!("`{field}` must be an integer, found `{value}`"));
            return None;
        }
        let too_big = rule.max.is_some_and(|m| value > m);
        if value < rule.min || too_big {
            let range = match rule.max {
                Some(max) => format!("between {} and {}", rule.min, max),
                None => format!("at least {}", rule.min),
            };
            self.error(range_code, pointer, node.line, format!("`{field}` must be {range}, found `{value}`"));
            return None;
        }
        Some(value)
    }

    /// Reports `code` when both `a` and `b` are present.
    fn exclusive(&mut self, node: &Node, pointer: &str, a: &str, b: &str, code: &'static str) -> bool {
        if let (Some(_), Some(second)) = (node.get(a), node.get(b)) {
            self.error(code, &join_pointer(pointer, b), second.line, format!("`{a}` and `{b}` cannot both be set"));
            return true;
        }
        false
    }

    fn enumeration(&mut self, node: &Node, pointer: &str, field: &str, allowed: &[&str]) {
        match node.as_str() {
            Some(s) if allowed.contains(&s) => {}
            Some(s) => self.error(
                INVALID_VALUE,
                pointer,
                node.line,
                format!("`{field}` must be one of {}, found `{s}`", allowed.join(", ")),
            ),
            None if is_unresolved(node) => {}
            None => self.type_error(node, pointer, field, "a string"),
        }
    }
}

/// Bounds for a number field.
#[derive(Debug, Clone, Copy)]
struct NumberRule {
    integer: bool,
    min: f64,
    max: Option<f64>,
}

impl NumberRule {
    fn integer(min: f64, max: f64) -> Self {
        Self { integer: true, min, max: Some(max) }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_codes_are_exactly_the_documented_ones() {
        let docs = include_str!("../../../../docs/diagnostics.md");
        let documented: BTreeSet<&str> =
            docs.lines().filter_map(|l| l.strip_prefix("## ")).filter(|h| h.starts_with("ASL_")).collect();
        let listed: BTreeSet<&str> = CODES.iter().map(|(c, ..)| *c).collect();
        assert_eq!(documented, listed);
    }

    /// Reads `text` as a definition of a machine of `machine_type`; returns the codes raised.
    fn codes_for(text: &str, machine_type: &str) -> Vec<String> {
        let node = crate::doc::parse_json(text, &crate::doc::Limits::default()).unwrap();
        let source = crate::model::SourceRef { file: "t.json".to_owned(), pointer: String::new(), line: 1 };
        let mut machine = StateMachine::new("t.json", "asl", source);
        machine.machine_type = machine_type.to_owned();
        let place = DefinitionPlace { file: "t.json", storage: super::super::Storage::Inline("") };
        let mut graph = FactGraph::default();
        super::super::read_definition(&node, &mut machine, &place, &mut graph);
        graph.diagnostics.into_iter().map(|d| d.code).collect()
    }

    #[test]
    fn symbolic_template_values_count_as_valid_strings_and_numbers() {
        let text = r#"{"StartAt": "T", "States": {"T": {"Type": "Task",
            "Resource": {"get_att": ["Fn", "Arn"]},
            "TimeoutSeconds": {"ref": "Timeout"},
            "Credentials": {"RoleArn": {"sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/R"}},
            "Parameters": {"TableName": {"ref": "Table"}, "Key.$": {"ref": "KeyPath"}},
            "Retry": [{"ErrorEquals": [{"ref": "ErrorName"}]}],
            "Next": "W"},
          "W": {"Type": "Wait", "Seconds": {"ref": "Delay"}, "End": true}}}"#;
        assert_eq!(codes_for(text, "STANDARD"), Vec::<String>::new());
    }

    #[test]
    fn express_checks_follow_the_machine_and_distributed_children() {
        let text = r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
              "StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "End": true}}}}}}"#;
        // Standard children may wait for a job even when the parent is Express.
        assert_eq!(codes_for(text, "EXPRESS"), Vec::<String>::new());
        let inline = text.replace(r#""Mode": "DISTRIBUTED", "ExecutionType": "STANDARD""#, r#""Mode": "INLINE""#);
        assert_eq!(codes_for(&inline, "EXPRESS"), vec!["ASL_EXPRESS_PATTERN".to_owned()]);
        assert_eq!(codes_for(&inline, "STANDARD"), Vec::<String>::new());
        let activity = r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:Review", "End": true}}}"#;
        assert_eq!(codes_for(activity, "EXPRESS"), vec!["ASL_EXPRESS_PATTERN".to_owned()]);
    }

    #[test]
    fn every_code_is_prefixed_and_unique() {
        let mut seen = BTreeSet::new();
        for (code, _, meaning) in CODES {
            assert!(code.starts_with("ASL_"), "{code}");
            assert!(!meaning.is_empty());
            assert!(seen.insert(*code), "{code} listed twice");
        }
    }
}
