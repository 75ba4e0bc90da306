//! Policy bundles and their evaluation over the fact graph.
//!
//! A [`PolicyEngine`] is built once from [`Bundle`]s (Rego on regorus, Cedar on cedar-policy)
//! and can evaluate many graphs, from many threads: it is `Send + Sync` and evaluation takes
//! `&self`. Evaluation gives a [`Decision`]: findings located at their file, line and JSON
//! pointer, waivers applied, and allow or deny against a severity threshold.

mod builtins;
mod bundle;
mod cedar;
mod config;
mod finding;
mod redact;
mod rego;
mod rego_scan;
pub(crate) mod testing;

use std::time::Duration;

use serde_json::Value as Json;

pub use bundle::Bundle;
pub use config::{Config, Waiver};
pub use finding::{AppliedWaiver, Backend, Decision, Finding, FindingKind, Severity, Summary, Verdict};
pub use testing::{FileCoverage, TestCase, TestOptions, TestOutcome, TestReport, run_tests};

use crate::error::{Error, InputError, InputErrorKind};
use crate::model::{FactGraph, SourceRef};

/// Options fixed when an engine is built.
// CAUTION: publicly exported
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Rego package prefixes whose `deny`/`warn`/`violation` rules are evaluated.
    pub namespaces: Vec<String>,
    /// Time limit for one rule's evaluation.
    pub timeout: Duration,
    /// Extra data documents merged into `data`: `(name for messages, value)`.
    pub data: Vec<(String, Json)>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self { namespaces: vec!["stepguard.".to_owned()], timeout: rego::DEFAULT_TIMEOUT, data: Vec::new() }
    }
}

/// Options for one evaluation.
// CAUTION: publicly exported
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Severity at or above which an unwaived finding makes the decision deny.
    pub fail_on: Severity,
    /// Waivers from `stepguard.toml` (inline waivers in the inputs are always read).
    pub waivers: Vec<Waiver>,
    /// The date waivers' expiry is checked against (today when `None`).
    pub today: Option<chrono::NaiveDate>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self { fail_on: Severity::High, waivers: Vec::new(), today: None }
    }
}

/// Rule metadata for listings (`stepguard rules`) and reports (SARIF rules).
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct RuleInfo {
    /// Stable id (`IAM001`), or `package.rule` when the policy gives none.
    pub id: String,
    /// Default severity.
    pub severity: Severity,
    /// One-line title.
    pub title: String,
    /// Longer description.
    pub description: Option<String>,
    /// How to fix it.
    pub remediation: Option<String>,
    /// Links to documentation.
    pub related: Vec<String>,
    /// `rego` or `cedar`.
    pub backend: Backend,
    /// Where the rule is defined (`data.stepguard.rules.iam.deny`, or the Cedar policy id).
    pub policy: String,
    /// File of the rule.
    pub file: String,
}

/// Bundles loaded and compiled, ready to evaluate graphs.
///
/// ```
/// let graph = stepguard::graph_from_documents(
///     &[stepguard::Document::new("m.asl.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#)],
///     &stepguard::IngestOptions::default(),
/// )?;
/// let policy = r#"package stepguard.custom
///
/// deny contains {"rule": "CUSTOM1", "message": "machine has no comment", "node": m.id} if {
///     some m in input.state_machines
///     m.comment == null
/// }
/// "#;
/// let bundle = stepguard::Bundle::from_files("mine", vec![("custom.rego".into(), policy.into())])?;
/// let engine = stepguard::PolicyEngine::new(vec![bundle], &stepguard::EngineOptions::default())?;
/// let decision = engine.evaluate(&graph, &stepguard::EvalOptions::default())?;
/// assert_eq!(decision.decision, stepguard::Verdict::Deny);
/// assert_eq!(decision.findings[0].rule, "CUSTOM1");
/// assert_eq!(decision.findings[0].file.as_deref(), Some("m.asl.json"));
/// # Ok::<(), stepguard::Error>(())
/// ```
#[derive(Clone)]
pub struct PolicyEngine {
    bundles: Vec<Bundle>,
    rego: rego::RegoBackend,
    cedar: Option<cedar::CedarBackend>,
    redactor: redact::Redactor,
}

impl std::fmt::Debug for PolicyEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyEngine")
            .field("bundles", &self.bundles.iter().map(Bundle::name).collect::<Vec<_>>())
            .field("rego_rules", &self.rego.targets.len())
            .field("cedar", &self.cedar.is_some())
            .finish()
    }
}

impl PolicyEngine {
    /// Compiles bundles. Overlapping roots, Rego syntax errors and Cedar policies that do not
    /// validate against the schema are errors naming file and line.
    pub fn new(bundles: Vec<Bundle>, options: &EngineOptions) -> Result<Self, Error> {
        bundle::check_overlaps(&bundles)?;
        let data = bundle::merged_data(&bundles, &options.data)?;
        let rego_options =
            rego::RegoOptions { namespaces: options.namespaces.clone(), timeout: options.timeout, with_tests: false };
        let rego = rego::RegoBackend::new(&bundles, &data, &rego_options).map_err(Error::Input)?;
        let cedar = cedar::CedarBackend::new(&bundles).map_err(Error::Input)?;
        let redactor = redact::Redactor::from_data(&data).map_err(|e| Error::Input(vec![e]))?;
        Ok(Self { bundles, rego, cedar, redactor })
    }

    /// The loaded bundles.
    pub fn bundles(&self) -> &[Bundle] {
        &self.bundles
    }

