//! Which fields each state type allows, which belong to one query language, and the Choice
//! rule comparison operators.

/// Fields every state may have.
pub(super) const COMMON_FIELDS: &[&str] = &["Type", "Comment", "QueryLanguage"];

/// Fields only JSONPath states may have, with what a JSONata state uses instead.
pub(super) const JSONPATH_ONLY: &[(&str, &str)] = &[
    ("InputPath", "`$states.input` in `Arguments`"),
    ("OutputPath", "`Output`"),
    ("Parameters", "`Arguments`"),
    ("ResultSelector", "`Output`"),
    ("ResultPath", "`Output` or `Assign`"),
    ("Result", "`Output`"),
    ("ItemsPath", "`Items`"),
    ("TimeoutSecondsPath", "`TimeoutSeconds` with an expression"),
    ("HeartbeatSecondsPath", "`HeartbeatSeconds` with an expression"),
    ("SecondsPath", "`Seconds` with an expression"),
    ("TimestampPath", "`Timestamp` with an expression"),
    ("MaxConcurrencyPath", "`MaxConcurrency` with an expression"),
    ("ToleratedFailurePercentagePath", "`ToleratedFailurePercentage` with an expression"),
    ("ToleratedFailureCountPath", "`ToleratedFailureCount` with an expression"),
    ("ErrorPath", "`Error` with an expression"),
    ("CausePath", "`Cause` with an expression"),
];

/// Fields only JSONata states may have.
pub(super) const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

/// The fields each state type allows besides [`COMMON_FIELDS`].
pub(super) fn type_fields(state_type: &str) -> &'static [&'static str] {
    match state_type {
        "Task" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Resource",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Arguments",
            "Output",
            "Assign",
        ],
        "Pass" => &["Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "Result", "Output", "Assign"],
        "Wait" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "Output",
            "Assign",
        ],
        "Choice" => &["Choices", "Default", "InputPath", "OutputPath", "Output", "Assign"],
        "Succeed" => &["InputPath", "OutputPath", "Output"],
        "Fail" => &["Error", "ErrorPath", "Cause", "CausePath"],
        "Parallel" => &[
            "Next",
            "End",
            "Branches",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Arguments",
            "Output",
            "Assign",
        ],
        "Map" => &[
            "Next",
            "End",
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "Parameters",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Label",
            "InputPath",
            "OutputPath",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Output",
            "Assign",
        ],
        _ => &[],
    }
}

/// Choice rule comparison operators and the type of value each takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operand {
    String,
    Number,
    Boolean,
    Timestamp,
    Path,
}

pub(super) fn comparison_operand(op: &str) -> Option<Operand> {
    if op.starts_with("Is") {
        return matches!(op, "IsNull" | "IsPresent" | "IsNumeric" | "IsString" | "IsBoolean" | "IsTimestamp")
            .then_some(Operand::Boolean);
    }
    if op == "StringMatches" {
        return Some(Operand::String);
    }
    let (base, is_path) = match op.strip_suffix("Path") {
        Some(base) => (base, true),
        None => (op, false),
    };
    let (kind, relation) = if let Some(r) = base.strip_prefix("String") {
        (Operand::String, r)
    } else if let Some(r) = base.strip_prefix("Numeric") {
        (Operand::Number, r)
    } else if let Some(r) = base.strip_prefix("Timestamp") {
        (Operand::Timestamp, r)
    } else if let Some(r) = base.strip_prefix("Boolean") {
        if r != "Equals" {
            return None;
        }
        (Operand::Boolean, r)
    } else {
        return None;
    };
    if !matches!(relation, "Equals" | "LessThan" | "GreaterThan" | "LessThanEquals" | "GreaterThanEquals") {
        return None;
    }
    Some(if is_path { Operand::Path } else { kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_operators_are_recognized() {
        assert_eq!(comparison_operand("StringEquals"), Some(Operand::String));
        assert_eq!(comparison_operand("NumericLessThanEqualsPath"), Some(Operand::Path));
        assert_eq!(comparison_operand("BooleanEquals"), Some(Operand::Boolean));
        assert_eq!(comparison_operand("TimestampGreaterThan"), Some(Operand::Timestamp));
        assert_eq!(comparison_operand("IsPresent"), Some(Operand::Boolean));
        assert_eq!(comparison_operand("StringMatches"), Some(Operand::String));
        assert_eq!(comparison_operand("BooleanLessThan"), None);
        assert_eq!(comparison_operand("StringMatchesPath"), None);
        assert_eq!(comparison_operand("IsEmpty"), None);
        assert_eq!(comparison_operand("End"), None);
    }
}
