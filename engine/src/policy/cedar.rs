//! The Cedar backend on cedar-policy.
//!
//! The fact graph becomes Cedar entities under the `Stepguard` namespace (schema in
//! [`SCHEMA`], documented in `docs/cedar.md`). The engine asks one request per subject —
//! `deploy` for each state machine, `execute` for each state, `invoke` for each Task and its
//! target, `assume` for each role — against the bundles' policies plus an implicit
//! `permit(principal, action, resource);`. Every satisfied `forbid` becomes a finding whose rule,
//! severity and message come from its `@id`, `@severity` and `@message` annotations.

use std::collections::BTreeMap;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Effect, Entities, EntityUid, Policy, PolicyId, PolicySet, Request,
    Schema, ValidationMode, Validator,
};
use miette::Diagnostic;
use rayon::prelude::*;
use serde_json::{Value as Json, json};

use super::RuleInfo;
use super::bundle::{Bundle, PolicyFile};
use super::finding::{Backend, Finding, FindingKind, Severity};
use crate::error::{InputError, InputErrorKind};
use crate::model::{FactGraph, IntegrationKind, State, StateMachine};

/// The Cedar schema stepguard generates entities for.
pub(crate) const SCHEMA: &str = include_str!("stepguard.cedarschema");

/// What one forbid policy means as a rule.
#[derive(Debug, Clone)]
struct RuleAnnotation {
    rule: String,
    severity: Severity,
    message: Option<String>,
    title: Option<String>,
    file: String,
}

#[derive(Clone)]
pub(crate) struct CedarBackend {
    schema: Schema,
    policies: PolicySet,
    rules: BTreeMap<String, RuleAnnotation>,
}

fn cedar_error(file: &PolicyFile, diagnostic: &dyn Diagnostic, message: String) -> InputError {
    let offset = diagnostic.labels().and_then(|mut l| l.next()).map(|l| l.offset());
    let (line, column) = offset.map_or((None, None), |o| {
        let prefix = file.text.get(..o.min(file.text.len())).unwrap_or_default();
        let line = prefix.matches('\n').count() + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (u32::try_from(line).ok(), u32::try_from(column).ok())
    });
    let mut err = InputError::new(&file.path, line, "", InputErrorKind::Policy, message);
    if let Some(c) = column {
        err = err.with_column(c);
    }
    err
}

