//! Reading inputs into the fact graph.
//!
//! Files are found by walking the given paths (include/exclude globs, `.git` and `target`
//! skipped), parsed into [`Node`] trees, recognized by content (never by name, except that
//! `.tf` files are HCL), and handed to one reader per input form. Each reader fills a partial
//! [`FactGraph`]; the partial graphs are merged and cross-file references (a state machine's
//! role ARN, a role's managed policy ARN, an SCP attachment) are linked at the end.
//!
//! Files are read in parallel; results are merged in file-name order so output is stable.

mod asl_file;
mod cloudformation;
mod describe;
mod discover;
mod iam;
mod link;
mod organizations;
pub(crate) mod policy_doc;
mod sam_policies;
mod sniff;
pub(crate) mod symbolic;
mod terraform;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::doc::{Limits, Node, SyntaxError, parse_json, parse_yaml};
use crate::error::{Error, InputError, InputErrorKind};
use crate::model::{FactGraph, SourceFile};

pub(crate) use sniff::InputKind;

/// How to find and read inputs.
// CAUTION: publicly exported
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Globs a file must match (relative to the walked folder) to be read; empty means the
    /// default set of JSON, YAML and Terraform files.
    pub include: Vec<String>,
    /// Globs of files and folders to skip.
    pub exclude: Vec<String>,
    /// Per-file limits.
    pub limits: Limits,
}

/// An input held in memory: a name (used in ids and messages) and its text.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The name shown in messages and used in node ids, usually a relative path.
    pub name: String,
    /// The file's contents.
    pub text: String,
}

impl Document {
    /// A document from a name and its text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }
}

/// One file to read: its display name, the name used in ids, and whether the user named it
/// explicitly (an explicitly named file that is not a recognized input is an error; one found
/// by walking a folder is listed as unrecognized and skipped).
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) display: String,
    pub(crate) path: Option<PathBuf>,
    pub(crate) explicit: bool,
}

/// Everything a reader needs to know about the file it reads.
pub(crate) struct ReadContext<'a> {
    /// The file as shown to the user.
    pub(crate) file: &'a str,
    /// Per-file limits (also for files a reader opens, such as `DefinitionUri`).
    pub(crate) limits: &'a Limits,
    /// Other inputs, by display name, for readers that follow local references
    /// (`DefinitionUri`, `DefinitionS3Location`) when reading from memory.
    pub(crate) documents: &'a BTreeMap<String, &'a str>,
    /// The file's folder on disk, when it came from disk.
    pub(crate) dir: Option<&'a Path>,
    /// Files this reader pulled in through [`ReadContext::read_relative`]; they belong to this
    /// file, so their standalone reading (as a bare definition) is dropped after the merge.
    pub(crate) consumed: std::cell::RefCell<Vec<String>>,
}

impl<'a> ReadContext<'a> {
    /// A context for reading `file`.
    pub(crate) fn new(
        file: &'a str,
        limits: &'a Limits,
        documents: &'a BTreeMap<String, &'a str>,
        dir: Option<&'a Path>,
    ) -> Self {
        Self { file, limits, documents, dir, consumed: std::cell::RefCell::new(Vec::new()) }
    }

    /// Reads a file named relative to the current one and parses it (JSON or YAML by content).
    pub(crate) fn read_relative(&self, relative: &str, pointer: &str, line: u32) -> Result<(String, Node), InputError> {
        let display = join_display(self.file, relative);
        let text = if let Some(text) = self.documents.get(display.as_str()) {
            (*text).to_owned()
        } else if let Some(dir) = self.dir {
            let path = dir.join(relative);
            read_text(&path, &display, self.limits).map_err(|e| {
                InputError::new(
                    self.file,
                    Some(line),
                    pointer,
                    InputErrorKind::Io,
                    format!("cannot read `{relative}`: {}", e.message),
                )
            })?
        } else {
            return Err(InputError::new(
                self.file,
                Some(line),
                pointer,
                InputErrorKind::Io,
                format!("cannot read `{relative}`: not among the inputs"),
            ));
        };
        let node = parse_text(&display, &text, self.limits)?;
        self.consumed.borrow_mut().push(display.clone());
        Ok((display, node))
    }

