//! Choice states: JSONPath rules (comparisons and `And`/`Or`/`Not`, nested) and JSONata rules
//! (`Condition`).

use super::fields::{Operand, comparison_operand};
use super::states::is_timestamp;
use super::*;
use crate::asl::is_unresolved;
use crate::asl::jsonata::{self, Surround};
use crate::asl::path::{PathMode, has_placeholder, shorten};
use crate::doc::{Node, Value, join_index, join_pointer};

impl Validator {
    pub(super) fn choice(&mut self, node: &Node, pointer: &str, ql: &str, transitions: &mut Vec<Transition>) {
        if let Some(default) = node.get("Default") {
            self.transition(default, &join_pointer(pointer, "Default"), "Default", transitions);
        }
        let choices_pointer = join_pointer(pointer, "Choices");
        let Some(choices) = node.get("Choices") else {
            self.error(MISSING_FIELD, pointer, node.line, "a `Choice` state needs `Choices`".to_owned());
            return;
        };
        let Some(rules) = choices.as_array() else {
            self.type_error(choices, &choices_pointer, "Choices", "an array of choice rules");
            return;
        };
        if rules.is_empty() {
            self.error(CHOICE_RULE, &choices_pointer, choices.line, "`Choices` must not be empty".to_owned());
        }
        // (rule, pointer, top level, index of the top-level rule)
        let mut stack: Vec<(&Node, String, bool, usize)> =
            rules.iter().enumerate().rev().map(|(i, r)| (r, join_index(&choices_pointer, i), true, i)).collect();
        while let Some((rule, rp, top, index)) = stack.pop() {
            let Some(members) = rule.as_object() else {
                self.error(
                    CHOICE_RULE,
                    &rp,
                    rule.line,
                    format!("a choice rule must be an object, found {}", rule.described_type()),
                );
                continue;
            };
            if top {
                match rule.get("Next") {
                    Some(next) => {
                        self.transition(
                            next,
                            &join_pointer(&rp, "Next"),
                            &format!("Choices[{index}].Next"),
                            transitions,
                        );
                    }
                    None => self.error(CHOICE_RULE, &rp, rule.line, "a top-level choice rule needs `Next`".to_owned()),
                }
            }
            if ql == JSONATA {
                self.jsonata_rule(rule, members, &rp, top);
            } else {
                let children = self.jsonpath_rule(rule, members, &rp, top);
                stack.extend(children.into_iter().rev().map(|(n, p)| (n, p, false, index)));
            }
        }
    }

    fn jsonata_rule(&mut self, rule: &Node, members: &[(String, Node)], pointer: &str, top: bool) {
        for (key, value) in members {
            let vp = join_pointer(pointer, key);
            match key.as_str() {
                "Condition" => match &value.value {
                    Value::Bool(_) => {}
                    Value::String(s) if !matches!(jsonata::surround(s), Surround::Literal) || has_placeholder(s) => {}
                    _ if is_unresolved(value) => {}
                    _ => self.error(
                        CHOICE_RULE,
                        &vp,
                        value.line,
                        format!(
                            "`Condition` must be a JSONata expression `{{% ... %}}` or a boolean, found {}",
                            value.described_type()
                        ),
                    ),
                },
                "Next" | "Assign" | "Output" if top => {}
                "Comment" => self.expect_string(value, &vp, key),
                k if k == "Variable" || matches!(k, "And" | "Or" | "Not") || comparison_operand(k).is_some() => {
                    self.error(
                        QUERY_LANGUAGE_MIXED,
                        &vp,
                        value.line,
                        format!("`{key}` is a JSONPath choice rule field but this state uses JSONata; use `Condition`"),
                    );
                }
                _ => self.error(CHOICE_RULE, &vp, value.line, format!("`{key}` is not allowed in this choice rule")),
            }
        }
        if rule.get("Condition").is_none() {
            self.error(CHOICE_RULE, pointer, rule.line, "a JSONata choice rule needs a `Condition`".to_owned());
        }
    }

