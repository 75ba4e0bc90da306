# METADATA
# title: Least privilege and trust of Step Functions roles
package stepguard.rules.iam

import rego.v1

import data.stepguard.lib.iam
import data.stepguard.lib.util

# METADATA
# title: Role statement allows every action of a service
# description: >-
#   A statement that allows `*` or `service:*` (or allows everything through `NotAction`) gives
#   the workflow every present and future action of the service, including destructive and
#   administrative ones, when it needs a handful.
# related_resources:
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html
# custom:
#   id: IAM001
#   severity: high
#   remediation: List the actions the workflow's Tasks call (for example `sqs:SendMessage`) instead of `service:*`.
deny_wildcard_action contains finding if {
	some pid in iam.scoped_policies
	some i, s in input.policies[pid].statements
	s.effect == "Allow"
	wide := [a | some a in iam.actions(s); service_wide(a)]
	count(wide) > 0
	finding := {
		"rule": "IAM001",
		"message": sprintf("%s allows %s", [iam.where(pid, i, s), concat(", ", [sprintf("`%s`", [a]) | some a in wide])]),
		"node": pid,
		"path": sprintf("/statements/%d", [i]),
	}
}

deny_wildcard_action contains finding if {
	some pid in iam.scoped_policies
	some i, s in input.policies[pid].statements
	s.effect == "Allow"
	count(s.not_action) > 0
	finding := {
		"rule": "IAM001",
		"message": sprintf("%s allows every action except those in `NotAction`", [iam.where(pid, i, s)]),
		"node": pid,
		"path": sprintf("/statements/%d", [i]),
	}
}

service_wide(a) if a == "*"

service_wide(a) if regex.match(`^[A-Za-z0-9-]+:\*$`, a)

# METADATA
# title: X-Ray permissions granted while tracing is off
# description: >-
#   The role can write X-Ray traces although no state machine that runs as it has tracing on:
#   an unused grant, and a sign the tracing setting and the role drifted apart.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html
# custom:
#   id: IAM005
#   severity: low
#   remediation: Turn tracing on (`TracingConfiguration.Enabled`) or remove the `xray:` actions from the role.
warn_xray_without_tracing contains finding if {
	some rid in untraced_roles
	some [pid, i, s] in iam.role_statements(input.roles[rid])
	xray := [a | some a in iam.actions(s); startswith(lower(a), "xray:")]
	s.effect == "Allow"
	count(xray) > 0
	finding := {
		"rule": "IAM005",
		"message": sprintf("%s grants %s but no state machine using role `%s` has tracing on", [iam.where(pid, i, s), concat(", ", [sprintf("`%s`", [a]) | some a in xray]), util.role_name(input.roles[rid])]),
		"node": pid,
		"path": sprintf("/statements/%d", [i]),
		"severity": "low",
	}
}

warn_xray_without_tracing contains finding if {
	some rid in untraced_roles
	some arn in input.roles[rid].managed_policies
	not input.policies[arn]
	regex.match(`:policy/(AWSXrayWriteOnlyAccess|AWSXRayDaemonWriteAccess|AWSXrayFullAccess)$`, arn)
	finding := {
		"rule": "IAM005",
		"message": sprintf("role `%s` has the X-Ray policy `%s` attached but no state machine using it has tracing on", [util.role_name(input.roles[rid]), arn]),
		"node": rid,
		"severity": "low",
	}
}

untraced_roles contains rid if {
	some rid in iam.execution_roles
	machines := [m | some m in input.state_machines; m.role == rid]
	every m in machines {
		not m.tracing.enabled
	}
}

# METADATA
# title: CloudWatch Logs permissions on every resource beyond log delivery
# description: >-
#   Step Functions log delivery needs a few `logs:` actions on `*` (they cannot be scoped to a
#   log group). Anything else on `*` (writing to, reading or deleting every log group of the
#   account) is more than the workflow needs.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy
# custom:
#   id: IAM006
#   severity: medium
#   remediation: Keep only the log-delivery actions on `*`; scope any other `logs:` action to the log groups it needs.
deny_logs_on_any_resource contains finding if {
	some pid in iam.scoped_policies
	some i, s in input.policies[pid].statements
	s.effect == "Allow"
	iam.any_resource(s)
	allowed := {lower(a) | some a in util.setting("log_delivery_actions")}
	extra := [a | some a in iam.actions(s); startswith(lower(a), "logs:"); not allowed[lower(a)]]
	count(extra) > 0
	finding := {
		"rule": "IAM006",
		"message": sprintf("%s allows %s on `*`, beyond the log-delivery actions", [iam.where(pid, i, s), concat(", ", [sprintf("`%s`", [a]) | some a in extra])]),
		"node": pid,
		"path": sprintf("/statements/%d", [i]),
	}
}

