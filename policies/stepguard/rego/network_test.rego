package stepguard.rules.network

import rego.v1

import data.stepguard.lib.fixtures.clean
import data.stepguard.lib.fixtures.one
import data.stepguard.lib.fixtures.state
import data.stepguard.lib.fixtures.statement

http_task(http) := state({
	"resource": "arn:aws:states:::http:invoke",
	"integration": {"kind": "http", "service": "http", "api": "invoke", "pattern": "request_response"},
	"http": object.union({"endpoint": "https://api.example.com", "method": "GET", "dynamic": false, "authentication": null}, http),
})

with_states(states) := object.union(clean, {"states": {s.id: s | some s in states}})

test_plain_http_endpoints_are_reported if {
	f := one(deny_plain_http) with input as with_states([http_task({"endpoint": "HTTP://api.example.com"})])
	f.message == "Task `T` calls an endpoint over plain `http://`"
	count(deny_plain_http) == 1 with input as with_states([http_task({"endpoint": {"sub": "http://${Host}/v1"}})])
}

test_https_and_dynamic_endpoints_pass_net001 if {
	count(deny_plain_http) == 0 with input as with_states([http_task({})])
	count(deny_plain_http) == 0 with input as with_states([http_task({"endpoint": "$.url", "dynamic": true})])
	count(deny_plain_http) == 0 with input as with_states([http_task({"endpoint": {"ref": "Url"}})])
}

with_invoke_grant(condition) := object.union(
	with_states([http_task({"endpoint": "$.url", "dynamic": true})]),
	{"policies": {"r/policy": {"statements": [statement({"action": ["states:InvokeHTTPEndpoint"], "resource": ["*"], "condition": condition})]}}},
)

test_dynamic_endpoints_without_an_endpoint_condition_are_reported if {
	f := one(deny_dynamic_endpoint) with input as with_invoke_grant({})
	f.message == "Task `T` takes its endpoint from state data and policy `inline` statement #1 grants `states:InvokeHTTPEndpoint` without a `states:HTTPEndpoint` condition"
}

test_dynamic_endpoints_with_a_condition_or_no_grant_pass if {
	condition := {"StringLike": {"states:HTTPEndpoint": ["https://api.example.com/*"]}}
	count(deny_dynamic_endpoint) == 0 with input as with_invoke_grant(condition)
	count(deny_dynamic_endpoint) == 0 with input as with_states([http_task({"endpoint": "$.url", "dynamic": true})])
}
