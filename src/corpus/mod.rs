//! Reading a corpus: finding the input files, streaming their records and
//! turning each record into a [`Document`].
//!
//! A folder is read recursively in file-name order (`*.txt` is one
//! document, `*.jsonl`, `*.jsonl.gz` and `*.jsonl.zst` one per line); `-`
//! is JSONL on standard input. Bad records never abort the run: they come
//! back as [`Warning`]s naming the file and line.

mod decode;
mod discover;
mod ids;
mod jsonl;
mod read;

pub use decode::decode;
pub use discover::{discover, Compression, FileKind, InputFile};
pub use ids::Ids;
pub use jsonl::parse_jsonl;
pub use read::{read_records, Record};

use serde::{Deserialize, Serialize};

use crate::config::InputConfig;

/// A problem with one input record or file, reported and counted, never
/// fatal.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// The file (as given or found under a given folder; `-` for stdin).
    pub path: String,
    /// 1-based line for JSONL records; absent for whole files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What happened and what was done about it.
    pub message: String,
}

/// One document as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Stable id: the JSONL id field, or the `.txt` path relative to its
    /// input folder.
    pub id: String,
    /// The source (site, outlet), when the data has one.
    pub source: Option<String>,
    /// The decoded text. All reported offsets are bytes into it.
    pub text: String,
}

/// Where a record came from: its file (index into the input list) and
/// 1-based line (0 for a `.txt` file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Index into the list of input files.
    pub file: u32,
    /// 1-based line, or 0 for a whole-file document.
    pub line: u64,
}

/// Turns one raw record into a document, or into warnings only when no
/// document can be made of it. A document is still made, with a warning,
/// when its text had to be decoded from another encoding or is empty.
pub fn parse_record(
    rec: &Record,
    file: &InputFile,
    cfg: &InputConfig,
) -> (Option<Document>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let line = (rec.line > 0).then_some(rec.line);
    let mut warn = |message: String| {
        warnings.push(Warning {
            path: file.display.clone(),
            line,
            message,
        });
    };
    let doc = match &file.kind {
        FileKind::Txt { id } => {
            let (text, enc) = decode(&rec.bytes);
            if let Some(enc) = enc {
                warn(format!(
                    "not valid UTF-8: decoded as {enc}; offsets refer to that UTF-8 decoding"
                ));
            }
            Some(Document {
                id: id.clone(),
                source: None,
                text,
            })
        }
        FileKind::Jsonl(_) => match parse_jsonl(&rec.bytes, cfg) {
            Ok(parsed) => {
                if let Some(enc) = parsed.encoding {
                    warn(format!(
                        "not valid UTF-8: line decoded as {enc}; offsets refer to that UTF-8 decoding"
                    ));
                }
                let id = parsed.id.unwrap_or_else(|| {
                    let id = format!("{}:{}", file.display, rec.line);
                    warn(format!("no `{}` field: id set to {id:?}", cfg.id_field));
                    id
                });
                if let Some(text) = parsed.text {
                    Some(Document {
                        id,
                        source: parsed.source,
                        text,
                    })
                } else {
                    warn(format!(
                        "no string `{}` field: record {id:?} kept as is, not compared",
                        cfg.text_field
                    ));
                    None
                }
            }
            Err(e) => {
                warn(format!(
                    "invalid JSON: {e}; record kept as is, not compared"
                ));
                None
            }
        },
    };
    if let Some(d) = &doc {
        if d.text.trim().is_empty() {
            warn(format!("document {:?} is empty", d.id));
        } else if d.text.len() > u32::MAX as usize / 2 {
            warn(format!(
                "document {:?} is {} bytes, over the 2 GiB limit: not compared",
                d.id,
                d.text.len()
            ));
            return (None, warnings);
        }
    }
    (doc, warnings)
}