    /// An error at `pointer` / `line` of this file.
    pub(crate) fn error(
        &self,
        line: u32,
        pointer: &str,
        kind: InputErrorKind,
        message: impl Into<String>,
    ) -> InputError {
        InputError::new(self.file, (line > 0).then_some(line), pointer, kind, message)
    }

    /// The error for a value of the wrong type.
    pub(crate) fn type_error(&self, node: &Node, pointer: &str, expected: &str) -> InputError {
        self.error(
            node.line,
            pointer,
            InputErrorKind::Shape,
            format!("expected {expected}, found {}", node.described_type()),
        )
    }
}

/// What one reader produced for one file.
pub(crate) struct ReadOutcome {
    pub(crate) graph: FactGraph,
    pub(crate) errors: Vec<InputError>,
    /// Files read on behalf of this one (see [`ReadContext::consumed`]).
    pub(crate) consumed: Vec<String>,
}

impl ReadOutcome {
    pub(crate) fn new() -> Self {
        Self { graph: FactGraph::default(), errors: Vec::new(), consumed: Vec::new() }
    }
}

/// Reads files and folders into one graph.
pub(crate) fn ingest_paths(paths: &[PathBuf], options: &IngestOptions) -> Result<FactGraph, Error> {
    let candidates = discover::discover(paths, options)?;
    let loaded: Vec<(Candidate, Result<String, InputError>)> = candidates
        .into_par_iter()
        .map(|c| {
            let text = match &c.path {
                Some(p) => read_text(p, &c.display, &options.limits),
                None => Err(InputError::new(&c.display, None, "", InputErrorKind::Io, "no such file")),
            };
            (c, text)
        })
        .collect();
    build(loaded, &options.limits)
}

/// Reads in-memory documents into one graph. Every document must be a recognized input.
pub(crate) fn ingest_documents(documents: &[Document], options: &IngestOptions) -> Result<FactGraph, Error> {
    let loaded = documents
        .iter()
        .map(|d| {
            let text = if d.text.len() as u64 > options.limits.max_file_bytes {
                Err(too_large(&d.name, d.text.len() as u64, &options.limits))
            } else {
                Ok(d.text.clone())
            };
            (Candidate { display: d.name.clone(), path: None, explicit: true }, text)
        })
        .collect();
    build(loaded, &options.limits)
}

fn build(loaded: Vec<(Candidate, Result<String, InputError>)>, limits: &Limits) -> Result<FactGraph, Error> {
    let texts: BTreeMap<String, &str> =
        loaded.iter().filter_map(|(c, t)| t.as_ref().ok().map(|t| (c.display.clone(), t.as_str()))).collect();
    let outcomes: Vec<ReadOutcome> = loaded
        .par_iter()
        .map(|(candidate, text)| match text {
            Ok(text) => read_one(candidate, text, limits, &texts),
            Err(e) => ReadOutcome { graph: FactGraph::default(), errors: vec![e.clone()], consumed: Vec::new() },
        })
        .collect();
    let consumed: std::collections::BTreeSet<String> =
        outcomes.iter().flat_map(|o| o.consumed.iter().cloned()).collect();
    let mut graph = FactGraph::default();
    let mut errors = Vec::new();
    for mut outcome in outcomes {
        if !consumed.is_empty() {
            drop_standalone_definitions(&mut outcome.graph, &consumed);
        }
        merge(&mut graph, outcome.graph, &mut errors);
        errors.extend(outcome.errors);
    }
    link::link(&mut graph);
    graph.canonicalize();
    if errors.is_empty() {
        crate::analysis::derive(&mut graph);
        Ok(graph)
    } else {
        errors.sort();
        errors.dedup();
        Err(Error::Input(errors))
    }
}

