package stepguard.rules.iam

import rego.v1

import data.stepguard.lib.fixtures.graph
import data.stepguard.lib.fixtures.ids
import data.stepguard.lib.fixtures.machine
import data.stepguard.lib.fixtures.one
import data.stepguard.lib.fixtures.role
import data.stepguard.lib.fixtures.state
import data.stepguard.lib.fixtures.statement
import data.stepguard.lib.fixtures.trust
import data.stepguard.lib.fixtures.trusted

with_statements(statements) := graph(machine({}), [state({})], role({}), statements, [trusted])

with_trust(statements) := graph(machine({}), [state({})], role({}), [statement({})], statements)

test_service_wildcards_are_reported_per_statement if {
	g := with_statements([statement({"sid": "Fulfil", "action": ["sqs:*", "sns:Publish", "s3:*"]})])
	f := one(deny_wildcard_action) with input as g
	f.message == "policy `inline` statement `Fulfil` allows `sqs:*`, `s3:*`"
	f.path == "/statements/0"
	f.node == "r/policy"
}

test_star_and_not_action_are_reported if {
	g := with_statements([statement({"action": ["*"]}), statement({"action": [], "not_action": ["iam:*"]})])
	findings := deny_wildcard_action with input as g
	count(findings) == 2
	some f in findings
	f.message == "policy `inline` statement #2 allows every action except those in `NotAction`"
}

test_partial_wildcards_and_denies_pass if {
	g := with_statements([statement({"action": ["s3:Get*"]}), statement({"effect": "Deny", "action": ["*"]})])
	count(deny_wildcard_action) == 0 with input as g
}

test_bare_identity_documents_are_checked if {
	g := {"policies": {"p.json": {"id": "p.json", "kind": "identity", "name": null, "attached_to": [], "statements": [statement({"action": ["dynamodb:*"]})]}}, "roles": {}, "state_machines": {}}
	some f in deny_wildcard_action with input as g
	f.message == "policy `p.json` statement #1 allows `dynamodb:*`"
}

test_roles_outside_step_functions_are_ignored if {
	g := with_statements([statement({"action": ["sqs:*"]})])
	lambda_trust := {"statements": [trust({"principal": {"Service": ["lambda.amazonaws.com"]}})]}
	other := object.union(object.remove(g, ["state_machines"]), {"policies": {"r/trust": lambda_trust}})
	count(deny_wildcard_action) == 0 with input as other
}

test_xray_grants_without_tracing_warn if {
	g := graph(machine({"tracing": {"enabled": false}}), [], role({"managed_policies": ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]}), [statement({"sid": "Tracing", "action": ["xray:PutTraceSegments"], "resource": ["*"]})], [trusted])
	findings := warn_xray_without_tracing with input as g
	count(findings) == 2
	some f in findings
	f.node == "r"
	contains(f.message, "AWSXrayWriteOnlyAccess")
}

test_xray_grants_with_tracing_pass if {
	g := graph(machine({}), [], role({}), [statement({"action": ["xray:PutTraceSegments"], "resource": ["*"]})], [trusted])
	count(warn_xray_without_tracing) == 0 with input as g
}

test_logs_actions_on_star_beyond_delivery_are_reported if {
	g := with_statements([statement({"action": ["logs:CreateLogDelivery", "logs:PutLogEvents", "logs:*"], "resource": ["*"]})])
	f := one(deny_logs_on_any_resource) with input as g
	f.message == "policy `inline` statement #1 allows `logs:PutLogEvents`, `logs:*` on `*`, beyond the log-delivery actions"
}

test_log_delivery_actions_on_star_pass if {
	g := with_statements([
		statement({"action": ["logs:CreateLogDelivery", "logs:describeloggroups"], "resource": ["*"]}),
		statement({"action": ["logs:PutLogEvents"], "resource": ["arn:aws:logs:us-east-1:111122223333:log-group:x:*"]}),
	])
	count(deny_logs_on_any_resource) == 0 with input as g
}

test_pass_role_on_star_is_high if {
	g := with_statements([statement({"action": ["iam:PassRole"], "resource": ["*"]})])
	f := one(deny_pass_role) with input as g
	f.severity == "high"
	f.message == "policy `inline` statement #1 grants `iam:PassRole` on `*` and without an `iam:PassedToService` condition"
}

test_pass_role_without_service_condition_is_medium if {
	g := with_statements([statement({"action": ["iam:Pass*"], "resource": ["arn:aws:iam::111122223333:role/ecs"]})])
	f := one(deny_pass_role) with input as g
	f.severity == "medium"
}

