//! Finding input files under the given paths.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::Warning;
use crate::error::{Error, Result};

/// Compression of a JSONL file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (`.gz`), possibly multi-member.
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
}

/// What one input file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// One document, with this id.
    Txt {
        /// The document id: the path relative to the input folder.
        id: String,
    },
    /// One document per line.
    Jsonl(Compression),
}

/// One input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// Where to read it; `-` is standard input.
    pub path: PathBuf,
    /// How it is named in warnings.
    pub display: String,
    /// What it holds.
    pub kind: FileKind,
}

impl InputFile {
    /// True for standard input.
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == "-"
    }
}

#[allow(clippy::case_sensitive_file_extension_comparisons)] // lower-cased first
fn kind_of(path: &Path, id: impl FnOnce() -> String) -> Option<FileKind> {
    // Names are compared in lower case, so `README.TXT` is a `.txt` file.
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".txt") {
        Some(FileKind::Txt { id: id() })
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Some(FileKind::Jsonl(Compression::None))
    } else if name.ends_with(".jsonl.gz") || name.ends_with(".ndjson.gz") {
        Some(FileKind::Jsonl(Compression::Gzip))
    } else if name.ends_with(".jsonl.zst") || name.ends_with(".ndjson.zst") {
        Some(FileKind::Jsonl(Compression::Zstd))
    } else {
        None
    }
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Lists the input files under `paths`, in a stable order: each path in
/// turn, folders walked in file-name order. Files of other types inside a
/// folder are skipped; a file given by name must be of a supported type.
pub fn discover(paths: &[PathBuf]) -> Result<(Vec<InputFile>, Vec<Warning>)> {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for root in paths {
        if root.as_os_str() == "-" {
            files.push(InputFile {
                path: root.clone(),
                display: "-".into(),
                kind: FileKind::Jsonl(Compression::None),
            });
            continue;
        }
        let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
        if meta.is_file() {
            let display = root.to_string_lossy().into_owned();
            let kind = kind_of(root, || display.clone())
                .ok_or_else(|| Error::UnsupportedInput { path: root.clone() })?;
            files.push(InputFile {
                path: root.clone(),
                display,
                kind,
            });
            continue;
        }
        for entry in WalkDir::new(root).follow_links(true).sort_by_file_name() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().map_or_else(|| slash_path(root), slash_path);
                    warnings.push(Warning {
                        path,
                        line: None,
                        message: format!("cannot read: {e}; skipped"),
                    });
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap_or(path);
            if let Some(kind) = kind_of(path, || slash_path(rel)) {
                files.push(InputFile {
                    path: path.to_path_buf(),
                    display: path.to_string_lossy().into_owned(),
                    kind,
                });
            }
        }
    }
    Ok((files, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_folders_in_order_with_relative_ids() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/c")).expect("mkdir");
        for f in ["b/c/2.txt", "a.txt", "b/1.txt", "x.jsonl.gz", "README.md"] {
            std::fs::write(root.join(f), "x").expect("write");
        }
        let (files, warnings) = discover(&[root.to_path_buf()]).expect("discover");
        assert!(warnings.is_empty());
        let kinds: Vec<_> = files.iter().map(|f| f.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                FileKind::Txt { id: "a.txt".into() },
                FileKind::Txt {
                    id: "b/1.txt".into()
                },
                FileKind::Txt {
                    id: "b/c/2.txt".into()
                },
                FileKind::Jsonl(Compression::Gzip),
            ]
        );
    }

    #[test]
    fn named_file_of_unknown_type_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("notes.md");
        std::fs::write(&p, "x").expect("write");
        assert!(matches!(
            discover(&[p]),
            Err(Error::UnsupportedInput { .. })
        ));
        assert!(matches!(
            discover(&[dir.path().join("missing")]),
            Err(Error::Io { .. })
        ));
    }
}
