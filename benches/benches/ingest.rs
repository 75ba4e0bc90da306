//! Ingest benchmarks on a synthetic organization.
//!
//! - `ingest/one_core`: parse + graph build of in-memory documents on one rayon thread,
//!   reported in MB/s (default 1,000 machines; `STEPGUARD_BENCH_MACHINES` to change).
//! - `ingest/org_from_disk`: `stepguard::graph` over the whole organization on disk with all
//!   cores (default 10,000 machines, generated under `target/tmp`;
//!   `STEPGUARD_BENCH_ORG_MACHINES` to change, or `STEPGUARD_BENCH_ORG=/path` to use an
//!   organization written by `stepguard-gen`).
//!
//! See `docs/benchmarks.md`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use stepguard_benches::{OrgSpec, generate_documents, write_org};

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| {
            eprintln!("note: `{name}={v}` is not a number; using {default}");
            default
        }),
        Err(_) => default,
    }
}

/// Prints how the ingest went once, before timing: readers still being written may reject
/// parts of the organization, and the timing then covers error reporting too.
fn note(what: &str, result: &Result<stepguard::FactGraph, stepguard::Error>) {
    match result {
        Ok(graph) => eprintln!(
            "note: {what}: {} sources, {} state machines, {} states, {} roles, {} policies",
            graph.sources.len(),
            graph.state_machines.len(),
            graph.states.len(),
            graph.roles.len(),
            graph.policies.len()
        ),
        Err(e) => {
            let errors = e.input_errors();
            eprintln!("note: {what}: ingest failed with {} input errors (timed anyway)", errors.len());
            for err in errors.iter().take(3) {
                eprintln!("note:   {}: {}", err.file(), err.message());
            }
        }
    }
}

/// Parse + graph build throughput on one core, over in-memory documents.
fn one_core(c: &mut Criterion) {
    let machines = env_usize("STEPGUARD_BENCH_MACHINES", 1_000);
    let (docs, summary) = match generate_documents(&OrgSpec::with_machines(machines)) {
        Ok(generated) => generated,
        Err(e) => {
            eprintln!("error: cannot generate the organization: {e}");
            return;
        }
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: cannot build a one-thread pool: {e}");
            return;
        }
    };
    let options = stepguard::IngestOptions::default();
    note("one core", &pool.install(|| stepguard::graph_from_documents(&docs, &options)));

    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(summary.bytes));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function(format!("one_core/{machines}_machines"), |b| {
        b.iter(|| pool.install(|| black_box(stepguard::graph_from_documents(black_box(&docs), &options))));
    });
    group.finish();
}

/// The whole organization from disk, all cores.
fn org_from_disk(c: &mut Criterion) {
    let (dir, bytes, label) = match std::env::var_os("STEPGUARD_BENCH_ORG") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let bytes = walk_bytes(&dir);
            (dir, bytes, "given".to_owned())
        }
        None => {
            let machines = env_usize("STEPGUARD_BENCH_ORG_MACHINES", 10_000);
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-org-{machines}"));
            // Our own scratch folder under target/; regenerated so it always matches the
            // generator being benchmarked.
            if dir.exists()
                && let Err(e) = std::fs::remove_dir_all(&dir)
            {
                eprintln!("error: cannot clear `{}`: {e}", dir.display());
                return;
            }
            match write_org(&OrgSpec::with_machines(machines), &dir) {
                Ok(summary) => (dir, summary.bytes, format!("{machines}_machines")),
                Err(e) => {
                    eprintln!("error: cannot write the organization: {e}");
                    return;
                }
            }
        }
    };
    let options = stepguard::IngestOptions::default();
    note("from disk", &stepguard::graph(&[&dir], &options));

    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(bytes));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function(format!("org_from_disk/{label}"), |b| {
        b.iter(|| black_box(stepguard::graph(black_box(&[&dir]), &options)));
    });
    group.finish();
}

fn walk_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => work.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

criterion_group! {
    name = one_core_group;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(15));
    targets = one_core
}

criterion_group! {
    name = org_from_disk_group;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_secs(3)).measurement_time(Duration::from_secs(40));
    targets = org_from_disk
}

criterion_main!(one_core_group, org_from_disk_group);
