//! Applications: a team's service with its AWS resources and one execution role in the IAM
//! export. State machines of an application call its resources, and the role grants them.

use crate::rng::{Rng, Stream};

/// The AWS account all workloads live in (the IAM export describes one account).
pub(crate) const WORKLOAD_ACCOUNT: &str = "222222222222";

pub(crate) const TEAMS: &[&str] = &[
    "payments",
    "orders",
    "billing",
    "catalog",
    "shipping",
    "identity",
    "risk",
    "ledger",
    "claims",
    "search",
    "analytics",
    "support",
    "pricing",
    "loyalty",
    "inventory",
    "notify",
    "media",
    "compliance",
];

pub(crate) const DOMAINS: &[&str] = &[
    "intake",
    "settlement",
    "refunds",
    "reconcile",
    "export",
    "ingest",
    "enrich",
    "audit",
    "onboarding",
    "renewal",
    "dispatch",
    "fraud",
    "reports",
    "sync",
    "archive",
    "returns",
    "quotes",
    "alerts",
];

pub(crate) const FLOWS: &[&str] = &[
    "pipeline",
    "workflow",
    "processor",
    "orchestrator",
    "saga",
    "backfill",
    "nightly",
    "handler",
    "fanout",
    "approval",
    "etl",
    "retry",
    "cleanup",
    "import",
];

pub(crate) const REGIONS: &[&str] = &["us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1"];

const FUNCTION_ROLES: &[&str] = &[
    "validate",
    "enrich",
    "transform",
    "score",
    "persist",
    "notify",
    "lookup",
    "render",
    "charge",
    "reserve",
    "classify",
    "summarize",
];

const TABLE_ROLES: &[&str] = &["state", "records", "ledger", "idempotency", "jobs", "customers", "events"];
const QUEUE_ROLES: &[&str] = &["work", "retry", "dlq", "callbacks", "outbound"];
const TOPIC_ROLES: &[&str] = &["alerts", "events", "status", "failures"];
const BUCKET_ROLES: &[&str] = &["input", "results", "archive", "manifests"];
const PARTNERS: &[&str] = &["acme", "globex", "initech", "umbrella", "stark", "wayne", "tyrell", "wonka"];

/// One application and its resources (all names are unique across the organization because
/// they include the application's number).
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub(crate) index: usize,
    pub(crate) team: &'static str,
    /// `team-domain-NNNN`, the prefix of every resource name.
    pub(crate) prefix: String,
    pub(crate) region: &'static str,
    pub(crate) functions: Vec<String>,
    pub(crate) tables: Vec<String>,
    pub(crate) queues: Vec<String>,
    pub(crate) topics: Vec<String>,
    pub(crate) buckets: Vec<String>,
    pub(crate) cluster: String,
    pub(crate) task_family: String,
    pub(crate) task_revision: usize,
    pub(crate) task_role: String,
    pub(crate) task_execution_role: String,
    pub(crate) subnets: Vec<String>,
    pub(crate) security_group: String,
    pub(crate) connection_name: String,
    pub(crate) connection_uuid: String,
    pub(crate) api_host: String,
    /// The execution role in the IAM export: name and path.
    pub(crate) role_name: String,
    pub(crate) role_path: &'static str,
}

