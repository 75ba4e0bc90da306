//! `stepguard init`: a policy repository that passes `stepguard test` as created.

use std::io::Write;
use std::path::Path;

use super::args::InitArgs;
use super::{CliError, ExitStatus};

const CONFIG: &str = r#"# stepguard configuration: https://example.invalid/stepguard/docs/cli.md
# Deny when an unwaived finding is at or above this severity.
fail_on = "high"

# Your own bundles, evaluated together with the built-in one.
bundles = ["policies/custom"]

# Inputs stepguard should not read.
exclude = ["node_modules/**", "cdk.out/**"]

# Accept a finding for a reason, until a date.
# [[waivers]]
# rule = "TRC001"
# node = "infra/template.yaml#*"
# reason = "tracing is enabled by the platform team's aspect"
# expires = "2027-06-30"
"#;

const RULE: &str = r#"# METADATA
# title: Team ownership
package stepguard.custom.ownership

import rego.v1

# METADATA
# title: State machine has no owner tag
# description: Every workflow names the team that is paged when it fails.
# custom:
#   id: CUSTOM001
#   severity: medium
#   remediation: Add an `owner` tag to the state machine.
deny contains finding if {
	some machine in input.state_machines
	not machine.tags.owner
	finding := {
		"rule": "CUSTOM001",
		"message": sprintf("state machine `%s` has no `owner` tag", [machine.id]),
		"node": machine.id,
	}
}
"#;

const RULE_TEST: &str = r#"package stepguard.custom.ownership_test

import data.stepguard.custom.ownership
import rego.v1

test_untagged_machine_is_reported if {
	findings := ownership.deny with input as {"state_machines": {"m": {"id": "m", "tags": {}}}}
	some f in findings
	f.rule == "CUSTOM001"
	f.node == "m"
}

test_tagged_machine_passes if {
	findings := ownership.deny with input as {"state_machines": {"m": {"id": "m", "tags": {"owner": "payments"}}}}
	count(findings) == 0
}
"#;

const WORKFLOW: &str = r#"# Runs stepguard on every pull request: policy tests, then the gate.
name: stepguard
on: [pull_request]
jobs:
  stepguard:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Install stepguard
        run: cargo install --locked --git https://example.invalid/stepguard stepguard
      - name: Policy tests
        run: stepguard test policies/custom
      - name: Evaluate
        run: stepguard eval . --format github
"#;

const FILES: &[(&str, &str)] = &[
    ("stepguard.toml", CONFIG),
    ("policies/custom/ownership.rego", RULE),
    ("policies/custom/ownership_test.rego", RULE_TEST),
    (".github/workflows/stepguard.yml", WORKFLOW),
];

pub(super) fn init(args: &InitArgs) -> Result<ExitStatus, CliError> {
    let existing: Vec<String> =
        FILES.iter().map(|(p, _)| args.dir.join(p)).filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
    if !existing.is_empty() {
        return Err(CliError::Io(std::io::Error::other(format!(
            "refusing to overwrite existing files: {}",
            existing.join(", ")
        ))));
    }
    for (path, text) in FILES {
        let target = args.dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, text)?;
    }
    let mut stdout = std::io::stdout().lock();
    for (path, _) in FILES {
        writeln!(stdout, "created {}", display(&args.dir.join(path)))?;
    }
    writeln!(
        stdout,
        "next: `stepguard test {}` and `stepguard eval {}`",
        display(&args.dir.join("policies/custom")),
        display(&args.dir)
    )?;
    Ok(ExitStatus::Success)
}

fn display(path: &Path) -> String {
    path.display().to_string().trim_start_matches("./").to_owned()
}
