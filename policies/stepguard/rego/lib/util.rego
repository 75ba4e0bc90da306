# METADATA
# title: Shared helpers for the built-in rules
# description: >-
#   Settings (bundle defaults under `stepguard.config`, user values under `stepguard.overrides`),
#   display names, symbolic values and JSON pointers.
package stepguard.lib.util

import rego.v1

# A setting: the user's value from `data.stepguard.overrides` when given, else the bundle's
# default. Extra data cannot redefine a bundle's data path, so overrides live beside it.
setting(key) := data.stepguard.overrides[key]

setting(key) := data.stepguard.config[key] if not has_override(key)

has_override(key) if {
	_ = data.stepguard.overrides[key]
}

# The text of a literal or `{"sub": ...}` value; undefined for other symbolic values.
text(v) := v if is_string(v)

text(v) := v.sub if {
	is_object(v)
	is_string(v.sub)
}

text(v) := v.sub[0] if {
	is_object(v)
	is_array(v.sub)
	is_string(v.sub[0])
}

# How a state machine is named in messages.
machine_name(m) := text(m.name)

machine_name(m) := m.id if not text(m.name)

# How a role is named in messages.
role_name(r) := text(r.name)

role_name(r) := r.id if not text(r.name)

# How a policy is named in messages.
policy_name(p) := text(p.name)

policy_name(p) := p.id if not text(p.name)

# How a statement is named in messages: its Sid, else its position.
statement_name(s, _) := sprintf("`%s`", [s.sid]) if is_string(s.sid)

statement_name(s, i) := sprintf("#%d", [i + 1]) if not is_string(s.sid)

# A JSON pointer from a `walk` path.
pointer(path) := concat("", [sprintf("/%s", [escape(p)]) | some p in path])

escape(p) := replace(replace(p, "~", "~0"), "/", "~1") if is_string(p)

escape(p) := sprintf("%v", [p]) if not is_string(p)

# The 12-digit account of an ARN held literally or in a `!Sub` template with a literal account.
account_of(v) := account if {
	t := text(v)
	plain := regex.replace(t, `\$\{[^}]*\}`, "X")
	parts := split(plain, ":")
	count(parts) > 5
	parts[0] == "arn"
	account := parts[4]
	regex.match(`^[0-9]{12}$`, account)
}

# The account a state machine runs in: its ARN's, else its role's.
machine_account(m) := account_of(m.arn)

machine_account(m) := account_of(m.role_arn) if not account_of(m.arn)

machine_account(m) := input.roles[m.role].account if {
	not account_of(m.arn)
	not account_of(m.role_arn)
	is_string(input.roles[m.role].account)
}

# The configuration of machines read from a template, describe output or Terraform; a bare
# definition file says nothing about logging, tracing, encryption or tags.
configured(m) if m.origin != "asl"
