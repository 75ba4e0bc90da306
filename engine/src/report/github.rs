//! GitHub Actions workflow commands: `::error file=F,line=L,title=T::message`, which GitHub shows
//! as annotations on the pull request's diff. Critical and high findings are errors, medium and
//! low warnings, info notices.

use std::fmt::Write as _;

use super::Report;
use crate::policy::Severity;

/// Escapes the message part of a workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub(super) fn render(report: &Report<'_>) -> String {
    let d = report.decision;
    let mut out = String::new();
    for f in &d.findings {
        let command = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium | Severity::Low => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(file) = &f.file {
            props.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = f.line {
            props.push(format!("line={line}"));
        }
        props.push(format!("title={}", escape_property(&format!("{} ({})", f.rule, f.severity))));
        let _ = writeln!(out, "::{command} {}::{}", props.join(","), escape_data(&f.message));
    }
    for note in &d.notes {
        let _ = writeln!(out, "::warning title=stepguard::{}", escape_data(note));
    }
    let _ = writeln!(
        out,
        "stepguard: {} with {} finding(s) and {} waived (failing at {} or above)",
        d.decision.as_str(),
        d.summary.findings,
        d.summary.waived,
        d.fail_on
    );
    out
}
