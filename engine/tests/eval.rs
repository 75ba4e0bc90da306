//! The policy engine with real Rego and Cedar policies: conventions, metadata, waivers,
//! failure paths (fail closed), and every output format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use stepguard::{
    Backend, Bundle, Config, Document, EngineOptions, EvalOptions, Format, IngestOptions, PolicyEngine, Report,
    Severity, Verdict,
};

const MACHINE: &str = r#"{
  "Comment": "two tasks",
  "StartAt": "Fetch",
  "States": {
    "Fetch": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "fetch"}, "Next": "Store"},
    "Store": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "TimeoutSeconds": 10,
              "Parameters": {"TableName": "t", "Item": {}}, "End": true}
  }
}"#;

fn graph() -> stepguard::FactGraph {
    stepguard::graph_from_documents(&[Document::new("flow.asl.json", MACHINE)], &IngestOptions::default()).unwrap()
}

fn bundle(files: &[(&str, &str)]) -> Bundle {
    Bundle::from_files("test-bundle", files.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()).unwrap()
}

fn engine(files: &[(&str, &str)]) -> PolicyEngine {
    PolicyEngine::new(vec![bundle(files)], &EngineOptions::default()).unwrap()
}

const TIMEOUT_RULE: &str = r#"# METADATA
# title: Robustness checks
package stepguard.test.timeouts

import rego.v1

# METADATA
# title: Tasks need timeouts
# custom:
#   id: T001
#   severity: medium
#   remediation: Set TimeoutSeconds.
deny contains {"message": sprintf("Task `%s` has no timeout", [s.name]), "node": s.id} if {
	some s in input.states
	s.type == "Task"
	s.timeout_seconds == null
}

warn_comment contains "machines should say what they do" if {
	some m in input.state_machines
	m.comment == null
}
"#;

#[test]
fn rego_findings_take_ids_and_severity_from_metadata_and_point_at_the_place() {
    let decision = engine(&[("timeouts.rego", TIMEOUT_RULE)]).evaluate(&graph(), &EvalOptions::default()).unwrap();
    assert_eq!(decision.findings.len(), 1, "{:?}", decision.findings);
    let f = &decision.findings[0];
    assert_eq!(f.rule, "T001");
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.message, "Task `Fetch` has no timeout");
    assert_eq!(f.node.as_deref(), Some("flow.asl.json/state/Fetch"));
    assert_eq!(
        (f.file.as_deref(), f.line, f.pointer.as_deref()),
        (Some("flow.asl.json"), Some(5), Some("/States/Fetch"))
    );
    assert_eq!(f.backend, Backend::Rego);
    // Medium is below the default threshold (high): allow; at medium: deny.
    assert_eq!(decision.decision, Verdict::Allow);
    let strict = EvalOptions { fail_on: Severity::Medium, ..EvalOptions::default() };
    let decision = engine(&[("timeouts.rego", TIMEOUT_RULE)]).evaluate(&graph(), &strict).unwrap();
    assert_eq!(decision.decision, Verdict::Deny);
}

#[test]
fn rules_listing_reads_metadata() {
    let rules = engine(&[("timeouts.rego", TIMEOUT_RULE)]).rules();
    let t = rules.iter().find(|r| r.id == "T001").unwrap();
    assert_eq!(t.title, "Tasks need timeouts");
    assert_eq!(t.remediation.as_deref(), Some("Set TimeoutSeconds."));
    // A warn rule without metadata gets a package-derived id and a low default severity.
    let w = rules.iter().find(|r| r.policy.ends_with("warn_comment")).unwrap();
    assert_eq!(w.id, "stepguard.test.timeouts.warn_comment");
    assert_eq!(w.severity, Severity::Low);
    // A package-level id names the rule of a single-rule package.
    let single = "# METADATA\n# title: One rule\n# custom:\n#   id: P001\n#   severity: critical\npackage stepguard.test.single\n\nimport rego.v1\n\ndeny contains \"x\" if false\n";
    let rules = engine(&[("single.rego", single)]).rules();
    assert_eq!(
        (rules[0].id.as_str(), rules[0].severity, rules[0].title.as_str()),
        ("P001", Severity::Critical, "One rule")
    );
}