# METADATA
# title: iam:PassRole on every role or to any service
# description: >-
#   `iam:PassRole` on `*` lets the workflow hand any role of the account to a service it starts
#   (an ECS task, a Glue job, a SageMaker job), which then runs with that role's permissions.
#   Without an `iam:PassedToService` condition the role can be passed to any service.
# related_resources:
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService
# custom:
#   id: IAM007
#   severity: high
#   remediation: Name the roles to pass in `Resource` and add a `StringEquals` condition on `iam:PassedToService`.
deny_pass_role contains finding if {
	some pid in iam.scoped_policies
	some i, s in input.policies[pid].statements
	iam.grants_specifically(s, "iam:PassRole")
	problems := array.concat(
		["on `*`" | iam.any_resource(s)],
		["without an `iam:PassedToService` condition" | not iam.has_condition_key(s, "iam:PassedToService")],
	)
	count(problems) > 0
	finding := {
		"rule": "IAM007",
		"message": sprintf("%s grants `iam:PassRole` %s", [iam.where(pid, i, s), concat(" and ", problems)]),
		"node": pid,
		"path": sprintf("/statements/%d", [i]),
		"severity": pass_role_severity(s),
	}
}

pass_role_severity(s) := "high" if iam.any_resource(s)

pass_role_severity(s) := "medium" if not iam.any_resource(s)

# METADATA
# title: Trust policy open to the confused deputy
# description: >-
#   The trust policy lets `states.amazonaws.com` assume the role without an `aws:SourceArn` or
#   `aws:SourceAccount` condition, so a state machine in any account could be made to act with
#   this role.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/cross-service-confused-deputy-prevention.html
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
# custom:
#   id: IAM008
#   severity: medium
#   remediation: Add a condition on `aws:SourceAccount` (your account) or `aws:SourceArn` (the state machine ARNs) to the trust statement.
deny_confused_deputy contains finding if {
	some rid in iam.states_trusted_roles
	role := input.roles[rid]
	some s in iam.trust_statements(role)
	s.effect == "Allow"
	iam.trusts_states(s)
	not iam.has_condition_key(s, "aws:SourceArn")
	not iam.has_condition_key(s, "aws:SourceAccount")
	finding := {
		"rule": "IAM008",
		"message": sprintf("role `%s` trusts `states.amazonaws.com` without an `aws:SourceArn` or `aws:SourceAccount` condition", [util.role_name(role)]),
		"node": rid,
	}
}

# METADATA
# title: Trust policy with a wildcard or unexpected principal
# description: >-
#   A Step Functions role should be assumable by Step Functions only. A `*` principal lets any
#   AWS account assume it; any other principal (another service, an account, a federated
#   identity) can act with the workflow's permissions outside the workflow.
# related_resources:
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html
# custom:
#   id: IAM009
#   severity: high
#   remediation: Trust only `states.amazonaws.com` in the role's trust policy; give other principals their own roles.
deny_trust_principal contains finding if {
	some rid in trust_scope
	role := input.roles[rid]
	some i, s in iam.trust_statements(role)
	s.effect == "Allow"
	some kind, values in iam.principals(s)
	some v in values
	is_string(v)
	v == "*"
	finding := trust_finding(role, i, s, sprintf("allows any principal (`%s: *`)", [kind]), "critical")
}

deny_trust_principal contains finding if {
	some rid in trust_scope
	role := input.roles[rid]
	some i, s in iam.trust_statements(role)
	s.effect == "Allow"
	s.not_principal != null
	finding := trust_finding(role, i, s, "allows every principal outside `NotPrincipal`", "critical")
}

deny_trust_principal contains finding if {
	some rid in trust_scope
	role := input.roles[rid]
	some i, s in iam.trust_statements(role)
	s.effect == "Allow"
	some kind, values in iam.principals(s)
	some v in values
	not v == "*"
	not expected_principal(kind, v)
	finding := trust_finding(role, i, s, sprintf("also trusts `%s` (%s)", [principal_text(v), kind]), "high")
}

# Roles run by Step Functions; roles that Tasks assume through `Credentials` trust the
# execution role instead, by design.
trust_scope := iam.execution_roles | iam.states_trusted_roles

