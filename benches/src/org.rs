//! The organization: a root, two levels of OUs, accounts, and service control policies (bare
//! policy documents under `scp/`) attached across the tree, described by a stepguard
//! organization layout file.

use crate::app::WORKLOAD_ACCOUNT;
use crate::iam;
use crate::rng::{Rng, Stream};
use crate::value::{Value, obj};

/// The management account's id.
pub(crate) const MANAGEMENT_ACCOUNT: &str = "111111111111";

/// Most policies of one type AWS lets you attach directly to one root, OU or account.
pub(crate) const MAX_POLICIES_PER_TARGET: usize = 5;

/// Largest SCP document, in characters.
pub(crate) const MAX_SCP_CHARS: usize = 5120;

/// Top-level OUs and their children; accounts hang below the children.
const TREE: &[(&str, &[&str])] = &[
    ("Security", &["Security Prod"]),
    ("Infrastructure", &["Infrastructure Prod", "Infrastructure NonProd"]),
    ("Workloads", &["Workloads Prod", "Workloads Staging", "Workloads Dev"]),
    ("Sandbox", &["Sandbox Teams", "Sandbox Experiments"]),
    ("Suspended", &[]),
    ("Policy Staging", &["Policy Staging Canary"]),
];

/// Accounts by their parent OU's name.
const ACCOUNTS: &[(&str, &str)] = &[
    ("log-archive", "Security Prod"),
    ("audit", "Security Prod"),
    ("security-tooling", "Security Prod"),
    ("network-prod", "Infrastructure Prod"),
    ("shared-services", "Infrastructure Prod"),
    ("network-nonprod", "Infrastructure NonProd"),
    ("cicd", "Infrastructure NonProd"),
    ("workflows-prod", "Workloads Prod"),
    ("payments-prod", "Workloads Prod"),
    ("data-prod", "Workloads Prod"),
    ("web-prod", "Workloads Prod"),
    ("workflows-staging", "Workloads Staging"),
    ("payments-staging", "Workloads Staging"),
    ("data-staging", "Workloads Staging"),
    ("workflows-dev", "Workloads Dev"),
    ("payments-dev", "Workloads Dev"),
    ("data-dev", "Workloads Dev"),
    ("web-dev", "Workloads Dev"),
    ("sandbox-orders", "Sandbox Teams"),
    ("sandbox-billing", "Sandbox Teams"),
    ("sandbox-risk", "Sandbox Teams"),
    ("sandbox-search", "Sandbox Teams"),
    ("ml-experiments", "Sandbox Experiments"),
    ("hackathon", "Sandbox Experiments"),
    ("legacy-crm", "Suspended"),
    ("closed-2023", "Suspended"),
    ("scp-canary", "Policy Staging Canary"),
];

/// A node of the tree that policies attach to.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// The organization's shape, before policies.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    pub(crate) root: Target,
    /// OUs with their parent's id.
    pub(crate) ous: Vec<(Target, String)>,
    /// Accounts with their parent's id.
    pub(crate) accounts: Vec<(Target, String)>,
}

const ID_CHARS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

