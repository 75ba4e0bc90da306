//! Reading a generated organization back: every file must parse (JSON with `serde_json`, YAML
//! with `yaml-rust2`), every state machine must be valid Amazon States Language, every policy
//! valid IAM JSON, every template internally consistent, and the layout well formed. The
//! counts found are compared with the generator's [`Summary`](crate::Summary) by tests and by
//! `stepguard-gen --check`.
//!
//! This is written from the file formats, not from the generator's code, so it catches a
//! generator that writes something other than it meant to.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as J;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use crate::generate::GeneratedFile;

/// Counts of what an organization holds, and the problems found reading it.
// CAUTION: publicly exported
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    /// Files read.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
    /// State machines found (describe outputs and template resources).
    pub state_machines: usize,
    /// States in all definitions, nested ones included.
    pub states: usize,
    /// `describe-state-machine` outputs.
    pub describe_outputs: usize,
    /// SAM/CloudFormation templates.
    pub templates: usize,
    /// State machines defined in templates.
    pub template_machines: usize,
    /// Roles in the IAM export.
    pub export_roles: usize,
    /// `AWS::IAM::Role` resources in templates.
    pub template_roles: usize,
    /// Customer managed policies in the IAM export.
    pub managed_policies: usize,
    /// Bare SCP documents.
    pub scps: usize,
    /// OUs in the layout.
    pub ous: usize,
    /// Accounts in the layout.
    pub accounts: usize,
    /// Machines using JSONata as their query language.
    pub jsonata_machines: usize,
    /// Express machines.
    pub express_machines: usize,
    /// States by `Type` (Map split into `Map (INLINE)` and `Map (DISTRIBUTED)`).
    pub state_types: BTreeMap<String, usize>,
    /// Task states by `Resource` (ARNs of Lambda functions counted as `lambda function ARN`).
    pub integrations: BTreeMap<String, usize>,
    /// Templates with `DefinitionSubstitutions`.
    pub templates_with_substitutions: usize,
    /// Templates with `Fn::GetAtt` (`!GetAtt`).
    pub templates_with_get_att: usize,
    /// Templates with `Fn::Sub` (`!Sub`).
    pub templates_with_sub: usize,
    /// States with `Retry`.
    pub states_with_retry: usize,
    /// States with `Catch`.
    pub states_with_catch: usize,
    /// Every problem found, as `file: message`.
    pub problems: Vec<String>,
    /// Role ARNs the export defines and ARNs machines use, checked by [`Census::finish`].
    role_arns: BTreeSet<String>,
    used_role_arns: BTreeSet<(String, String)>,
    scp_files: BTreeSet<String>,
    layout_files: Vec<(String, String)>,
}

/// Field access that reads a missing field (or a field of a non-object) as `null`.
trait Field {
    fn f(&self, key: &str) -> &J;
}

static NULL: J = J::Null;

impl Field for J {
    fn f(&self, key: &str) -> &J {
        self.get(key).unwrap_or(&NULL)
    }
}

const PSEUDO: &[&str] = &[
    "AWS::AccountId",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackName",
    "AWS::StackId",
    "AWS::URLSuffix",
    "AWS::NoValue",
    "AWS::NotificationARNs",
];

impl Census {
    /// Reads one file.
    pub fn add(&mut self, file: &GeneratedFile) {
        self.files += 1;
        self.bytes += file.text.len() as u64;
        let parsed = if file.text.trim_start().starts_with('{') {
            serde_json::from_str::<J>(&file.text).map_err(|e| format!("not valid JSON: {e}"))
        } else {
            yaml_to_json(&file.text)
        };
        let doc = match parsed {
            Ok(doc) => doc,
            Err(e) => return self.problem(&file.path, e),
        };
        let has = |k: &str| doc.get(k).is_some();
        if has("stepguard_organization") {
            self.layout(&file.path, &doc);
        } else if has("RoleDetailList") {
            self.export(&file.path, &doc);
        } else if has("stateMachineArn") {
            self.describe(&file.path, &doc);
        } else if has("Resources") {
            self.template(&file.path, &doc);
        } else if has("Statement") {
            self.scps += 1;
            self.scp_files.insert(file.path.clone());
            self.policy(&file.path, "SCP", &doc, false);
            if file.text.len() > crate::org::MAX_SCP_CHARS {
                self.problem(&file.path, format!("SCP is {} characters, over 5,120", file.text.len()));
            }
        } else {
            self.problem(&file.path, "not a recognized kind of file".into());
        }
    }

    /// Checks references across files; call after the last [`Census::add`].
    pub fn finish(&mut self) {
        let missing: Vec<(String, String)> =
            self.used_role_arns.iter().filter(|(_, arn)| !self.role_arns.contains(arn)).cloned().collect();
        for (file, arn) in missing {
            self.problem(&file, format!("role `{arn}` is not in the IAM export"));
        }
        let dangling: Vec<(String, String)> =
            self.layout_files.iter().filter(|(_, f)| !self.scp_files.contains(f)).cloned().collect();
        for (file, scp) in dangling {
            self.problem(&file, format!("policy file `{scp}` was not generated"));
        }
    }

