//! Putting the organization together: which files exist, in which order, and what they hold.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::app::{App, Assignment, MachineMeta};
use crate::describe;
use crate::iam;
use crate::org;
use crate::refs::Child;
use crate::rng::{Rng, Stream};
use crate::template::{self, Member};
use crate::value::{Value, obj};

/// What to generate. Every file is a pure function of these fields.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq)]
pub struct OrgSpec {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of state machines.
    pub machines: usize,
    /// Number of execution roles in the IAM export (one per application).
    pub roles: usize,
    /// Number of service control policies (besides `FullAWSAccess`).
    pub scps: usize,
    /// Average number of states per machine, nested states included.
    pub states_per_machine: usize,
    /// Percentage (0–100) of states, roles, managed policies and SCPs given one small change,
    /// for diff benchmarks. 0 gives the base organization.
    pub mutate_percent: f64,
}

impl Default for OrgSpec {
    /// The benchmark organization: 10,000 machines, 2,000 roles, 50 SCPs.
    fn default() -> Self {
        Self { seed: 1, machines: 10_000, roles: 2_000, scps: 50, states_per_machine: 20, mutate_percent: 0.0 }
    }
}

impl OrgSpec {
    /// The default organization scaled to `machines` (one role per five machines).
    pub fn with_machines(machines: usize) -> Self {
        Self { machines, roles: (machines / 5).max(1), ..Self::default() }
    }

    fn validate(&self) -> Result<(), GenerateError> {
        let bad = |m: String| Err(GenerateError::Spec(m));
        if self.machines > 0 && self.roles == 0 {
            return bad("state machines need at least one role".into());
        }
        if self.machines > 10_000_000 || self.roles > 1_000_000 || self.scps > 10_000 {
            return bad("at most 10,000,000 machines, 1,000,000 roles and 10,000 SCPs".into());
        }
        if !(2..=500).contains(&self.states_per_machine) {
            return bad(format!("states per machine must be 2 to 500, not `{}`", self.states_per_machine));
        }
        if !(0.0..=100.0).contains(&self.mutate_percent) {
            return bad(format!("mutate percent must be 0 to 100, not `{}`", self.mutate_percent));
        }
        Ok(())
    }
}

/// One generated file: its path relative to the organization folder (`/`-separated) and text.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the organization folder, `/`-separated.
    pub path: String,
    /// The file's contents.
    pub text: String,
}

/// What a generated organization holds.
// CAUTION: publicly exported
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files written.
    pub files: usize,
    /// Total size of the files.
    pub bytes: u64,
    /// State machines, in describe outputs and templates.
    pub state_machines: usize,
    /// States in all definitions, nested ones included.
    pub states: usize,
    /// `describe-state-machine` outputs (one machine each).
    pub describe_outputs: usize,
    /// SAM and CloudFormation templates.
    pub templates: usize,
    /// State machines defined in templates.
    pub template_machines: usize,
    /// Roles in the IAM export.
    pub export_roles: usize,
    /// `AWS::IAM::Role` resources in templates.
    pub template_roles: usize,
    /// Customer managed policies in the IAM export.
    pub managed_policies: usize,
    /// Service control policy files.
    pub scps: usize,
    /// Organizational units.
    pub ous: usize,
    /// Accounts, the management account included.
    pub accounts: usize,
    /// States changed by `mutate_percent`.
    pub mutated_states: usize,
    /// Roles (export and template) changed by `mutate_percent`.
    pub mutated_roles: usize,
    /// Managed policies changed by `mutate_percent`.
    pub mutated_policies: usize,
    /// SCPs changed by `mutate_percent`.
    pub mutated_scps: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = self.bytes as f64 / (1024.0 * 1024.0);
        writeln!(f, "files              {:>10}  ({mib:.1} MiB)", self.files)?;
        writeln!(
            f,
            "state machines     {:>10}  ({} in {} templates, {} describe outputs)",
            self.state_machines, self.template_machines, self.templates, self.describe_outputs
        )?;
        writeln!(f, "states             {:>10}", self.states)?;
        writeln!(f, "roles              {:>10}  (+{} in templates)", self.export_roles, self.template_roles)?;
        writeln!(f, "managed policies   {:>10}", self.managed_policies)?;
        writeln!(f, "SCPs               {:>10}  ({} OUs, {} accounts)", self.scps, self.ous, self.accounts)?;
        write!(
            f,
            "changed            {:>10}  states, {} roles, {} policies, {} SCPs",
            self.mutated_states, self.mutated_roles, self.mutated_policies, self.mutated_scps
        )
    }
}

