//! `stepguard eval` with the built-in bundle over every file of the shared corpus: each file is
//! read on its own, and evaluation must succeed on everything that ingests. Files may fail to
//! ingest only for a reason the corpus itself explains (invalid on purpose, a definition file
//! the flattened corpus does not carry, YAML that only lenient parsers accept); anything else is
//! a failure. Prints the counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use stepguard::{Bundle, EngineOptions, EvalOptions, IngestOptions, PolicyEngine};

/// Templates whose flow-style YAML (a `{` mapping closed left of its key) CloudFormation and
/// PyYAML accept but yaml-rust2 rejects as "invalid indentation".
const LENIENT_YAML: &[&str] = &["sam__app-order-management__template.yaml"];

fn expected_failure(path: &Path, message: &str) -> Option<&'static str> {
    let name = path.file_name().unwrap().to_string_lossy();
    let folder = path.parent().unwrap().file_name().unwrap().to_string_lossy();
    if folder == "cfn" && name.contains("error_") {
        return Some("invalid SAM on purpose");
    }
    if message.contains("cannot read `") && message.contains("No such file") {
        return Some("definition file not in the corpus");
    }
    if LENIENT_YAML.iter().any(|f| name == *f) || message.contains("invalid indentation") {
        return Some("lenient YAML");
    }
    if message.contains("duplicate key") {
        return Some("duplicate key");
    }
    None
}

#[test]
fn eval_over_the_corpus_completes() {
    let Some(corpus) = common::corpus() else { return };
    let engine = PolicyEngine::new(vec![Bundle::builtin().unwrap()], &EngineOptions::default()).unwrap();
    let mut files = Vec::new();
    for source in std::fs::read_dir(&corpus).unwrap() {
        let source = source.unwrap().path();
        for kind in ["asl", "cfn", "tf", "iam", "scp", "rcp"] {
            let dir = source.join(kind);
            if let Ok(entries) = std::fs::read_dir(&dir) {
                files.extend(entries.map(|e| e.unwrap().path()));
            }
        }
    }
    files.sort();
    let mut evaluated = 0usize;
    let mut findings = 0usize;
    let mut expected: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexpected = Vec::new();
    for file in &files {
        match stepguard::graph(&[file], &IngestOptions::default()) {
            Ok(graph) => match engine.evaluate(&graph, &EvalOptions::default()) {
                Ok(decision) => {
                    evaluated += 1;
                    findings += decision.findings.len();
                }
                Err(e) => unexpected.push(format!("{}: evaluation failed: {e}", file.display())),
            },
            Err(e) => {
                let message = e.to_string();
                match expected_failure(file, &message) {
                    Some(reason) => *expected.entry(reason).or_default() += 1,
                    None => unexpected.push(message),
                }
            }
        }
    }
    println!(
        "corpus eval: {} files, {evaluated} evaluated, {findings} findings; not ingested: {expected:?}",
        files.len()
    );
    assert!(unexpected.is_empty(), "unexpected failures:\n{}", unexpected.join("\n"));
    assert!(evaluated > 500, "only {evaluated} files evaluated");
}
