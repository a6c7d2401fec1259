//! Reading and writing the segments of an index: the parameters, batches
//! of documents stored as zstd-compressed blocks, and analysis segments
//! (read in place, see `analysis.rs`).

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::codec;
use super::format::{self, Kind, Layout};
use super::params::Params;
use crate::config::InputConfig;
use crate::corpus::Document;
use crate::error::{Error, Result};

/// Documents per compressed block in format 1 files.
const BLOCK_DOCS: usize = 512;

/// A document as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredDoc {
    id: String,
    source: Option<String>,
    text: String,
}

/// The payload of a documents segment in a format 1 file, its blocks
/// borrowed (a block is serialized as a length and its bytes).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct DocsPayload<'a> {
    /// When the batch was added, in seconds since the Unix epoch.
    added: u64,
    /// The JSONL id, text and source field names it was read with.
    fields: [String; 3],
    /// Number of documents.
    documents: u64,
    /// Bytes of text.
    bytes: u64,
    /// `pack(Vec<StoredDoc>)` blocks of at most [`BLOCK_DOCS`] documents.
    #[serde(borrow)]
    blocks: Vec<&'a [u8]>,
}

/// The payload of a documents segment in a format 2 file: one zstd frame
/// per document, so that a query decompresses only the indexed documents
/// it reads, compressed with a dictionary trained on the segment's
/// documents (about as small as large blocks).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct FramesPayload<'a> {
    /// When the batch was added, in seconds since the Unix epoch.
    added: u64,
    /// The JSONL id, text and source field names it was read with.
    fields: [String; 3],
    /// Number of documents.
    documents: u64,
    /// Bytes of text.
    bytes: u64,
    /// zstd dictionaries (an empty one: none).
    #[serde(borrow)]
    dicts: Vec<&'a [u8]>,
    /// Each document: its dictionary (index into `dicts`) and its frame,
    /// `zstd(encode(StoredDoc))`.
    #[serde(borrow)]
    docs: Vec<(u32, &'a [u8])>,
}

type Span = std::ops::Range<usize>;

/// Where a documents segment's documents are in the file.
#[derive(Clone, Debug)]
enum Stored {
    /// Format 1: blocks of documents.
    Blocks(Vec<Span>),
    /// Format 2: dictionaries, and one frame per document.
    Frames {
        dicts: Vec<Span>,
        docs: Vec<(u32, Span)>,
    },
}