    fn problem(&mut self, file: &str, message: String) {
        self.problems.push(format!("{file}: {message}"));
    }

    fn layout(&mut self, file: &str, doc: &J) {
        if doc.f("stepguard_organization") != 1 {
            self.problem(file, "`stepguard_organization` is not 1".into());
        }
        let root = doc.f("root").f("id").as_str().unwrap_or_default().to_owned();
        if !id_ok(&root, "r-", 4) {
            self.problem(file, format!("bad root id `{root}`"));
        }
        let mut depth: BTreeMap<String, usize> = BTreeMap::from([(root.clone(), 0)]);
        for ou in doc.f("ous").as_array().into_iter().flatten() {
            let id = ou.f("id").as_str().unwrap_or_default();
            let parent = ou.f("parent").as_str().unwrap_or_default();
            let suffix = root.trim_start_matches("r-");
            if !id_ok(id, &format!("ou-{suffix}-"), 8) {
                self.problem(file, format!("bad OU id `{id}`"));
            }
            match depth.get(parent) {
                Some(d) if *d < 2 => {
                    depth.insert(id.to_owned(), d + 1);
                }
                _ => self.problem(file, format!("OU `{id}` has an unknown parent or is too deep")),
            }
            self.ous += 1;
        }
        for account in doc.f("accounts").as_array().into_iter().flatten() {
            let id = account.f("id").as_str().unwrap_or_default();
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                self.problem(file, format!("bad account id `{id}`"));
            }
            if !depth.contains_key(account.f("parent").as_str().unwrap_or_default()) {
                self.problem(file, format!("account `{id}` has an unknown parent"));
            }
            depth.insert(id.to_owned(), 3);
            self.accounts += 1;
        }
        if !depth.contains_key(doc.f("management_account").as_str().unwrap_or_default()) {
            self.problem(file, "the management account is not among the accounts".into());
        }
        let mut per_target: BTreeMap<String, usize> = BTreeMap::new();
        for p in doc.f("policies").as_array().into_iter().flatten() {
            let id = p.f("id").as_str().unwrap_or_default();
            if !(id == "p-FullAWSAccess" || id_ok(id, "p-", 8)) {
                self.problem(file, format!("bad policy id `{id}`"));
            }
            if p.f("type") != "SERVICE_CONTROL_POLICY" {
                self.problem(file, format!("policy `{id}` is not a service control policy"));
            }
            match p.f("file").as_str() {
                Some(f) => self.layout_files.push((file.to_owned(), f.to_owned())),
                None if id == "p-FullAWSAccess" => {}
                None => self.problem(file, format!("policy `{id}` has no file")),
            }
            for t in p.f("targets").as_array().into_iter().flatten() {
                let t = t.as_str().unwrap_or_default().to_owned();
                if !depth.contains_key(&t) {
                    self.problem(file, format!("policy `{id}` targets unknown `{t}`"));
                }
                *per_target.entry(t).or_default() += 1;
            }
        }
        for (t, n) in per_target {
            if n > crate::org::MAX_POLICIES_PER_TARGET {
                self.problem(file, format!("`{t}` has {n} SCPs attached, over the quota of 5"));
            }
        }
    }

    fn export(&mut self, file: &str, doc: &J) {
        let mut policy_arns = BTreeSet::new();
        for p in doc.f("Policies").as_array().into_iter().flatten() {
            let arn = p.f("Arn").as_str().unwrap_or_default();
            policy_arns.insert(arn.to_owned());
            if !arn.starts_with("arn:aws:iam::aws:policy/") {
                self.managed_policies += 1;
            }
            let default = p.f("DefaultVersionId").as_str().unwrap_or_default();
            let versions = p.f("PolicyVersionList").as_array().cloned().unwrap_or_default();
            let defaults: Vec<&J> = versions.iter().filter(|v| v.f("IsDefaultVersion") == true).collect();
            if defaults.len() != 1 || defaults.first().map(|v| v.f("VersionId")) != Some(&J::from(default)) {
                self.problem(file, format!("policy `{arn}` does not have exactly one default version `{default}`"));
            }
            if versions.len() > 5 {
                self.problem(file, format!("policy `{arn}` has more than 5 versions"));
            }
            for v in &versions {
                self.policy(file, arn, v.f("Document"), false);
                if compact_len(v.f("Document")) > 6144 {
                    self.problem(file, format!("policy `{arn}` is over 6,144 characters"));
                }
            }
        }
        let mut attachments: BTreeMap<String, u64> = BTreeMap::new();
        for role in doc.f("RoleDetailList").as_array().into_iter().flatten() {
            for a in role.f("AttachedManagedPolicies").as_array().into_iter().flatten() {
                *attachments.entry(a.f("PolicyArn").as_str().unwrap_or_default().to_owned()).or_default() += 1;
            }
        }
        for p in doc.f("Policies").as_array().into_iter().flatten() {
            let arn = p.f("Arn").as_str().unwrap_or_default();
            let expected = attachments.get(arn).copied().unwrap_or(0);
            if p.f("AttachmentCount").as_u64() != Some(expected) {
                self.problem(file, format!("policy `{arn}` reports the wrong `AttachmentCount`"));
            }
        }
        for role in doc.f("RoleDetailList").as_array().into_iter().flatten() {
            self.export_roles += 1;
            let arn = role.f("Arn").as_str().unwrap_or_default().to_owned();
            let name = role.f("RoleName").as_str().unwrap_or_default();
            let path = role.f("Path").as_str().unwrap_or_default();
            if arn != format!("arn:aws:iam::{}:role{path}{name}", account_of(&arn))
                || name.is_empty()
                || name.len() > 64
            {
                self.problem(file, format!("role `{name}` has a bad name, path or ARN"));
            }
            let id = role.f("RoleId").as_str().unwrap_or_default();
            if !(id.starts_with("AROA") && id.len() == 21) {
                self.problem(file, format!("role `{name}` has a bad id `{id}`"));
            }
            self.trust(file, role.f("AssumeRolePolicyDocument"));
            let mut inline_size = 0;
            for p in role.f("RolePolicyList").as_array().into_iter().flatten() {
                self.policy(file, name, p.f("PolicyDocument"), false);
                inline_size += compact_len(p.f("PolicyDocument"));
            }
            if inline_size > 10_240 {
                self.problem(file, format!("role `{name}` has {inline_size} characters of inline policy, over 10,240"));
            }
            let attached = role.f("AttachedManagedPolicies").as_array().cloned().unwrap_or_default();
            if attached.len() > 10 {
                self.problem(file, format!("role `{name}` has more than 10 managed policies"));
            }
            for a in attached.iter().chain(role.get("PermissionsBoundary")) {
                let pa = a.get("PolicyArn").or_else(|| a.get("PermissionsBoundaryArn")).and_then(J::as_str);
                if !pa.is_some_and(|pa| policy_arns.contains(pa)) {
                    self.problem(file, format!("role `{name}` uses a policy missing from the export"));
                }
            }
            self.role_arns.insert(arn);
        }
    }

    fn describe(&mut self, file: &str, doc: &J) {
        self.describe_outputs += 1;
        let name = doc.f("name").as_str().unwrap_or_default();
        let arn = doc.f("stateMachineArn").as_str().unwrap_or_default();
        if !arn.starts_with("arn:aws:states:") || !arn.ends_with(&format!(":stateMachine:{name}")) || !name_ok(name) {
            self.problem(file, format!("bad state machine name or ARN `{arn}`"));
        }
        let role = doc.f("roleArn").as_str().unwrap_or_default();
        self.used_role_arns.insert((file.to_owned(), role.to_owned()));
        let express = match doc.f("type").as_str() {
            Some("EXPRESS") => true,
            Some("STANDARD") => false,
            _ => {
                self.problem(file, "`type` is not STANDARD or EXPRESS".into());
                false
            }
        };
        match doc.f("definition").as_str().map(serde_json::from_str::<J>) {
            Some(Ok(def)) => self.machine(file, &def, express),
            Some(Err(e)) => self.problem(file, format!("definition is not JSON: {e}")),
            None => self.problem(file, "no definition string".into()),
        }
    }

    fn template(&mut self, file: &str, doc: &J) {
        self.templates += 1;
        let resources = doc.f("Resources").as_object().cloned().unwrap_or_default();
        let parameters: BTreeSet<String> =
            doc.f("Parameters").as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default();
        let mut seen = Intrinsics::default();
        let mut problems = Vec::new();
        walk_intrinsics(doc, &resources, &parameters, &mut seen, &mut problems);
        for p in problems {
            self.problem(file, p);
        }
        self.templates_with_get_att += usize::from(seen.get_att);
        self.templates_with_sub += usize::from(seen.sub);
        let mut with_substitutions = false;
        for (logical, resource) in &resources {
            let kind = resource.f("Type").as_str().unwrap_or_default();
            if kind.starts_with("AWS::Serverless::") && doc.f("Transform") != "AWS::Serverless-2016-10-31" {
                self.problem(file, format!("`{logical}` is a SAM resource but the template has no SAM transform"));
            }
            let props = resource.f("Properties");
            match kind {
                "AWS::IAM::Role" => {
                    self.template_roles += 1;
                    self.trust(file, props.f("AssumeRolePolicyDocument"));
                    for p in props.f("Policies").as_array().into_iter().flatten() {
                        self.policy(file, logical, p.f("PolicyDocument"), true);
                    }
                }
                "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => {
                    let sam = kind.starts_with("AWS::Serverless");
                    self.template_machines += 1;
                    let name_key = if sam { "Name" } else { "StateMachineName" };
                    if !props[name_key].as_str().is_some_and(name_ok) {
                        self.problem(file, format!("`{logical}` has a bad `{name_key}`"));
                    }
                    let express = props[if sam { "Type" } else { "StateMachineType" }] == "EXPRESS";
                    let role = props.get(if sam { "Role" } else { "RoleArn" });
                    match (role, props.get("Policies")) {
                        (Some(J::String(arn)), None) => {
                            self.used_role_arns.insert((file.to_owned(), arn.clone()));
                        }
                        (Some(_), None) => {}
                        (None, Some(policies)) if sam => {
                            for p in policies.as_array().into_iter().flatten().filter(|p| p.get("Statement").is_some())
                            {
                                self.policy(file, logical, p, true);
                            }
                        }
                        _ => self.problem(file, format!("`{logical}` needs exactly one of a role or SAM policies")),
                    }
                    let substitutions: BTreeSet<String> = props
                        .get("DefinitionSubstitutions")
                        .and_then(J::as_object)
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default();
                    with_substitutions |= !substitutions.is_empty();
                    let (definition, placeholders_resolved_by_sub) =
                        match (props.get("Definition"), props.get("DefinitionString")) {
                            (Some(d), None) => (Ok(d.clone()), false),
                            (None, Some(J::String(text))) => (serde_json::from_str::<J>(text), false),
                            (None, Some(s)) => match s.get("Fn::Sub").and_then(J::as_str) {
                                Some(text) => (serde_json::from_str::<J>(text), true),
                                None => {
                                    self.problem(file, format!("`{logical}` has an unexpected `DefinitionString`"));
                                    continue;
                                }
                            },
                            _ => {
                                self.problem(file, format!("`{logical}` needs exactly one definition"));
                                continue;
                            }
                        };
                    let definition = match definition {
                        Ok(d) => d,
                        Err(e) => {
                            self.problem(file, format!("`{logical}` definition is not JSON: {e}"));
                            continue;
                        }
                    };
                    if !placeholders_resolved_by_sub {
                        let mut used = BTreeSet::new();
                        placeholders(&definition, &mut used);
                        for p in used.difference(&substitutions) {
                            self.problem(file, format!("`{logical}` uses `${{{p}}}` without a substitution"));
                        }
                        for s in substitutions.difference(&used) {
                            self.problem(file, format!("`{logical}` has unused substitution `{s}`"));
                        }
                    } else if !substitutions.is_empty() {
                        self.problem(file, format!("`{logical}` mixes `Fn::Sub` with substitutions"));
                    }
                    self.machine(file, &definition, express);
                }
                _ => {}
            }
        }
        self.templates_with_substitutions += usize::from(with_substitutions);
    }

    fn trust(&mut self, file: &str, doc: &J) {
        self.policy(file, "trust policy", doc, true);
        let ok = doc.f("Statement").as_array().into_iter().flatten().any(|s| {
            let service = s.f("Principal").f("Service");
            let action = s.f("Action");
            (service == "states.amazonaws.com"
                || service.as_array().is_some_and(|a| a.iter().any(|v| v == "states.amazonaws.com")))
                && (action == "sts:AssumeRole"
                    || action.as_array().is_some_and(|a| a.iter().any(|v| v == "sts:AssumeRole")))
        });
        if !ok {
            self.problem(file, "trust policy does not let Step Functions assume the role".into());
        }
    }

    /// Checks an IAM policy document (identity, SCP or trust). `intrinsics` allows
    /// CloudFormation functions in resource positions.
    fn policy(&mut self, file: &str, what: &str, doc: &J, intrinsics: bool) {
        let mut problems = Vec::new();
        check_policy(doc, intrinsics, &mut problems);
        for p in problems {
            self.problem(file, format!("{what}: {p}"));
        }
    }

    fn machine(&mut self, file: &str, definition: &J, express: bool) {
        self.state_machines += 1;
        self.express_machines += usize::from(express);
        let ql = definition.f("QueryLanguage").as_str().unwrap_or("JSONPath");
        self.jsonata_machines += usize::from(ql == "JSONata");
        let mut ctx = AslCheck { names: BTreeSet::new(), problems: Vec::new(), census: self };
        ctx.scope(definition, "", ql, express, express);
        let AslCheck { problems, .. } = ctx;
        for p in problems {
            self.problem(file, p);
        }
    }
}

fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

fn compact_len(doc: &J) -> usize {
    serde_json::to_string(doc).map_or(usize::MAX, |s| s.len())
}

fn name_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= 80 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `prefix` followed by at least `min` lowercase letters or digits.
fn id_ok(id: &str, prefix: &str, min: usize) -> bool {
    id.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() >= min && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

fn action_ok(action: &str) -> bool {
    if action == "*" {
        return true;
    }
    let Some((service, name)) = action.split_once(':') else { return false };
    !service.is_empty()
        && service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*')
}

fn strings_or_intrinsics(v: &J, intrinsics: bool) -> bool {
    match v {
        J::String(_) => true,
        J::Object(o) if intrinsics => o.len() == 1,
        J::Array(items) => {
            !items.is_empty() && items.iter().all(|i| strings_or_intrinsics(i, intrinsics) && !i.is_array())
        }
        _ => false,
    }
}

fn check_policy(doc: &J, intrinsics: bool, problems: &mut Vec<String>) {
    if doc.f("Version") != "2012-10-17" {
        problems.push("`Version` is not 2012-10-17".into());
    }
    let statements: Vec<&J> = match doc.f("Statement") {
        J::Array(items) if !items.is_empty() => items.iter().collect(),
        J::Object(_) => vec![doc.f("Statement")],
        _ => {
            problems.push("`Statement` is missing or empty".into());
            return;
        }
    };
    let mut sids = BTreeSet::new();
    for st in statements {
        if !(st.f("Effect") == "Allow" || st.f("Effect") == "Deny") {
            problems.push("`Effect` is not Allow or Deny".into());
        }
        if let Some(sid) = st.get("Sid") {
            let ok = sid.as_str().is_some_and(|s| s.bytes().all(|b| b.is_ascii_alphanumeric()));
            if !ok || !sids.insert(sid.to_string()) {
                problems.push(format!("bad or repeated `Sid` {sid}"));
            }
        }
        let action = match (st.get("Action"), st.get("NotAction")) {
            (Some(a), None) | (None, Some(a)) => a,
            _ => {
                problems.push("needs exactly one of `Action` and `NotAction`".into());
                continue;
            }
        };
        let actions: Vec<&J> = match action {
            J::Array(items) if !items.is_empty() => items.iter().collect(),
            other => vec![other],
        };
        for a in actions {
            if !a.as_str().is_some_and(action_ok) {
                problems.push(format!("bad action {a}"));
            }
        }
        let is_trust = st.get("Principal").is_some();
        match (st.get("Resource"), st.get("NotResource")) {
            (Some(r), None) | (None, Some(r)) if !is_trust => {
                if !strings_or_intrinsics(r, intrinsics) {
                    problems.push(format!("bad resource {r}"));
                }
                for s in r.as_array().map_or_else(|| vec![r], |a| a.iter().collect()) {
                    if let Some(s) = s.as_str()
                        && s != "*"
                        && !s.starts_with("arn:")
                    {
                        problems.push(format!("resource `{s}` is not an ARN"));
                    }
                }
            }
            (None, None) if is_trust => {}
            _ => problems.push("needs exactly one of `Resource` and `NotResource`".into()),
        }
        if let Some(cond) = st.get("Condition") {
            let ok = cond.as_object().is_some_and(|ops| {
                ops.values().all(|keys| {
                    keys.as_object().is_some_and(|k| {
                        k.values().all(|v| v.is_string() || v.as_array().is_some_and(|a| a.iter().all(J::is_string)))
                    })
                })
            });
            if !ok {
                problems.push("malformed `Condition`".into());
            }
        }
    }
}

#[derive(Default)]
struct Intrinsics {
    get_att: bool,
    sub: bool,
}

/// Checks that every `Ref`, `Fn::GetAtt` and `Fn::Sub` variable names something the template
/// (or CloudFormation) defines.
fn walk_intrinsics(
    v: &J,
    resources: &serde_json::Map<String, J>,
    parameters: &BTreeSet<String>,
    seen: &mut Intrinsics,
    problems: &mut Vec<String>,
) {
    let known = |name: &str| resources.contains_key(name) || parameters.contains(name) || PSEUDO.contains(&name);
    match v {
        J::Object(o) => {
            if let (1, Some(r)) = (o.len(), o.get("Ref")) {
                let name = r.as_str().unwrap_or_default();
                if !known(name) {
                    problems.push(format!("`Ref` to unknown `{name}`"));
                }
            }
            if let (1, Some(g)) = (o.len(), o.get("Fn::GetAtt")) {
                seen.get_att = true;
                let target = g.get(0).and_then(J::as_str).unwrap_or_default();
                if !resources.contains_key(target) || g.as_array().map(Vec::len) != Some(2) {
                    problems.push(format!("`Fn::GetAtt` of unknown `{target}`"));
                }
            }
            if let (1, Some(s)) = (o.len(), o.get("Fn::Sub")) {
                seen.sub = true;
                let (text, vars) = match s {
                    J::String(t) => (t.as_str(), None),
                    J::Array(items) => {
                        (items.first().and_then(J::as_str).unwrap_or_default(), items.get(1).and_then(J::as_object))
                    }
                    _ => ("", None),
                };
                for var in sub_variables(text) {
                    let (base, attr) = var.split_once('.').map_or((var.as_str(), None), |(b, a)| (b, Some(a)));
                    let ok = match attr {
                        Some(_) => resources.contains_key(base),
                        None => known(base) || vars.is_some_and(|m| m.contains_key(base)),
                    };
                    if !ok {
                        problems.push(format!("`Fn::Sub` variable `{var}` is not defined"));
                    }
                }
            }
            for child in o.values() {
                walk_intrinsics(child, resources, parameters, seen, problems);
            }
        }
        J::Array(items) => {
            for child in items {
                walk_intrinsics(child, resources, parameters, seen, problems);
            }
        }
        _ => {}
    }
}

/// The `${...}` variables of a `Fn::Sub` string (`${!Literal}` is an escape, not a variable).
fn sub_variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else { break };
        let var = after.get(..end).unwrap_or_default();
        if !var.starts_with('!') {
            out.push(var.to_owned());
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out
}

/// `${Name}` placeholders anywhere in the strings of a definition.
fn placeholders(v: &J, out: &mut BTreeSet<String>) {
    match v {
        J::String(s) => out.extend(sub_variables(s)),
        J::Array(items) => items.iter().for_each(|i| placeholders(i, out)),
        J::Object(o) => o.values().for_each(|i| placeholders(i, out)),
        _ => {}
    }
}

const JSONPATH_ONLY: &[&str] = &[
    "Parameters",
    "InputPath",
    "OutputPath",
    "ResultPath",
    "ResultSelector",
    "ItemsPath",
    "ItemSelector",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
];
const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

struct AslCheck<'c> {
    names: BTreeSet<String>,
    problems: Vec<String>,
    census: &'c mut Census,
}

