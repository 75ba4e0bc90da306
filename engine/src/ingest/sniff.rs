//! Recognizing what a parsed document is, by its content.

use crate::doc::{Node, Value};

/// The input forms stepguard reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InputKind {
    /// An Amazon States Language definition.
    Asl,
    /// `aws stepfunctions describe-state-machine` output.
    Describe,
    /// A CloudFormation or SAM template.
    CloudFormation,
    /// `terraform show -json` output (plan or state).
    TerraformJson,
    /// A bare IAM policy document.
    IamPolicy,
    /// `aws iam get-role` output.
    IamRole,
    /// `aws iam get-role-policy` output.
    IamRolePolicy,
    /// `aws iam get-policy-version` (or `get-policy`) output.
    IamPolicyVersion,
    /// `aws iam get-account-authorization-details` output.
    IamAuthorizationDetails,
    /// stepguard's organization layout file.
    OrgLayout,
    /// `aws organizations describe-policy` output (an SCP or RCP).
    OrgPolicy,
    /// Output of the `aws organizations list-*` / `describe-organization` commands.
    OrgListing,
    /// None of the above.
    Unrecognized,
}

impl InputKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InputKind::Asl => "asl",
            InputKind::Describe => "describe-state-machine",
            InputKind::CloudFormation => "cloudformation",
            InputKind::TerraformJson => "terraform-json",
            InputKind::IamPolicy => "iam-policy",
            InputKind::IamRole => "iam-get-role",
            InputKind::IamRolePolicy => "iam-get-role-policy",
            InputKind::IamPolicyVersion => "iam-get-policy-version",
            InputKind::IamAuthorizationDetails => "iam-authorization-details",
            InputKind::OrgLayout => "organization-layout",
            InputKind::OrgPolicy => "organizations-describe-policy",
            InputKind::OrgListing => "organizations-listing",
            InputKind::Unrecognized => "unrecognized",
        }
    }
}

/// Decides the input form from the document's top-level keys.
pub(crate) fn classify(root: &Node) -> InputKind {
    let Value::Object(members) = &root.value else {
        return InputKind::Unrecognized;
    };
    let has = |k: &str| members.iter().any(|(key, _)| key == k);
    if has("States") && (has("StartAt") || has("QueryLanguage") || has("Comment")) {
        InputKind::Asl
    } else if has("stateMachineArn") && (has("definition") || has("roleArn")) {
        InputKind::Describe
    } else if has("stepguard_organization") {
        InputKind::OrgLayout
    } else if has("format_version")
        && (has("terraform_version") || has("planned_values") || has("values") || has("resource_changes"))
    {
        InputKind::TerraformJson
    } else if has("Resources") || has("AWSTemplateFormatVersion") || (has("Transform") && has("Resources")) {
        InputKind::CloudFormation
    } else if has("RoleDetailList")
        || has("UserDetailList")
        || has("GroupDetailList")
        || first_item(root, "Policies").is_some_and(|p| p.get("PolicyVersionList").is_some())
    {
        InputKind::IamAuthorizationDetails
    } else if has("Role") && root.get("Role").is_some_and(|r| r.get("RoleName").is_some() || r.get("Arn").is_some()) {
        InputKind::IamRole
    } else if has("PolicyDocument") && (has("RoleName") || has("UserName") || has("GroupName") || has("PolicyName")) {
        InputKind::IamRolePolicy
    } else if has("PolicyVersion")
        || (has("Policy") && root.get("Policy").is_some_and(|p| p.get("DefaultVersionId").is_some()))
    {
        InputKind::IamPolicyVersion
    } else if let Some(summary) = root.get("Policy").and_then(|p| p.get("PolicySummary")) {
        // Tag, backup and other management policies are not IAM documents.
        let other_type = summary
            .get("Type")
            .and_then(Node::as_str)
            .is_some_and(|t| !matches!(t, "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY"));
        if other_type { InputKind::Unrecognized } else { InputKind::OrgPolicy }
    } else if root.get("Roots").and_then(Node::as_array).is_some_and(|r| !r.is_empty())
        || root.get("Organization").is_some_and(|o| o.get("MasterAccountId").is_some())
        || ORG_LISTS.iter().any(|k| first_item(root, k).is_some_and(is_org_listing_item))
    {
        InputKind::OrgListing
    } else if has("Statement") {
        InputKind::IamPolicy
    } else {
        InputKind::Unrecognized
    }
}

/// Keys of `aws organizations list-*` outputs whose items need a layout to place them.
const ORG_LISTS: &[&str] = &["Accounts", "OrganizationalUnits", "Policies", "Targets", "Children", "Parents"];

fn first_item<'n>(root: &'n Node, key: &str) -> Option<&'n Node> {
    root.get(key).and_then(Node::as_array).and_then(<[Node]>::first)
}

/// An item of an Organizations listing: an Organizations ARN, or a typed id (`list-children`,
/// `list-parents`).
fn is_org_listing_item(item: &Node) -> bool {
    item.get("Arn").and_then(Node::as_str).is_some_and(|a| a.contains(":organizations:"))
        || item
            .get("Type")
            .and_then(Node::as_str)
            .is_some_and(|t| matches!(t, "ROOT" | "ORGANIZATIONAL_UNIT" | "ACCOUNT") && item.get("Id").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Limits, parse_json};

    fn kind(text: &str) -> InputKind {
        classify(&parse_json(text, &Limits::default()).unwrap())
    }

    #[test]
    fn iam_and_organizations_outputs_are_told_apart() {
        let cases = [
            (
                r#"{"Policies": [{"Arn": "arn:aws:iam::1:policy/p", "PolicyVersionList": []}]}"#,
                InputKind::IamAuthorizationDetails,
            ),
            (
                r#"{"Policies": [{"PolicyName": "p", "Arn": "arn:aws:iam::1:policy/p", "DefaultVersionId": "v1"}]}"#,
                InputKind::Unrecognized,
            ),
            (
                r#"{"Policies": [{"Id": "p-1", "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-1"}]}"#,
                InputKind::OrgListing,
            ),
            (r#"{"UserName": "u", "PolicyName": "p", "PolicyDocument": {}}"#, InputKind::IamRolePolicy),
            (r#"{"Policy": {"PolicySummary": {"Type": "TAG_POLICY"}, "Content": "{}"}}"#, InputKind::Unrecognized),
            (
                r#"{"Policy": {"PolicySummary": {"Type": "RESOURCE_CONTROL_POLICY"}, "Content": "{}"}}"#,
                InputKind::OrgPolicy,
            ),
            (r#"{"Roots": [{"Id": "r-ab12"}]}"#, InputKind::OrgListing),
            (r#"{"Organization": {"Id": "o-1", "MasterAccountId": "111111111111"}}"#, InputKind::OrgListing),
            (r#"{"Children": [{"Id": "ou-1-2", "Type": "ORGANIZATIONAL_UNIT"}]}"#, InputKind::OrgListing),
            (r#"{"Accounts": []}"#, InputKind::Unrecognized),
            (r#"{"Version": "2012-10-17", "Statement": []}"#, InputKind::IamPolicy),
        ];
        for (text, expected) in cases {
            assert_eq!(kind(text), expected, "{text}");
        }
    }
}
