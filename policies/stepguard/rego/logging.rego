# METADATA
# title: Logging and tracing
package stepguard.rules.logging

import rego.v1

# METADATA
# title: Execution logging is off
# description: >-
#   Without a logging configuration, executions leave no audit trail in CloudWatch Logs (and an
#   Express workflow keeps no execution history at all).
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
# custom:
#   id: LOG001
#   severity: medium
#   remediation: Set a logging configuration with level ERROR or ALL and a log group destination.
deny contains finding if {
	some m in input.state_machines
	level := object.get(m.logging, "level", null)
	not level_on(level)
	finding := {
		"rule": "LOG001",
		"message": sprintf("state machine `%s` has execution logging off", [display(m)]),
		"node": m.id,
		"severity": "medium",
	}
}

level_on(level) if {
	level != null
	level != "OFF"
}

# METADATA
# title: X-Ray tracing is off
# custom:
#   id: TRC001
#   severity: low
#   remediation: Enable tracing (TracingConfiguration.Enabled) and grant the role the X-Ray actions.
warn contains finding if {
	some m in input.state_machines
	not m.tracing.enabled
	finding := {
		"rule": "TRC001",
		"message": sprintf("state machine `%s` has X-Ray tracing off", [display(m)]),
		"node": m.id,
		"severity": "low",
	}
}

display(m) := m.name if is_string(m.name)

display(m) := m.id if not is_string(m.name)
