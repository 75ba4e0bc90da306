//! Every CloudFormation/SAM template of the shared corpus ingests, and every state machine in
//! it is found with its definition and role.
//!
//! The expectations are computed here, independently of the reader: templates are parsed with
//! `serde_json` or this file's own small YAML converter (short-form tags become long form),
//! their `Resources` are scanned for state machines, and each machine's definition source and
//! role reference are classified. Templates are fed to the library under their original
//! repository paths (from `MANIFEST.tsv`), together with the local definition files they name,
//! so `DefinitionUri` resolves the way it does in the original project.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    unreachable_pub,
    reason = "test helpers outside `#[test]` functions fail loudly on purpose; the shared helpers are `pub` for every test crate"
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};
use stepguard::{Document, IngestOptions};
use yaml_rust2::parser::{Event, Parser};

const STATE_MACHINE_TYPES: &[&str] = &["AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"];

#[derive(Default, Debug)]
struct Counts {
    templates: usize,
    invalid_templates: usize,
    invalid_rejected: usize,
    machines: usize,
    with_definition: usize,
    remote_definition: usize,
    role_linked: usize,
    role_external: usize,
    no_definition: usize,
    definition_file_absent: Vec<String>,
    yaml_rejected: Vec<String>,
}

#[test]
fn corpus_templates_ingest_with_their_state_machines() {
    let Some(corpus) = common::corpus() else { return };
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    let mut sources: Vec<_> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).collect();
    sources.sort();
    for source in sources {
        if !source.join("cfn").is_dir() {
            continue;
        }
        let manifest = read_manifest(&source);
        let mut files: Vec<_> = std::fs::read_dir(source.join("cfn")).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            check_template(&source, &file, &manifest, &mut counts, &mut failures);
        }
    }
    println!("cloudformation corpus: {counts:?}");
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
    assert!(counts.templates > 0 && counts.machines > 0);
}

/// `cfn/x.yaml` → original repository path, and original path → local file for definitions.
struct Manifest {
    original: BTreeMap<String, String>,
    local: BTreeMap<String, String>,
}

fn read_manifest(source: &Path) -> Manifest {
    let text = std::fs::read_to_string(source.join("MANIFEST.tsv")).unwrap();
    let mut original = BTreeMap::new();
    let mut local = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, path, kind, note) = (cols[0], cols[2], cols[5], cols.get(6).copied().unwrap_or(""));
        if kind == "cfn" {
            original.insert(file.to_owned(), path.to_owned());
        } else if kind == "asl" && !note.starts_with("extracted") {
            local.insert(path.to_owned(), file.to_owned());
        }
    }
    Manifest { original, local }
}

