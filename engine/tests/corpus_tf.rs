//! The Terraform files of the shared third-party corpus (`../shared/corpus/*/tf/`): every file
//! ingests; every state machine either has its definition read or says why not; definitions
//! and policies that the corpus also extracted by hand (`asl/`, `iam/` files whose manifest
//! note says "Terraform heredoc") match what stepguard read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a failed expectation is a failed test"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use stepguard::{Document, FactGraph, IngestOptions};

/// One manifest row: the local file, the path in its source repository, its kind and note.
struct Row {
    local: String,
    path: String,
    kind: String,
    note: String,
}

fn manifest(folder: &Path) -> Vec<Row> {
    let Ok(text) = std::fs::read_to_string(folder.join("MANIFEST.tsv")) else { return Vec::new() };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Some(Row {
                local: (*cols.first()?).to_owned(),
                path: (*cols.get(2)?).to_owned(),
                kind: (*cols.get(5)?).to_owned(),
                note: cols.get(6).copied().unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

fn read_tf(folder: &Path, local: &str) -> (String, FactGraph) {
    let name = format!("{}/{local}", folder.file_name().unwrap().to_string_lossy());
    let text = std::fs::read_to_string(folder.join(local)).unwrap();
    let graph = stepguard::graph_from_documents(&[Document::new(&name, text)], &IngestOptions::default())
        .unwrap_or_else(|e| panic!("{name} does not ingest:\n{e}"));
    (name, graph)
}

/// Names of every state in a definition, nested ones included.
fn state_names(definition: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut stack = vec![definition];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(states)) = map.get("States") {
                    names.extend(states.keys().cloned());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    names
}

/// Each statement's actions, as the policy reader normalizes them (always a list).
fn actions(document: &Value) -> Vec<Value> {
    let statements = match document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    };
    statements
        .iter()
        .map(|s| match s.get("Action") {
            Some(Value::Array(a)) => Value::Array(a.clone()),
            Some(one) => Value::Array(vec![one.clone()]),
            None => Value::Null,
        })
        .collect()
}

#[test]
fn corpus_terraform_files_ingest_and_match_extracted_documents() {
    let Some(corpus) = common::corpus() else { return };
    let mut folders: Vec<_> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).collect();
    folders.sort();
    let (mut files, mut machines, mut literal, mut not_evaluable, mut policies, mut checked) = (0, 0, 0, 0, 0, 0);
    for folder in folders.iter().filter(|f| f.join("tf").is_dir()) {
        let rows = manifest(folder);
        let mut by_path: BTreeMap<&str, (String, FactGraph)> = BTreeMap::new();
        for row in rows.iter().filter(|r| r.kind == "tf") {
            let (name, graph) = read_tf(folder, &row.local);
            files += 1;
            policies += graph.policies.len();
            for (id, machine) in &graph.state_machines {
                machines += 1;
                assert_eq!(machine.origin, "terraform-hcl");
                assert!(machine.source.line > 0, "{id} has no line");
                let reason =
                    graph.diagnostics.iter().find(|d| d.code == "TF_NOT_EVALUABLE" && d.node.as_deref() == Some(id));
                if machine.has_definition {
                    literal += 1;
                    assert!(!machine.states.is_empty(), "{id}: a read definition has states");
                    assert!(reason.is_none(), "{id}: read and not evaluable at once");
                } else {
                    not_evaluable += 1;
                    let reason = reason.unwrap_or_else(|| panic!("{id}: no definition and no TF_NOT_EVALUABLE"));
                    assert_eq!(reason.source.file, name);
                    assert!(reason.source.line > 0);
                }
            }
            for state in graph.states.values() {
                assert!(state.source.line > 0, "{} has no line", state.id);
            }
            by_path.insert(row.path.as_str(), (name, graph));
        }
        // The corpus extracted some heredocs by hand; the same documents must come out here.
        for row in rows.iter().filter(|r| r.note.contains("Terraform heredoc")) {
            let Some((name, graph)) = by_path.get(row.path.as_str()) else { continue };
            let extracted: Value =
                serde_json::from_str(&std::fs::read_to_string(folder.join(&row.local)).unwrap()).unwrap();
            match row.kind.as_str() {
                "asl" => {
                    let expected = state_names(&extracted);
                    let found = graph.state_machines.values().any(|m| {
                        let names: BTreeSet<String> =
                            graph.states.values().filter(|s| s.state_machine == m.id).map(|s| s.name.clone()).collect();
                        names == expected
                    });
                    assert!(found, "{name}: no state machine has the states of {}: {expected:?}", row.local);
                }
                "iam" => {
                    let expected = actions(&extracted);
                    let found = graph.policies.values().any(|p| {
                        p.statements.iter().map(|s| Value::Array(s.action.clone())).collect::<Vec<_>>() == expected
                    });
                    assert!(found, "{name}: no policy has the statements of {}", row.local);
                }
                _ => continue,
            }
            checked += 1;
        }
    }
    println!(
        "terraform corpus: {files} files, {machines} state machines ({literal} literal, {not_evaluable} not evaluable), \
         {policies} policies, {checked} hand-extracted documents matched"
    );
    assert!(files > 0, "the corpus has Terraform folders but no files were read");
}