expected_principal("Service", v) if {
	# A symbolic principal (a template reference) is not a literal service name.
	is_string(v)
	some pattern in util.setting("allowed_trust_services")
	stepguard.glob_match(pattern, v)
}

principal_text(v) := util.text(v)

principal_text(v) := json.marshal(v) if not util.text(v)

trust_finding(role, i, s, problem, severity) := {
	"rule": "IAM009",
	"message": sprintf("trust policy of role `%s` statement %s %s", [util.role_name(role), util.statement_name(s, i), problem]),
	"node": role.trust_policy,
	"path": sprintf("/statements/%d", [i]),
	"severity": severity,
}

# METADATA
# title: Task assumes a role in another account
# description: >-
#   A Task's `Credentials` make Step Functions assume a role in a different account for that
#   call. The workflow then acts across an account boundary, which the other account's owners
#   must expect and the execution role must be allowed to do.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html
# custom:
#   id: IAM010
#   severity: medium
#   remediation: Confirm the cross-account access is intended, restrict the target role's trust policy to this execution role, and waive the finding with a reason.
deny_cross_account_credentials contains finding if {
	some s in input.states
	target := util.account_of(s.credentials.RoleArn)
	m := input.state_machines[s.state_machine]
	home := util.machine_account(m)
	target != home
	finding := {
		"rule": "IAM010",
		"message": sprintf("Task `%s` assumes a role in account %s, but state machine `%s` runs in account %s", [s.name, target, util.machine_name(m), home]),
		"node": s.id,
	}
}

# METADATA
# title: Privilege escalation through Step Functions
# description: >-
#   A principal that can pass a role, create or update a state machine and start executions can
#   write a workflow that runs as any role it may pass, and so use that role's permissions.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/auth-and-access-control-sfn.html
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
# custom:
#   id: IAM011
#   severity: high
#   remediation: Split the permissions between principals, or limit `iam:PassRole` to the workflow's own execution role with an `iam:PassedToService` condition of `states.amazonaws.com`.
deny_escalation_path contains finding if {
	some rid, role in input.roles
	statements := [s | some [_, _, s] in iam.role_statements(role)]
	escalates(statements)
	finding := {
		"rule": "IAM011",
		"message": sprintf("%s `%s` can pass a role, create or update a state machine and start it", [role.principal_type, util.role_name(role)]),
		"node": rid,
	}
}

deny_escalation_path contains finding if {
	some pid, p in input.policies
	p.kind == "identity"
	count(p.attached_to) == 0
	escalates(p.statements)
	finding := {
		"rule": "IAM011",
		"message": sprintf("policy `%s` lets its holder pass a role, create or update a state machine and start it", [util.policy_name(p)]),
		"node": pid,
	}
}

escalates(statements) if {
	not administrator(statements)
	allowed(statements, "iam:PassRole")
	some change in ["states:CreateStateMachine", "states:UpdateStateMachine"]
	allowed(statements, change)
	some start in ["states:StartExecution", "states:StartSyncExecution"]
	allowed(statements, start)
}

allowed(statements, action) if {
	some s in statements
	iam.grants(s, action)
	not denied(statements, action)
}

denied(statements, action) if {
	some s in statements
	s.effect == "Deny"
	some p in iam.actions(s)
	stepguard.action_match(p, action)
	iam.any_resource(s)
	count(s.condition) == 0
}

# Full administrators are reported by IAM001; an escalation path adds nothing for them.
administrator(statements) if {
	some s in statements
	s.effect == "Allow"
	"*" in iam.actions(s)
	iam.any_resource(s)
	count(s.condition) == 0
}

# METADATA
# title: AWS SDK integration calls a sensitive API
# description: >-
#   The workflow calls an API that changes identities, credentials, organization structure, key
#   policies or secrets. Such calls from a workflow run with the execution role's permissions on
#   data from the execution input, and deserve a review.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
#   - ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html
# custom:
#   id: IAM012
#   severity: medium
#   remediation: Move the call behind a reviewed, narrowly scoped function or approval step, or waive the finding with the reason the workflow needs it.
deny_sensitive_sdk_call contains finding if {
	some s in input.states
	s.integration.kind == "sdk"
	service := lower(s.integration.service)
	api := s.integration.api
	some pattern in object.get(util.setting("sensitive_sdk_apis"), service, [])
	stepguard.action_match(pattern, api)
	finding := {
		"rule": "IAM012",
		"message": sprintf("Task `%s` calls `%s:%s` through the AWS SDK integration", [s.name, service, api]),
		"node": s.id,
	}
}
