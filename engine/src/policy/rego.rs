//! The Rego backend on regorus.
//!
//! One `regorus::Engine` is prepared with every module, the merged data and stepguard's custom
//! builtins; each evaluation clones it (cheap: modules are shared) per thread. Rules follow
//! conftest's conventions: `deny`, `violation` and `warn` (optionally `_suffix`ed) in packages
//! under the configured namespaces produce findings; `exception` rules waive them.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::time::Duration;

use rayon::prelude::*;
use serde_json::Value as Json;

use super::builtins;
use super::bundle::{Bundle, RegoModule};
use super::finding::{Backend, Finding, FindingKind, Severity};
use crate::error::{InputError, InputErrorKind};

/// A rule that produces findings.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Package (`stepguard.rules.iam`).
    pub(crate) package: String,
    /// Rule name (`deny`, `warn_http`).
    pub(crate) rule: String,
    pub(crate) kind: FindingKind,
    /// File and line of the rule head, for error messages.
    pub(crate) file: String,
    pub(crate) line: u32,
}

/// Rule metadata gathered from `# METADATA` blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Meta {
    pub(crate) id: Option<String>,
    pub(crate) severity: Option<Severity>,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) remediation: Option<String>,
    pub(crate) related: Vec<String>,
    /// Everything under `custom` (for reports that want more).
    pub(crate) custom: Json,
}

/// A prepared Rego engine with the rules to run.
#[derive(Clone)]
pub(crate) struct RegoBackend {
    engine: regorus::Engine,
    pub(crate) targets: Vec<Target>,
    exception_rules: Vec<String>,
    /// Metadata by (package, rule); the package-level entry has rule `""`.
    pub(crate) meta: BTreeMap<(String, String), Meta>,
}

/// Options for building the backend.
#[derive(Debug, Clone)]
pub(crate) struct RegoOptions {
    /// Package prefixes whose rules are evaluated (`stepguard.` by default).
    pub(crate) namespaces: Vec<String>,
    /// Time limit for one rule's evaluation.
    pub(crate) timeout: Duration,
    /// Include `*_test.rego` modules (for `stepguard test`).
    pub(crate) with_tests: bool,
}

pub(crate) fn is_failure_rule(name: &str) -> Option<FindingKind> {
    let conventional = |prefix: &str| {
        name == prefix
            || name.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')).is_some_and(|r| {
                !r.is_empty() && r.split('_').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
            })
    };
    if conventional("deny") || conventional("violation") {
        Some(FindingKind::Deny)
    } else if conventional("warn") {
        Some(FindingKind::Warn)
    } else {
        None
    }
}

