package stepguard.rules.tagging

import rego.v1

import data.stepguard.lib.fixtures.clean

test_missing_tags_are_reported_on_machine_and_role if {
	findings := warn_missing_tags with input as clean with data.stepguard.overrides.required_tags as ["team", "cost-center"]
	{[f.node, f.message] | some f in findings} == {
		["m", "state machine `orders` lacks the tags `team`, `cost-center`"],
		["r", "execution role `orders-sfn` lacks the tags `team`, `cost-center`"],
	}
}

test_present_tags_and_no_requirements_pass if {
	tagged := object.union(clean, {"state_machines": {"m": {"tags": {"team": "a"}}}, "roles": {"r": {"tags": {"team": {"ref": "Team"}}}}})
	count(warn_missing_tags) == 0 with input as tagged with data.stepguard.overrides.required_tags as ["team"]
	count(warn_missing_tags) == 0 with input as clean
}