impl CedarBackend {
    /// Parses and validates the bundles' Cedar policies; `None` when there are none.
    pub(crate) fn new(bundles: &[Bundle]) -> Result<Option<Self>, Vec<InputError>> {
        let files: Vec<&PolicyFile> = bundles.iter().flat_map(|b| b.cedar.iter()).collect();
        if files.is_empty() {
            return Ok(None);
        }
        let schema = Schema::from_cedarschema_str(SCHEMA).map(|(s, _warnings)| s).map_err(|e| {
            vec![InputError::new("stepguard.cedarschema", None, "", InputErrorKind::Policy, e.to_string())]
        })?;
        let mut errors = Vec::new();
        let mut policies = PolicySet::new();
        let mut rules = BTreeMap::new();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for file in &files {
            let set = match PolicySet::from_str(&file.text) {
                Ok(set) => set,
                Err(e) => {
                    let message = e.iter().next().map_or_else(|| e.to_string(), ToString::to_string);
                    errors.push(cedar_error(file, &e, format!("invalid Cedar: {message}")));
                    continue;
                }
            };
            for policy in set.policies() {
                let Some(rule) = policy.annotation("id").map(str::to_owned) else {
                    if policy.effect() == Effect::Forbid {
                        errors.push(InputError::new(
                            &file.path,
                            None,
                            "",
                            InputErrorKind::Policy,
                            format!(
                                "a `forbid` policy has no `@id(\"...\")` annotation: {}",
                                first_line(&policy.to_string())
                            ),
                        ));
                    }
                    continue;
                };
                let severity = match policy.annotation("severity").map(str::parse::<Severity>).transpose() {
                    Ok(s) => s.unwrap_or(Severity::High),
                    Err(m) => {
                        errors.push(InputError::new(
                            &file.path,
                            None,
                            "",
                            InputErrorKind::Policy,
                            format!("policy `{rule}`: {m}"),
                        ));
                        continue;
                    }
                };
                let n = counts.entry(rule.clone()).or_insert(0);
                *n += 1;
                let id = if *n == 1 { rule.clone() } else { format!("{rule}#{n}") };
                let renamed = policy.new_id(PolicyId::new(&id));
                if let Err(e) = policies.add(renamed) {
                    errors.push(InputError::new(
                        &file.path,
                        None,
                        "",
                        InputErrorKind::Policy,
                        format!("policy `{id}`: {e}"),
                    ));
                    continue;
                }
                rules.insert(
                    id,
                    RuleAnnotation {
                        rule,
                        severity,
                        message: policy.annotation("message").map(str::to_owned),
                        title: policy.annotation("title").map(str::to_owned),
                        file: file.path.clone(),
                    },
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !validation.validation_passed() {
            for e in validation.validation_errors() {
                let id = e.policy_id().to_string();
                let file = rules.get(&id).map(|r| r.file.clone()).unwrap_or_default();
                let text = files
                    .iter()
                    .find(|f| f.path == file)
                    .map(|f| (*f).clone())
                    .unwrap_or(PolicyFile { path: file, text: String::new() });
                errors.push(cedar_error(&text, e, format!("policy `{id}` does not validate against the schema: {e}")));
            }
            return Err(errors);
        }
        let permit_all =
            Policy::parse(Some(PolicyId::new("stepguard-default-permit")), "permit(principal, action, resource);")
                .map_err(|e| vec![InputError::new("stepguard", None, "", InputErrorKind::Policy, e.to_string())])?;
        policies
            .add(permit_all)
            .map_err(|e| vec![InputError::new("stepguard", None, "", InputErrorKind::Policy, e.to_string())])?;
        Ok(Some(Self { schema, policies, rules }))
    }

    pub(crate) fn rules(&self) -> Vec<RuleInfo> {
        let mut out: Vec<RuleInfo> = self
            .rules
            .iter()
            .map(|(id, r)| RuleInfo {
                id: r.rule.clone(),
                severity: r.severity,
                title: r.title.clone().or_else(|| r.message.clone()).unwrap_or_default(),
                description: None,
                remediation: None,
                related: Vec::new(),
                backend: Backend::Cedar,
                policy: id.clone(),
                file: r.file.clone(),
            })
            .collect();
        out.sort();
        out.dedup_by(|a, b| a.id == b.id);
        out
    }

    /// Evaluates every request the graph gives rise to.
    pub(crate) fn evaluate(&self, graph: &FactGraph) -> Result<Vec<Finding>, Vec<InputError>> {
        let entities_json = entities(graph);
        let entities = Entities::from_json_value(entities_json, Some(&self.schema)).map_err(|e| {
            vec![InputError::new(
                "fact graph",
                None,
                "",
                InputErrorKind::Evaluation,
                format!("cannot build Cedar entities: {e}"),
            )]
        })?;
        let requests = subjects(graph);
        let authorizer = Authorizer::new();
        let results: Vec<Result<Vec<Finding>, InputError>> =
            requests.par_iter().map(|subject| self.decide(&authorizer, &entities, subject, graph)).collect();
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(f) => findings.extend(f),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() { Ok(findings) } else { Err(errors) }
    }

    fn decide(
        &self,
        authorizer: &Authorizer,
        entities: &Entities,
        subject: &Subject,
        graph: &FactGraph,
    ) -> Result<Vec<Finding>, InputError> {
        let fail = |m: String| InputError::new("fact graph", None, "", InputErrorKind::Evaluation, m);
        let principal = uid(subject.principal_type, &subject.principal).map_err(fail)?;
        let resource = uid(subject.resource_type, &subject.resource).map_err(fail)?;
        let action = uid("Action", subject.action).map_err(fail)?;
        let request = Request::new(principal, action, resource, Context::empty(), Some(&self.schema))
            .map_err(|e| fail(format!("invalid Cedar request for `{}`: {e}", subject.node)))?;
        let response = authorizer.is_authorized(&request, &self.policies, entities);
        if let Some(e) = response.diagnostics().errors().next() {
            // A policy that errors is skipped by Cedar; stepguard fails closed instead.
            return Err(fail(format!("Cedar policy failed on `{}`: {e}", subject.node)));
        }
        if response.decision() == CedarDecision::Allow {
            return Ok(Vec::new());
        }
        let mut findings = Vec::new();
        for id in response.diagnostics().reason() {
            let Some(rule) = self.rules.get(&id.to_string()) else { continue };
            let name = subject_name(graph, &subject.node);
            let message = match &rule.message {
                Some(m) => m
                    .replace("{name}", &name)
                    .replace("{principal}", &subject.principal)
                    .replace("{resource}", &subject.resource),
                None => format!("`{name}` is forbidden by Cedar policy `{id}`"),
            };
            findings.push(Finding {
                rule: rule.rule.clone(),
                severity: rule.severity,
                message,
                node: Some(subject.node.clone()),
                path: None,
                file: None,
                line: None,
                pointer: None,
                backend: Backend::Cedar,
                policy: id.to_string(),
                kind: FindingKind::Deny,
                waiver: None,
            });
        }
        Ok(findings)
    }
}

fn first_line(s: &str) -> String {
    s.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('@')).unwrap_or_default().to_owned()
}

fn uid(entity_type: &str, id: &str) -> Result<EntityUid, String> {
    let type_name =
        cedar_policy::EntityTypeName::from_str(&format!("Stepguard::{entity_type}")).map_err(|e| e.to_string())?;
    Ok(EntityUid::from_type_name_and_id(type_name, cedar_policy::EntityId::new(id)))
}

/// One request: who (principal), does what (action), to what (resource), reported on `node`.
struct Subject {
    action: &'static str,
    principal_type: &'static str,
    principal: String,
    resource_type: &'static str,
    resource: String,
    node: String,
}

fn subjects(graph: &FactGraph) -> Vec<Subject> {
    let mut out = Vec::new();
    for m in graph.state_machines.values() {
        out.push(Subject {
            action: "deploy",
            principal_type: "StateMachine",
            principal: m.id.clone(),
            resource_type: "StateMachine",
            resource: m.id.clone(),
            node: m.id.clone(),
        });
    }
    for s in graph.states.values() {
        out.push(Subject {
            action: "execute",
            principal_type: "State",
            principal: s.id.clone(),
            resource_type: "StateMachine",
            resource: s.state_machine.clone(),
            node: s.id.clone(),
        });
        if let Some(target) = target_id(s) {
            out.push(Subject {
                action: "invoke",
                principal_type: "State",
                principal: s.id.clone(),
                resource_type: "Target",
                resource: target,
                node: s.id.clone(),
            });
        }
    }
    for r in graph.roles.values() {
        out.push(Subject {
            action: "assume",
            principal_type: "Role",
            principal: r.id.clone(),
            resource_type: "Role",
            resource: r.id.clone(),
            node: r.id.clone(),
        });
    }
    out
}

fn subject_name(graph: &FactGraph, node: &str) -> String {
    if let Some(s) = graph.states.get(node) {
        return s.name.clone();
    }
    if let Some(m) = graph.state_machines.get(node) {
        return m.name.as_ref().and_then(Json::as_str).map_or_else(|| m.id.clone(), str::to_owned);
    }
    if let Some(r) = graph.roles.get(node) {
        return r.name.as_ref().and_then(Json::as_str).map_or_else(|| r.id.clone(), str::to_owned);
    }
    node.to_owned()
}

/// The target entity id of a Task: its resource ARN (or symbolic text).
fn target_id(s: &State) -> Option<String> {
    if s.state_type != "Task" {
        return None;
    }
    s.resource.as_ref().map(value_text)
}

/// A JSON value as text: strings as they are, symbolic values as compact JSON.
fn value_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn as_long(v: Option<&Json>) -> Option<i64> {
    v.and_then(Json::as_i64)
}

fn tags(map: &BTreeMap<String, Json>) -> Json {
    Json::Object(map.iter().map(|(k, v)| (k.clone(), Json::String(value_text(v)))).collect())
}

fn typed(entity_type: &str, id: &str) -> Json {
    json!({"type": format!("Stepguard::{entity_type}"), "id": id})
}

/// Inserts `key` only when `value` is present (Cedar optional attributes).
fn put(attrs: &mut serde_json::Map<String, Json>, key: &str, value: Option<Json>) {
    if let Some(v) = value {
        attrs.insert(key.to_owned(), v);
    }
}

/// The graph as Cedar entity JSON.
fn entities(graph: &FactGraph) -> Json {
    let mut out = Vec::new();
    let org = &graph.organization;
    if let Some(root) = &org.root {
        out.push(json!({"uid": typed("OrgNode", root), "attrs": {"kind": "root", "name": root}, "parents": []}));
    }
    for ou in org.ous.values() {
        out.push(json!({"uid": typed("OrgNode", &ou.id), "attrs": {"kind": "ou", "name": ou.name.clone().unwrap_or_default()}, "parents": [typed("OrgNode", &ou.parent)]}));
    }
    for a in org.accounts.values() {
        out.push(json!({"uid": typed("OrgNode", &a.id), "attrs": {"kind": "account", "name": a.name.clone().unwrap_or_default()}, "parents": [typed("OrgNode", &a.parent)]}));
    }
    let known_org: std::collections::BTreeSet<&str> = org
        .root
        .iter()
        .map(String::as_str)
        .chain(org.ous.keys().map(String::as_str))
        .chain(org.accounts.keys().map(String::as_str))
        .collect();
    for r in graph.roles.values() {
        let trust = r.trust_policy.as_ref().and_then(|t| graph.policies.get(t));
        let statements = trust.map(|p| p.statements.as_slice()).unwrap_or_default();
        let services: Vec<String> = statements
            .iter()
            .filter(|s| s.effect == "Allow")
            .filter_map(|s| s.principal.as_ref())
            .flat_map(|p| p.get("Service").into_iter().flatten().map(value_text))
            .collect();
        let has_key = |needle: &str| {
            statements
                .iter()
                .any(|s| s.condition.values().any(|keys| keys.keys().any(|k| k.eq_ignore_ascii_case(needle))))
        };
        let states_without_source = statements.iter().filter(|s| s.effect == "Allow").any(|s| {
            let trusts_states = s
                .principal
                .as_ref()
                .and_then(|p| p.get("Service"))
                .is_some_and(|v| v.iter().filter_map(Json::as_str).any(is_states_service));
            let keyed =
                |needle: &str| s.condition.values().any(|keys| keys.keys().any(|k| k.eq_ignore_ascii_case(needle)));
            trusts_states && !keyed("aws:SourceArn") && !keyed("aws:SourceAccount")
        });
        let wildcard = statements
            .iter()
            .filter(|s| s.effect == "Allow")
            .filter_map(|s| s.principal.as_ref())
            .any(|p| p.get("AWS").is_some_and(|v| v.iter().any(|x| x.as_str() == Some("*"))));
        let mut attrs = serde_json::Map::new();
        attrs.insert("name".into(), json!(r.name.as_ref().map(value_text).unwrap_or_else(|| r.id.clone())));
        attrs.insert("principal_type".into(), json!(r.principal_type));
        attrs.insert("trusted_services".into(), json!(services));
        attrs.insert("trust_has_source_arn".into(), json!(has_key("aws:SourceArn")));
        attrs.insert("trust_has_source_account".into(), json!(has_key("aws:SourceAccount")));
        attrs.insert("trust_allows_any_principal".into(), json!(wildcard));
        attrs.insert("trust_states_without_source".into(), json!(states_without_source));
        attrs.insert("has_boundary".into(), json!(r.permissions_boundary.is_some()));
        attrs.insert("policy_count".into(), json!(r.inline_policies.len() + r.managed_policies.len()));
        put(&mut attrs, "arn", r.arn.as_ref().map(|a| json!(value_text(a))));
        put(&mut attrs, "account", r.account.as_ref().map(|a| json!(a)));
        let parents: Vec<Json> =
            r.account.iter().filter(|a| known_org.contains(a.as_str())).map(|a| typed("OrgNode", a)).collect();
        out.push(json!({"uid": typed("Role", &r.id), "attrs": attrs, "parents": parents, "tags": tags(&r.tags)}));
    }
    // One pass over states and diagnostics instead of one per machine (10,000 machines times
    // 200,000 states would dominate the whole evaluation).
    let mut state_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in graph.states.values() {
        *state_counts.entry(s.state_machine.as_str()).or_default() += 1;
    }
    let mut codes: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for d in &graph.diagnostics {
        if let Some(node) = d.node.as_deref() {
            let machine = node.split_once("/state/").map_or(node, |(m, _)| m);
            codes.entry(machine).or_default().insert(d.code.as_str());
        }
    }
    for m in graph.state_machines.values() {
        let mut attrs = serde_json::Map::new();
        attrs.insert("name".into(), json!(m.name.as_ref().map(value_text).unwrap_or_else(|| m.id.clone())));
        attrs.insert("type".into(), json!(m.machine_type));
        attrs.insert("query_language".into(), json!(m.query_language));
        attrs.insert("origin".into(), json!(m.origin));
        attrs.insert("logging_level".into(), json!(m.logging.level.clone().unwrap_or_else(|| "OFF".to_owned())));
        attrs.insert("include_execution_data".into(), json!(m.logging.include_execution_data.unwrap_or(false)));
        attrs.insert(
            "log_destinations".into(),
            json!(m.logging.destinations.iter().map(value_text).collect::<Vec<_>>()),
        );
        attrs.insert("tracing_enabled".into(), json!(m.tracing.enabled));
        attrs.insert("encryption_type".into(), json!(m.encryption.encryption_type));
        attrs.insert("has_definition".into(), json!(m.has_definition));
        attrs.insert("has_role".into(), json!(m.role.is_some() || m.role_arn.is_some()));
        attrs.insert("state_count".into(), json!(state_counts.get(m.id.as_str()).copied().unwrap_or(0)));
        attrs.insert("diagnostic_codes".into(), json!(codes.get(m.id.as_str()).cloned().unwrap_or_default()));
        put(&mut attrs, "kms_key", m.encryption.kms_key_id.as_ref().map(|k| json!(value_text(k))));
        put(&mut attrs, "timeout_seconds", as_long(m.timeout_seconds.as_ref()).map(|n| json!(n)));
        attrs.insert("has_timeout".into(), json!(m.timeout_seconds.as_ref().is_some_and(|v| !v.is_null())));
        put(&mut attrs, "account", machine_account(graph, m).map(|a| json!(a)));
        put(&mut attrs, "role", m.role.as_ref().filter(|r| graph.roles.contains_key(*r)).map(|r| typed("Role", r)));
        let account =
            m.arn.as_ref().and_then(Json::as_str).and_then(|a| a.split(':').nth(4)).filter(|a| known_org.contains(a));
        let parents: Vec<Json> = account.into_iter().map(|a| typed("OrgNode", a)).collect();
        out.push(
            json!({"uid": typed("StateMachine", &m.id), "attrs": attrs, "parents": parents, "tags": tags(&m.tags)}),
        );
    }
    let mut targets: BTreeMap<String, &State> = BTreeMap::new();
    for s in graph.states.values() {
        let mut attrs = serde_json::Map::new();
        attrs.insert("name".into(), json!(s.name));
        attrs.insert("type".into(), json!(s.state_type));
        attrs.insert("query_language".into(), json!(s.query_language));
        attrs.insert("has_timeout".into(), json!(s.timeout_seconds.is_some() || s.timeout_seconds_path.is_some()));
        attrs
            .insert("has_heartbeat".into(), json!(s.heartbeat_seconds.is_some() || s.heartbeat_seconds_path.is_some()));
        attrs.insert("retry_count".into(), json!(s.retry.len()));
        attrs.insert("catch_count".into(), json!(s.catch.len()));
        attrs.insert(
            "catch_errors".into(),
            json!(
                s.catch.iter().flat_map(|c| c.error_equals.iter().cloned()).collect::<std::collections::BTreeSet<_>>()
            ),
        );
        attrs.insert(
            "retry_errors".into(),
            json!(
                s.retry.iter().flat_map(|r| r.error_equals.iter().cloned()).collect::<std::collections::BTreeSet<_>>()
            ),
        );
        attrs.insert("has_credentials".into(), json!(s.credentials.is_some()));
        put(
            &mut attrs,
            "credentials_account",
            s.credentials.as_ref().and_then(|c| c.get("RoleArn")).and_then(literal_account).map(|a| json!(a)),
        );
        attrs.insert("enclosing_catch".into(), json!(enclosing_catch(graph, s)));
        put(&mut attrs, "timeout_seconds", as_long(s.timeout_seconds.as_ref()).map(|n| json!(n)));
        put(&mut attrs, "heartbeat_seconds", as_long(s.heartbeat_seconds.as_ref()).map(|n| json!(n)));
        put(&mut attrs, "resource", s.resource.as_ref().map(|r| json!(value_text(r))));
        if let Some(i) = &s.integration {
            attrs.insert("integration_kind".into(), json!(integration_kind(i.kind)));
            attrs.insert("pattern".into(), json!(i.pattern));
            put(&mut attrs, "service", i.service.as_ref().map(|v| json!(v)));
            put(&mut attrs, "api", i.api.as_ref().map(|v| json!(v)));
        }
        if let Some(map) = &s.map {
            attrs.insert("map_mode".into(), json!(map.mode));
            // A JSONata expression or a template value sets the limit at run or deploy time.
            let bounded = map
                .max_concurrency
                .as_ref()
                .is_some_and(|v| v.as_f64().is_some_and(|n| n > 0.0) || v.is_string() || v.is_object())
                || map.max_concurrency_path.is_some();
            attrs.insert("map_concurrency_bounded".into(), json!(bounded));
            attrs.insert("map_items_static".into(), json!(map.items.as_ref().is_some_and(Json::is_array)));
            put(&mut attrs, "max_concurrency", as_long(map.max_concurrency.as_ref()).map(|n| json!(n)));
        }
        if let Some(h) = &s.http {
            put(&mut attrs, "http_endpoint", h.endpoint.as_ref().map(|e| json!(value_text(e))));
            attrs.insert("http_dynamic".into(), json!(h.dynamic));
            if !h.dynamic {
                let scheme = h
                    .endpoint
                    .as_ref()
                    .and_then(template_text)
                    .and_then(|e| e.trim().split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase()));
                put(&mut attrs, "http_scheme", scheme.map(|s| json!(s)));
            }
        }
        let parent = match &s.parent {
            Some(p) => typed("State", p),
            None => typed("StateMachine", &s.state_machine),
        };
        out.push(json!({"uid": typed("State", &s.id), "attrs": attrs, "parents": [parent, typed("StateMachine", &s.state_machine)]}));
        if let Some(t) = target_id(s) {
            targets.entry(t).or_insert(s);
        }
    }
    for (id, s) in targets {
        let kind = s.integration.as_ref().map_or("unknown", |i| integration_kind(i.kind));
        out.push(json!({"uid": typed("Target", &id), "attrs": {"kind": kind}, "parents": []}));
    }
    Json::Array(out)
}

/// `states.amazonaws.com`, or a regional form such as `states.eu-west-1.amazonaws.com`.
fn is_states_service(v: &str) -> bool {
    v == "states.amazonaws.com"
        || v.strip_prefix("states.")
            .and_then(|rest| rest.strip_suffix(".amazonaws.com").or_else(|| rest.strip_suffix(".amazonaws.com.cn")))
            .is_some_and(|region| {
                !region.is_empty() && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
}

/// The text of a literal or `{"sub": ...}` value (the bundle's `util.text`).
fn template_text(v: &Json) -> Option<&str> {
    match v {
        Json::String(s) => Some(s),
        Json::Object(map) => match map.get("sub")? {
            Json::String(s) => Some(s),
            Json::Array(items) => items.first().and_then(Json::as_str),
            _ => None,
        },
        _ => None,
    }
}

/// The 12-digit account of an ARN held literally or in a `!Sub` template whose account is
/// literal (the bundle's `util.account_of`).
fn literal_account(v: &Json) -> Option<String> {
    let text = template_text(v)?;
    // `${AWS::Partition}` holds colons; placeholders are blanked before splitting.
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        plain.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        match after.find('}') {
            Some(end) => {
                plain.push('X');
                rest = after.get(end + 1..).unwrap_or_default();
            }
            None => {
                plain.push_str(rest.get(start..).unwrap_or_default());
                rest = "";
            }
        }
    }
    plain.push_str(rest);
    let parts: Vec<&str> = plain.split(':').collect();
    let account = parts.get(4)?;
    (parts.len() > 5
        && parts.first() == Some(&"arn")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit()))
    .then(|| (*account).to_owned())
}

/// The account a state machine runs in: its ARN's, else its role's (the bundle's
/// `util.machine_account`).
fn machine_account(graph: &FactGraph, m: &StateMachine) -> Option<String> {
    m.arn
        .as_ref()
        .and_then(literal_account)
        .or_else(|| m.role_arn.as_ref().and_then(literal_account))
        .or_else(|| m.role.as_ref().and_then(|r| graph.roles.get(r)).and_then(|r| r.account.clone()))
}

/// An enclosing Parallel or Map state has a `Catch`.
fn enclosing_catch(graph: &FactGraph, s: &State) -> bool {
    let mut parent = s.parent.as_deref();
    // The depth bound guards against a malformed parent cycle.
    for _ in 0..graph.states.len() {
        let Some(p) = parent.and_then(|id| graph.states.get(id)) else { return false };
        if !p.catch.is_empty() {
            return true;
        }
        parent = p.parent.as_deref();
    }
    false
}

fn integration_kind(k: IntegrationKind) -> &'static str {
    match k {
        IntegrationKind::Optimized => "optimized",
        IntegrationKind::Sdk => "sdk",
        IntegrationKind::Http => "http",
        IntegrationKind::LambdaArn => "lambda_arn",
        IntegrationKind::Activity => "activity",
        IntegrationKind::Dynamic => "dynamic",
        IntegrationKind::Unknown => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_parses() {
        let (_schema, warnings) = Schema::from_cedarschema_str(SCHEMA).unwrap();
        assert_eq!(warnings.count(), 0);
    }
}
