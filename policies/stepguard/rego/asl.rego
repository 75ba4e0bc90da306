# METADATA
# title: Structural problems in state machine definitions
# description: >-
#   Every structural diagnostic the graph reports for a definition (unknown transition targets,
#   unreachable states, mixed query languages, malformed fields) becomes a finding under the rule
#   id that `diagnostic_rules` gives its code, so a broken workflow can never be allowed.
package stepguard.rules.asl

import rego.v1

import data.stepguard.lib.diagnostics

# METADATA
# title: Structural problem without a rule of its own
# description: >-
#   A diagnostic whose code `diagnostic_rules` does not map to a rule id (a check newer than the
#   bundle, or a mapping removed by an override). It is reported rather than dropped.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html
# custom:
#   id: ASL000
#   severity: high
#   remediation: Fix the definition at the reported place; map the code in `diagnostic_rules` to give it a rule id.
deny_unmapped contains finding if {
	some finding in diagnostics.findings("ASL000")
}

# METADATA
# title: Part of the input could not be analysed
# description: >-
#   Reading the inputs left something open: a definition stored outside the inputs (S3), a
#   template value that cannot be evaluated, a policy document without statements, a reference
#   that matches several inputs. Rules cannot see what is missing, so an allow decision covers
#   less than it seems.
# related_resources:
#   - ref: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-stepfunctions-statemachine.html
# custom:
#   id: INP001
#   severity: info
#   remediation: Give stepguard the missing file (for example the local definition instead of the S3 copy), or accept the gap.
warn_incomplete_input contains finding if {
	some finding in diagnostics.findings("INP001")
}

# METADATA
# title: Definition, branch or processor without StartAt
# description: >-
#   A definition, a Parallel branch or a Map processor has no `StartAt`, so Step Functions
#   rejects the definition. Reported from the graph diagnostic `ASL_START_AT_MISSING`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
# custom:
#   id: ASL001
#   severity: high
#   remediation: Add `StartAt` naming the first state of the scope.
deny_start_at_missing contains finding if {
	some finding in diagnostics.findings("ASL001")
}

# METADATA
# title: Transition to a state that does not exist
# description: >-
#   `StartAt`, `Next`, `Default`, a choice rule or a catcher names a state that is not in the
#   same scope; transitions cannot cross into or out of a branch or processor. Reported from the
#   graph diagnostic `ASL_UNKNOWN_TARGET`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html
# custom:
#   id: ASL002
#   severity: high
#   remediation: Point the transition at a state of the same scope, or add the missing state.
deny_unknown_target contains finding if {
	some finding in diagnostics.findings("ASL002")
}

# METADATA
# title: Unreachable state
# description: >-
#   No path of transitions (catchers included) leads from the scope's `StartAt` to the state;
#   Step Functions rejects such definitions. Reported from the graph diagnostic
#   `ASL_UNREACHABLE_STATE`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html
# custom:
#   id: ASL003
#   severity: high
#   remediation: Remove the state or add a transition to it.
deny_unreachable_state contains finding if {
	some finding in diagnostics.findings("ASL003")
}

# METADATA
# title: States that can never finish
# description: >-
#   From these reachable states no path leads to a `Succeed` or `Fail` state or to `End: true`,
#   so an execution entering them loops until it times out. Reported from the graph diagnostic
#   `ASL_NO_TERMINAL`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html
# custom:
#   id: ASL004
#   severity: high
#   remediation: Add a path to a terminal state (for example a Choice that ends the loop).
deny_no_terminal contains finding if {
	some finding in diagnostics.findings("ASL004")
}

# METADATA
# title: Field with the wrong JSON type
# description: >-
#   A field holds a value of the wrong JSON type (a string where a boolean or number is
#   required, a number in `ErrorEquals`). Reported from the graph diagnostic `ASL_FIELD_TYPE`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
# custom:
#   id: ASL005
#   severity: high
#   remediation: Give the field the type the Amazon States Language requires.
deny_field_type contains finding if {
	some finding in diagnostics.findings("ASL005")
}

# METADATA
# title: Required field missing
# description: >-
#   A required field is absent: `Type`, `States`, a Task's `Resource`, a Choice's `Choices`,
#   `Next` or `End` on a non-terminal state. Reported from the graph diagnostic
#   `ASL_MISSING_FIELD`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
# custom:
#   id: ASL006
#   severity: high
#   remediation: Add the missing field.
deny_missing_field contains finding if {
	some finding in diagnostics.findings("ASL006")
}

# METADATA
# title: Field not allowed in this place
# description: >-
#   A field the state type does not allow, or a field that does not exist (often a typo); Step
#   Functions rejects the definition. Reported from the graph diagnostic `ASL_UNKNOWN_FIELD`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
# custom:
#   id: ASL007
#   severity: high
#   remediation: Remove or rename the field.
deny_unknown_field contains finding if {
	some finding in diagnostics.findings("ASL007")
}

