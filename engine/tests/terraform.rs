//! The Terraform reader: `terraform show -json` plans and states, and `.tf` files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a failed expectation is a failed test"
)]

mod common;

use serde_json::{Value, json};
use stepguard::{Document, FactGraph, IngestOptions, InputError, InputErrorKind, PolicyKind};

fn graph(documents: &[(&str, &str)]) -> Result<FactGraph, stepguard::Error> {
    let documents: Vec<Document> = documents.iter().map(|(name, text)| Document::new(*name, *text)).collect();
    stepguard::graph_from_documents(&documents, &IngestOptions::default())
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(common::repo_root().join("testdata/terraform").join(name)).unwrap()
}

fn read_fixture(name: &str) -> FactGraph {
    let text = fixture(name);
    graph(&[(name, &text)]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The only error of a failed read.
fn error(documents: &[(&str, &str)]) -> InputError {
    let err = graph(documents).expect_err("the input is invalid");
    let errors = err.input_errors();
    assert_eq!(errors.len(), 1, "{err}");
    errors[0].clone()
}

/// 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    let index = text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("`{needle}` not found"));
    u32::try_from(index + 1).unwrap()
}

#[test]
fn golden_graphs() {
    for (input, golden) in [
        ("testdata/terraform/plan.json", "golden/terraform/plan.json"),
        ("testdata/terraform/state.json", "golden/terraform/state.json"),
        ("testdata/terraform/main.tf", "golden/terraform/main.json"),
    ] {
        let actual = common::graph_json(&[input]).unwrap_or_else(|e| panic!("{input}: {e}"));
        common::check_golden(golden, &actual);
    }
}

#[test]
fn plan_values_unknown_until_apply_are_symbolic_and_still_link() {
    let g = read_fixture("plan.json");
    assert_eq!(g.sources[0].kind, "terraform-plan");
    let machine = &g.state_machines["plan.json#aws_sfn_state_machine.orders"];
    assert_eq!(machine.origin, "terraform-plan");
    assert_eq!(machine.arn, Some(json!({"terraform": "aws_sfn_state_machine.orders.arn"})));
    assert_eq!(machine.role_arn, Some(json!({"terraform": "aws_iam_role.exec.arn"})));
    assert_eq!(machine.role.as_deref(), Some("plan.json#aws_iam_role.exec"));
    assert_eq!(machine.logging.level.as_deref(), Some("ERROR"));
    assert_eq!(machine.logging.destinations, vec![json!({"terraform": "aws_cloudwatch_log_group.orders.arn"})]);
    assert_eq!(machine.encryption.encryption_type, "CUSTOMER_MANAGED_KMS_KEY");
    assert_eq!(machine.encryption.kms_key_id, Some(json!({"terraform": "aws_kms_key.orders.arn"})));
    assert!(machine.tracing.enabled);
    assert_eq!(machine.tags["env"], json!("prod"), "tags_all holds the provider's default tags");
    assert_eq!(machine.states.len(), 4);
    assert!(g.states.contains_key("plan.json#aws_sfn_state_machine.orders/state/Notify"));

    let role = &g.roles["plan.json#aws_iam_role.exec"];
    assert_eq!(
        role.inline_policies,
        vec!["plan.json#aws_iam_role_policy.invoke", "plan.json#aws_iam_role_policy.queue"]
    );
    assert_eq!(
        role.managed_policies,
        vec!["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess", "plan.json#aws_iam_policy.publish"]
    );
    assert_eq!(role.permissions_boundary.as_deref(), Some("arn:aws:iam::111122223333:policy/workload-boundary"));
    let trust = &g.policies[role.trust_policy.as_deref().unwrap()];
    assert_eq!(trust.kind, PolicyKind::Trust);
    assert_eq!(trust.statements[0].condition["StringEquals"]["aws:SourceAccount"], vec![json!("111122223333")]);

    // A role with `count` inside a module, referenced as `aws_iam_role.exec[0].arn` there.
    let batch = &g.state_machines["plan.json#module.batch.aws_sfn_state_machine.this"];
    assert_eq!(batch.machine_type, "EXPRESS");
    assert_eq!(batch.role.as_deref(), Some("plan.json#module.batch.aws_iam_role.exec[0]"));
    assert!(!batch.has_definition);
    let diagnostic = g.diagnostics.iter().find(|d| d.node.as_deref() == Some(batch.id.as_str())).unwrap();
    assert_eq!(diagnostic.code, "TF_NOT_EVALUABLE");
    assert_eq!(diagnostic.source.pointer, "/planned_values/root_module/child_modules/0/resources/1/values/definition");
    assert!(diagnostic.message.contains("known only after apply"), "{}", diagnostic.message);
    assert!(diagnostic.source.line > 0);

    // SCP and RCP, attached through references to their (unknown) policy ids.
    let scp = &g.policies["plan.json#aws_organizations_policy.approved_regions"];
    assert_eq!(scp.kind, PolicyKind::Scp);
    assert_eq!(scp.attached_to, vec!["ou-ab12-workload1"]);
    assert_eq!(g.policies["plan.json#aws_organizations_policy.enforce_tls"].kind, PolicyKind::Rcp);
    let attachments: Vec<(&str, &str)> =
        g.organization.attachments.iter().map(|a| (a.policy.as_str(), a.target.as_str())).collect();
    assert_eq!(
        attachments,
        vec![
            ("plan.json#aws_organizations_policy.approved_regions", "ou-ab12-workload1"),
            ("plan.json#aws_organizations_policy.enforce_tls", "r-ab12"),
        ]
    );

    // The role being deleted is not in the plan's outcome; the trust data source is read
    // where it is used; the unused data source stands on its own.
    assert!(!g.roles.keys().any(|id| id.contains("legacy")));
    assert!(!g.policies.contains_key("plan.json#data.aws_iam_policy_document.sfn_trust"));
    assert_eq!(g.policies["plan.json#data.aws_iam_policy_document.audit"].kind, PolicyKind::Identity);

    // A policy built by a data source read only at apply: kept, symbolic, with a warning, and
    // the data source is not a second policy.
    let queue = &g.policies["plan.json#aws_iam_role_policy.queue"];
    assert!(queue.statements.is_empty());
    assert_eq!(queue.document, json!({"terraform": "data.aws_iam_policy_document.queue.json"}));
    assert!(g.diagnostics.iter().any(|d| d.node.as_deref() == Some(queue.id.as_str()) && d.code == "TF_NOT_EVALUABLE"));
    assert!(!g.policies.contains_key("plan.json#data.aws_iam_policy_document.queue"));
}

#[test]
fn state_ids_are_arns_and_inline_policies_are_not_doubled() {
    let g = read_fixture("state.json");
    assert_eq!(g.sources[0].kind, "terraform-state");
    let arn = "arn:aws:states:us-east-1:111122223333:stateMachine:orders";
    let machine = &g.state_machines[arn];
    assert_eq!(machine.origin, "terraform-state");
    assert_eq!(machine.role.as_deref(), Some("arn:aws:iam::111122223333:role/orders-sfn-exec"));
    assert_eq!(
        machine.logging.destinations,
        vec![json!("arn:aws:logs:us-east-1:111122223333:log-group:/aws/vendedlogs/states/orders:*")]
    );
    let role = &g.roles["arn:aws:iam::111122223333:role/orders-sfn-exec"];
    assert_eq!(role.account.as_deref(), Some("111122223333"));
    // The state lists `orders-invoke` both in the role and as its own resource.
    assert_eq!(
        role.inline_policies,
        vec!["state.json#aws_iam_role.exec/inline_policy/logs-delivery", "state.json#aws_iam_role_policy.invoke"]
    );
    assert_eq!(
        role.managed_policies,
        vec!["arn:aws:iam::111122223333:policy/orders-publish", "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]
    );
    assert_eq!(g.policies["arn:aws:iam::111122223333:policy/orders-publish"].attached_to, vec![role.id.clone()]);
    // Organization policies are attached by their `p-` id.
    let scp = "arn:aws:organizations::999988887777:policy/o-exampleorgid/service_control_policy/p-examplescp1";
    assert_eq!(g.policies[scp].attached_to, vec!["ou-ab12-workload1"]);
    let attachments: Vec<(&str, &str)> =
        g.organization.attachments.iter().map(|a| (a.policy.as_str(), a.target.as_str())).collect();
    assert_eq!(attachments, vec![(scp, "ou-ab12-workload1"), ("p-FullAWSAccess", "r-ab12")]);
    assert!(g.diagnostics.is_empty(), "{:?}", g.diagnostics);
    // Nothing in a state is symbolic.
    assert!(!serde_json::to_string(&g).unwrap().contains("\"terraform\":"));
}

#[test]
fn hcl_literal_definitions_are_read_with_file_lines() {
    let text = fixture("main.tf");
    let g = read_fixture("main.tf");
    assert_eq!(g.sources[0].kind, "terraform-hcl");

    // Heredoc with interpolations: one interpolation is a reference, and a bare one outside a
    // JSON string is still read.
    let orders = &g.state_machines["main.tf#aws_sfn_state_machine.orders"];
    assert!(orders.has_definition);
    assert_eq!(orders.role.as_deref(), Some("main.tf#aws_iam_role.sfn"));
    assert_eq!(orders.role_arn, Some(json!({"terraform": "aws_iam_role.sfn.arn"})));
    assert_eq!(orders.logging.destinations, vec![json!({"sub": "${aws_cloudwatch_log_group.sfn.arn}:*"})]);
    let validate = &g.states["main.tf#aws_sfn_state_machine.orders/state/Validate"];
    assert_eq!(
        validate.parameters.as_ref().unwrap()["FunctionName"],
        json!({"terraform": "aws_lambda_function.worker.arn"})
    );
    assert_eq!(validate.timeout_seconds, Some(json!({"terraform": "var.timeout_seconds"})));
    assert_eq!(validate.source.line, line_of(&text, "\"Validate\": {"));

    // jsonencode: the states keep the lines of the HCL object.
    let express = &g.state_machines["main.tf#aws_sfn_state_machine.express"];
    assert_eq!(express.machine_type, "EXPRESS");
    let work = &g.states["main.tf#aws_sfn_state_machine.express/state/Work"];
    assert_eq!(work.resource, Some(json!({"terraform": "aws_lambda_function.worker.arn"})));
    assert_eq!(work.source.line, line_of(&text, "Work = {"));
    assert_eq!(work.retry[0].max_attempts, Some(json!(3)));

    // templatefile(): the machine is there, without definition, with a warning at the attribute.
    let batch = &g.state_machines["main.tf#aws_sfn_state_machine.batch"];
    assert!(!batch.has_definition);
    assert!(batch.role.is_none());
    assert_eq!(batch.role_arn, Some(json!("arn:aws:iam::111122223333:role/batch-runner")));
    let diagnostic = g.diagnostics.iter().find(|d| d.node.as_deref() == Some(batch.id.as_str())).unwrap();
    assert_eq!(diagnostic.code, "TF_NOT_EVALUABLE");
    assert_eq!(diagnostic.source.file, "main.tf");
    assert_eq!(diagnostic.source.line, line_of(&text, "definition = templatefile("));
    assert_eq!(diagnostic.source.pointer, "/resource/aws_sfn_state_machine/batch/definition");
    assert!(diagnostic.message.contains("templatefile("), "{}", diagnostic.message);
    assert!(!diagnostic.message.contains('\n'));
    assert_eq!(g.diagnostics.len(), 1);
}

#[test]
fn hcl_policies_link_to_roles_and_policy_documents_are_built() {
    let text = fixture("main.tf");
    let g = read_fixture("main.tf");
    let role = &g.roles["main.tf#aws_iam_role.sfn"];
    assert_eq!(role.arn, Some(json!({"terraform": "aws_iam_role.sfn.arn"})));
    assert_eq!(role.inline_policies, vec!["main.tf#aws_iam_role_policy.invoke"]);
    assert_eq!(
        role.managed_policies,
        vec!["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess", "main.tf#aws_iam_policy.publish"]
    );

    let trust = &g.policies["main.tf#aws_iam_role.sfn/assume_role_policy"];
    assert_eq!(
        trust.statements[0].condition["StringEquals"]["aws:SourceAccount"],
        vec![json!({"terraform": "data.aws_caller_identity.current.account_id"})]
    );
    let invoke = &g.policies["main.tf#aws_iam_role_policy.invoke"];
    assert_eq!(
        invoke.statements[0].resource,
        vec![
            json!({"terraform": "aws_lambda_function.worker.arn"}),
            json!({"sub": "${aws_lambda_function.worker.arn}:*"})
        ]
    );
    assert_eq!(invoke.statements[0].source.line, line_of(&text, "\"Sid\": \"InvokeWorker\"") - 1);

    // `policy = data.aws_iam_policy_document.publish.json`, built from the statement blocks.
    let publish = &g.policies["main.tf#aws_iam_policy.publish"];
    assert_eq!(publish.statements.len(), 2);
    assert_eq!(publish.statements[0].sid.as_deref(), Some("PublishFailures"));
    assert_eq!(publish.statements[0].effect, "Allow");
    assert_eq!(publish.statements[1].condition["Bool"]["aws:SecureTransport"], vec![json!("false")]);
    assert!(!g.policies.contains_key("main.tf#data.aws_iam_policy_document.publish"));

    // An indented heredoc SCP, attached to an OU known only by reference.
    let scp = &g.policies["main.tf#aws_organizations_policy.deny_leave"];
    assert_eq!(scp.kind, PolicyKind::Scp);
    assert_eq!(scp.statements[0].action, vec![json!("organizations:LeaveOrganization")]);
    assert_eq!(scp.statements[0].source.line, line_of(&text, "\"Action\": \"organizations:LeaveOrganization\"") - 2);
    assert_eq!(g.organization.attachments[0].target, "aws_organizations_organizational_unit.workloads.id");
}

#[test]
fn hcl_non_literal_documents_are_warnings_not_errors() {
    let text = r#"
locals {
  definition = { StartAt = "A", States = { A = { Type = "Succeed" } } }
}

resource "aws_sfn_state_machine" "from_local" {
  name       = "a"
  role_arn   = var.role_arn
  definition = jsonencode(local.definition)
}

resource "aws_sfn_state_machine" "from_file" {
  name       = "b"
  role_arn   = aws_iam_role.missing.arn
  definition = file("${path.module}/b.asl.json")
}

resource "aws_sfn_state_machine" "directive" {
  name       = "c"
  role_arn   = "arn:aws:iam::111122223333:role/c"
  definition = <<EOF
{"StartAt": "A", "States": {"A": {"Type": "Pass", %{ if var.wait }"Next": "W"%{ else }"End": true%{ endif }}}}
EOF
}

resource "aws_iam_role_policy" "from_variable" {
  name   = "p"
  role   = "some-role"
  policy = var.policy_json
}
"#;
    let g = graph(&[("dynamic.tf", text)]).unwrap();
    assert_eq!(g.state_machines.len(), 3);
    assert!(g.state_machines.values().all(|m| !m.has_definition));
    let lines: Vec<(String, u32)> = g
        .diagnostics
        .iter()
        .map(|d| {
            assert_eq!(d.code, "TF_NOT_EVALUABLE");
            (d.node.clone().unwrap(), d.source.line)
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("dynamic.tf#aws_sfn_state_machine.from_local".to_owned(), line_of(text, "jsonencode(local.definition)")),
            ("dynamic.tf#aws_sfn_state_machine.from_file".to_owned(), line_of(text, "definition = file(")),
            ("dynamic.tf#aws_sfn_state_machine.directive".to_owned(), line_of(text, "definition = <<EOF")),
            ("dynamic.tf#aws_iam_role_policy.from_variable".to_owned(), line_of(text, "policy = var.policy_json")),
        ]
    );
    let machine = &g.state_machines["dynamic.tf#aws_sfn_state_machine.from_local"];
    assert_eq!(machine.role_arn, Some(json!({"terraform": "var.role_arn"})));
    assert!(machine.role.is_none());
    // The role reference names a role this file does not define: no link is guessed.
    assert!(g.state_machines["dynamic.tf#aws_sfn_state_machine.from_file"].role.is_none());
    // The policy node is kept, with its document symbolic and no statements.
    let policy = &g.policies["dynamic.tf#aws_iam_role_policy.from_variable"];
    assert!(policy.statements.is_empty());
    assert_eq!(policy.document, json!({"terraform": "var.policy_json"}));
}

#[test]
fn output_is_deterministic() {
    let plan = fixture("plan.json");
    let tf = fixture("main.tf");
    let first = graph(&[("plan.json", &plan), ("main.tf", &tf)]).unwrap().to_json_pretty();
    for _ in 0..3 {
        assert_eq!(graph(&[("main.tf", &tf), ("plan.json", &plan)]).unwrap().to_json_pretty(), first);
    }
}

#[test]
fn plan_shape_errors_name_file_line_and_pointer() {
    let plan = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.5",
  "planned_values": {
    "root_module": {
      "resources": {"aws_iam_role.x": {}}
    }
  }
}"#;
    let e = error(&[("bad-plan.json", plan)]);
    assert_eq!((e.file(), e.line(), e.pointer()), ("bad-plan.json", Some(6), "/planned_values/root_module/resources"));
    assert_eq!(e.message(), "expected an array, found an object");
    assert_eq!(e.kind(), InputErrorKind::Shape);

    let machine_name = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [
  {"address": "aws_sfn_state_machine.m", "mode": "managed", "type": "aws_sfn_state_machine", "name": "m",
   "values": {"name": 42, "definition": "{}"}}
]}}}"#;
    let e = error(&[("state.json", machine_name)]);
    assert_eq!(e.pointer(), "/values/root_module/resources/0/values/name");
    assert_eq!(e.line(), Some(3));
    assert_eq!(e.message(), "expected a string, found a number");

    let missing_type = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [{"address": "x.y"}]}}}"#;
    let e = error(&[("state.json", missing_type)]);
    assert_eq!(e.pointer(), "/values/root_module/resources/0");
    assert_eq!(e.message(), "missing `type`");

    let version = r#"{"format_version": "2.0", "terraform_version": "9.0.0", "values": {}}"#;
    let e = error(&[("future.json", version)]);
    assert_eq!(e.pointer(), "/format_version");
    assert!(e.message().contains("`2.0`"), "{}", e.message());
}

