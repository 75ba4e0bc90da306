package stepguard.rules.asl

import rego.v1

import data.stepguard.lib.fixtures.one

diagnostic(code, severity, node) := {
	"code": code, "severity": severity, "message": "`Next` names `X`, which does not exist",
	"node": node, "source": {"file": "f.asl.json", "pointer": "/States/A/Next", "line": 3},
}

test_each_code_has_its_own_rule if {
	f := one(deny_unknown_target) with input as {"diagnostics": [diagnostic("ASL_UNKNOWN_TARGET", "error", "f.asl.json/state/A")]}
	f.rule == "ASL002"
	f.node == "f.asl.json/state/A"
	f.severity == "high"
	f.message == "`Next` names `X`, which does not exist (ASL_UNKNOWN_TARGET)"
	count(deny_start_at_missing) == 0 with input as {"diagnostics": [diagnostic("ASL_UNKNOWN_TARGET", "error", "n")]}
}

test_warnings_are_low_and_nodeless_ones_point_at_their_file if {
	f := one(deny_map) with input as {"diagnostics": [diagnostic("ASL_MAP", "warning", null)]}
	f.severity == "low"
	f.node == "f.asl.json"
}

test_unmapped_codes_are_reported_as_asl000 if {
	f := one(deny_unmapped) with input as {"diagnostics": [diagnostic("ASL_SOMETHING_NEW", "error", "n")]}
	f.rule == "ASL000"
	g := one(deny_unmapped) with input as {"diagnostics": [diagnostic("ASL_WAIT", "error", "n")]}
		with data.stepguard.overrides.diagnostic_rules as {"ASL_WAIT": null}
	g.message == "`Next` names `X`, which does not exist (ASL_WAIT)"
}

test_input_notes_are_information if {
	f := one(warn_incomplete_input) with input as {"diagnostics": [diagnostic("CFN_DEFINITION_NOT_LOCAL", "warning", "t.yaml#M")]}
	f.rule == "INP001"
	f.severity == "info"
}