fn check_template(source: &Path, file: &Path, manifest: &Manifest, counts: &mut Counts, failures: &mut Vec<String>) {
    let local_name = format!("cfn/{}", file.file_name().unwrap().to_str().unwrap());
    let name = manifest.original.get(&local_name).cloned().unwrap_or(local_name.clone());
    let text = std::fs::read_to_string(file).unwrap();
    let template = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).unwrap()
    } else {
        match yaml_to_json(&text) {
            Ok(t) => t,
            Err(e) => {
                // Strict YAML (the parser both this test and the library use) rejects a few
                // templates that CloudFormation's lenient parser accepts; the library must then
                // name the place.
                counts.yaml_rejected.push(format!("{name} ({e})"));
                match stepguard::graph_from_documents(&[Document::new(&name, &text)], &IngestOptions::default()) {
                    Err(err)
                        if err
                            .input_errors()
                            .iter()
                            .any(|i| i.kind() == stepguard::InputErrorKind::Syntax && i.line().is_some()) => {}
                    other => failures.push(format!("{name}: not YAML, but the library gave {other:?}")),
                }
                return;
            }
        }
    };
    let resources = template.get("Resources").and_then(Value::as_object).cloned().unwrap_or_default();
    let dir = Path::new(&name).parent().unwrap().to_str().unwrap().to_owned();
    let mut documents = vec![Document::new(&name, &text)];
    let mut absent = Vec::new();
    for res in resources.values() {
        let props = &res["Properties"];
        for key in ["DefinitionUri", "DefinitionS3Location"] {
            if let Some(path) = props[key].as_str().filter(|p| !p.starts_with("s3://")) {
                let original = normalize(&format!("{dir}/{path}"));
                match manifest.local.get(&original) {
                    Some(local) => {
                        let definition = std::fs::read_to_string(source.join(local)).unwrap();
                        documents.push(Document::new(original, definition));
                    }
                    None => absent.push(path.to_owned()),
                }
            }
        }
    }
    let result = stepguard::graph_from_documents(&documents, &IngestOptions::default());
    // A definition file the template names but the corpus does not hold (the original project
    // relied on a case-insensitive file system, or the file was not published): the library
    // must say which file it could not read.
    if !absent.is_empty() && !name.contains("error_") {
        let named = result.as_ref().err().is_some_and(|e| {
            absent.iter().all(|p| {
                e.input_errors()
                    .iter()
                    .any(|i| i.kind() == stepguard::InputErrorKind::Io && i.message().contains(p.as_str()))
            })
        });
        if !named {
            failures
                .push(format!("{name}: missing definition files {absent:?} not reported: {:?}", result.as_ref().err()));
        }
        counts.definition_file_absent.push(format!("{name}: {absent:?}"));
        return;
    }
    if let Err(e) = &result
        && e.input_errors().iter().all(|i| i.kind() == stepguard::InputErrorKind::Syntax && i.line().is_some())
    {
        counts.yaml_rejected.push(e.to_string());
        return;
    }
    let invalid_on_purpose = source.ends_with("serverless-application-model") && name.contains("error_");
    if invalid_on_purpose {
        counts.invalid_templates += 1;
        // SAM's translator refuses these; the library must refuse them too, saying where.
        match &result {
            Err(e) => {
                assert!(e.input_errors().iter().all(|i| i.line().is_some() && !i.pointer().is_empty()), "{name}: {e}");
                counts.invalid_rejected += 1;
            }
            Ok(_) => failures.push(format!("{name}: invalid on purpose, but read without an error")),
        }
        return;
    }
    counts.templates += 1;
    let graph = match result {
        Ok(graph) => graph,
        Err(e) => {
            failures.push(format!("{name}: {e}"));
            return;
        }
    };
    for (logical, res) in &resources {
        let Some(kind) = res["Type"].as_str().filter(|t| STATE_MACHINE_TYPES.contains(t)) else { continue };
        counts.machines += 1;
        let id = format!("{name}#{logical}");
        let Some(machine) = graph.state_machines.get(&id) else {
            failures.push(format!("{id}: state machine not found"));
            continue;
        };
        let props = &res["Properties"];
        let sam = kind == "AWS::Serverless::StateMachine";
        let remote = if sam {
            props.get("Definition").is_none() && props["DefinitionUri"].as_str().is_none_or(|p| p.starts_with("s3://"))
        } else {
            props.get("DefinitionS3Location").is_some() && !props["DefinitionS3Location"].is_string()
        };
        if remote {
            counts.remote_definition += 1;
            let noted = graph
                .diagnostics
                .iter()
                .any(|d| d.code == "CFN_DEFINITION_NOT_LOCAL" && d.node.as_deref() == Some(id.as_str()));
            if machine.has_definition || !noted {
                failures.push(format!("{id}: remote definition not reported"));
            }
        } else if ["Definition", "DefinitionString", "DefinitionUri", "DefinitionS3Location"]
            .iter()
            .all(|k| props.get(k).is_none())
        {
            counts.no_definition += 1;
            let noted = graph
                .diagnostics
                .iter()
                .any(|d| d.code == "CFN_DEFINITION_MISSING" && d.node.as_deref() == Some(id.as_str()));
            if machine.has_definition || !noted {
                failures.push(format!("{id}: missing definition not reported"));
            }
        } else if machine.has_definition {
            counts.with_definition += 1;
            if let Some(states) = props["Definition"]["States"].as_object()
                && states.len() != machine.states.len()
            {
                failures.push(format!("{id}: {} states, the template has {}", machine.states.len(), states.len()));
            }
        } else {
            failures.push(format!("{id}: definition not read (has_definition={})", machine.has_definition));
        }
        let role_key = if sam { "Role" } else { "RoleArn" };
        let expected_role = match props.get(role_key) {
            None if sam => Some(format!("{logical}Role")),
            Some(role) => template_role(role, &resources),
            None => None,
        };
        match expected_role {
            Some(role) => {
                let want = format!("{name}#{role}");
                if machine.role.as_deref() == Some(want.as_str()) && graph.roles.contains_key(&want) {
                    counts.role_linked += 1;
                } else {
                    failures.push(format!("{id}: role should be {want}, is {:?}", machine.role));
                }
            }
            None => {
                counts.role_external += 1;
                if machine.role_arn.is_none() && props.get(role_key).is_some() {
                    failures.push(format!("{id}: role ARN lost"));
                }
            }
        }
    }
}

