//! Real-world policy documents from the shared corpus (`../shared/corpus/*/{iam,scp,rcp}/`):
//! every one must ingest on its own, and every SCP and RCP must also read as one when a layout
//! names it. Skips with a note when the corpus is absent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]
#![allow(unreachable_pub, reason = "the helpers in `common` are `pub` for every test binary")]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use stepguard::{Document, IngestOptions, PolicyKind};

/// Corpus documents that are not valid IAM, with the reason. Each must fail with an error that
/// names the file, a line and a pointer. (None so far: every document in the corpus is valid.)
const EXPECTED_INVALID: &[(&str, &str)] = &[];

fn documents(corpus: &Path, kind: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for source in std::fs::read_dir(corpus).unwrap() {
        let dir = source.unwrap().path().join(kind);
        if dir.is_dir() {
            out.extend(std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()));
        }
    }
    out.sort();
    out
}

fn corpus_name(corpus: &Path, path: &Path) -> String {
    path.strip_prefix(corpus).unwrap().to_string_lossy().replace('\\', "/")
}

#[test]
fn every_corpus_policy_document_ingests() {
    let Some(corpus) = common::corpus() else { return };
    let mut counts: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut total = 0;
    let mut statements = 0;
    for kind in ["iam", "scp", "rcp"] {
        for path in documents(&corpus, kind) {
            total += 1;
            let name = corpus_name(&corpus, &path);
            let expected_invalid = EXPECTED_INVALID.iter().find(|(file, _)| *file == name);
            match (stepguard::graph(&[&path], &IngestOptions::default()), expected_invalid) {
                (Ok(g), None) => {
                    assert_eq!(g.policies.len(), 1, "{name}");
                    let policy = g.policies.values().next().unwrap();
                    *counts.entry((kind, format!("{:?}", policy.kind).to_lowercase())).or_default() += 1;
                    statements += policy.statements.len();
                }
                (Ok(_), Some((_, reason))) => {
                    failures.push(format!("{name}: accepted, but listed as invalid ({reason})"))
                }
                (Err(e), None) => failures.push(format!("{name}: {e}")),
                (Err(e), Some(_)) => {
                    for error in e.input_errors() {
                        assert!(error.line().is_some() && !error.pointer().is_empty(), "{name}: unclear error {error}");
                    }
                    *counts.entry((kind, "rejected".to_owned())).or_default() += 1;
                }
            }
        }
    }
    println!("corpus policy documents: {total} ({statements} statements)");
    for ((kind, policy_kind), n) in &counts {
        println!("  {kind}/ as {policy_kind}: {n}");
    }
    assert!(failures.is_empty(), "{} of {total} documents failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_corpus_scp_and_rcp_reads_as_one_when_a_layout_names_it() {
    let Some(corpus) = common::corpus() else { return };
    for (kind, type_name, policy_kind) in
        [("scp", "SERVICE_CONTROL_POLICY", PolicyKind::Scp), ("rcp", "RESOURCE_CONTROL_POLICY", PolicyKind::Rcp)]
    {
        let files = documents(&corpus, kind);
        if files.is_empty() {
            println!("corpus {kind}/: none");
            continue;
        }
        let mut docs = Vec::new();
        let mut entries = Vec::new();
        for (i, path) in files.iter().enumerate() {
            // Names relative to a layout at the corpus root, so `file` is `SOURCE/scp/NAME`.
            let name = corpus_name(&corpus, path);
            docs.push(Document::new(format!("corpus/{name}"), std::fs::read_to_string(path).unwrap()));
            entries.push(serde_json::json!({
                "id": format!("p-corpus{i:04}"), "type": type_name, "file": name, "targets": ["r-c0rp"]
            }));
        }
        let layout = serde_json::json!({
            "stepguard_organization": 1, "root": {"id": "r-c0rp"}, "policies": entries
        });
        docs.push(Document::new("corpus/organization.json", layout.to_string()));
        let g = stepguard::graph_from_documents(&docs, &IngestOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(g.policies.len(), files.len(), "bare copies are absorbed into the layout's policies");
        assert!(g.policies.values().all(|p| p.kind == policy_kind && p.attached_to == ["r-c0rp"]));
        assert_eq!(g.organization.attachments.len(), files.len());
        println!("corpus {kind}/: {} documents attached through a layout", files.len());
    }
}