    /// `text` with values that look like secrets or personal data (per the loaded bundles'
    /// `secret_patterns`, `pii_patterns` and `secret_field_names`) replaced by `[redacted]`.
    /// Use it on anything quoted from the inputs, such as source lines in a report.
    ///
    /// ```
    /// let engine = stepguard::PolicyEngine::new(vec![stepguard::Bundle::builtin()?], &Default::default())?;
    /// assert_eq!(engine.redact(r#""Password": "hunter2""#), r#""Password": "[redacted]""#);
    /// # Ok::<(), stepguard::Error>(())
    /// ```
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    /// Every rule the engine evaluates, sorted by id.
    pub fn rules(&self) -> Vec<RuleInfo> {
        let mut out: Vec<RuleInfo> = Vec::new();
        for target in &self.rego.targets {
            let meta = self.rego.meta_for(&target.package, &target.rule);
            let default = match target.kind {
                FindingKind::Deny => Severity::High,
                FindingKind::Warn => Severity::Low,
            };
            out.push(RuleInfo {
                id: meta.id.clone().unwrap_or_else(|| format!("{}.{}", target.package, target.rule)),
                severity: meta.severity.unwrap_or(default),
                title: meta.title.clone().unwrap_or_default(),
                description: meta.description.clone(),
                remediation: meta.remediation.clone(),
                related: meta.related.clone(),
                backend: Backend::Rego,
                policy: format!("data.{}.{}", target.package, target.rule),
                file: target.file.clone(),
            });
        }
        if let Some(cedar) = &self.cedar {
            out.extend(cedar.rules());
        }
        out.sort();
        out
    }

    /// Evaluates every policy over `graph` and decides.
    pub fn evaluate(&self, graph: &FactGraph, options: &EvalOptions) -> Result<Decision, Error> {
        let input = regorus::Value::from(graph.to_value());
        let (mut findings, exceptions) = self.rego.evaluate(&input).map_err(Error::Input)?;
        if let Some(cedar) = &self.cedar {
            findings.extend(cedar.evaluate(graph).map_err(Error::Input)?);
        }
        for f in &mut findings {
            locate(f, graph);
            // A rule may quote a value from the inputs; secrets never leave in a message.
            f.message = self.redactor.redact(&f.message);
        }
        let mut waivers = options.waivers.clone();
        waivers.extend(config::inline_waivers(graph)?);
        waivers.extend(exception_waivers(&exceptions)?);
        let today = options.today.unwrap_or_else(|| chrono::Local::now().date_naive());
        let notes = config::apply_waivers(&mut findings, &waivers, today);
        Ok(Decision::from_findings(findings, options.fail_on, notes, graph.state_machines.len(), graph.sources.len()))
    }
}

/// Rego `exception` values: a rule id string, or `{"rule", "node"?, "reason"?}`.
fn exception_waivers(values: &[Json]) -> Result<Vec<Waiver>, Error> {
    let mut out = Vec::new();
    for v in values {
        let (rule, node, reason) = match v {
            Json::String(rule) => (rule.clone(), None, None),
            Json::Array(rules) => {
                for r in rules.iter().filter_map(Json::as_str) {
                    out.push(Waiver {
                        rule: r.to_owned(),
                        node: None,
                        reason: "Rego exception".to_owned(),
                        expires: None,
                        source: "rego exception".to_owned(),
                    });
                }
                continue;
            }
            Json::Object(map) => (
                map.get("rule").and_then(Json::as_str).unwrap_or_default().to_owned(),
                map.get("node").and_then(Json::as_str).map(str::to_owned),
                map.get("reason").and_then(Json::as_str).map(str::to_owned),
            ),
            _ => continue,
        };
        if rule.is_empty() {
            return Err(Error::Input(vec![InputError::new(
                "rego exception",
                None,
                "",
                InputErrorKind::Evaluation,
                "an `exception` object has no `rule`",
            )]));
        }
        out.push(Waiver {
            rule,
            node,
            reason: reason.unwrap_or_else(|| "Rego exception".to_owned()),
            expires: None,
            source: "rego exception".to_owned(),
        });
    }
    Ok(out)
}

/// Fills a finding's file, line and pointer from its node's source; a `path` of
/// `/statements/N` inside a policy points at that statement.
fn locate(finding: &mut Finding, graph: &FactGraph) {
    let Some(node) = finding.node.as_deref() else { return };
    let source: Option<&SourceRef> = graph
        .state_machines
        .get(node)
        .map(|m| &m.source)
        .or_else(|| graph.states.get(node).map(|s| &s.source))
        .or_else(|| graph.roles.get(node).map(|r| &r.source))
        .or_else(|| {
            graph.policies.get(node).map(|p| {
                let statement = finding
                    .path
                    .as_deref()
                    .and_then(|path| path.strip_prefix("/statements/"))
                    .and_then(|rest| rest.split('/').next())
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| p.statements.get(i));
                statement.map_or(&p.source, |s| &s.source)
            })
        })
        .or_else(|| graph.resources.get(node).map(|r| &r.source))
        .or_else(|| graph.organization.ous.get(node).map(|o| &o.source))
        .or_else(|| graph.organization.accounts.get(node).map(|a| &a.source));
    if let Some(source) = source {
        finding.file = Some(source.file.clone());
        finding.line = (source.line > 0).then_some(source.line);
        finding.pointer = Some(source.pointer.clone());
    }
}
