//! Suggested policies for the shared corpus's state machines: for every state machine whose
//! execution role and at least one of its policies are among the inputs, the policy
//! `suggest_policy` writes must allow everything the workflow needs — by stepguard's evaluator
//! and by the independent simulator in `../shared/oracles/iam-simulate` (installed with npm at
//! test time, never vendored) — and must grant `*` only for targets that are dynamic or actions
//! that support no resource. Skips with a note when the corpus, node/npm or the registry is
//! missing (the evaluator half still runs without the simulator).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    unreachable_pub,
    reason = "test helpers fail loudly; the shared helpers are `pub` for every test binary"
)]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use stepguard::{
    AccessDecisionKind, AccessRequest, Document, Evaluator, FactGraph, IngestOptions, PolicyKind, Requirement,
};

const PACKAGE: &str = "@cloud-copilot/iam-simulate@0.1.173";
const ACCOUNT: &str = "111122223333";
const PRINCIPAL: &str = "arn:aws:sts::111122223333:assumed-role/exec/stepguard";

/// Placeholders for unknown partition, region, account and template references become
/// concrete values, the same way in the policy and in the requests.
fn concrete(text: &str) -> String {
    let text = text.replace("{Partition}", "aws").replace("{Region}", "us-east-1").replace("{Account}", ACCOUNT);
    let re = regex::Regex::new(r"\{([A-Za-z0-9_.:!-]+)\}").unwrap();
    re.replace_all(&text, |c: &regex::Captures<'_>| {
        c[1].replace(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-', "-")
    })
    .into_owned()
}

/// AWS's default key policy (the account's IAM policies decide), which stepguard assumes.
fn key_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]})
}

/// The execution role's session, in the target's account when the target names another one:
/// the suggested policy is the identity side only, and a cross-account target's own resource
/// policy is not the execution role's to write.
fn principal_for(resource: &str) -> String {
    match resource.split(':').nth(4) {
        Some(account) if !account.is_empty() && account != ACCOUNT => {
            format!("arn:aws:sts::{account}:assumed-role/exec/stepguard")
        }
        _ => PRINCIPAL.to_owned(),
    }
}

fn request_resource(resource: &str) -> String {
    let r = concrete(resource);
    if r.starts_with("arn:") { r.replace('*', "example").replace('?', "x") } else { "*".to_owned() }
}

/// Every corpus input that can hold a state machine with its role: templates (with the
/// definition files they name, under their original paths) and Terraform files.
fn corpus_graphs(corpus: &Path) -> Vec<(String, FactGraph)> {
    let mut out = Vec::new();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(corpus).unwrap().map(|e| e.unwrap().path()).collect();
    sources.sort();
    for source in sources {
        let Ok(manifest) = std::fs::read_to_string(source.join("MANIFEST.tsv")) else { continue };
        let mut original = BTreeMap::new();
        let mut local = BTreeMap::new();
        for line in manifest.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 6 {
                continue;
            }
            original.insert(cols[0].to_owned(), cols[2].to_owned());
            if cols[5] == "asl" {
                local.insert(cols[2].to_owned(), cols[0].to_owned());
            }
        }
        for kind in ["cfn", "tf"] {
            let Ok(entries) = std::fs::read_dir(source.join(kind)) else { continue };
            let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
            files.sort();
            for file in files {
                let local_name = format!("{kind}/{}", file.file_name().unwrap().to_str().unwrap());
                let name = original.get(&local_name).cloned().unwrap_or(local_name);
                let text = std::fs::read_to_string(&file).unwrap();
                let mut documents = vec![Document::new(&name, &text)];
                let dir = Path::new(&name).parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
                // Definition files the template may name, by their original paths.
                for (path, file) in &local {
                    if path.starts_with(&dir) && text.contains(Path::new(path).file_name().unwrap().to_str().unwrap()) {
                        documents.push(Document::new(path, std::fs::read_to_string(source.join(file)).unwrap()));
                    }
                }
                if let Ok(graph) = stepguard::graph_from_documents(&documents, &IngestOptions::default()) {
                    out.push((name, graph));
                }
            }
        }
    }
    out
}

/// The requirements that fall on the execution role of `machine`.
fn execution_needs<'g>(graph: &'g FactGraph, machine: &str) -> Vec<&'g Requirement> {
    let mut out: Vec<&Requirement> =
        graph.derived.state_machines.get(machine).map(|m| m.requirements.iter().collect()).unwrap_or_default();
    for task in graph.derived.tasks.values().filter(|t| t.state_machine == machine) {
        out.extend(task.requirements.iter().filter(|r| !task.via_credentials || r.kind == "assume_role"));
    }
    out
}

struct Case {
    machine: String,
    policy: Value,
    action: String,
    principal: String,
    resource: String,
    context: BTreeMap<String, String>,
}

