//! Policy bundles in the OPA bundle layout, plus Cedar files.
//!
//! A bundle is a folder: an optional `.manifest` (`revision`, `roots`, `metadata`), `data.json`
//! / `data.yaml` files mounted at their folder's path, `*.rego` policies, `*_test.rego` tests,
//! `*.cedar` policies and `*.cedartest.json` Cedar test cases. As in OPA, every package and data
//! path must sit under one of the bundle's roots, and the roots of two loaded bundles must not
//! overlap. A bundle without a manifest owns exactly the packages and data paths it contains.

use std::path::Path;

use serde_json::Value as Json;
use walkdir::WalkDir;

use super::rego_scan::{self, Scan};
use crate::doc::Limits;
use crate::error::{Error, InputError, InputErrorKind};
use crate::ingest::parse_text;

/// One file of a bundle: where it came from and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyFile {
    /// Display path (the bundle folder joined with the path inside it).
    pub(crate) path: String,
    /// Contents.
    pub(crate) text: String,
}

/// A Rego module with what the scanner found in it.
#[derive(Debug, Clone)]
pub(crate) struct RegoModule {
    pub(crate) file: PolicyFile,
    pub(crate) scan: Scan,
}

/// A loaded policy bundle.
// CAUTION: publicly exported
#[derive(Debug, Clone)]
pub struct Bundle {
    pub(crate) name: String,
    pub(crate) revision: Option<String>,
    pub(crate) roots: Vec<String>,
    pub(crate) metadata: Json,
    pub(crate) data: Json,
    pub(crate) rego: Vec<RegoModule>,
    pub(crate) rego_tests: Vec<RegoModule>,
    pub(crate) cedar: Vec<PolicyFile>,
    pub(crate) cedar_tests: Vec<PolicyFile>,
}

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_bundle.rs"));
}

impl Bundle {
    /// The built-in bundle, embedded in the binary at build time from `policies/stepguard/`.
    ///
    /// ```
    /// let bundle = stepguard::Bundle::builtin()?;
    /// assert_eq!(bundle.name(), "builtin");
    /// # Ok::<(), stepguard::Error>(())
    /// ```
    pub fn builtin() -> Result<Bundle, Error> {
        let files: Vec<(String, String)> =
            builtin::FILES.iter().map(|(path, text)| ((*path).to_owned(), (*text).to_owned())).collect();
        Bundle::from_files("builtin", files)
    }

