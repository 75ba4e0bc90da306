//! Finding input files: explicit files are always read; folders are walked in name order,
//! skipping `.git`, `target` and `node_modules`, keeping files that match the include globs and
//! none of the exclude globs.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use super::{Candidate, IngestOptions};
use crate::error::Error;

/// Files read when no include glob is given.
const DEFAULT_INCLUDE: &[&str] = &["**/*.json", "**/*.yaml", "**/*.yml", "**/*.template", "**/*.tf"];

/// Folders never walked into.
const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform", ".aws-sam", "cdk.out"];

fn glob_set(globs: &[String]) -> Result<GlobSet, Error> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| Error::Glob { glob: g.clone(), message: e.kind().to_string() })?;
        builder.add(glob);
        // A bare pattern such as `*.json` should also match below the top folder.
        if !g.contains('/')
            && let Ok(nested) = Glob::new(&format!("**/{g}"))
        {
            builder.add(nested);
        }
    }
    builder.build().map_err(|e| Error::Glob { glob: globs.join(", "), message: e.to_string() })
}

/// Lists the files to read, in a stable order.
pub(crate) fn discover(paths: &[PathBuf], options: &IngestOptions) -> Result<Vec<Candidate>, Error> {
    let include = if options.include.is_empty() {
        glob_set(&DEFAULT_INCLUDE.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())?
    } else {
        glob_set(&options.include)?
    };
    let exclude = glob_set(&options.exclude)?;
    let mut out = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|source| Error::Io { path: root.clone(), source })?;
        if meta.is_file() {
            out.push(Candidate { display: display(root), path: Some(root.clone()), explicit: true });
            continue;
        }
        let walker = WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter().filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            let relative = e.path().strip_prefix(root).unwrap_or(e.path());
            let skipped_dir = e.file_type().is_dir() && SKIPPED_DIRS.contains(&name.as_ref());
            e.depth() == 0 || (!skipped_dir && !exclude.is_match(relative))
        });
        for entry in walker {
            let entry = entry.map_err(|e| Error::Io {
                path: e.path().map_or_else(|| root.clone(), Path::to_path_buf),
                source: e.into_io_error().unwrap_or_else(|| std::io::Error::other("file system loop")),
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
            if include.is_match(relative) {
                out.push(Candidate {
                    display: display(entry.path()),
                    path: Some(entry.path().to_path_buf()),
                    explicit: false,
                });
            }
        }
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out.dedup_by(|a, b| a.display == b.display);
    Ok(out)
}

/// A path as shown to users and used in ids: `/`-separated, without a leading `./`.
fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
}