# METADATA
# title: Field value outside its allowed set
# description: >-
#   A field holds a value outside its allowed set: an unknown state `Type`, `QueryLanguage`,
#   processor `Mode` or `ExecutionType`. Reported from the graph diagnostic `ASL_INVALID_VALUE`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
# custom:
#   id: ASL008
#   severity: high
#   remediation: Use one of the values the Amazon States Language defines.
deny_invalid_value contains finding if {
	some finding in diagnostics.findings("ASL008")
}

# METADATA
# title: State with both Next and End
# description: >-
#   A state has both `Next` and `End: true`; it must have exactly one. Reported from the graph
#   diagnostic `ASL_NEXT_AND_END`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html
# custom:
#   id: ASL009
#   severity: high
#   remediation: Keep either `Next` or `End` (set to true).
deny_next_and_end contains finding if {
	some finding in diagnostics.findings("ASL009")
}

# METADATA
# title: Malformed Choice rule
# description: >-
#   A Choice rule lacks a `Variable` or `Condition`, has more than one operator, an operand of
#   the wrong type, or misplaced `Next`; or `Choices` is empty. Reported from the graph
#   diagnostic `ASL_CHOICE_RULE`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html
# custom:
#   id: ASL010
#   severity: high
#   remediation: Write each rule with one comparison (or `And`/`Or`/`Not`) and a `Next` at the top level.
deny_choice_rule contains finding if {
	some finding in diagnostics.findings("ASL010")
}

# METADATA
# title: JSONPath and JSONata fields mixed
# description: >-
#   A JSONPath-only field in a JSONata state or the reverse, a state going back to JSONPath
#   inside a JSONata machine, or a `{% %}` string in a JSONPath state (passed on literally).
#   Reported from the graph diagnostic `ASL_QUERY_LANGUAGE_MIXED`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
# custom:
#   id: ASL011
#   severity: high
#   remediation: Use the fields of the state's query language (`Arguments`/`Output` for JSONata, `Parameters`/`ResultPath` for JSONPath).
deny_query_language_mixed contains finding if {
	some finding in diagnostics.findings("ASL011")
}

# METADATA
# title: Duplicate state name
# description: >-
#   Two states share a name somewhere in the machine (branches and processors included), which
#   Step Functions rejects. Reported from the graph diagnostic `ASL_DUPLICATE_STATE_NAME`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
# custom:
#   id: ASL012
#   severity: high
#   remediation: Rename one of the states.
deny_duplicate_state_name contains finding if {
	some finding in diagnostics.findings("ASL012")
}

# METADATA
# title: State name empty or too long
# description: >-
#   A state name is empty or longer than 80 characters, which Step Functions rejects. Reported
#   from the graph diagnostic `ASL_STATE_NAME_TOO_LONG`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
# custom:
#   id: ASL013
#   severity: high
#   remediation: Use a name of 1 to 80 characters.
deny_state_name_too_long contains finding if {
	some finding in diagnostics.findings("ASL013")
}

# METADATA
# title: Malformed path
# description: >-
#   A path field, a reference path (`ResultPath`) or a `.$` payload field does not hold a valid
#   JSONPath, reference path or intrinsic function. Reported from the graph diagnostic
#   `ASL_INVALID_PATH`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html
# custom:
#   id: ASL014
#   severity: high
#   remediation: Write the path starting with `$`, `$$` or a variable; use only `.name` and `[index]` steps in `ResultPath`.
deny_invalid_path contains finding if {
	some finding in diagnostics.findings("ASL014")
}

# METADATA
# title: Malformed intrinsic function
# description: >-
#   An intrinsic function call is unknown, has the wrong number or type of arguments, or
#   unbalanced quotes and parentheses. Reported from the graph diagnostic
#   `ASL_INVALID_INTRINSIC`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
# custom:
#   id: ASL015
#   severity: high
#   remediation: Fix the call as the intrinsic functions reference describes.
deny_invalid_intrinsic contains finding if {
	some finding in diagnostics.findings("ASL015")
}

# METADATA
# title: Malformed JSONata expression
# description: >-
#   A `{% %}` string does not parse as JSONata, or a string ends with `%}` without starting with
#   `{%` (kept as a literal). Reported from the graph diagnostic `ASL_INVALID_JSONATA`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
# custom:
#   id: ASL016
#   severity: high
#   remediation: Fix the expression so that it parses, and wrap it in `{%` and `%}`.
deny_invalid_jsonata contains finding if {
	some finding in diagnostics.findings("ASL016")
}

