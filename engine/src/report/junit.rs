//! JUnit XML, the format CI systems show as test results: one test suite per file, one failing
//! test case per finding, waived findings as skipped cases. A run without findings has one
//! passing case, so an empty report is never mistaken for "no tests ran".

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Report, xml_escape};
use crate::policy::Finding;

pub(super) fn render(report: &Report<'_>) -> String {
    let d = report.decision;
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in d.findings.iter().chain(d.waived.iter()) {
        by_file.entry(f.file.as_deref().unwrap_or("(no file)")).or_default().push(f);
    }
    let total = d.findings.len() + d.waived.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"stepguard\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
        total.max(1),
        d.findings.len(),
        d.waived.len()
    );
    if by_file.is_empty() {
        out.push_str("  <testsuite name=\"stepguard\" tests=\"1\" failures=\"0\" skipped=\"0\">\n");
        out.push_str("    <testcase classname=\"stepguard\" name=\"no findings\"/>\n");
        out.push_str("  </testsuite>\n");
    }
    for (file, findings) in by_file {
        let failures = findings.iter().filter(|f| f.waiver.is_none()).count();
        let skipped = findings.len() - failures;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
            xml_escape(file),
            findings.len()
        );
        for f in findings {
            let name = format!("{} {}", f.rule, f.node.as_deref().unwrap_or(""));
            let line = f.line.map(|l| format!(" line=\"{l}\"")).unwrap_or_default();
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"{line}>",
                xml_escape(&f.rule),
                xml_escape(name.trim_end()),
                xml_escape(file)
            );
            match &f.waiver {
                Some(w) => {
                    let _ = write!(out, "<skipped message=\"{}\"/>", xml_escape(&format!("waived: {}", w.reason)));
                }
                None => {
                    let _ = write!(
                        out,
                        "<failure message=\"{}\" type=\"{}\">{}</failure>",
                        xml_escape(&f.message),
                        f.severity,
                        xml_escape(&format!("{} [{}] {}\nat {}", f.rule, f.severity, f.message, Report::place(f)))
                    );
                }
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