impl Tree {
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = Rng::stream(seed, Stream::Org, 0);
        let root_suffix = rng.string_from(ID_CHARS, 4);
        let root = Target { id: format!("r-{root_suffix}"), name: "Root".into() };
        let mut ous = Vec::new();
        for (top, children) in TREE {
            let id = format!("ou-{root_suffix}-{}", rng.string_from(ID_CHARS, 8));
            ous.push((Target { id: id.clone(), name: (*top).to_owned() }, root.id.clone()));
            for child in *children {
                let child_id = format!("ou-{root_suffix}-{}", rng.string_from(ID_CHARS, 8));
                ous.push((Target { id: child_id, name: (*child).to_owned() }, id.clone()));
            }
        }
        let mut accounts = vec![(Target { id: MANAGEMENT_ACCOUNT.into(), name: "management".into() }, root.id.clone())];
        let mut used = vec![MANAGEMENT_ACCOUNT.to_owned(), WORKLOAD_ACCOUNT.to_owned()];
        for (name, parent) in ACCOUNTS {
            let id = if *name == "workflows-prod" {
                WORKLOAD_ACCOUNT.to_owned()
            } else {
                loop {
                    let candidate = format!("{}{}", rng.range(1, 9), rng.string_from(b"0123456789", 11));
                    if !used.contains(&candidate) {
                        used.push(candidate.clone());
                        break candidate;
                    }
                }
            };
            let parent_id = ous.iter().find(|(t, _)| t.name == *parent).map(|(t, _)| t.id.clone()).unwrap_or_default();
            accounts.push((Target { id, name: (*name).to_owned() }, parent_id));
        }
        Self { root, ous, accounts }
    }

    /// Every node, root first, then OUs, then accounts.
    pub(crate) fn targets(&self) -> Vec<&Target> {
        std::iter::once(&self.root)
            .chain(self.ous.iter().map(|(t, _)| t))
            .chain(self.accounts.iter().map(|(t, _)| t))
            .collect()
    }
}

/// Global services left out of region restrictions.
const GLOBAL_ACTIONS: &[&str] = &[
    "iam:*",
    "organizations:*",
    "sts:*",
    "account:*",
    "cloudfront:*",
    "route53:*",
    "route53domains:*",
    "support:*",
    "budgets:*",
    "ce:*",
    "waf:*",
    "globalaccelerator:*",
    "health:*",
    "trustedadvisor:*",
    "shield:*",
    "aws-portal:*",
    "kms:*",
    "s3:GetBucketLocation",
    "s3:ListAllMyBuckets",
];

/// One SCP: file name, policy name and document.
pub(crate) struct Scp {
    pub(crate) file: String,
    pub(crate) name: String,
    pub(crate) document: Value,
    /// An allow-list SCP, attached in place of `FullAWSAccess`.
    pub(crate) allow_list: bool,
}

fn deny(sid: &str, actions: Vec<&str>) -> Value {
    obj! { "Sid" => sid, "Effect" => "Deny", "Action" => actions, "Resource" => "*" }
}

fn admin_exception(st: &mut Value, admin: &str) {
    st.set(
        "Condition",
        obj! { "ArnNotLike" => obj! { "aws:PrincipalArn" => vec![format!("arn:aws:iam::*:role/{admin}")] } },
    );
}