fn has_path_keys(v: &J) -> bool {
    match v {
        J::Object(o) => o.iter().any(|(k, v)| k.ends_with(".$") || has_path_keys(v)),
        J::Array(items) => items.iter().any(has_path_keys),
        _ => false,
    }
}

fn error_list_ok(list: &J) -> bool {
    let Some(items) = list.as_array() else { return false };
    let Some(last) = items.last() else { return true };
    items.iter().all(|entry| {
        let errors = entry.f("ErrorEquals").as_array().cloned().unwrap_or_default();
        let all = errors.iter().any(|e| e == "States.ALL");
        !errors.is_empty() && (!all || (errors.len() == 1 && std::ptr::eq(entry, last)))
    })
}

impl AslCheck<'_> {
    /// Checks one scope (the machine, a branch, an item processor). `restricted`: no
    /// `.sync`/`.waitForTaskToken`; `express`: the machine is Express.
    fn scope(&mut self, scope: &J, at: &str, ql: &str, restricted: bool, express: bool) {
        let Some(states) = scope.f("States").as_object().filter(|s| !s.is_empty()) else {
            self.problems.push(format!("{at}: no `States`"));
            return;
        };
        let start = scope.f("StartAt").as_str().unwrap_or_default();
        if !states.contains_key(start) {
            self.problems.push(format!("{at}: `StartAt` `{start}` is not a state"));
        }
        let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, st) in states {
            let here = format!("{at}/{name}");
            self.census.states += 1;
            if name.is_empty() || name.chars().count() > 80 || !self.names.insert(name.clone()) {
                self.problems.push(format!("{here}: empty, too long or repeated state name"));
            }
            let kind = st.f("Type").as_str().unwrap_or_default();
            let state_ql = st.f("QueryLanguage").as_str().unwrap_or(ql);
            if ql == "JSONata" && state_ql != "JSONata" {
                self.problems.push(format!("{here}: JSONPath state in a JSONata machine"));
            }
            let forbidden = if state_ql == "JSONata" { JSONPATH_ONLY } else { JSONATA_ONLY };
            for f in forbidden {
                if st.get(*f).is_some() {
                    self.problems.push(format!("{here}: `{f}` is not allowed with {state_ql}"));
                }
            }
            if state_ql == "JSONata" && ["Arguments", "Output", "Assign"].iter().any(|k| has_path_keys(st.f(k))) {
                self.problems.push(format!("{here}: `.$` keys in a JSONata state"));
            }
            let mut targets: Vec<&str> = Vec::new();
            let has_next = st.get("Next").is_some();
            let has_end = st.f("End") == true;
            match kind {
                "Task" | "Pass" | "Wait" | "Parallel" | "Map" => {
                    if has_next == has_end {
                        self.problems.push(format!("{here}: needs exactly one of `Next` and `End`"));
                    }
                }
                "Choice" | "Succeed" | "Fail" => {
                    if has_next || st.get("End").is_some() {
                        self.problems.push(format!("{here}: a {kind} state takes no `Next` or `End`"));
                    }
                }
                other => self.problems.push(format!("{here}: unknown type `{other}`")),
            }
            targets.extend(st.f("Next").as_str());
            for key in ["Retry", "Catch"] {
                if let Some(list) = st.get(key) {
                    if !matches!(kind, "Task" | "Parallel" | "Map") || !error_list_ok(list) {
                        self.problems.push(format!("{here}: bad `{key}`"));
                    }
                    self.census.states_with_retry += usize::from(key == "Retry");
                    self.census.states_with_catch += usize::from(key == "Catch");
                }
            }
            for c in st.f("Catch").as_array().into_iter().flatten() {
                targets.extend(c.f("Next").as_str());
                let wrong = if state_ql == "JSONata" { "ResultPath" } else { "Output" };
                if c.get(wrong).is_some() {
                    self.problems.push(format!("{here}: catcher has `{wrong}` with {state_ql}"));
                }
            }
            let type_key = match kind {
                "Map" => format!(
                    "Map ({})",
                    st.f("ItemProcessor").f("ProcessorConfig").f("Mode").as_str().unwrap_or("INLINE")
                ),
                other => other.to_owned(),
            };
            *self.census.state_types.entry(type_key).or_default() += 1;
            match kind {
                "Task" => self.task(st, &here, restricted),
                "Choice" => {
                    let choices = st.f("Choices").as_array().cloned().unwrap_or_default();
                    if choices.is_empty() {
                        self.problems.push(format!("{here}: no `Choices`"));
                    }
                    for c in st.f("Choices").as_array().into_iter().flatten() {
                        targets.extend(c.f("Next").as_str());
                        let (wrong, right) =
                            if state_ql == "JSONata" { ("Variable", "Condition") } else { ("Condition", "") };
                        if c.get(wrong).is_some() || (!right.is_empty() && c.get(right).is_none()) {
                            self.problems.push(format!("{here}: choice rule does not fit {state_ql}"));
                        }
                    }
                    targets.extend(st.f("Default").as_str());
                }
                "Wait" => {
                    let n = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
                        .iter()
                        .filter(|k| st.get(**k).is_some())
                        .count();
                    if n != 1 {
                        self.problems.push(format!("{here}: needs exactly one wait duration"));
                    }
                }
                "Parallel" => {
                    let branches = st.f("Branches").as_array().cloned().unwrap_or_default();
                    if branches.is_empty() {
                        self.problems.push(format!("{here}: no `Branches`"));
                    }
                    for (i, b) in branches.iter().enumerate() {
                        self.scope(b, &format!("{here}/Branches/{i}"), state_ql, restricted, express);
                    }
                }
                "Map" => {
                    let processor = st.f("ItemProcessor");
                    let distributed = processor.f("ProcessorConfig").f("Mode") == "DISTRIBUTED";
                    let mut child_restricted = restricted;
                    if distributed {
                        if express {
                            self.problems.push(format!("{here}: distributed Map in an Express machine"));
                        }
                        let label = st.f("Label").as_str().unwrap_or_default();
                        if label.len() > 40 || !label.bytes().all(|b| b.is_ascii_alphanumeric()) {
                            self.problems.push(format!("{here}: bad `Label`"));
                        }
                        let exec = processor.f("ProcessorConfig").f("ExecutionType").as_str();
                        if !matches!(exec, Some("EXPRESS" | "STANDARD")) {
                            self.problems.push(format!("{here}: distributed Map needs an `ExecutionType`"));
                        }
                        child_restricted = exec == Some("EXPRESS");
                        for key in ["ItemReader", "ResultWriter"] {
                            if let Some(io) = st.get(key) {
                                let (wrong, right) = if state_ql == "JSONata" {
                                    ("Parameters", "Arguments")
                                } else {
                                    ("Arguments", "Parameters")
                                };
                                if io.get(wrong).is_some() || io.get(right).is_none() || !io.f("Resource").is_string() {
                                    self.problems.push(format!("{here}: bad `{key}`"));
                                }
                            }
                        }
                    }
                    self.scope(processor, &format!("{here}/ItemProcessor"), state_ql, child_restricted, express);
                }
                _ => {}
            }
            for t in &targets {
                if !states.contains_key(*t) {
                    self.problems.push(format!("{here}: transition to unknown state `{t}`"));
                }
            }
            edges.insert(name.as_str(), targets);
        }
        // Every state must be reachable from StartAt.
        let mut reached: BTreeSet<&str> = BTreeSet::new();
        let mut work = vec![start];
        while let Some(s) = work.pop() {
            if reached.insert(s) {
                work.extend(edges.get(s).into_iter().flatten().copied());
            }
        }
        for name in states.keys() {
            if !reached.contains(name.as_str()) {
                self.problems.push(format!("{at}/{name}: unreachable"));
            }
        }
    }

    fn task(&mut self, st: &J, here: &str, restricted: bool) {
        let resource = st.f("Resource").as_str().unwrap_or_default();
        if resource.is_empty() {
            self.problems.push(format!("{here}: no `Resource`"));
        }
        if restricted && (resource.contains(".sync") || resource.ends_with(".waitForTaskToken")) {
            self.problems.push(format!("{here}: `{resource}` is not allowed in Express executions"));
        }
        if let (Some(h), Some(t)) = (st.f("HeartbeatSeconds").as_i64(), st.f("TimeoutSeconds").as_i64())
            && h >= t
        {
            self.problems.push(format!("{here}: `HeartbeatSeconds` is not below `TimeoutSeconds`"));
        }
        let key = if resource.starts_with("arn:aws:states:::") {
            resource.trim_start_matches("arn:aws:states:::").to_owned()
        } else {
            "lambda function ARN".to_owned()
        };
        *self.census.integrations.entry(key).or_default() += 1;
    }
}

