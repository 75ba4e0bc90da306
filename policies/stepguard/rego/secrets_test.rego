package stepguard.rules.secrets

import rego.v1

import data.stepguard.lib.fixtures.clean
import data.stepguard.lib.fixtures.one
import data.stepguard.lib.fixtures.state

with_states(states) := object.union(clean, {"states": {s.id: s | some s in states}})

test_access_keys_in_parameters_are_reported_without_the_value if {
	s := state({"parameters": {"Environment": {"Variables": {"KEY_ID": "AKIAZZZZZZZZZZZZZZZZ"}}}})
	f := one(deny_secret_literal) with input as with_states([s])
	f.path == "/parameters/Environment/Variables/KEY_ID"
	f.message == "state `T` at `/parameters/Environment/Variables/KEY_ID` holds a literal that looks like an AWS access key id (value withheld)"
	not contains(f.message, "AKIA")
}

test_secret_named_fields_with_literals_are_reported if {
	s := state({"parameters": {"Authentication": {"db_password": "hunter2hunter2"}}, "io": {"Result": {"ApiKey": {"sub": "k-1234567"}}}})
	findings := deny_secret_literal with input as with_states([s])
	{f.path | some f in findings} == {"/parameters/Authentication/db_password", "/io/Result/ApiKey/sub"}
}

test_several_kinds_at_one_place_make_one_finding if {
	s := state({"parameters": {"Headers": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop"}}})
	f := one(deny_secret_literal) with input as with_states([s])
	f.message == "state `T` at `/parameters/Headers/Authorization` holds a literal that looks like a JSON Web Token and a bearer or basic credential (value withheld)"
}

test_machine_comments_and_substitutions_are_scanned if {
	g := object.union(clean, {"state_machines": {"m": {"substitutions": {"Dsn": "postgres://app:s3cret@db.internal:5432/orders"}}}})
	f := one(deny_secret_literal) with input as g
	f.node == "m"
	f.message == "state machine `orders` at `/substitutions/Dsn` holds a literal that looks like a connection string with a password (value withheld)"
}

test_references_and_examples_are_not_secrets if {
	s := state({"parameters": {
		"SecretId": "prod/db",
		"Password.$": "$.password",
		"password": "{% $states.input.pw %}",
		"api_key": "${ApiKey}",
		"token_secret_arn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:x",
		"dsn": "postgres://app:${Password}@db/orders",
		"KeyId": "AKIAIOSFODNN7EXAMPLE",
		"ClientSecret": "{{resolve:ssm:/app/name}}",
	}})
	count(deny_secret_literal) == 0 with input as with_states([s])
}

test_resolved_secret_references_are_secrets if {
	s := state({"parameters": {"Token": "{{resolve:secretsmanager:prod/api:SecretString:token}}"}})
	count(deny_secret_literal) == 1 with input as with_states([s])
}

fetch(overrides) := state(object.union(
	{
		"resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
		"integration": {"kind": "sdk", "service": "secretsmanager", "api": "getSecretValue", "pattern": "request_response"},
		"parameters": {"SecretId": "prod/db"},
	},
	overrides,
))

test_fetched_secrets_that_flow_on_are_reported if {
	f := one(deny_secret_flow) with input as with_states([fetch({})])
	f.message == "Task `T` fetches a secret with `secretsmanager:getSecretValue` and passes it on in its output"
	selected := fetch({"io": {"ResultSelector": {"value.$": "$.SecretString"}}})
	count(deny_secret_flow) == 1 with input as with_states([selected])
}

test_discarded_or_filtered_secrets_pass if {
	count(deny_secret_flow) == 0 with input as with_states([fetch({"io": {"ResultPath": null}})])
	count(deny_secret_flow) == 0 with input as with_states([fetch({"io": {"ResultSelector": {"arn.$": "$.ARN"}}})])
}

test_jsonata_outputs_decide_the_flow if {
	jsonata := {"query_language": "JSONata", "parameters": null, "arguments": {"SecretId": "prod/db"}}
	count(deny_secret_flow) == 1 with input as with_states([fetch(jsonata)])
	whole := object.union(jsonata, {"io": {"Output": "{% $states.result %}"}})
	count(deny_secret_flow) == 1 with input as with_states([fetch(whole)])
	assigned := object.union(jsonata, {"io": {"Output": {"ok": true}, "Assign": {"pw": "{% $states.result.SecretString %}"}}})
	count(deny_secret_flow) == 1 with input as with_states([fetch(assigned)])
	kept_out := object.union(jsonata, {"io": {"Output": "{% $states.input %}"}})
	count(deny_secret_flow) == 0 with input as with_states([fetch(kept_out)])
}

test_parameters_need_decryption_to_be_secrets if {
	plain := fetch({"integration": {"service": "ssm", "api": "getParameter"}, "parameters": {"Name": "/app/url"}})
	count(deny_secret_flow) == 0 with input as with_states([plain])
	decrypted := fetch({"integration": {"service": "ssm", "api": "getParameter"}, "parameters": {"Name": "/app/pw", "WithDecryption": true}})
	count(deny_secret_flow) == 1 with input as with_states([decrypted])
}

test_personal_data_literals_warn if {
	s := state({"parameters": {"Destination": {"ToAddresses": ["jane.doe@corp.io"]}, "Phone": "+44 20 7946 0958"}, "comment": "ask bob@corp.io"})
	findings := warn_pii_literal with input as with_states([s])
	{f.path | some f in findings} == {"/parameters/Destination/ToAddresses/0", "/parameters/Phone", "/comment"}
	some f in findings
	f.message == "state `T` at `/parameters/Phone` holds a literal that looks like a phone number (value withheld)"
}

test_example_addresses_and_expressions_are_not_personal_data if {
	s := state({"parameters": {"Source": "noreply@example.com", "Sum": "{% $a +12345678 %}", "Account": "111122223333"}})
	count(warn_pii_literal) == 0 with input as with_states([s])
}

test_jsonata_parameter_fetches_need_decryption_too if {
	jsonata := fetch({"query_language": "JSONata", "integration": {"service": "ssm", "api": "getParameters"}, "parameters": null, "arguments": {"Names": ["/a"], "WithDecryption": true}})
	count(deny_secret_flow) == 1 with input as with_states([jsonata])
}
