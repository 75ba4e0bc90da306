# METADATA
# title: Timeouts, retries and error handling
package stepguard.rules.robustness

import rego.v1

import data.stepguard.lib.util

# METADATA
# title: Task without a timeout
# description: >-
#   A Task with no TimeoutSeconds waits for up to the service default of 99,999,999 seconds,
#   so a hung integration keeps the execution (and its cost) alive for over three years.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html#task-state-fields
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html
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

# METADATA
# title: Callback or activity Task without a working heartbeat
# description: >-
#   A `.waitForTaskToken` or activity Task waits for a worker that may have died. Without
#   `HeartbeatSeconds` (below the Task's timeout), a lost token is only noticed when the whole
#   timeout runs out. (`.sync` jobs only send heartbeats if the job itself does, so they are not
#   asked for one.)
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html#avoid-exec-failures
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
# custom:
#   id: TMO002
#   severity: medium
#   remediation: Set `HeartbeatSeconds` below `TimeoutSeconds` and have the worker call `SendTaskHeartbeat`.
deny_heartbeat contains finding if {
	some s in input.states
	waits_for_worker(s)
	s.heartbeat_seconds == null
	s.heartbeat_seconds_path == null
	finding := {
		"rule": "TMO002",
		"message": sprintf("Task `%s` waits for a worker but has no HeartbeatSeconds", [s.name]),
		"node": s.id,
	}
}

deny_heartbeat contains finding if {
	some s in input.states
	waits_for_worker(s)
	is_number(s.heartbeat_seconds)
	is_number(s.timeout_seconds)
	s.heartbeat_seconds >= s.timeout_seconds
	finding := {
		"rule": "TMO002",
		"message": sprintf("Task `%s` has HeartbeatSeconds %v, not below its TimeoutSeconds %v", [s.name, s.heartbeat_seconds, s.timeout_seconds]),
		"node": s.id,
	}
}

waits_for_worker(s) if {
	s.type == "Task"
	s.integration.pattern == "wait_for_task_token"
}

waits_for_worker(s) if {
	s.type == "Task"
	s.integration.kind == "activity"
}

# METADATA
# title: State machine without an overall timeout
# description: >-
#   A Standard workflow with no top-level `TimeoutSeconds` may run for up to a year. A stuck
#   execution then holds its resources and hides the failure.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
# custom:
#   id: TMO003
#   severity: low
#   remediation: Set `TimeoutSeconds` at the top of the definition to the longest an execution may take.
warn_machine_timeout contains finding if {
	some m in input.state_machines
	m.has_definition
	m.type != "EXPRESS"
	m.timeout_seconds == null
	finding := {
		"rule": "TMO003",
		"message": sprintf("state machine `%s` has no overall TimeoutSeconds", [util.machine_name(m)]),
		"node": m.id,
		"severity": "low",
	}
}

# METADATA
# title: Task without a retry for transient errors
# description: >-
#   Service calls fail now and then for reasons that go away on their own (throttling, a
#   service exception, a timeout). Without a `Retry` for such errors (`transient_errors`), one
#   of them fails the whole execution.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html#bp-lambda-serviceexception
# custom:
#   id: ERR001
#   severity: low
#   remediation: Add a `Retry` for the transient errors of the service (for Lambda, `Lambda.ServiceException`, `Lambda.AWSLambdaException`, `Lambda.SdkClientException`, `Lambda.TooManyRequestsException`).
warn_no_retry contains finding if {
	some s in input.states
	s.type == "Task"
	not retries_transient(s)
	finding := {
		"rule": "ERR001",
		"message": sprintf("Task `%s` does not retry transient errors", [s.name]),
		"node": s.id,
		"severity": "low",
	}
}

retries_transient(s) if {
	some r in s.retry
	object.get(r, "max_attempts", null) != 0
	some e in r.error_equals
	some pattern in util.setting("transient_errors")
	stepguard.glob_match(pattern, e)
}