#[test]
fn documents_inside_json_strings_report_their_place() {
    let broken_policy = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [
  {"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy", "name": "p",
   "values": {"name": "p", "policy": "{\"Version\": \"2012-10-17\", \"Statement\": [}"}}
]}}}"#;
    let e = error(&[("state.json", broken_policy)]);
    assert_eq!(e.pointer(), "/values/root_module/resources/0/values/policy");
    assert_eq!(e.line(), Some(3));
    assert!(e.message().starts_with("line 1 of the policy: "), "{}", e.message());
    assert_eq!(e.kind(), InputErrorKind::Syntax);

    let bad_statement = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [
  {"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy", "name": "p",
   "values": {"name": "p", "policy": "{\"Statement\": [{\"Effect\": \"Allow\", \"Actions\": \"s3:*\"}]}"}}
]}}}"#;
    let e = error(&[("state.json", bad_statement)]);
    assert_eq!(e.pointer(), "/values/root_module/resources/0/values/policy/Statement/0/Actions");
    assert_eq!(e.line(), Some(3));
    assert_eq!(e.message(), "unknown statement element `Actions`");

    let bad_definition = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [
  {"address": "aws_sfn_state_machine.m", "mode": "managed", "type": "aws_sfn_state_machine", "name": "m",
   "values": {"name": "m", "definition": "{\n  \"StartAt\": \"A\",\n  \"States\": {\n}"}}
]}}}"#;
    let e = error(&[("state.json", bad_definition)]);
    assert_eq!(e.pointer(), "/values/root_module/resources/0/values/definition");
    assert!(e.message().starts_with("line 4 of the definition"), "{}", e.message());
}

