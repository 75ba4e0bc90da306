//! IAM exports and Organizations layouts, end to end: fixtures in `testdata/iam/` and
//! `testdata/org/`, golden graphs in `testdata/golden/{iam,org}/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]
#![allow(unreachable_pub, reason = "the helpers in `common` are `pub` for every test binary")]

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use stepguard::{Document, EdgeKind, IngestOptions, PolicyKind};

fn graph(paths: &[&str]) -> Value {
    let json = common::graph_json(paths).unwrap_or_else(|e| panic!("{paths:?} should ingest:\n{e}"));
    serde_json::from_str(&json).unwrap()
}

fn from_documents(documents: &[(&str, &str)]) -> Result<stepguard::FactGraph, stepguard::Error> {
    let documents: Vec<Document> = documents.iter().map(|(name, text)| Document::new(*name, *text)).collect();
    stepguard::graph_from_documents(&documents, &IngestOptions::default())
}

fn has_edge(g: &Value, from: &str, to: &str, kind: &str) -> bool {
    g["edges"].as_array().unwrap().iter().any(|e| e["from"] == from && e["to"] == to && e["kind"] == kind)
}

const ACCOUNT: &str = "arn:aws:iam::123456789012";

#[test]
fn authorization_details_export_becomes_principals_policies_and_edges() {
    let json = common::graph_json(&["testdata/iam/authorization-details"]).unwrap();
    common::check_golden("golden/iam/authorization-details.json", &json);
    let g: Value = serde_json::from_str(&json).unwrap();

    let role_id = format!("{ACCOUNT}:role/service-role/OrderWorkflowRole");
    let role = &g["roles"][&role_id];
    assert_eq!(role["principal_type"], "role");
    assert_eq!(role["account"], "123456789012");
    assert_eq!(role["path"], "/service-role/");
    assert_eq!(role["tags"]["owner"], "", "empty tag values are kept");
    // The trust policy was URL-encoded, as raw API output has it.
    let trust = &g["policies"][format!("{role_id}#trust")];
    assert_eq!(trust["kind"], "trust");
    assert_eq!(trust["statements"][0]["principal"]["Service"][0], "states.amazonaws.com");
    assert_eq!(trust["statements"][0]["condition"]["StringEquals"]["aws:SourceAccount"][0], "123456789012");
    assert!(has_edge(&g, &role_id, &format!("{role_id}#trust"), "trusted_by"));

    // Managed policies in the export resolve to their nodes; AWS-managed ones stay ARNs.
    let logging = format!("{ACCOUNT}:policy/sfn/StepFunctionsLogging");
    assert_eq!(
        role["managed_policies"],
        serde_json::json!([logging, "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"])
    );
    assert_eq!(g["policies"][&logging]["attached_to"], serde_json::json!([role_id]));
    assert_eq!(g["policies"][&logging]["statements"][0]["action"][0], "logs:CreateLogDelivery");
    assert!(has_edge(&g, &logging, &role_id, "attached_to"));
    let inline = format!("{role_id}#policy/InvokeOrderFunctions");
    assert_eq!(role["inline_policies"], serde_json::json!([inline]));
    assert_eq!(g["policies"][&inline]["kind"], "inline");
    assert_eq!(g["policies"][&inline]["attached_to"], serde_json::json!([role_id]));

    // The boundary's default version (v2), not v1.
    let boundary = format!("{ACCOUNT}:policy/DeveloperBoundary");
    assert_eq!(role["permissions_boundary"], boundary);
    assert_eq!(g["policies"][&boundary]["statements"][1]["sid"], "NoIdentityChanges");
    assert!(has_edge(&g, &role_id, &boundary, "bounded_by"));

    // Users and groups are principals too; group membership becomes edges.
    let alice = format!("{ACCOUNT}:user/alice");
    assert_eq!(g["roles"][&alice]["principal_type"], "user");
    assert_eq!(g["roles"][format!("{ACCOUNT}:group/Developers")]["principal_type"], "group");
    assert!(has_edge(&g, &alice, &format!("{ACCOUNT}:group/Developers"), "member_of"));
    assert!(has_edge(&g, &alice, "Auditors", "member_of"), "a group outside the export is named");
    assert_eq!(g["policies"][format!("{ACCOUNT}:policy/DeployWorkflows")]["attached_to"], serde_json::json!([alice]));
}

