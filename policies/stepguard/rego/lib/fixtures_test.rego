# Graph-shaped builders shared by the bundle's tests.
package stepguard.lib.fixtures

import rego.v1

machine(overrides) := object.union(
	{
		"id": "m", "name": "orders", "arn": "arn:aws:states:us-east-1:111122223333:stateMachine:orders",
		"origin": "cloudformation", "logical_id": "Orders", "type": "STANDARD", "query_language": "JSONPath",
		"comment": null, "timeout_seconds": 3600, "role": "r", "role_arn": null,
		"logging": {"level": "ERROR", "include_execution_data": false, "destinations": ["arn:aws:logs:us-east-1:111122223333:log-group:/aws/vendedlogs/states/orders:*"]},
		"tracing": {"enabled": true},
		"encryption": {"type": "CUSTOMER_MANAGED_KMS_KEY", "kms_key_id": "arn:aws:kms:us-east-1:111122223333:key/k"},
		"tags": {}, "substitutions": {}, "has_definition": true,
		"source": {"file": "t.yaml", "pointer": "/Resources/Orders", "line": 1},
	},
	overrides,
)

state(overrides) := object.union(
	{
		"id": "m/state/T", "state_machine": "m", "name": "T", "type": "Task", "parent": null,
		"query_language": "JSONPath", "comment": null, "resource": "arn:aws:states:::lambda:invoke",
		"integration": {"kind": "optimized", "service": "lambda", "api": "invoke", "pattern": "request_response"},
		"parameters": {"FunctionName": "f"}, "arguments": null, "timeout_seconds": 30, "timeout_seconds_path": null,
		"heartbeat_seconds": null, "heartbeat_seconds_path": null,
		"retry": [{"error_equals": ["Lambda.ServiceException"], "interval_seconds": 1, "max_attempts": 3, "backoff_rate": 2, "max_delay_seconds": null}],
		"catch": [{"error_equals": ["States.Permissions"], "next": "Fail"}, {"error_equals": ["States.ALL"], "next": "Handle"}],
		"credentials": null, "map": null, "http": null, "io": {},
	},
	overrides,
)

role(overrides) := object.union(
	{
		"id": "r", "principal_type": "role", "name": "orders-sfn", "arn": "arn:aws:iam::111122223333:role/orders-sfn",
		"account": "111122223333", "trust_policy": "r/trust", "inline_policies": ["r/policy"], "managed_policies": [],
		"permissions_boundary": null, "tags": {},
	},
	overrides,
)

statement(overrides) := object.union(
	{
		"sid": null, "effect": "Allow", "action": ["lambda:InvokeFunction"], "not_action": [],
		"resource": ["arn:aws:lambda:us-east-1:111122223333:function:f"], "not_resource": [],
		"principal": null, "not_principal": null, "condition": {},
	},
	overrides,
)

policy(id, kind, statements, attached) := {
	"id": id, "kind": kind, "name": null, "statements": statements, "attached_to": attached,
}

# A trust statement for Step Functions, without conditions unless the overrides add them.
trust(overrides) := statement(object.union(
	{"action": ["sts:AssumeRole"], "resource": [], "principal": {"Service": ["states.amazonaws.com"]}},
	overrides,
))

# The trust statement of a well-configured role.
trusted := trust({"condition": {"StringEquals": {"aws:SourceAccount": ["111122223333"]}}})

# A graph with one machine, its states, its role, the role's policy and trust policy.
graph(m, states, r, statements, trust_statements) := {
	"state_machines": {m.id: m},
	"states": {s.id: s | some s in states},
	"roles": {r.id: r},
	"policies": {
		"r/policy": object.union(policy("r/policy", "inline", statements, [r.id]), {"name": "inline"}),
		"r/trust": policy("r/trust", "trust", trust_statements, [r.id]),
	},
	"organization": {"root": null, "management_account": null, "ous": {}, "accounts": {}, "attachments": []},
	"diagnostics": [],
}

# A graph whose configuration and role pass every rule.
clean := graph(machine({}), [state({})], role({}), [statement({})], [trusted])

# The rule ids of a set of findings.
ids(findings) := {f.rule | some f in findings}

# Every finding of every built-in rule.
all_findings contains f if {
	some _, rules in data.stepguard.rules
	some name, findings in rules
	regex.match(`^(deny|warn)`, name)
	some f in findings
}

test_a_clean_graph_passes_every_rule if {
	findings := all_findings with input as clean
	count(findings) == 0
}

# The single member of a set of findings (undefined unless there is exactly one).
one(findings) := f if {
	count(findings) == 1
	some f in findings
}

# Every diagnostic code the bundle maps reaches a rule with the mapped id.
test_every_mapped_diagnostic_code_reaches_its_rule if {
	mapping := data.stepguard.config.diagnostic_rules
	diagnostics := [d |
		some code, _ in mapping
		d := {"code": code, "severity": "error", "message": "m", "node": code, "source": {"file": "f", "pointer": "", "line": 1}}
	]
	findings := all_findings with input as {"diagnostics": diagnostics}
	{[f.node, f.rule] | some f in findings} == {[code, id] | some code, id in mapping}
}