#[test]
fn exceptions_and_config_waivers_silence_findings() {
    let exception = r#"package stepguard.test.exceptions

import rego.v1

exception contains {"rule": "T001", "node": "flow.asl.json/state/Fetch", "reason": "fetch is idempotent"} if true
"#;
    let e = engine(&[("timeouts.rego", TIMEOUT_RULE), ("exceptions.rego", exception)]);
    let options = EvalOptions { fail_on: Severity::Info, ..EvalOptions::default() };
    let decision = e.evaluate(&graph(), &options).unwrap();
    assert!(decision.findings.is_empty(), "{:?}", decision.findings);
    assert_eq!(decision.waived.len(), 1);
    assert_eq!(decision.waived[0].waiver.as_ref().unwrap().reason, "fetch is idempotent");
    assert_eq!(decision.decision, Verdict::Allow);

    let config = Config::from_toml(
        "stepguard.toml",
        "[[waivers]]\nrule = \"T001\"\nnode = \"flow.asl.json/*\"\nreason = \"accepted\"\nexpires = \"2026-01-31\"\n",
    )
    .unwrap();
    let e = engine(&[("timeouts.rego", TIMEOUT_RULE)]);
    let live = EvalOptions {
        fail_on: Severity::Medium,
        waivers: config.waivers.clone(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
    };
    assert_eq!(e.evaluate(&graph(), &live).unwrap().decision, Verdict::Allow);
    let expired = EvalOptions { today: chrono::NaiveDate::from_ymd_opt(2026, 2, 1), ..live };
    let decision = e.evaluate(&graph(), &expired).unwrap();
    assert_eq!(decision.decision, Verdict::Deny);
    assert!(decision.notes.iter().any(|n| n.contains("expired on 2026-01-31")), "{:?}", decision.notes);
}

#[test]
fn inline_tag_waivers_need_a_reason() {
    let describe = |tag: &str| {
        format!(
            r#"{{"stateMachineArn": "arn:aws:states:us-east-1:111122223333:stateMachine:flow", "name": "flow",
               "roleArn": "arn:aws:iam::111122223333:role/r", "type": "STANDARD",
               "definition": {definition}, "tags": [{{"key": "stepguard:ignore", "value": "{tag}"}}]}}"#,
            definition = serde_json::to_string(MACHINE).unwrap()
        )
    };
    let options = EvalOptions { fail_on: Severity::Medium, ..EvalOptions::default() };
    let e = engine(&[("timeouts.rego", TIMEOUT_RULE)]);
    let ok = stepguard::graph_from_documents(
        &[Document::new("d.json", describe("T001: fetch has its own timeout"))],
        &IngestOptions::default(),
    )
    .unwrap();
    let decision = e.evaluate(&ok, &options).unwrap();
    assert_eq!(decision.decision, Verdict::Allow, "{:?}", decision.findings);
    assert_eq!(decision.waived.len(), 1);
    let bad = stepguard::graph_from_documents(&[Document::new("d.json", describe("T001"))], &IngestOptions::default())
        .unwrap();
    let err = e.evaluate(&bad, &options).unwrap_err();
    assert!(err.to_string().contains("has no reason"), "{err}");
}

