//! The JSON contract: `{"version", "decision", "fail_on", "findings", "waived", "notes",
//! "summary"}`, documented in `docs/report-json.md`. Field names and meanings are stable within a
//! major version.

use serde::Serialize;

use super::Report;
use crate::policy::{Finding, Severity, Verdict};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: &'static str,
    tool_version: &'a str,
    decision: Verdict,
    fail_on: Severity,
    findings: &'a [Finding],
    waived: &'a [Finding],
    notes: &'a [String],
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    findings: usize,
    waived: usize,
    by_severity: serde_json::Map<String, serde_json::Value>,
    state_machines: usize,
    files: usize,
}

pub(super) fn render(report: &Report<'_>) -> String {
    let d = report.decision;
    let by_severity = Severity::ALL
        .iter()
        .rev()
        .map(|s| {
            let n = d.summary.by_severity.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            (s.as_str().to_owned(), serde_json::Value::from(n))
        })
        .collect();
    let doc = JsonReport {
        version: "1",
        tool_version: report.version,
        decision: d.decision,
        fail_on: d.fail_on,
        findings: &d.findings,
        waived: &d.waived,
        notes: &d.notes,
        summary: Summary {
            findings: d.summary.findings,
            waived: d.summary.waived,
            by_severity,
            state_machines: d.summary.state_machines,
            files: d.summary.files,
        },
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}
