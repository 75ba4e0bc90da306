# METADATA
# title: Secrets and personal data in definitions
package stepguard.rules.secrets

import rego.v1

import data.stepguard.lib.secrets
import data.stepguard.lib.util

# METADATA
# title: Secret-looking literal in a definition
# description: >-
#   A definition holds a value that looks like a credential (an AWS access key, a token, a
#   password, a private key, a JWT, a connection string with a password, a resolved secret
#   reference). Anyone who can describe the state machine or read its execution history can read
#   it. The finding says where the value is and never repeats it.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html
#   - ref: https://docs.aws.amazon.com/secretsmanager/latest/userguide/intro.html
# custom:
#   id: SEC001
#   severity: critical
#   remediation: Remove the value, rotate the credential, and fetch it at run time from Secrets Manager or an EventBridge connection.
deny_secret_literal contains finding if {
	some [node, ptr], kinds in secrets.grouped(secrets.secret_hits)
	finding := {
		"rule": "SEC001",
		"message": sprintf("%s holds a literal that looks like %s (value withheld)", [place(node, ptr), concat(" and ", kinds)]),
		"node": node,
		"path": ptr,
	}
}

# METADATA
# title: Fetched secret flows on unfiltered
# description: >-
#   A state fetches a secret (Secrets Manager `GetSecretValue`, SSM `GetParameter` with
#   decryption, KMS `Decrypt`) and keeps the plaintext in its output, so every later state's
#   input, the execution history and (with execution data logging) CloudWatch Logs hold it.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html#input-output-resultselector
# custom:
#   id: SEC002
#   severity: high
#   remediation: Read the secret inside the function or service that needs it; otherwise drop it with `ResultSelector`/`ResultPath` (JSONPath) or `Output` (JSONata) right after use.
deny_secret_flow contains finding if {
	some id in secrets.secret_sources
	s := input.states[id]
	flows_on(s)
	finding := {
		"rule": "SEC002",
		"message": sprintf("Task `%s` fetches a secret with `%s:%s` and passes it on in its output", [s.name, s.integration.service, s.integration.api]),
		"node": s.id,
	}
}

# JSONPath: the result is kept unless `ResultPath` is null or `ResultSelector` picks no secret.
flows_on(s) if {
	s.query_language == "JSONPath"
	not discarded(s)
	not selected_away(s)
}

# JSONata: the result becomes the output unless `Output` (and `Assign`) leave the secret out.
flows_on(s) if {
	s.query_language == "JSONata"
	not is_object_or_string(object.get(s.io, "Output", null))
}

flows_on(s) if {
	s.query_language == "JSONata"
	some field in ["Output", "Assign"]
	mentions_secret(json.marshal(s.io[field]))
}

discarded(s) if {
	"ResultPath" in object.keys(s.io)
	s.io.ResultPath == null
}

selected_away(s) if {
	selector := s.io.ResultSelector
	not mentions_secret(json.marshal(selector))
}

mentions_secret(text) if {
	some field in util.setting("secret_result_fields")
	contains(text, field)
}

mentions_secret(text) if regex.match(`\$states\.result([^.\[A-Za-z]|$)`, text)

is_object_or_string(v) if is_object(v)

is_object_or_string(v) if is_string(v)

# METADATA
# title: Personal-data-looking literal in a definition
# description: >-
#   A definition holds a value that looks like personal data (an e-mail address, a phone number).
#   Definitions are configuration, readable by everyone who can describe the state machine, and
#   personal data in them is hard to find and erase.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html
# custom:
#   id: SEC003
#   severity: low
#   remediation: Pass personal data in the execution input, or keep it in a data store the workflow reads.
warn_pii_literal contains finding if {
	some [node, ptr], kinds in secrets.grouped(secrets.pii_hits)
	finding := {
		"rule": "SEC003",
		"message": sprintf("%s holds a literal that looks like %s (value withheld)", [place(node, ptr), concat(" and ", kinds)]),
		"node": node,
		"path": ptr,
		"severity": "low",
	}
}

place(node, ptr) := sprintf("state `%s` at `%s`", [input.states[node].name, ptr]) if input.states[node]

place(node, ptr) := sprintf("state machine `%s` at `%s`", [util.machine_name(input.state_machines[node]), ptr]) if {
	input.state_machines[node]
}
