# METADATA
# title: HTTP endpoints a workflow calls
package stepguard.rules.network

import rego.v1

import data.stepguard.lib.iam
import data.stepguard.lib.util

# METADATA
# title: HTTP endpoint without TLS
# description: >-
#   An HTTP Task or API Gateway Task calls an `http://` endpoint, so the request (with its
#   credentials from the EventBridge connection) and the response travel unencrypted.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/connect-api-gateway.html
# custom:
#   id: NET001
#   severity: high
#   remediation: Call the endpoint over `https://`.
deny_plain_http contains finding if {
	some s in input.states
	endpoint := util.text(s.http.endpoint)
	not s.http.dynamic
	startswith(lower(trim_space(endpoint)), "http://")
	finding := {
		"rule": "NET001",
		"message": sprintf("Task `%s` calls an endpoint over plain `http://`", [s.name]),
		"node": s.id,
	}
}

# METADATA
# title: HTTP endpoint from state input without an endpoint condition
# description: >-
#   The HTTP Task takes its URL from the execution's data, and the role's
#   `states:InvokeHTTPEndpoint` grant has no `states:HTTPEndpoint` condition: whoever controls the
#   input can make the workflow send its connection's credentials to any URL.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html#http-task-permissions
#   - ref: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html#awsstepfunctions-policy-keys
# custom:
#   id: NET002
#   severity: medium
#   remediation: Add a `StringLike` condition on `states:HTTPEndpoint` (the allowed URL prefixes) to the statement granting `states:InvokeHTTPEndpoint`, or set the endpoint statically.
deny_dynamic_endpoint contains finding if {
	some s in input.states
	s.http.dynamic
	s.integration.kind == "http"
	m := input.state_machines[s.state_machine]
	some [pid, i, st] in iam.role_statements(input.roles[m.role])
	iam.grants(st, "states:InvokeHTTPEndpoint")
	not iam.has_condition_key(st, "states:HTTPEndpoint")
	finding := {
		"rule": "NET002",
		"message": sprintf("Task `%s` takes its endpoint from state data and %s grants `states:InvokeHTTPEndpoint` without a `states:HTTPEndpoint` condition", [s.name, iam.where(pid, i, st)]),
		"node": s.id,
	}
}
