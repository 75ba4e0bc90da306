package stepguard.rules.robustness

import rego.v1

import data.stepguard.lib.fixtures.clean
import data.stepguard.lib.fixtures.one
import data.stepguard.lib.fixtures.state

with_states(states) := object.union(clean, {"states": {s.id: s | some s in states}})

test_task_without_timeout_is_reported if {
	f := one(deny) with input as with_states([state({"timeout_seconds": null})])
	f.rule == "TMO001"
	f.node == "m/state/T"
	f.message == "Task `T` has no TimeoutSeconds"
}

test_static_or_path_timeout_passes if {
	count(deny) == 0 with input as with_states([state({"timeout_seconds": null, "timeout_seconds_path": "$.t"})])
	count(deny) == 0 with input as with_states([state({"type": "Pass", "timeout_seconds": null})])
}

callback := state({"integration": {"pattern": "wait_for_task_token"}, "timeout_seconds": 300})

test_callback_and_activity_tasks_need_a_heartbeat if {
	f := one(deny_heartbeat) with input as with_states([callback])
	f.message == "Task `T` waits for a worker but has no HeartbeatSeconds"
	activity := state({"integration": {"kind": "activity", "service": "states", "api": null}})
	count(deny_heartbeat) == 1 with input as with_states([activity])
}

test_heartbeat_not_below_timeout_is_reported if {
	f := one(deny_heartbeat) with input as with_states([object.union(callback, {"heartbeat_seconds": 300})])
	f.message == "Task `T` has HeartbeatSeconds 300, not below its TimeoutSeconds 300"
}

test_good_heartbeats_and_sync_jobs_pass if {
	count(deny_heartbeat) == 0 with input as with_states([object.union(callback, {"heartbeat_seconds": 60})])
	count(deny_heartbeat) == 0 with input as with_states([object.union(callback, {"heartbeat_seconds_path": "$.hb"})])
	count(deny_heartbeat) == 0 with input as with_states([state({"integration": {"pattern": "sync"}})])
}

test_machines_without_overall_timeout_warn if {
	g := object.union(clean, {"state_machines": {"m": {"timeout_seconds": null}}})
	f := one(warn_machine_timeout) with input as g
	f.message == "state machine `orders` has no overall TimeoutSeconds"
	express := object.union(g, {"state_machines": {"m": {"type": "EXPRESS"}}})
	count(warn_machine_timeout) == 0 with input as express
}

test_tasks_without_transient_retries_warn if {
	f := one(warn_no_retry) with input as with_states([state({"retry": []})])
	f.message == "Task `T` does not retry transient errors"
	custom := state({"retry": [{"error_equals": ["OrderRejected"]}]})
	count(warn_no_retry) == 1 with input as with_states([custom])
	disabled := state({"retry": [{"error_equals": ["States.ALL"], "max_attempts": 0}]})
	count(warn_no_retry) == 1 with input as with_states([disabled])
}

test_transient_retries_pass if {
	throttled := state({"retry": [{"error_equals": ["DynamoDB.ThrottlingException"]}]})
	count(warn_no_retry) == 0 with input as with_states([throttled])
}

retrier(overrides) := object.union(
	{"error_equals": ["States.TaskFailed"], "interval_seconds": 2, "max_attempts": 3, "backoff_rate": 2, "max_delay_seconds": null},
	overrides,
)

test_retriers_without_backoff_or_attempts_warn if {
	flat := with_states([state({"retry": [retrier({"backoff_rate": 1})]})])
	f := one(warn_retry_policy) with input as flat
	f.message == "state `T` retrier 1 (States.TaskFailed) has no backoff (`BackoffRate` 1)"
	f.path == "/retry/0"
	never := with_states([state({"retry": [retrier({"max_attempts": 0})]})])
	g := one(warn_retry_policy) with input as never
	g.message == "state `T` retrier 1 (States.TaskFailed) never retries (`MaxAttempts` 0)"
}

test_unbounded_retry_delays_warn if {
	long := with_states([state({"retry": [retrier({"interval_seconds": 10, "max_attempts": 12, "backoff_rate": 2.5})]})])
	f := one(warn_retry_policy) with input as long
	contains(f.message, "seconds between tries (no `MaxDelaySeconds`)")
	capped := with_states([state({"retry": [retrier({"interval_seconds": 10, "max_attempts": 12, "backoff_rate": 2.5, "max_delay_seconds": 60})]})])
	count(warn_retry_policy) == 0 with input as capped
}

test_default_retriers_pass if {
	defaults := {"error_equals": ["States.ALL"], "interval_seconds": null, "max_attempts": null, "backoff_rate": null, "max_delay_seconds": null}
	count(warn_retry_policy) == 0 with input as with_states([state({"retry": [defaults]})])
	symbolic := retrier({"max_attempts": "{% $n %}", "backoff_rate": {"ref": "Rate"}, "interval_seconds": "x"})
	count(warn_retry_policy) == 0 with input as with_states([state({"retry": [symbolic]})])
}

test_states_without_catch_warn if {
	f := one(warn_no_catch) with input as with_states([state({"catch": []})])
	f.message == "Task state `T` has no Catch"
}

test_an_enclosing_catch_covers_nested_states if {
	parallel := state({"id": "m/state/P", "name": "P", "type": "Parallel", "integration": null})
	child := state({"id": "m/state/C", "name": "C", "parent": "m/state/P", "catch": []})
	count(warn_no_catch) == 0 with input as with_states([parallel, child])
	uncaught := object.union(parallel, {"catch": []})
	count(warn_no_catch) == 2 with input as with_states([uncaught, child])
}

test_catch_all_without_permissions_handler_warns if {
	f := one(warn_catch_all) with input as with_states([state({"catch": [{"error_equals": ["States.ALL"], "next": "H"}]})])
	f.message == "state `T` catches every error with `States.ALL`, including `States.Permissions`"
}
