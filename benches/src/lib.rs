//! # stepguard-benches
//!
//! Benchmarks for stepguard, and a generator of synthetic AWS organizations to run them on.
//!
//! The generator writes a realistic organization, deterministic from a seed: state machines
//! as SAM/CloudFormation YAML templates and as `aws stepfunctions describe-state-machine`
//! outputs, their execution roles as one `aws iam get-account-authorization-details` export
//! (plus roles that templates define), and service control policies with a stepguard
//! organization layout file. [`OrgSpec::mutate_percent`] gives the same organization with a
//! share of its states, roles and policies changed, for diff benchmarks.
//!
//! ```
//! let spec = stepguard_benches::OrgSpec { machines: 20, roles: 4, scps: 5, ..Default::default() };
//! let (files, summary) = stepguard_benches::generate(&spec)?;
//! assert_eq!(summary.state_machines, 20);
//! assert!(files.iter().any(|f| f.path == "organization.json"));
//! # Ok::<(), stepguard_benches::GenerateError>(())
//! ```
//!
//! The binary `stepguard-gen` writes an organization to a folder; see `docs/benchmarks.md`.

// The workspace does not deny this lint yet; the project's rules forbid indexing in library code.
#![deny(clippy::indexing_slicing)]

mod app;
mod asl;
mod check;
mod describe;
mod generate;
mod iam;
mod org;
mod refs;
mod rng;
mod template;
mod value;

pub use check::Census;
pub use generate::{
    GenerateError, GeneratedFile, OrgSpec, Summary, generate, generate_documents, generate_each, write_org,
    write_org_with,
};
