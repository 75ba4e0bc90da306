//! Checks specific to each state type: Task (resource, timeouts, credentials), Wait, Fail,
//! Parallel and Map, and the retriers and catchers they share.

use super::*;
use crate::asl::path::{PathMode, has_placeholder, shorten};
use crate::asl::{integration, is_unresolved};
use crate::doc::{Node, join_index, join_pointer};
use crate::model::IntegrationKind;

impl Validator {
    pub(super) fn task(&mut self, node: &Node, pointer: &str, ql: &str, express: bool) {
        let p = |key: &str| join_pointer(pointer, key);
        match node.get("Resource") {
            None => self.error(MISSING_FIELD, pointer, node.line, "a `Task` state needs a `Resource`".to_owned()),
            Some(resource) => self.resource(resource, &p("Resource"), express),
        }
        let mut limits = [None, None];
        for (i, field) in ["TimeoutSeconds", "HeartbeatSeconds"].into_iter().enumerate() {
            let path_field = format!("{field}Path");
            if let Some(v) = node.get(field)
                && let Some(slot) = limits.get_mut(i)
            {
                *slot = self.number(v, &p(field), field, ql, TIMEOUT, NumberRule::integer(1.0, MAX_SECONDS));
            }
            if ql == JSONPATH
                && let Some(v) = node.get(&path_field)
            {
                self.path_field(v, &p(&path_field), &path_field, PathMode::Path, false);
            }
            self.exclusive(node, pointer, field, &path_field, TIMEOUT);
        }
        if let [Some(timeout), Some(heartbeat)] = limits
            && heartbeat >= timeout
            && let Some(h) = node.get("HeartbeatSeconds")
        {
            self.error(
                TIMEOUT,
                &p("HeartbeatSeconds"),
                h.line,
                format!("`HeartbeatSeconds` ({heartbeat}) must be smaller than `TimeoutSeconds` ({timeout})"),
            );
        }
        if let Some(credentials) = node.get("Credentials") {
            self.credentials(credentials, &p("Credentials"), ql);
        }
    }

    fn resource(&mut self, node: &Node, pointer: &str, express: bool) {
        let Some(arn) = node.as_str() else {
            if !is_unresolved(node) {
                self.type_error(node, pointer, "Resource", "a string");
            }
            return;
        };
        if let Some(problem) = placeholder_problem(arn) {
            self.error(INVALID_RESOURCE, pointer, node.line, format!("`Resource` `{}`: {problem}", shorten(arn)));
            return;
        }
        if let Some(problem) = lambda_arn_problem(arn) {
            self.error(INVALID_RESOURCE, pointer, node.line, format!("`Resource` `{}`: {problem}", shorten(arn)));
        }
        if express {
            let integration = integration::parse(&node.to_json());
            let what = match (integration.kind, integration.pattern.as_str()) {
                (IntegrationKind::Activity, _) => Some("activities are"),
                (_, "sync" | "sync2") => Some("the `.sync` pattern is"),
                (_, "wait_for_task_token") => Some("the `.waitForTaskToken` pattern is"),
                _ => None,
            };
            if let Some(what) = what {
                self.error(
                    EXPRESS_PATTERN,
                    pointer,
                    node.line,
                    format!("{what} not supported in Express workflows (`{}`)", shorten(arn)),
                );
            }
        }
    }

    fn credentials(&mut self, node: &Node, pointer: &str, ql: &str) {
        if is_unresolved(node) {
            return;
        }
        let Some(members) = node.as_object() else {
            self.error(
                CREDENTIALS,
                pointer,
                node.line,
                format!("`Credentials` must be an object with a `RoleArn`, found {}", node.described_type()),
            );
            return;
        };
        let role = members.iter().find(|(k, _)| k == "RoleArn" || (ql == JSONPATH && k == "RoleArn.$"));
        match role {
            None => self.warning(
                CREDENTIALS,
                pointer,
                node.line,
                "`Credentials` has no `RoleArn`, so there is no role for the task to assume".to_owned(),
            ),
            Some((key, value)) if key == "RoleArn" => {
                if value.as_str().is_none() && !is_unresolved(value) {
                    self.error(
                        CREDENTIALS,
                        &join_pointer(pointer, key),
                        value.line,
                        format!("`RoleArn` must be a string, found {}", value.described_type()),
                    );
                }
            }
            Some(_) => {}
        }
        if ql == JSONPATH {
            self.payload(node, pointer);
        }
    }

