# METADATA
# title: Tagging
package stepguard.rules.tagging

import rego.v1

import data.stepguard.lib.util

# METADATA
# title: Required tags missing
# description: >-
#   The state machine or its execution role lacks a tag the organization requires
#   (`required_tags`), so ownership, cost allocation and tag-based access control do not cover it.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices-tagging.html
#   - ref: https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html
# custom:
#   id: TAG001
#   severity: low
#   remediation: Add the missing tags to the state machine and its role, or change `required_tags`.
warn_missing_tags contains finding if {
	some m in input.state_machines
	util.configured(m)
	missing := [t | some t in util.setting("required_tags"); not t in object.keys(m.tags)]
	count(missing) > 0
	finding := {
		"rule": "TAG001",
		"message": sprintf("state machine `%s` lacks the tags %s", [util.machine_name(m), quoted(missing)]),
		"node": m.id,
		"severity": "low",
	}
}

warn_missing_tags contains finding if {
	some m in input.state_machines
	util.configured(m)
	role := input.roles[m.role]
	missing := [t | some t in util.setting("required_tags"); not t in object.keys(role.tags)]
	count(missing) > 0
	finding := {
		"rule": "TAG001",
		"message": sprintf("execution role `%s` lacks the tags %s", [util.role_name(role), quoted(missing)]),
		"node": role.id,
		"severity": "low",
	}
}

quoted(names) := concat(", ", [sprintf("`%s`", [n]) | some n in names])
