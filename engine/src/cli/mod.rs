//! The command-line front end: clap argument structs, then one function per command that calls
//! the library and renders the result. Exit status: 0 allow/success, 1 deny, 2 error.

mod args;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use args::{BundleArgs, Cli, Command, EvalArgs, GraphArgs, InputArgs, RulesArgs, SuggestPolicyArgs, TestArgs};

mod init;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// The command succeeded (or the decision is allow).
    Success,
    /// The decision is deny, or a gate tripped.
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
        Command::Eval(args) => eval(&args),
        Command::Rules(args) => rules(&args),
        Command::Test(args) => test(&args),
        Command::Init(args) => init::init(&args),
        Command::SuggestPolicy(args) => suggest_policy(&args),
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

fn ingest_options_with(args: &InputArgs, config: &stepguard::Config) -> stepguard::IngestOptions {
    let mut options = ingest_options(args);
    options.include.extend(config.include.iter().cloned());
    options.exclude.extend(config.exclude.iter().cloned());
    options
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
    let stdout = std::io::stdout().lock();
    if args.compact {
        graph.write_json_compact(stdout)?;
    } else {
        graph.write_json_pretty(stdout)?;
    }
    // Freeing millions of small allocations one by one only delays the exit.
    std::mem::forget(graph);
    Ok(ExitStatus::Success)
}

fn suggest_policy(args: &SuggestPolicyArgs) -> Result<ExitStatus, CliError> {
    let graph = stepguard::graph(&args.input.paths, &ingest_options(&args.input))?;
    let suggested = stepguard::suggest_policy(&graph, args.state_machine.as_deref())?;
    let mut json = serde_json::to_string_pretty(&suggested).map_err(std::io::Error::other)?;
    json.push('\n');
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(json.as_bytes())?;
    stdout.flush()?;
    Ok(ExitStatus::Success)
}

/// The configuration: `--config`, else `./stepguard.toml` when present, else defaults.
fn load_config(path: Option<&Path>) -> Result<stepguard::Config, CliError> {
    match path {
        Some(p) => Ok(stepguard::Config::from_file(p)?),
        None if Path::new("stepguard.toml").is_file() => Ok(stepguard::Config::from_file("stepguard.toml")?),
        None => Ok(stepguard::Config { builtin: true, ..stepguard::Config::default() }),
    }
}

/// Loads bundles and data and compiles the engine.
fn build_engine(args: &BundleArgs, config: &stepguard::Config) -> Result<stepguard::PolicyEngine, CliError> {
    let mut bundles = Vec::new();
    if config.builtin && !args.no_builtin {
        bundles.push(stepguard::Bundle::builtin()?);
    }
    let dirs: Vec<&PathBuf> = config.bundles.iter().chain(args.bundles.iter()).collect();
    for dir in dirs {
        bundles.push(stepguard::Bundle::from_dir(dir)?);
    }
    let mut options = stepguard::EngineOptions::default();
    let namespaces: Vec<String> = config.namespaces.iter().chain(args.namespaces.iter()).cloned().collect();
    if !namespaces.is_empty() {
        options.namespaces = namespaces;
    }
    if let Some(seconds) = args.timeout.or(config.timeout_seconds) {
        options.timeout = Duration::from_secs(seconds);
    }
    for file in config.data.iter().chain(args.data.iter()) {
        options.data.push((file.display().to_string(), stepguard::read_data_file(file)?));
    }
    Ok(stepguard::PolicyEngine::new(bundles, &options)?)
}