#[test]
fn hcl_errors_name_line_and_column() {
    let syntax = "resource \"aws_iam_role\" \"r\" {\n  name = \"r\"\n  tags = {\n}\n";
    let e = error(&[("broken.tf", syntax)]);
    assert_eq!(e.kind(), InputErrorKind::Syntax);
    assert_eq!(e.file(), "broken.tf");
    assert!(e.line().is_some() && e.column().is_some(), "{e}");
    assert!(!e.message().contains('\n'), "{}", e.message());

    // Inside a heredoc, the error is at the file line of the bad element.
    let policy = r#"resource "aws_iam_policy" "p" {
  name   = "p"
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resourse": "*"}
  ]
}
EOF
}
"#;
    let e = error(&[("policy.tf", policy)]);
    assert_eq!(e.line(), Some(7));
    assert_eq!(e.pointer(), "/resource/aws_iam_policy/p/policy/Statement/0/Resourse");
    assert_eq!(e.message(), "unknown statement element `Resourse`");

    let definition = "resource \"aws_sfn_state_machine\" \"m\" {\n  name = \"m\"\n  role_arn = \"arn:aws:iam::111122223333:role/r\"\n  definition = <<EOF\n{\n  \"StartAt\": \"A\",\n  \"States\": {\"A\": {\"Type\": \"Pass\" \"End\": true}}\n}\nEOF\n}\n";
    let e = error(&[("machine.tf", definition)]);
    assert_eq!(e.line(), Some(7));
    assert_eq!(e.pointer(), "/resource/aws_sfn_state_machine/m/definition");
    assert!(e.message().starts_with("in the definition: "), "{}", e.message());

    let duplicate = "resource \"aws_iam_role\" \"r\" {\n  name = \"a\"\n}\n\nresource \"aws_iam_role\" \"r\" {\n  name = \"b\"\n}\n";
    let e = error(&[("dup.tf", duplicate)]);
    assert_eq!(e.line(), Some(5));
    assert_eq!(e.message(), "`aws_iam_role.r` is also defined at line 1");

    let wrong_block =
        "resource \"aws_sfn_state_machine\" \"m\" {\n  name = \"m\"\n  logging_configuration = \"ALL\"\n}\n";
    let e = error(&[("block.tf", wrong_block)]);
    assert_eq!(e.pointer(), "/resource/aws_sfn_state_machine/m/logging_configuration");
    assert_eq!(e.line(), Some(3));
}