/// Removes the bare-definition reading of files that a template or other input already read
/// as its own definition, so each workflow appears once, under the input that declares it.
fn drop_standalone_definitions(graph: &mut FactGraph, consumed: &std::collections::BTreeSet<String>) {
    let dropped: Vec<String> = graph
        .state_machines
        .values()
        .filter(|m| m.origin == "asl" && consumed.contains(&m.id))
        .map(|m| m.id.clone())
        .collect();
    for id in &dropped {
        graph.state_machines.remove(id);
        graph.states.retain(|_, s| s.state_machine != *id);
        graph.edges.retain(|e| !(e.from == *id || e.from.starts_with(&format!("{id}/state/"))));
        graph
            .diagnostics
            .retain(|d| !(d.source.file == *id && d.node.as_deref().is_some_and(|n| n.starts_with(id.as_str()))));
    }
    for source in &mut graph.sources {
        if consumed.contains(&source.file) && source.kind == "asl" {
            source.kind = "asl-referenced".to_owned();
        }
    }
}

fn read_one(candidate: &Candidate, text: &str, limits: &Limits, texts: &BTreeMap<String, &str>) -> ReadOutcome {
    let file = candidate.display.as_str();
    let dir = candidate.path.as_deref().and_then(Path::parent);
    let ctx = ReadContext { file, limits, documents: texts, dir, consumed: std::cell::RefCell::new(Vec::new()) };
    let source = |kind: &str| SourceFile {
        file: file.to_owned(),
        kind: kind.to_owned(),
        sha256: hex_digest(text.as_bytes()),
        bytes: text.len() as u64,
    };
    let mut outcome = read_with(&ctx, candidate, text, limits, source);
    outcome.consumed = ctx.consumed.take();
    outcome
}

fn read_with(
    ctx: &ReadContext<'_>,
    candidate: &Candidate,
    text: &str,
    limits: &Limits,
    source: impl Fn(&str) -> SourceFile,
) -> ReadOutcome {
    let file = ctx.file;
    let mut outcome = ReadOutcome::new();
    if is_hcl(file) {
        outcome.graph.sources.push(source("terraform-hcl"));
        terraform::read_hcl(ctx, text, &mut outcome);
        return outcome;
    }
    let root = match parse_text(file, text, limits) {
        Ok(root) => root,
        Err(e) => {
            outcome.errors.push(e);
            return outcome;
        }
    };
    let kind = sniff::classify(&root);
    outcome.graph.sources.push(source(kind.as_str()));
    match kind {
        InputKind::Asl => asl_file::read(ctx, &root, &mut outcome),
        InputKind::Describe => describe::read(ctx, &root, &mut outcome),
        InputKind::CloudFormation => cloudformation::read(ctx, &root, &mut outcome),
        InputKind::TerraformJson => terraform::read_json(ctx, &root, &mut outcome),
        InputKind::IamPolicy
        | InputKind::IamRole
        | InputKind::IamRolePolicy
        | InputKind::IamPolicyVersion
        | InputKind::IamAuthorizationDetails => iam::read(ctx, kind, &root, &mut outcome),
        InputKind::OrgLayout | InputKind::OrgPolicy | InputKind::OrgListing => {
            organizations::read(ctx, kind, &root, &mut outcome);
        }
        InputKind::Unrecognized => {
            if candidate.explicit {
                outcome.errors.push(ctx.error(
                    root.line,
                    "",
                    InputErrorKind::Unrecognized,
                    "not a state machine definition, describe output, CloudFormation/SAM template, Terraform JSON, IAM document or organization file",
                ));
            }
        }
    }
    outcome
}

fn is_hcl(file: &str) -> bool {
    file.ends_with(".tf")
}

/// Parses text as JSON when it looks like JSON, else as YAML.
pub(crate) fn parse_text(file: &str, text: &str, limits: &Limits) -> Result<Node, InputError> {
    let first = text.trim_start_matches('\u{feff}').trim_start().chars().next();
    let parsed: Result<Node, SyntaxError> = match first {
        Some('{' | '[') => parse_json(text, limits),
        _ => parse_yaml(text, limits),
    };
    parsed.map_err(|e| {
        let kind = if e.message.starts_with("nesting deeper") || e.message.contains("expand to more") {
            InputErrorKind::Limit
        } else {
            InputErrorKind::Syntax
        };
        InputError::new(file, Some(e.line), e.pointer, kind, e.message).with_column(e.column)
    })
}