# METADATA
# title: Payload sets a field twice
# description: >-
#   A JSONPath payload sets both `name` and `name.$`, which both produce the field `name`.
#   Reported from the graph diagnostic `ASL_DUPLICATE_FIELD`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html
# custom:
#   id: ASL017
#   severity: high
#   remediation: Keep one of the two fields.
deny_duplicate_field contains finding if {
	some finding in diagnostics.findings("ASL017")
}

# METADATA
# title: Task resource that cannot be valid
# description: >-
#   A Task `Resource` has an unterminated `${` placeholder, or a Lambda ARN with an invalid
#   function name or qualifier. Reported from the graph diagnostic `ASL_INVALID_RESOURCE`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html
# custom:
#   id: ASL018
#   severity: high
#   remediation: Fix the resource ARN.
deny_invalid_resource contains finding if {
	some finding in diagnostics.findings("ASL018")
}

# METADATA
# title: Malformed retrier
# description: >-
#   A retrier has no `ErrorEquals`, a misplaced `States.ALL`, or an out-of-range
#   `IntervalSeconds`, `MaxDelaySeconds`, `MaxAttempts`, `BackoffRate` or `JitterStrategy`.
#   Reported from the graph diagnostic `ASL_RETRY`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
# custom:
#   id: ASL019
#   severity: high
#   remediation: Fix the retrier's fields; put `States.ALL` alone in the last retrier.
deny_retry contains finding if {
	some finding in diagnostics.findings("ASL019")
}

# METADATA
# title: Malformed catcher
# description: >-
#   A catcher has no `Next`, no `ErrorEquals`, or a misplaced `States.ALL`. Reported from the
#   graph diagnostic `ASL_CATCH`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
# custom:
#   id: ASL020
#   severity: high
#   remediation: Give every catcher `ErrorEquals` and `Next`; put `States.ALL` alone in the last catcher.
deny_catch contains finding if {
	some finding in diagnostics.findings("ASL020")
}

# METADATA
# title: Invalid timeout or heartbeat
# description: >-
#   `TimeoutSeconds` or `HeartbeatSeconds` is out of range, given together with its `*Path`
#   twin, or the heartbeat is not below the timeout. Reported from the graph diagnostic
#   `ASL_TIMEOUT`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html
# custom:
#   id: ASL021
#   severity: high
#   remediation: Use whole seconds from 1 to 99999999 and a heartbeat below the timeout.
deny_timeout contains finding if {
	some finding in diagnostics.findings("ASL021")
}

# METADATA
# title: Inconsistent Map state
# description: >-
#   A Map state has no (or two) processors, conflicting fields, or out-of-range limits; or
#   distributed-only fields on an inline map, where they have no effect. Reported from the graph
#   diagnostic `ASL_MAP`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-map.html
# custom:
#   id: ASL022
#   severity: high
#   remediation: Give the Map one `ItemProcessor` and only the fields of its mode.
deny_map contains finding if {
	some finding in diagnostics.findings("ASL022")
}

# METADATA
# title: Parallel state without branches
# description: >-
#   A Parallel state has no `Branches`, or an empty list. Reported from the graph diagnostic
#   `ASL_PARALLEL`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html
# custom:
#   id: ASL023
#   severity: high
#   remediation: Add at least one branch.
deny_parallel contains finding if {
	some finding in diagnostics.findings("ASL023")
}

# METADATA
# title: Wait state without exactly one duration
# description: >-
#   A Wait state needs exactly one of `Seconds`, `Timestamp`, `SecondsPath` and `TimestampPath`,
#   with a valid value. Reported from the graph diagnostic `ASL_WAIT`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
# custom:
#   id: ASL024
#   severity: high
#   remediation: Keep one duration field with a non-negative integer or an RFC 3339 timestamp.
deny_wait contains finding if {
	some finding in diagnostics.findings("ASL024")
}

# METADATA
# title: Fail state with a static and a dynamic error or cause
# description: >-
#   A Fail state has both `Error` and `ErrorPath`, or both `Cause` and `CausePath`. Reported
#   from the graph diagnostic `ASL_FAIL`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html
# custom:
#   id: ASL025
#   severity: high
#   remediation: Keep one of each pair.
deny_fail contains finding if {
	some finding in diagnostics.findings("ASL025")
}

# METADATA
# title: Malformed Task credentials
# description: >-
#   A Task's `Credentials` is not an object naming the role to assume in `RoleArn` (or
#   `RoleArn.$`). Reported from the graph diagnostic `ASL_CREDENTIALS`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html
# custom:
#   id: ASL026
#   severity: high
#   remediation: Write `Credentials` as an object whose `RoleArn` is the ARN of the role to assume.
deny_credentials contains finding if {
	some finding in diagnostics.findings("ASL026")
}
