//! SARIF 2.1.0 (<https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>): one run,
//! the engine's rules as `tool.driver.rules`, one result per finding with a physical location
//! (file and line) and a logical location (the fact-graph node). Waived findings are results
//! with an external suppression, so dashboards show them as accepted.

use serde_json::{Value, json};

use super::Report;
use crate::policy::{Finding, RuleInfo, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0.0–10.0) to rank security findings.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn rule_descriptor(rule: &RuleInfo) -> Value {
    let mut help = rule.description.clone().unwrap_or_else(|| rule.title.clone());
    if let Some(fix) = &rule.remediation {
        help.push_str("\n\nHow to fix: ");
        help.push_str(fix);
    }
    let mut d = json!({
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": if rule.title.is_empty() { rule.id.clone() } else { rule.title.clone() }},
        "fullDescription": {"text": rule.description.clone().unwrap_or_else(|| rule.title.clone())},
        "help": {"text": help},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "security-severity": security_severity(rule.severity),
            "severity": rule.severity.as_str(),
            "backend": rule.backend,
            "policy": rule.policy,
            "tags": ["security", "step-functions"],
        },
    });
    if let Some(uri) = rule.related.first() {
        d["helpUri"] = json!(uri);
    }
    d
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": f.message},
        "properties": {"severity": f.severity.as_str(), "backend": f.backend, "policy": f.policy},
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    let mut location = json!({});
    if let Some(file) = &f.file {
        let mut physical = json!({"artifactLocation": {"uri": file}});
        if let Some(line) = f.line {
            physical["region"] = json!({"startLine": line});
        }
        location["physicalLocation"] = physical;
    }
    if let Some(node) = &f.node {
        let name = match &f.path {
            Some(p) => format!("{node}{p}"),
            None => node.clone(),
        };
        location["logicalLocations"] = json!([{"fullyQualifiedName": name}]);
        r["partialFingerprints"] =
            json!({"stepguard/v1": format!("{}|{}|{}", f.rule, node, f.path.as_deref().unwrap_or(""))});
    }
    if location.as_object().is_some_and(|o| !o.is_empty()) {
        r["locations"] = json!([location]);
    }
    if let Some(pointer) = &f.pointer {
        r["properties"]["pointer"] = json!(pointer);
    }
    if let Some(w) = &f.waiver {
        r["suppressions"] =
            json!([{"kind": "external", "justification": w.reason, "properties": {"source": w.source}}]);
    }
    r
}

pub(super) fn render(report: &Report<'_>) -> String {
    let d = report.decision;
    let mut rules: Vec<&RuleInfo> = report.rules.iter().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules.dedup_by(|a, b| a.id == b.id);
    let index_of = |id: &str| rules.iter().position(|r| r.id == id);
    let results: Vec<Value> = d.findings.iter().chain(d.waived.iter()).map(|f| result(f, index_of(&f.rule))).collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "stepguard",
                "version": report.version,
                "informationUri": "https://github.com/stepguard/stepguard",
                "rules": rules.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"decision": d.decision, "fail_on": d.fail_on},
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}