/// The template role a `Role`/`RoleArn` value names by `Ref` or `Fn::GetAtt`.
fn template_role(value: &Value, resources: &Map<String, Value>) -> Option<String> {
    let logical = if let Some(r) = value.get("Ref") {
        r.as_str()?.to_owned()
    } else if let Some(a) = value.get("Fn::GetAtt") {
        match a {
            Value::String(s) => s.split_once('.')?.0.to_owned(),
            Value::Array(items) if items.get(1) == Some(&json!("Arn")) => items[0].as_str()?.to_owned(),
            _ => return None,
        }
    } else {
        return None;
    };
    (resources.get(&logical)?["Type"] == "AWS::IAM::Role").then_some(logical)
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// A minimal YAML → JSON conversion for scanning templates: scalars stay strings (enough to
/// read types and names), short-form tags become CloudFormation's long form.
fn yaml_to_json(text: &str) -> Result<Value, yaml_rust2::ScanError> {
    enum Frame {
        Seq(Vec<Value>, Option<String>),
        Map(Map<String, Value>, Option<String>, Option<String>),
    }
    fn tagged(value: Value, tag: Option<String>) -> Value {
        match tag.as_deref() {
            None => value,
            Some("Ref") => json!({"Ref": value}),
            Some("GetAtt") => match value {
                Value::String(s) => {
                    let (r, a) = s.split_once('.').unwrap();
                    json!({"Fn::GetAtt": [r, a]})
                }
                other => json!({"Fn::GetAtt": other}),
            },
            Some(t) => json!({ format!("Fn::{t}"): value }),
        }
    }
    let local_tag = |tag: Option<yaml_rust2::parser::Tag>| tag.filter(|t| t.handle == "!").map(|t| t.suffix);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: BTreeMap<usize, Value> = BTreeMap::new();
    loop {
        let (event, _) = parser.next_token()?;
        let (value, anchor) = match event {
            Event::StreamEnd => break,
            Event::SequenceStart(a, tag) => {
                stack.push(Frame::Seq(Vec::new(), local_tag(tag)));
                let _ = a;
                continue;
            }
            Event::MappingStart(_, tag) => {
                stack.push(Frame::Map(Map::new(), None, local_tag(tag)));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, tag)) => (tagged(Value::Array(items), tag), 0),
                _ => panic!("unbalanced"),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(map, _, tag)) => (tagged(Value::Object(map), tag), 0),
                _ => panic!("unbalanced"),
            },
            Event::Scalar(s, _, anchor, tag) => (tagged(Value::String(s), local_tag(tag)), anchor),
            Event::Alias(id) => (anchors.get(&id).cloned().unwrap_or(Value::Null), 0),
            _ => continue,
        };
        if anchor > 0 {
            anchors.insert(anchor, value.clone());
        }
        match stack.last_mut() {
            None => return Ok(value),
            Some(Frame::Seq(items, _)) => items.push(value),
            Some(Frame::Map(map, key, _)) => match key.take() {
                None => *key = Some(value.as_str().unwrap_or_default().to_owned()),
                Some(k) => {
                    map.insert(k, value);
                }
            },
        }
    }
    Ok(Value::Null)
}