    /// Loads a bundle from a folder.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Bundle, Error> {
        let dir = dir.as_ref();
        let meta = std::fs::metadata(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        if !meta.is_dir() {
            return Err(bundle_error(&dir.display().to_string(), None, "a bundle must be a folder"));
        }
        let mut files = Vec::new();
        let walker = WalkDir::new(dir).sort_by_file_name().into_iter().filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(e.file_type().is_dir() && (name.starts_with('.') || name == "target"))
        });
        for entry in walker {
            let entry = entry.map_err(|e| Error::Io {
                path: dir.to_path_buf(),
                source: e.into_io_error().unwrap_or_else(|| std::io::Error::other("file system loop")),
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            let relative = relative.to_string_lossy().replace('\\', "/");
            if !is_bundle_file(&relative) {
                continue;
            }
            let text = std::fs::read_to_string(entry.path())
                .map_err(|source| Error::Io { path: entry.path().to_path_buf(), source })?;
            files.push((relative, text));
        }
        let name = dir.display().to_string().replace('\\', "/");
        Bundle::from_files(name.trim_end_matches('/'), files)
    }

    /// Builds a bundle from in-memory files: `(path inside the bundle, text)` pairs.
    ///
    /// ```
    /// let bundle = stepguard::Bundle::from_files(
    ///     "mine",
    ///     vec![("policy.rego".into(), "package stepguard.mine\n\ndeny contains \"no\" if { false }\n".into())],
    /// )?;
    /// assert_eq!(bundle.name(), "mine");
    /// # Ok::<(), stepguard::Error>(())
    /// ```
    pub fn from_files(name: &str, files: Vec<(String, String)>) -> Result<Bundle, Error> {
        let mut errors = Vec::new();
        let mut bundle = Bundle {
            name: name.to_owned(),
            revision: None,
            roots: Vec::new(),
            metadata: Json::Null,
            data: Json::Object(serde_json::Map::new()),
            rego: Vec::new(),
            rego_tests: Vec::new(),
            cedar: Vec::new(),
            cedar_tests: Vec::new(),
        };
        let mut declared_roots: Option<Vec<String>> = None;
        let mut data_files: Vec<(String, Json, String)> = Vec::new();
        for (relative, text) in files {
            let display = format!("{name}/{relative}");
            let file_name = relative.rsplit('/').next().unwrap_or(&relative);
            let folder = relative.rsplit_once('/').map_or("", |(d, _)| d);
            if file_name == ".manifest" {
                match read_manifest(&display, &text) {
                    Ok(m) => {
                        bundle.revision = m.revision;
                        bundle.metadata = m.metadata;
                        declared_roots = m.roots;
                    }
                    Err(e) => errors.push(e),
                }
            } else if file_name == "data.json" || file_name == "data.yaml" || file_name == "data.yml" {
                match parse_text(&display, &text, &Limits::default()) {
                    Ok(node) => {
                        let value = node.to_json();
                        if !value.is_object() {
                            errors.push(InputError::new(
                                &display,
                                Some(node.line),
                                "",
                                InputErrorKind::Bundle,
                                "a data file must hold an object",
                            ));
                            continue;
                        }
                        let mount: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
                        data_files.push((mount.join("/"), value.clone(), display.clone()));
                        if let Err(message) = mount_data(&mut bundle.data, &mount, value) {
                            errors.push(InputError::new(&display, None, "", InputErrorKind::Bundle, message));
                        }
                    }
                    Err(e) => errors.push(InputError { kind: InputErrorKind::Bundle, ..e }),
                }
            } else if file_name.ends_with(".rego") {
                match rego_scan::scan(&text) {
                    Ok(scan) => {
                        if scan.package.is_none() {
                            errors.push(InputError::new(
                                &display,
                                Some(1),
                                "",
                                InputErrorKind::Policy,
                                "no `package` clause",
                            ));
                            continue;
                        }
                        let module = RegoModule { file: PolicyFile { path: display, text }, scan };
                        if file_name.ends_with("_test.rego") {
                            bundle.rego_tests.push(module);
                        } else {
                            bundle.rego.push(module);
                        }
                    }
                    Err((line, message)) => {
                        errors.push(InputError::new(&display, Some(line), "", InputErrorKind::Policy, message))
                    }
                }
            } else if file_name.ends_with(".cedartest.json") {
                bundle.cedar_tests.push(PolicyFile { path: display, text });
            } else if file_name.ends_with(".cedar") {
                bundle.cedar.push(PolicyFile { path: display, text });
            }
        }
        let declared = declared_roots.as_deref().unwrap_or(&[]);
        let owned: Vec<(String, String)> = bundle
            .rego
            .iter()
            .chain(bundle.rego_tests.iter())
            .filter_map(|m| m.scan.package.as_ref().map(|p| (p.replace('.', "/"), m.file.path.clone())))
            .chain(data_files.iter().flat_map(|(mount, value, file)| {
                owned_data_paths(mount, value, declared).into_iter().map(move |p| (p, file.clone()))
            }))
            .collect();
        match declared_roots {
            Some(roots) => {
                for (path, file) in &owned {
                    if !roots.iter().any(|r| under_root(path, r)) {
                        errors.push(InputError::new(
                            file,
                            None,
                            "",
                            InputErrorKind::Bundle,
                            format!(
                                "`{}` is outside the bundle's roots ({})",
                                path.replace('/', "."),
                                roots.join(", ")
                            ),
                        ));
                    }
                }
                bundle.roots = roots;
            }
            None => {
                let mut roots: Vec<String> = owned.into_iter().map(|(p, _)| p).collect();
                roots.sort();
                roots.dedup();
                bundle.roots = roots;
            }
        }
        if errors.is_empty() { Ok(bundle) } else { Err(Error::Input(errors)) }
    }

    /// The bundle's name (its folder, or `builtin`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The manifest's `revision`, when given.
    pub fn revision(&self) -> Option<&str> {
        self.revision.as_deref()
    }

    /// The roots the bundle owns (slash-separated).
    pub fn roots(&self) -> &[String] {
        &self.roots
    }
}

fn is_bundle_file(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    name == ".manifest"
        || name == "data.json"
        || name == "data.yaml"
        || name == "data.yml"
        || name.ends_with(".rego")
        || name.ends_with(".cedar")
        || name.ends_with(".cedartest.json")
}

struct Manifest {
    revision: Option<String>,
    roots: Option<Vec<String>>,
    metadata: Json,
}

