//! Human-readable output: findings grouped by file, the offending line quoted, a summary last.
//! Colour only when the caller says the output is a terminal.

use std::fmt::Write as _;

use super::Report;
use crate::policy::{Finding, Severity, Verdict};

fn paint(report: &Report<'_>, code: &str, text: &str) -> String {
    if report.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

pub(super) fn render(report: &Report<'_>) -> String {
    let d = report.decision;
    let mut out = String::new();
    let mut current_file: Option<&str> = None;
    for f in &d.findings {
        let file = f.file.as_deref().unwrap_or("(no file)");
        if current_file != Some(file) {
            if current_file.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", paint(report, "1", file));
            current_file = Some(file);
        }
        write_finding(report, &mut out, f);
    }
    if !d.waived.is_empty() {
        if !d.findings.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", paint(report, "2", &format!("waived ({}):", d.waived.len())));
        for f in &d.waived {
            let reason = f.waiver.as_ref().map(|w| w.reason.as_str()).unwrap_or_default();
            let _ = writeln!(out, "  {}  {}  {}  ({reason})", Report::place(f), f.rule, f.message);
        }
    }
    for note in &d.notes {
        let _ = writeln!(out, "{} {note}", paint(report, "33", "note:"));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let counts: Vec<String> = d.summary.by_severity.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let verdict = match d.decision {
        Verdict::Allow => paint(report, "1;32", "allow"),
        Verdict::Deny => paint(report, "1;31", "deny"),
    };
    let _ = write!(out, "{verdict}: {} finding(s)", d.summary.findings);
    if !counts.is_empty() {
        let _ = write!(out, " ({})", counts.join(", "));
    }
    let _ = write!(out, ", {} waived; failing at {} or above", d.summary.waived, d.fail_on);
    let _ = writeln!(out, "; {} state machine(s) in {} file(s)", d.summary.state_machines, d.summary.files);
    out
}

fn write_finding(report: &Report<'_>, out: &mut String, f: &Finding) {
    let position = f.line.map_or_else(|| "-".to_owned(), |l| l.to_string());
    let severity = paint(report, severity_color(f.severity), &format!("{:<8}", f.severity.as_str()));
    let _ = writeln!(out, "  {position:>5}  {severity} {:<7} {}", f.rule, f.message);
    if let (Some(file), Some(line)) = (&f.file, f.line)
        && let Some(text) = report.snippets.get(&(file.clone(), line))
    {
        let _ = writeln!(out, "         {} {}", paint(report, "2", "|"), text.trim_end());
    }
    if let Some(node) = &f.node {
        let detail = match &f.path {
            Some(p) => format!("{node} {p}"),
            None => node.clone(),
        };
        let _ = writeln!(out, "         {} {}", paint(report, "2", "node:"), paint(report, "2", &detail));
    }
}
