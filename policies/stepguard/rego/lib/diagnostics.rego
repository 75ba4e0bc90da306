# METADATA
# title: Findings from the graph's structural diagnostics
# description: >-
#   Each diagnostic code maps to one rule id through the `diagnostic_rules` setting; a code the
#   setting does not name is reported as ASL000, so a new check is never silently dropped.
package stepguard.lib.diagnostics

import rego.v1

import data.stepguard.lib.util

# Findings of rule `id`: one per diagnostic whose code maps to it.
findings(id) := {finding |
	some d in input.diagnostics
	rule_id(d.code) == id
	finding := {
		"rule": id,
		"message": sprintf("%s (%s)", [d.message, d.code]),
		"node": node_of(d),
		"severity": severity_of(id, d),
	}
}

rule_id(code) := id if {
	id := util.setting("diagnostic_rules")[code]
	is_string(id)
}

rule_id(code) := "ASL000" if not is_string(object.get(util.setting("diagnostic_rules"), code, null))

# Input notes (a definition stored in S3, a value a template leaves open) are information;
# definition problems are high when AWS rejects them and low when they are only suspicious.
severity_of("INP001", _) := "info"

severity_of(id, d) := "high" if {
	id != "INP001"
	d.severity == "error"
}

severity_of(id, d) := "low" if {
	id != "INP001"
	d.severity != "error"
}

node_of(d) := d.node if is_string(d.node)

node_of(d) := d.source.file if not is_string(d.node)
