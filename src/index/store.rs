//! Reading and writing the segments of an index: the parameters, batches
//! of documents, and analysis segments.
//!
//! Opening reads the file's header and segment frames, maps the committed
//! part of the file into memory (where it can; else it reads) and checks
//! the payloads of the parameters, analysis and tails segments against
//! their checksums; documents are read when asked for: in format 2, one
//! frame per document (see `frames.rs`), so a query reads only the
//! indexed documents it needs; in format 1, whole blocks.

use std::fs::File;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::format::{self, Kind, Layout, Segment};
use super::frames::{self, StoredDoc};
use super::params::Params;
use super::{codec, fileio};
use crate::config::InputConfig;
use crate::corpus::Document;
use crate::error::{Error, Result};

/// Documents per compressed block in format 1 files.
const BLOCK_DOCS: usize = 512;

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

/// Where a documents segment's documents are.
#[derive(Clone, Debug)]
enum Stored {
    /// Format 1: blocks in the segment's payload (read at opening).
    Blocks(Vec<std::ops::Range<usize>>),
    /// Format 2: frames from file offset `at` on.
    Frames { header: frames::Header, at: u64 },
}

/// What opening keeps of a documents segment.
#[derive(Clone, Debug)]
struct DocsMeta {
    /// Its segment.
    segment: usize,
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

/// A payload checked at opening.
#[derive(Debug)]
enum Payload {
    /// Its bytes in the map.
    Mapped(std::ops::Range<usize>),
    /// Read (no map).
    Read(Vec<u8>),
}

/// An index file, opened and checked: header, commit, every segment's
/// frame, the parameters, analysis and tails segments (checksums
/// verified). Documents are read when asked for.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    file: File,
    layout: Layout,
    params: Params,
    /// The committed part of the file, mapped (unix).
    map: Option<memmap2::Mmap>,
    /// The payloads checked at opening, by segment.
    payloads: Vec<Option<Payload>>,
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
        let io = |e| Error::io(path, e);
        let file = File::open(path).map_err(io)?;
        let file_len = file.metadata().map_err(io)?.len();
        let layout = format::parse_with(path, file_len, &mut |at, buf| {
            fileio::read_at(&file, at, buf)
        })?;
        let v1 = layout.version < 2;
        let map = fileio::map(&file, layout.commit.end);
        let payloads: Vec<Option<Payload>> = layout
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if s.kind == Kind::Docs && !v1 {
                    return Ok(None);
                }
                let p = match &map {
                    Some(_) => Payload::Mapped(s.payload.clone()),
                    None => Payload::Read(
                        fileio::read_range(&file, s.payload.start as u64, s.payload.len())
                            .map_err(io)?,
                    ),
                };
                let bytes = bytes_of(map.as_deref(), &p);
                if fileio::crc32(bytes) != s.crc {
                    format::check_payload(path, i, s, bytes)?;
                }
                Ok(Some(p))
            })
            .collect::<Result<_>>()?;
        let payload = |i: usize| payloads[i].as_ref().map(|p| bytes_of(map.as_deref(), p));
        let mut params: Params = codec::decode(payload(0).unwrap_or_default())
            .map_err(|e| bad(path, format!("parameters segment: {e}")))?;
        params.format = layout.version;
        let mut docs = Vec::new();
        for (i, s) in layout.segments.iter().enumerate() {
            if s.kind != Kind::Docs {
                continue;
            }
            let what = |e: String| bad(path, format!("segment {}: {e}", i + 1));
            docs.push(match payload(i) {
                Some(p) => v1_meta(i, p).map_err(what)?,
                None => frames_meta(&file, i, s).map_err(what)?,
            });
        }
        Ok(Index {
            path: path.to_path_buf(),
            file,
            layout,
            params,
            map,
            payloads,
            docs,
            file_len,
        })
    }

    /// The payload of segment `i`, if it was checked at opening.
    fn payload(&self, i: usize) -> Option<&[u8]> {
        self.payloads[i]
            .as_ref()
            .map(|p| bytes_of(self.map.as_deref(), p))
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
        for (i, s) in self.layout.segments.iter().enumerate() {
            match s.kind {
                Kind::Docs => docs += 1,
                Kind::Analysis => out.push((docs, self.payload(i).unwrap_or_default())),
                Kind::Params | Kind::Tails => {}
            }
        }
        out
    }

    /// The last tails segment, if any.
    fn last_tails(&self) -> Option<usize> {
        self.layout
            .segments
            .iter()
            .rposition(|s| s.kind == Kind::Tails)
    }

    /// The payload of the last tails segment, if any.
    pub(crate) fn tails_payload(&self) -> Option<&[u8]> {
        Some(self.payload(self.last_tails()?).unwrap_or_default())
    }

    /// The CRC-32 of the last tails segment's payload, if there is one:
    /// two indexes whose tails states are equal have equal ones (the
    /// payload is a deterministic encoding).
    pub fn tails_checksum(&self) -> Option<u32> {
        Some(self.layout.segments[self.last_tails()?].crc)
    }

    /// The last tails segment's size in the file and the number of
    /// documents it describes (format 3), if there is one.
    pub fn tails_state(&self) -> Result<Option<(u64, u64)>> {
        let Some(p) = self.tails_payload() else {
            return Ok(None);
        };
        let t =
            super::trail::Trail::decode(p).map_err(|e| self.bad(format!("tails segment: {e}")))?;
        Ok(Some((
            (format::FRAME_LEN + p.len()) as u64,
            u64::from(t.docs),
        )))
    }

    /// Documents per documents segment.
    pub(crate) fn segment_documents(&self) -> Vec<u64> {
        self.docs.iter().map(|d| d.documents).collect()
    }

    fn bad(&self, message: String) -> Error {
        bad(&self.path, message)
    }

    /// The documents of block `block` of format 1 documents segment `seg`.
    fn block(&self, seg: usize, block: usize) -> Result<Vec<Document>> {
        let d = &self.docs[seg];
        let range = match &d.stored {
            Stored::Blocks(b) => b.get(block),
            Stored::Frames { .. } => None,
        }
        .ok_or_else(|| self.bad(format!("no block {block} in documents segment {seg}")))?;
        let payload = self.payload(d.segment).unwrap_or_default();
        let stored = codec::unpack::<Vec<StoredDoc>>(&payload[range.clone()])
            .map_err(|e| self.bad(format!("segment {}: {e}", d.segment + 1)))?;
        Ok(stored.into_iter().map(StoredDoc::document).collect())
    }

    /// Documents `wanted` (documents segment, position in it) of a format
    /// 2 index, in order, each read and decompressed once, in parallel.
    pub(crate) fn fetch(&self, wanted: &[(usize, usize)]) -> Result<Vec<Document>> {
        let missing = || self.bad("corrupt: a document is missing".into());
        let mut todo: Vec<((usize, u32), usize, u64, u64)> = Vec::with_capacity(wanted.len());
        for (i, &(seg, pos)) in wanted.iter().enumerate() {
            let Some(Stored::Frames { header, at }) = self.docs.get(seg).map(|d| &d.stored) else {
                return Err(missing());
            };
            let dict = header.docs.get(pos).ok_or_else(missing)?.0;
            let r = header.frame(pos);
            todo.push(((seg, dict), i, at + r.start, r.end - r.start));
        }
        todo.sort_by_key(|x| (x.0, x.1));
        let mut out: Vec<(usize, Document)> = Vec::with_capacity(wanted.len());
        for run in todo.chunk_by(|x, y| x.0 == y.0) {
            let (seg, dict) = run[0].0;
            let Stored::Frames { header, .. } = &self.docs[seg].stored else {
                return Err(missing());
            };
            let unpacker = codec::Unpacker::new(&header.dicts[dict as usize]);
            let segment = self.docs[seg].segment + 1;
            let got: Vec<(usize, Document)> = run
                .par_iter()
                .map_init(
                    || unpacker.context(),
                    |ctx, &(_, i, at, len)| {
                        let ctx = ctx.as_mut().map_err(|e| self.bad(e.clone()))?;
                        let read;
                        let frame = if let Some(f) = self.mapped(at, len) {
                            f
                        } else {
                            let mut f = vec![0u8; len as usize];
                            fileio::read_at(&self.file, at, &mut f)
                                .map_err(|e| Error::io(&self.path, e))?;
                            read = f;
                            &read
                        };
                        codec::decompress_with(ctx, frame)
                            .and_then(|raw| StoredDoc::decode(&raw))
                            .map(|d| (i, d))
                            .map_err(|e| self.bad(format!("segment {segment}: {e}")))
                    },
                )
                .collect::<Result<_>>()?;
            out.extend(got);
        }
        out.sort_by_key(|x| x.0);
        Ok(out.into_iter().map(|x| x.1).collect())
    }

    /// Bytes `at..at + len` of the file, if mapped and committed.
    fn mapped(&self, at: u64, len: u64) -> Option<&[u8]> {
        let map = self.map.as_deref()?;
        let start = usize::try_from(at).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        map.get(start..end)
    }

    /// The whole payload of documents segment `seg`, checksum verified.
    fn docs_payload(&self, seg: usize) -> Result<Vec<u8>> {
        let i = self.docs[seg].segment;
        if let Some(p) = self.payload(i) {
            return Ok(p.to_vec());
        }
        let s = &self.layout.segments[i];
        let bytes = fileio::read_range(&self.file, s.payload.start as u64, s.payload.len())
            .map_err(|e| Error::io(&self.path, e))?;
        if fileio::crc32(&bytes) != s.crc {
            format::check_payload(&self.path, i, s, &bytes)?;
        }
        Ok(bytes)
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
        self.docs
            .iter()
            .map(|d| SegmentInfo {
                added: d.added,
                fields: d.fields.clone(),
                documents: d.documents,
                text_bytes: d.bytes,
                stored_bytes: (format::FRAME_LEN + self.layout.segments[d.segment].payload.len())
                    as u64,
            })
            .collect()
    }

    /// Every indexed document, in the order they were added (every
    /// documents segment read whole, checksums verified).
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
                Stored::Frames { .. } => {
                    self.docs_payload(s)?;
                    let wanted: Vec<(usize, usize)> =
                        (0..d.documents as usize).map(|p| (s, p)).collect();
                    out.extend(self.fetch(&wanted)?);
                }
            }
        }
        if out.len() != self.len() {
            return Err(self.bad(format!(
                "corrupt: {} documents stored, {} counted",
                out.len(),
                self.len()
            )));
        }
        Ok(out)
    }
}