#[test]
fn get_role_and_get_role_policy_outputs_link_by_role_name() {
    let json = common::graph_json(&["testdata/iam/get-role"]).unwrap();
    common::check_golden("golden/iam/get-role.json", &json);
    let g: Value = serde_json::from_str(&json).unwrap();
    let role_id = "arn:aws:iam::210987654321:role/payments-workflow-exec";
    let inline = "testdata/iam/get-role/exec-role-inline.json#role/payments-workflow-exec/policy/payments-tasks";
    assert_eq!(g["roles"][role_id]["inline_policies"], serde_json::json!([inline]));
    assert_eq!(g["policies"][inline]["attached_to"], serde_json::json!([role_id]));
    assert!(has_edge(&g, inline, role_id, "attached_to"));
    // `get-policy` merged with `get-policy-version` gives the boundary its ARN as id.
    let boundary = "arn:aws:iam::210987654321:policy/workload-boundary";
    assert_eq!(g["roles"][role_id]["permissions_boundary"], boundary);
    assert_eq!(g["policies"][boundary]["name"], "workload-boundary");
    assert_eq!(g["policies"][boundary]["kind"], "managed");
    // A non-default version without an ARN is kept under the file's name.
    assert_eq!(g["policies"]["testdata/iam/get-role/workload-boundary-v1.json#v1"]["statements"][0]["action"][0], "*");
}

#[test]
fn bare_documents_are_classified_and_keep_template_references_symbolic() {
    let json = common::graph_json(&["testdata/iam/documents"]).unwrap();
    common::check_golden("golden/iam/documents.json", &json);
    let g: Value = serde_json::from_str(&json).unwrap();
    let kind = |file: &str| g["policies"][format!("testdata/iam/documents/{file}")]["kind"].clone();
    assert_eq!(kind("sfn-trust.json"), "trust");
    assert_eq!(kind("queue-policy.yaml"), "resource");
    assert_eq!(kind("template-fragment.yaml"), "identity");
    let resources = &g["policies"]["testdata/iam/documents/template-fragment.yaml"]["statements"];
    assert_eq!(resources[0]["resource"][0], serde_json::json!({"get_att": ["ValidateFunction", "Arn"]}));
    assert_eq!(resources[0]["resource"][1], serde_json::json!({"sub": "${ChargeFunction.Arn}:*"}));
    assert_eq!(resources[2]["resource"][0], serde_json::json!({"ref": "AlertsTopic"}));
}

#[test]
fn raw_api_and_cli_forms_of_a_document_read_the_same() {
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let encoded: String = document
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let role = |name: &str, doc: String| {
        format!(
            r#"{{"Role": {{"RoleName": "{name}", "Arn": "arn:aws:iam::123456789012:role/{name}", "AssumeRolePolicyDocument": {doc}}}}}"#
        )
    };
    let cli = role("cli", document.to_owned());
    let api = role("api", format!("\"{encoded}\""));
    let quoted = role("quoted", serde_json::to_string(document).unwrap());
    let g = from_documents(&[("cli.json", &cli), ("api.json", &api), ("quoted.json", &quoted)]).unwrap();
    let statements = |name: &str| {
        let p = &g.policies[&format!("arn:aws:iam::123456789012:role/{name}#trust")];
        (
            p.document.clone(),
            p.statements.iter().map(|s| (s.effect.clone(), s.action.clone(), s.principal.clone())).collect::<Vec<_>>(),
        )
    };
    assert_eq!(statements("cli"), statements("api"));
    assert_eq!(statements("cli"), statements("quoted"));
}

#[test]
fn a_role_policy_whose_role_name_is_ambiguous_is_not_guessed() {
    let role = |account: &str| {
        format!(
            r#"{{"Role": {{"RoleName": "exec", "Arn": "arn:aws:iam::{account}:role/exec", "AssumeRolePolicyDocument": {{"Statement": []}}}}}}"#
        )
    };
    let (a, b) = (role("111111111111"), role("222222222222"));
    let inline = r#"{"RoleName": "exec", "PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}"#;
    let g = from_documents(&[("a.json", &a), ("b.json", &b), ("inline.json", inline)]).unwrap();
    assert!(g.roles.values().all(|r| r.inline_policies.is_empty()));
    assert!(g.policies["inline.json#role/exec/policy/p"].attached_to.is_empty());
    let d = &g.diagnostics[0];
    assert_eq!(d.code, "LINK_AMBIGUOUS_PRINCIPAL");
    assert_eq!(d.source.file, "inline.json");
    assert!(d.message.contains("role `exec`"), "{}", d.message);
}