fn read_text(path: &Path, display: &str, limits: &Limits) -> Result<String, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(display, &e))?;
    if meta.len() > limits.max_file_bytes {
        return Err(too_large(display, meta.len(), limits));
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(display, &e))?;
    String::from_utf8(bytes).map_err(|e| {
        InputError::new(
            display,
            None,
            "",
            InputErrorKind::Syntax,
            format!("not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

fn io_error(display: &str, e: &std::io::Error) -> InputError {
    InputError::new(display, None, "", InputErrorKind::Io, e.to_string())
}

fn too_large(display: &str, size: u64, limits: &Limits) -> InputError {
    InputError::new(
        display,
        None,
        "",
        InputErrorKind::Limit,
        format!("file is {size} bytes, over the limit of {} bytes", limits.max_file_bytes),
    )
}

pub(crate) fn hex_digest(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    out
}

/// `relative` resolved against the folder of `file`, with `/` separators and `.`/`..` folded.
pub(crate) fn join_display(file: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = file.split('/').collect();
    parts.pop();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if matches!(parts.last(), None | Some(&"..")) {
                    parts.push("..");
                } else {
                    parts.pop();
                }
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Adds a partial graph to the whole; a node id defined twice is an error naming both places.
fn merge(into: &mut FactGraph, from: FactGraph, errors: &mut Vec<InputError>) {
    fn merge_map<T>(
        into: &mut BTreeMap<String, T>,
        from: BTreeMap<String, T>,
        what: &str,
        place: impl Fn(&T) -> (String, u32),
        errors: &mut Vec<InputError>,
    ) {
        for (id, node) in from {
            if let Some(existing) = into.get(&id) {
                let (file, line) = place(&node);
                let (first_file, first_line) = place(existing);
                errors.push(InputError::new(
                    file,
                    Some(line),
                    "",
                    InputErrorKind::Shape,
                    format!("{what} `{id}` is also defined at {first_file}:{first_line}"),
                ));
            } else {
                into.insert(id, node);
            }
        }
    }
    into.sources.extend(from.sources);
    merge_map(
        &mut into.state_machines,
        from.state_machines,
        "state machine",
        |n| (n.source.file.clone(), n.source.line),
        errors,
    );
    merge_map(&mut into.states, from.states, "state", |n| (n.source.file.clone(), n.source.line), errors);
    merge_map(&mut into.roles, from.roles, "role", |n| (n.source.file.clone(), n.source.line), errors);
    merge_map(&mut into.policies, from.policies, "policy", |n| (n.source.file.clone(), n.source.line), errors);
    merge_map(&mut into.resources, from.resources, "resource", |n| (n.source.file.clone(), n.source.line), errors);
    let org = from.organization;
    if org.root.is_some() {
        into.organization.root = org.root;
    }
    if org.management_account.is_some() {
        into.organization.management_account = org.management_account;
    }
    merge_map(
        &mut into.organization.ous,
        org.ous,
        "organizational unit",
        |n| (n.source.file.clone(), n.source.line),
        errors,
    );
    merge_map(
        &mut into.organization.accounts,
        org.accounts,
        "account",
        |n| (n.source.file.clone(), n.source.line),
        errors,
    );
    into.organization.attachments.extend(org.attachments);
    into.edges.extend(from.edges);
    into.diagnostics.extend(from.diagnostics);
    // `derived` is computed on the merged graph (`crate::analysis`), never by a reader.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_display_folds_relative_parts() {
        assert_eq!(join_display("a/b/template.yaml", "statemachine/x.asl.json"), "a/b/statemachine/x.asl.json");
        assert_eq!(join_display("a/b/template.yaml", "../c.json"), "a/c.json");
        assert_eq!(join_display("template.yaml", "./x.json"), "x.json");
        assert_eq!(join_display("template.yaml", "../x.json"), "../x.json");
    }

    #[test]
    fn digest_is_lowercase_hex_sha256() {
        assert_eq!(hex_digest(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
