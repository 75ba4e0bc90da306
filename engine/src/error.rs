//! Typed errors. The library returns them; the binary renders them, one line per problem.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong in the library.
// CAUTION: publicly exported
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// One or more inputs could not be read; each names its file, line and JSON pointer.
    #[error("{}", render_input_errors(.0))]
    Input(Vec<InputError>),
    /// A path given on the command line or through the API does not exist or cannot be listed.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An include or exclude glob is invalid.
    #[error("invalid glob `{glob}`: {message}")]
    Glob {
        /// The glob as given.
        glob: String,
        /// What is wrong with it.
        message: String,
    },
    /// A state machine named by id is not among the inputs.
    #[error("no state machine `{id}` among the inputs")]
    UnknownStateMachine {
        /// The id as given.
        id: String,
    },
}

fn render_input_errors(errors: &[InputError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

impl Error {
    /// The individual input problems, when this is an input error.
    pub fn input_errors(&self) -> &[InputError] {
        match self {
            Error::Input(errors) => errors,
            _ => &[],
        }
    }
}

/// What kind of input problem this is.
// CAUTION: publicly exported
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum InputErrorKind {
    /// The file could not be read from disk.
    Io,
    /// The file is not well-formed JSON, YAML or HCL.
    Syntax,
    /// The file is over the size limit or nests too deeply.
    Limit,
    /// A value has the wrong type or an unknown or missing field.
    Shape,
    /// The document is well-formed but of no kind stepguard reads.
    Unrecognized,
    /// The input names something stepguard cannot evaluate (a non-literal Terraform
    /// expression, a remote S3 definition).
    NotEvaluable,
    /// A policy bundle is malformed (manifest, roots, data files, layout).
    Bundle,
    /// A Rego or Cedar policy does not parse or does not validate against the schema.
    Policy,
    /// A policy failed while evaluating (builtin error, conflict, time limit).
    Evaluation,
    /// `stepguard.toml` or a waiver is malformed.
    Config,
}

impl InputErrorKind {
    /// A stable lowercase name for machine-readable output.
    pub fn as_str(self) -> &'static str {
        match self {
            InputErrorKind::Io => "io",
            InputErrorKind::Syntax => "syntax",
            InputErrorKind::Limit => "limit",
            InputErrorKind::Shape => "shape",
            InputErrorKind::Unrecognized => "unrecognized",
            InputErrorKind::NotEvaluable => "not_evaluable",
            InputErrorKind::Bundle => "bundle",
            InputErrorKind::Policy => "policy",
            InputErrorKind::Evaluation => "evaluation",
            InputErrorKind::Config => "config",
        }
    }
}

/// One problem in one input file, with the place it was found.
// CAUTION: publicly exported
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InputError {
    pub(crate) file: String,
    pub(crate) line: Option<u32>,
    pub(crate) column: Option<u32>,
    pub(crate) pointer: String,
    pub(crate) kind: InputErrorKind,
    pub(crate) message: String,
}

impl InputError {
    pub(crate) fn new(
        file: impl Into<String>,
        line: Option<u32>,
        pointer: impl Into<String>,
        kind: InputErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self { file: file.into(), line, column: None, pointer: pointer.into(), kind, message: message.into() }
    }

    pub(crate) fn with_column(mut self, column: u32) -> Self {
        self.column = Some(column);
        self
    }

    /// The file, as it was named by the caller.
    pub fn file(&self) -> &str {
        &self.file
    }
    /// The 1-based line, when known.
    pub fn line(&self) -> Option<u32> {
        self.line
    }
    /// The 1-based column, when known.
    pub fn column(&self) -> Option<u32> {
        self.column
    }
    /// The JSON pointer of the offending value (empty for the whole document).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }
    /// What kind of problem this is.
    pub fn kind(&self) -> InputErrorKind {
        self.kind
    }
    /// The problem, without the place.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InputError {
    /// `file:line:column: at /pointer: message`, the shape editors and CI annotators parse.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if self.pointer.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": at `{}`: {}", self.pointer, self.message)
        }
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_error_renders_file_line_pointer() {
        let e = InputError::new(
            "a/b.json",
            Some(7),
            "/States/X/Next",
            InputErrorKind::Shape,
            "expected a string, found a number",
        )
        .with_column(3);
        assert_eq!(e.to_string(), "a/b.json:7:3: at `/States/X/Next`: expected a string, found a number");
        let e = InputError::new("c.yaml", None, "", InputErrorKind::Io, "permission denied");
        assert_eq!(e.to_string(), "c.yaml: permission denied");
    }
}
