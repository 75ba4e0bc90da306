# METADATA
# title: Logging and tracing
package stepguard.rules.logging

import rego.v1

import data.stepguard.lib.secrets
import data.stepguard.lib.util

# METADATA
# title: Execution logging is off
# description: >-
#   Without a logging configuration, executions leave no audit trail in CloudWatch Logs (and an
#   Express workflow keeps no execution history at all).
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
#   - ref: https://docs.aws.amazon.com/securityhub/latest/userguide/stepfunctions-controls.html
# custom:
#   id: LOG001
#   severity: medium
#   remediation: Set a logging configuration with level ERROR or ALL and a log group destination.
deny contains finding if {
	some m in input.state_machines
	util.configured(m)
	not level_on(m.logging.level)
	finding := {
		"rule": "LOG001",
		"message": sprintf("state machine `%s` has execution logging off", [util.machine_name(m)]),
		"node": m.id,
		"severity": "medium",
	}
}

level_on(level) if {
	is_string(level)
	level != "OFF"
}

# METADATA
# title: Log level below the configured minimum
# description: >-
#   The logging level records less than the minimum set for the workflow type (by default `ERROR`
#   for Standard workflows and `ALL` for Express workflows, which keep no execution history of
#   their own).
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-log-level
# custom:
#   id: LOG002
#   severity: low
#   remediation: Raise the logging level to the minimum in `min_log_level`, or change that setting.
warn_log_level contains finding if {
	some m in input.state_machines
	util.configured(m)
	level_on(m.logging.level)
	minimum := util.setting("min_log_level")[m.type]
	rank[m.logging.level] < rank[minimum]
	finding := {
		"rule": "LOG002",
		"message": sprintf("state machine `%s` logs at level %s, below the minimum %s for %s workflows", [util.machine_name(m), m.logging.level, minimum, m.type]),
		"node": m.id,
		"severity": "low",
	}
}

rank := {"OFF": 0, "FATAL": 1, "ERROR": 2, "ALL": 3}

# METADATA
# title: Execution data in logs against the configuration
# description: >-
#   With `includeExecutionData`, every state's input and output goes to CloudWatch Logs, where
#   more people can read it than can read the execution. That is a leak when the workflow
#   handles secrets or personal data, or whenever the configuration (`include_execution_data`:
#   `forbid`) rules it out; the configuration may also require it (`require`).
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/apireference/API_LoggingConfiguration.html
# custom:
#   id: LOG003
#   severity: medium
#   remediation: Set `IncludeExecutionData` to false (or to true where `include_execution_data` is `require`).
deny_execution_data contains finding if {
	some m in input.state_machines
	util.configured(m)
	level_on(m.logging.level)
	m.logging.include_execution_data == true
	secrets.handles_secrets[m.id]
	finding := {
		"rule": "LOG003",
		"message": sprintf("state machine `%s` logs execution data and handles secrets or personal data", [util.machine_name(m)]),
		"node": m.id,
		"severity": "high",
	}
}

deny_execution_data contains finding if {
	some m in input.state_machines
	util.configured(m)
	level_on(m.logging.level)
	m.logging.include_execution_data == true
	not secrets.handles_secrets[m.id]
	util.setting("include_execution_data") == "forbid"
	finding := {
		"rule": "LOG003",
		"message": sprintf("state machine `%s` logs execution data, which the configuration forbids", [util.machine_name(m)]),
		"node": m.id,
		"severity": "medium",
	}
}

deny_execution_data contains finding if {
	some m in input.state_machines
	util.configured(m)
	level_on(m.logging.level)
	m.logging.include_execution_data != true
	util.setting("include_execution_data") == "require"
	finding := {
		"rule": "LOG003",
		"message": sprintf("state machine `%s` does not log execution data, which the configuration requires", [util.machine_name(m)]),
		"node": m.id,
		"severity": "medium",
	}
}

# METADATA
# title: Logs go nowhere, or outside the allowed log groups
# description: >-
#   Logging is on but names no CloudWatch Logs log group, or names one outside the log groups the
#   configuration allows (`allowed_log_groups`, ARN patterns), where the records may be kept too
#   briefly or read by the wrong people.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/apireference/API_LogDestination.html
# custom:
#   id: LOG004
#   severity: medium
#   remediation: Send the logs to a log group matching `allowed_log_groups`, for example under `/aws/vendedlogs/states/`.
deny_log_destination contains finding if {
	some m in input.state_machines
	util.configured(m)
	level_on(m.logging.level)
	count(m.logging.destinations) == 0
	finding := {
		"rule": "LOG004",
		"message": sprintf("state machine `%s` has logging on but no log destination", [util.machine_name(m)]),
		"node": m.id,
	}
}

deny_log_destination contains finding if {
	some m in input.state_machines
	util.configured(m)
	level_on(m.logging.level)
	allowed := util.setting("allowed_log_groups")
	count(allowed) > 0
	some d in m.logging.destinations
	arn := util.text(d)
	not log_group_allowed(arn, allowed)
	finding := {
		"rule": "LOG004",
		"message": sprintf("state machine `%s` logs to `%s`, outside the allowed log groups", [util.machine_name(m), arn]),
		"node": m.id,
	}
}

log_group_allowed(arn, allowed) if {
	some pattern in allowed
	stepguard.glob_match(pattern, arn)
}

# METADATA
# title: X-Ray tracing is off
# description: >-
#   Without X-Ray tracing, the path of a request through the workflow and the services it calls
#   cannot be followed, which slows down incident analysis.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html
# custom:
#   id: TRC001
#   severity: low
#   remediation: Enable tracing (TracingConfiguration.Enabled) and grant the role the X-Ray actions.
warn contains finding if {
	some m in input.state_machines
	util.configured(m)
	not m.tracing.enabled
	finding := {
		"rule": "TRC001",
		"message": sprintf("state machine `%s` has X-Ray tracing off", [util.machine_name(m)]),
		"node": m.id,
		"severity": "low",
	}
}