# METADATA
# title: Retry without backoff, without attempts, or with unbounded delay
# description: >-
#   A retrier with `BackoffRate` 1 hammers a struggling service at a fixed pace; `MaxAttempts` 0
#   never retries; and without `MaxDelaySeconds` a high rate over many attempts waits longer than
#   `max_retry_delay_seconds` between two tries.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error
# custom:
#   id: ERR002
#   severity: low
#   remediation: Use `BackoffRate` above 1 (2 is usual), `MaxAttempts` of at least 1, `MaxDelaySeconds` to cap the wait, and `JitterStrategy` `FULL`.
warn_retry_policy contains finding if {
	some [s, i, r, problem] in retry_problems
	finding := {
		"rule": "ERR002",
		"message": sprintf("state `%s` retrier %d (%s) %s", [s.name, i + 1, concat(", ", r.error_equals), problem]),
		"node": s.id,
		"path": sprintf("/retry/%d", [i]),
		"severity": "low",
	}
}

retry_problems contains [s, i, r, "never retries (`MaxAttempts` 0)"] if {
	some s in input.states
	some i, r in s.retry
	attempts(r) == 0
}

retry_problems contains [s, i, r, "has no backoff (`BackoffRate` 1)"] if {
	some s in input.states
	some i, r in s.retry
	attempts(r) > 1
	rate(r) <= 1
}

retry_problems contains [s, i, r, sprintf("can wait %v seconds between tries (no `MaxDelaySeconds`)", [delay])] if {
	some s in input.states
	some i, r in s.retry
	object.get(r, "max_delay_seconds", null) == null
	delay := worst_delay(r)
	delay > util.setting("max_retry_delay_seconds")
}

attempts(r) := n if {
	n := r.max_attempts
	is_number(n)
}

attempts(r) := 3 if object.get(r, "max_attempts", null) == null

rate(r) := n if {
	n := r.backoff_rate
	is_number(n)
}

rate(r) := 2 if object.get(r, "backoff_rate", null) == null

interval(r) := n if {
	n := r.interval_seconds
	is_number(n)
}

interval(r) := 1 if object.get(r, "interval_seconds", null) == null

# The wait before the last attempt: interval × rate^(attempts − 1), the exponent capped so a
# huge MaxAttempts stays cheap to evaluate.
worst_delay(r) := round(interval(r) * product([rate(r) | some _ in numbers.range(1, min([attempts(r) - 1, 1000]))])) if {
	attempts(r) > 1
}

# METADATA
# title: Task, Map or Parallel without a Catch
# description: >-
#   When a Task, Map or Parallel state fails after its retries and neither it nor an enclosing
#   Parallel or Map catches the error, the execution fails with no clean-up, compensation or
#   notification.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-fallback-states
# custom:
#   id: ERR003
#   severity: low
#   remediation: Add a `Catch` that routes errors to a state that cleans up, notifies or fails with a clear error.
warn_no_catch contains finding if {
	some s in input.states
	s.type in {"Task", "Map", "Parallel"}
	count(s.catch) == 0
	not enclosing_catch(s)
	finding := {
		"rule": "ERR003",
		"message": sprintf("%s state `%s` has no Catch", [s.type, s.name]),
		"node": s.id,
		"severity": "low",
	}
}

enclosing_catch(s) if {
	some a in graph.reachable(parents, {s.id})
	a != s.id
	count(input.states[a].catch) > 0
}

# Every state is a key: `graph.reachable` only follows nodes that are.
parents[id] := [p | p := s.parent; is_string(p)] if some id, s in input.states

# METADATA
# title: Catch-all that also catches permission errors
# description: >-
#   A `States.ALL` catcher also catches `States.Permissions`, so a missing IAM permission is
#   handled like a business error and goes unnoticed. (`States.Runtime` and
#   `States.DataLimitExceeded` are never caught by `States.ALL`.)
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-error-representation
# custom:
#   id: ERR004
#   severity: low
#   remediation: Add a catcher for `States.Permissions` before the `States.ALL` one that fails the execution (or alerts).
warn_catch_all contains finding if {
	some s in input.states
	some i, c in s.catch
	"States.ALL" in c.error_equals
	not permissions_handled(s, i)
	finding := {
		"rule": "ERR004",
		"message": sprintf("state `%s` catches every error with `States.ALL`, including `States.Permissions`", [s.name]),
		"node": s.id,
		"severity": "low",
	}
}

permissions_handled(s, i) if {
	some j, c in s.catch
	j < i
	"States.Permissions" in c.error_equals
}
