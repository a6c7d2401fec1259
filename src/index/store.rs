//! Reading and writing the segments of an index: the parameters, and
//! batches of documents stored as zstd-compressed blocks.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::codec;
use super::format::{self, Kind, Layout};
use super::params::Params;
use crate::config::InputConfig;
use crate::corpus::Document;
use crate::error::{Error, Result};

/// Documents per compressed block: blocks are compressed and decompressed
/// in parallel.
const BLOCK_DOCS: usize = 512;

/// A document as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredDoc {
    id: String,
    source: Option<String>,
    text: String,
}

/// The payload of a documents segment.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct DocsPayload {
    /// When the batch was added, in seconds since the Unix epoch.
    added: u64,
    /// The JSONL id, text and source field names it was read with.
    fields: [String; 3],
    /// Number of documents.
    documents: u64,
    /// Bytes of text.
    bytes: u64,
    /// `pack(Vec<StoredDoc>)` blocks of at most [`BLOCK_DOCS`] documents.
    blocks: Vec<Vec<u8>>,
}

/// What `index info` says about one documents segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SegmentInfo {
    /// When it was added, in seconds since the Unix epoch.
    pub added: u64,
    /// The JSONL id, text and source field names it was read with.
    pub fields: [String; 3],
    /// Its documents.
    pub documents: u64,
    /// Their bytes of text.
    pub text_bytes: u64,
    /// Its size in the file, frame included.
    pub stored_bytes: u64,
}

/// An index file, opened and checked: header, commit, every segment's
/// checksum, and the parameters.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    layout: Layout,
    params: Params,
    docs: Vec<DocsPayload>,
    file_len: u64,
}

fn bad(path: &Path, message: String) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        message,
    }
}

impl Index {
    /// Opens and checks the index at `path`.
    pub fn open(path: &Path) -> Result<Index> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let layout = format::parse(path, &bytes)?;
        let seg = |i: usize| &bytes[layout.segments[i].payload.clone()];
        let params: Params =
            codec::decode(seg(0)).map_err(|e| bad(path, format!("parameters segment: {e}")))?;
        let docs = (1..layout.segments.len())
            .map(|i| {
                codec::decode::<DocsPayload>(seg(i))
                    .map_err(|e| bad(path, format!("segment {}: {e}", i + 1)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Index {
            path: path.to_path_buf(),
            file_len: bytes.len() as u64,
            layout,
            params,
            docs,
        })
    }

    /// Where the index is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The parameters it was built with.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The committed layout.
    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The file's length, unfinished appends included.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// The committed length of the file.
    pub fn committed_len(&self) -> u64 {
        self.layout.commit.end
    }

    /// Number of indexed documents.
    pub fn len(&self) -> usize {
        self.docs.iter().map(|d| d.documents as usize).sum()
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Its documents segments.
    pub fn segments(&self) -> Vec<SegmentInfo> {
        self.docs
            .iter()
            .zip(&self.layout.segments[1..])
            .map(|(d, s)| SegmentInfo {
                added: d.added,
                fields: d.fields.clone(),
                documents: d.documents,
                text_bytes: d.bytes,
                stored_bytes: (format::FRAME_LEN + s.payload.len()) as u64,
            })
            .collect()
    }

    /// Every indexed document, in the order they were added.
    pub fn documents(&self) -> Result<Vec<Document>> {
        let blocks: Vec<(usize, &Vec<u8>)> = self
            .docs
            .iter()
            .enumerate()
            .flat_map(|(s, d)| d.blocks.iter().map(move |b| (s, b)))
            .collect();
        let decoded: Vec<Vec<StoredDoc>> = blocks
            .par_iter()
            .map(|&(s, b)| {
                codec::unpack::<Vec<StoredDoc>>(b)
                    .map_err(|e| bad(&self.path, format!("segment {}: {e}", s + 2)))
            })
            .collect::<Result<_>>()?;
        let mut out = Vec::with_capacity(self.len());
        for d in decoded.into_iter().flatten() {
            out.push(Document {
                id: d.id,
                source: d.source,
                text: d.text,
            });
        }
        if out.len() != self.len() {
            return Err(bad(
                &self.path,
                format!(
                    "corrupt: {} documents stored, {} counted",
                    out.len(),
                    self.len()
                ),
            ));
        }
        Ok(out)
    }
}

/// The framed parameters segment.
pub(crate) fn params_segment(path: &Path, params: &Params) -> Result<Vec<u8>> {
    let payload = codec::encode(params).map_err(|e| bad(path, e))?;
    Ok(format::frame(Kind::Params, &payload))
}

/// The framed segment of `docs`, read with the field names of `input`.
pub(crate) fn docs_segment(
    path: &Path,
    docs: &[Document],
    input: &InputConfig,
    added: u64,
) -> Result<Vec<u8>> {
    let blocks = docs
        .par_chunks(BLOCK_DOCS)
        .map(|chunk| {
            let stored: Vec<StoredDoc> = chunk
                .iter()
                .map(|d| StoredDoc {
                    id: d.id.clone(),
                    source: d.source.clone(),
                    text: d.text.clone(),
                })
                .collect();
            codec::pack(&stored)
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(|e| bad(path, e))?;
    let payload = DocsPayload {
        added,
        fields: [
            input.id_field.clone(),
            input.text_field.clone(),
            input.source_field.clone(),
        ],
        documents: docs.len() as u64,
        bytes: docs.iter().map(|d| d.text.len() as u64).sum(),
        blocks,
    };
    let payload = codec::encode(&payload).map_err(|e| bad(path, e))?;
    Ok(format::frame(Kind::Docs, &payload))
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One framed documents segment holding every block of `index`, in order.
pub(crate) fn merged_segment(index: &Index) -> Result<Vec<u8>> {
    let first = index.docs.first().map(|d| d.fields.clone());
    let fields = match first {
        Some(f) if index.docs.iter().all(|d| d.fields == f) => f,
        Some(_) => ["(mixed)".to_string(), "(mixed)".into(), "(mixed)".into()],
        None => [String::new(), String::new(), String::new()],
    };
    let payload = DocsPayload {
        added: index.docs.iter().map(|d| d.added).max().unwrap_or_else(now),
        fields,
        documents: index.docs.iter().map(|d| d.documents).sum(),
        bytes: index.docs.iter().map(|d| d.bytes).sum(),
        blocks: index
            .docs
            .iter()
            .flat_map(|d| d.blocks.iter().cloned())
            .collect(),
    };
    let payload = codec::encode(&payload).map_err(|e| bad(&index.path, e))?;
    Ok(format::frame(Kind::Docs, &payload))
}
