//! `stepguard.toml`: bundles, data, threshold, globs and waivers for a repository.
//!
//! ```toml
//! fail_on = "high"
//! bundles = ["policies/acme"]
//! data = ["policies/acme-data.json"]
//! exclude = ["examples/**"]
//!
//! [[waivers]]
//! rule = "IAM001"
//! node = "infra/template.yaml#Legacy*"
//! reason = "legacy role, replaced in Q3 (JIRA-123)"
//! expires = "2027-03-31"
//! ```

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use super::finding::{AppliedWaiver, Finding, Severity};
use crate::error::{Error, InputError, InputErrorKind};
use crate::model::FactGraph;

/// The parsed `stepguard.toml`.
// CAUTION: publicly exported
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Severity at or above which the decision is deny.
    pub fail_on: Option<Severity>,
    /// Extra bundle folders (relative paths are resolved against the config file's folder).
    pub bundles: Vec<PathBuf>,
    /// Whether the built-in bundle is loaded (default true).
    pub builtin: bool,
    /// Extra data files.
    pub data: Vec<PathBuf>,
    /// Include globs for inputs.
    pub include: Vec<String>,
    /// Exclude globs for inputs.
    pub exclude: Vec<String>,
    /// Rego package prefixes to evaluate.
    pub namespaces: Vec<String>,
    /// Time limit per rule evaluation, seconds.
    pub timeout_seconds: Option<u64>,
    /// Waivers.
    pub waivers: Vec<Waiver>,
}

/// A waiver: accept findings of one rule on matching nodes, for a reason, until a date.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    /// Rule id (`IAM001`); `*` waives every rule on the matching nodes.
    pub rule: String,
    /// Glob over node ids; absent means every node.
    pub node: Option<String>,
    /// Why the finding is accepted (required).
    pub reason: String,
    /// Last day the waiver applies (`YYYY-MM-DD`); after it the finding counts again.
    pub expires: Option<chrono::NaiveDate>,
    /// Where the waiver is written, for reports.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    fail_on: Option<String>,
    #[serde(default)]
    bundles: Vec<PathBuf>,
    builtin: Option<bool>,
    #[serde(default)]
    data: Vec<PathBuf>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    timeout_seconds: Option<u64>,
    #[serde(default)]
    waivers: Vec<RawWaiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: String,
    node: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
}

impl Config {
    /// Reads and validates a config file. Relative paths in it are resolved against its folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
        let display = path.display().to_string();
        let mut config = Config::from_toml(&display, &text)?;
        let base = path.parent().unwrap_or(Path::new(""));
        for p in config.bundles.iter_mut().chain(config.data.iter_mut()) {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// Parses config text; `name` is used in error messages.
    ///
    /// ```
    /// let config = stepguard::Config::from_toml("stepguard.toml", r#"
    /// fail_on = "medium"
    /// [[waivers]]
    /// rule = "TRC001"
    /// reason = "tracing is enabled by the platform team's aspect"
    /// "#)?;
    /// assert_eq!(config.fail_on, Some(stepguard::Severity::Medium));
    /// assert_eq!(config.waivers.len(), 1);
    /// # Ok::<(), stepguard::Error>(())
    /// ```
    pub fn from_toml(name: &str, text: &str) -> Result<Config, Error> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            let message = e.message().lines().next().unwrap_or("invalid TOML").to_owned();
            Error::Input(vec![InputError::new(name, line, "", InputErrorKind::Config, message)])
        })?;
        let mut errors = Vec::new();
        let fail_on = match raw.fail_on.as_deref().map(str::parse::<Severity>).transpose() {
            Ok(s) => s,
            Err(m) => {
                errors.push(config_error(name, text, "fail_on", format!("`fail_on`: {m}")));
                None
            }
        };
        let mut waivers = Vec::new();
        for (i, w) in raw.waivers.into_iter().enumerate() {
            let at = format!("waiver {} (rule `{}`)", i + 1, w.rule);
            let reason = match w.reason {
                Some(r) if !r.trim().is_empty() => r,
                _ => {
                    errors.push(config_error(
                        name,
                        text,
                        &w.rule,
                        format!("{at} has no `reason`: every waiver must say why"),
                    ));
                    continue;
                }
            };
            let expires = match w.expires.as_deref().map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")) {
                None => None,
                Some(Ok(d)) => Some(d),
                Some(Err(_)) => {
                    errors.push(config_error(
                        name,
                        text,
                        &w.rule,
                        format!("{at}: `expires` must be a date `YYYY-MM-DD`"),
                    ));
                    continue;
                }
            };
            if let Some(glob) = &w.node
                && let Err(e) = Glob::new(glob)
            {
                errors.push(config_error(name, text, glob, format!("{at}: invalid node glob `{glob}`: {}", e.kind())));
                continue;
            }
            waivers.push(Waiver { rule: w.rule, node: w.node, reason, expires, source: name.to_owned() });
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        Ok(Config {
            fail_on,
            bundles: raw.bundles,
            builtin: raw.builtin.unwrap_or(true),
            data: raw.data,
            include: raw.include,
            exclude: raw.exclude,
            namespaces: raw.namespaces,
            timeout_seconds: raw.timeout_seconds,
            waivers,
        })
    }
}

