//! Command-line arguments exactly as typed; resolution into options happens in `cli::mod`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Policy-as-code for AWS Step Functions workflows, their execution roles and SCPs.
///
/// stepguard reads state machine definitions, CloudFormation/SAM templates, Terraform,
/// IAM documents and organization SCPs, and normalizes them into one JSON fact graph.
///
/// Exit status: 0 success, 1 deny (policy findings), 2 error (unreadable input, bad usage).
#[derive(Debug, Parser)]
#[command(name = "stepguard", version, about, long_about, propagate_version = true, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the normalized fact graph of the inputs as JSON.
    ///
    /// Reads every input under PATH (files are recognized by content) and prints one JSON
    /// document: state machines, states, roles, policies, the organization, edges and
    /// structural diagnostics, each with its source file, line and JSON pointer. The output
    /// is byte-identical for the same inputs. Any unreadable input is reported as
    /// `file:line:col: at `/pointer`: message` on stderr, and the exit status is 2.
    Graph(GraphArgs),
    /// Evaluate policy bundles over the inputs and decide allow or deny.
    ///
    /// Builds the fact graph, evaluates the built-in bundle (embedded in the binary) and any
    /// `--bundle` folders (Rego and Cedar), applies waivers, and prints the findings. The
    /// decision is deny when an unwaived finding is at or above `--fail-on`. Reads
    /// `stepguard.toml` from the current folder when `--config` is not given.
    ///
    /// Exit status: 0 allow, 1 deny, 2 error (unreadable input or policy).
    Eval(EvalArgs),
    /// List every rule of the loaded bundles with its id, severity, backend and title.
    Rules(RulesArgs),
    /// Run the unit tests of policy bundles (`test_` rules of `*_test.rego`, Cedar test cases).
    ///
    /// Each BUNDLE folder is loaded with its policies, data and tests, as `opa test` does.
    /// Failing tests are printed with their file and reason; the last line is
    /// `N passed, N failed`. Exit status: 0 all passed, 1 a test failed or coverage is below
    /// `--min-coverage`, 2 a bundle could not be loaded.
    Test(TestArgs),
    /// Create a policy repository: a bundle with one rule and its test, a `stepguard.toml`,
    /// and a CI workflow. The result passes `stepguard test` as created.
    Init(InitArgs),
    /// Print least-privilege IAM policies for each state machine's execution role.
    ///
    /// Derives what every Task, distributed Map and the machine's own configuration need, and
    /// prints a JSON array with, per state machine: the permissions policy (exact ARNs where the
    /// definition names the target; `*` only for targets from state input or decided at run
    /// time, and for actions that support no resource, with the reason in the `Sid`), the trust
    /// policy (Step Functions, scoped with `aws:SourceArn` and `aws:SourceAccount`), and a policy
    /// for each role its Tasks assume through `Credentials`. Unknown partition, region or account
    /// appear as `{Partition}`, `{Region}`, `{Account}`.
    SuggestPolicy(SuggestPolicyArgs),
}

/// Options shared by every command that reads inputs.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Files or folders to read (folders are walked recursively).
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Only read files matching this glob (relative to the folder walked); repeatable.
    /// Default: *.json, *.yaml, *.yml, *.template, *.tf.
    #[arg(long, value_name = "GLOB")]
    pub(crate) include: Vec<String>,
    /// Skip files and folders matching this glob; repeatable. `.git`, `target`,
    /// `node_modules`, `.terraform`, `.aws-sam` and `cdk.out` are always skipped.
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// Largest input file accepted, in bytes [default: 67108864].
    #[arg(long, value_name = "BYTES")]
    pub(crate) max_file_bytes: Option<u64>,
    /// Deepest nesting accepted in a JSON/YAML document [default: 200].
    #[arg(long, value_name = "N")]
    pub(crate) max_depth: Option<usize>,
}

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Print compact JSON on one line instead of indented JSON.
    #[arg(long)]
    pub(crate) compact: bool,
}

/// Options for choosing bundles and data.
#[derive(Debug, Args)]
pub(crate) struct BundleArgs {
    /// A policy bundle folder (OPA layout: .manifest, data.json, *.rego, *.cedar); repeatable.
    /// Loaded in addition to the built-in bundle.
    #[arg(long = "bundle", short = 'b', value_name = "DIR")]
    pub(crate) bundles: Vec<PathBuf>,
    /// Do not load the built-in bundle.
    #[arg(long)]
    pub(crate) no_builtin: bool,
    /// A JSON or YAML file merged into `data`; repeatable.
    #[arg(long = "data", short = 'd', value_name = "FILE")]
    pub(crate) data: Vec<PathBuf>,
    /// Rego package prefix whose deny/warn/violation rules are evaluated; repeatable
    /// [default: stepguard.].
    #[arg(long = "namespace", value_name = "PREFIX")]
    pub(crate) namespaces: Vec<String>,
    /// Time limit for one rule's evaluation, in seconds [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub(crate) timeout: Option<u64>,
    /// Configuration file [default: ./stepguard.toml when it exists].
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    #[command(flatten)]
    pub(crate) bundle: BundleArgs,
    /// Output format.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "text",
          value_parser = ["text", "json", "sarif", "junit", "github", "markdown"])]
    pub(crate) format: String,
    /// Deny when an unwaived finding is at or above this severity [default: high].
    #[arg(long, value_name = "SEVERITY", value_parser = ["critical", "high", "medium", "low", "info"])]
    pub(crate) fail_on: Option<String>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// When to colour text output.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub(crate) color: String,
}

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(flatten)]
    pub(crate) bundle: BundleArgs,
    /// Output format: a table, or JSON.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub(crate) format: String,
}

#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// Bundle folders to test.
    #[arg(required = true, value_name = "BUNDLE")]
    pub(crate) bundles: Vec<PathBuf>,
    /// Print every test, not only failures.
    #[arg(long, short = 'v')]
    pub(crate) verbose: bool,
    /// Only run tests whose name matches this regular expression.
    #[arg(long, short = 'r', value_name = "REGEX")]
    pub(crate) run: Option<String>,
    /// Report Rego coverage per policy file.
    #[arg(long, short = 'c')]
    pub(crate) coverage: bool,
    /// Fail when total Rego coverage is below this percentage (implies --coverage).
    #[arg(long, value_name = "PERCENT")]
    pub(crate) min_coverage: Option<f64>,
    /// Time limit for one test, in seconds [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub(crate) timeout: Option<u64>,
    /// Output format.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub(crate) format: String,
}

#[derive(Debug, Args)]
pub(crate) struct SuggestPolicyArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Only this state machine (its id, as `stepguard graph` prints it).
    #[arg(long, value_name = "ID")]
    pub(crate) state_machine: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Folder to create the repository in (created if missing).
    #[arg(value_name = "DIR", default_value = ".")]
    pub(crate) dir: PathBuf,
}