/// Why generation stopped.
// CAUTION: publicly exported
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The specification is out of range.
    #[error("invalid organization: {0}")]
    Spec(String),
    /// The output folder exists and holds files.
    #[error("`{}` is not empty; choose a new folder", .0.display())]
    NotEmpty(PathBuf),
    /// A file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Generates the organization, handing each file to `sink` as soon as it is complete (so a
/// large organization never sits in memory whole).
pub fn generate_each(
    spec: &OrgSpec,
    sink: &mut dyn FnMut(GeneratedFile) -> Result<(), GenerateError>,
) -> Result<Summary, GenerateError> {
    spec.validate()?;
    let p = spec.mutate_percent / 100.0;
    let mut summary = Summary::default();
    let mut emit = |summary: &mut Summary, path: String, text: String| {
        summary.files += 1;
        summary.bytes += text.len() as u64;
        sink(GeneratedFile { path, text })
    };

    // The organization: layout and SCPs.
    let tree = org::Tree::new(spec.seed);
    let scps: Vec<org::Scp> = (0..spec.scps)
        .map(|k| {
            let (scp, mutated) = org::scp(spec.seed, k, p);
            summary.mutated_scps += usize::from(mutated);
            scp
        })
        .collect();
    let layout = org::layout(spec.seed, &tree, &scps);
    summary.ous = tree.ous.len();
    summary.accounts = tree.accounts.len();
    emit(&mut summary, "organization.json".into(), json_file(&layout, 2))?;
    for scp in scps {
        summary.scps += 1;
        emit(&mut summary, scp.file, json_file(&scp.document, 4))?;
    }

    // The IAM export: managed policies, then one role per application.
    let managed_count = if spec.roles == 0 { 0 } else { (spec.roles / 10).max(1) };
    let mut managed = Vec::with_capacity(managed_count);
    for k in 0..managed_count {
        let (policy, mutated) = iam::managed_policy(spec.seed, k, p);
        summary.mutated_policies += usize::from(mutated);
        managed.push(policy);
    }
    let boundary = managed.iter().find(|m| m.boundary).map(|m| m.arn.clone());
    let attachable: Vec<String> = managed.iter().filter(|m| !m.boundary).map(|m| m.arn.clone()).collect();
    let mut roles = Vec::with_capacity(spec.roles);
    for j in 0..spec.roles {
        let app = App::new(spec.seed, j);
        let (role, mutated) = iam::export_role(spec.seed, &app, &attachable, boundary.as_deref(), p);
        summary.mutated_roles += usize::from(mutated);
        roles.push(role);
    }
    summary.export_roles = roles.len();
    summary.managed_policies = managed.len();
    let mut policies: Vec<Value> = managed.into_iter().map(|m| m.detail).collect();
    policies.extend(iam::aws_managed_details());
    iam::count_attachments(&mut policies, &roles);
    let export = obj! {
        "UserDetailList" => Value::Arr(Vec::new()),
        "GroupDetailList" => Value::Arr(Vec::new()),
        "RoleDetailList" => roles,
        "Policies" => policies,
    };
    emit(&mut summary, "iam/account-authorization-details.json".into(), json_file(&export, 4))?;

    // The state machines, application by application.
    let assignment = Assignment { machines: spec.machines, apps: spec.roles };
    for j in 0..spec.roles {
        let range = assignment.machines_of(j);
        if range.is_empty() {
            continue;
        }
        let app = App::new(spec.seed, j);
        let metas: Vec<(usize, MachineMeta)> =
            range.clone().map(|i| (i, MachineMeta::new(spec.seed, i, &app, spec.states_per_machine))).collect();
        let mut layout_rng = Rng::stream(spec.seed, Stream::Layout, 1 + j as u64);
        let mut i = range.start;
        let mut ordinal = 0;
        while i < range.end {
            // Two of three units are one describe output; the rest are templates of one to
            // three machines, so about half of the machines sit in each form.
            if layout_rng.chance(2.0 / 3.0) {
                let Some((_, meta)) = metas.iter().find(|(k, _)| *k == i) else { break };
                let children = children_of(&metas, i, &[]);
                let d = describe::describe(spec.seed, i, &app, meta, children, p);
                summary.describe_outputs += 1;
                summary.state_machines += 1;
                summary.states += d.states;
                summary.mutated_states += d.mutated_states;
                emit(&mut summary, format!("describe/{}.json", meta.name), d.text)?;
                i += 1;
            } else {
                let size = layout_rng.range(1, 3).min(range.end - i);
                let unit: Vec<&(usize, MachineMeta)> =
                    metas.iter().filter(|(k, _)| (i..i + size).contains(k)).collect();
                let mut logicals: Vec<(usize, String)> = Vec::new();
                for (k, meta) in &unit {
                    let taken: Vec<String> = logicals.iter().map(|(_, l)| l.clone()).collect();
                    logicals.push((*k, template::logical_id(meta, &taken)));
                }
                let members: Vec<Member<'_>> = unit
                    .iter()
                    .zip(&logicals)
                    .map(|((k, meta), (_, logical))| Member {
                        index: *k,
                        logical: logical.clone(),
                        meta,
                        children: children_of(&metas, *k, &logicals),
                    })
                    .collect();
                ordinal += 1;
                let built = template::build(spec.seed, &app, ordinal, &members, p);
                summary.templates += 1;
                summary.template_machines += built.machines;
                summary.state_machines += built.machines;
                summary.states += built.states;
                summary.mutated_states += built.mutated_states;
                summary.template_roles += built.roles;
                summary.mutated_roles += built.mutated_roles;
                emit(&mut summary, format!("templates/{}-wf{ordinal}.yaml", app.prefix), built.text)?;
                i += size;
            }
        }
    }
    Ok(summary)
}