    pub(super) fn wait(&mut self, node: &Node, pointer: &str, ql: &str) {
        let p = |key: &str| join_pointer(pointer, key);
        let present: Vec<&str> = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"]
            .into_iter()
            .filter(|f| node.get(f).is_some())
            .collect();
        if present.len() != 1 {
            let found = if present.is_empty() {
                "none".to_owned()
            } else {
                present.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
            };
            self.error(
                WAIT,
                pointer,
                node.line,
                format!(
                    "a `Wait` state needs exactly one of `Seconds`, `Timestamp`, `SecondsPath`, `TimestampPath` (found {found})"
                ),
            );
        }
        if let Some(v) = node.get("Seconds") {
            self.number(v, &p("Seconds"), "Seconds", ql, WAIT, NumberRule::integer(0.0, MAX_SECONDS));
        }
        if let Some(v) = node.get("Timestamp")
            && !Self::deferred(v, ql)
        {
            match v.as_str() {
                Some(s) if is_timestamp(s) => {}
                Some(s) => self.error(
                    WAIT,
                    &p("Timestamp"),
                    v.line,
                    format!("`Timestamp` `{}` is not an RFC 3339 timestamp", shorten(s)),
                ),
                None => self.type_error(v, &p("Timestamp"), "Timestamp", "a timestamp string"),
            }
        }
        if ql == JSONPATH {
            for field in ["SecondsPath", "TimestampPath"] {
                if let Some(v) = node.get(field) {
                    self.path_field(v, &p(field), field, PathMode::Path, false);
                }
            }
        }
    }

    pub(super) fn fail(&mut self, node: &Node, pointer: &str, ql: &str) {
        let p = |key: &str| join_pointer(pointer, key);
        self.exclusive(node, pointer, "Error", "ErrorPath", FAIL);
        self.exclusive(node, pointer, "Cause", "CausePath", FAIL);
        for field in ["Error", "Cause"] {
            if let Some(v) = node.get(field) {
                self.expect_string(v, &p(field), field);
            }
        }
        if ql == JSONPATH {
            for field in ["ErrorPath", "CausePath"] {
                if let Some(v) = node.get(field) {
                    self.dynamic_value(v, &p(field), field);
                }
            }
        }
    }

    pub(super) fn parallel(&mut self, node: &Node, pointer: &str, ql: &'static str, express: bool) {
        let branches_pointer = join_pointer(pointer, "Branches");
        match node.get("Branches") {
            None => self.error(PARALLEL, pointer, node.line, "a `Parallel` state needs `Branches`".to_owned()),
            Some(branches) => match branches.as_array() {
                None => self.type_error(branches, &branches_pointer, "Branches", "an array of branches"),
                Some([]) => {
                    self.error(PARALLEL, &branches_pointer, branches.line, "`Branches` must not be empty".to_owned());
                }
                Some(items) => {
                    for (i, branch) in items.iter().enumerate() {
                        self.scope(branch, &join_index(&branches_pointer, i), ScopeKind::Branch, ql, express);
                    }
                }
            },
        }
    }