fn line_of(text: &str, offset: usize) -> u32 {
    let prefix = text.get(..offset.min(text.len())).unwrap_or(text);
    u32::try_from(prefix.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

/// An error placed at the first line mentioning `needle`.
fn config_error(name: &str, text: &str, needle: &str, message: String) -> InputError {
    let line = text.find(needle).map(|o| line_of(text, o));
    InputError::new(name, line, "", InputErrorKind::Config, message)
}

/// Waivers written in the inputs: a `stepguard:ignore` tag on a state machine or role, whose
/// value is `RULE[,RULE...]: reason`. A tag without a reason is an error.
pub(crate) fn inline_waivers(graph: &FactGraph) -> Result<Vec<Waiver>, Error> {
    let mut waivers = Vec::new();
    let mut errors = Vec::new();
    let tagged = graph
        .state_machines
        .values()
        .map(|m| (&m.id, &m.tags, &m.source, true))
        .chain(graph.roles.values().map(|r| (&r.id, &r.tags, &r.source, false)));
    for (id, tags, source, is_machine) in tagged {
        let Some(value) = tags.get("stepguard:ignore") else { continue };
        let Some(text) = value.as_str() else {
            errors.push(InputError::new(
                &source.file,
                Some(source.line),
                &source.pointer,
                InputErrorKind::Config,
                "tag `stepguard:ignore` must be a literal string",
            ));
            continue;
        };
        let Some((rules, reason)) = text.split_once(':').filter(|(_, r)| !r.trim().is_empty()) else {
            errors.push(InputError::new(
                &source.file,
                Some(source.line),
                &source.pointer,
                InputErrorKind::Config,
                format!("tag `stepguard:ignore` on `{id}` has no reason: write `RULE[,RULE]: why`"),
            ));
            continue;
        };
        for rule in rules.split([',', ' ']).map(str::trim).filter(|r| !r.is_empty()) {
            let node = if is_machine { format!("{}*", escape_glob(id)) } else { escape_glob(id) };
            waivers.push(Waiver {
                rule: rule.to_owned(),
                node: Some(node),
                reason: reason.trim().to_owned(),
                expires: None,
                source: format!("tag `stepguard:ignore` on `{id}`"),
            });
        }
    }
    if errors.is_empty() { Ok(waivers) } else { Err(Error::Input(errors)) }
}

fn escape_glob(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Marks findings covered by a live waiver; returns notes about expired and unused waivers.
pub(crate) fn apply_waivers(findings: &mut [Finding], waivers: &[Waiver], today: chrono::NaiveDate) -> Vec<String> {
    let mut notes = Vec::new();
    for waiver in waivers {
        let matcher: Option<GlobMatcher> =
            waiver.node.as_deref().and_then(|g| Glob::new(g).ok()).map(|g| g.compile_matcher());
        let expired = waiver.expires.is_some_and(|d| d < today);
        let mut matched = 0usize;
        for f in findings.iter_mut() {
            let rule_ok = waiver.rule == "*" || waiver.rule == f.rule;
            let node_ok = match (&matcher, &f.node) {
                (None, _) => true,
                (Some(m), Some(node)) => m.is_match(node),
                (Some(_), None) => false,
            };
            if rule_ok && node_ok {
                matched += 1;
                if !expired && f.waiver.is_none() {
                    f.waiver = Some(AppliedWaiver {
                        reason: waiver.reason.clone(),
                        source: waiver.source.clone(),
                        expires: waiver.expires.map(|d| d.format("%Y-%m-%d").to_string()),
                    });
                }
            }
        }
        let scope = waiver.node.as_deref().map(|n| format!(" on `{n}`")).unwrap_or_default();
        if expired {
            if let Some(d) = waiver.expires {
                notes.push(format!(
                    "waiver for `{}`{scope} ({}) expired on {}; {matched} finding(s) count again",
                    waiver.rule,
                    waiver.source,
                    d.format("%Y-%m-%d")
                ));
            }
        } else if matched == 0 {
            notes.push(format!("waiver for `{}`{scope} ({}) matched no finding", waiver.rule, waiver.source));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::finding::{Backend, FindingKind};

    fn finding(rule: &str, node: &str) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::High,
            message: "m".into(),
            node: Some(node.into()),
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
    fn waivers_need_reasons_and_valid_dates() {
        let err = Config::from_toml("s.toml", "[[waivers]]\nrule = \"IAM001\"\n").unwrap_err();
        assert!(err.to_string().contains("s.toml:2: waiver 1 (rule `IAM001`) has no `reason`"), "{err}");
        let err =
            Config::from_toml("s.toml", "[[waivers]]\nrule = \"X\"\nreason = \"r\"\nexpires = \"soon\"\n").unwrap_err();
        assert!(err.to_string().contains("`expires` must be a date"), "{err}");
        let err = Config::from_toml("s.toml", "fail_on = \"high\"\ncolour = 1\n").unwrap_err();
        assert!(err.to_string().contains("s.toml:2: unknown field `colour`"), "{err}");
        let err = Config::from_toml("s.toml", "fail_on = \"severe\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown severity `severe`"), "{err}");
    }

    #[test]
    fn expired_waivers_stop_waiving_and_say_so() {
        let config = Config::from_toml(
            "s.toml",
            "[[waivers]]\nrule = \"A\"\nnode = \"t.yaml#*\"\nreason = \"ok\"\nexpires = \"2026-01-31\"\n\n[[waivers]]\nrule = \"B\"\nreason = \"ok\"\n",
        )
        .unwrap();
        let mut findings = vec![finding("A", "t.yaml#Role"), finding("B", "x"), finding("A", "other#Role")];
        let before = chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let notes = apply_waivers(&mut findings, &config.waivers, before);
        assert!(findings[0].waiver.is_some() && findings[1].waiver.is_some() && findings[2].waiver.is_none());
        assert!(notes.is_empty(), "{notes:?}");
        let mut findings = vec![finding("A", "t.yaml#Role")];
        let after = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let notes = apply_waivers(&mut findings, &config.waivers, after);
        assert!(findings[0].waiver.is_none());
        assert!(notes[0].contains("expired on 2026-01-31; 1 finding(s) count again"), "{notes:?}");
        assert!(notes[1].contains("matched no finding"), "{notes:?}");
    }
}
