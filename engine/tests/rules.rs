//! The built-in rules against their fixtures (`testdata/rules/<ID>/{fail,pass}/`): every rule
//! fires on its failing inputs and stays silent on its passing ones, Rego and Cedar agree on
//! every fixture for every rule they both implement, secrets never reach the output, and the
//! rule pages in `docs/rules/` match the rules' metadata and fixtures.
//!
//! A fixture folder may hold a `data.json` with settings (`{"stepguard": {"overrides": ...}}`)
//! for both of its inputs. `UPDATE_GOLDEN=1` regenerates the rule pages and the rule index in
//! `docs/rules/README.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]
#![allow(unreachable_pub, reason = "the helpers in `common` are `pub` for every test binary")]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use stepguard::{
    Backend, Bundle, Decision, EngineOptions, EvalOptions, FactGraph, Finding, Format, IngestOptions, PolicyEngine,
    Report, RuleInfo, Severity,
};

/// A rule's fixture folder.
struct Fixture {
    rule: String,
    dir: PathBuf,
    data: Option<serde_json::Value>,
}

fn fixtures() -> Vec<Fixture> {
    let root = common::repo_root().join("testdata/rules");
    let mut out: Vec<Fixture> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|dir| {
            let data = dir
                .join("data.json")
                .is_file()
                .then(|| serde_json::from_str(&std::fs::read_to_string(dir.join("data.json")).unwrap()).unwrap());
            Fixture { rule: dir.file_name().unwrap().to_string_lossy().into_owned(), dir, data }
        })
        .collect();
    out.sort_by(|a, b| a.rule.cmp(&b.rule));
    out
}