/// What opening keeps of a documents segment.
#[derive(Clone, Debug)]
struct DocsMeta {
    added: u64,
    fields: [String; 3],
    documents: u64,
    bytes: u64,
    stored: Stored,
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
/// checksum, and the parameters. It keeps the file's bytes: documents are
/// decompressed and analysis segments read in place when asked for.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    bytes: Vec<u8>,
    layout: Layout,
    params: Params,
    docs: Vec<DocsMeta>,
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
        let base = bytes.as_ptr() as usize;
        let span = |b: &[u8]| {
            let at = b.as_ptr() as usize - base;
            at..at + b.len()
        };
        let docs = (1..layout.segments.len())
            .filter(|&i| layout.segments[i].kind == Kind::Docs)
            .map(|i| {
                let what = |e: String| bad(path, format!("segment {}: {e}", i + 1));
                if layout.version < 2 {
                    let p = codec::decode::<DocsPayload>(seg(i)).map_err(what)?;
                    return Ok(DocsMeta {
                        added: p.added,
                        fields: p.fields,
                        documents: p.documents,
                        bytes: p.bytes,
                        stored: Stored::Blocks(p.blocks.iter().map(|b| span(b)).collect()),
                    });
                }
                let p = codec::decode::<FramesPayload>(seg(i)).map_err(what)?;
                if p.docs.len() as u64 != p.documents
                    || p.docs.iter().any(|d| d.0 as usize >= p.dicts.len())
                {
                    return Err(what("documents and their frames disagree".into()));
                }
                Ok(DocsMeta {
                    added: p.added,
                    fields: p.fields,
                    documents: p.documents,
                    bytes: p.bytes,
                    stored: Stored::Frames {
                        dicts: p.dicts.iter().map(|b| span(b)).collect(),
                        docs: p.docs.iter().map(|&(d, b)| (d, span(b))).collect(),
                    },
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Index {
            path: path.to_path_buf(),
            file_len: bytes.len() as u64,
            bytes,
            layout,
            params,
            docs,
        })
    }

    /// The file's format version.
    pub fn version(&self) -> u32 {
        self.layout.version
    }

    /// The payloads of the analysis segments, with how many documents
    /// segments come before each.
    pub(crate) fn analysis_payloads(&self) -> Vec<(usize, &[u8])> {
        let mut docs = 0;
        let mut out = Vec::new();
        for s in &self.layout.segments {
            match s.kind {
                Kind::Docs => docs += 1,
                Kind::Analysis => out.push((docs, &self.bytes[s.payload.clone()])),
                Kind::Params => {}
            }
        }
        out
    }

    /// Documents per documents segment.
    pub(crate) fn segment_documents(&self) -> Vec<u64> {
        self.docs.iter().map(|d| d.documents).collect()
    }

    /// The documents of block `block` of format 1 documents segment `seg`.
    fn block(&self, seg: usize, block: usize) -> Result<Vec<Document>> {
        let range = match self.docs.get(seg).map(|d| &d.stored) {
            Some(Stored::Blocks(b)) => b.get(block),
            _ => None,
        }
        .ok_or_else(|| {
            bad(
                &self.path,
                format!("no block {block} in documents segment {seg}"),
            )
        })?;
        let stored = codec::unpack::<Vec<StoredDoc>>(&self.bytes[range.clone()])
            .map_err(|e| bad(&self.path, format!("documents segment {}: {e}", seg + 1)))?;
        Ok(stored.into_iter().map(document).collect())
    }

    /// Documents `wanted` (documents segment, position in it) of a format
    /// 2 index, in order, each decompressed once, in parallel.
    pub(crate) fn fetch(&self, wanted: &[(usize, usize)]) -> Result<Vec<Document>> {
        let missing = || bad(&self.path, "corrupt: a document is missing".into());
        let mut by_dict: Vec<((usize, u32), usize, Span)> = Vec::with_capacity(wanted.len());
        for (i, &(seg, pos)) in wanted.iter().enumerate() {
            let Some(Stored::Frames { docs, .. }) = self.docs.get(seg).map(|d| &d.stored) else {
                return Err(missing());
            };
            let (dict, span) = docs.get(pos).ok_or_else(missing)?;
            by_dict.push(((seg, *dict), i, span.clone()));
        }
        by_dict.sort_by_key(|x| (x.0, x.1));
        let mut out: Vec<(usize, Document)> = Vec::with_capacity(wanted.len());
        for run in by_dict.chunk_by(|x, y| x.0 == y.0) {
            let (seg, dict) = run[0].0;
            let Stored::Frames { dicts, .. } = &self.docs[seg].stored else {
                return Err(missing());
            };
            let unpacker = codec::Unpacker::new(&self.bytes[dicts[dict as usize].clone()]);
            let got: Vec<(usize, Document)> = run
                .par_iter()
                .map_init(
                    || unpacker.context(),
                    |ctx, (_, i, span)| {
                        let ctx = ctx.as_mut().map_err(|e| bad(&self.path, e.clone()))?;
                        codec::unpack_with::<StoredDoc>(ctx, &self.bytes[span.clone()])
                            .map(|d| (*i, document(d)))
                            .map_err(|e| {
                                bad(&self.path, format!("documents segment {}: {e}", seg + 1))
                            })
                    },
                )
                .collect::<Result<_>>()?;
            out.extend(got);
        }
        out.sort_by_key(|x| x.0);
        Ok(out.into_iter().map(|x| x.1).collect())
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

    /// Sizes in the file (frames included) of its analysis segments.
    pub fn analysis_sizes(&self) -> Vec<u64> {
        self.layout
            .segments
            .iter()
            .filter(|s| s.kind == Kind::Analysis)
            .map(|s| (format::FRAME_LEN + s.payload.len()) as u64)
            .collect()
    }

    /// Its documents segments.
    pub fn segments(&self) -> Vec<SegmentInfo> {
        let segs = self.layout.segments.iter().filter(|s| s.kind == Kind::Docs);
        self.docs
            .iter()
            .zip(segs)
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
        let mut out: Vec<Document> = Vec::with_capacity(self.len());
        for (s, d) in self.docs.iter().enumerate() {
            match &d.stored {
                Stored::Blocks(b) => {
                    let decoded: Vec<Vec<Document>> = (0..b.len())
                        .into_par_iter()
                        .map(|i| self.block(s, i))
                        .collect::<Result<_>>()?;
                    out.extend(decoded.into_iter().flatten());
                }
                Stored::Frames { docs, .. } => {
                    let wanted: Vec<(usize, usize)> = (0..docs.len()).map(|p| (s, p)).collect();
                    out.extend(self.fetch(&wanted)?);
                }
            }
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

fn document(d: StoredDoc) -> Document {
    Document {
        id: d.id,
        source: d.source,
        text: d.text,
    }
}

fn fields(input: &InputConfig) -> [String; 3] {
    [
        input.id_field.clone(),
        input.text_field.clone(),
        input.source_field.clone(),
    ]
}

fn stored(d: &Document) -> StoredDoc {
    StoredDoc {
        id: d.id.clone(),
        source: d.source.clone(),
        text: d.text.clone(),
    }
}

/// The framed segment of `docs`, read with the field names of `input`, for
/// a file of format `version`.
pub(crate) fn docs_segment(
    path: &Path,
    docs: &[Document],
    input: &InputConfig,
    added: u64,
    version: u32,
) -> Result<Vec<u8>> {
    let bytes = docs.iter().map(|d| d.text.len() as u64).sum();
    let payload = if version < 2 {
        let blocks = docs
            .par_chunks(BLOCK_DOCS)
            .map(|chunk| codec::pack(&chunk.iter().map(stored).collect::<Vec<_>>()))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| bad(path, e))?;
        codec::encode(&DocsPayload {
            added,
            fields: fields(input),
            documents: docs.len() as u64,
            bytes,
            blocks: blocks.iter().map(Vec::as_slice).collect(),
        })
    } else {
        let raw = docs
            .par_iter()
            .map(|d| codec::encode(&stored(d)))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| bad(path, e))?;
        let dict = codec::train(&raw);
        let frames = codec::compress_all(&raw, &dict).map_err(|e| bad(path, e))?;
        codec::encode(&FramesPayload {
            added,
            fields: fields(input),
            documents: docs.len() as u64,
            bytes,
            dicts: vec![&dict],
            docs: frames.iter().map(|f| (0, f.as_slice())).collect(),
        })
    }
    .map_err(|e| bad(path, e))?;
    Ok(format::frame(Kind::Docs, &payload))
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The framed analysis segment of `delta`.
pub(crate) fn analysis_segment(path: &Path, delta: &super::analysis::Delta) -> Result<Vec<u8>> {
    let payload = delta.encode().map_err(|e| bad(path, e))?;
    Ok(format::frame(Kind::Analysis, &payload))
}

/// One framed documents segment (format 2) holding every document of
/// `index`, in order: frames and dictionaries are moved as they are;
/// format 1 blocks are decompressed and compressed again.
pub(crate) fn merged_segment(index: &Index) -> Result<Vec<u8>> {
    let first = index.docs.first().map(|d| d.fields.clone());
    let fields = match first {
        Some(f) if index.docs.iter().all(|d| d.fields == f) => f,
        Some(_) => ["(mixed)".to_string(), "(mixed)".into(), "(mixed)".into()],
        None => [String::new(), String::new(), String::new()],
    };
    let added = index.docs.iter().map(|d| d.added).max().unwrap_or_else(now);
    if index
        .docs
        .iter()
        .any(|d| matches!(d.stored, Stored::Blocks(_)))
    {
        let mut input = InputConfig::default();
        [input.id_field, input.text_field, input.source_field] = fields;
        return docs_segment(&index.path, &index.documents()?, &input, added, 2);
    }
    let mut dicts: Vec<&[u8]> = Vec::new();
    let mut docs: Vec<(u32, &[u8])> = Vec::new();
    for d in &index.docs {
        if let Stored::Frames {
            dicts: ds,
            docs: fs,
        } = &d.stored
        {
            let base = dicts.len() as u32;
            dicts.extend(ds.iter().map(|r| &index.bytes[r.clone()]));
            docs.extend(fs.iter().map(|(k, r)| (base + k, &index.bytes[r.clone()])));
        }
    }
    let payload = FramesPayload {
        added,
        fields,
        documents: index.docs.iter().map(|d| d.documents).sum(),
        bytes: index.docs.iter().map(|d| d.bytes).sum(),
        dicts,
        docs,
    };
    let payload = codec::encode(&payload).map_err(|e| bad(&index.path, e))?;
    Ok(format::frame(Kind::Docs, &payload))
}
