//! Amazon States Language structure checks, driven by fixtures:
//! - `testdata/asl/bad/<CODE>__<case>.*` must each raise a diagnostic with `<CODE>`;
//! - `testdata/asl/good/*` must raise no diagnostic at all;
//! - every code in `docs/diagnostics.md` has a bad fixture;
//! - golden graphs pin the normalized output of representative definitions.
#![allow(clippy::unwrap_used, reason = "fixture helpers outside `#[test]` functions fail the test on bad fixtures")]

mod common;

use std::path::PathBuf;

use stepguard::{DiagnosticSeverity, Document, FactGraph, IngestOptions};

/// Files in `testdata/<dir>`, sorted, as (name relative to the repository root, text).
fn fixtures(dir: &str) -> Vec<(String, String)> {
    let root = common::repo_root();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("testdata").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap();
            (name, text)
        })
        .collect()
}

fn ingest(name: &str, text: &str) -> Result<FactGraph, stepguard::Error> {
    stepguard::graph_from_documents(&[Document::new(name, text)], &IngestOptions::default())
}

fn summary(graph: &FactGraph) -> String {
    graph.diagnostics.iter().map(|d| format!("  {} {}", d.code, d.message)).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_bad_fixture_raises_the_code_in_its_name() {
    let bad = fixtures("asl/bad");
    assert!(bad.len() >= 27, "expected a bad fixture per code, found {}", bad.len());
    for (name, text) in bad {
        let file = name.rsplit('/').next().unwrap();
        let code = file.split("__").next().unwrap();
        let graph = ingest(&name, &text).unwrap_or_else(|e| panic!("{name} did not ingest: {e}"));
        assert!(
            graph.diagnostics.iter().any(|d| d.code == code),
            "{name} should raise {code}, got:\n{}",
            summary(&graph)
        );
    }
}

#[test]
fn good_fixtures_raise_nothing() {
    let good = fixtures("asl/good");
    assert!(good.len() >= 5);
    for (name, text) in good {
        let graph = ingest(&name, &text).unwrap_or_else(|e| panic!("{name} did not ingest: {e}"));
        assert!(!graph.state_machines.is_empty(), "{name} was not read as a state machine");
        assert!(graph.diagnostics.is_empty(), "{name} should be clean, got:\n{}", summary(&graph));
    }
}

#[test]
fn every_documented_code_has_a_bad_fixture() {
    let docs = std::fs::read_to_string(common::repo_root().join("docs/diagnostics.md")).unwrap();
    let documented: Vec<&str> =
        docs.lines().filter_map(|l| l.strip_prefix("## ")).filter(|h| h.starts_with("ASL_")).collect();
    assert!(documented.len() >= 27, "docs list {} codes", documented.len());
    let bad: Vec<String> = fixtures("asl/bad").into_iter().map(|(n, _)| n).collect();
    for code in documented {
        assert!(bad.iter().any(|n| n.contains(&format!("/{code}__"))), "no bad fixture for {code}");
    }
}

#[test]
fn golden_jsonpath_definition() {
    let json = common::graph_json(&["testdata/asl/good/order-pipeline.asl.json"]).unwrap();
    common::check_golden("golden/asl/order-pipeline.json", &json);
}

#[test]
fn golden_jsonata_definition() {
    let json = common::graph_json(&["testdata/asl/good/jsonata-workflow.asl.json"]).unwrap();
    common::check_golden("golden/asl/jsonata-workflow.json", &json);
}

#[test]
fn golden_nested_parallel_and_map_definition() {
    let json = common::graph_json(&["testdata/asl/good/nested-scopes.asl.json"]).unwrap();
    common::check_golden("golden/asl/nested-scopes.json", &json);
}

#[test]
fn golden_broken_definition_diagnostics() {
    let json = common::graph_json(&["testdata/asl/broken.asl.json"]).unwrap();
    common::check_golden("golden/asl/broken.json", &json);
}

#[test]
fn golden_describe_output() {
    let json = common::graph_json(&["testdata/describe/fulfilment.json"]).unwrap();
    common::check_golden("golden/describe/fulfilment.json", &json);
}

#[test]
fn diagnostics_name_the_state_and_point_at_the_field() {
    let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Pass\",\n      \"InputPath\": \"nope\",\n      \"End\": true\n    }\n  }\n}\n";
    let graph = ingest("wf.asl.json", text).unwrap();
    let d = graph.diagnostics.iter().find(|d| d.code == "ASL_INVALID_PATH").unwrap();
    assert_eq!(d.severity, DiagnosticSeverity::Error);
    assert_eq!(d.node.as_deref(), Some("wf.asl.json/state/A"));
    assert_eq!(d.source.pointer, "/States/A/InputPath");
    assert_eq!(d.source.line, 6);
    assert_eq!(d.message, "`InputPath` is not a valid path: a path must start with `$`");
}

#[test]
fn transitions_resolve_within_their_own_branch() {
    // `First -> Second` inside the branch resolves in the branch; the top-level `Step` cannot
    // see the branch's `Second`.
    let text = r#"{"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Next": "Step", "Branches": [
            {"StartAt": "First", "States": {"First": {"Type": "Pass", "Next": "Second"}, "Second": {"Type": "Succeed"}}}
        ]},
        "Step": {"Type": "Pass", "Next": "Second"}
    }}"#;
    let graph = ingest("scopes.asl.json", text).unwrap();
    let unknown: Vec<_> = graph.diagnostics.iter().filter(|d| d.code == "ASL_UNKNOWN_TARGET").collect();
    assert_eq!(unknown.len(), 1, "{}", summary(&graph));
    assert_eq!(unknown[0].source.pointer, "/States/Step/Next");
    assert!(unknown[0].message.contains("cannot cross into or out of a Parallel branch"));
}

