# METADATA
# title: Timeouts, retries and error handling
package stepguard.rules.robustness

import rego.v1

# METADATA
# title: Task without a timeout
# description: >-
#   A Task with no TimeoutSeconds waits for up to the service default of 99,999,999 seconds,
#   so a hung integration keeps the execution (and its cost) alive for over three years.
# custom:
#   id: TMO001
#   severity: medium
#   remediation: Set TimeoutSeconds (or TimeoutSecondsPath) on every Task.
deny contains finding if {
	some s in input.states
	s.type == "Task"
	s.timeout_seconds == null
	s.timeout_seconds_path == null
	finding := {
		"rule": "TMO001",
		"message": sprintf("Task `%s` has no TimeoutSeconds", [s.name]),
		"node": s.id,
		"severity": "medium",
	}
}
