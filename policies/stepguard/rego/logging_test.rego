package stepguard.rules.logging

import rego.v1

machine(overrides) := object.union(
	{"id": "m", "name": "orders", "logging": {"level": null, "include_execution_data": null, "destinations": []}, "tracing": {"enabled": false}},
	overrides,
)

test_logging_off_is_reported if {
	findings := deny with input as {"state_machines": {"m": machine({})}}
	some f in findings
	f.rule == "LOG001"
	f.node == "m"
}

test_logging_level_off_is_reported if {
	m := machine({"logging": {"level": "OFF", "include_execution_data": false, "destinations": []}})
	some f in deny with input as {"state_machines": {"m": m}}
	f.rule == "LOG001"
}

test_logging_on_passes if {
	m := machine({"logging": {"level": "ERROR", "include_execution_data": false, "destinations": ["arn:aws:logs:us-east-1:1:log-group:x:*"]}})
	count(deny) == 0 with input as {"state_machines": {"m": m}}
}

test_tracing_off_warns if {
	some f in warn with input as {"state_machines": {"m": machine({})}}
	f.rule == "TRC001"
	f.message == "state machine `orders` has X-Ray tracing off"
}

test_tracing_on_is_silent if {
	count(warn) == 0 with input as {"state_machines": {"m": machine({"tracing": {"enabled": true}, "name": {"sub": "x-${Stage}"}})}}
}

test_unnamed_machine_uses_its_id if {
	some f in warn with input as {"state_machines": {"m": machine({"name": null})}}
	f.message == "state machine `m` has X-Ray tracing off"
}