#[test]
fn suggested_policies_allow_what_corpus_workflows_need() {
    let Some(corpus) = common::corpus() else { return };
    let mut machines = 0;
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for (file, graph) in corpus_graphs(&corpus) {
        for (id, machine) in &graph.state_machines {
            let Some(role) = machine.role.as_ref().and_then(|r| graph.roles.get(r)) else { continue };
            let has_policy =
                role.inline_policies.iter().chain(&role.managed_policies).any(|p| graph.policies.contains_key(p));
            if !has_policy || !machine.has_definition {
                continue;
            }
            machines += 1;
            let suggested = stepguard::suggest_policy(&graph, Some(id)).unwrap();
            let policy: Value = serde_json::from_str(&concrete(&suggested[0].policy.to_string())).unwrap();
            let needs = execution_needs(&graph, id);
            // `*` only for actions some requirement needs on `*` (a dynamic target or a
            // wildcard-only action): a static target alone never gets `*`.
            for statement in policy["Statement"].as_array().unwrap() {
                if statement["Resource"] != json!(["*"]) {
                    continue;
                }
                for action in statement["Action"].as_array().unwrap() {
                    let mine: Vec<&&Requirement> = needs.iter().filter(|r| json!(r.action) == *action).collect();
                    if !mine.iter().any(|r| r.resource == "*" && (r.dynamic || r.wildcard_only)) {
                        problems.push(format!("{file} {id}: `{action}` granted on `*` but every target is static"));
                    }
                }
                let sid = statement["Sid"].as_str().unwrap();
                assert!(sid.contains("WildcardOnly") || sid.contains("StateInput"), "{sid}");
            }
            let parsed = stepguard::parse_policy("suggested", PolicyKind::Inline, &policy.to_string()).unwrap();
            let key_policy =
                stepguard::parse_policy("key-policy", PolicyKind::Resource, &key_policy().to_string()).unwrap();
            let evaluator = Evaluator::builder().identity_policy(&parsed).build().unwrap();
            let with_key = Evaluator::builder().identity_policy(&parsed).resource_policy(&key_policy).build().unwrap();
            for r in needs {
                let resource = request_resource(&r.resource);
                let principal = principal_for(&resource);
                let context: BTreeMap<String, String> =
                    r.conditions.iter().map(|c| (c.key.clone(), concrete(&c.value))).collect();
                let mut request = AccessRequest::new(&principal, &r.action)
                    .unwrap()
                    .with_resource(&resource)
                    .unwrap()
                    .with_principal_keys();
                for (k, v) in &context {
                    request = request.with_context(k, v.clone());
                }
                let kms = r.action.starts_with("kms:");
                let decision = if kms { with_key.evaluate(&request) } else { evaluator.evaluate(&request) };
                if decision.kind() != AccessDecisionKind::Allow {
                    problems.push(format!("{file} {id}: `{}` on `{resource}`: {decision}", r.action));
                }
                cases.push(Case {
                    machine: id.clone(),
                    policy: policy.clone(),
                    action: r.action.clone(),
                    principal,
                    resource,
                    context,
                });
            }
        }
    }
    println!("suggest-policy corpus: {machines} state machines with their role policy, {} requirements", cases.len());
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(machines >= 5, "only {machines} corpus state machines have their role policy");
    oracle_agrees(&cases);
}

fn tool_available(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The simulator must allow every case too (cases it cannot evaluate are counted).
fn oracle_agrees(cases: &[Case]) {
    let driver = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/oracles/iam-simulate/driver.mjs"));
    if !driver.is_file() || !tool_available("node") || !tool_available("npm") {
        eprintln!("note: the iam-simulate driver or node/npm is absent; skipping the simulator half");
        return;
    }
    let dir = std::env::temp_dir().join(format!("stepguard-suggest-oracle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("package.json"),
        r#"{"name": "stepguard-suggest-oracle", "private": true, "type": "module"}"#,
    )
    .unwrap();
    std::fs::copy(driver, dir.join("driver.mjs")).unwrap();
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error", PACKAGE])
        .current_dir(&dir)
        .output()
        .expect("npm runs");
    if !out.status.success() {
        eprintln!(
            "note: npm could not install {PACKAGE}; skipping the simulator half\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let mut child = Command::new("node")
        .arg("driver.mjs")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let mut stdin = child.stdin.take().unwrap();
    let input: String = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let account = c.principal.split(':').nth(4).unwrap();
            let mut simulation = json!({
                "request": {
                    "principal": c.principal,
                    "action": c.action,
                    "resource": {"resource": c.resource, "accountId": account},
                    "contextVariables": c.context,
                },
                "identityPolicies": [{"name": "suggested", "policy": c.policy}],
                "serviceControlPolicies": [],
                "resourceControlPolicies": [],
                "permissionBoundaryPolicies": [],
                "vpcEndpointPolicies": [],
            });
            if c.action.starts_with("kms:") {
                simulation["resourcePolicy"] = key_policy();
            }
            json!({"id": i.to_string(), "simulation": simulation, "options": {"simulationMode": "Strict"}}).to_string()
                + "\n"
        })
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let (mut agreed, mut ignored, mut errors) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let case = &cases[v["id"].as_str().unwrap().parse::<usize>().unwrap()];
        match v["resultType"].as_str() {
            Some("single" | "wildcard") => {
                if v["ignoredContextKeys"].as_array().is_some_and(|k| !k.is_empty()) {
                    ignored += 1;
                } else if v["overallResult"] == "Allowed" {
                    agreed += 1;
                } else {
                    disagreements.push(format!("{}: `{}` on `{}`: {}", case.machine, case.action, case.resource, v));
                }
            }
            _ => {
                errors += 1;
                if errors <= 3 || std::env::var_os("STEPGUARD_SHOW_ORACLE_ERRORS").is_some() {
                    eprintln!("oracle could not evaluate `{}` on `{}`: {v}", case.action, case.resource);
                }
            }
        }
    }
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "iam-simulate on suggested policies: {} cases, allowed {agreed}, skipped-ignored-keys {ignored}, oracle-errors {errors}",
        cases.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} cases the simulator denies:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(agreed > 0);
}