impl RegoBackend {
    /// Parses every module into one engine. Syntax errors name file, line and column.
    pub(crate) fn new(bundles: &[Bundle], data: &Json, options: &RegoOptions) -> Result<Self, Vec<InputError>> {
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(false);
        // OPA's default: a builtin error makes the expression undefined rather than failing the
        // whole query; rules that must fail closed check their inputs explicitly.
        engine.set_strict_builtin_errors(false);
        let limit = regorus::utils::limits::ExecutionTimerConfig {
            limit: options.timeout,
            check_interval: NonZeroU32::new(1024).unwrap_or(NonZeroU32::MIN),
        };
        engine.set_execution_timer_config(limit);
        builtins::register(&mut engine)
            .map_err(|e| vec![InputError::new("stepguard", None, "", InputErrorKind::Policy, e)])?;
        let mut errors = Vec::new();
        let modules: Vec<&RegoModule> = bundles
            .iter()
            .flat_map(|b| b.rego.iter().chain(if options.with_tests { b.rego_tests.iter() } else { [].iter() }))
            .collect();
        for module in &modules {
            if let Err(e) = engine.add_policy(module.file.path.clone(), module.file.text.clone()) {
                errors.push(policy_error(&module.file.path, &e.to_string(), InputErrorKind::Policy));
            }
        }
        if let Err(e) = engine.add_data(regorus::Value::from(data.clone())) {
            errors.push(InputError::new("data", None, "", InputErrorKind::Bundle, first_line(&e.to_string())));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut targets = Vec::new();
        let mut exception_rules = Vec::new();
        let mut meta = BTreeMap::new();
        for module in &modules {
            let Some(package) = module.scan.package.clone() else { continue };
            for annotation in &module.scan.annotations {
                let key = (package.clone(), annotation.rule.clone().unwrap_or_default());
                meta.insert(key, read_meta(&annotation.value));
            }
            let in_namespace = options
                .namespaces
                .iter()
                .any(|ns| package == ns.trim_end_matches('.') || package.starts_with(ns.as_str()));
            if !in_namespace {
                continue;
            }
            for head in &module.scan.rules {
                if let Some(kind) = is_failure_rule(&head.name) {
                    if !targets.iter().any(|t: &Target| t.package == package && t.rule == head.name) {
                        targets.push(Target {
                            package: package.clone(),
                            rule: head.name.clone(),
                            kind,
                            file: module.file.path.clone(),
                            line: head.line,
                        });
                    }
                } else if head.name == "exception" {
                    let path = format!("data.{package}.exception");
                    if !exception_rules.contains(&path) {
                        exception_rules.push(path);
                    }
                }
            }
        }
        targets.sort_by(|a, b| (&a.package, &a.rule).cmp(&(&b.package, &b.rule)));
        Ok(Self { engine, targets, exception_rules, meta })
    }

    /// A clone of the prepared engine (for the test runner and for extensions).
    pub(crate) fn engine(&self) -> regorus::Engine {
        self.engine.clone()
    }

    /// Metadata for a rule: the rule's own annotation, falling back to its package's.
    pub(crate) fn meta_for(&self, package: &str, rule: &str) -> Meta {
        let own = self.meta.get(&(package.to_owned(), rule.to_owned()));
        // A package-level id names a rule only when the package has exactly one; other fields
        // (severity, title, remediation) are package-wide defaults.
        let single_rule = self.targets.iter().filter(|t| t.package == package).count() == 1;
        let pkg = self.meta.get(&(package.to_owned(), String::new())).map(|p| {
            let mut p = p.clone();
            if !single_rule {
                p.id = None;
            }
            p
        });
        let pkg = pkg.as_ref();
        match (own, pkg) {
            (Some(o), Some(p)) => Meta {
                id: o.id.clone().or_else(|| p.id.clone()),
                severity: o.severity.or(p.severity),
                title: o.title.clone().or_else(|| p.title.clone()),
                description: o.description.clone().or_else(|| p.description.clone()),
                remediation: o.remediation.clone().or_else(|| p.remediation.clone()),
                related: if o.related.is_empty() { p.related.clone() } else { o.related.clone() },
                custom: o.custom.clone(),
            },
            (Some(o), None) => o.clone(),
            (None, Some(p)) => p.clone(),
            (None, None) => Meta::default(),
        }
    }

    /// Evaluates every target over `input` (in parallel) and the exception rules.
    /// Returns findings and the exception values.
    pub(crate) fn evaluate(&self, input: &regorus::Value) -> Result<(Vec<Finding>, Vec<Json>), Vec<InputError>> {
        let results: Vec<Result<Vec<Finding>, InputError>> = self
            .targets
            .par_iter()
            .map_init(
                || {
                    let mut engine = self.engine.clone();
                    engine.set_input(input.clone());
                    engine
                },
                |engine, target| self.evaluate_target(engine, target),
            )
            .collect();
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(f) => findings.extend(f),
                Err(e) => errors.push(e),
            }
        }
        let mut exceptions = Vec::new();
        if !self.exception_rules.is_empty() {
            let mut engine = self.engine.clone();
            engine.set_input(input.clone());
            for rule in &self.exception_rules {
                match engine.eval_rule(rule.clone()) {
                    Ok(value) => exceptions.extend(values_of(&value)),
                    Err(e) => errors.push(policy_error(rule, &e.to_string(), InputErrorKind::Evaluation)),
                }
            }
        }
        if errors.is_empty() { Ok((findings, exceptions)) } else { Err(errors) }
    }

    fn evaluate_target(&self, engine: &mut regorus::Engine, target: &Target) -> Result<Vec<Finding>, InputError> {
        let path = format!("data.{}.{}", target.package, target.rule);
        let value = engine.eval_rule(path.clone()).map_err(|e| {
            let mut err = policy_error(&target.file, &e.to_string(), InputErrorKind::Evaluation);
            if err.line.is_none() {
                err.line = Some(target.line);
            }
            err.message = format!("rule `{path}` failed: {}", err.message);
            err
        })?;
        let meta = self.meta_for(&target.package, &target.rule);
        let default_severity = match target.kind {
            FindingKind::Deny => Severity::High,
            FindingKind::Warn => Severity::Low,
        };
        let mut findings = Vec::new();
        for item in values_of(&value) {
            let finding = match item {
                Json::String(message) => Finding {
                    rule: meta.id.clone().unwrap_or_else(|| format!("{}.{}", target.package, target.rule)),
                    severity: meta.severity.unwrap_or(default_severity),
                    message,
                    node: None,
                    path: None,
                    file: None,
                    line: None,
                    pointer: None,
                    backend: Backend::Rego,
                    policy: path.clone(),
                    kind: target.kind,
                    waiver: None,
                },
                Json::Object(map) => {
                    let text = |k: &str| map.get(k).and_then(Json::as_str).map(str::to_owned);
                    let severity = match text("severity") {
                        Some(s) => s.parse::<Severity>().map_err(|m| {
                            InputError::new(
                                &target.file,
                                Some(target.line),
                                "",
                                InputErrorKind::Evaluation,
                                format!("rule `{path}` produced a finding with {m}"),
                            )
                        })?,
                        None => meta.severity.unwrap_or(default_severity),
                    };
                    Finding {
                        rule: text("rule")
                            .or_else(|| text("id"))
                            .or_else(|| meta.id.clone())
                            .unwrap_or_else(|| format!("{}.{}", target.package, target.rule)),
                        severity,
                        message: text("message")
                            .or_else(|| text("msg"))
                            .unwrap_or_else(|| meta.title.clone().unwrap_or_default()),
                        node: text("node"),
                        path: text("path"),
                        file: None,
                        line: None,
                        pointer: None,
                        backend: Backend::Rego,
                        policy: path.clone(),
                        kind: target.kind,
                        waiver: None,
                    }
                }
                other => {
                    return Err(InputError::new(
                        &target.file,
                        Some(target.line),
                        "",
                        InputErrorKind::Evaluation,
                        format!("rule `{path}` produced {}, expected a string or an object", describe(&other)),
                    ));
                }
            };
            findings.push(finding);
        }
        Ok(findings)
    }
}