    /// Checks a JSONPath choice rule; returns its nested rules.
    fn jsonpath_rule<'n>(
        &mut self,
        rule: &Node,
        members: &'n [(String, Node)],
        pointer: &str,
        top: bool,
    ) -> Vec<(&'n Node, String)> {
        let mut children = Vec::new();
        let mut booleans = Vec::new();
        let mut operators = Vec::new();
        for (key, value) in members {
            let vp = join_pointer(pointer, key);
            match key.as_str() {
                "Next" if top => {}
                "Assign" if top => {
                    if value.as_object().is_none() && !is_unresolved(value) {
                        self.type_error(value, &vp, key, "an object");
                    } else {
                        self.payload(value, &vp);
                    }
                }
                "Next" | "Assign" => {
                    self.error(
                        CHOICE_RULE,
                        &vp,
                        value.line,
                        format!("`{key}` is allowed only in a top-level choice rule"),
                    );
                }
                "Comment" => self.expect_string(value, &vp, key),
                "Variable" => self.path_field(value, &vp, key, PathMode::Path, false),
                "And" | "Or" => {
                    booleans.push(key.as_str());
                    match value.as_array() {
                        Some([]) => {
                            self.error(CHOICE_RULE, &vp, value.line, format!("`{key}` must not be empty"));
                        }
                        Some(items) => children.extend(items.iter().enumerate().map(|(i, n)| (n, join_index(&vp, i)))),
                        None => self.type_error(value, &vp, key, "an array of choice rules"),
                    }
                }
                "Not" => {
                    booleans.push("Not");
                    if value.as_object().is_some() {
                        children.push((value, vp));
                    } else {
                        self.type_error(value, &vp, key, "a choice rule (an object)");
                    }
                }
                "Condition" | "Output" => self.error(
                    QUERY_LANGUAGE_MIXED,
                    &vp,
                    value.line,
                    format!("`{key}` is a JSONata choice rule field but this state uses JSONPath"),
                ),
                op => match comparison_operand(op) {
                    Some(operand) => {
                        operators.push(op);
                        self.operand(value, &vp, op, operand);
                    }
                    None => self.error(CHOICE_RULE, &vp, value.line, format!("unknown field `{key}` in a choice rule")),
                },
            }
        }
        let has_variable = rule.get("Variable").is_some();
        if !booleans.is_empty() {
            if booleans.len() > 1 || has_variable || !operators.is_empty() {
                self.error(
                    CHOICE_RULE,
                    pointer,
                    rule.line,
                    "a choice rule must be either one comparison or exactly one of `And`, `Or`, `Not`".to_owned(),
                );
            }
        } else {
            if !has_variable {
                self.error(CHOICE_RULE, pointer, rule.line, "a comparison choice rule needs a `Variable`".to_owned());
            }
            if operators.len() != 1 {
                let found = if operators.is_empty() {
                    "none".to_owned()
                } else {
                    operators.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ")
                };
                self.error(
                    CHOICE_RULE,
                    pointer,
                    rule.line,
                    format!("a comparison choice rule needs exactly one comparison operator (found {found})"),
                );
            }
        }
        children
    }

    fn operand(&mut self, value: &Node, pointer: &str, op: &str, operand: Operand) {
        if is_unresolved(value) || value.as_str().is_some_and(has_placeholder) {
            return;
        }
        let ok = match operand {
            Operand::String => value.as_str().is_some(),
            Operand::Number => value.as_f64().is_some(),
            Operand::Boolean => value.as_bool().is_some(),
            Operand::Timestamp => match value.as_str() {
                Some(s) => {
                    if !is_timestamp(s) {
                        self.error(
                            CHOICE_RULE,
                            pointer,
                            value.line,
                            format!("`{op}` value `{}` is not an RFC 3339 timestamp", shorten(s)),
                        );
                    }
                    true
                }
                None => false,
            },
            Operand::Path => {
                if value.as_str().is_some() {
                    self.path_field(value, pointer, op, PathMode::Path, false);
                    true
                } else {
                    false
                }
            }
        };
        if !ok {
            let expected = match operand {
                Operand::String => "a string",
                Operand::Number => "a number",
                Operand::Boolean => "a boolean",
                Operand::Timestamp => "a timestamp string",
                Operand::Path => "a path string",
            };
            self.error(
                CHOICE_RULE,
                pointer,
                value.line,
                format!("`{op}` must be {expected}, found {}", value.described_type()),
            );
        }
    }
}
