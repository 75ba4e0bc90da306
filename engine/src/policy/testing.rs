//! Policy unit tests, as `opa test` runs them, plus Cedar test cases.
//!
//! Rego: every rule named `test_*` in a `*_test.rego` module is evaluated (tests use `with`
//! to mock `input` and `data`); it passes only when its value is `true`. `todo_*` rules are
//! skipped. Coverage per policy file comes from regorus.
//!
//! Cedar: a `*.cedartest.json` file holds cases, each a set of input documents (inline, or
//! paths relative to the test file) and the rule ids the bundle's Cedar policies must report
//! (`expect`) and must not report (`absent`):
//!
//! ```json
//! {"cases": [{"name": "logging off is reported",
//!             "documents": {"m.asl.json": {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}},
//!             "expect": ["LOG001"], "absent": ["TMO001"]}]}
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use serde_json::Value as Json;

use super::bundle::{self, Bundle, PolicyFile};
use super::cedar::CedarBackend;
use super::rego::{RegoBackend, RegoOptions};
use crate::error::{Error, InputError, InputErrorKind};
use crate::ingest::{Document, IngestOptions};

/// Options for a test run.
// CAUTION: publicly exported
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Only run tests whose name (`package.rule` or Cedar `file#case`) contains a match of
    /// this regular expression.
    pub run: Option<String>,
    /// Collect Rego coverage.
    pub coverage: bool,
    /// Time limit for one test.
    pub timeout: Option<std::time::Duration>,
}

/// How a test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TestOutcome {
    /// The rule was `true` / the expected findings were reported.
    Pass,
    /// The rule was `false` or undefined / findings differed.
    Fail,
    /// The test raised an error.
    Error,
    /// A `todo_` test.
    Skip,
}

/// One test and its outcome.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestCase {
    /// `data.package.test_rule`, or `file#case name` for Cedar.
    pub name: String,
    /// File of the test.
    pub file: String,
    /// Line of the test rule (Rego).
    pub line: Option<u32>,
    /// Outcome.
    pub outcome: TestOutcome,
    /// Why it failed, when it did.
    pub message: Option<String>,
}

/// Coverage of one policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCoverage {
    /// The policy file.
    pub file: String,
    /// Lines evaluated.
    pub covered: usize,
    /// Lines that could have been evaluated.
    pub total: usize,
    /// Line numbers never evaluated.
    pub not_covered: Vec<u32>,
}

/// The result of a test run.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestReport {
    /// Every test, in run order.
    pub cases: Vec<TestCase>,
    /// Rego coverage per non-test policy file, when requested.
    pub coverage: Option<Vec<FileCoverage>>,
}

impl TestReport {
    /// Tests that passed.
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.outcome == TestOutcome::Pass).count()
    }
    /// Tests that failed or errored.
    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|c| matches!(c.outcome, TestOutcome::Fail | TestOutcome::Error)).count()
    }
    /// `todo_` tests.
    pub fn skipped(&self) -> usize {
        self.cases.iter().filter(|c| c.outcome == TestOutcome::Skip).count()
    }
    /// Covered lines over coverable lines across all files, in percent.
    pub fn coverage_percent(&self) -> Option<f64> {
        let files = self.coverage.as_ref()?;
        let total: usize = files.iter().map(|f| f.total).sum();
        let covered: usize = files.iter().map(|f| f.covered).sum();
        #[expect(clippy::cast_precision_loss, reason = "line counts are far below 2^52")]
        Some(if total == 0 { 100.0 } else { covered as f64 * 100.0 / total as f64 })
    }
}

/// Runs the tests of `bundles` (each bundle's policies, data and tests are loaded together, as
/// `opa test` does with the folders it is given).
///
/// ```
/// let bundle = stepguard::Bundle::from_files("b", vec![
///     ("p.rego".into(), "package stepguard.p\n\ndeny contains \"x\" if input.x\n".into()),
///     ("p_test.rego".into(), "package stepguard.p_test\n\nimport data.stepguard.p\n\ntest_x if { p.deny == {\"x\"} with input as {\"x\": true} }\n".into()),
/// ])?;
/// let report = stepguard::run_tests(&[bundle], &stepguard::TestOptions::default())?;
/// assert_eq!((report.passed(), report.failed()), (1, 0));
/// # Ok::<(), stepguard::Error>(())
/// ```
pub fn run_tests(bundles: &[Bundle], options: &TestOptions) -> Result<TestReport, Error> {
    let filter = match &options.run {
        Some(pattern) => Some(regex::Regex::new(pattern).map_err(|e| {
            Error::Input(vec![InputError::new(
                "--run",
                None,
                "",
                InputErrorKind::Config,
                format!("invalid regular expression: {e}"),
            )])
        })?),
        None => None,
    };
    let selected = |name: &str| filter.as_ref().is_none_or(|re| re.is_match(name));
    bundle::check_overlaps(bundles)?;
    let data = bundle::merged_data(bundles, &[])?;
    let rego_options = RegoOptions {
        namespaces: vec![String::new()],
        timeout: options.timeout.unwrap_or(super::rego::DEFAULT_TIMEOUT),
        with_tests: true,
    };
    let backend = RegoBackend::new(bundles, &data, &rego_options).map_err(Error::Input)?;
    let mut engine = backend.engine();
    engine.set_enable_coverage(options.coverage);
    let mut cases = Vec::new();
    for module in bundles.iter().flat_map(|b| b.rego_tests.iter()) {
        let Some(package) = &module.scan.package else { continue };
        let mut seen = BTreeSet::new();
        for head in &module.scan.rules {
            let is_test = head.name.starts_with("test_");
            let is_todo = head.name.starts_with("todo_");
            if !(is_test || is_todo) || !seen.insert(head.name.clone()) {
                continue;
            }
            let name = format!("data.{package}.{}", head.name);
            if !selected(&name) {
                continue;
            }
            let (outcome, message) = if is_todo {
                (TestOutcome::Skip, None)
            } else {
                match engine.eval_rule(name.clone()) {
                    Ok(v) if v == regorus::Value::from(true) => (TestOutcome::Pass, None),
                    Ok(regorus::Value::Undefined) => {
                        (TestOutcome::Fail, Some("undefined (a condition in the test body did not hold)".to_owned()))
                    }
                    Ok(v) => (
                        TestOutcome::Fail,
                        Some(format!("evaluated to {}, expected true", v.to_json_str().unwrap_or_default())),
                    ),
                    Err(e) => {
                        let err =
                            super::rego::policy_error(&module.file.path, &e.to_string(), InputErrorKind::Evaluation);
                        (TestOutcome::Error, Some(err.to_string()))
                    }
                }
            };
            cases.push(TestCase { name, file: module.file.path.clone(), line: Some(head.line), outcome, message });
        }
    }
    let coverage = if options.coverage { Some(coverage_of(&engine, bundles)?) } else { None };
    for b in bundles {
        for file in &b.cedar_tests {
            cases.extend(run_cedar_file(b, file, &selected)?);
        }
    }
    Ok(TestReport { cases, coverage })
}