fn distinct(rng: &mut Rng, pool: &[&'static str], lo: usize, hi: usize) -> Vec<&'static str> {
    let want = rng.range(lo, hi).min(pool.len());
    let mut picked: Vec<&'static str> = Vec::with_capacity(want);
    while picked.len() < want {
        let p = rng.pick(pool);
        if !picked.contains(&p) {
            picked.push(p);
        }
    }
    picked
}

impl App {
    /// Application `index` of the organization with `seed`.
    pub(crate) fn new(seed: u64, index: usize) -> Self {
        let mut rng = Rng::stream(seed, Stream::App, index as u64);
        let team = rng.pick(TEAMS);
        let domain = rng.pick(DOMAINS);
        let prefix = format!("{team}-{domain}-{index:04}");
        let region = rng.pick(REGIONS);
        let names = |rng: &mut Rng, pool, lo, hi| -> Vec<String> {
            distinct(rng, pool, lo, hi).into_iter().map(|r| format!("{prefix}-{r}")).collect()
        };
        let functions = names(&mut rng, FUNCTION_ROLES, 2, 6);
        let tables = names(&mut rng, TABLE_ROLES, 1, 3);
        let queues = names(&mut rng, QUEUE_ROLES, 1, 2);
        let topics = names(&mut rng, TOPIC_ROLES, 1, 2);
        let buckets = distinct(&mut rng, BUCKET_ROLES, 1, 2)
            .into_iter()
            .map(|r| format!("{prefix}-{r}-{WORKLOAD_ACCOUNT}"))
            .collect();
        let subnets = (0..rng.range(2, 3)).map(|_| format!("subnet-0{}", rng.hex(16))).collect();
        let security_group = format!("sg-0{}", rng.hex(16));
        let task_revision = rng.range(1, 40);
        let connection_uuid = rng.uuid();
        let partner = rng.pick(PARTNERS);
        let role_path = rng.pick(&["/service-role/", "/", "/workflows/"]);
        let role_name = if role_path == "/service-role/" {
            format!("StepFunctions-{prefix}-role")
        } else {
            format!("{prefix}-sfn-execution")
        };
        Self {
            index,
            team,
            region,
            functions,
            tables,
            queues,
            topics,
            buckets,
            cluster: format!("{prefix}-cluster"),
            task_family: format!("{prefix}-worker"),
            task_revision,
            task_role: format!("{prefix}-task"),
            task_execution_role: format!("{prefix}-task-execution"),
            subnets,
            security_group,
            connection_name: format!("{prefix}-{partner}-api"),
            connection_uuid,
            api_host: format!("api.{partner}.example.com"),
            role_name,
            role_path,
            prefix,
        }
    }

    /// The execution role's ARN.
    pub(crate) fn role_arn(&self) -> String {
        format!("arn:aws:iam::{WORKLOAD_ACCOUNT}:role{}{}", self.role_path, self.role_name)
    }

    /// The ARN of a state machine of this application.
    pub(crate) fn machine_arn(&self, name: &str) -> String {
        format!("arn:aws:states:{}:{WORKLOAD_ACCOUNT}:stateMachine:{name}", self.region)
    }
}

/// Which machines belong to which application: machines are split into `apps` contiguous
/// runs of nearly equal length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Assignment {
    pub(crate) machines: usize,
    pub(crate) apps: usize,
}

impl Assignment {
    /// The machines of application `app`, as a range of machine numbers.
    pub(crate) fn machines_of(&self, app: usize) -> std::ops::Range<usize> {
        if self.apps == 0 {
            return 0..0;
        }
        let start = (app * self.machines).div_ceil(self.apps);
        let end = ((app + 1) * self.machines).div_ceil(self.apps);
        start.min(self.machines)..end.min(self.machines)
    }
}

/// What kind of state machine machine `i` is, decided from its own stream so that any machine
/// can know another's name and type (for `states:startExecution` targets).
#[derive(Debug, Clone)]
pub(crate) struct MachineMeta {
    pub(crate) name: String,
    pub(crate) express: bool,
    pub(crate) jsonata: bool,
    /// States wanted: the average give or take 30%.
    pub(crate) target_states: usize,
}

impl MachineMeta {
    pub(crate) fn new(seed: u64, i: usize, app: &App, average_states: usize) -> Self {
        let mut rng = Rng::stream(seed, Stream::MachineMeta, i as u64);
        let express = rng.chance(0.15);
        let jsonata = rng.chance(0.2);
        let flow = rng.pick(FLOWS);
        let spread = average_states * 3 / 10;
        let target_states = rng.range(average_states - spread, average_states + spread);
        Self { name: format!("{}-{flow}-{i:05}", app.prefix), express, jsonata, target_states }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_covers_every_machine_once() {
        for (machines, apps) in [(10, 3), (7, 7), (100, 20), (5, 9), (0, 4)] {
            let a = Assignment { machines, apps };
            let mut seen = vec![0; machines];
            let mut previous_end = 0;
            for app in 0..apps {
                let range = a.machines_of(app);
                assert!(range.start == previous_end || range.is_empty(), "{machines}/{apps}: contiguous");
                assert!(range.len() <= machines.div_ceil(apps.max(1)), "{machines}/{apps}: balanced");
                previous_end = range.end.max(previous_end);
                for i in range {
                    seen[i] += 1;
                }
            }
            assert!(seen.iter().all(|n| *n == 1), "{machines}/{apps}: {seen:?}");
        }
    }

    #[test]
    fn names_fit_aws_limits() {
        for i in 0..200 {
            let app = App::new(9, i);
            assert!(app.role_name.len() <= 64, "{}", app.role_name);
            for b in &app.buckets {
                assert!(b.len() <= 63 && b.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            }
            for f in &app.functions {
                assert!(f.len() <= 64, "{f}");
            }
            let meta = MachineMeta::new(9, i * 5 + 99_999, &app, 20);
            assert!(meta.name.len() <= 80, "{}", meta.name);
        }
    }
}
