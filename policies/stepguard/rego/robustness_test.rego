package stepguard.rules.robustness

import rego.v1

task(overrides) := object.union({"id": "m/state/T", "name": "T", "type": "Task", "timeout_seconds": null, "timeout_seconds_path": null}, overrides)

test_task_without_timeout_is_reported if {
	some f in deny with input as {"states": {"t": task({})}}
	f.rule == "TMO001"
	f.node == "m/state/T"
}

test_static_or_path_timeout_passes if {
	count(deny) == 0 with input as {"states": {"a": task({"timeout_seconds": 30}), "b": task({"timeout_seconds_path": "$.t"})}}
}

test_other_state_types_are_ignored if {
	count(deny) == 0 with input as {"states": {"p": task({"type": "Pass"})}}
}