#[test]
fn quoted_template_definitions_are_read() {
    let text = r#"resource "aws_sfn_state_machine" "m" {
  name       = "m"
  role_arn   = "arn:aws:iam::111122223333:role/r"
  definition = "{\"StartAt\": \"Call\", \"States\": {\"Call\": {\"Type\": \"Task\", \"Resource\": \"arn:aws:lambda:${var.region}:111122223333:function:f\", \"End\": true}}}"
}
"#;
    let g = graph(&[("quoted.tf", text)]).unwrap();
    let call = &g.states["quoted.tf#aws_sfn_state_machine.m/state/Call"];
    assert_eq!(call.resource, Some(json!({"sub": "arn:aws:lambda:${var.region}:111122223333:function:f"})));
    assert_eq!(call.source.line, 4);
    let value: Value = g.to_value();
    assert_eq!(value["state_machines"]["quoted.tf#aws_sfn_state_machine.m"]["role"], Value::Null);
}

#[test]
fn truncated_inputs_fail_cleanly() {
    for (name, step) in [("main.tf", 11), ("plan.json", 97), ("state.json", 43)] {
        let text = fixture(name);
        for end in (1..text.len()).step_by(step).filter(|&i| text.is_char_boundary(i)) {
            // Either outcome is fine; a panic fails the test. Errors always name the file.
            if let Err(e) = graph(&[(name, &text[..end])]) {
                assert!(e.input_errors().iter().all(|i| i.file() == name), "{e}");
            }
        }
    }
}
