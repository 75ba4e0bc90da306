//! The integration catalogue: what a workflow needs of the role that runs it.
//!
//! From a Task state (its `Resource`, `Parameters`/`Arguments`, `Credentials`), a distributed
//! Map state (child executions, `ItemReader`, `ResultWriter`) and the state machine's own
//! configuration (logging, X-Ray, a customer managed KMS key), this derives the IAM actions
//! and resource ARNs Step Functions calls on the workflow's behalf.
//!
//! It lives beside the ASL reader because it is about what the language means: which
//! parameter names a target, and whether a value is literal or comes from state input. Its
//! facts are data files, parsed once:
//! - `engine/data/sfn-integrations.tsv`: optimized integrations (`arn:aws:states:::SERVICE:API`),
//!   one row per (pattern, kind of need), with resource templates over the task's parameters;
//! - `engine/data/sdk-iam.tsv`: the AWS SDK integrations' service-prefix and action-name
//!   exceptions.
//!
//! A target named by a literal parameter is static: its ARN is built with the state machine's
//! partition, region and account, or explicit `{Partition}`, `{Region}`, `{Account}`
//! placeholders when they are unknown. A target taken from state input (a `.$` path, an
//! intrinsic, a JSONata expression, a variable) is dynamic: its resource is `*`, with the reason.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::iam::action_catalogue;
use crate::model::{IntegrationKind, State, StateMachine};

/// Stand-in for an unknown partition in built ARNs.
pub(crate) const PARTITION_TOKEN: &str = "{Partition}";
/// Stand-in for an unknown region in built ARNs.
pub(crate) const REGION_TOKEN: &str = "{Region}";
/// Stand-in for an unknown account in built ARNs.
pub(crate) const ACCOUNT_TOKEN: &str = "{Account}";

const INTEGRATIONS: &str = include_str!("../../data/sfn-integrations.tsv");
const SDK: &str = include_str!("../../data/sdk-iam.tsv");

/// Why a permission is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NeedKind {
    /// The integration's own call.
    Call,
    /// Polling or cancelling a `.sync` job.
    Poll,
    /// The managed EventBridge rule of a `.sync` job.
    Events,
    /// Passing a role to the service.
    PassRole,
    /// Data the call reads or writes (Athena query data, Bedrock S3 input/output).
    Data,
    /// Assuming the role named in `Credentials`.
    AssumeRole,
    /// A distributed Map starting and watching child executions.
    ChildExecution,
    /// A distributed Map's `ItemReader`.
    ItemReader,
    /// A distributed Map's `ResultWriter`.
    ResultWriter,
    /// The HTTP Task's endpoint, connection and connection secret.
    Http,
    /// Log delivery (`loggingConfiguration`).
    Logging,
    /// X-Ray tracing.
    Tracing,
    /// The state machine's customer managed KMS key.
    Encryption,
}

impl NeedKind {
    /// The snake-case name used in the graph.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NeedKind::Call => "call",
            NeedKind::Poll => "poll",
            NeedKind::Events => "events",
            NeedKind::PassRole => "pass_role",
            NeedKind::Data => "data",
            NeedKind::AssumeRole => "assume_role",
            NeedKind::ChildExecution => "child_execution",
            NeedKind::ItemReader => "item_reader",
            NeedKind::ResultWriter => "result_writer",
            NeedKind::Http => "http",
            NeedKind::Logging => "logging",
            NeedKind::Tracing => "tracing",
            NeedKind::Encryption => "encryption",
        }
    }

    fn parse(text: &str) -> Option<NeedKind> {
        Some(match text {
            "call" => NeedKind::Call,
            "poll" => NeedKind::Poll,
            "events" => NeedKind::Events,
            "pass_role" => NeedKind::PassRole,
            "data" => NeedKind::Data,
            "item_reader" => NeedKind::ItemReader,
            "result_writer" => NeedKind::ResultWriter,
            _ => return None,
        })
    }
}

/// A condition a need's request carries (and a suggested policy should state).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct NeedCondition {
    /// Operator, e.g. `StringEquals`.
    pub(crate) operator: String,
    /// Context key, e.g. `iam:PassedToService`.
    pub(crate) key: String,
    /// Value.
    pub(crate) value: String,
}

/// One (action, resource) a workflow needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Need {
    /// `service:Action`.
    pub(crate) action: String,
    /// The resource ARN (maybe with `{Region}`-style placeholders or run-time wildcards), or `*`.
    pub(crate) resource: String,
    /// True when the target is not known from the definition (state input, run time).
    pub(crate) dynamic: bool,
    /// True when the action supports no resource type, so only `*` can grant it.
    pub(crate) wildcard_only: bool,
    /// What the permission is for.
    pub(crate) kind: NeedKind,
    /// Why it is needed, and why its resource is what it is.
    pub(crate) reason: String,
    /// Conditions the request carries.
    pub(crate) conditions: Vec<NeedCondition>,
    /// True when the need falls on the role named in the Task's `Credentials`.
    pub(crate) via_credentials: bool,
}

/// What one state needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct StateNeeds {
    /// The needs, sorted and deduplicated.
    pub(crate) needs: Vec<Need>,
    /// The role named in `Credentials` (rendered), when it is static.
    pub(crate) credentials_role: Option<String>,
    /// True when the `Credentials` role comes from state input.
    pub(crate) credentials_dynamic: bool,
    /// Remarks: what needs nothing and why, assumptions.
    pub(crate) notes: Vec<String>,
}

/// Partition, region and account to build ARNs with (known values or placeholders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) partition: String,
    pub(crate) region: String,
    pub(crate) account: String,
}

impl Default for Place {
    fn default() -> Self {
        Place {
            partition: PARTITION_TOKEN.to_owned(),
            region: REGION_TOKEN.to_owned(),
            account: ACCOUNT_TOKEN.to_owned(),
        }
    }
}

