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
