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
