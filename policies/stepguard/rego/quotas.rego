# METADATA
# title: Runaway executions and service limits
package stepguard.rules.quotas

import rego.v1

import data.stepguard.lib.diagnostics
import data.stepguard.lib.util

# METADATA
# title: Workflow that starts itself without a bound
# description: >-
#   A Task starts an execution of its own state machine, directly or through another state
#   machine among the inputs, and passes no depth or counter along. A bad input then starts
#   executions without end, until account quotas and the bill stop them.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
# custom:
#   id: QTA001
#   severity: high
#   remediation: Pass a depth or counter in the child's input (a key named in `recursion_bound_keys`, computed from the parent's) and stop with a Choice when it reaches a limit.
deny_self_start contains finding if {
	some s in input.states
	starts_execution(s)
	self_target(s)
	not bounded(s)
	m := input.state_machines[s.state_machine]
	finding := {
		"rule": "QTA001",
		"message": sprintf("Task `%s` starts its own state machine `%s` with no depth or counter in the input", [s.name, util.machine_name(m)]),
		"node": s.id,
	}
}

deny_self_start contains finding if {
	some s in input.states
	starts_execution(s)
	not self_target(s)
	some target in target_machines(s)
	target != s.state_machine
	s.state_machine in graph.reachable(start_edges, {target})
	not bounded(s)
	finding := {
		"rule": "QTA001",
		"message": sprintf("Task `%s` starts `%s`, which starts state machine `%s` again, with no depth or counter in the input", [s.name, util.machine_name(input.state_machines[target]), util.machine_name(input.state_machines[s.state_machine])]),
		"node": s.id,
	}
}

starts_execution(s) if {
	s.integration.kind == "optimized"
	s.integration.service == "states"
	s.integration.api in {"startExecution", "startSyncExecution"}
}

starts_execution(s) if {
	s.integration.kind == "sdk"
	s.integration.service == "sfn"
	s.integration.api in {"startExecution", "startSyncExecution"}
}

payload(s) := s.parameters if is_object(s.parameters)

payload(s) := s.arguments if {
	not is_object(s.parameters)
	is_object(s.arguments)
}

# The context object names the running state machine.
self_target(s) if payload(s)["StateMachineArn.$"] == "$$.StateMachine.Id"

self_target(s) if {
	expression := payload(s).StateMachineArn
	is_string(expression)
	regex.match(`^\s*\{%.*\$states\.context\.StateMachine\.Id.*%\}\s*$`, expression)
}

self_target(s) if s.state_machine in target_machines(s)

# The state machines among the inputs that a Task starts (more than one when names repeat
# across files).
target_machines(s) := {id |
	target := payload(s).StateMachineArn
	some id, m in input.state_machines
	names_machine(target, m, s)
}

names_machine(target, m, _) if {
	m.arn != null
	target == m.arn
}

names_machine(target, m, _) if {
	name := util.text(m.name)
	endswith(util.text(target), concat("", [":stateMachine:", name]))
}

# `!Ref` and `!GetAtt X.Arn` of a state machine in the same template give its ARN.
names_machine(target, m, s) if {
	target.ref == m.logical_id
	same_file(m, s)
}

names_machine(target, m, s) if {
	target.get_att[0] == m.logical_id
	target.get_att[1] == "Arn"
	same_file(m, s)
}

same_file(m, s) if m.source.file == input.state_machines[s.state_machine].source.file

start_edges[from] := {to |
	some s in input.states
	s.state_machine == from
	starts_execution(s)
	some to in target_machines(s)
} if {
	some from, _ in input.state_machines
}

# The child's input carries a depth or counter computed at run time.
bounded(s) if {
	child_input := payload(s).Input
	walk(child_input, [path, v])
	count(path) > 0
	key := path[count(path) - 1]
	is_string(key)
	computed(key, v)
	name := lower(trim_suffix(key, ".$"))
	some word in util.setting("recursion_bound_keys")
	contains(name, word)
}

computed(key, _) if endswith(key, ".$")

computed(_, v) if {
	is_string(v)
	startswith(trim_space(v), "{%")
}

# METADATA
# title: Map without a concurrency limit
# description: >-
#   A distributed Map without `MaxConcurrency` runs up to 10,000 child executions at once; an
#   inline Map without it runs as many iterations at once as the input array allows. Either can
#   exhaust the concurrency or throughput of the services the iterations call.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html
# custom:
#   id: QTA002
#   severity: medium
#   remediation: Set `MaxConcurrency` to what the called services can take.
deny_unbounded_map contains finding if {
	some s in input.states
	s.type == "Map"
	s.map.mode == "DISTRIBUTED"
	not concurrency_bounded(s.map)
	finding := {
		"rule": "QTA002",
		"message": sprintf("distributed Map `%s` has no MaxConcurrency", [s.name]),
		"node": s.id,
		"severity": "medium",
	}
}

deny_unbounded_map contains finding if {
	some s in input.states
	s.type == "Map"
	s.map.mode != "DISTRIBUTED"
	not concurrency_bounded(s.map)
	not is_array(s.map.items)
	finding := {
		"rule": "QTA002",
		"message": sprintf("inline Map `%s` runs an iteration per input item at once (no MaxConcurrency)", [s.name]),
		"node": s.id,
		"severity": "low",
	}
}

concurrency_bounded(map) if {
	is_number(map.max_concurrency)
	map.max_concurrency > 0
}

concurrency_bounded(map) if is_string(map.max_concurrency_path)

# A JSONata expression or a template value decides the limit at run or deploy time.
concurrency_bounded(map) if is_string(map.max_concurrency)

concurrency_bounded(map) if is_object(map.max_concurrency)

# METADATA
# title: Express workflow waits for a job or a callback
# description: >-
#   Express workflows do not support `.sync`, `.sync:2`, `.waitForTaskToken` or activities
#   (nor do the Express children of a distributed Map); the Task fails at run time. Reported from
#   the graph diagnostic `ASL_EXPRESS_PATTERN`.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html
# custom:
#   id: QTA003
#   severity: high
#   remediation: Make the workflow Standard, or call the job request-response and poll for completion.
deny_express_pattern contains finding if {
	some finding in diagnostics.findings("QTA003")
}
