//! `stepguard-gen`: writes a synthetic AWS organization for benchmarks.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use stepguard_benches::{Census, GenerateError, OrgSpec, Summary, write_org, write_org_with};

/// Writes a synthetic AWS organization (state machines, roles, SCPs) to a folder.
///
/// The output is deterministic: the same options give byte-identical files.
#[derive(Debug, Parser)]
#[command(name = "stepguard-gen", version)]
struct Args {
    /// Folder to write; must not exist or be empty.
    #[arg(long)]
    out: PathBuf,
    /// Number of state machines.
    #[arg(long, default_value_t = 10_000)]
    machines: usize,
    /// Execution roles in the IAM export [default: machines / 5].
    #[arg(long)]
    roles: Option<usize>,
    /// Service control policies.
    #[arg(long, default_value_t = 50)]
    scps: usize,
    /// Average states per state machine.
    #[arg(long, default_value_t = 20)]
    states: usize,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Give this percentage of states, roles, managed policies and SCPs one change each
    /// (the same organization otherwise, for diff benchmarks).
    #[arg(long, default_value_t = 0.0)]
    mutate_percent: f64,
    /// Also read every file back and check it (JSON/YAML syntax, ASL, IAM, layout, counts).
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let spec = OrgSpec {
        seed: args.seed,
        machines: args.machines,
        roles: args.roles.unwrap_or((args.machines / 5).max(1)),
        scps: args.scps,
        states_per_machine: args.states,
        mutate_percent: args.mutate_percent,
    };
    match run(&spec, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes the organization; false when `--check` found problems.
fn run(spec: &OrgSpec, args: &Args) -> Result<bool, GenerateError> {
    let mut census = Census::default();
    let summary = if args.check {
        write_org_with(spec, &args.out, &mut |file| census.add(file))?
    } else {
        write_org(spec, &args.out)?
    };
    println!("{summary}");
    println!("written to {}", args.out.display());
    if !args.check {
        return Ok(true);
    }
    census.finish();
    let mismatches = compare(&summary, &census);
    for p in census.problems.iter().take(50) {
        eprintln!("problem: {p}");
    }
    for m in &mismatches {
        eprintln!("count mismatch: {m}");
    }
    let ok = census.problems.is_empty() && mismatches.is_empty();
    println!("state types:");
    for (kind, n) in &census.state_types {
        println!("  {kind:<40} {n:>9}");
    }
    println!("task integrations:");
    for (resource, n) in &census.integrations {
        println!("  {resource:<40} {n:>9}");
    }
    println!(
        "machines: {} JSONata, {} Express; states with Retry {}, with Catch {}",
        census.jsonata_machines, census.express_machines, census.states_with_retry, census.states_with_catch
    );
    println!(
        "templates: {} with DefinitionSubstitutions, {} with GetAtt, {} with Sub",
        census.templates_with_substitutions, census.templates_with_get_att, census.templates_with_sub
    );
    if ok {
        println!("check: every file parses and is valid; counts match");
    } else {
        eprintln!("check: {} problems, {} count mismatches", census.problems.len(), mismatches.len());
    }
    Ok(ok)
}

/// Differences between what the generator says it wrote and what reading it back found.
fn compare(s: &Summary, c: &Census) -> Vec<String> {
    let pairs = [
        ("files", s.files, c.files),
        ("state machines", s.state_machines, c.state_machines),
        ("states", s.states, c.states),
        ("describe outputs", s.describe_outputs, c.describe_outputs),
        ("templates", s.templates, c.templates),
        ("template machines", s.template_machines, c.template_machines),
        ("export roles", s.export_roles, c.export_roles),
        ("template roles", s.template_roles, c.template_roles),
        ("managed policies", s.managed_policies, c.managed_policies),
        ("SCPs", s.scps, c.scps),
        ("OUs", s.ous, c.ous),
        ("accounts", s.accounts, c.accounts),
    ];
    pairs.iter().filter(|(_, a, b)| a != b).map(|(what, a, b)| format!("{what}: generated {a}, found {b}")).collect()
}