impl Place {
    /// The place of a state machine: its ARN's, else the role ARN's partition and account.
    pub(crate) fn of_machine(machine: &StateMachine) -> Place {
        let mut place = Place::default();
        let literal = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).map(str::to_owned);
        if let Some(arn) = literal(&machine.arn) {
            place.fill_from_arn(&arn, true);
        }
        if let Some(arn) = literal(&machine.role_arn) {
            place.fill_from_arn(&arn, false);
        }
        place
    }

    /// Fills unknown parts from an ARN (the region only when `with_region`).
    pub(crate) fn fill_from_arn(&mut self, arn: &str, with_region: bool) {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if let ["arn", partition, _, region, account, _] = parts.as_slice() {
            let usable = |s: &str| !s.is_empty() && !s.contains(['$', '{', '*', '?']);
            if self.partition == PARTITION_TOKEN && usable(partition) {
                (*partition).clone_into(&mut self.partition);
            }
            if with_region && self.region == REGION_TOKEN && usable(region) {
                (*region).clone_into(&mut self.region);
            }
            if self.account == ACCOUNT_TOKEN && usable(account) {
                (*account).clone_into(&mut self.account);
            }
        }
    }

    /// True when the region is known.
    pub(crate) fn region_known(&self) -> bool {
        self.region != REGION_TOKEN
    }
}

/// Renders a value that may be symbolic into text, the same way for a workflow's targets and
/// for policy documents, so that the two can be compared: a template's pseudo parameters
/// become the place's partition, region and account; any other reference `X` becomes `{X}`.
/// `None` for values that are not strings or symbolic strings.
pub(crate) fn render(value: &Value, place: &Place) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) if map.len() == 1 => {
            let (key, inner) = map.iter().next()?;
            match (key.as_str(), inner) {
                ("sub" | "Fn::Sub", Value::String(template)) => Some(render_sub(template, place)),
                ("sub" | "Fn::Sub", Value::Array(items)) => {
                    items.first().and_then(Value::as_str).map(|t| render_sub(t, place))
                }
                ("ref" | "Ref", Value::String(name)) => {
                    Some(pseudo(name, place).unwrap_or_else(|| format!("{{{name}}}")))
                }
                ("get_att" | "Fn::GetAtt", Value::Array(parts)) => {
                    let names: Vec<&str> = parts.iter().filter_map(Value::as_str).collect();
                    Some(format!("{{{}}}", names.join(".")))
                }
                ("terraform", Value::String(reference)) => Some(format!("{{{reference}}}")),
                _ => None,
            }
        }
        _ => None,
    }
}

fn pseudo(name: &str, place: &Place) -> Option<String> {
    Some(match name {
        "AWS::Partition" => place.partition.clone(),
        "AWS::Region" => place.region.clone(),
        "AWS::AccountId" => place.account.clone(),
        "AWS::URLSuffix" => "amazonaws.com".to_owned(),
        _ => return None,
    })
}

fn render_sub(template: &str, place: &Place) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            out.push_str(rest.get(start..).unwrap_or_default());
            return out;
        };
        let name = after.get(..end).unwrap_or_default();
        if let Some(literal) = name.strip_prefix('!') {
            // `${!Literal}` is CloudFormation's escape for the text `${Literal}`.
            out.push_str("${");
            out.push_str(literal);
            out.push('}');
        } else {
            match pseudo(name, place) {
                Some(v) => out.push_str(&v),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------
// The data tables.

#[derive(Debug)]
struct Row {
    patterns: Vec<&'static str>,
    kind: NeedKind,
    actions: Vec<&'static str>,
    resources: Vec<&'static str>,
    condition: Option<(&'static str, &'static str, &'static str)>,
    note: &'static str,
}

struct Tables {
    /// `service:api` (lowercase) → rows.
    integrations: BTreeMap<String, Vec<Row>>,
    /// SDK service (lowercase) → IAM prefix.
    prefixes: BTreeMap<String, &'static str>,
    /// `service:api` (lowercase) → IAM actions.
    sdk_actions: BTreeMap<String, Vec<&'static str>>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut integrations: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        for line in INTEGRATIONS.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (Some(key), Some(patterns), Some(kind), Some(actions), Some(resources)) =
                (cols.first(), cols.get(1), cols.get(2).and_then(|k| NeedKind::parse(k)), cols.get(3), cols.get(4))
            else {
                continue;
            };
            let condition = cols.get(5).filter(|c| !c.is_empty()).and_then(|c| {
                let (operator, rest) = c.split_once(' ')?;
                let (key, value) = rest.split_once('=')?;
                Some((operator, key, value))
            });
            integrations.entry(key.to_ascii_lowercase()).or_default().push(Row {
                patterns: patterns.split(',').collect(),
                kind,
                actions: actions.split(',').collect(),
                resources: resources.split(" ; ").map(str::trim).collect(),
                condition,
                note: cols.get(6).copied().unwrap_or_default(),
            });
        }
        let mut prefixes = BTreeMap::new();
        let mut sdk_actions = BTreeMap::new();
        for line in SDK.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            match cols.as_slice() {
                ["P", service, prefix] => {
                    prefixes.insert(service.to_ascii_lowercase(), *prefix);
                }
                ["A", call, actions] => {
                    sdk_actions.insert(call.to_ascii_lowercase(), actions.split(',').collect());
                }
                _ => {}
            }
        }
        Tables { integrations, prefixes, sdk_actions }
    })
}

// ---------------------------------------------------------------------------------------
// Parameters.

/// A parameter's value as the definition gives it.
#[derive(Debug, Clone, PartialEq)]
enum Param {
    Absent,
    /// A literal (or a template value rendered to text).
    Static(String),
    /// From state input or computed at run time; the reason.
    Dynamic(String),
}

