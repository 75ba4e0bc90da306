package stepguard.lib.util

import rego.v1

test_text_reads_literals_and_sub_templates if {
	text("a") == "a"
	text({"sub": "x-${Stage}"}) == "x-${Stage}"
	text({"sub": ["x-${Name}", {"Name": "n"}]}) == "x-${Name}"
	not text({"ref": "X"})
	not text({"sub": [1]})
}

test_pointers_escape_keys if {
	pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
	pointer([]) == ""
}

test_accounts_come_from_literal_arns_and_templates if {
	account_of("arn:aws:iam::111122223333:role/x") == "111122223333"
	account_of({"sub": "arn:${AWS::Partition}:iam::111122223333:role/x"}) == "111122223333"
	not account_of({"sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x"})
	not account_of("role/x")
	not account_of("arn:aws:iam::1234:role/x")
}

test_settings_prefer_overrides if {
	setting("max_retry_delay_seconds") == 3600
	setting("max_retry_delay_seconds") == 60 with data.stepguard.overrides.max_retry_delay_seconds as 60
}

test_statement_names_use_sids_or_positions if {
	statement_name({"sid": "A"}, 0) == "`A`"
	statement_name({"sid": null}, 2) == "#3"
}
