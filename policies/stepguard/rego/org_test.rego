package stepguard.rules.org

import rego.v1

import data.stepguard.lib.fixtures.clean
import data.stepguard.lib.fixtures.one
import data.stepguard.lib.fixtures.statement

organization(attachments) := {
	"root": "r-1", "management_account": "999999999999",
	"ous": {"ou-1": {"id": "ou-1", "parent": "r-1"}},
	"accounts": {
		"111122223333": {"id": "111122223333", "parent": "ou-1"},
		"999999999999": {"id": "999999999999", "parent": "r-1"},
	},
	"attachments": attachments,
}

scp(id, statements) := {"id": id, "kind": "scp", "name": id, "statements": statements, "attached_to": []}

regions := statement({
	"effect": "Deny", "action": [], "not_action": ["iam:*", "sts:*"], "resource": ["*"],
	"condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
})

with_org(org, policies) := object.union(clean, {"organization": org, "policies": policies})

test_accounts_without_a_guardrail_are_reported if {
	g := with_org(organization([{"policy": "p-full", "target": "r-1"}]), {"p-full": scp("p-full", [statement({"action": ["*"], "resource": ["*"]})])})
	f := one(warn_no_states_guardrail) with input as g
	f.node == "m"
	f.message == "no SCP above account 111122223333 restricts Step Functions to approved regions or the organization (state machine `orders`)"
}

test_a_region_guardrail_on_an_ou_passes if {
	g := with_org(organization([{"policy": "p-regions", "target": "ou-1"}]), {"p-regions": scp("p-regions", [regions])})
	count(warn_no_states_guardrail) == 0 with input as g
}

test_an_org_guardrail_on_states_actions_passes if {
	org_id := statement({
		"effect": "Deny", "action": ["states:*"], "resource": ["*"],
		"condition": {"StringNotEquals": {"aws:PrincipalOrgID": ["o-123"]}},
	})
	g := with_org(organization([{"policy": "p-org", "target": "111122223333"}]), {"p-org": scp("p-org", [org_id])})
	count(warn_no_states_guardrail) == 0 with input as g
}

test_guardrails_that_skip_step_functions_do_not_count if {
	skips := json.patch(regions, [{"op": "replace", "path": "/not_action", "value": ["states:*"]}])
	g := with_org(organization([{"policy": "p-regions", "target": "r-1"}]), {"p-regions": scp("p-regions", [skips])})
	count(warn_no_states_guardrail) == 1 with input as g
}

test_management_and_unknown_accounts_are_not_judged if {
	mgmt := object.union(with_org(organization([]), {}), {"state_machines": {"m": {"arn": "arn:aws:states:us-east-1:999999999999:stateMachine:orders"}}})
	count(warn_no_states_guardrail) == 0 with input as mgmt
	outside := object.union(with_org(organization([]), {}), {"state_machines": {"m": {"arn": "arn:aws:states:us-east-1:444455556666:stateMachine:orders"}}})
	count(warn_no_states_guardrail) == 0 with input as outside
}