/// Parses one YAML document into JSON, CloudFormation short-form tags into their long form.
pub(crate) fn yaml_to_json(text: &str) -> Result<J, String> {
    enum Frame {
        Seq(Vec<J>, Option<String>),
        Map(serde_json::Map<String, J>, Option<String>, Option<String>),
    }
    let tag_name = |tag: Option<yaml_rust2::parser::Tag>| tag.filter(|t| t.handle == "!").map(|t| t.suffix);
    let wrap = |name: Option<String>, v: J| match name {
        Some(n) => crate::value::long_form(&n, v),
        None => v,
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| format!("not valid YAML: {e}"))?;
        let value = match event {
            Event::StreamEnd => break,
            Event::SequenceStart(_, tag) => {
                stack.push(Frame::Seq(Vec::new(), tag_name(tag)));
                continue;
            }
            Event::MappingStart(_, tag) => {
                stack.push(Frame::Map(serde_json::Map::new(), None, tag_name(tag)));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, tag)) => wrap(tag, J::Array(items)),
                _ => return Err("unbalanced sequence".into()),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(members, _, tag)) => wrap(tag, J::Object(members)),
                _ => return Err("unbalanced mapping".into()),
            },
            Event::Scalar(s, style, _, tag) => {
                let plain = style == TScalarStyle::Plain;
                let v = if !plain {
                    J::String(s)
                } else if s == "null" || s == "~" || s.is_empty() {
                    J::Null
                } else if s == "true" || s == "false" {
                    J::Bool(s == "true")
                } else if let Ok(n) = s.parse::<i64>() {
                    J::from(n)
                } else if let Some(n) =
                    s.parse::<f64>().ok().filter(|_| s.contains('.')).and_then(serde_json::Number::from_f64)
                {
                    J::Number(n)
                } else {
                    J::String(s)
                };
                wrap(tag_name(tag), v)
            }
            Event::Alias(_) => return Err(format!("line {}: aliases are not expected", mark.line())),
            _ => continue,
        };
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq(items, _)) => items.push(value),
            Some(Frame::Map(members, key, _)) => match key.take() {
                None => {
                    let J::String(k) = value else { return Err(format!("line {}: non-string key", mark.line())) };
                    if members.contains_key(&k) {
                        return Err(format!("line {}: duplicate key `{k}`", mark.line()));
                    }
                    *key = Some(k);
                }
                Some(k) => {
                    members.insert(k, value);
                }
            },
        }
    }
    root.ok_or_else(|| "empty YAML document".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(def: J, express: bool) -> Vec<String> {
        let mut c = Census::default();
        c.machine("t", &def, express);
        c.problems
    }

    #[test]
    fn accepts_a_small_valid_definition() {
        let def = json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "Next": "B"},
            "B": {"Type": "Succeed"}}});
        assert_eq!(check(def, false), Vec::<String>::new());
    }

    #[test]
    fn finds_unreachable_states_bad_targets_and_express_sync() {
        let def = json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "Next": "Nowhere"},
            "B": {"Type": "Pass", "End": true}}});
        let problems = check(def, true);
        assert!(problems.iter().any(|p| p.contains("unknown state `Nowhere`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("/B: unreachable")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("not allowed in Express")), "{problems:?}");
    }

    #[test]
    fn finds_jsonpath_fields_in_jsonata_and_misplaced_states_all() {
        let def = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {}, "End": true,
                  "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["States.Timeout"]}]}}});
        let problems = check(def, false);
        assert!(problems.iter().any(|p| p.contains("`Parameters` is not allowed")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("bad `Retry`")), "{problems:?}");
    }

    #[test]
    fn finds_bad_policies() {
        let mut problems = Vec::new();
        check_policy(
            &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3 Get", "Resource": "bucket"}]}),
            false,
            &mut problems,
        );
        assert!(problems.iter().any(|p| p.contains("bad action")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("not an ARN")), "{problems:?}");
    }

    #[test]
    fn finds_undefined_sub_variables_and_refs() {
        let doc = json!({"Resources": {"A": {"Type": "AWS::SQS::Queue", "Properties": {
            "X": {"Fn::Sub": "${Missing}-${AWS::Region}-${A.Arn}-${!Literal}"}, "Y": {"Ref": "Nope"}}}}});
        let mut c = Census::default();
        c.template("t.yaml", &doc);
        assert_eq!(c.problems.len(), 2, "{:?}", c.problems);
    }

    #[test]
    fn yaml_tags_become_long_form() {
        let v = yaml_to_json("A: !GetAtt R.Arn\nB: !Sub |\n  x ${R}\nC: \"1\"\nD: 1.5\nE: [a]\n").unwrap();
        assert_eq!(
            v,
            json!({"A": {"Fn::GetAtt": ["R", "Arn"]}, "B": {"Fn::Sub": "x ${R}\n"}, "C": "1", "D": 1.5, "E": ["a"]})
        );
        assert!(yaml_to_json("a: 1\na: 2\n").unwrap_err().contains("duplicate"));
    }
}
