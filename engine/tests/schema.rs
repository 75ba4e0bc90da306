//! The shipped JSON Schema of the fact graph matches the code, and real graphs validate
//! against it: the sample, every golden graph, and the corpus.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::path::Path;

fn schema_path() -> std::path::PathBuf {
    common::repo_root().join("docs/fact-graph.schema.json")
}

#[test]
fn shipped_schema_is_the_generated_one() {
    let generated = format!("{}\n", serde_json::to_string_pretty(&stepguard::graph_schema()).unwrap());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(schema_path(), &generated).unwrap();
    }
    let shipped = std::fs::read_to_string(schema_path()).unwrap();
    assert!(shipped == generated, "docs/fact-graph.schema.json is out of date: run with UPDATE_GOLDEN=1");
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, name: &str, graph: &serde_json::Value) {
    let errors: Vec<String> =
        validator.iter_errors(graph).take(5).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{name} does not match the schema:\n{}", errors.join("\n"));
}

#[test]
fn sample_and_golden_graphs_validate() {
    let validator = validator();
    let sample: serde_json::Value = serde_json::from_str(&common::graph_json(&["testdata/sample"]).unwrap()).unwrap();
    assert_valid(&validator, "testdata/sample", &sample);
    let golden = common::repo_root().join("testdata/golden");
    let mut checked = 0;
    for entry in walk(&golden) {
        if entry.extension().is_some_and(|e| e == "json") {
            let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&entry).unwrap()).unwrap();
            if value.get("schema_version").is_some() {
                assert_valid(&validator, &entry.display().to_string(), &value);
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "expected golden graphs, found {checked}");
}

#[test]
fn schema_rejects_a_graph_with_the_wrong_shape() {
    let validator = validator();
    let mut graph: serde_json::Value =
        serde_json::from_str(&common::graph_json(&["testdata/sample"]).unwrap()).unwrap();
    graph["state_machines"].as_object_mut().unwrap().values_mut().next().unwrap()["type"] = serde_json::json!(7);
    assert!(!validator.is_valid(&graph));
    let mut graph: serde_json::Value =
        serde_json::from_str(&common::graph_json(&["testdata/sample"]).unwrap()).unwrap();
    graph["unexpected"] = serde_json::json!(true);
    assert!(!validator.is_valid(&graph));
}

#[test]
fn corpus_graphs_validate() {
    let Some(corpus) = common::corpus() else { return };
    let validator = validator();
    let mut checked = 0;
    for source in std::fs::read_dir(&corpus).unwrap() {
        let source = source.unwrap().path();
        for kind in ["asl", "iam", "scp", "tf"] {
            let dir = source.join(kind);
            if !dir.is_dir() {
                continue;
            }
            if let Ok(graph) = stepguard::graph(&[&dir], &stepguard::IngestOptions::default()) {
                assert_valid(&validator, &dir.display().to_string(), &graph.to_value());
                checked += 1;
            }
        }
    }
    println!("corpus graphs validated: {checked}");
    assert!(checked > 0);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}