/// Looks up a dotted path in a Task's parameters (JSONPath `Parameters` or JSONata
/// `Arguments`). Arrays on the way yield one value per element.
fn lookup(params: Option<&Value>, path: &str, place: &Place) -> Vec<Param> {
    let Some(params) = params else { return vec![Param::Absent] };
    let mut current = vec![params];
    let segments: Vec<&str> = path.split('.').collect();
    // Elements of an array that lack the last segment (an `Entries` item without
    // `EventBusName`) count as absent: the row's default applies to them.
    let mut absent_items = false;
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let mut next = Vec::new();
        for value in current {
            let objects: Vec<&serde_json::Map<String, Value>> = match value {
                Value::Object(o) => vec![o],
                Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
                Value::String(s) if super::is_jsonata(value) => {
                    return vec![Param::Dynamic(format!("the arguments are a JSONata expression (`{}`)", clip(s)))];
                }
                _ => Vec::new(),
            };
            for object in objects {
                if let Some(path_value) = object.get(&format!("{segment}.$")) {
                    let shown = path_value.as_str().map(clip).unwrap_or_default();
                    return vec![Param::Dynamic(format!("`{path}` comes from state input (`{shown}`)"))];
                }
                if last && !object.contains_key(*segment) && matches!(value, Value::Array(_)) {
                    absent_items = true;
                }
                if let Some(v) = object.get(*segment) {
                    if last {
                        next.push(v);
                    } else if super::is_jsonata(v) {
                        let shown = v.as_str().map(clip).unwrap_or_default();
                        return vec![Param::Dynamic(format!("`{path}` is computed by JSONata (`{shown}`)"))];
                    } else {
                        next.push(v);
                    }
                }
            }
        }
        if next.is_empty() {
            return vec![Param::Absent];
        }
        current = next;
    }
    let mut out: Vec<Param> = current
        .into_iter()
        .map(|v| {
            if super::is_jsonata(v) {
                let shown = v.as_str().map(clip).unwrap_or_default();
                Param::Dynamic(format!("`{path}` is computed by JSONata (`{shown}`)"))
            } else {
                match render(v, place) {
                    Some(s) => Param::Static(s),
                    None => Param::Dynamic(format!("`{path}` is not a string")),
                }
            }
        })
        .collect();
    if absent_items {
        out.push(Param::Absent);
    }
    out
}

fn clip(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 60 { format!("{}...", s.chars().take(57).collect::<String>()) } else { s.to_owned() }
}

// ---------------------------------------------------------------------------------------
// Resource templates.

/// The outcome of instantiating one resource template.
enum Instance {
    /// Skip the row (an optional parameter is absent).
    Skip,
    /// Resources, each with its dynamic reason (if any).
    Resources(Vec<(String, Option<String>)>),
}

#[derive(Default, Clone)]
struct Overrides {
    partition: Option<String>,
    region: Option<String>,
    account: Option<String>,
}

fn instantiate(template: &str, params: Option<&Value>, place: &Place, note: &str) -> Instance {
    let (template, run_time) = match template.strip_prefix('~') {
        Some(t) => (t, true),
        None => (template, false),
    };
    if template == "*" {
        return Instance::Resources(vec![("*".to_owned(), None)]);
    }
    // Each output so far: text, overrides, dynamic reason.
    let mut partial: Vec<(String, Overrides, Option<String>)> = vec![(String::new(), Overrides::default(), None)];
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let literal = rest.get(..open).unwrap_or_default();
        let after = rest.get(open + 1..).unwrap_or_default();
        let Some(close) = after.find('}') else { break };
        let spec = after.get(..close).unwrap_or_default();
        rest = after.get(close + 1..).unwrap_or_default();
        for p in &mut partial {
            p.0.push_str(literal);
        }
        if matches!(spec, "P" | "R" | "A") {
            for p in &mut partial {
                p.0.push('\u{1}');
                p.0.push_str(spec);
                p.0.push('\u{1}');
            }
            continue;
        }
        let (spec, converter) = match spec.split_once('|') {
            Some((s, c)) => (s, Some(c)),
            None => (spec, None),
        };
        let (spec, default) = match spec.split_once('=') {
            Some((s, d)) => (s, Some(d)),
            None => (spec, None),
        };
        let (name, optional) = match spec.strip_suffix('?') {
            Some(n) => (n, true),
            None => (spec, false),
        };
        let values = lookup(params, name, place);
        let mut next = Vec::new();
        for (text, overrides, reason) in &partial {
            for value in &values {
                let value = match (value, default) {
                    (Param::Absent, _) if optional => return Instance::Skip,
                    (Param::Absent, Some(d)) => Param::Static(d.to_owned()),
                    (Param::Absent, None) => Param::Dynamic(format!("`{name}` is not given")),
                    (other, _) => other.clone(),
                };
                match value {
                    Param::Dynamic(why) => next.push((text.clone(), overrides.clone(), Some(why))),
                    Param::Static(v) => {
                        if converter.is_none() && rest == ":*" && is_qualified(&v) {
                            // `name:qualifier` is exact already; its `:*` form would be wrong.
                            return Instance::Resources(Vec::new());
                        }
                        let mut overrides = overrides.clone();
                        let (piece, full) = convert(&v, name, converter, place, &mut overrides);
                        let text = if full { piece } else { format!("{text}{piece}") };
                        next.push((text, overrides, reason.clone()));
                    }
                    Param::Absent => {}
                }
            }
        }
        partial = next;
    }
    let mut out = Vec::new();
    for (text, overrides, reason) in partial {
        if let Some(why) = reason {
            out.push(("*".to_owned(), Some(why)));
            continue;
        }
        let mut text = format!("{text}{rest}");
        text = text
            .replace("\u{1}P\u{1}", overrides.partition.as_deref().unwrap_or(&place.partition))
            .replace("\u{1}R\u{1}", overrides.region.as_deref().unwrap_or(&place.region))
            .replace("\u{1}A\u{1}", overrides.account.as_deref().unwrap_or(&place.account));
        if text.contains(":s3:::") {
            while text.contains("//") {
                text = text.replace("//", "/");
            }
        }
        out.push((text, run_time.then(|| note.to_owned())));
    }
    Instance::Resources(out)
}