/// The bytes of payload `p`, in `map` when mapped.
fn bytes_of<'a>(map: Option<&'a [u8]>, p: &'a Payload) -> &'a [u8] {
    match p {
        Payload::Mapped(r) => map.and_then(|m| m.get(r.clone())).unwrap_or_default(),
        Payload::Read(b) => b,
    }
}

/// A format 1 documents segment, its payload read.
fn v1_meta(segment: usize, payload: &[u8]) -> std::result::Result<DocsMeta, String> {
    let p = codec::decode::<DocsPayload>(payload)?;
    let base = payload.as_ptr() as usize;
    Ok(DocsMeta {
        segment,
        added: p.added,
        fields: p.fields,
        documents: p.documents,
        bytes: p.bytes,
        stored: Stored::Blocks(
            p.blocks
                .iter()
                .map(|b| {
                    let at = b.as_ptr() as usize - base;
                    at..at + b.len()
                })
                .collect(),
        ),
    })
}

/// A format 2 documents segment: its header read.
fn frames_meta(file: &File, segment: usize, s: &Segment) -> std::result::Result<DocsMeta, String> {
    let start = s.payload.start as u64;
    let (header, at) = frames::read_header(s.payload.len() as u64, &mut |at, buf| {
        fileio::read_at(file, start + at, buf).map_err(|e| e.to_string())
    })?;
    Ok(DocsMeta {
        segment,
        added: header.added,
        fields: header.fields.clone(),
        documents: header.documents,
        bytes: header.bytes,
        stored: Stored::Frames {
            header,
            at: start + at,
        },
    })
}