fn eval(args: &EvalArgs) -> Result<ExitStatus, CliError> {
    let config = load_config(args.bundle.config.as_deref())?;
    let engine = build_engine(&args.bundle, &config)?;
    let graph = stepguard::graph(&args.input.paths, &ingest_options_with(&args.input, &config))?;
    let fail_on = match &args.fail_on {
        Some(s) => s.parse::<stepguard::Severity>().map_err(|m| CliError::Io(std::io::Error::other(m)))?,
        None => config.fail_on.unwrap_or(stepguard::Severity::High),
    };
    let options = stepguard::EvalOptions { fail_on, waivers: config.waivers.clone(), today: None };
    let decision = engine.evaluate(&graph, &options)?;
    let format: stepguard::Format = args.format.parse().map_err(|m: String| CliError::Io(std::io::Error::other(m)))?;
    let rules = engine.rules();
    let mut report = stepguard::Report::new(&decision, &rules);
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    report.color = format == stepguard::Format::Text
        && match args.color.as_str() {
            "always" => true,
            "never" => false,
            _ => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        };
    if format == stepguard::Format::Text {
        report.snippets = snippets(&decision, &engine);
    }
    let rendered = report.render(format);
    match &args.output {
        Some(path) => std::fs::write(path, rendered)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(rendered.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(match decision.decision {
        stepguard::Verdict::Allow => ExitStatus::Success,
        stepguard::Verdict::Deny => ExitStatus::Findings,
    })
}

/// The source lines findings point at, read from disk and redacted, for quoting in text output.
fn snippets(decision: &stepguard::Decision, engine: &stepguard::PolicyEngine) -> BTreeMap<(String, u32), String> {
    let mut wanted: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for f in &decision.findings {
        if let (Some(file), Some(line)) = (&f.file, f.line) {
            wanted.entry(file.as_str()).or_default().push(line);
        }
    }
    let mut out = BTreeMap::new();
    for (file, lines) in wanted {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        let all: Vec<&str> = text.lines().collect();
        for line in lines {
            if let Some(l) = usize::try_from(line).ok().and_then(|n| n.checked_sub(1)).and_then(|i| all.get(i)) {
                // Long lines (a minified definition) are cut so the report stays readable.
                // Secrets are masked before cutting, so a cut cannot split one past recognition.
                let cut: String = engine.redact(l).chars().take(160).collect();
                out.insert((file.to_owned(), line), cut);
            }
        }
    }
    out
}

fn rules(args: &RulesArgs) -> Result<ExitStatus, CliError> {
    let config = load_config(args.bundle.config.as_deref())?;
    let engine = build_engine(&args.bundle, &config)?;
    let rules = engine.rules();
    let mut out = String::new();
    if args.format == "json" {
        out = serde_json::to_string_pretty(&rules).map_err(std::io::Error::other)?;
        out.push('\n');
    } else {
        use std::fmt::Write as _;
        let _ = writeln!(out, "{:<10} {:<9} {:<6} TITLE", "ID", "SEVERITY", "ENGINE");
        for r in &rules {
            let backend = match r.backend {
                stepguard::Backend::Rego => "rego",
                stepguard::Backend::Cedar => "cedar",
            };
            let _ = writeln!(out, "{:<10} {:<9} {:<6} {}", r.id, r.severity.as_str(), backend, r.title);
        }
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(ExitStatus::Success)
}

fn test(args: &TestArgs) -> Result<ExitStatus, CliError> {
    let bundles = args.bundles.iter().map(stepguard::Bundle::from_dir).collect::<Result<Vec<_>, _>>()?;
    let options = stepguard::TestOptions {
        run: args.run.clone(),
        coverage: args.coverage || args.min_coverage.is_some(),
        timeout: args.timeout.map(Duration::from_secs),
    };
    let report = stepguard::run_tests(&bundles, &options)?;
    let mut out = String::new();
    use std::fmt::Write as _;
    let below = match (args.min_coverage, report.coverage_percent()) {
        (Some(min), Some(actual)) if actual < min => Some((min, actual)),
        _ => None,
    };
    if args.format == "json" {
        let doc = serde_json::json!({
            "cases": report.cases,
            "coverage": report.coverage,
            "coverage_percent": report.coverage_percent(),
            "passed": report.passed(),
            "failed": report.failed(),
            "skipped": report.skipped(),
        });
        out = serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?;
        out.push('\n');
    } else {
        for case in &report.cases {
            let place = match case.line {
                Some(line) => format!("{}:{line}", case.file),
                None => case.file.clone(),
            };
            match case.outcome {
                stepguard::TestOutcome::Pass if args.verbose => {
                    let _ = writeln!(out, "PASS {} ({place})", case.name);
                }
                stepguard::TestOutcome::Skip if args.verbose => {
                    let _ = writeln!(out, "SKIP {} ({place})", case.name);
                }
                stepguard::TestOutcome::Fail | stepguard::TestOutcome::Error => {
                    let label = if case.outcome == stepguard::TestOutcome::Fail { "FAIL" } else { "ERROR" };
                    let _ = writeln!(out, "{label} {} ({place}): {}", case.name, case.message.as_deref().unwrap_or(""));
                }
                _ => {}
            }
        }
        if let Some(files) = &report.coverage {
            let _ = writeln!(out, "coverage:");
            for f in files {
                #[expect(clippy::cast_precision_loss, reason = "line counts are small")]
                let pct = if f.total == 0 { 100.0 } else { f.covered as f64 * 100.0 / f.total as f64 };
                let _ = writeln!(out, "  {pct:6.2}%  {}", f.file);
                if args.verbose && !f.not_covered.is_empty() {
                    let lines: Vec<String> = f.not_covered.iter().map(ToString::to_string).collect();
                    let _ = writeln!(out, "           not covered: lines {}", lines.join(", "));
                }
            }
            if let Some(total) = report.coverage_percent() {
                let _ = writeln!(out, "  {total:6.2}%  total");
            }
        }
        if let Some((min, actual)) = below {
            let _ = writeln!(out, "coverage {actual:.2}% is below the minimum of {min:.2}%");
        }
        let _ = write!(out, "{} passed, {} failed", report.passed(), report.failed());
        if report.skipped() > 0 {
            let _ = write!(out, ", {} skipped", report.skipped());
        }
        out.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(if report.failed() > 0 || below.is_some() { ExitStatus::Findings } else { ExitStatus::Success })
}
