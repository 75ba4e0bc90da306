//! Rendering a [`Decision`] in every output format. One file per format; each renders the same
//! [`Report`].

mod github;
mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::policy::{Decision, Finding, RuleInfo};

/// Output formats.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Human-readable, grouped by file, with the offending lines.
    Text,
    /// The stable JSON contract (`docs/report-json.md`).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// Markdown, for a pull-request comment.
    Markdown,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] =
        [Format::Text, Format::Json, Format::Sarif, Format::Junit, Format::Github, Format::Markdown];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Markdown => "markdown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown format `{s}` (expected text, json, sarif, junit, github or markdown)"))
    }
}

/// What a renderer needs: the decision, the rules (for titles and SARIF rule metadata), and
/// optionally the text of source lines to quote.
// CAUTION: publicly exported
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The decision to render.
    pub decision: &'a Decision,
    /// Every rule of the engine.
    pub rules: &'a [RuleInfo],
    /// Source lines to quote in text output: `(file, line)` → the line's text.
    pub snippets: BTreeMap<(String, u32), String>,
    /// Colour text output (only on a terminal).
    pub color: bool,
    /// The tool version written into SARIF and JSON.
    pub version: &'a str,
}

impl<'a> Report<'a> {
    /// A report without snippets or colour.
    pub fn new(decision: &'a Decision, rules: &'a [RuleInfo]) -> Self {
        Self { decision, rules, snippets: BTreeMap::new(), color: false, version: env!("CARGO_PKG_VERSION") }
    }

    /// Renders in `format`.
    ///
    /// ```
    /// let decision = stepguard::Decision {
    ///     decision: stepguard::Verdict::Allow,
    ///     fail_on: stepguard::Severity::High,
    ///     findings: vec![],
    ///     waived: vec![],
    ///     notes: vec![],
    ///     summary: Default::default(),
    /// };
    /// let out = stepguard::Report::new(&decision, &[]).render(stepguard::Format::Json);
    /// assert!(out.contains("\"decision\": \"allow\""));
    /// ```
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => text::render(self),
            Format::Json => json::render(self),
            Format::Sarif => sarif::render(self),
            Format::Junit => junit::render(self),
            Format::Github => github::render(self),
            Format::Markdown => markdown::render(self),
        }
    }

    /// `file:line` of a finding, or the node id when it has no file.
    pub(crate) fn place(finding: &Finding) -> String {
        match (&finding.file, finding.line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => file.clone(),
            _ => finding.node.clone().unwrap_or_else(|| "(no location)".to_owned()),
        }
    }
}

/// Escapes text for XML attribute and element content.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}