/// True when a name or ARN carries a version, revision or alias (`f:live`, `family:3`).
fn is_qualified(value: &str) -> bool {
    let resource = if value.starts_with("arn:") { value.splitn(6, ':').nth(5).unwrap_or_default() } else { value };
    let resource = resource.strip_prefix("function:").unwrap_or(resource);
    resource.contains(':')
}

/// Converts a parameter value for a template; returns the text and whether it is a whole ARN
/// (replacing the template's text before it).
fn convert(
    value: &str,
    name: &str,
    converter: Option<&str>,
    place: &Place,
    overrides: &mut Overrides,
) -> (String, bool) {
    let adopt = |overrides: &mut Overrides, arn: &str| {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if let ["arn", partition, _, region, account, _] = parts.as_slice() {
            overrides.partition = Some((*partition).to_owned());
            overrides.region = Some((*region).to_owned());
            overrides.account = Some((*account).to_owned());
        }
    };
    match converter {
        Some("sqs") => {
            // https://sqs.REGION.amazonaws.com/ACCOUNT/NAME, or the legacy REGION.queue.amazonaws.com.
            let trimmed = value.trim_start_matches("https://").trim_start_matches("http://");
            let mut parts = trimmed.split('/');
            let (host, account, queue) = (parts.next().unwrap_or_default(), parts.next(), parts.next());
            let region = host
                .strip_prefix("sqs.")
                .and_then(|h| h.split('.').next())
                .or_else(|| host.split_once(".queue.").map(|(r, _)| r));
            match (region, account, queue) {
                (Some(region), Some(account), Some(queue)) if !queue.is_empty() => {
                    (format!("arn:{}:sqs:{region}:{account}:{queue}", place.partition), true)
                }
                _ => (value.to_owned(), false),
            }
        }
        Some("sm") => {
            if value.starts_with("arn:") {
                adopt(overrides, value);
                let name = value.split(':').nth(6).unwrap_or(value);
                (name.to_owned(), false)
            } else {
                (value.to_owned(), false)
            }
        }
        Some("s3") => (value.trim_start_matches("s3://").to_owned(), false),
        Some("apigw") => {
            // ID.execute-api.REGION.amazonaws.com
            let host = value.trim_start_matches("https://").split('/').next().unwrap_or(value);
            let mut labels = host.split('.');
            let id = labels.next().unwrap_or(host);
            if labels.next() == Some("execute-api")
                && let Some(region) = labels.next()
            {
                overrides.region = Some(region.to_owned());
            }
            (id.to_owned(), false)
        }
        _ if value.starts_with("arn:") => (value.to_owned(), true),
        _ if name == "Path" => (value.trim_start_matches('/').to_owned(), false),
        _ => (value.to_owned(), false),
    }
}

// ---------------------------------------------------------------------------------------
// Needs of states and machines.

struct Builder<'a> {
    place: &'a Place,
    out: StateNeeds,
}

impl Builder<'_> {
    fn push(&mut self, action: &str, resource: String, dynamic: Option<String>, kind: NeedKind, why: &str) {
        self.push_with(action, resource, dynamic, kind, why, Vec::new(), false);
    }

    #[expect(clippy::too_many_arguments, reason = "one private constructor for every field of a need")]
    fn push_with(
        &mut self,
        action: &str,
        resource: String,
        dynamic: Option<String>,
        kind: NeedKind,
        why: &str,
        conditions: Vec<NeedCondition>,
        via_credentials: bool,
    ) {
        let mut reason = why.to_owned();
        if let Some(d) = &dynamic {
            reason.push_str("; ");
            reason.push_str(d);
        }
        let known = action_catalogue().action(action);
        let wildcard_only = known.is_some_and(|a| a.is_wildcard_only());
        let name = known.map_or_else(|| action.to_owned(), |a| a.name());
        let resource = if wildcard_only && resource != "*" {
            reason.push_str(&format!("; `{name}` supports no resource type"));
            "*".to_owned()
        } else if resource != "*" && !resource.starts_with("arn:") {
            // A template reference standing for the whole ARN (`!GetAtt Fn.Arn`, `!Ref Queue`):
            // give it the ARN shape of the action's resource type, the reference as its name.
            match known.and_then(|a| arn_for_reference(a, &resource, self.place)) {
                Some(arn) => {
                    reason.push_str(&format!("; the target is the template's `{resource}`"));
                    arn
                }
                None => resource,
            }
        } else {
            resource
        };
        self.out.needs.push(Need {
            action: name,
            resource,
            dynamic: dynamic.is_some(),
            wildcard_only,
            kind,
            reason,
            conditions,
            via_credentials,
        });
    }

    fn rows(&mut self, key: &str, pattern: &str, params: Option<&Value>, via_credentials: bool, why: &str) -> bool {
        let Some(rows) = tables().integrations.get(&key.to_ascii_lowercase()) else { return false };
        let mut any = false;
        for row in rows.iter().filter(|r| r.patterns.contains(&pattern)) {
            any = true;
            let mut resources = Vec::new();
            let mut skip = false;
            for template in &row.resources {
                match instantiate(template, params, self.place, row.note) {
                    Instance::Skip => skip = true,
                    Instance::Resources(r) => resources.extend(r),
                }
            }
            if skip {
                continue;
            }
            let conditions: Vec<NeedCondition> = row
                .condition
                .iter()
                .map(|(operator, key, value)| NeedCondition {
                    operator: (*operator).to_owned(),
                    key: (*key).to_owned(),
                    value: (*value).to_owned(),
                })
                .collect();
            let why = match row.kind {
                NeedKind::Poll => format!("{why} (.sync: watch and stop the job)"),
                NeedKind::Events => format!("{why} (.sync: the managed EventBridge rule)"),
                NeedKind::PassRole => format!("{why} (passes a role to the service)"),
                NeedKind::Data => format!("{why} (data it reads or writes)"),
                _ => why.to_owned(),
            };
            resources.dedup();
            for action in &row.actions {
                // A row grants its actions on its resources; as requirements, each action
                // keeps the resources of its own types (when the catalogue says which).
                let own: Vec<&(String, Option<String>)> = if resources.len() > 1 {
                    let kept: Vec<&(String, Option<String>)> =
                        resources.iter().filter(|(r, _)| fits_resource_type(action, r)).collect();
                    if kept.is_empty() { resources.iter().collect() } else { kept }
                } else {
                    resources.iter().collect()
                };
                for (resource, dynamic) in own {
                    self.push_with(
                        action,
                        resource.clone(),
                        dynamic.clone(),
                        row.kind,
                        &why,
                        conditions.clone(),
                        via_credentials,
                    );
                }
            }
        }
        any
    }
}

