# METADATA
# title: Encryption of execution data
package stepguard.rules.encryption

import rego.v1

import data.stepguard.lib.iam
import data.stepguard.lib.util

# METADATA
# title: Execution data encrypted with an AWS-owned key
# description: >-
#   Definitions and execution history are encrypted at rest with a key AWS owns and you cannot
#   see, audit, restrict or revoke. A customer managed KMS key puts access to the data under
#   your key policy and CloudTrail.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html
# custom:
#   id: KMS001
#   severity: low
#   remediation: Set `EncryptionConfiguration` to `CUSTOMER_MANAGED_KMS_KEY` with your key, and grant the role `kms:Decrypt` and `kms:GenerateDataKey` on it.
warn contains finding if {
	some m in input.state_machines
	util.configured(m)
	m.encryption.type == "AWS_OWNED_KEY"
	finding := {
		"rule": "KMS001",
		"message": sprintf("state machine `%s` encrypts execution data with an AWS-owned key", [util.machine_name(m)]),
		"node": m.id,
		"severity": "low",
	}
}

# METADATA
# title: Key permissions of the role do not fit Step Functions
# description: >-
#   With a customer managed key, the execution role's `kms:Decrypt` and `kms:GenerateDataKey`
#   grants should be limited to this state machine with the
#   `kms:EncryptionContext:aws:states:stateMachineArn` condition. A `kms:ViaService` condition
#   does not match how Step Functions calls KMS, so executions fail.
# related_resources:
#   - ref: https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html
#   - ref: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context
# custom:
#   id: KMS002
#   severity: medium
#   remediation: Condition the key grants on `kms:EncryptionContext:aws:states:stateMachineArn` equal to the state machine ARN, and drop `kms:ViaService`.
deny_key_grant contains finding if {
	some m in input.state_machines
	m.encryption.type == "CUSTOMER_MANAGED_KMS_KEY"
	some [pid, i, s] in iam.role_statements(input.roles[m.role])
	key_grant(s)
	covers_key(s, m.encryption.kms_key_id)
	problems := array.concat(
		["without a `kms:EncryptionContext:aws:states:stateMachineArn` condition" | not iam.has_condition_key(s, "kms:EncryptionContext:aws:states:stateMachineArn")],
		["with a `kms:ViaService` condition, which blocks executions" | iam.has_condition_key(s, "kms:ViaService")],
	)
	count(problems) > 0
	finding := {
		"rule": "KMS002",
		"message": sprintf("%s grants the key of state machine `%s` %s", [iam.where(pid, i, s), util.machine_name(m), concat(" and ", problems)]),
		"node": pid,
		"path": sprintf("/statements/%d", [i]),
	}
}

key_grant(s) if {
	some action in ["kms:Decrypt", "kms:GenerateDataKey"]
	iam.grants_specifically(s, action)
}

covers_key(s, _) if iam.any_resource(s)

covers_key(s, key) if key in s.resource

covers_key(s, key) if {
	some r in s.resource
	is_string(r)
	is_string(key)
	stepguard.glob_match(r, key)
}
