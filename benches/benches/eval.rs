//! Policy evaluation benchmarks on the synthetic organization (default 10,000 machines;
//! `STEPGUARD_BENCH_EVAL_MACHINES` to change), using all cores as `stepguard eval` does:
//!
//! - `eval/builtin`: the built-in bundle (Rego and Cedar) over the whole graph;
//! - `eval/rego_only` and `eval/cedar_only`: each engine alone, so the Cedar time divided by
//!   the request count (printed) gives the time per Cedar request.
//!
//! See `docs/benchmarks.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use stepguard::{Bundle, EngineOptions, EvalOptions, IngestOptions, PolicyEngine};
use stepguard_benches::{OrgSpec, generate_documents};

fn machines() -> usize {
    std::env::var("STEPGUARD_BENCH_EVAL_MACHINES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
}

/// The built-in bundle restricted to Rego or Cedar files (by path inside the bundle).
fn builtin_subset(keep: impl Fn(&str) -> bool) -> Bundle {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/stepguard");
    let mut files = Vec::new();
    for entry in walk(std::path::Path::new(dir)) {
        let relative = entry.strip_prefix(dir).unwrap_or(&entry).to_string_lossy().trim_start_matches('/').to_owned();
        let wanted = relative == ".manifest" || relative.ends_with("data.json") || keep(&relative);
        if wanted && let Ok(text) = std::fs::read_to_string(&entry) {
            files.push((relative, text));
        }
    }
    match Bundle::from_files("builtin-subset", files) {
        Ok(b) => b,
        Err(e) => panic_free_exit(&format!("cannot load the bundle subset: {e}")),
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn panic_free_exit(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

fn eval(c: &mut Criterion) {
    let n = machines();
    let graph = generate_documents(&OrgSpec::with_machines(n))
        .map_err(|e| e.to_string())
        .and_then(|(docs, _)| {
            stepguard::graph_from_documents(&docs, &IngestOptions::default()).map_err(|e| e.to_string())
        })
        .unwrap_or_else(|e| panic_free_exit(&e));
    let tasks = graph.states.values().filter(|s| s.state_type == "Task" && s.resource.is_some()).count();
    let requests = graph.state_machines.len() + graph.states.len() + tasks + graph.roles.len();
    eprintln!(
        "note: {} state machines, {} states, {} roles; {requests} Cedar requests per evaluation",
        graph.state_machines.len(),
        graph.states.len(),
        graph.roles.len()
    );
    let engines = [
        ("builtin", Bundle::builtin().unwrap_or_else(|e| panic_free_exit(&e.to_string()))),
        ("rego_only", builtin_subset(|p| p.ends_with(".rego") && !p.ends_with("_test.rego"))),
        ("cedar_only", builtin_subset(|p| p.ends_with(".cedar"))),
    ];
    let mut group = c.benchmark_group("eval");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(30));
    for (name, bundle) in engines {
        let engine = PolicyEngine::new(vec![bundle], &EngineOptions::default())
            .unwrap_or_else(|e| panic_free_exit(&e.to_string()));
        match engine.evaluate(&graph, &EvalOptions::default()) {
            Ok(d) => eprintln!("note: {name}: {} findings", d.findings.len()),
            Err(e) => panic_free_exit(&format!("{name}: {e}")),
        }
        group.bench_function(format!("{name}/{n}_machines"), |b| {
            b.iter(|| black_box(engine.evaluate(black_box(&graph), &EvalOptions::default())))
        });
    }
    group.finish();
}

criterion_group!(benches, eval);
criterion_main!(benches);
