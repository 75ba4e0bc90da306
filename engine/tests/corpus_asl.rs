//! Every state machine definition in the shared third-party corpus (`../shared/corpus/*/asl/`)
//! must ingest without a panic. The linter fixtures carry an expected verdict: asl-validator's
//! `valid-*` files must get no error-severity diagnostic and its `invalid-*` files at least one
//! diagnostic (or an input error); statelint fixtures are judged by the same rule, with the
//! invalid ones listed below from statelint's own spec. Set `STEPGUARD_CORPUS_VERBOSE=1` to
//! print every diagnostic.

mod common;

use std::path::Path;

use stepguard::{DiagnosticSeverity, Document, IngestOptions};

/// statelint fixtures its spec expects problems for (awslabs/statelint `spec/statelint_spec.rb`
/// and the fixtures' names): rules the linter enforces and Step Functions rejects.
const STATELINT_INVALID: &[&str] = &[
    "backoff-with-backoffrate-between-0-and-1",
    "backoff-with-backoffrate-negative",
    "backoff-with-invalid-jitter-on-retry",
    "invalid-backoff-with-jitter-on-retry",
    "choice-with-parameters",
    "choice-with-resultpath",
    "choice-with-resultselector",
    "empty-error-equals-on-catch",
    "empty-error-equals-on-retry",
    "fail-with-parameters",
    "fail-with-resultpath",
    "fail-with-resultselector",
    "fail-with-static-and-dynamic-cause",
    "fail-with-static-and-dynamic-error",
    "has-dupes",
    "invalid-function-invocation",
    "linked-parallel",
    "map-with-itemprocessor-and-iterator",
    "map-with-null-itemspath",
    "map-with-parameters-and-itemselector",
    "no-terminal",
    "parameter-path-problems",
    "pass-with-intrinsic-function-inputpath",
    "pass-with-resultselector",
    "states-array-invocation-leftpad",
    "succeed-with-parameters",
    "succeed-with-resultpath",
    "succeed-with-resultselector",
    "task-with-invalid-credentials",
    "task-with-static-and-dynamic-heartbeat",
    "task-with-static-and-dynamic-timeout",
    "wait-with-parameters",
    "wait-with-resultpath",
    "wait-with-resultselector",
];

/// asl-validator `valid-*` files that stepguard rejects on purpose, with the codes expected.
const VALID_BUT_REJECTED: &[(&str, &str)] = &[
    // A `JSONPath` state inside a machine whose top-level `QueryLanguage` is `JSONata`: the
    // Step Functions documentation (and the CDK, which refuses to synthesize it) say a JSONata
    // machine cannot contain JSONPath states.
    ("valid-map-with-item-batcher-jsonata", "ASL_QUERY_LANGUAGE_MIXED"),
];

/// asl-validator `invalid-*` files that stepguard accepts on purpose.
const INVALID_BUT_ACCEPTED: &[&str] = &[
    // asl-validator requires a space after `{%` and before `%}` and a single-line expression.
    // Step Functions only requires the value to start with `{%` and end with `%}`; `{%10%}` and
    // a multi-line expression are accepted by the service, so flagging them would be a false
    // positive on real definitions.
    "invalid-json-surround-syntax-extra-spaces",
    "invalid-jsonata-surround-syntax-no-spaces",
];

#[derive(Default)]
struct Tally {
    files: usize,
    ingested: usize,
    input_errors: usize,
    diagnostics: usize,
    error_diagnostics: usize,
    expected_invalid: usize,
    invalid_caught: usize,
    expected_valid: usize,
    valid_clean: usize,
}

enum Verdict {
    Valid,
    Invalid,
    Unknown,
}

fn verdict(source: &str, stem: &str) -> Verdict {
    match source {
        "asl-validator" => {
            let name = stem.rsplit("__").next().unwrap_or(stem);
            if name.starts_with("invalid-") {
                Verdict::Invalid
            } else if name.starts_with("valid-") {
                Verdict::Valid
            } else {
                Verdict::Unknown
            }
        }
        "statelint" => {
            let name = stem.strip_prefix("test__").unwrap_or(stem);
            if STATELINT_INVALID.contains(&name) { Verdict::Invalid } else { Verdict::Valid }
        }
        _ => Verdict::Unknown,
    }
}

