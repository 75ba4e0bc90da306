//! Markdown for a pull-request comment: the decision first, then a table of findings (most
//! severe first), then waived findings and notes in a collapsed section.

use std::fmt::Write as _;

use super::Report;
use crate::policy::{Finding, Verdict};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn row(out: &mut String, f: &Finding) {
    let place = Report::place(f);
    let _ = writeln!(out, "| {} | `{}` | `{}` | {} |", f.severity, cell(&f.rule), cell(&place), cell(&f.message));
}

pub(super) fn render(report: &Report<'_>) -> String {
    let d = report.decision;
    let mut out = String::new();
    let (icon, word) = match d.decision {
        Verdict::Allow => ("✅", "allow"),
        Verdict::Deny => ("❌", "deny"),
    };
    let _ = writeln!(out, "### {icon} stepguard: **{word}**\n");
    let counts: Vec<String> = d.summary.by_severity.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let _ = writeln!(
        out,
        "{} finding(s){}, {} waived, failing at **{}** or above; {} state machine(s) in {} file(s).\n",
        d.summary.findings,
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) },
        d.summary.waived,
        d.fail_on,
        d.summary.state_machines,
        d.summary.files
    );
    if !d.findings.is_empty() {
        out.push_str("| Severity | Rule | Where | Finding |\n|---|---|---|---|\n");
        let mut sorted: Vec<&Finding> = d.findings.iter().collect();
        sorted.sort_by(|a, b| {
            b.severity.cmp(&a.severity).then_with(|| a.file.cmp(&b.file)).then_with(|| a.line.cmp(&b.line))
        });
        for f in sorted {
            row(&mut out, f);
        }
        out.push('\n');
    }
    if !d.waived.is_empty() || !d.notes.is_empty() {
        let _ = writeln!(out, "<details><summary>{} waived, {} note(s)</summary>\n", d.waived.len(), d.notes.len());
        if !d.waived.is_empty() {
            out.push_str("| Rule | Where | Reason |\n|---|---|---|\n");
            for f in &d.waived {
                let reason = f.waiver.as_ref().map(|w| w.reason.as_str()).unwrap_or_default();
                let _ = writeln!(out, "| `{}` | `{}` | {} |", cell(&f.rule), cell(&Report::place(f)), cell(reason));
            }
            out.push('\n');
        }
        for note in &d.notes {
            let _ = writeln!(out, "- {}", cell(note));
        }
        out.push_str("\n</details>\n");
    }
    out
}
