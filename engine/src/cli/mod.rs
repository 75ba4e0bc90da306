//! The command-line front end: clap argument structs, then one function per command that calls
//! the library and renders the result. Exit status: 0 allow/success, 1 deny, 2 error.

mod args;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, GraphArgs, InputArgs};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// The command succeeded (or the decision is allow).
    Success,
    /// The decision is deny, or a gate tripped.
    #[allow(dead_code, reason = "used by `eval` and `diff`")]
    Findings,
    /// Input could not be read, or usage was wrong.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Findings => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitStatus::Error.into() } else { ExitStatus::Success.into() };
        }
    };
    let result = match cli.command {
        Command::Graph(args) => graph(&args),
    };
    match result {
        Ok(status) => status.into(),
        Err(CliError::BrokenPipe) => ExitStatus::Success.into(),
        Err(CliError::Library(e)) => {
            let mut stderr = std::io::stderr().lock();
            for line in e.to_string().lines() {
                let _ = writeln!(stderr, "error: {line}");
            }
            ExitStatus::Error.into()
        }
        Err(CliError::Io(e)) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitStatus::Error.into()
        }
    }
}

#[derive(Debug)]
enum CliError {
    Library(stepguard::Error),
    Io(std::io::Error),
    /// The reader of our output went away (`stepguard graph | head`): not a failure.
    BrokenPipe,
}

impl From<stepguard::Error> for CliError {
    fn from(e: stepguard::Error) -> Self {
        CliError::Library(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe { CliError::BrokenPipe } else { CliError::Io(e) }
    }
}

fn ingest_options(args: &InputArgs) -> stepguard::IngestOptions {
    let mut limits = stepguard::Limits::default();
    if let Some(bytes) = args.max_file_bytes {
        limits.max_file_bytes = bytes;
    }
    if let Some(depth) = args.max_depth {
        limits.max_depth = depth;
    }
    stepguard::IngestOptions { include: args.include.clone(), exclude: args.exclude.clone(), limits }
}

fn graph(args: &GraphArgs) -> Result<ExitStatus, CliError> {
    let graph = stepguard::graph(&args.input.paths, &ingest_options(&args.input))?;
    let json = if args.compact {
        let mut s = serde_json::to_string(&graph).map_err(std::io::Error::other)?;
        s.push('\n');
        s
    } else {
        graph.to_json_pretty()
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(json.as_bytes())?;
    stdout.flush()?;
    Ok(ExitStatus::Success)
}