    pub(super) fn map(&mut self, node: &Node, pointer: &str, ql: &'static str, express: bool) {
        let p = |key: &str| join_pointer(pointer, key);
        let processor = match (node.get("ItemProcessor"), node.get("Iterator")) {
            (Some(_), Some(iterator)) => {
                self.error(
                    MAP,
                    &p("Iterator"),
                    iterator.line,
                    "a `Map` state may have only one of `ItemProcessor` and `Iterator`".to_owned(),
                );
                node.get("ItemProcessor").map(|n| (n, "ItemProcessor", ScopeKind::Processor))
            }
            (Some(n), None) => Some((n, "ItemProcessor", ScopeKind::Processor)),
            (None, Some(n)) => Some((n, "Iterator", ScopeKind::Iterator)),
            (None, None) => {
                self.error(
                    MAP,
                    pointer,
                    node.line,
                    "a `Map` state needs an `ItemProcessor` (or `Iterator`)".to_owned(),
                );
                None
            }
        };
        let mut distributed = false;
        let mut child_express = express;
        if let Some((processor, key, _)) = processor
            && let Some(config) = processor.get("ProcessorConfig")
        {
            let config_pointer = join_pointer(&p(key), "ProcessorConfig");
            match config.as_object() {
                None => self.type_error(config, &config_pointer, "ProcessorConfig", "an object"),
                Some(members) => {
                    for (k, v) in members {
                        let vp = join_pointer(&config_pointer, k);
                        let allowed: &[&str] = match k.as_str() {
                            "Mode" => &["INLINE", "DISTRIBUTED"],
                            "ExecutionType" => &["STANDARD", "EXPRESS"],
                            _ => {
                                self.error(
                                    UNKNOWN_FIELD,
                                    &vp,
                                    v.line,
                                    format!("unknown field `{k}` in `ProcessorConfig`"),
                                );
                                continue;
                            }
                        };
                        self.enumeration(v, &vp, k, allowed);
                    }
                    distributed = config.get("Mode").and_then(Node::as_str) == Some("DISTRIBUTED");
                    if distributed {
                        child_express = config.get("ExecutionType").and_then(Node::as_str) == Some("EXPRESS");
                    }
                }
            }
        }
        if let Some((processor, key, kind)) = processor {
            self.scope(processor, &p(key), kind, ql, child_express);
        }

        self.exclusive(node, pointer, "Parameters", "ItemSelector", MAP);
        self.exclusive(node, pointer, "ItemsPath", "Items", MAP);
        if ql == JSONPATH {
            if let Some(v) = node.get("ItemsPath") {
                self.path_field(v, &p("ItemsPath"), "ItemsPath", PathMode::Path, false);
            }
            if let Some(v) = node.get("ItemSelector") {
                self.payload(v, &p("ItemSelector"));
            }
            for field in ["MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"] {
                if let Some(v) = node.get(field) {
                    self.path_field(v, &p(field), field, PathMode::Path, false);
                }
            }
        } else if let Some(items) = node.get("Items")
            && items.as_array().is_none()
            && !Self::deferred(items, ql)
        {
            self.type_error(items, &p("Items"), "Items", "an array or a JSONata expression");
        }
        if let Some(v) = node.get("MaxConcurrency") {
            self.number(v, &p("MaxConcurrency"), "MaxConcurrency", ql, MAP, NumberRule::integer(0.0, MAX_SECONDS));
        }
        self.exclusive(node, pointer, "MaxConcurrency", "MaxConcurrencyPath", MAP);
        if let Some(v) = node.get("ToleratedFailurePercentage") {
            let rule = NumberRule { integer: false, min: 0.0, max: Some(100.0) };
            self.number(v, &p("ToleratedFailurePercentage"), "ToleratedFailurePercentage", ql, MAP, rule);
        }
        self.exclusive(node, pointer, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", MAP);
        if let Some(v) = node.get("ToleratedFailureCount") {
            let rule = NumberRule::integer(0.0, MAX_SECONDS);
            self.number(v, &p("ToleratedFailureCount"), "ToleratedFailureCount", ql, MAP, rule);
        }
        self.exclusive(node, pointer, "ToleratedFailureCount", "ToleratedFailureCountPath", MAP);
        if let Some(v) = node.get("Label") {
            self.expect_string(v, &p("Label"), "Label");
        }
        if let Some(v) = node.get("ItemReader") {
            self.item_io(v, &p("ItemReader"), "ItemReader", ql);
        }
        if let Some(v) = node.get("ResultWriter") {
            self.item_io(v, &p("ResultWriter"), "ResultWriter", ql);
        }
        if let Some(v) = node.get("ItemBatcher") {
            self.item_batcher(v, &p("ItemBatcher"), ql);
        }
        if !distributed && processor.is_some() {
            for field in [
                "ItemReader",
                "ItemBatcher",
                "ResultWriter",
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
                "ToleratedFailureCount",
                "ToleratedFailureCountPath",
                "Label",
            ] {
                if let Some(v) = node.get(field) {
                    self.warning(
                        MAP,
                        &p(field),
                        v.line,
                        format!("`{field}` only applies to a `DISTRIBUTED` map; this map runs `INLINE`"),
                    );
                }
            }
        }
    }

    /// `ItemReader` and `ResultWriter`: a resource with parameters and a configuration.
    fn item_io(&mut self, node: &Node, pointer: &str, field: &str, ql: &str) {
        let Some(members) = node.as_object() else {
            self.type_error(node, pointer, field, "an object");
            return;
        };
        let config = if field == "ItemReader" { "ReaderConfig" } else { "WriterConfig" };
        for (key, value) in members {
            let vp = join_pointer(pointer, key);
            match key.as_str() {
                "Resource" => self.expect_string(value, &vp, key),
                "Parameters" if ql == JSONPATH => self.payload(value, &vp),
                "Arguments" if ql == JSONATA => {}
                "Parameters" | "Arguments" => self.error(
                    QUERY_LANGUAGE_MIXED,
                    &vp,
                    value.line,
                    format!("`{key}` in `{field}` does not match this state's query language `{ql}`"),
                ),
                k if k == config => {
                    if value.as_object().is_none() {
                        self.type_error(value, &vp, key, "an object");
                    } else {
                        self.exclusive(value, &vp, "MaxItems", "MaxItemsPath", MAP);
                        if let Some(v) = value.get("MaxItems") {
                            let mp = join_pointer(&vp, "MaxItems");
                            self.number(v, &mp, "MaxItems", ql, MAP, NumberRule::integer(0.0, MAX_SECONDS));
                        }
                    }
                }
                _ => self.error(UNKNOWN_FIELD, &vp, value.line, format!("unknown field `{key}` in `{field}`")),
            }
        }
        if node.get("Resource").is_none() {
            self.error(MISSING_FIELD, pointer, node.line, format!("`{field}` needs a `Resource`"));
        }
    }

    fn item_batcher(&mut self, node: &Node, pointer: &str, ql: &str) {
        let Some(members) = node.as_object() else {
            self.type_error(node, pointer, "ItemBatcher", "an object");
            return;
        };
        for (key, value) in members {
            let vp = join_pointer(pointer, key);
            match key.as_str() {
                "MaxItemsPerBatch" | "MaxInputBytesPerBatch" => {
                    self.number(value, &vp, key, ql, MAP, NumberRule::integer(0.0, f64::MAX));
                }
                "MaxItemsPerBatchPath" | "MaxInputBytesPerBatchPath" => {
                    if ql == JSONATA {
                        self.error(
                            QUERY_LANGUAGE_MIXED,
                            &vp,
                            value.line,
                            format!("`{key}` is a JSONPath field but this state uses JSONata"),
                        );
                    } else {
                        self.path_field(value, &vp, key, PathMode::Path, false);
                    }
                }
                "BatchInput" => {
                    if ql == JSONPATH {
                        self.payload(value, &vp);
                    }
                }
                _ => self.error(UNKNOWN_FIELD, &vp, value.line, format!("unknown field `{key}` in `ItemBatcher`")),
            }
        }
        self.exclusive(node, pointer, "MaxItemsPerBatch", "MaxItemsPerBatchPath", MAP);
        self.exclusive(node, pointer, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", MAP);
    }

    pub(super) fn retriers(&mut self, node: &Node, pointer: &str) {
        let Some(items) = node.as_array() else {
            self.type_error(node, pointer, "Retry", "an array of retriers");
            return;
        };
        for (i, retrier) in items.iter().enumerate() {
            let rp = join_index(pointer, i);
            let Some(members) = retrier.as_object() else {
                self.type_error(retrier, &rp, "Retry", "an array of retriers (objects)");
                continue;
            };
            for (key, value) in members {
                let vp = join_pointer(&rp, key);
                let rule = match key.as_str() {
                    "ErrorEquals" | "Comment" => continue,
                    "IntervalSeconds" | "MaxDelaySeconds" => NumberRule::integer(1.0, MAX_SECONDS),
                    "MaxAttempts" => NumberRule::integer(0.0, MAX_SECONDS),
                    "BackoffRate" => NumberRule { integer: false, min: 1.0, max: None },
                    "JitterStrategy" => {
                        match value.as_str() {
                            Some("FULL" | "NONE") => {}
                            Some(s) => self.error(
                                RETRY,
                                &vp,
                                value.line,
                                format!("`JitterStrategy` must be `FULL` or `NONE`, found `{s}`"),
                            ),
                            None => self.type_error(value, &vp, key, "a string"),
                        }
                        continue;
                    }
                    _ => {
                        self.error(UNKNOWN_FIELD, &vp, value.line, format!("unknown field `{key}` in a retrier"));
                        continue;
                    }
                };
                self.number(value, &vp, key, JSONPATH, RETRY, rule);
            }
            if let Some(c) = retrier.get("Comment") {
                self.expect_string(c, &join_pointer(&rp, "Comment"), "Comment");
            }
            self.error_equals(retrier, &rp, RETRY, "retrier", i + 1 == items.len());
        }
    }

    pub(super) fn catchers(&mut self, node: &Node, pointer: &str, ql: &str, transitions: &mut Vec<Transition>) {
        let Some(items) = node.as_array() else {
            self.type_error(node, pointer, "Catch", "an array of catchers");
            return;
        };
        for (i, catcher) in items.iter().enumerate() {
            let cp = join_index(pointer, i);
            let Some(members) = catcher.as_object() else {
                self.type_error(catcher, &cp, "Catch", "an array of catchers (objects)");
                continue;
            };
            for (key, value) in members {
                let vp = join_pointer(&cp, key);
                match key.as_str() {
                    "ErrorEquals" => {}
                    "Comment" => self.expect_string(value, &vp, key),
                    "Next" => self.transition(value, &vp, &format!("Catch[{i}].Next"), transitions),
                    "ResultPath" if ql == JSONPATH => {
                        self.path_field(value, &vp, key, PathMode::Reference, true);
                    }
                    "Output" if ql == JSONATA => {}
                    "ResultPath" | "Output" => self.error(
                        QUERY_LANGUAGE_MIXED,
                        &vp,
                        value.line,
                        format!("`{key}` in a catcher does not match this state's query language `{ql}`"),
                    ),
                    "Assign" => {
                        if value.as_object().is_none() && !is_unresolved(value) {
                            self.type_error(value, &vp, key, "an object");
                        } else if ql == JSONPATH {
                            self.payload(value, &vp);
                        }
                    }
                    _ => self.error(UNKNOWN_FIELD, &vp, value.line, format!("unknown field `{key}` in a catcher")),
                }
            }
            if catcher.get("Next").is_none() {
                self.error(CATCH, &cp, catcher.line, "a catcher needs `Next`".to_owned());
            }
            self.error_equals(catcher, &cp, CATCH, "catcher", i + 1 == items.len());
        }
    }

    /// `ErrorEquals` of a retrier or catcher: a non-empty list of error names, with
    /// `States.ALL` alone and in the last rule.
    fn error_equals(&mut self, rule: &Node, pointer: &str, code: &'static str, what: &str, last: bool) {
        let Some(errors) = rule.get("ErrorEquals") else {
            self.error(code, pointer, rule.line, format!("a {what} needs `ErrorEquals`"));
            return;
        };
        let ep = join_pointer(pointer, "ErrorEquals");
        let Some(items) = errors.as_array() else {
            self.type_error(errors, &ep, "ErrorEquals", "an array of error names");
            return;
        };
        if items.is_empty() {
            self.error(code, &ep, errors.line, format!("`ErrorEquals` of a {what} must not be empty"));
            return;
        }
        for (i, item) in items.iter().enumerate() {
            if item.as_str().is_none() && !is_unresolved(item) {
                self.type_error(item, &join_index(&ep, i), "ErrorEquals", "an array of error names (strings)");
            }
        }
        if items.iter().any(|e| e.as_str() == Some("States.ALL")) {
            if items.len() > 1 {
                self.error(
                    code,
                    &ep,
                    errors.line,
                    "`States.ALL` must be the only error name in its `ErrorEquals`".to_owned(),
                );
            }
            if !last {
                self.error(code, &ep, errors.line, format!("a {what} matching `States.ALL` must be the last one"));
            }
        }
    }
}

/// An unterminated `${` placeholder, which no template engine will replace.
fn placeholder_problem(s: &str) -> Option<&'static str> {
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = rest.get(start + 2..).unwrap_or_default();
        match after.find('}') {
            Some(end) => rest = after.get(end + 1..).unwrap_or_default(),
            None => return Some("unterminated `${` placeholder"),
        }
    }
    None
}

