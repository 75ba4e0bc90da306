package stepguard.rules.encryption

import rego.v1

import data.stepguard.lib.fixtures.clean
import data.stepguard.lib.fixtures.one
import data.stepguard.lib.fixtures.statement

with_machine(overrides) := object.union(clean, {"state_machines": {"m": overrides}})

with_key_grant(overrides) := object.union(clean, {"policies": {"r/policy": {"statements": [statement(object.union(
	{"action": ["kms:Decrypt", "kms:GenerateDataKey"], "resource": ["arn:aws:kms:us-east-1:111122223333:key/k"]},
	overrides,
))]}}})

test_aws_owned_keys_warn if {
	f := one(warn) with input as with_machine({"encryption": {"type": "AWS_OWNED_KEY", "kms_key_id": null}})
	f.message == "state machine `orders` encrypts execution data with an AWS-owned key"
	count(warn) == 0 with input as with_machine({"origin": "asl", "encryption": {"type": "AWS_OWNED_KEY"}})
}

test_key_grants_without_the_context_condition_are_reported if {
	f := one(deny_key_grant) with input as with_key_grant({})
	f.message == "policy `inline` statement #1 grants the key of state machine `orders` without a `kms:EncryptionContext:aws:states:stateMachineArn` condition"
	f.path == "/statements/0"
}

test_via_service_conditions_are_reported if {
	g := with_key_grant({"resource": ["*"], "condition": {
		"StringEquals": {"kms:ViaService": ["states.us-east-1.amazonaws.com"]},
		"ArnEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": ["arn:aws:states:us-east-1:111122223333:stateMachine:orders"]},
	}})
	f := one(deny_key_grant) with input as g
	contains(f.message, "with a `kms:ViaService` condition, which blocks executions")
}

test_conditioned_grants_and_other_keys_pass if {
	good := with_key_grant({"resource": ["arn:aws:kms:us-east-1:111122223333:key/*"], "condition": {
		"ArnEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": ["arn:aws:states:us-east-1:111122223333:stateMachine:orders"]},
	}})
	count(deny_key_grant) == 0 with input as good
	count(deny_key_grant) == 0 with input as with_key_grant({"resource": ["arn:aws:kms:us-east-1:111122223333:key/other"]})
	count(deny_key_grant) == 0 with input as object.union(with_key_grant({}), {"state_machines": {"m": {"encryption": {"type": "AWS_OWNED_KEY"}}}})
}
