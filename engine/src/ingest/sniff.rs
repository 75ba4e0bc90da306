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
    } else if has("RoleDetailList") || has("UserDetailList") || has("GroupDetailList") {
        InputKind::IamAuthorizationDetails
    } else if has("Role") && root.get("Role").is_some_and(|r| r.get("RoleName").is_some() || r.get("Arn").is_some()) {
        InputKind::IamRole
    } else if has("PolicyDocument") && (has("RoleName") || has("PolicyName")) {
        InputKind::IamRolePolicy
    } else if has("PolicyVersion")
        || (has("Policy") && root.get("Policy").is_some_and(|p| p.get("DefaultVersionId").is_some()))
    {
        InputKind::IamPolicyVersion
    } else if has("Policy") && root.get("Policy").is_some_and(|p| p.get("PolicySummary").is_some()) {
        InputKind::OrgPolicy
    } else if has("Roots")
        || has("OrganizationalUnits")
        || has("Accounts")
        || has("Organization")
        || has("Targets")
        || has("Policies") && !has("Statement")
    {
        InputKind::OrgListing
    } else if has("Statement") {
        InputKind::IamPolicy
    } else {
        InputKind::Unrecognized
    }
}
