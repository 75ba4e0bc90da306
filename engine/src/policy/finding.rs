//! What an evaluation produces: findings, and the allow/deny decision they lead to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How serious a finding is. Ordered from least to most severe.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run unless `--fail-on info`.
    Info,
    /// Minor.
    Low,
    /// Should be fixed.
    Medium,
    /// Must be fixed before deploying (the default `--fail-on` threshold).
    High,
    /// Exploitable or certain to break.
    Critical,
}

impl Severity {
    /// Every severity, least severe first.
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "informational" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" | "moderate" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!("unknown severity `{s}` (expected critical, high, medium, low or info)")),
        }
    }
}

/// The overall outcome.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No unwaived finding at or above the threshold.
    Allow,
    /// At least one unwaived finding at or above the threshold.
    Deny,
}

impl Verdict {
    /// `allow` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
        }
    }
}

/// Which engine produced a finding.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A Rego policy (regorus).
    Rego,
    /// A Cedar policy (cedar-policy).
    Cedar,
}

/// A waiver that silenced a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AppliedWaiver {
    /// Why the finding is accepted.
    pub reason: String,
    /// Where the waiver is written (`stepguard.toml`, a tag, template `Metadata`, a Rego
    /// `exception`).
    pub source: String,
    /// Last day the waiver applies, `YYYY-MM-DD`.
    pub expires: Option<String>,
}

/// One problem a policy found, located as precisely as the graph allows.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id (e.g. `IAM001`).
    pub rule: String,
    /// Severity after defaults and metadata.
    pub severity: Severity,
    /// What is wrong, in one line. Never contains a secret value.
    pub message: String,
    /// Fact-graph id of the node concerned.
    pub node: Option<String>,
    /// JSON pointer inside the node, when the policy gave one.
    pub path: Option<String>,
    /// File of the node.
    pub file: Option<String>,
    /// Line in the file.
    pub line: Option<u32>,
    /// JSON pointer in the file.
    pub pointer: Option<String>,
    /// Which engine produced it.
    pub backend: Backend,
    /// The Rego package and rule (`data.stepguard.rules.iam.deny`) or Cedar policy id.
    pub policy: String,
    /// `deny` (a failure) or `warn` (a warning, reported but never failing a run on its own
    /// unless its severity is at or above the threshold).
    pub kind: FindingKind,
    /// The waiver that silenced it, for waived findings.
    pub waiver: Option<AppliedWaiver>,
}

/// Whether a finding came from a `deny`/`violation` rule or a `warn` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// `deny`, `violation`, or a Cedar `forbid`.
    Deny,
    /// `warn`.
    Warn,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Findings that count (not waived).
    pub findings: usize,
    /// Findings silenced by a waiver or exception.
    pub waived: usize,
    /// Unwaived findings by severity, most severe first.
    pub by_severity: Vec<(Severity, usize)>,
    /// State machines evaluated.
    pub state_machines: usize,
    /// Files read.
    pub files: usize,
}

/// The result of evaluating policies over a graph.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// `allow` or `deny`.
    pub decision: Verdict,
    /// The threshold applied.
    pub fail_on: Severity,
    /// Findings that count, sorted by file, line, rule and node.
    pub findings: Vec<Finding>,
    /// Findings silenced by waivers or exceptions, sorted the same way.
    pub waived: Vec<Finding>,
    /// Notes about the run (an expired waiver, a waiver that matched nothing).
    pub notes: Vec<String>,
    /// Counts.
    pub summary: Summary,
}

impl Decision {
    /// Builds the decision from findings: sorts, splits waived from unwaived, applies the
    /// threshold.
    pub(crate) fn from_findings(
        mut all: Vec<Finding>,
        fail_on: Severity,
        notes: Vec<String>,
        state_machines: usize,
        files: usize,
    ) -> Self {
        all.sort_by(|a, b| {
            (&a.file, a.line, &a.rule, &a.node, &a.path, a.backend, &a.message)
                .cmp(&(&b.file, b.line, &b.rule, &b.node, &b.path, b.backend, &b.message))
        });
        all.dedup_by(|a, b| a.rule == b.rule && a.node == b.node && a.path == b.path && a.message == b.message);
        // A rule implemented in both Rego and Cedar reports once per place: keep Rego's wording.
        let from_rego: std::collections::BTreeSet<(String, Option<String>, Option<String>)> = all
            .iter()
            .filter(|f| f.backend == Backend::Rego)
            .map(|f| (f.rule.clone(), f.node.clone(), f.path.clone()))
            .collect();
        all.retain(|f| {
            f.backend == Backend::Rego || !from_rego.contains(&(f.rule.clone(), f.node.clone(), f.path.clone()))
        });
        let (waived, findings): (Vec<_>, Vec<_>) = all.into_iter().partition(|f| f.waiver.is_some());
        let decision = if findings.iter().any(|f| f.severity >= fail_on) { Verdict::Deny } else { Verdict::Allow };
        let by_severity = Severity::ALL
            .iter()
            .rev()
            .map(|s| (*s, findings.iter().filter(|f| f.severity == *s).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        let summary = Summary { findings: findings.len(), waived: waived.len(), by_severity, state_machines, files };
        Self { decision, fail_on, findings, waived, notes, summary }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, severity: Severity) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            message: "m".into(),
            node: None,
            path: None,
            file: None,
            line: None,
            pointer: None,
            backend: Backend::Rego,
            policy: "p".into(),
            kind: FindingKind::Deny,
            waiver: None,
        }
    }

    #[test]
    fn threshold_decides() {
        let d = Decision::from_findings(vec![finding("A", Severity::Medium)], Severity::High, vec![], 0, 0);
        assert_eq!(d.decision, Verdict::Allow);
        let d = Decision::from_findings(vec![finding("A", Severity::Medium)], Severity::Medium, vec![], 0, 0);
        assert_eq!(d.decision, Verdict::Deny);
        let mut waived = finding("B", Severity::Critical);
        waived.waiver = Some(AppliedWaiver { reason: "r".into(), source: "s".into(), expires: None });
        let d = Decision::from_findings(vec![waived], Severity::Info, vec![], 0, 0);
        assert_eq!(d.decision, Verdict::Allow);
        assert_eq!(d.summary.waived, 1);
    }

    #[test]
    fn severities_parse_and_order() {
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
    }
}