/// Standard machines of the same application that machine `i` may start. Machines of the
/// same template are referenced by logical id, and only earlier ones (CloudFormation rejects
/// circular references).
fn children_of(metas: &[(usize, MachineMeta)], i: usize, same_template: &[(usize, String)]) -> Vec<Child> {
    metas
        .iter()
        .filter(|(k, meta)| *k != i && !meta.express)
        .filter_map(|(k, meta)| match same_template.iter().find(|(t, _)| t == k) {
            Some((t, logical)) if *t < i => Some(Child { name: meta.name.clone(), logical: Some(logical.clone()) }),
            Some(_) => None,
            None => Some(Child { name: meta.name.clone(), logical: None }),
        })
        .collect()
}

fn json_file(value: &Value, indent: usize) -> String {
    let mut text = value.to_json(indent);
    text.push('\n');
    text
}

/// Generates the organization in memory.
pub fn generate(spec: &OrgSpec) -> Result<(Vec<GeneratedFile>, Summary), GenerateError> {
    let mut files = Vec::new();
    let summary = generate_each(spec, &mut |f| {
        files.push(f);
        Ok(())
    })?;
    Ok((files, summary))
}

/// Generates the organization as in-memory documents for `stepguard::graph_from_documents`.
pub fn generate_documents(spec: &OrgSpec) -> Result<(Vec<stepguard::Document>, Summary), GenerateError> {
    let mut docs = Vec::new();
    let summary = generate_each(spec, &mut |f| {
        docs.push(stepguard::Document::new(f.path, f.text));
        Ok(())
    })?;
    Ok((docs, summary))
}

/// Writes the organization into `dir`, which must be absent or empty.
pub fn write_org(spec: &OrgSpec, dir: &Path) -> Result<Summary, GenerateError> {
    write_org_with(spec, dir, &mut |_| {})
}

/// Writes the organization into `dir` (absent or empty), showing each file to `observe`
/// before it is written.
pub fn write_org_with(
    spec: &OrgSpec,
    dir: &Path,
    observe: &mut dyn FnMut(&GeneratedFile),
) -> Result<Summary, GenerateError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenerateError::Io { path, source }
    };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(GenerateError::NotEmpty(dir.to_path_buf()));
        }
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut made: Vec<PathBuf> = Vec::new();
    generate_each(spec, &mut |file| {
        observe(&file);
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent()
            && !made.iter().any(|m| m == parent)
        {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
            made.push(parent.to_path_buf());
        }
        std::fs::write(&path, file.text).map_err(io(&path))
    })
}