#[test]
fn corpus_definitions_ingest_and_linter_fixtures_get_their_verdict() {
    let Some(corpus) = common::corpus() else { return };
    let verbose = std::env::var_os("STEPGUARD_CORPUS_VERBOSE").is_some();
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    let mut sources: Vec<_> = std::fs::read_dir(&corpus).expect("corpus is listable").flatten().collect();
    sources.sort_by_key(std::fs::DirEntry::file_name);
    for source in sources {
        let asl_dir = source.path().join("asl");
        if !asl_dir.is_dir() {
            continue;
        }
        let source_name = source.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(&asl_dir).expect("asl folder is listable").flatten().collect();
        files.sort_by_key(std::fs::DirEntry::file_name);
        for file in files {
            let path = file.path();
            let text = std::fs::read_to_string(&path).expect("corpus file is UTF-8");
            check_file(&source_name, &path, text, verbose, &mut tally, &mut failures);
        }
    }
    println!(
        "corpus asl: {} files, {} ingested, {} with input errors, {} diagnostics ({} errors); \
         invalid fixtures caught {}/{}; valid fixtures clean {}/{}",
        tally.files,
        tally.ingested,
        tally.input_errors,
        tally.diagnostics,
        tally.error_diagnostics,
        tally.invalid_caught,
        tally.expected_invalid,
        tally.valid_clean,
        tally.expected_valid,
    );
    assert!(tally.files > 0, "the corpus has no asl files");
    assert!(failures.is_empty(), "{} corpus verdicts failed:\n{}", failures.len(), failures.join("\n"));
}

fn check_file(source: &str, path: &Path, text: String, verbose: bool, tally: &mut Tally, failures: &mut Vec<String>) {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let short = stem.rsplit("__").next().unwrap_or(&stem).to_owned();
    let name = format!("{source}/{}", path.file_name().map(|s| s.to_string_lossy()).unwrap_or_default());
    tally.files += 1;
    let result = stepguard::graph_from_documents(&[Document::new(&name, text)], &IngestOptions::default());
    let verdict = verdict(source, &stem);
    let (diagnostics, input_error) = match &result {
        Ok(graph) => {
            tally.ingested += 1;
            (graph.diagnostics.clone(), None)
        }
        Err(e) => {
            tally.input_errors += 1;
            (Vec::new(), Some(e.to_string()))
        }
    };
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.severity == DiagnosticSeverity::Error).collect();
    tally.diagnostics += diagnostics.len();
    tally.error_diagnostics += errors.len();
    if verbose {
        if let Some(e) = &input_error {
            println!("{name}: input error: {e}");
        }
        for d in &diagnostics {
            println!("{name}:{}: {:?} {} {}", d.source.line, d.severity, d.code, d.message);
        }
    }
    match verdict {
        Verdict::Valid => {
            tally.expected_valid += 1;
            if let Some((_, code)) = VALID_BUT_REJECTED.iter().find(|(n, _)| *n == short) {
                if errors.iter().all(|d| d.code == *code) && !errors.is_empty() {
                    tally.valid_clean += 1;
                } else {
                    failures.push(format!("{name}: allowlisted as {code}, found {:?}", codes(&errors)));
                }
            } else if let Some(e) = input_error {
                failures.push(format!("{name}: valid fixture failed to ingest: {e}"));
            } else if errors.is_empty() {
                tally.valid_clean += 1;
            } else {
                let list: Vec<String> = errors.iter().map(|d| format!("  {} {}", d.code, d.message)).collect();
                failures.push(format!("{name}: valid fixture got errors:\n{}", list.join("\n")));
            }
        }
        Verdict::Invalid => {
            tally.expected_invalid += 1;
            let caught = input_error.is_some() || !diagnostics.is_empty();
            if caught {
                tally.invalid_caught += 1;
            }
            let accepted = source == "asl-validator" && INVALID_BUT_ACCEPTED.contains(&short.as_str());
            match (caught, accepted) {
                (false, false) => failures.push(format!("{name}: invalid fixture got no diagnostic")),
                (true, true) => failures.push(format!("{name}: allowlisted as accepted but now caught; drop it")),
                _ => {}
            }
        }
        Verdict::Unknown => {}
    }
}

fn codes(diagnostics: &[&stepguard::Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| d.code.clone()).collect()
}