/// The framed parameters segment.
pub(crate) fn params_segment(path: &Path, params: &Params) -> Result<Vec<u8>> {
    let payload = codec::encode(params).map_err(|e| bad(path, e))?;
    Ok(format::frame(Kind::Params, &payload))
}

fn fields(input: &InputConfig) -> [String; 3] {
    [
        input.id_field.clone(),
        input.text_field.clone(),
        input.source_field.clone(),
    ]
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
            .map(|chunk| codec::pack(&chunk.iter().map(StoredDoc::of).collect::<Vec<_>>()))
            .collect::<std::result::Result<Vec<_>, String>>()
            .map_err(|e| bad(path, e))?;
        codec::encode(&DocsPayload {
            added,
            fields: fields(input),
            documents: docs.len() as u64,
            bytes,
            blocks: blocks.iter().map(Vec::as_slice).collect(),
        })
    } else {
        let header = frames::Header {
            added,
            fields: fields(input),
            bytes,
            ..frames::Header::default()
        };
        frames::encode(header, docs)
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

/// One framed tails segment (format 3).
pub(crate) fn tails_segment(path: &Path, trail: &super::trail::Trail) -> Result<Vec<u8>> {
    let payload = trail.encode().map_err(|e| bad(path, e))?;
    Ok(format::frame(Kind::Tails, &payload))
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
    let payloads: Vec<Vec<u8>> = (0..index.docs.len())
        .map(|s| index.docs_payload(s))
        .collect::<Result<_>>()?;
    let mut header = frames::Header {
        added,
        fields,
        bytes: index.docs.iter().map(|d| d.bytes).sum(),
        ..frames::Header::default()
    };
    let mut all: Vec<(u32, &[u8])> = Vec::with_capacity(index.len());
    for (d, payload) in index.docs.iter().zip(&payloads) {
        let Stored::Frames { header: h, at } = &d.stored else {
            continue;
        };
        let base = header.dicts.len() as u32;
        header.dicts.extend(h.dicts.iter().cloned());
        let first = (at - index.layout.segments[d.segment].payload.start as u64) as usize;
        for (i, &(dict, _)) in h.docs.iter().enumerate() {
            let r = h.frame(i);
            all.push((
                base + dict,
                &payload[first + r.start as usize..first + r.end as usize],
            ));
        }
    }
    let payload = frames::assemble(header, &all).map_err(|e| bad(&index.path, e))?;
    Ok(format::frame(Kind::Docs, &payload))
}
