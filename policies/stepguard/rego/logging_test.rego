package stepguard.rules.logging

import rego.v1

import data.stepguard.lib.fixtures.clean
import data.stepguard.lib.fixtures.one

with_machine(overrides) := object.union(clean, {"state_machines": {"m": overrides}})

test_logging_off_is_reported if {
	f := one(deny) with input as with_machine({"logging": {"level": null}})
	f.rule == "LOG001"
	f.message == "state machine `orders` has execution logging off"
	g := one(deny) with input as with_machine({"logging": {"level": "OFF"}})
	g.rule == "LOG001"
}

test_bare_definitions_have_no_logging_configuration if {
	count(deny) == 0 with input as with_machine({"origin": "asl", "logging": {"level": null}})
	count(warn) == 0 with input as with_machine({"origin": "asl", "tracing": {"enabled": false}})
}

test_log_level_below_the_minimum_warns if {
	f := one(warn_log_level) with input as with_machine({"logging": {"level": "FATAL"}})
	f.message == "state machine `orders` logs at level FATAL, below the minimum ERROR for STANDARD workflows"
	count(warn_log_level) == 1 with input as with_machine({"type": "EXPRESS"})
	count(warn_log_level) == 0 with input as with_machine({"type": "EXPRESS", "logging": {"level": "ALL"}})
	count(warn_log_level) == 0 with input as with_machine({"logging": {"level": "OFF"}})
}

test_log_level_minimum_follows_overrides if {
	count(warn_log_level) == 1 with input as clean with data.stepguard.overrides.min_log_level as {"STANDARD": "ALL"}
}

test_execution_data_is_forbidden_by_default if {
	f := one(deny_execution_data) with input as with_machine({"logging": {"include_execution_data": true}})
	f.severity == "medium"
	f.message == "state machine `orders` logs execution data, which the configuration forbids"
	count(deny_execution_data) == 0 with input as with_machine({"logging": {"include_execution_data": true}})
		with data.stepguard.overrides.include_execution_data as "allow"
}

test_execution_data_with_secrets_is_high if {
	g := object.union(with_machine({"logging": {"include_execution_data": true}}), {"states": {"m/state/T": {
		"integration": {"kind": "sdk", "service": "secretsmanager", "api": "getSecretValue"},
		"parameters": {"SecretId": "db"},
	}}})
	f := one(deny_execution_data) with input as g with data.stepguard.overrides.include_execution_data as "allow"
	f.severity == "high"
}

test_execution_data_can_be_required if {
	f := one(deny_execution_data) with input as clean with data.stepguard.overrides.include_execution_data as "require"
	contains(f.message, "which the configuration requires")
}

test_logging_without_destination_is_reported if {
	f := one(deny_log_destination) with input as with_machine({"logging": {"destinations": []}})
	f.message == "state machine `orders` has logging on but no log destination"
}

test_destinations_outside_the_allowed_groups_are_reported if {
	allowed := ["arn:*:logs:*:*:log-group:/aws/vendedlogs/states/*"]
	count(deny_log_destination) == 0 with input as clean with data.stepguard.overrides.allowed_log_groups as allowed
	elsewhere := with_machine({"logging": {"destinations": [{"sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:audit:*"}]}})
	f := one(deny_log_destination) with input as elsewhere with data.stepguard.overrides.allowed_log_groups as allowed
	contains(f.message, "outside the allowed log groups")
}

test_tracing_off_warns if {
	f := one(warn) with input as with_machine({"tracing": {"enabled": false}, "name": {"sub": "orders-${Stage}"}})
	f.rule == "TRC001"
	f.message == "state machine `orders-${Stage}` has X-Ray tracing off"
}

test_unnamed_machine_uses_its_id if {
	f := one(warn) with input as with_machine({"tracing": {"enabled": false}, "name": {"ref": "Name"}})
	f.message == "state machine `m` has X-Ray tracing off"
}
