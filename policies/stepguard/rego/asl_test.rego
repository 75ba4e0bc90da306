package stepguard.rules.asl

import rego.v1

diagnostic(severity, node) := {
	"code": "ASL_UNKNOWN_TARGET", "severity": severity, "message": "`Next` names `X`, which does not exist",
	"node": node, "source": {"file": "f.asl.json", "pointer": "/States/A/Next", "line": 3},
}

test_error_diagnostics_are_denied if {
	some f in deny with input as {"diagnostics": [diagnostic("error", "f.asl.json/state/A")]}
	f.rule == "ASL001"
	f.node == "f.asl.json/state/A"
	contains(f.message, "ASL_UNKNOWN_TARGET")
}

test_mapped_codes_use_their_rule_id if {
	some f in deny with input as {"diagnostics": [diagnostic("error", "n")]}
		with data.stepguard.config.diagnostic_rules as {"ASL_UNKNOWN_TARGET": "ASL007"}
	f.rule == "ASL007"
}

test_diagnostics_without_a_node_point_at_their_file if {
	some f in deny with input as {"diagnostics": [diagnostic("error", null)]}
	f.node == "f.asl.json"
}

test_warnings_are_warnings if {
	count(deny) == 0 with input as {"diagnostics": [diagnostic("warning", "n")]}
	some f in warn with input as {"diagnostics": [diagnostic("warning", "n")]}
	f.severity == "low"
}