#[test]
fn layout_with_two_ou_levels_attaches_scps_and_rcps_at_every_level() {
    let json = common::graph_json(&["testdata/org/layout"]).unwrap();
    common::check_golden("golden/org/layout.json", &json);
    let g: Value = serde_json::from_str(&json).unwrap();
    let org = &g["organization"];
    assert_eq!(org["root"], "r-7k2p");
    assert_eq!(org["management_account"], "100000000001");
    assert_eq!(org["ous"]["ou-7k2p-prod"]["parent"], "ou-7k2p-workloads");
    assert_eq!(org["accounts"]["300000000003"]["parent"], "ou-7k2p-prod");
    assert!(has_edge(&g, "ou-7k2p-prod", "ou-7k2p-workloads", "child_of"));
    assert!(has_edge(&g, "ou-7k2p-workloads", "r-7k2p", "child_of"));
    assert!(has_edge(&g, "300000000003", "ou-7k2p-prod", "child_of"));

    let policy = |id: &str| g["policies"][id].clone();
    // Root: built-in full access, a file-based SCP, a built-in RCP and an RCP given as a string.
    assert_eq!(policy("p-FullAWSAccess")["kind"], "scp");
    assert_eq!(policy("p-FullAWSAccess")["attached_to"].as_array().unwrap().len(), 9);
    assert_eq!(policy("p-guardrails")["attached_to"], serde_json::json!(["r-7k2p"]));
    assert_eq!(policy("p-guardrails")["source"]["file"], "testdata/org/layout/scp/guardrails.json");
    assert_eq!(policy("p-RCPFullAWSAccess")["kind"], "rcp");
    assert_eq!(policy("p-rcp-tls")["kind"], "rcp");
    assert_eq!(policy("p-rcp-tls")["statements"][0]["principal"]["AWS"][0], "*");
    // OU levels and an account; the account's SCP comes from `describe-policy` output.
    assert_eq!(policy("p-regions")["attached_to"], serde_json::json!(["ou-7k2p-workloads"]));
    assert_eq!(policy("p-devlimits")["attached_to"], serde_json::json!(["ou-7k2p-dev"]));
    assert_eq!(policy("p-prodsfn1")["kind"], "scp");
    assert_eq!(policy("p-prodsfn1")["source"]["pointer"], "/Policy/Content");
    assert_eq!(policy("p-prodsfn1")["attached_to"], serde_json::json!(["300000000003"]));
    assert!(has_edge(&g, "p-prodsfn1", "300000000003", "attached_to"));
    // The walked SCP files are not left behind as separate identity policies.
    assert!(g["policies"].get("testdata/org/layout/scp/guardrails.json").is_none());
    assert!(g["policies"].as_object().unwrap().values().all(|p| p["kind"] == "scp" || p["kind"] == "rcp"));
}

#[test]
fn a_layout_named_alone_reads_its_policy_files_and_keeps_unresolved_attachments() {
    let g = graph(&["testdata/org/layout/organization.json"]);
    assert_eq!(g["policies"]["p-devlimits"]["statements"][0]["sid"], "NoExpensiveMaps");
    let sources: Vec<&str> = g["sources"].as_array().unwrap().iter().map(|s| s["file"].as_str().unwrap()).collect();
    assert_eq!(
        sources,
        [
            "testdata/org/layout/organization.json",
            "testdata/org/layout/scp/dev-limits.json",
            "testdata/org/layout/scp/guardrails.json"
        ]
    );
    // `p-prodsfn1` is defined by describe-policy output that was not given.
    assert!(g["policies"].get("p-prodsfn1").is_none());
    let attachments = g["organization"]["attachments"].as_array().unwrap();
    assert!(attachments.contains(&serde_json::json!({"policy": "p-prodsfn1", "target": "300000000003"})));
    assert!(!has_edge(&g, "p-prodsfn1", "300000000003", "attached_to"));
}

#[test]
fn roots_and_organization_listings_give_root_and_management_account() {
    let json = common::graph_json(&["testdata/org/listing"]).unwrap();
    common::check_golden("golden/org/listing.json", &json);
    let g: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(g["organization"]["root"], "r-7k2p");
    assert_eq!(g["organization"]["management_account"], "100000000001");
}