/// True when `resource` has the ARN shape of one of `action`'s resource types (each
/// placeholder of the format standing for a run of characters without `/`), or is `*`.
fn fits_resource_type(action: &str, resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    let Some(info) = action_catalogue().action(action) else { return true };
    info.resource_types().any(|t| !t.arn.is_empty() && format_matches(t.arn.as_bytes(), resource.as_bytes()))
}

/// Matches `text` against an ARN format whose `${...}` placeholders match any run without `/`.
fn format_matches(format: &[u8], text: &[u8]) -> bool {
    match format {
        [] => text.is_empty(),
        [b'$', b'{', rest @ ..] => {
            let Some(end) = rest.iter().position(|&c| c == b'}') else { return format == text };
            let after = rest.get(end + 1..).unwrap_or_default();
            let run = text.iter().position(|&c| c == b'/').unwrap_or(text.len());
            (0..=run).any(|n| format_matches(after, text.get(n..).unwrap_or_default()))
        }
        [c, rest @ ..] => match text {
            [t, text_rest @ ..] if c.eq_ignore_ascii_case(t) => format_matches(rest, text_rest),
            // A run-time wildcard in the resource stands for any text up to the next `/`.
            [b'*', text_rest @ ..] => {
                let run = format.iter().position(|&c| c == b'/').unwrap_or(format.len());
                (0..=run).any(|n| format_matches(format.get(n..).unwrap_or_default(), text_rest))
            }
            _ => false,
        },
    }
}

/// `reference` (`{Fn.Arn}`) in the ARN format of `action`'s first resource type: known parts
/// from `place`, the reference (without `.Arn`) as the resource name, `*` for other parts.
fn arn_for_reference(action: crate::iam::ActionInfo<'_>, reference: &str, place: &Place) -> Option<String> {
    let format = action.resource_types().map(|t| t.arn).find(|a| !a.is_empty())?;
    let name = reference.trim_end_matches(".Arn}").trim_end_matches('}').trim_start_matches('{');
    let filled = format
        .replace("${Partition}", &place.partition)
        .replace("${Region}", &place.region)
        .replace("${Account}", &place.account);
    // The last placeholder is the resource's own name; any before it (a parent) is unknown.
    let last = filled.rfind("${")?;
    let (head, tail) = filled.split_at(last);
    let mut head = head.to_owned();
    while let Some(start) = head.find("${") {
        let end = head.get(start..).and_then(|t| t.find('}')).map(|e| start + e + 1)?;
        head.replace_range(start..end, "*");
    }
    let after = tail.find('}').and_then(|e| tail.get(e + 1..)).unwrap_or_default();
    Some(format!("{head}{{{name}}}{after}"))
}

/// What a Task or distributed Map state needs.
pub(crate) fn state_needs(state: &State, machine: &StateMachine, place: &Place) -> StateNeeds {
    let mut b = Builder { place, out: StateNeeds::default() };
    let params = state.parameters.as_ref().or(state.arguments.as_ref());
    if state.state_type == "Task" {
        let via = credentials(state, &mut b);
        task(state, params, via, &mut b);
    } else if state.state_type == "Map" && state.map.as_ref().is_some_and(|m| m.mode == "DISTRIBUTED") {
        distributed_map(state, machine, &mut b);
    }
    let mut out = b.out;
    out.needs.sort();
    out.needs.dedup();
    out
}

/// `Credentials`: the execution role assumes the named role; the task's calls then use it.
fn credentials(state: &State, b: &mut Builder<'_>) -> bool {
    let Some(credentials) = &state.credentials else { return false };
    let role = lookup(Some(credentials), "RoleArn", b.place).into_iter().next().unwrap_or(Param::Absent);
    let why = "the task runs as the role in `Credentials`";
    match role {
        Param::Static(arn) => {
            b.out.credentials_role = Some(arn.clone());
            b.push("sts:AssumeRole", arn, None, NeedKind::AssumeRole, why);
        }
        Param::Dynamic(reason) => {
            b.out.credentials_dynamic = true;
            b.push("sts:AssumeRole", "*".to_owned(), Some(reason), NeedKind::AssumeRole, why);
        }
        Param::Absent => {
            b.out.notes.push("`Credentials` names no `RoleArn`".to_owned());
            return false;
        }
    }
    true
}

