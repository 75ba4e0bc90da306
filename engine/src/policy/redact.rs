//! Redaction of secret- and personal-data-looking text in what stepguard prints.
//!
//! The patterns are the built-in bundle's own (`secret_patterns`, `pii_patterns` and
//! `secret_field_names` under `data.stepguard.config`, or `data.stepguard.overrides`), so the
//! rules that find such values and the output that must not repeat them agree. Finding messages
//! are redacted by the engine; callers that quote source lines pass them through
//! [`PolicyEngine::redact`](super::PolicyEngine::redact).

use regex::Regex;
use serde_json::Value as Json;

use crate::error::{InputError, InputErrorKind};

/// What replaces a redacted value.
const MASK: &str = "[redacted]";

/// Compiled redaction patterns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    /// Patterns whose whole match is a value to hide.
    values: Vec<Regex>,
    /// `name: value` / `"name": "value"` assignments to a secret-named field; group 2 is the value.
    fields: Option<Regex>,
}

impl Redactor {
    /// Reads the patterns from merged bundle data; an empty redactor when there are none.
    pub(crate) fn from_data(data: &Json) -> Result<Self, InputError> {
        let setting = |key: &str| {
            data.pointer(&format!("/stepguard/overrides/{key}"))
                .or_else(|| data.pointer(&format!("/stepguard/config/{key}")))
        };
        let mut values = Vec::new();
        for key in ["secret_patterns", "pii_patterns"] {
            for (i, pattern) in setting(key).and_then(Json::as_array).into_iter().flatten().enumerate() {
                let Some(source) = pattern.get("regex").and_then(Json::as_str) else { continue };
                values.push(Regex::new(source).map_err(|e| invalid(key, i, &e))?);
            }
        }
        let names: Vec<String> = setting("secret_field_names")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .filter(|n| !n.is_empty())
            .map(separated)
            .collect();
        let fields = if names.is_empty() {
            None
        } else {
            // The name, its closing quote (escaped inside a definition string), `:` or `=`, an
            // opening quote, then the value up to the next quote, separator or space.
            let source = format!(r#"(?i)((?:{})["'\\]*\s*[:=]\s*\\?["']?)([^"'\\\s,;}}&]+)"#, names.join("|"));
            Some(Regex::new(&source).map_err(|e| invalid("secret_field_names", 0, &e))?)
        };
        Ok(Self { values, fields })
    }

    /// `text` with every secret- or personal-data-looking value replaced by `[redacted]`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for re in &self.values {
            if re.is_match(&out) {
                out = re.replace_all(&out, MASK).into_owned();
            }
        }
        if let Some(re) = &self.fields
            && re.is_match(&out)
        {
            out = re.replace_all(&out, format!("${{1}}{MASK}")).into_owned();
        }
        out
    }
}

/// A normalized field name (`apikey`) as a pattern that also matches `api_key`, `api-key`.
fn separated(name: &str) -> String {
    let chars: Vec<String> = name.chars().map(|c| regex::escape(&c.to_string())).collect();
    chars.join("[-_ ]?")
}

fn invalid(key: &str, index: usize, error: &regex::Error) -> InputError {
    let first = error.to_string().lines().last().unwrap_or_default().trim().to_owned();
    InputError::new(
        "data",
        None,
        format!("/stepguard/config/{key}/{index}"),
        InputErrorKind::Bundle,
        format!("invalid regular expression in `{key}`: {first}"),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn redactor() -> Redactor {
        Redactor::from_data(&json!({"stepguard": {"config": {
            "secret_patterns": [{"name": "key", "regex": "AKIA[A-Z0-9]{16}"}],
            "pii_patterns": [{"name": "mail", "regex": "[a-z]+@[a-z]+\\.com"}],
            "secret_field_names": ["password", "apikey"]
        }}}))
        .unwrap()
    }

    #[test]
    fn values_and_secret_fields_are_masked() {
        let r = redactor();
        assert_eq!(r.redact("key AKIAABCDEFGHIJKLMNOP here"), "key [redacted] here");
        assert_eq!(r.redact("to bob@corp.com"), "to [redacted]");
        assert_eq!(r.redact(r#""dbPassword": "hunter2","#), r#""dbPassword": "[redacted]","#);
        assert_eq!(r.redact(r#"{\"api_key\":\"s3cr3t\"}"#), r#"{\"api_key\":\"[redacted]\"}"#);
        assert_eq!(r.redact("password: hunter2"), "password: [redacted]");
        // A path to a password is not a password.
        assert_eq!(r.redact(r#""password.$": "$.pw""#), r#""password.$": "$.pw""#);
        assert_eq!(r.redact("nothing to hide"), "nothing to hide");
    }

    #[test]
    fn overrides_win_and_bad_patterns_are_errors() {
        let data = json!({"stepguard": {
            "config": {"secret_patterns": [{"regex": "AKIA"}]},
            "overrides": {"secret_patterns": [{"regex": "("}]}
        }});
        let err = Redactor::from_data(&data).unwrap_err();
        assert!(err.to_string().contains("invalid regular expression in `secret_patterns`"), "{err}");
        assert_eq!(Redactor::from_data(&json!({})).unwrap().redact("AKIA"), "AKIA");
    }
}