/// SCP `k`; the kind cycles through common guardrails, the details vary.
pub(crate) fn scp(seed: u64, k: usize, mutate: f64) -> (Scp, bool) {
    let mut rng = Rng::stream(seed, Stream::Scp, k as u64);
    let admin =
        rng.pick(&["OrganizationAccountAccessRole", "platform-admin", "AWSControlTowerExecution", "break-glass"]);
    let kinds = 14;
    let kind = k % kinds;
    let variant = k / kinds;
    let (base, statements, allow_list) = match kind {
        0 => ("deny-leave-organization", vec![deny("DenyLeave", vec!["organizations:LeaveOrganization"])], false),
        1 => {
            let regions: Vec<&str> = match rng.below(3) {
                0 => vec!["us-east-1", "us-west-2"],
                1 => vec!["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"],
                _ => vec!["eu-west-1", "eu-central-1"],
            };
            let mut st = obj! {
                "Sid" => "DenyOutsideApprovedRegions",
                "Effect" => "Deny",
                "NotAction" => GLOBAL_ACTIONS.to_vec(),
                "Resource" => "*",
            };
            st.set(
                "Condition",
                obj! {
                    "StringNotEquals" => obj! { "aws:RequestedRegion" => regions },
                    "ArnNotLike" => obj! { "aws:PrincipalArn" => vec![format!("arn:aws:iam::*:role/{admin}")] },
                },
            );
            ("region-allow-list", vec![st], false)
        }
        2 => {
            let mut st = deny(
                "ProtectCloudTrail",
                vec![
                    "cloudtrail:StopLogging",
                    "cloudtrail:DeleteTrail",
                    "cloudtrail:UpdateTrail",
                    "cloudtrail:PutEventSelectors",
                ],
            );
            admin_exception(&mut st, admin);
            ("protect-cloudtrail", vec![st], false)
        }
        3 => (
            "protect-guardduty",
            vec![deny(
                "ProtectGuardDuty",
                vec![
                    "guardduty:DeleteDetector",
                    "guardduty:DisassociateFromMasterAccount",
                    "guardduty:UpdateDetector",
                    "guardduty:DeleteMembers",
                    "guardduty:StopMonitoringMembers",
                ],
            )],
            false,
        ),
        4 => (
            "protect-config",
            vec![deny(
                "ProtectConfig",
                vec![
                    "config:DeleteConfigRule",
                    "config:DeleteConfigurationRecorder",
                    "config:DeleteDeliveryChannel",
                    "config:StopConfigurationRecorder",
                ],
            )],
            false,
        ),
        5 => {
            let mut st = obj! { "Sid" => "DenyRootUser", "Effect" => "Deny", "Action" => "*", "Resource" => "*" };
            st.set("Condition", obj! { "StringLike" => obj! { "aws:PrincipalArn" => vec!["arn:aws:iam::*:root"] } });
            ("deny-root-user", vec![st], false)
        }
        6 => {
            let prefix = rng.pick(&["platform-", "security-", "stepfunctions-", "cicd-"]);
            let mut st = obj! {
                "Sid" => "ProtectPlatformRoles",
                "Effect" => "Deny",
                "Action" => vec![
                    "iam:AttachRolePolicy",
                    "iam:DeleteRole",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:PutRolePolicy",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:PutRolePermissionsBoundary",
                ],
                "Resource" => vec![format!("arn:aws:iam::*:role/{prefix}*")],
            };
            admin_exception(&mut st, admin);
            ("protect-platform-roles", vec![st], false)
        }
        7 => {
            let mut st = deny(
                "ProtectStateMachines",
                vec!["states:DeleteStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachineVersion"],
            );
            st.set(
                "Condition",
                obj! {
                    "ArnNotLike" => obj! {
                        "aws:PrincipalArn" => vec!["arn:aws:iam::*:role/cicd-deployer".to_owned(), format!("arn:aws:iam::*:role/{admin}")],
                    },
                },
            );
            let mut tag = deny("RequireOwnerTag", vec!["states:CreateStateMachine"]);
            tag.set("Condition", obj! { "Null" => obj! { "aws:RequestTag/owner" => "true" } });
            ("stepfunctions-guardrails", vec![st, tag], false)
        }
        8 => {
            let services = match rng.below(3) {
                0 => vec!["sagemaker:*", "redshift:*", "emr-serverless:*"],
                1 => vec!["ec2:PurchaseReservedInstancesOffering", "ec2:ModifyReservedInstances", "savingsplans:*"],
                _ => vec!["gamelift:*", "lightsail:*", "workspaces:*"],
            };
            ("deny-costly-services", vec![deny("DenyServices", services)], false)
        }
        9 => {
            let mut st = obj! {
                "Sid" => "LimitInstanceTypes",
                "Effect" => "Deny",
                "Action" => "ec2:RunInstances",
                "Resource" => "arn:aws:ec2:*:*:instance/*",
            };
            let allowed =
                if rng.chance(0.5) { vec!["t3.*", "t4g.*", "m6i.large"] } else { vec!["t3.micro", "t3.small"] };
            st.set("Condition", obj! { "StringNotLike" => obj! { "ec2:InstanceType" => allowed } });
            let mut imds = obj! {
                "Sid" => "RequireImdsV2",
                "Effect" => "Deny",
                "Action" => "ec2:RunInstances",
                "Resource" => "arn:aws:ec2:*:*:instance/*",
            };
            imds.set("Condition", obj! { "StringNotEquals" => obj! { "ec2:MetadataHttpTokens" => "required" } });
            ("ec2-guardrails", vec![st, imds], false)
        }
        10 => {
            let mut st = deny(
                "DenyPublicFunctionUrls",
                vec!["lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig"],
            );
            st.set("Condition", obj! { "StringEquals" => obj! { "lambda:FunctionUrlAuthType" => "NONE" } });
            let mut share = deny("DenyExternalSharing", vec!["ram:CreateResourceShare", "ram:UpdateResourceShare"]);
            share.set("Condition", obj! { "Bool" => obj! { "ram:RequestedAllowsExternalPrincipals" => "true" } });
            ("deny-public-exposure", vec![st, share], false)
        }
        11 => (
            "protect-kms-and-secrets",
            vec![deny("ProtectKeys", vec!["kms:ScheduleKeyDeletion", "kms:DisableKey", "secretsmanager:DeleteSecret"])],
            false,
        ),
        12 => {
            let mut st = deny("DenyIamUsers", vec!["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"]);
            admin_exception(&mut st, admin);
            ("deny-iam-users", vec![st], false)
        }
        _ => {
            let services = vec![
                "states:*",
                "lambda:*",
                "dynamodb:*",
                "sqs:*",
                "sns:*",
                "s3:*",
                "logs:*",
                "cloudwatch:*",
                "events:*",
                "xray:*",
                "iam:*",
                "sts:*",
                "kms:*",
                "ecs:*",
                "ec2:Describe*",
                "secretsmanager:*",
            ];
            let st =
                obj! { "Sid" => "AllowApprovedServices", "Effect" => "Allow", "Action" => services, "Resource" => "*" };
            ("sandbox-service-allow-list", vec![st], true)
        }
    };
    // Later copies of a guardrail are scoped variants: named for where they apply, and with
    // an exception for that scope's admin role.
    let name = match variant {
        0 => base.to_owned(),
        v => match ["workloads", "sandbox", "prod", "security", "canary"].get(v - 1) {
            Some(scope) => format!("{base}-{scope}"),
            None => format!("{base}-{}", v + 1),
        },
    };
    let mut statements = statements;
    if variant > 0 {
        for st in &mut statements {
            if st.get("Effect").and_then(Value::as_str) == Some("Deny") && st.get("Condition").is_none() {
                admin_exception(st, admin);
            }
        }
    }
    let mut document = obj! { "Version" => "2012-10-17", "Statement" => statements };
    let mut mrng = Rng::stream(seed, Stream::MutateScp, k as u64);
    let mutated = mrng.chance(mutate);
    if mutated {
        iam::mutate_document(&mut document, &mut mrng);
    }
    (Scp { file: format!("scp/{name}.json"), name, document, allow_list }, mutated)
}

