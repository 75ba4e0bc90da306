package stepguard.rules.quotas

import rego.v1

import data.stepguard.lib.fixtures.clean
import data.stepguard.lib.fixtures.machine
import data.stepguard.lib.fixtures.one
import data.stepguard.lib.fixtures.state

start(id, machine_id, parameters) := state({
	"id": id, "state_machine": machine_id, "name": "Again",
	"resource": "arn:aws:states:::states:startExecution",
	"integration": {"kind": "optimized", "service": "states", "api": "startExecution", "pattern": "request_response"},
	"parameters": parameters,
})

with_states(states) := object.union(clean, {"states": {s.id: s | some s in states}})

test_self_start_through_the_context_object_is_reported if {
	s := start("m/state/A", "m", {"StateMachineArn.$": "$$.StateMachine.Id", "Input.$": "$"})
	f := one(deny_self_start) with input as with_states([s])
	f.message == "Task `Again` starts its own state machine `orders` with no depth or counter in the input"
}

test_self_start_by_arn_name_or_jsonata_is_reported if {
	by_arn := start("m/state/A", "m", {"StateMachineArn": "arn:aws:states:us-east-1:111122223333:stateMachine:orders"})
	count(deny_self_start) == 1 with input as with_states([by_arn])
	by_name := start("m/state/A", "m", {"StateMachineArn": {"sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:orders"}})
	count(deny_self_start) == 1 with input as object.union(with_states([by_name]), {"state_machines": {"m": {"arn": {"ref": "Orders"}}}})
	jsonata := object.union(start("m/state/A", "m", null), {
		"integration": {"kind": "sdk", "service": "sfn"},
		"arguments": {"StateMachineArn": "{% $states.context.StateMachine.Id %}", "Input": {"x": 1}},
	})
	count(deny_self_start) == 1 with input as with_states([jsonata])
}

test_a_counter_in_the_input_bounds_the_recursion if {
	counted := start("m/state/A", "m", {"StateMachineArn.$": "$$.StateMachine.Id", "Input": {"depth.$": "States.MathAdd($.depth, 1)", "items.$": "$.rest"}})
	count(deny_self_start) == 0 with input as with_states([counted])
	jsonata := start("m/state/A", "m", {"StateMachineArn.$": "$$.StateMachine.Id", "Input": {"Iteration": "{% $states.input.iteration + 1 %}"}})
	count(deny_self_start) == 0 with input as with_states([jsonata])
	literal := start("m/state/A", "m", {"StateMachineArn.$": "$$.StateMachine.Id", "Input": {"depth": 1}})
	count(deny_self_start) == 1 with input as with_states([literal])
}

test_cycles_through_another_machine_are_reported if {
	other := machine({"id": "n", "name": "refunds", "arn": {"ref": "Refunds"}, "logical_id": "Refunds"})
	to_n := start("m/state/A", "m", {"StateMachineArn": {"ref": "Refunds"}})
	to_m := start("n/state/B", "n", {"StateMachineArn": {"get_att": ["Orders", "Arn"]}})
	g := object.union(with_states([to_m, to_n]), {"state_machines": {"n": other, "m": {"arn": {"ref": "Orders"}}}})
	findings := deny_self_start with input as g
	{f.node | some f in findings} == {"m/state/A", "n/state/B"}
	some f in findings
	f.message == "Task `Again` starts `refunds`, which starts state machine `orders` again, with no depth or counter in the input"
}

test_starting_other_machines_passes if {
	other := machine({"id": "n", "name": "refunds", "arn": "arn:aws:states:us-east-1:111122223333:stateMachine:refunds"})
	to_n := start("m/state/A", "m", {"StateMachineArn": "arn:aws:states:us-east-1:111122223333:stateMachine:refunds"})
	count(deny_self_start) == 0 with input as object.union(with_states([to_n]), {"state_machines": {"n": other}})
	unknown := start("m/state/A", "m", {"StateMachineArn.$": "$.target"})
	count(deny_self_start) == 0 with input as with_states([unknown])
}

map_state(map) := state({
	"id": "m/state/M", "name": "M", "type": "Map", "integration": null,
	"map": object.union({"mode": "INLINE", "max_concurrency": null, "max_concurrency_path": null, "items": "$.items"}, map),
})

test_maps_without_concurrency_limits_are_reported if {
	f := one(deny_unbounded_map) with input as with_states([map_state({"mode": "DISTRIBUTED", "max_concurrency": 0})])
	f.severity == "medium"
	f.message == "distributed Map `M` has no MaxConcurrency"
	g := one(deny_unbounded_map) with input as with_states([map_state({})])
	g.severity == "low"
}

test_bounded_or_fixed_maps_pass if {
	count(deny_unbounded_map) == 0 with input as with_states([map_state({"max_concurrency": 10})])
	count(deny_unbounded_map) == 0 with input as with_states([map_state({"max_concurrency_path": "$.n"})])
	count(deny_unbounded_map) == 0 with input as with_states([map_state({"max_concurrency": "{% $n %}"})])
	count(deny_unbounded_map) == 0 with input as with_states([map_state({"mode": "DISTRIBUTED", "max_concurrency": {"ref": "N"}})])
	count(deny_unbounded_map) == 0 with input as with_states([map_state({"items": [1, 2, 3]})])
}

test_express_diagnostics_become_qta003 if {
	d := {"code": "ASL_EXPRESS_PATTERN", "severity": "error", "message": "m", "node": "m/state/T", "source": {"file": "f"}}
	f := one(deny_express_pattern) with input as object.union(clean, {"diagnostics": [d]})
	f.rule == "QTA003"
	f.severity == "high"
}