fn task(state: &State, params: Option<&Value>, via: bool, b: &mut Builder<'_>) {
    let Some(integration) = &state.integration else { return };
    let service = integration.service.as_deref().unwrap_or_default();
    let api = integration.api.as_deref().unwrap_or_default();
    let pattern = match integration.pattern.as_str() {
        "sync" => "sync",
        "sync2" => "sync2",
        "wait_for_task_token" => "wft",
        _ => "rr",
    };
    match integration.kind {
        IntegrationKind::Optimized => optimized(service, api, pattern, params, via, b),
        IntegrationKind::Sdk => sdk(service, api, params, via, b),
        IntegrationKind::Http => http(state, params, via, b),
        IntegrationKind::LambdaArn => {
            let resource = state.resource.as_ref().and_then(|r| render(r, b.place)).unwrap_or_else(|| "*".to_owned());
            b.push_with(
                "lambda:InvokeFunction",
                resource,
                None,
                NeedKind::Call,
                "the task invokes this Lambda function directly",
                Vec::new(),
                via,
            );
        }
        IntegrationKind::Activity => b
            .out
            .notes
            .push("an activity needs nothing of the execution role (its worker polls for the task)".to_owned()),
        IntegrationKind::Dynamic => b
            .out
            .notes
            .push("the resource is decided at deploy or run time: stepguard cannot tell what it needs".to_owned()),
        IntegrationKind::Unknown => b.out.notes.push("the resource is not a known integration".to_owned()),
    }
    if pattern == "wft" {
        b.out.notes.push(
            "the callback sender needs states:SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat on `*`, not this role"
                .to_owned(),
        );
    }
}

fn optimized(service: &str, api: &str, pattern: &str, params: Option<&Value>, via: bool, b: &mut Builder<'_>) {
    let key = format!("{service}:{api}");
    let why = format!("`{key}` integration");
    if key.eq_ignore_ascii_case("apigateway:invoke") {
        let auth = lookup(params, "AuthType", b.place).into_iter().next().unwrap_or(Param::Absent);
        if auth != Param::Static("IAM_ROLE".to_owned()) {
            b.out.notes.push(
                "API Gateway is called without IAM authorization (`AuthType` is not `IAM_ROLE`): the role needs nothing"
                    .to_owned(),
            );
            return;
        }
    }
    if matches!(key.to_ascii_lowercase().as_str(), "eks:call" | "eks:runjob") {
        b.out.notes.push(
            "Kubernetes API calls are authorized by the cluster (access entry or aws-auth mapping of the role), not IAM"
                .to_owned(),
        );
        return;
    }
    if !b.rows(&key, pattern, params, via, &why) {
        b.out.notes.push(format!("`{key}` with this pattern is not in stepguard's integration catalogue"));
    }
}

fn sdk(service: &str, api: &str, params: Option<&Value>, via: bool, b: &mut Builder<'_>) {
    let t = tables();
    let call = format!("{service}:{api}").to_ascii_lowercase();
    let why = format!("`aws-sdk:{service}:{api}` integration");
    let prefix = t.prefixes.get(&service.to_ascii_lowercase()).copied().unwrap_or(service);
    let actions: Vec<String> = match t.sdk_actions.get(&call) {
        Some(actions) => actions.iter().map(|a| (*a).to_owned()).collect(),
        None => {
            let mut chars = api.chars();
            let upper: String = chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect();
            vec![format!("{prefix}:{upper}")]
        }
    };
    let mut with_dependents = Vec::new();
    for action in &actions {
        with_dependents.push(action.clone());
        if let Some(info) = action_catalogue().action(action) {
            with_dependents.extend(info.dependent_actions().map(str::to_owned));
        } else {
            b.out.notes.push(format!("`{action}` is not in the IAM action catalogue"));
        }
    }
    for action in &with_dependents {
        let (resource, dynamic) = sdk_resource(action, params, b.place);
        b.push_with(action, resource, dynamic, NeedKind::Call, &why, Vec::new(), via);
    }
}

/// The resource of an SDK call, from the parameters that name one; `*` otherwise.
fn sdk_resource(action: &str, params: Option<&Value>, place: &Place) -> (String, Option<String>) {
    let (service, name) = action.split_once(':').unwrap_or((action, ""));
    let first = |path: &str| lookup(params, path, place).into_iter().next().unwrap_or(Param::Absent);
    let templates: &[(&str, &str)] = match service {
        "s3" if name.contains("Bucket") || name.starts_with("List") => &[("Bucket", "arn:{P}:s3:::{Bucket}")],
        "s3" => &[("Key", "arn:{P}:s3:::{Bucket}/{Key}")],
        "dynamodb" => &[("TableName", "arn:{P}:dynamodb:{R}:{A}:table/{TableName}")],
        "sqs" => &[("QueueUrl", "{QueueUrl|sqs}")],
        "sns" => &[("TopicArn", "{TopicArn}")],
        "lambda" => &[("FunctionName", "arn:{P}:lambda:{R}:{A}:function:{FunctionName}")],
        "states" => &[("StateMachineArn", "{StateMachineArn}"), ("ExecutionArn", "{ExecutionArn}")],
        "secretsmanager" => &[("SecretId", "{SecretId}")],
        "events" => &[("EventBusName", "arn:{P}:events:{R}:{A}:event-bus/{EventBusName}")],
        _ => &[],
    };
    for (key, template) in templates {
        match first(key) {
            Param::Absent => continue,
            Param::Dynamic(why) => return ("*".to_owned(), Some(why)),
            Param::Static(value) => {
                // A plain name where an ARN is needed (a secret's name) cannot be completed.
                if template.starts_with('{') && !value.starts_with("arn:") && *key != "QueueUrl" {
                    continue;
                }
                if let Instance::Resources(r) = instantiate(template, params, place, "")
                    && let Some((resource, dynamic)) = r.into_iter().next()
                {
                    return (resource, dynamic);
                }
            }
        }
    }
    // Any parameter that is an ARN of the action's own service names the target.
    if let Some(Value::Object(map)) = params {
        for (key, value) in map {
            if let Some(arn) = render(value, place).filter(|_| key.ends_with("Arn") || key.ends_with("ARN"))
                && arn.split(':').nth(2) == Some(service)
            {
                return (arn, None);
            }
        }
    }
    ("*".to_owned(), Some(format!("stepguard cannot tell the resource of `{action}` from the parameters")))
}