/// The layout file, listing the tree and where each SCP (and `FullAWSAccess`) is attached.
pub(crate) fn layout(seed: u64, tree: &Tree, scps: &[Scp]) -> Value {
    let mut rng = Rng::stream(seed, Stream::Layout, 0);
    let targets = tree.targets();
    let mut load = vec![0usize; targets.len()];
    let mut attachments: Vec<Vec<String>> = Vec::with_capacity(scps.len());
    // An allow-list SCP replaces FullAWSAccess on the OU it is attached to.
    let mut without_full_access: Vec<String> = Vec::new();
    for (k, scp) in scps.iter().enumerate() {
        let mut chosen = Vec::new();
        if scp.allow_list {
            // Allow-lists bound the sandbox OUs; extra ones stay unattached.
            let place = ["Sandbox", "Sandbox Teams", "Sandbox Experiments"]
                .iter()
                .find_map(|name| targets.iter().position(|t| t.name == *name && !without_full_access.contains(&t.id)));
            if let Some(i) = place {
                without_full_access.push(targets.get(i).map(|t| t.id.clone()).unwrap_or_default());
                chosen.push(i);
            }
        } else if k < 3 {
            // The first guardrails apply to everyone.
            chosen.push(0);
        } else if rng.chance(0.94) {
            let count = rng.range(1, 3);
            for _ in 0..count * 4 {
                if chosen.len() >= count {
                    break;
                }
                let i = rng.below(targets.len());
                // FullAWSAccess takes one slot everywhere.
                if !chosen.contains(&i) && load.get(i).copied().unwrap_or(usize::MAX) + 1 < MAX_POLICIES_PER_TARGET {
                    chosen.push(i);
                }
            }
        }
        chosen.retain(|i| load.get(*i).copied().unwrap_or(usize::MAX) + 1 < MAX_POLICIES_PER_TARGET);
        chosen.sort_unstable();
        for i in &chosen {
            if let Some(l) = load.get_mut(*i) {
                *l += 1;
            }
        }
        attachments.push(chosen.iter().filter_map(|i| targets.get(*i).map(|t| t.id.clone())).collect());
    }
    let full_access_targets: Vec<String> =
        targets.iter().filter(|t| !without_full_access.contains(&t.id)).map(|t| t.id.clone()).collect();
    let mut policies = vec![obj! {
        "id" => "p-FullAWSAccess",
        "name" => "FullAWSAccess",
        "type" => "SERVICE_CONTROL_POLICY",
        "targets" => full_access_targets,
    }];
    for (scp, targets) in scps.iter().zip(attachments) {
        let id = format!("p-{}", rng.string_from(ID_CHARS, 8));
        policies.push(obj! {
            "id" => id,
            "name" => scp.name.clone(),
            "type" => "SERVICE_CONTROL_POLICY",
            "file" => scp.file.clone(),
            "targets" => targets,
        });
    }
    obj! {
        "stepguard_organization" => 1i64,
        "root" => obj! { "id" => tree.root.id.clone(), "name" => tree.root.name.clone() },
        "management_account" => MANAGEMENT_ACCOUNT,
        "ous" => tree.ous.iter().map(|(t, parent)| obj! { "id" => t.id.clone(), "name" => t.name.clone(), "parent" => parent.clone() }).collect::<Vec<_>>(),
        "accounts" => tree.accounts.iter().map(|(t, parent)| obj! { "id" => t.id.clone(), "name" => t.name.clone(), "parent" => parent.clone() }).collect::<Vec<_>>(),
        "policies" => policies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_has_two_ou_levels_and_unique_ids() {
        let tree = Tree::new(3);
        let top: Vec<&String> = tree.ous.iter().filter(|(_, p)| *p == tree.root.id).map(|(t, _)| &t.id).collect();
        assert!(!top.is_empty());
        assert!(tree.ous.iter().any(|(_, p)| top.contains(&p)), "a second OU level");
        let ids: std::collections::BTreeSet<_> = tree.targets().iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids.len(), tree.targets().len());
        assert!(tree.accounts.iter().any(|(t, _)| t.id == WORKLOAD_ACCOUNT));
        for (ou, _) in &tree.ous {
            let (head, tail) = ou.id.rsplit_once('-').unwrap();
            assert!(head.starts_with("ou-") && tail.len() == 8, "{}", ou.id);
        }
    }

    #[test]
    fn scps_fit_the_size_limit_and_names_are_unique() {
        let scps: Vec<Scp> = (0..60).map(|k| scp(5, k, 0.0).0).collect();
        let names: std::collections::BTreeSet<_> = scps.iter().map(|s| s.name.clone()).collect();
        assert_eq!(names.len(), scps.len());
        for s in &scps {
            assert!(s.document.to_json(4).len() <= MAX_SCP_CHARS, "{}", s.name);
        }
    }
}
