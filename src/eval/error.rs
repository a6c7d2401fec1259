//! The one error type of the evaluation module.

use std::path::PathBuf;

/// Everything that can go wrong while loading a report or gold labels, or
/// while scoring one against the other.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The report is not a readable schema-1 `neardup` report.
    #[error("{path}: invalid report: {message}")]
    Report {
        /// The report file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// One line of a gold file (JSONL line or XML row) is invalid.
    #[error("{path}:{line}: {message}")]
    GoldLine {
        /// The gold file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
    /// A gold file or folder is invalid as a whole.
    #[error("{path}: {message}")]
    Gold {
        /// The gold file or folder.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The report contradicts itself (e.g. a document in two clusters of
    /// one kind).
    #[error("inconsistent report: {message}")]
    InconsistentReport {
        /// What is inconsistent.
        message: String,
    },
    /// An evaluation option is invalid.
    #[error("invalid option: {message}")]
    Option {
        /// What is wrong with it.
        message: String,
    },
    /// A report passage does not fit the text of the document it names.
    #[error("document {document}: {message}")]
    Offset {
        /// The document (file name) concerned.
        document: String,
        /// What is wrong with the offsets.
        message: String,
    },
    /// The result could not be serialized to JSON.
    #[error("cannot serialize the evaluation result: {0}")]
    Json(#[from] serde_json::Error),
}

impl EvalError {
    /// Builds an [`EvalError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