/// The built-in bundle read from disk, keeping only the files `keep` accepts.
fn bundle_from_disk(keep: impl Fn(&str) -> bool) -> Bundle {
    let root = common::repo_root().join("policies/stepguard");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            if keep(&relative) {
                files.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    Bundle::from_files("builtin", files).unwrap()
}

fn engine(bundle: Bundle, data: Option<&serde_json::Value>) -> PolicyEngine {
    let options = EngineOptions {
        data: data.map(|d| vec![("fixture data.json".to_owned(), d.clone())]).unwrap_or_default(),
        ..EngineOptions::default()
    };
    PolicyEngine::new(vec![bundle], &options).unwrap()
}

fn full_engine(data: Option<&serde_json::Value>) -> PolicyEngine {
    engine(Bundle::builtin().unwrap(), data)
}

/// The graph of a fixture side, with file names relative to the repository root.
fn graph(dir: &Path) -> FactGraph {
    let root = common::repo_root();
    let relative = dir.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
    let _guard = common::CWD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    std::env::set_current_dir(&root).unwrap();
    stepguard::graph(&[relative.as_str()], &IngestOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn everything() -> EvalOptions {
    EvalOptions { fail_on: Severity::Info, ..EvalOptions::default() }
}

/// One side of a fixture, evaluated once for all the tests of this file (evaluating the whole
/// bundle is the slow part).
struct Outcome {
    rule: String,
    side: &'static str,
    graph: FactGraph,
    decision: Decision,
}

fn outcomes() -> &'static [Outcome] {
    static OUTCOMES: OnceLock<Vec<Outcome>> = OnceLock::new();
    OUTCOMES.get_or_init(|| {
        let plain = full_engine(None);
        let mut out = Vec::new();
        for fx in fixtures() {
            let tuned = fx.data.as_ref().map(|d| full_engine(Some(d)));
            let e = tuned.as_ref().unwrap_or(&plain);
            for side in ["fail", "pass"] {
                let dir = fx.dir.join(side);
                assert!(dir.is_dir(), "{} has no {side}/ folder", fx.dir.display());
                let graph = graph(&dir);
                let decision = e.evaluate(&graph, &everything()).unwrap();
                out.push(Outcome { rule: fx.rule.clone(), side, graph, decision });
            }
        }
        out
    })
}

#[test]
fn every_rule_fires_on_its_failing_fixture_and_not_on_its_passing_one() {
    let mut problems = Vec::new();
    for o in outcomes() {
        let rules: BTreeSet<&str> = o.decision.findings.iter().map(|f| f.rule.as_str()).collect();
        let expected = o.side == "fail";
        if rules.contains(o.rule.as_str()) != expected {
            let what = if expected { "missing" } else { "reported" };
            problems.push(format!("{} {}: {what} {rules:?}", o.rule, o.side));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(outcomes().len() > 120, "only {} fixture inputs", outcomes().len());
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_a_rule() {
    let ids: BTreeSet<String> = full_engine(None).rules().into_iter().map(|r| r.id).collect();
    let folders: BTreeSet<String> = fixtures().into_iter().map(|f| f.rule).collect();
    let without: Vec<&String> = ids.difference(&folders).collect();
    let stray: Vec<&String> = folders.difference(&ids).collect();
    assert!(without.is_empty(), "rules without fixtures: {without:?}");
    assert!(stray.is_empty(), "fixture folders without a rule: {stray:?}");
}

#[test]
fn rego_and_cedar_agree_on_every_fixture() {
    let cedar_engine = engine(bundle_from_disk(|f| f.ends_with(".cedar")), None);
    let rego_rules: BTreeSet<String> =
        full_engine(None).rules().into_iter().filter(|r| r.backend == Backend::Rego).map(|r| r.id).collect();
    let cedar_rules: BTreeSet<String> = cedar_engine.rules().into_iter().map(|r| r.id).collect();
    assert!(cedar_rules.is_subset(&rego_rules), "Cedar-only rules: {:?}", cedar_rules.difference(&rego_rules));
    assert!(cedar_rules.len() >= 10, "{cedar_rules:?}");
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for o in outcomes() {
        // Cedar findings the full decision folded into Rego's are recomputed by Cedar alone.
        let by_rego: BTreeSet<(String, Option<String>)> = o
            .decision
            .findings
            .iter()
            .filter(|f| f.backend == Backend::Rego && cedar_rules.contains(&f.rule))
            .map(|f| (f.rule.clone(), f.node.clone()))
            .collect();
        let by_cedar: BTreeSet<(String, Option<String>)> = cedar_engine
            .evaluate(&o.graph, &everything())
            .unwrap()
            .findings
            .into_iter()
            .map(|f| (f.rule, f.node))
            .collect();
        for rule in &cedar_rules {
            checked += 1;
            let r: BTreeSet<_> = by_rego.iter().filter(|(id, _)| id == rule).collect();
            let c: BTreeSet<_> = by_cedar.iter().filter(|(id, _)| id == rule).collect();
            if r != c {
                disagreements.push(format!("{}/{} {rule}: rego {r:?} cedar {c:?}", o.rule, o.side));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    println!("{checked} (fixture, rule) verdicts agree, down to the node");
}

/// A definition held on one line (as in describe output) puts a secret on the line a finding
/// quotes; no output format may repeat it.
#[test]
fn secrets_never_reach_any_output() {
    let secret = "sk_live_51StepguardTestOnly0000000";
    let dir = tempfile::tempdir().unwrap();
    // Written by hand so that the secrets come first on the (single) definition line.
    let definition = format!(
        r#"{{"States":{{"Notify":{{"Parameters":{{"password":"hunter2hunter2","Headers":{{"Authorization":"Bearer {secret}"}},"ApiEndpoint":"https://api.example.com","Method":"GET"}},"Type":"Task","Resource":"arn:aws:states:::http:invoke","End":true}}}},"StartAt":"Notify"}}"#
    );
    let describe = serde_json::json!({
        "stateMachineArn": "arn:aws:states:us-east-1:111122223333:stateMachine:notify", "name": "notify",
        "roleArn": "arn:aws:iam::111122223333:role/notify", "type": "STANDARD",
        "definition": definition,
    });
    let file = dir.path().join("describe.json");
    std::fs::write(&file, serde_json::to_string_pretty(&describe).unwrap()).unwrap();
    let g = stepguard::graph(&[&file], &IngestOptions::default()).unwrap();
    let e = full_engine(None);
    let decision = e.evaluate(&g, &everything()).unwrap();
    let places: Vec<&str> =
        decision.findings.iter().filter(|f| f.rule == "SEC001").filter_map(|f| f.path.as_deref()).collect();
    assert_eq!(places, ["/parameters/Headers/Authorization", "/parameters/password"], "{:?}", decision.findings);
    assert!(decision.findings.iter().all(|f| !f.message.contains(secret)), "{:?}", decision.findings);
    let rules = e.rules();
    for format in Format::ALL {
        let out = Report::new(&decision, &rules).render(format);
        assert!(!out.contains(secret) && !out.contains("hunter2"), "{format} repeats a secret:\n{out}");
    }
    // The CLI quotes the offending source line in text output: it is redacted first.
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_stepguard"))
        .args(["eval", file.to_str().unwrap(), "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8(cli.stdout).unwrap();
    assert!(text.contains("[redacted]") && text.contains("SEC001"), "{text}");
    assert!(!text.contains(secret) && !text.contains("hunter2"), "{text}");
}

/// The sample project denies on its real problems.
#[test]
fn the_sample_project_is_denied_for_its_role() {
    let g = graph(&common::repo_root().join("testdata/sample"));
    let decision = full_engine(None).evaluate(&g, &EvalOptions::default()).unwrap();
    assert_eq!(decision.decision, stepguard::Verdict::Deny);
    let rules: BTreeSet<&str> = decision.findings.iter().map(|f| f.rule.as_str()).collect();
    for expected in ["IAM001", "IAM005", "IAM008", "LOG003", "TMO001"] {
        assert!(rules.contains(expected), "{expected} missing from {rules:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Rule pages

const INDEX_START: &str = "<!-- rule index: generated by engine/tests/rules.rs -->";
const INDEX_END: &str = "<!-- end of rule index -->";

/// Peer checks per rule, from the mapping table of `docs/rules/README.md` (`| peer | check | rules |`).
fn peers(readme: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut in_table = false;
    for line in readme.lines() {
        if line.starts_with("| Tool") {
            in_table = true;
            continue;
        }
        if !in_table || !line.starts_with('|') {
            in_table = in_table && line.starts_with('|');
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let [tool, check, rules, ..] = cells.as_slice() else { continue };
        if tool.starts_with("---") {
            continue;
        }
        for rule in rules.split(',').map(|r| r.trim().trim_matches('`')).filter(|r| !r.is_empty()) {
            out.entry(rule.to_owned()).or_default().push(format!("{tool}: {check}"));
        }
    }
    out
}

fn severity_of(rules: &[&RuleInfo]) -> Severity {
    rules.iter().find(|r| r.backend == Backend::Rego).map_or(Severity::High, |r| r.severity)
}

/// Up to four source lines from `line` on, redacted and cut, as the text report quotes them.
fn quote_lines(file: &str, line: u32, e: &PolicyEngine) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(common::repo_root().join(file)) else { return Vec::new() };
    let start = usize::try_from(line).unwrap().saturating_sub(1);
    let lines: Vec<&str> = text.lines().skip(start).take(4).collect();
    let indent = lines.iter().map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    lines
        .iter()
        .map(|l| &l[indent.min(l.len())..])
        .map(|raw| {
            let redacted = e.redact(raw.trim_end());
            let cut: String = redacted.chars().take(110).collect();
            if cut.len() < redacted.len() { format!("{cut}…") } else { cut }
        })
        .collect()
}

fn example_block(findings: &[&Finding], e: &PolicyEngine) -> String {
    let mut out = String::from("```text\n");
    for f in findings.iter().take(3) {
        let place = match (&f.file, f.line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => file.clone(),
            _ => f.node.clone().unwrap_or_default(),
        };
        let _ = writeln!(out, "{place}: {} {}: {}", f.severity, f.rule, f.message);
        if let (Some(file), Some(line)) = (&f.file, f.line) {
            for quoted in quote_lines(file, line, e) {
                let _ = writeln!(out, "    | {quoted}");
            }
        }
    }
    out.push_str("```\n");
    out
}

fn listing(dir: &Path) -> String {
    let root = common::repo_root();
    let mut files: Vec<String> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files.sort();
    files.iter().map(|f| format!("[`{f}`](../../{f})")).collect::<Vec<_>>().join(", ")
}

fn page(id: &str, rules: &[&RuleInfo], fx: &Fixture, peers: &[String], e: &PolicyEngine) -> String {
    let rego = rules.iter().find(|r| r.backend == Backend::Rego).expect("every rule has a Rego implementation");
    let failing =
        outcomes().iter().find(|o| o.rule == id && o.side == "fail").expect("every rule has a failing fixture");
    let findings: Vec<&Finding> = failing.decision.findings.iter().filter(|f| f.rule == id).collect();
    let mut out = String::new();
    let _ = writeln!(out, "# {id}: {}\n", rego.title);
    let _ = writeln!(
        out,
        "<!-- Generated from the rule's metadata and fixtures by engine/tests/rules.rs; run `UPDATE_GOLDEN=1 cargo test --test rules` after changing either. -->\n"
    );
    let source = |file: &str| {
        let path = file.replacen("builtin/", "policies/stepguard/", 1);
        format!("[`{path}`](../../{path})")
    };
    let engines: Vec<String> = rules
        .iter()
        .map(|r| match r.backend {
            Backend::Rego => format!("Rego, rule `{}` in {}", r.policy, source(&r.file)),
            Backend::Cedar => format!("Cedar, policy `{}` in {}", r.policy, source(&r.file)),
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let _ = writeln!(out, "- Severity: **{}**", severity_of(rules));
    let _ = writeln!(out, "- Implemented in: {}\n", engines.join("; "));
    let _ = writeln!(out, "## What it checks and why\n\n{}\n", rego.description.clone().unwrap_or_default());
    let _ = writeln!(out, "## How to fix\n\n{}\n", rego.remediation.clone().unwrap_or_default());
    let _ = writeln!(out, "## Example\n");
    let _ = writeln!(out, "Failing input: {}\n", listing(&fx.dir.join("fail")));
    out.push_str(&example_block(&findings, e));
    let _ = writeln!(out, "\nPassing input (the same, fixed): {}\n", listing(&fx.dir.join("pass")));
    if let Some(data) = &fx.data {
        let _ = writeln!(
            out,
            "Both are evaluated with these settings (`{}`):\n\n```json\n{}\n```\n",
            fx.dir.join("data.json").strip_prefix(common::repo_root()).unwrap().to_string_lossy(),
            serde_json::to_string_pretty(data).unwrap()
        );
    }
    let _ = writeln!(out, "## Equivalent checks in other tools\n");
    if peers.is_empty() {
        let _ = writeln!(out, "None of the scanners compared in [the rule index](README.md) checks this.\n");
    } else {
        for p in peers {
            let _ = writeln!(out, "- {p}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## References\n");
    for r in &rego.related {
        let _ = writeln!(out, "- <{r}>");
    }
    out
}

fn index(by_id: &BTreeMap<String, Vec<&RuleInfo>>) -> String {
    let mut out = format!("{INDEX_START}\n\n| Rule | Severity | Title | Engines |\n|---|---|---|---|\n");
    for (id, rules) in by_id {
        let title = rules.iter().find(|r| r.backend == Backend::Rego).map_or("", |r| r.title.as_str());
        let engines: BTreeSet<&str> = rules
            .iter()
            .map(|r| match r.backend {
                Backend::Rego => "Rego",
                Backend::Cedar => "Cedar",
            })
            .collect();
        let _ = writeln!(
            out,
            "| [{id}]({id}.md) | {} | {title} | {} |",
            severity_of(rules),
            engines.into_iter().rev().collect::<Vec<_>>().join(", ")
        );
    }
    out.push('\n');
    out.push_str(INDEX_END);
    out
}

fn check_doc(path: &Path, expected: &str, stale: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    if actual != expected {
        let diff = similar::TextDiff::from_lines(actual.as_str(), expected);
        stale.push(format!("{}:\n{}", path.display(), diff.unified_diff().context_radius(2)));
    }
}

#[test]
fn rule_pages_match_the_rules_metadata_and_fixtures() {
    let docs = common::repo_root().join("docs/rules");
    let readme_path = docs.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let peers = peers(&readme);
    let e = full_engine(None);
    let rules = e.rules();
    let mut by_id: BTreeMap<String, Vec<&RuleInfo>> = BTreeMap::new();
    for r in &rules {
        by_id.entry(r.id.clone()).or_default().push(r);
    }
    let unknown: Vec<&String> = peers.keys().filter(|id| !by_id.contains_key(*id)).collect();
    assert!(unknown.is_empty(), "docs/rules/README.md maps peer checks to unknown rules {unknown:?}");
    let fixtures: BTreeMap<String, Fixture> = fixtures().into_iter().map(|f| (f.rule.clone(), f)).collect();
    let mut stale = Vec::new();
    for (id, infos) in &by_id {
        let fx = fixtures.get(id).unwrap_or_else(|| panic!("{id} has no fixture"));
        let expected = page(id, infos, fx, peers.get(id).map(Vec::as_slice).unwrap_or_default(), &e);
        check_doc(&docs.join(format!("{id}.md")), &expected, &mut stale);
    }
    let (Some(start), Some(end)) = (readme.find(INDEX_START), readme.find(INDEX_END)) else {
        panic!("docs/rules/README.md lacks the rule index markers")
    };
    let expected = format!("{}{}{}", &readme[..start], index(&by_id), &readme[end + INDEX_END.len()..]);
    check_doc(&readme_path, &expected, &mut stale);
    let pages: BTreeSet<String> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    let expected_pages: BTreeSet<String> = by_id.keys().map(|id| format!("{id}.md")).collect();
    assert_eq!(pages, expected_pages, "docs/rules/ has pages for rules that do not exist, or lacks some");
    assert!(stale.is_empty(), "stale rule docs (run with UPDATE_GOLDEN=1 to regenerate):\n{}", stale.join("\n"));
}
