# METADATA
# title: IAM helpers for the built-in rules
# description: >-
#   Which roles belong to Step Functions, their policies and statements, and how a statement's
#   actions and conditions are read.
package stepguard.lib.iam

import rego.v1

import data.stepguard.lib.util

# Roles a state machine in the inputs executes as.
execution_roles contains id if {
	some m in input.state_machines
	id := m.role
	input.roles[id]
}

# Roles whose trust policy lets Step Functions assume them.
states_trusted_roles contains id if {
	some id, role in input.roles
	some s in trust_statements(role)
	s.effect == "Allow"
	trusts_states(s)
}

# Roles a Task assumes through `Credentials`.
credential_roles contains id if {
	some s in input.states
	arn := s.credentials.RoleArn
	some id, role in input.roles
	role.arn == arn
}

# Every role that Step Functions uses or may use.
sfn_roles := (execution_roles | states_trusted_roles) | credential_roles

# The statements of a role's trust policy.
trust_statements(role) := input.policies[role.trust_policy].statements

# The `Principal` of a statement as a map (empty when absent).
principals(s) := s.principal if is_object(s.principal)

principals(s) := {} if not is_object(s.principal)

# A trust statement names the Step Functions service principal.
trusts_states(s) if {
	some v in object.get(principals(s), "Service", [])
	states_service(v)
}

states_service(v) if v == "states.amazonaws.com"

states_service(v) if {
	is_string(v)
	regex.match(`^states\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`, v)
}

# Identity policies of a role that are among the inputs.
role_policies(role) := {id |
	some id in array.concat(role.inline_policies, role.managed_policies)
	input.policies[id]
}

# Identity policies the IAM rules look at: those of Step Functions roles, and bare policy
# documents given on their own (attached to nothing).
scoped_policies contains id if {
	some r in sfn_roles
	some id in role_policies(input.roles[r])
}

scoped_policies contains id if {
	some id, p in input.policies
	p.kind == "identity"
	count(p.attached_to) == 0
}

# The action patterns of a statement that are strings (symbolic ones are left alone).
actions(s) := [a | some a in s.action; is_string(a)]

# An Allow statement grants `action` (through `Action` or `NotAction`).
grants(s, action) if {
	s.effect == "Allow"
	some p in actions(s)
	stepguard.action_match(p, action)
}

grants(s, action) if {
	s.effect == "Allow"
	count(s.not_action) > 0
	not excludes(s, action)
}

excludes(s, action) if {
	some p in s.not_action
	is_string(p)
	stepguard.action_match(p, action)
}

# Like `grants`, but not through a bare `*` action (which IAM001 reports on its own).
grants_specifically(s, action) if {
	s.effect == "Allow"
	some p in actions(s)
	p != "*"
	stepguard.action_match(p, action)
}

# The statement's `Resource` includes `*`.
any_resource(s) if "*" in s.resource

# The statement conditions on `key` (any operator, key case-insensitive).
has_condition_key(s, key) if {
	some _, keys in s.condition
	some k, _ in keys
	lower(k) == lower(key)
}

# The statements of the identity policies of a role, as [policy id, index, statement].
role_statements(role) := [[pid, i, s] |
	some pid in role_policies(role)
	some i, s in input.policies[pid].statements
]

# A statement's place in messages: policy name and statement.
where(pid, i, s) := sprintf("policy `%s` statement %s", [util.policy_name(input.policies[pid]), util.statement_name(s, i)])