fn http(state: &State, params: Option<&Value>, via: bool, b: &mut Builder<'_>) {
    let why = "HTTP Task";
    let endpoint = state.http.as_ref();
    let mut conditions = Vec::new();
    let mut dynamic = None;
    match endpoint.and_then(|e| e.endpoint.as_ref()) {
        Some(e) if !endpoint.is_some_and(|h| h.dynamic) => {
            if let Some(url) = render(e, b.place) {
                conditions.push(NeedCondition {
                    operator: "StringLike".to_owned(),
                    key: "states:HTTPEndpoint".to_owned(),
                    value: url,
                });
            }
        }
        _ => dynamic = Some("the endpoint comes from state input: no `states:HTTPEndpoint` condition".to_owned()),
    }
    if let Some(Param::Static(method)) = lookup(params, "Method", b.place).into_iter().next() {
        conditions.push(NeedCondition {
            operator: "StringEquals".to_owned(),
            key: "states:HTTPMethod".to_owned(),
            value: method,
        });
    }
    b.push_with("states:InvokeHTTPEndpoint", "*".to_owned(), dynamic, NeedKind::Http, why, conditions, via);
    let connection =
        lookup(params, "Authentication.ConnectionArn", b.place).into_iter().next().unwrap_or(Param::Absent);
    match connection {
        Param::Static(arn) => {
            // arn:P:events:R:A:connection/NAME/UUID: its secret is events!connection/NAME/... in Secrets Manager.
            let name = arn.split(":connection/").nth(1).and_then(|r| r.split('/').next()).unwrap_or_default();
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let (partition, region, account) = match parts.as_slice() {
                ["arn", p, _, r, a, _] => ((*p).to_owned(), (*r).to_owned(), (*a).to_owned()),
                _ => (b.place.partition.clone(), b.place.region.clone(), b.place.account.clone()),
            };
            b.push_with(
                "events:RetrieveConnectionCredentials",
                arn.clone(),
                None,
                NeedKind::Http,
                why,
                Vec::new(),
                via,
            );
            let secret = format!("arn:{partition}:secretsmanager:{region}:{account}:secret:events!connection/{name}/*");
            for action in ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"] {
                b.push_with(
                    action,
                    secret.clone(),
                    None,
                    NeedKind::Http,
                    "HTTP Task (the connection's secret)",
                    Vec::new(),
                    via,
                );
            }
        }
        Param::Dynamic(reason) => {
            for action in [
                "events:RetrieveConnectionCredentials",
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
            ] {
                b.push_with(action, "*".to_owned(), Some(reason.clone()), NeedKind::Http, why, Vec::new(), via);
            }
        }
        Param::Absent => b.out.notes.push("the HTTP Task names no connection".to_owned()),
    }
}

fn distributed_map(state: &State, machine: &StateMachine, b: &mut Builder<'_>) {
    let Some(map) = &state.map else { return };
    let own = machine_arn(machine, b.place);
    let name = own.rsplit(':').next().unwrap_or_default().to_owned();
    let prefix = own.rsplit_once(":stateMachine:").map_or(String::new(), |(p, _)| p.to_owned());
    b.push(
        "states:StartExecution",
        own.clone(),
        None,
        NeedKind::ChildExecution,
        "distributed Map: starts child executions of its own state machine",
    );
    for action in ["states:DescribeExecution", "states:StopExecution"] {
        for pattern in [format!("{prefix}:execution:{name}/*"), format!("{prefix}:execution:{name}:*")] {
            b.push(
                action,
                pattern,
                Some("child executions are started at run time".to_owned()),
                NeedKind::ChildExecution,
                "distributed Map: watches and stops its child executions",
            );
        }
    }
    for (config, what) in [(&map.item_reader, "ItemReader"), (&map.result_writer, "ResultWriter")] {
        let Some(config) = config else { continue };
        let resource = config.get("Resource").and_then(|r| render(r, b.place));
        let Some(api) = resource.as_deref().and_then(|r| r.rsplit(":::").next()) else { continue };
        let params = config.get("Parameters").or_else(|| config.get("Arguments"));
        let why = format!("distributed Map `{what}` (`{api}`)");
        if !b.rows(api, "rr", params, false, &why) {
            b.out.notes.push(format!("`{what}` resource `{api}` is not in stepguard's integration catalogue"));
        }
    }
}

/// The state machine's ARN (rendered), else one built from its name and place.
pub(crate) fn machine_arn(machine: &StateMachine, place: &Place) -> String {
    if let Some(arn) = machine.arn.as_ref().and_then(|a| render(a, place)) {
        return arn;
    }
    let name = machine.name.as_ref().and_then(|n| render(n, place)).unwrap_or_else(|| "{StateMachineName}".to_owned());
    format!("arn:{}:states:{}:{}:stateMachine:{name}", place.partition, place.region, place.account)
}