#[test]
fn the_same_inputs_give_byte_identical_graphs() {
    let paths = ["testdata/iam", "testdata/org/layout", "testdata/org/listing"];
    let exclude = IngestOptions { exclude: vec!["invalid".to_owned()], ..IngestOptions::default() };
    let root = common::repo_root();
    let paths: Vec<_> = paths.iter().map(|p| root.join(p)).collect();
    let first = stepguard::graph(&paths, &exclude).unwrap().to_json_pretty();
    let second = stepguard::graph(&paths, &exclude).unwrap().to_json_pretty();
    assert_eq!(first, second);
    let g: stepguard::FactGraph = serde_json::from_str(&first).unwrap();
    assert!(g.edges.iter().any(|e| e.kind == EdgeKind::MemberOf));
    assert!(g.policies.values().any(|p| p.kind == PolicyKind::Scp));
}

/// Every file in `testdata/{iam,org}/invalid/` fails on its own, and its errors (one per line,
/// each with file, line and pointer) match `testdata/golden/{iam,org}/invalid/NAME.txt`.
#[test]
fn invalid_inputs_fail_with_file_line_and_pointer() {
    let mut checked = 0;
    for area in ["iam", "org"] {
        let dir = common::repo_root().join("testdata").join(area).join("invalid");
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap().to_str().unwrap();
            let relative = format!("testdata/{area}/invalid/{name}");
            let err = match common::graph_json(&[&relative]) {
                Ok(_) => panic!("{relative} should be rejected"),
                Err(e) => e,
            };
            for e in err.input_errors() {
                assert_eq!(e.file(), relative);
                assert!(e.line().is_some(), "{e}");
                assert!(!e.message().contains("panicked"), "{e}");
            }
            let stem = Path::new(name).file_stem().unwrap().to_str().unwrap();
            common::check_golden(&format!("golden/{area}/invalid/{stem}.txt"), &format!("{err}\n"));
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} invalid fixtures");
}

fn single_error(path: &str) -> stepguard::InputError {
    let err = common::graph_json(&[path]).unwrap_err();
    let errors = err.input_errors();
    assert_eq!(errors.len(), 1, "{err}");
    errors[0].clone()
}

#[test]
fn an_ou_cycle_is_named_in_full_at_the_first_ou_on_it() {
    let e = single_error("testdata/org/invalid/cycle.json");
    assert_eq!((e.line(), e.pointer()), (Some(6), "/ous/1/parent"));
    assert!(
        e.message().ends_with("`ou-ab12-teams` → `ou-ab12-apps` → `ou-ab12-web` → `ou-ab12-teams`"),
        "{}",
        e.message()
    );
}

#[test]
fn unknown_targets_parents_and_keys_are_errors() {
    let e = single_error("testdata/org/invalid/unknown-target.json");
    assert_eq!((e.line(), e.pointer()), (Some(10), "/policies/1/targets/0"));
    assert!(e.message().starts_with("unknown target `ou-ab12-app`"), "{}", e.message());
    let e = single_error("testdata/org/invalid/unknown-key.json");
    assert_eq!((e.line(), e.pointer()), (Some(5), "/ous/0/parnet"));
    let err = common::graph_json(&["testdata/org/invalid/unknown-parent.json"]).unwrap_err();
    let pointers: Vec<&str> = err.input_errors().iter().map(|e| e.pointer()).collect();
    assert_eq!(pointers, ["/accounts/0/parent", "/accounts/1/parent"]);
}

#[test]
fn account_ids_must_be_twelve_digit_strings() {
    let err = common::graph_json(&["testdata/org/invalid/bad-account-id.json"]).unwrap_err();
    let places: Vec<(Option<u32>, &str)> = err.input_errors().iter().map(|e| (e.line(), e.pointer())).collect();
    assert_eq!(places, [(Some(4), "/management_account"), (Some(6), "/accounts/0/id"), (Some(7), "/accounts/1/id")]);
    assert!(err.input_errors()[2].message().contains("found a number"));
}

#[test]
fn a_malformed_layout_names_line_and_column() {
    let e = single_error("testdata/org/invalid/malformed.json");
    assert_eq!((e.line(), e.column()), (Some(6), Some(3)));
    assert_eq!(e.kind(), stepguard::InputErrorKind::Syntax);
}