fn read_manifest(display: &str, text: &str) -> Result<Manifest, InputError> {
    let node =
        parse_text(display, text, &Limits::default()).map_err(|e| InputError { kind: InputErrorKind::Bundle, ..e })?;
    let Some(members) = node.as_object() else {
        return Err(InputError::new(
            display,
            Some(node.line),
            "",
            InputErrorKind::Bundle,
            "the manifest must be an object",
        ));
    };
    let mut manifest = Manifest { revision: None, roots: None, metadata: Json::Null };
    for (key, value) in members {
        let pointer = format!("/{key}");
        match key.as_str() {
            "revision" => match value.as_str() {
                Some(r) => manifest.revision = Some(r.to_owned()),
                None => {
                    return Err(InputError::new(
                        display,
                        Some(value.line),
                        pointer,
                        InputErrorKind::Bundle,
                        "`revision` must be a string",
                    ));
                }
            },
            "roots" => {
                let roots = value
                    .as_array()
                    .and_then(|items| {
                        items
                            .iter()
                            .map(|i| i.as_str().map(|s| s.trim_matches('/').to_owned()))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| {
                        InputError::new(
                            display,
                            Some(value.line),
                            &pointer,
                            InputErrorKind::Bundle,
                            "`roots` must be an array of strings",
                        )
                    })?;
                manifest.roots = Some(roots);
            }
            "metadata" => manifest.metadata = value.to_json(),
            "rego_version" => {
                if value.as_u64() != Some(1) {
                    return Err(InputError::new(
                        display,
                        Some(value.line),
                        pointer,
                        InputErrorKind::Bundle,
                        "only `rego_version` 1 is supported",
                    ));
                }
            }
            "wasm" | "file_rego_versions" => {
                return Err(InputError::new(
                    display,
                    Some(value.line),
                    pointer,
                    InputErrorKind::Bundle,
                    format!("`{key}` is not supported"),
                ));
            }
            other => {
                return Err(InputError::new(
                    display,
                    Some(value.line),
                    pointer,
                    InputErrorKind::Bundle,
                    format!("unknown manifest field `{other}`"),
                ));
            }
        }
    }
    Ok(manifest)
}

/// Deep-merges `value` into `data` at `mount`; two files setting the same leaf is an error.
pub(crate) fn mount_data(data: &mut Json, mount: &[&str], value: Json) -> Result<(), String> {
    let mut target = data;
    for segment in mount {
        let Json::Object(map) = target else {
            return Err(format!("data path `{}` collides with a value", mount.join(".")));
        };
        target = map.entry((*segment).to_owned()).or_insert_with(|| Json::Object(serde_json::Map::new()));
    }
    merge_json(target, value, &mount.join("."))
}

fn merge_json(target: &mut Json, value: Json, path: &str) -> Result<(), String> {
    match (target, value) {
        (Json::Object(existing), Json::Object(incoming)) => {
            for (k, v) in incoming {
                let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match existing.get_mut(&k) {
                    Some(slot) => merge_json(slot, v, &child)?,
                    None => {
                        existing.insert(k, v);
                    }
                }
            }
            Ok(())
        }
        (_, _) => Err(format!("data path `{path}` is defined twice")),
    }
}

/// The data paths a data file claims: its mount joined with its keys, descending while the path
/// is a proper prefix of a declared root (so `{"acme": {"config": ..}}` fits root `acme/config`).
fn owned_data_paths(mount: &str, value: &Json, roots: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut work: Vec<(String, &Json)> = vec![(mount.to_owned(), value)];
    while let Some((path, value)) = work.pop() {
        let descend = path.is_empty() || roots.iter().any(|r| r.len() > path.len() && under_root(r, &path));
        match value {
            Json::Object(map) if descend => {
                for (k, v) in map {
                    let child = if path.is_empty() { k.clone() } else { format!("{path}/{k}") };
                    work.push((child, v));
                }
            }
            _ => out.push(path),
        }
    }
    out.sort();
    out
}

/// True when `path` is `root` or below it (segment-wise); the empty root owns everything.
fn under_root(path: &str, root: &str) -> bool {
    root.is_empty() || path == root || path.strip_prefix(root).is_some_and(|rest| rest.starts_with('/'))
}

/// True when two roots overlap (one is, or is below, the other).
fn roots_overlap(a: &str, b: &str) -> bool {
    under_root(a, b) || under_root(b, a)
}

/// Checks that no two bundles claim overlapping roots.
pub(crate) fn check_overlaps(bundles: &[Bundle]) -> Result<(), Error> {
    let mut errors = Vec::new();
    for (i, a) in bundles.iter().enumerate() {
        for b in bundles.iter().skip(i + 1) {
            for ra in &a.roots {
                if let Some(rb) = b.roots.iter().find(|rb| roots_overlap(ra, rb)) {
                    errors.push(bundle_error_line(
                        &b.name,
                        format!(
                            "root `{}` overlaps root `{}` of bundle `{}`",
                            display_root(rb),
                            display_root(ra),
                            a.name
                        ),
                    ));
                }
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::Input(errors)) }
}

fn display_root(root: &str) -> String {
    if root.is_empty() { "(everything)".to_owned() } else { root.to_owned() }
}

fn bundle_error(file: &str, line: Option<u32>, message: &str) -> Error {
    Error::Input(vec![InputError::new(file, line, "", InputErrorKind::Bundle, message)])
}

fn bundle_error_line(file: &str, message: String) -> InputError {
    InputError::new(file, None, "", InputErrorKind::Bundle, message)
}

/// All data of several bundles (and extra data documents) merged into one tree.
pub(crate) fn merged_data(bundles: &[Bundle], extra: &[(String, Json)]) -> Result<Json, Error> {
    let mut data = Json::Object(serde_json::Map::new());
    let mut errors = Vec::new();
    for b in bundles {
        if let Err(message) = merge_json(&mut data, b.data.clone(), "") {
            errors.push(bundle_error_line(&b.name, message));
        }
    }
    for (name, value) in extra {
        if let Err(message) = merge_json(&mut data, value.clone(), "") {
            errors.push(InputError::new(name, None, "", InputErrorKind::Bundle, message));
        }
    }
    if errors.is_empty() { Ok(data) } else { Err(Error::Input(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn data_mounts_at_its_folder_and_conflicts_are_errors() {
        let b = Bundle::from_files(
            "b",
            files(&[("data.json", r#"{"a": {"x": 1}}"#), ("a/data.yaml", "y: 2\n"), ("p.rego", "package a.p\n")]),
        )
        .unwrap();
        assert_eq!(b.data, serde_json::json!({"a": {"x": 1, "y": 2}}));
        let err =
            Bundle::from_files("b", files(&[("data.json", r#"{"a": {"y": 1}}"#), ("a/data.json", r#"{"y": 2}"#)]))
                .unwrap_err();
        assert!(err.to_string().contains("data path `a.y` is defined twice"), "{err}");
    }

    #[test]
    fn manifest_roots_are_enforced_and_overlaps_detected() {
        let manifest = r#"{"revision": "r1", "roots": ["acme/rules"]}"#;
        let err =
            Bundle::from_files("b", files(&[(".manifest", manifest), ("x.rego", "package other.x\n")])).unwrap_err();
        assert!(err.to_string().contains("`other.x` is outside the bundle's roots"), "{err}");
        let a =
            Bundle::from_files("a", files(&[(".manifest", manifest), ("x.rego", "package acme.rules.x\n")])).unwrap();
        assert_eq!(a.revision(), Some("r1"));
        let b = Bundle::from_files("b", files(&[("y.rego", "package acme.rules.x.y\n")])).unwrap();
        let c = Bundle::from_files("c", files(&[("z.rego", "package acme.other\n")])).unwrap();
        assert!(check_overlaps(&[a.clone(), c]).is_ok());
        let err = check_overlaps(&[a, b]).unwrap_err();
        assert!(err.to_string().contains("overlaps root `acme/rules` of bundle `a`"), "{err}");
    }

    #[test]
    fn malformed_manifests_and_modules_are_errors() {
        for (files_list, expected) in [
            (vec![(".manifest", r#"{"roots": "x"}"#)], "`roots` must be an array"),
            (vec![(".manifest", r#"{"color": 1}"#)], "unknown manifest field `color`"),
            (vec![("a.rego", "deny contains 1 if { true }\n")], "no `package` clause"),
            (vec![("data.json", "[1]")], "a data file must hold an object"),
        ] {
            let err = Bundle::from_files("b", files(&files_list)).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn builtin_bundle_loads() {
        let b = Bundle::builtin().unwrap();
        assert!(!b.rego.is_empty());
        assert!(b.roots.iter().all(|r| r.starts_with("stepguard/")), "{:?}", b.roots);
    }
}
