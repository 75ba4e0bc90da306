//! # stepguard
//!
//! Policy-as-code for AWS Step Functions: reads state machines, their execution roles and the
//! organization's SCPs, normalizes them into one JSON [`FactGraph`], and (in later layers)
//! evaluates Rego and Cedar policy bundles over it.
//!
//! ```no_run
//! let graph = stepguard::graph(&["testdata/sample"], &stepguard::IngestOptions::default())?;
//! println!("{} state machines", graph.state_machines.len());
//! # Ok::<(), stepguard::Error>(())
//! ```
//!
//! IAM decisions: an [`Evaluator`] compiles a principal's policies (identity, boundary,
//! session, SCP chain) and a resource's policies (resource policy, RCPs) once, then decides
//! [`AccessRequest`]s the way AWS documents it, naming the deciding statements
//! (`docs/iam-evaluation.md`).
//!
//! ## Features
//! - `cli` (default): the `stepguard` binary and its dependencies (clap). Library users can
//!   turn it off with `default-features = false`.

mod analysis;
mod asl;
mod doc;
mod error;
mod iam;
mod ingest;
mod model;
mod policy;
mod report;

use std::path::{Path, PathBuf};

pub use analysis::{SuggestedPolicy, suggest_policy};
pub use doc::Limits;
pub use error::{Error, InputError, InputErrorKind};
pub use iam::{
    AccessDecision, AccessDecisionKind, AccessLevel, AccessRequest, AccessRequestError, ActionCatalogue, ActionInfo,
    Blocker, DecidingStatement, Effect, Evaluator, EvaluatorBuilder, PolicySource, ResourceType, ScpLevel,
    action_catalogue, parse_policy,
};
pub use ingest::{Document, IngestOptions};
pub use model::{
    Account, Attachment, Catcher, Check, Derived, Diagnostic, DiagnosticSeverity, Edge, EdgeKind, Encryption,
    FactGraph, Grant, HttpEndpoint, Integration, IntegrationKind, Logging, MachinePermissions, MapConfig, OrgUnit,
    Organization, PermissionDecision, Policy, PolicyKind, Principal, Requirement, RequirementCondition, Resource,
    Retrier, Role, RoleUsage, SCHEMA_VERSION, SourceFile, SourceRef, State, StateMachine, Statement, StatementRef,
    TaskPermissions, Tracing,
};
pub use policy::{
    AppliedWaiver, Backend, Bundle, Config, Decision, EngineOptions, EvalOptions, FileCoverage, Finding, FindingKind,
    PolicyEngine, RuleInfo, Severity, Summary, TestCase, TestOptions, TestOutcome, TestReport, Verdict, Waiver,
    run_tests,
};
pub use report::{Format, Report};

/// Reads files and folders into a fact graph.
///
/// Folders are walked (see [`IngestOptions`]); every file is recognized by its content. Any
/// unreadable input makes the whole call fail with [`Error::Input`], listing every problem.
pub fn graph<P: AsRef<Path>>(paths: &[P], options: &IngestOptions) -> Result<FactGraph, Error> {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
    ingest::ingest_paths(&paths, options)
}

/// Reads in-memory documents into a fact graph.
///
/// ```
/// let asl = r#"{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}"#;
/// let graph = stepguard::graph_from_documents(
///     &[stepguard::Document::new("hello.asl.json", asl)],
///     &stepguard::IngestOptions::default(),
/// )?;
/// assert!(graph.state_machines.contains_key("hello.asl.json"));
/// assert!(graph.states.contains_key("hello.asl.json/state/Done"));
/// # Ok::<(), stepguard::Error>(())
/// ```
pub fn graph_from_documents(documents: &[Document], options: &IngestOptions) -> Result<FactGraph, Error> {
    ingest::ingest_documents(documents, options)
}

/// Reads a JSON or YAML data file (for `--data`) as a JSON value.
pub fn read_data_file(path: impl AsRef<Path>) -> Result<serde_json::Value, Error> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    let display = path.display().to_string();
    let node = ingest::parse_text(&display, &text, &Limits::default()).map_err(|e| Error::Input(vec![e]))?;
    let value = node.to_json();
    if value.is_object() {
        Ok(value)
    } else {
        Err(Error::Input(vec![InputError::new(
            &display,
            Some(node.line),
            "",
            InputErrorKind::Bundle,
            "a data file must hold an object",
        )]))
    }
}

/// The JSON Schema (draft 2020-12) of the serialized [`FactGraph`], as shipped in
/// `docs/fact-graph.schema.json`.
///
/// ```
/// let schema = stepguard::graph_schema();
/// assert_eq!(schema["title"], "FactGraph");
/// ```
pub fn graph_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(FactGraph)).unwrap_or(serde_json::Value::Null)
}