fn coverage_of(engine: &regorus::Engine, bundles: &[Bundle]) -> Result<Vec<FileCoverage>, Error> {
    let report = engine.get_coverage_report().map_err(|e| {
        Error::Input(vec![InputError::new("coverage", None, "", InputErrorKind::Evaluation, e.to_string())])
    })?;
    let policy_files: BTreeSet<&str> =
        bundles.iter().flat_map(|b| b.rego.iter().map(|m| m.file.path.as_str())).collect();
    let mut out: Vec<FileCoverage> = report
        .files
        .iter()
        .filter(|f| policy_files.contains(f.path.as_str()))
        .map(|f| FileCoverage {
            file: f.path.clone(),
            covered: f.covered.len(),
            total: f.covered.len() + f.not_covered.len(),
            not_covered: f.not_covered.iter().copied().collect(),
        })
        .collect();
    out.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(out)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CedarTestFile {
    cases: Vec<CedarCase>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CedarCase {
    name: String,
    #[serde(default)]
    documents: serde_json::Map<String, Json>,
    #[serde(default)]
    inputs: Vec<String>,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
}

fn run_cedar_file(bundle: &Bundle, file: &PolicyFile, selected: &dyn Fn(&str) -> bool) -> Result<Vec<TestCase>, Error> {
    let parsed: CedarTestFile = serde_json::from_str(&file.text).map_err(|e| {
        Error::Input(vec![InputError::new(
            &file.path,
            u32::try_from(e.line()).ok(),
            "",
            InputErrorKind::Bundle,
            format!("invalid Cedar test file: {e}"),
        )])
    })?;
    let backend = CedarBackend::new(std::slice::from_ref(bundle)).map_err(Error::Input)?;
    let dir = Path::new(&file.path).parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for case in parsed.cases {
        let name = format!("{}#{}", file.path, case.name);
        if !selected(&name) {
            continue;
        }
        let result = (|| -> Result<Vec<String>, Error> {
            let mut documents: Vec<Document> = case
                .documents
                .iter()
                .map(|(n, v)| Document::new(n.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect();
            for input in &case.inputs {
                let path = dir.join(input);
                let text = std::fs::read_to_string(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
                documents.push(Document::new(path.display().to_string().replace('\\', "/"), text));
            }
            let graph = crate::ingest::ingest_documents(&documents, &IngestOptions::default())?;
            let findings = match &backend {
                Some(b) => b.evaluate(&graph).map_err(Error::Input)?,
                None => Vec::new(),
            };
            Ok(findings.into_iter().map(|f| f.rule).collect())
        })();
        let (outcome, message) = match result {
            Ok(rules) => {
                let reported: BTreeSet<&str> = rules.iter().map(String::as_str).collect();
                let missing: Vec<&str> =
                    case.expect.iter().map(String::as_str).filter(|r| !reported.contains(r)).collect();
                let unexpected: Vec<&str> =
                    case.absent.iter().map(String::as_str).filter(|r| reported.contains(r)).collect();
                if missing.is_empty() && unexpected.is_empty() {
                    (TestOutcome::Pass, None)
                } else {
                    let mut why = Vec::new();
                    if !missing.is_empty() {
                        why.push(format!("expected {} but it was not reported", missing.join(", ")));
                    }
                    if !unexpected.is_empty() {
                        why.push(format!("{} was reported but must not be", unexpected.join(", ")));
                    }
                    (TestOutcome::Fail, Some(why.join("; ")))
                }
            }
            Err(e) => (TestOutcome::Error, Some(e.to_string())),
        };
        out.push(TestCase { name, file: file.path.clone(), line: None, outcome, message });
    }
    Ok(out)
}
