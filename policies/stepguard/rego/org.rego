# METADATA
# title: Organization guardrails for Step Functions
package stepguard.rules.org

import rego.v1

import data.stepguard.lib.iam
import data.stepguard.lib.util

# METADATA
# title: No SCP keeps Step Functions inside the organization or approved regions
# description: >-
#   No service control policy on the path from the organization root to the account that runs
#   the workflow denies Step Functions actions outside approved regions (`aws:RequestedRegion`)
#   or to principals and resources outside the organization (`aws:PrincipalOrgID`,
#   `aws:ResourceOrgID`). A leaked credential can then run workflows anywhere.
# related_resources:
#   - ref: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion
# custom:
#   id: SCP002
#   severity: low
#   remediation: Attach an SCP that denies `states:*` (or all actions) outside your regions or organization, at the root or an OU above the account.
warn_no_states_guardrail contains finding if {
	some m in input.state_machines
	account := util.machine_account(m)
	input.organization.accounts[account]
	account != input.organization.management_account
	not guarded(account)
	finding := {
		"rule": "SCP002",
		"message": sprintf("no SCP above account %s restricts Step Functions to approved regions or the organization (state machine `%s`)", [account, util.machine_name(m)]),
		"node": m.id,
		"severity": "low",
	}
}

# The account and every OU and root above it.
chain(account) := graph.reachable(parents, {account})

parents[id] := [n.parent] if some id, n in input.organization.ous

parents[id] := [n.parent] if some id, n in input.organization.accounts

# The root is a key too: `graph.reachable` only follows nodes that are.
parents[id] := [] if {
	id := input.organization.root
	is_string(id)
}

guarded(account) if {
	some target in chain(account)
	some a in input.organization.attachments
	a.target == target
	p := input.policies[a.policy]
	p.kind == "scp"
	some s in p.statements
	guardrail(s)
}

guardrail(s) if {
	s.effect == "Deny"
	covers_states(s)
	some key in util.setting("scp_guardrail_keys")
	iam.has_condition_key(s, key)
}

covers_states(s) if {
	some p in iam.actions(s)
	stepguard.action_match(p, "states:StartExecution")
}

covers_states(s) if {
	count(s.not_action) > 0
	not iam.excludes(s, "states:StartExecution")
}