/// What the state machine's configuration needs: log delivery, X-Ray, its KMS key.
pub(crate) fn machine_needs(machine: &StateMachine, place: &Place) -> StateNeeds {
    let mut b = Builder { place, out: StateNeeds::default() };
    let logging_on = machine.logging.level.as_deref().is_some_and(|l| !l.eq_ignore_ascii_case("OFF"));
    if logging_on {
        for action in [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
        ] {
            b.push(action, "*".to_owned(), None, NeedKind::Logging, "logging is on (log delivery to CloudWatch Logs)");
        }
    }
    if machine.tracing.enabled {
        for action in
            ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        {
            b.push(action, "*".to_owned(), None, NeedKind::Tracing, "X-Ray tracing is on");
        }
    }
    if machine.encryption.encryption_type == "CUSTOMER_MANAGED_KMS_KEY" {
        let key = machine.encryption.kms_key_id.as_ref().and_then(|k| render(k, place));
        let (resource, dynamic) = match key {
            Some(k) if k.starts_with("arn:") && !k.contains(":alias/") => (k, None),
            Some(k) if !k.starts_with("alias/") && !k.contains(":alias/") && !k.starts_with("arn:") => {
                (format!("arn:{}:kms:{}:{}:key/{k}", place.partition, place.region, place.account), None)
            }
            Some(k) => (
                format!("arn:{}:kms:{}:{}:key/*", place.partition, place.region, place.account),
                Some(format!("the alias `{k}` names its key only at run time")),
            ),
            None => ("*".to_owned(), Some("the key is not given".to_owned())),
        };
        let context = NeedCondition {
            operator: "StringEquals".to_owned(),
            key: "kms:EncryptionContext:aws:states:stateMachineArn".to_owned(),
            value: machine_arn(machine, place),
        };
        for action in ["kms:Decrypt", "kms:GenerateDataKey"] {
            b.push_with(
                action,
                resource.clone(),
                dynamic.clone(),
                NeedKind::Encryption,
                "the state machine's data is encrypted with a customer managed key",
                vec![context.clone()],
                false,
            );
        }
    }
    let mut out = b.out;
    out.needs.sort();
    out.needs.dedup();
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn place() -> Place {
        Place { partition: "aws".into(), region: "us-east-1".into(), account: "111122223333".into() }
    }

    fn one(template: &str, params: Value) -> Vec<(String, Option<String>)> {
        match instantiate(template, Some(&params), &place(), "run time") {
            Instance::Resources(r) => r,
            Instance::Skip => vec![],
        }
    }

    #[test]
    fn templates_fill_names_arns_and_defaults() {
        assert_eq!(
            one("arn:{P}:dynamodb:{R}:{A}:table/{TableName}", json!({"TableName": "orders"})),
            vec![("arn:aws:dynamodb:us-east-1:111122223333:table/orders".to_owned(), None)]
        );
        assert_eq!(
            one(
                "arn:{P}:lambda:{R}:{A}:function:{FunctionName}:*",
                json!({"FunctionName": "arn:aws:lambda:eu-west-1:444455556666:function:f"})
            )[0]
            .0,
            "arn:aws:lambda:eu-west-1:444455556666:function:f:*"
        );
        assert_eq!(
            one("{QueueUrl|sqs}", json!({"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/444455556666/q"}))[0].0,
            "arn:aws:sqs:eu-west-1:444455556666:q"
        );
        assert_eq!(
            one(
                "arn:{P}:states:{R}:{A}:execution:{StateMachineArn|sm}:*",
                json!({"StateMachineArn": "arn:aws:states:eu-west-1:444455556666:stateMachine:child"})
            )[0]
            .0,
            "arn:aws:states:eu-west-1:444455556666:execution:child:*"
        );
        assert_eq!(
            one(
                "arn:{P}:events:{R}:{A}:event-bus/{Entries.EventBusName=default}",
                json!({"Entries": [{"Detail": {}}]})
            )[0]
            .0,
            "arn:aws:events:us-east-1:111122223333:event-bus/default"
        );
        assert!(matches!(instantiate("{Overrides.TaskRoleArn?}", Some(&json!({})), &place(), ""), Instance::Skip));
    }

    #[test]
    fn state_input_makes_a_target_dynamic() {
        let r = one("arn:{P}:dynamodb:{R}:{A}:table/{TableName}", json!({"TableName.$": "$.table"}));
        assert_eq!(r[0].0, "*");
        assert!(r[0].1.as_deref().unwrap().contains("state input"));
        let r = one("arn:{P}:dynamodb:{R}:{A}:table/{TableName}", json!({"TableName": "{% $states.input.t %}"}));
        assert_eq!(r[0].0, "*");
        let r = one("arn:{P}:dynamodb:{R}:{A}:table/{TableName}", json!("{% $states.input %}"));
        assert_eq!(r[0].0, "*");
        let r = one("arn:{P}:dynamodb:{R}:{A}:table/{TableName}", json!({}));
        assert!(r[0].1.as_deref().unwrap().contains("not given"));
    }

    #[test]
    fn resources_are_kept_for_their_own_types() {
        assert!(fits_resource_type("glue:GetTable", "arn:aws:glue:us-east-1:1:table/*/*"));
        assert!(!fits_resource_type("glue:GetTable", "arn:aws:glue:us-east-1:1:userDefinedFunction/*/*"));
        assert!(fits_resource_type("s3:GetObject", "arn:aws:s3:::*/*"));
        assert!(fits_resource_type("s3:ListBucket", "arn:aws:s3:::*"));
        assert!(fits_resource_type("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:1:function:f:*"));
        assert!(fits_resource_type("anything:Unknown", "arn:aws:x:::y"));
    }

    #[test]
    fn symbolic_values_render_consistently() {
        let p = Place::default();
        assert_eq!(
            render(&json!({"sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}"}), &p)
                .unwrap(),
            "arn:{Partition}:lambda:{Region}:{Account}:function:{Fn}"
        );
        assert_eq!(render(&json!({"get_att": ["Fn", "Arn"]}), &place()).unwrap(), "{Fn.Arn}");
        assert_eq!(render(&json!({"ref": "AWS::Region"}), &place()).unwrap(), "us-east-1");
        assert_eq!(render(&json!({"sub": "a-${!Literal}"}), &place()).unwrap(), "a-${Literal}");
        assert_eq!(render(&json!(3), &place()), None);
    }

    #[test]
    fn every_table_row_parses_and_names_catalogue_actions() {
        let t = tables();
        let rows: usize = t.integrations.values().map(Vec::len).sum();
        let lines = INTEGRATIONS.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).count();
        assert_eq!(rows, lines);
        for (key, rows) in &t.integrations {
            for row in rows {
                for action in &row.actions {
                    assert!(action_catalogue().action(action).is_some(), "{key}: unknown action {action}");
                }
            }
        }
        for actions in t.sdk_actions.values() {
            for action in actions {
                assert!(action_catalogue().action(action).is_some(), "unknown action {action}");
            }
        }
        for prefix in t.prefixes.values() {
            assert!(!prefix.is_empty());
        }
    }
}