test_scoped_pass_role_passes if {
	s := statement({
		"action": ["iam:PassRole"], "resource": ["arn:aws:iam::111122223333:role/ecs"],
		"condition": {"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}},
	})
	count(deny_pass_role) == 0 with input as with_statements([s, statement({"action": ["*"], "resource": ["*"]})])
}

test_trust_without_source_conditions_is_reported if {
	g := with_trust([trust({})])
	f := one(deny_confused_deputy) with input as g
	f.node == "r"
	f.message == "role `orders-sfn` trusts `states.amazonaws.com` without an `aws:SourceArn` or `aws:SourceAccount` condition"
}

test_trust_with_source_arn_passes if {
	regional := trust({"principal": {"Service": ["states.eu-west-1.amazonaws.com"]}, "condition": {"ArnLike": {"AWS:SourceArn": ["arn:aws:states:*:111122223333:stateMachine:*"]}}})
	count(deny_confused_deputy) == 0 with input as with_trust([regional])
}

test_wildcard_and_unexpected_trust_principals_are_reported if {
	g := with_trust([
		trust({"principal": {"AWS": ["*"]}}),
		trust({"principal": {"Service": ["states.amazonaws.com", "lambda.amazonaws.com"]}}),
		trust({"principal": null, "not_principal": {"AWS": ["arn:aws:iam::111122223333:root"]}}),
		trust({"principal": {"AWS": [{"ref": "Other"}]}}),
	])
	findings := deny_trust_principal with input as g
	{f.severity | some f in findings} == {"critical", "high"}
	count(findings) == 4
	some f in findings
	f.message == "trust policy of role `orders-sfn` statement #2 also trusts `lambda.amazonaws.com` (Service)"
	some g2 in findings
	contains(g2.message, `{"ref":"Other"}`)
}

test_states_only_trust_passes if {
	count(deny_trust_principal) == 0 with input as with_trust([trusted, trust({"effect": "Deny", "principal": {"AWS": ["*"]}})])
}

test_cross_account_credentials_are_reported if {
	s := state({"credentials": {"RoleArn": {"sub": "arn:${AWS::Partition}:iam::444455556666:role/x"}}})
	g := graph(machine({}), [s], role({}), [], [trusted])
	f := one(deny_cross_account_credentials) with input as g
	f.message == "Task `T` assumes a role in account 444455556666, but state machine `orders` runs in account 111122223333"
}

test_machine_account_falls_back_to_the_role if {
	s := state({"credentials": {"RoleArn": "arn:aws:iam::444455556666:role/x"}})
	by_role_arn := graph(machine({"arn": null, "role_arn": "arn:aws:iam::111122223333:role/r"}), [s], role({}), [], [])
	count(deny_cross_account_credentials) == 1 with input as by_role_arn
	by_role := graph(machine({"arn": {"ref": "X"}, "name": {"ref": "N"}}), [s], role({}), [], [])
	f := one(deny_cross_account_credentials) with input as by_role
	contains(f.message, "state machine `m`")
	unknown := graph(machine({"arn": null}), [s], role({"account": null}), [], [])
	count(deny_cross_account_credentials) == 0 with input as unknown
}

test_same_account_and_dynamic_credentials_pass if {
	same := state({"credentials": {"RoleArn": "arn:aws:iam::111122223333:role/x"}})
	dynamic := state({"id": "m/state/D", "credentials": {"RoleArn.$": "$.role"}})
	count(deny_cross_account_credentials) == 0 with input as graph(machine({}), [same, dynamic], role({}), [], [])
}

escalating := [
	statement({"action": ["iam:PassRole"], "resource": ["*"]}),
	statement({"action": ["states:UpdateStateMachine", "states:StartExecution"], "resource": ["*"]}),
]

test_pass_role_update_and_start_is_an_escalation_path if {
	f := one(deny_escalation_path) with input as with_statements(escalating)
	f.node == "r"
	f.message == "role `orders-sfn` can pass a role, create or update a state machine and start it"
}

test_escalation_through_not_action_and_bare_documents if {
	doc := {"id": "ci.json", "kind": "identity", "name": "ci", "attached_to": [], "statements": [statement({"action": [], "not_action": ["s3:*"], "resource": ["*"]})]}
	findings := deny_escalation_path with input as {"roles": {}, "policies": {"ci.json": doc}}
	f := one(findings)
	f.message == "policy `ci` lets its holder pass a role, create or update a state machine and start it"
}

test_denied_or_partial_paths_and_administrators_pass if {
	deny_pass := statement({"effect": "Deny", "action": ["iam:PassRole"], "resource": ["*"]})
	count(deny_escalation_path) == 0 with input as with_statements(array.concat(escalating, [deny_pass]))
	count(deny_escalation_path) == 0 with input as with_statements([escalating[1]])
	admin := statement({"action": ["*"], "resource": ["*"]})
	count(deny_escalation_path) == 0 with input as with_statements(array.concat(escalating, [admin]))
}

test_sensitive_sdk_calls_are_reported if {
	s := state({"resource": "arn:aws:states:::aws-sdk:iam:createAccessKey", "integration": {"kind": "sdk", "service": "iam", "api": "createAccessKey", "pattern": "request_response"}})
	f := one(deny_sensitive_sdk_call) with input as graph(machine({}), [s], role({}), [], [])
	f.message == "Task `T` calls `iam:createAccessKey` through the AWS SDK integration"
}

test_ordinary_sdk_calls_pass if {
	s := state({"integration": {"kind": "sdk", "service": "kms", "api": "describeKey", "pattern": "request_response"}})
	count(deny_sensitive_sdk_call) == 0 with input as graph(machine({}), [s], role({}), [], [])
}

test_sensitive_apis_follow_overrides if {
	s := state({"integration": {"kind": "sdk", "service": "s3", "api": "deleteBucket", "pattern": "request_response"}})
	g := graph(machine({}), [s], role({}), [], [])
	count(deny_sensitive_sdk_call) == 1 with input as g with data.stepguard.overrides.sensitive_sdk_apis as {"s3": ["delete*"]}
}

test_roles_assumed_through_credentials_are_checked if {
	g := graph(machine({}), [state({"credentials": {"RoleArn": "arn:aws:iam::111122223333:role/other"}})], role({}), [], [trusted])
	other := {"id": "o", "principal_type": "role", "name": "other", "arn": "arn:aws:iam::111122223333:role/other", "trust_policy": null, "inline_policies": ["o/p"], "managed_policies": [], "tags": {}}
	p := {"id": "o/p", "kind": "inline", "name": "o", "attached_to": ["o"], "statements": [statement({"action": ["s3:*"]})]}
	f := one(deny_wildcard_action) with input as object.union(g, {"roles": {"o": other}, "policies": {"o/p": p}})
	f.node == "o/p"
}