/// A Lambda function ARN whose function name or qualifier cannot exist.
fn lambda_arn_problem(arn: &str) -> Option<String> {
    if has_placeholder(arn) {
        return None;
    }
    let mut parts = arn.splitn(7, ':');
    let (Some("arn"), Some(_), Some("lambda"), Some(_), Some(_), Some("function")) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let rest = parts.next().unwrap_or_default();
    let (name, qualifier) = match rest.split_once(':') {
        Some((name, qualifier)) => (name, Some(qualifier)),
        None => (rest, None),
    };
    let valid = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !valid(name, 140) {
        return Some(format!("`{name}` is not a valid Lambda function name"));
    }
    match qualifier {
        Some("$LATEST") | None => None,
        Some(q) if valid(q, 128) => None,
        Some(q) => Some(format!("`{q}` is not a valid Lambda version or alias")),
    }
}

/// RFC 3339 date-time as Step Functions accepts it, e.g. `2016-03-14T01:59:00Z`.
pub(super) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && (at(10, b'T') || at(10, b't'))
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => digits(i + 1..i + 3) && at(i + 3, b':') && digits(i + 4..i + 6) && i + 6 == b.len(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_follow_rfc_3339() {
        for ok in ["2016-03-14T01:59:00Z", "2016-03-14T01:59:00.123Z", "2016-03-14T01:59:00+01:00"] {
            assert!(is_timestamp(ok), "{ok}");
        }
        for bad in ["2016-03-14", "2016-03-14 01:59:00Z", "2016-03-14T01:59:00", "yesterday", "2016-03-14T01:59:00.Z"] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }

    #[test]
    fn lambda_arns_are_checked_for_name_and_qualifier() {
        assert_eq!(lambda_arn_problem("arn:aws:lambda:us-east-1:123456789012:function:Fn"), None);
        assert_eq!(lambda_arn_problem("arn:aws:lambda:us-east-1:123456789012:function:Fn:$LATEST"), None);
        assert_eq!(lambda_arn_problem("arn:aws-cn:lambda:cn-north-1:123456789012:function:Fn:prod-2"), None);
        assert!(lambda_arn_problem("arn:aws:lambda:r:1:function:Fn:").is_some());
        assert!(lambda_arn_problem("arn:aws:lambda:r:1:function:Fn:$*#$7485").is_some());
        assert!(lambda_arn_problem("arn:aws:lambda:r:1:function:").is_some());
        assert_eq!(lambda_arn_problem("arn:aws:lambda:${AWS::Region}:1:function:${Name}"), None);
        assert_eq!(lambda_arn_problem("arn:aws:states:::lambda:invoke"), None);
    }

    #[test]
    fn placeholders_must_be_closed() {
        assert_eq!(placeholder_problem("${lambdaArn}"), None);
        assert_eq!(placeholder_problem("arn:${AWS::Partition}:x:${Y}"), None);
        assert!(placeholder_problem("${lambdaArn").is_some());
        assert!(placeholder_problem("${a}${b").is_some());
    }
}
