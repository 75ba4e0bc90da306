//! The `stepguard` binary as users run it: exit codes, stdout and stderr.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers fail loudly on broken fixtures")]

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn stepguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stepguard"))
        .args(args)
        .current_dir(common::repo_root())
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn graph_of_the_sample_succeeds_and_is_byte_identical_across_runs() {
    let first = stepguard(&["graph", "testdata/sample"]);
    assert_eq!(first.status.code(), Some(0), "stderr: {}", stderr(&first));
    let second = stepguard(&["graph", "testdata/sample"]);
    assert_eq!(first.stdout, second.stdout);
    let graph: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(graph["schema_version"], "1.0");
    assert!(graph["sources"].as_array().unwrap().len() >= 4);
}

#[test]
fn malformed_json_fails_closed_with_file_line_and_pointer() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.asl.json",
        "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\",, \"End\": true}\n  }\n}\n",
    );
    let file = dir.path().join("bad.asl.json");
    let out = stepguard(&["graph", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no graph on bad input");
    let err = stderr(&out);
    assert!(err.contains("bad.asl.json:4:"), "{err}");
    assert!(err.contains("at `/States/A`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn every_bad_file_is_reported_on_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.json", "{\"StartAt\": ");
    write(dir.path(), "b.yaml", "Resources:\n  X: [1, 2\n");
    write(dir.path(), "good.asl.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#);
    let out = stepguard(&["graph", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].contains("a.json:1:"), "{err}");
    assert!(lines[1].contains("b.yaml:"), "{err}");
}

#[test]
fn limits_are_enforced_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deep.json", &"[".repeat(10_000));
    let out = stepguard(&["graph", dir.path().join("deep.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nesting deeper than 200 levels"), "{}", stderr(&out));

    write(dir.path(), "big/m.asl.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#);
    let big = dir.path().join("big");
    let out = stepguard(&["graph", "--max-file-bytes", "10", big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("over the limit of 10 bytes"), "{}", stderr(&out));
}

#[test]
fn unrecognized_files_fail_when_named_and_are_listed_when_walked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "package.json", r#"{"name": "app", "version": "1.0.0"}"#);
    write(dir.path(), "m.asl.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#);
    let named = stepguard(&["graph", dir.path().join("package.json").to_str().unwrap()]);
    assert_eq!(named.status.code(), Some(2));
    assert!(stderr(&named).contains("not a state machine definition"), "{}", stderr(&named));

    let walked = stepguard(&["graph", dir.path().to_str().unwrap()]);
    assert_eq!(walked.status.code(), Some(0), "{}", stderr(&walked));
    let graph: serde_json::Value = serde_json::from_slice(&walked.stdout).unwrap();
    let kinds: Vec<&str> = graph["sources"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["asl", "unrecognized"]);
}

#[test]
fn globs_select_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "keep/m.asl.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#);
    write(dir.path(), "skip/broken.json", "{");
    let root = dir.path().to_str().unwrap();
    assert_eq!(stepguard(&["graph", root]).status.code(), Some(2));
    let out = stepguard(&["graph", "--exclude", "skip", root]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = stepguard(&["graph", "--include", "keep/**", root]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = stepguard(&["graph", "--include", "[", root]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid glob `[`"), "{}", stderr(&out));
}

#[test]
fn missing_paths_and_bad_usage_exit_2() {
    let out = stepguard(&["graph", "no/such/path"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read `no/such/path`"), "{}", stderr(&out));
    assert_eq!(stepguard(&["graph"]).status.code(), Some(2));
    assert_eq!(stepguard(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn help_documents_every_option() {
    let out = stepguard(&["graph", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    for option in ["--include", "--exclude", "--max-file-bytes", "--max-depth", "--compact"] {
        assert!(help.contains(option), "--help lacks {option}");
    }
    let top = String::from_utf8(stepguard(&["--help"]).stdout).unwrap();
    assert!(top.contains("Exit status: 0 success, 1 deny"), "{top}");
}

#[test]
fn eval_of_the_sample_reports_findings_with_places() {
    // The sample has real problems (wildcard grants, a trust policy without SourceArn): deny.
    let out = stepguard(&["eval", "testdata/sample"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("TMO001"), "{text}");
    assert!(text.contains("testdata/sample/statemachine/order.asl.json"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("deny: "), "{text}");
    let lenient = stepguard(&["eval", "testdata/sample", "--fail-on", "critical", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&lenient.stdout).unwrap();
    let critical = report["summary"]["by_severity"]["critical"].as_u64().unwrap();
    assert_eq!(lenient.status.code(), Some(if critical > 0 { 1 } else { 0 }));
    let strict = stepguard(&["eval", "testdata/sample", "--fail-on", "medium", "--format", "json"]);
    assert_eq!(strict.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(report["decision"], "deny");
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["file"].is_string() && f["line"].is_u64()));
}

#[test]
fn eval_never_reports_allow_on_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.asl.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#);
    write(dir.path(), "broken.yaml", "Resources: [\n");
    let out = stepguard(&["eval", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no report on bad input: {}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr(&out).contains("broken.yaml:"), "{}", stderr(&out));
}

#[test]
fn eval_with_a_user_bundle_config_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flows/m.asl.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#);
    write(
        dir.path(),
        "rules/names.rego",
        "package acme.names\n\nimport rego.v1\n\ndeny contains {\"rule\": \"ACME1\", \"message\": \"pass states are banned\", \"node\": s.id} if {\n\tsome s in input.states\n\ts.type == \"Pass\"\n}\n",
    );
    write(
        dir.path(),
        "stepguard.toml",
        "bundles = [\"rules\"]\nbuiltin = false\nnamespaces = [\"acme.\"]\n\n[[waivers]]\nrule = \"ACME1\"\nreason = \"migration in progress\"\nexpires = \"2020-01-01\"\n",
    );
    let config = dir.path().join("stepguard.toml");
    let sarif = dir.path().join("out.sarif");
    let out = stepguard(&[
        "eval",
        dir.path().join("flows").to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--format",
        "sarif",
        "--output",
        sarif.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(report["runs"][0]["results"][0]["ruleId"], "ACME1");
    assert_eq!(report["runs"][0]["properties"]["decision"], "deny");
}

#[test]
fn bad_config_and_bad_bundles_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "stepguard.toml", "[[waivers]]\nrule = \"X\"\n");
    let config = dir.path().join("stepguard.toml");
    let out = stepguard(&["eval", "testdata/sample", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("has no `reason`"), "{}", stderr(&out));
    write(dir.path(), "bundle/x.rego", "package acme.x\n\ndeny contains msg if {\n");
    let out = stepguard(&["eval", "testdata/sample", "--bundle", dir.path().join("bundle").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("x.rego:"), "{}", stderr(&out));
}

#[test]
fn rules_lists_the_builtin_rules() {
    let out = stepguard(&["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = rules.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"LOG001") && ids.contains(&"TMO001"), "{ids:?}");
}

#[test]
fn test_command_reports_failures_and_closes_with_counts() {
    let out = stepguard(&["test", "policies/stepguard", "--coverage", "--min-coverage", "90"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.trim_end().lines().last().unwrap().ends_with("passed, 0 failed"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.rego", "package acme.p\n\nimport rego.v1\n\ndeny contains \"x\" if input.x\n");
    write(
        dir.path(),
        "p_test.rego",
        "package acme.p\n\nimport rego.v1\n\ntest_passes if { deny == {\"x\"} with input as {\"x\": true} }\n\ntest_fails if { deny == {\"y\"} with input as {\"x\": true} }\n\ntodo_later if { false }\n",
    );
    let out = stepguard(&["test", dir.path().to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL data.acme.p.test_fails (") && text.contains("p_test.rego:7)"), "{text}");
    assert_eq!(text.lines().last().unwrap(), "1 passed, 1 failed, 1 skipped");
    let only = stepguard(&["test", dir.path().to_str().unwrap(), "--run", "test_passes"]);
    assert_eq!(String::from_utf8(only.stdout).unwrap().lines().last().unwrap(), "1 passed, 0 failed");
    let low = stepguard(&["test", dir.path().to_str().unwrap(), "--run", "test_passes", "--min-coverage", "101"]);
    assert_eq!(low.status.code(), Some(1));
}

#[test]
fn init_scaffolds_a_repository_that_passes_its_tests() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let out = stepguard(&["init", repo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for file in [
        "stepguard.toml",
        "policies/custom/ownership.rego",
        "policies/custom/ownership_test.rego",
        ".github/workflows/stepguard.yml",
    ] {
        assert!(repo.join(file).is_file(), "{file} missing");
    }
    let tests = stepguard(&["test", repo.join("policies/custom").to_str().unwrap()]);
    assert_eq!(tests.status.code(), Some(0), "{}", String::from_utf8_lossy(&tests.stdout));
    assert_eq!(String::from_utf8(tests.stdout).unwrap().lines().last().unwrap(), "2 passed, 0 failed");
    // The scaffolded config loads with the built-in bundle, and its rule fires on an untagged machine.
    write(&repo, "flows/m.asl.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#);
    let eval = stepguard(&[
        "eval",
        repo.join("flows").to_str().unwrap(),
        "--config",
        repo.join("stepguard.toml").to_str().unwrap(),
        "--fail-on",
        "medium",
    ]);
    assert_eq!(eval.status.code(), Some(1), "{}", stderr(&eval));
    assert!(String::from_utf8(eval.stdout).unwrap().contains("CUSTOM001"));
    let again = stepguard(&["init", repo.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("refusing to overwrite"), "{}", stderr(&again));
}
