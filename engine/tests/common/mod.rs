//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside `#[test]` functions: a failure here is a test failure"
)]

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("engine/ has a parent").to_path_buf()
}

/// The shared third-party corpus, when it is present beside the repository.
pub fn corpus() -> Option<PathBuf> {
    let dir = repo_root().join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: ../shared/corpus is absent; skipping corpus checks");
        None
    }
}

/// Compares `actual` with the golden file at `testdata/<relative>`; with `UPDATE_GOLDEN=1`
/// in the environment, writes it instead.
pub fn check_golden(relative: &str, actual: &str) {
    let path = repo_root().join("testdata").join(relative);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read golden file {}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display())
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual);
        panic!(
            "{} differs from the output (run with UPDATE_GOLDEN=1 to accept):\n{}",
            path.display(),
            diff.unified_diff().context_radius(3)
        );
    }
}

/// Runs the library on `paths` with names relative to the repository root, so golden output
/// does not depend on where the checkout is.
pub fn graph_json(paths: &[&str]) -> Result<String, stepguard::Error> {
    let root = repo_root();
    let _guard = CWD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    std::env::set_current_dir(&root).unwrap();
    stepguard::graph(paths, &stepguard::IngestOptions::default()).map(|g| g.to_json_pretty())
}

pub static CWD_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
