# METADATA
# title: Structural problems in state machine definitions
# description: >-
#   Every structural diagnostic the graph reports for a definition (unknown transition targets,
#   unreachable states, mixed query languages, malformed fields) becomes a finding, so a broken
#   workflow can never be allowed.
# custom:
#   severity: high
package stepguard.rules.asl

import rego.v1

# METADATA
# title: Definition is structurally invalid
# custom:
#   id: ASL001
#   severity: high
#   remediation: Fix the definition at the reported place; AWS rejects it or the execution fails.
deny contains finding if {
	some d in input.diagnostics
	d.severity == "error"
	startswith(d.code, "ASL_")
	finding := {
		"rule": rule_id(d.code),
		"message": sprintf("%s (%s)", [d.message, d.code]),
		"node": node_of(d),
	}
}

# METADATA
# title: Definition has a questionable construct
# custom:
#   id: ASL002
#   severity: low
warn contains finding if {
	some d in input.diagnostics
	d.severity == "warning"
	finding := {
		"rule": rule_id(d.code),
		"message": sprintf("%s (%s)", [d.message, d.code]),
		"node": node_of(d),
		"severity": "low",
	}
}

rule_id(code) := data.stepguard.config.diagnostic_rules[code]

rule_id(code) := "ASL001" if {
	not data.stepguard.config.diagnostic_rules[code]
}

node_of(d) := d.node if d.node != null

node_of(d) := d.source.file if d.node == null