#[test]
fn warnings_are_for_legal_but_doubtful_shapes() {
    let text = r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 2,
        "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "Parameters": {"v": "{% $x %}"}, "End": true}}},
        "End": true}}}"#;
    let graph = ingest("warn.asl.json", text).unwrap();
    let codes: Vec<(&str, DiagnosticSeverity)> =
        graph.diagnostics.iter().map(|d| (d.code.as_str(), d.severity)).collect();
    assert!(codes.contains(&("ASL_MAP", DiagnosticSeverity::Warning)), "{codes:?}");
    assert!(codes.contains(&("ASL_QUERY_LANGUAGE_MIXED", DiagnosticSeverity::Warning)), "{codes:?}");
    assert!(codes.iter().all(|(_, s)| *s == DiagnosticSeverity::Warning), "{codes:?}");
}

#[test]
fn hostile_shapes_never_panic() {
    let documents = [
        r#"{"StartAt": 1, "States": []}"#,
        r#"{"StartAt": "A", "States": {"A": []}}"#,
        r#"{"StartAt": "A", "States": {"A": {"Type": 7}}}"#,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": {"x": 1}}}}"#,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [1, [], {"And": 5, "Next": 3}]}}}"#,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Parallel", "Branches": [1, {"States": 2}], "End": true}}}"#,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Map", "ItemProcessor": [], "Iterator": "x", "End": true}}}"#,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": null, "Retry": {}, "Catch": [null], "End": 1}}}"#,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"a.$": {"b.$": []}}, "End": true}}}"#,
        r#"{"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Pass", "Output": "{% ((((( %}", "End": true}}}"#,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x.$": "States.Format(States.Array(States.Array("}, "End": true}}}"#,
        r#"{"StartAt": "", "States": {"": {"Type": "Wait", "Seconds": -1, "Timestamp": 3, "End": true}}}"#,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": {}, "CausePath": 1}}}"#,
        r#"{"StartAt": "A", "QueryLanguage": "Python", "States": {"A": {"Type": "Succeed", "QueryLanguage": []}}}"#,
    ];
    for (i, text) in documents.iter().enumerate() {
        let graph = ingest(&format!("hostile-{i}.asl.json"), text).unwrap();
        assert!(!graph.diagnostics.is_empty(), "hostile document {i} raised nothing");
    }
}

#[test]
fn deeply_nested_parallels_are_checked_without_overflow() {
    // 45 levels of Parallel: about 180 levels of JSON, just under the parser's limit.
    let mut inner = r#"{"StartAt": "L45", "States": {"L45": {"Type": "Pass", "Next": "Nowhere"}}}"#.to_owned();
    for level in (1..45).rev() {
        inner = format!(
            r#"{{"StartAt": "L{level}", "States": {{"L{level}": {{"Type": "Parallel", "End": true, "Branches": [{inner}]}}}}}}"#
        );
    }
    let text = format!(r#"{{"Comment": "deep", {}"#, inner.strip_prefix('{').unwrap());
    let graph = ingest("deep.asl.json", &text).unwrap();
    assert_eq!(graph.states.len(), 45);
    let d = graph.diagnostics.iter().find(|d| d.code == "ASL_UNKNOWN_TARGET").unwrap();
    assert_eq!(d.node.as_deref(), Some("deep.asl.json/state/L45"));
}