#[test]
fn rego_syntax_errors_name_file_and_line() {
    let broken = "package stepguard.broken\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := \n}\n";
    let err = PolicyEngine::new(vec![bundle(&[("broken.rego", broken)])], &EngineOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("test-bundle/broken.rego:"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn runtime_errors_fail_closed() {
    let conflict = r#"package stepguard.conflict

import rego.v1

x := 1 if true
x := 2 if true

deny contains "conflict" if x == 1
"#;
    let e = engine(&[("conflict.rego", conflict)]);
    let err = e.evaluate(&graph(), &EvalOptions::default()).unwrap_err();
    assert!(err.to_string().contains("data.stepguard.conflict.deny"), "{err}");
}

#[test]
fn a_runaway_rule_hits_the_time_limit() {
    let slow = r#"package stepguard.slow

import rego.v1

deny contains "slow" if {
	n := numbers.range(1, 3000)
	count([1 | some a in n; some b in n; a * b == 7]) > 100
}
"#;
    let options = EngineOptions { timeout: std::time::Duration::from_millis(50), ..EngineOptions::default() };
    let e = PolicyEngine::new(vec![bundle(&[("slow.rego", slow)])], &options).unwrap();
    let err = e.evaluate(&graph(), &EvalOptions::default()).unwrap_err();
    assert!(err.to_string().contains("time limit"), "{err}");
}

#[test]
fn results_of_the_wrong_shape_are_errors() {
    let numbers = "package stepguard.numbers\n\nimport rego.v1\n\ndeny contains 42 if true\n";
    let err = engine(&[("n.rego", numbers)]).evaluate(&graph(), &EvalOptions::default()).unwrap_err();
    assert!(err.to_string().contains("produced a number, expected a string or an object"), "{err}");
    let severity = "package stepguard.sev\n\nimport rego.v1\n\ndeny contains {\"message\": \"m\", \"severity\": \"dire\"} if true\n";
    let err = engine(&[("s.rego", severity)]).evaluate(&graph(), &EvalOptions::default()).unwrap_err();
    assert!(err.to_string().contains("unknown severity `dire`"), "{err}");
}

#[test]
fn overlapping_roots_are_an_error() {
    let a = bundle(&[(".manifest", r#"{"roots": ["stepguard/test"]}"#), ("a.rego", "package stepguard.test.a\n")]);
    let b = Bundle::from_files("other", vec![("b.rego".into(), "package stepguard.test.b\n".into())]).unwrap();
    let err = PolicyEngine::new(vec![a, b], &EngineOptions::default()).unwrap_err();
    assert!(err.to_string().contains("overlaps root `stepguard/test` of bundle `test-bundle`"), "{err}");
}

#[test]
fn custom_builtins_are_available_to_policies() {
    let policy = r#"package stepguard.test.builtins

import rego.v1

deny contains {"message": "lambda without a qualified ARN", "node": s.id} if {
	some s in input.states
	s.type == "Task"
	stepguard.glob_match("arn:aws:states:::lambda:*", s.resource)
	stepguard.arn.parse(s.parameters.FunctionName) == null
}
"#;
    let decision = engine(&[("b.rego", policy)]).evaluate(&graph(), &EvalOptions::default()).unwrap();
    assert_eq!(decision.findings.len(), 1);
    assert_eq!(decision.findings[0].node.as_deref(), Some("flow.asl.json/state/Fetch"));
}

const CEDAR_TIMEOUT: &str = r#"
@id("C001")
@severity("critical")
@message("Task `{name}` has no timeout")
forbid (principal, action == Stepguard::Action::"execute", resource)
when { principal.type == "Task" && !principal.has_timeout };

@id("C002")
@severity("low")
forbid (principal, action == Stepguard::Action::"deploy", resource)
when { principal.tracing_enabled == false };
"#;

#[test]
fn cedar_forbids_become_findings_with_annotations() {
    let decision = engine(&[("t.cedar", CEDAR_TIMEOUT)]).evaluate(&graph(), &EvalOptions::default()).unwrap();
    let rules: Vec<(&str, Severity, &str)> =
        decision.findings.iter().map(|f| (f.rule.as_str(), f.severity, f.message.as_str())).collect();
    assert!(rules.contains(&("C001", Severity::Critical, "Task `Fetch` has no timeout")), "{rules:?}");
    assert!(rules.iter().any(|(r, s, _)| *r == "C002" && *s == Severity::Low), "{rules:?}");
    assert_eq!(decision.decision, Verdict::Deny);
    let c001 = decision.findings.iter().find(|f| f.rule == "C001").unwrap();
    assert_eq!(c001.backend, Backend::Cedar);
    assert_eq!(c001.line, Some(5));
}

#[test]
fn cedar_policies_are_validated_against_the_schema() {
    let bad_attribute = "@id(\"C9\")\nforbid (principal, action == Stepguard::Action::\"deploy\", resource)\nwhen { principal.colour == \"red\" };\n";
    let err = PolicyEngine::new(vec![bundle(&[("bad.cedar", bad_attribute)])], &EngineOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("test-bundle/bad.cedar:3:"), "{text}");
    assert!(text.contains("does not validate against the schema"), "{text}");
    let syntax = "@id(\"C9\")\nforbid (principal, action, resource) when { principal. };\n";
    let err = PolicyEngine::new(vec![bundle(&[("syntax.cedar", syntax)])], &EngineOptions::default()).unwrap_err();
    assert!(err.to_string().contains("test-bundle/syntax.cedar:2:"), "{err}");
    let no_id = "forbid (principal, action, resource);\n";
    let err = PolicyEngine::new(vec![bundle(&[("noid.cedar", no_id)])], &EngineOptions::default()).unwrap_err();
    assert!(err.to_string().contains("has no `@id"), "{err}");
}

#[test]
fn a_rule_in_both_engines_reports_once() {
    let rego = r#"package stepguard.both

import rego.v1

deny contains {"rule": "C001", "message": "rego says so", "node": s.id, "severity": "critical"} if {
	some s in input.states
	s.type == "Task"
	s.timeout_seconds == null
}
"#;
    let decision =
        engine(&[("both.rego", rego), ("t.cedar", CEDAR_TIMEOUT)]).evaluate(&graph(), &EvalOptions::default()).unwrap();
    let c001: Vec<_> = decision.findings.iter().filter(|f| f.rule == "C001").collect();
    assert_eq!(c001.len(), 1, "{c001:?}");
    assert_eq!(c001[0].message, "rego says so");
}

#[test]
fn the_engine_is_shared_across_threads_with_identical_results() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PolicyEngine>();
    let e = std::sync::Arc::new(engine(&[("timeouts.rego", TIMEOUT_RULE), ("t.cedar", CEDAR_TIMEOUT)]));
    let single = e.evaluate(&graph(), &EvalOptions::default()).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let e = std::sync::Arc::clone(&e);
            std::thread::spawn(move || e.evaluate(&graph(), &EvalOptions::default()).unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), single);
    }
}

fn sample_decision() -> (stepguard::Decision, Vec<stepguard::RuleInfo>) {
    let bundle = Bundle::builtin().unwrap();
    let engine = PolicyEngine::new(vec![bundle], &EngineOptions::default()).unwrap();
    let root = common::repo_root();
    let _guard = common::CWD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    std::env::set_current_dir(&root).unwrap();
    let graph = stepguard::graph(&["testdata/sample"], &IngestOptions::default()).unwrap();
    let options = EvalOptions { today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23), ..EvalOptions::default() };
    (engine.evaluate(&graph, &options).unwrap(), engine.rules())
}

#[test]
fn golden_reports_of_the_sample_in_every_format() {
    let (decision, rules) = sample_decision();
    for format in Format::ALL {
        let report = Report::new(&decision, &rules).render(format);
        let ext = match format {
            Format::Json | Format::Sarif => "json",
            Format::Junit => "xml",
            Format::Markdown => "md",
            Format::Text | Format::Github => "txt",
        };
        let report = report.replace(env!("CARGO_PKG_VERSION"), "VERSION");
        common::check_golden(&format!("golden/eval/sample.{format}.{ext}"), &report);
    }
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let Some(schema) = sarif_schema() else { return };
    let validator = jsonschema::options().should_validate_formats(false).build(&schema).unwrap();
    let (decision, rules) = sample_decision();
    let sarif: serde_json::Value = serde_json::from_str(&Report::new(&decision, &rules).render(Format::Sarif)).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&sarif).take(5).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not match the schema:\n{}", errors.join("\n"));
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    // The check has teeth: a result without a message is rejected.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
    assert!(!validator.is_valid(&broken));
}

/// The SARIF 2.1.0 JSON schema, fetched from the npm registry (the `@microsoft/jest-sarif`
/// package ships it) into a temporary folder; never vendored.
fn sarif_schema() -> Option<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let pack = std::process::Command::new("npm")
        .args(["pack", "@microsoft/jest-sarif@1.0.0-beta.0", "--silent"])
        .current_dir(dir.path())
        .output();
    let Ok(pack) = pack else {
        eprintln!("note: npm is not available; skipping the SARIF schema check");
        return None;
    };
    if !pack.status.success() {
        assert!(std::env::var_os("CI").is_none(), "npm pack failed in CI: {}", String::from_utf8_lossy(&pack.stderr));
        eprintln!("note: npm pack failed; skipping the SARIF schema check");
        return None;
    }
    let tarball = String::from_utf8_lossy(&pack.stdout).trim().lines().last().unwrap_or_default().to_owned();
    let status = std::process::Command::new("tar")
        .args(["xzf", &tarball, "package/lib/schemas/sarif-2.1.0-rtm.5.json"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(dir.path().join("package/lib/schemas/sarif-2.1.0-rtm.5.json")).unwrap();
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The published schema's `language` patterns have a stray `]`, which a strict meta-schema
    // check rejects as an invalid regex; use the pattern they mean (we never emit `language`).
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        if language.is_string() {
            *language = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
        }
    }
    Some(schema)
}