fn describe(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// The members of a rule's value: a set or array gives its items; undefined gives none; any
/// other value is itself.
fn values_of(value: &regorus::Value) -> Vec<Json> {
    if *value == regorus::Value::Undefined {
        return Vec::new();
    }
    match serde_json::to_value(value) {
        Ok(Json::Array(items)) => items,
        Ok(Json::Null) => Vec::new(),
        Ok(other) => vec![other],
        Err(_) => Vec::new(),
    }
}

fn read_meta(value: &Json) -> Meta {
    let custom = value.get("custom").cloned().unwrap_or(Json::Null);
    let text = |v: Option<&Json>| v.and_then(Json::as_str).map(str::to_owned);
    Meta {
        id: text(custom.get("id")),
        severity: text(custom.get("severity")).and_then(|s| s.parse().ok()),
        title: text(value.get("title")),
        description: text(value.get("description")),
        remediation: text(custom.get("remediation")),
        related: value
            .get("related_resources")
            .and_then(Json::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.get("ref").and_then(Json::as_str).or_else(|| i.as_str()).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        custom,
    }
}

fn first_line(message: &str) -> String {
    message.lines().find(|l| !l.trim().is_empty()).unwrap_or(message).trim().to_owned()
}

/// Turns a regorus error (which renders as `error: msg` plus `--> file:line:col` and a caret
/// snippet) into a one-line input error with the location split out.
pub(crate) fn policy_error(default_file: &str, message: &str, kind: InputErrorKind) -> InputError {
    let mut file = default_file.to_owned();
    let mut line = None;
    let mut column = None;
    let mut text = None;
    for l in message.lines() {
        let t = l.trim();
        if let Some(location) = t.strip_prefix("--> ") {
            let mut parts = location.rsplitn(3, ':');
            let col = parts.next().and_then(|c| c.parse::<u32>().ok());
            let ln = parts.next().and_then(|c| c.parse::<u32>().ok());
            if let (Some(c), Some(n), Some(f)) = (col, ln, parts.next()) {
                file = f.to_owned();
                line = Some(n);
                column = Some(c);
            }
        } else if let Some(m) = t.strip_prefix("error: ") {
            text.get_or_insert_with(|| m.to_owned());
        }
    }
    let message = text.unwrap_or_else(|| first_line(message));
    let mut err = InputError::new(file, line, "", kind, message);
    if let Some(c) = column {
        err = err.with_column(c);
    }
    err
}

/// Stops the whole evaluation when a rule loops: regorus reports the limit as an error.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_rule_names() {
        assert_eq!(is_failure_rule("deny"), Some(FindingKind::Deny));
        assert_eq!(is_failure_rule("deny_http_endpoint"), Some(FindingKind::Deny));
        assert_eq!(is_failure_rule("violation"), Some(FindingKind::Deny));
        assert_eq!(is_failure_rule("warn_x1"), Some(FindingKind::Warn));
        assert_eq!(is_failure_rule("denyx"), None);
        assert_eq!(is_failure_rule("deny_"), None);
        assert_eq!(is_failure_rule("allow"), None);
    }

    #[test]
    fn regorus_errors_become_one_line_with_location() {
        let raw = "\n--> policies/x.rego:7:12\n  |\n7 | deny contains x if {\n  |            ^\nerror: var x is unsafe";
        let err = policy_error("fallback", raw, InputErrorKind::Policy);
        assert_eq!(err.to_string(), "policies/x.rego:7:12: var x is unsafe");
    }
}
