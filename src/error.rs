//! The library's error type.

use std::path::PathBuf;

/// Everything that can stop a neardup run. Per-record problems (a malformed
/// JSONL line, an undecodable file) are not errors: they become
/// [`Warning`](crate::report::Warning)s in the report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    // Not a `source` field: the message already says it, and error
    // reporters that walk the source chain would print it twice.
    #[error("{path}: {error}")]
    Io {
        /// The file concerned (`-` for standard input/output).
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// An input path is neither a folder nor a supported file.
    #[error(
        "{path}: unsupported input (expected a folder, *.txt, *.jsonl, *.jsonl.gz or *.jsonl.zst)"
    )]
    UnsupportedInput {
        /// The path given.
        path: PathBuf,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An index file is damaged, of another version, or was built with
    /// parameters that cannot answer the request.
    #[error("{path}: {message}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A gold-label or report file given to `eval` is malformed.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 when the whole file is concerned).
        line: u64,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
