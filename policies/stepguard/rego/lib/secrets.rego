# METADATA
# title: Secret and personal-data detection for the built-in rules
# description: >-
#   Finds string literals in definitions that look like credentials or personal data, and the
#   states that fetch secrets. Hits carry where they are, never the value.
package stepguard.lib.secrets

import rego.v1

import data.stepguard.lib.util

# Every string in a definition: [node id, JSON pointer inside the node, field name, value].
literals contains [s.id, ptr, key, v] if {
	some s in input.states
	some field, root in state_roots(s)
	walk(root, [path, v])
	is_string(v)
	ptr := concat("", ["/", field, util.pointer(path)])
	key := key_of(field, path)
}

literals contains [m.id, ptr, key, v] if {
	some m in input.state_machines
	some field, root in {"comment": m.comment, "substitutions": m.substitutions}
	walk(root, [path, v])
	is_string(v)
	ptr := concat("", ["/", field, util.pointer(path)])
	key := key_of(field, path)
}

state_roots(s) := {
	"parameters": s.parameters,
	"arguments": s.arguments,
	"io": s.io,
	"credentials": s.credentials,
	"comment": s.comment,
	"map": s.map,
}

# The name of the field holding a value: the last object key on its path, skipping the `sub` of
# a symbolic value.
key_of(field, path) := keys[count(keys) - 1] if {
	keys := [p | some p in path; is_string(p); p != "sub"]
	count(keys) > 0
}

key_of(field, path) := field if {
	keys := [p | some p in path; is_string(p); p != "sub"]
	count(keys) == 0
}

# Every literal in one text. Each pattern is first tried on it once, and on the literals one by
# one only when it matches somewhere: most definitions hold no secret, and compiling a pattern
# per literal would make scanning large definitions slow.
all_text := concat("\n", [v | some [_, _, _, v] in literals])

present(setting) := {pattern |
	some pattern in util.setting(setting)
	regex.match(concat("", ["(?m)", pattern.regex]), all_text)
}

# Secret-looking literals: [node, pointer, what it looks like].
secret_hits contains [node, ptr, pattern.name] if {
	some pattern in present("secret_patterns")
	some [node, ptr, _, v] in literals
	some match in regex.find_n(pattern.regex, v, -1)
	not ignored(match, "secret_ignored_values")
}

secret_hits contains [node, ptr, "a credential in a secret-named field"] if {
	some [node, ptr, key, v] in literals
	not endswith(key, ".$")
	secret_field(key)
	literal_value(v)
	not ignored(v, "secret_ignored_values")
}

# Personal-data-looking literals: [node, pointer, what it looks like].
pii_hits contains [node, ptr, pattern.name] if {
	some pattern in present("pii_patterns")
	some [node, ptr, _, v] in literals
	not startswith(trim_space(v), "{%")
	some match in regex.find_n(pattern.regex, v, -1)
	not ignored(match, "pii_ignored_values")
}

ignored(value, setting) if {
	some pattern in util.setting(setting)
	regex.match(pattern, value)
}

secret_field(key) if {
	normalized := strings.replace_n({"-": "", "_": "", " ": "", ".": ""}, lower(key))
	some name in util.setting("secret_field_names")
	endswith(normalized, name)
}

# A value written out in the definition, not a reference resolved at run or deploy time.
literal_value(v) if {
	count(trim_space(v)) >= 4
	not startswith(v, "$")
	not startswith(trim_space(v), "{%")
	not contains(v, "${")
	not startswith(v, "arn:")
	not startswith(v, "{{resolve:")
}

# States that fetch a secret (per `secret_sources`).
secret_sources contains s.id if {
	some s in input.states
	s.integration.kind == "sdk"
	some source in util.setting("secret_sources")
	lower(s.integration.service) == source.service
	lower(s.integration.api) == lower(source.api)
	decrypts(s, source)
}

decrypts(_, source) if not source.decryption

decrypts(s, source) if {
	source.decryption
	payload(s).WithDecryption == true
}

payload(s) := s.parameters if is_object(s.parameters)

payload(s) := s.arguments if {
	not is_object(s.parameters)
	is_object(s.arguments)
}

# State machines whose definition handles secrets or personal data.
handles_secrets contains m_id if {
	some id in secret_sources
	m_id := input.states[id].state_machine
}

handles_secrets contains machine_of(node) if {
	some [node, _, _] in secret_hits
}

handles_secrets contains machine_of(node) if {
	some [node, _, _] in pii_hits
}

machine_of(node) := node if input.state_machines[node]

machine_of(node) := input.states[node].state_machine

# Hits grouped per place: {[node, pointer]: [kinds]}.
grouped(hits) := {[node, ptr]: sort(kinds) |
	some [node, ptr, _] in hits
	kinds := {k | some [n, p, k] in hits; n == node; p == ptr}
}