#[test]
fn errors_in_a_layouts_policy_file_name_that_file() {
    let layout = r#"{"stepguard_organization": 1, "root": {"id": "r-ab12"},
        "policies": [{"id": "p-x", "type": "SERVICE_CONTROL_POLICY", "file": "scp/x.json", "targets": ["r-ab12"]}]}"#;
    let scp = "{\n  \"Statement\": [\n    {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resourse\": \"*\"}\n  ]\n}";
    let err = from_documents(&[("org/layout.json", layout), ("org/scp/x.json", scp)]).unwrap_err();
    // The same problem, found by the layout and by the bare read, is reported once.
    assert_eq!(err.input_errors().len(), 1, "{err}");
    assert_eq!(err.to_string(), "org/scp/x.json:3: at `/Statement/0/Resourse`: unknown statement element `Resourse`");
    let err = from_documents(&[("org/layout.json", layout)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "org/layout.json:2: at `/policies/0/file`: cannot read `scp/x.json`: not among the inputs"
    );
}

#[test]
fn policies_defined_twice_across_inputs_are_errors() {
    let layout = r#"{"stepguard_organization": 1, "root": {"id": "r-ab12"},
        "policies": [{"id": "p-FullAWSAccess", "type": "SERVICE_CONTROL_POLICY", "targets": ["r-ab12"]}]}"#;
    let describe = r#"{"Policy": {"PolicySummary": {"Id": "p-FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY"},
        "Content": "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}"}}"#;
    let err = from_documents(&[("layout.json", layout), ("full.json", describe)]).unwrap_err();
    assert!(err.to_string().contains("policy `p-FullAWSAccess` is also defined at"), "{err}");
}

/// The export script in docs/organizations.md, run against canned AWS CLI responses, prints a
/// layout that reads back into the expected organization.
#[test]
fn the_export_script_in_the_docs_produces_a_layout() {
    let tools_present = ["bash", "jq"].iter().all(|tool| Command::new(tool).arg("--version").output().is_ok());
    if !tools_present {
        eprintln!("note: bash or jq is absent; skipping the export script check");
        return;
    }
    let root = common::repo_root();
    let docs = std::fs::read_to_string(root.join("docs/organizations.md")).unwrap();
    let after_marker = docs.split("<!-- stepguard:export-script -->").nth(1).expect("the docs mark the script");
    let script = after_marker.split("```bash\n").nth(1).unwrap().split("\n```").next().unwrap();

    let bin = tempfile::tempdir().unwrap();
    let fake_aws = bin.path().join("aws");
    std::fs::write(&fake_aws, FAKE_AWS).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake_aws, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("PATH", path)
        .env("FAKE_AWS_RESPONSES", root.join("testdata/org/aws-cli"))
        .output()
        .unwrap();
    assert!(out.status.success(), "the script failed: {}", String::from_utf8_lossy(&out.stderr));
    let layout = String::from_utf8(out.stdout).unwrap();
    let g = from_documents(&[("exported/organization.json", &layout)]).unwrap_or_else(|e| panic!("{e}\n{layout}"));
    common::check_golden("golden/org/exported.json", &g.to_json_pretty());
    assert_eq!(g.organization.ous.len(), 3);
    assert_eq!(g.organization.accounts["300000000003"].parent, "ou-7k2p-p4r0d8nm");
    assert_eq!(g.policies["p-9s8d7f6g"].attached_to, ["r-7k2p"]);
    assert_eq!(g.policies["p-RCPFullAWSAccess"].kind, PolicyKind::Rcp);
}

/// Stands in for the AWS CLI: prints `$FAKE_AWS_RESPONSES/COMMAND[.ARGUMENT].json`.
const FAKE_AWS: &str = r#"#!/usr/bin/env bash
set -euo pipefail
[ "$1" = organizations ] || exit 2
command=$2
shift 2
key=""
while (($#)); do
  case $1 in
    --parent-id | --policy-id | --filter) key=$2; shift 2 ;;
    --output) shift 2 ;;
    *) echo "unexpected argument $1" >&2; exit 2 ;;
  esac
done
file="$FAKE_AWS_RESPONSES/$command${key:+.$key}.json"
[ -f "$file" ] || { echo "no canned response for $command $key" >&2; exit 254; }
cat "$file"
"#;
