//! Embeds the built-in policy bundle (`policies/stepguard/`) so the binary works from any folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, root, out)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            out.push((relative.to_string_lossy().replace('\\', "/"), path.clone()));
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(std::io::Error::other)?);
    let bundle = manifest_dir.join("../policies/stepguard");
    println!("cargo:rerun-if-changed={}", bundle.display());
    let mut files = Vec::new();
    if bundle.is_dir() {
        collect(&bundle, &bundle, &mut files)?;
    }
    let mut code = String::from(
        "/// Files of the built-in bundle: (path inside the bundle, contents).\npub(crate) const FILES: &[(&str, &str)] = &[\n",
    );
    for (relative, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let absolute = path.canonicalize()?;
        writeln!(code, "    ({relative:?}, include_str!({:?})),", absolute.display().to_string())
            .map_err(std::io::Error::other)?;
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(std::io::Error::other)?).join("builtin_bundle.rs");
    std::fs::write(out, code)
}
