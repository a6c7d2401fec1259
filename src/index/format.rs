//! The file layout of an index (formats 1 to 4): a fixed header with two
//! commit slots, then a sequence of self-checksummed segments.
//!
//! ```text
//! 0    magic  89 4E 44 58 0D 0A 1A 0A   ("\x89NDX\r\n\x1a\n")
//! 8    format version, u32 LE (4; 3 for files whose analysis has no
//!      boilerplate sketches, 2 for files without tails segments, 1 for
//!      files without analysis segments)
//! 12   header length, u32 LE (128): where the first segment starts
//! 16   commit slot 0 (32 bytes)
//! 48   commit slot 1 (32 bytes)
//! 80   zeros up to 128
//! 128  segment, segment, ...        (the committed ones end at `end`)
//!
//! commit slot: generation u64 | end u64 | segments u32 | crc32 of the
//!              previous 20 bytes u32 | 8 zero bytes
//! segment:     "NSEG" | kind u32 | payload length u64 | crc32 of the
//!              payload u32 | crc32 of the previous 20 bytes u32 | payload
//! ```
//!
//! Segment kinds: 1 parameters (first and only once), 2 documents, 3
//! analysis (format 2 and later; see `analysis.rs`), 4 tails (format 3
//! and later;
//! see `trail.rs`). A format 2 file stays format 2 when documents are
//! added (it gets no tails segment); `index compact` rewrites it as
//! format 4. Format 4 is format 3 with the boilerplate stage's sketches
//! (`boilerplate::Sketch`) in the analysis; the analysis of a format 1
//! to 3 file was computed without them, and the file is answered without
//! them (`Params::config`) until `index compact` analyses it again.
//!
//! The valid slot (checksum right, generation ≥ 1) with the highest
//! generation is the committed state: the file's first `end` bytes, made
//! of exactly `segments` segments. Appending writes a segment after `end`,
//! syncs it, then writes the *other* slot with the next generation and
//! syncs again. A crash before the slot is written leaves bytes past
//! `end`, which readers ignore and the next writer truncates; a crash
//! while the slot is written leaves a slot whose checksum fails, so the
//! previous slot, which still describes a complete file, is used. Whole
//! files (build, compact) are written to a temporary file beside the
//! index, synced, and renamed over it.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Magic bytes opening every index file.
pub const MAGIC: [u8; 8] = *b"\x89NDX\r\n\x1a\n";
/// The format version this build writes.
pub const VERSION: u32 = 4;
/// The oldest format version this build reads.
pub const OLDEST: u32 = 1;
/// Bytes before the first segment.
pub const HEADER_LEN: u64 = 128;
const SLOT_AT: [usize; 2] = [16, 48];
const SLOT_LEN: usize = 32;
const FRAME_MAGIC: [u8; 4] = *b"NSEG";
/// Bytes of a segment's frame before its payload.
pub const FRAME_LEN: usize = 24;

/// What a segment holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The parameters the index was built with (always the first segment).
    Params,
    /// A batch of documents.
    Docs,
    /// What the pipeline learned about the documents (format 2).
    Analysis,
    /// What tails without a marker need (format 3, see `trail.rs`).
    Tails,
}

impl Kind {
    fn code(self) -> u32 {
        match self {
            Kind::Params => 1,
            Kind::Docs => 2,
            Kind::Analysis => 3,
            Kind::Tails => 4,
        }
    }

    fn from_code(code: u32) -> Option<Kind> {
        match code {
            1 => Some(Kind::Params),
            2 => Some(Kind::Docs),
            3 => Some(Kind::Analysis),
            4 => Some(Kind::Tails),
            _ => None,
        }
    }
}

/// One commit record: which prefix of the file is the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commit {
    /// Counts commits; the higher valid slot wins.
    pub generation: u64,
    /// Length of the committed file.
    pub end: u64,
    /// Number of committed segments.
    pub segments: u32,
}

impl Commit {
    fn to_bytes(self) -> [u8; SLOT_LEN] {
        let mut b = [0u8; SLOT_LEN];
        b[0..8].copy_from_slice(&self.generation.to_le_bytes());
        b[8..16].copy_from_slice(&self.end.to_le_bytes());
        b[16..20].copy_from_slice(&self.segments.to_le_bytes());
        let crc = crc32fast::hash(&b[0..20]);
        b[20..24].copy_from_slice(&crc.to_le_bytes());
        b
    }

    fn from_bytes(b: &[u8]) -> Option<Commit> {
        if crc32fast::hash(&b[0..20]) != u32_at(b, 20) {
            return None;
        }
        let c = Commit {
            generation: u64_at(b, 0),
            end: u64_at(b, 8),
            segments: u32_at(b, 16),
        };
        (c.generation >= 1 && c.end >= HEADER_LEN).then_some(c)
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(x)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// One committed segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// What it holds.
    pub kind: Kind,
    /// Offset of its frame in the file.
    pub offset: u64,
    /// Its payload's byte range in the file.
    pub payload: std::ops::Range<usize>,
    /// The checksum its payload must have.
    pub crc: u32,
}

/// The committed structure of an index file, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The file's format version.
    pub version: u32,
    /// The commit in force.
    pub commit: Commit,
    /// Which slot holds it.
    pub slot: usize,
    /// The committed segments, in file order.
    pub segments: Vec<Segment>,
    /// Bytes after the committed end (an unfinished append), ignored.
    pub trailing: u64,
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Checks the header and every committed segment of `bytes`, the whole
/// content of the file at `path`, payload checksums included.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Layout> {
    let layout = parse_with(path, bytes.len() as u64, &mut |at, buf| {
        buf.copy_from_slice(&bytes[at as usize..at as usize + buf.len()]);
        Ok(())
    })?;
    for (i, s) in layout.segments.iter().enumerate() {
        check_payload(path, i, s, &bytes[s.payload.clone()])?;
    }
    Ok(layout)
}

/// Checks the header and the frames of every committed segment of the
/// file at `path` (`len` bytes long, read with `read(at, buf)`); payload
/// checksums are left to whoever reads a payload ([`check_payload`]).
pub fn parse_with(
    path: &Path,
    len: u64,
    read: &mut dyn FnMut(u64, &mut [u8]) -> std::io::Result<()>,
) -> Result<Layout> {
    let io = |e| Error::io(path, e);
    let mut head = vec![0u8; len.min(HEADER_LEN) as usize];
    read(0, &mut head).map_err(io)?;
    let bytes = &head[..];
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        let what = if MAGIC.starts_with(bytes) {
            "truncated: too short to be a neardup index".to_string()
        } else {
            "not a neardup index (wrong magic bytes)".to_string()
        };
        return Err(bad(path, what));
    }
    if len < HEADER_LEN {
        return Err(bad(
            path,
            format!("truncated: {len} bytes, shorter than the {HEADER_LEN}-byte header"),
        ));
    }
    let version = u32_at(bytes, 8);
    if !(OLDEST..=VERSION).contains(&version) {
        let who = if version > VERSION {
            "a newer neardup"
        } else {
            "an unknown writer"
        };
        return Err(bad(
            path,
            format!(
                "index format version {version} (written by {who}); this neardup reads versions \
                 {OLDEST} to {VERSION}: rebuild the index with `neardup index build`"
            ),
        ));
    }
    if u64::from(u32_at(bytes, 12)) != HEADER_LEN {
        return Err(bad(path, "corrupt header (wrong header length)"));
    }
    let slots = SLOT_AT.map(|at| Commit::from_bytes(&bytes[at..at + SLOT_LEN]));
    let (slot, commit) = match slots {
        [Some(a), Some(b)] if b.generation > a.generation => (1, b),
        [Some(a), _] => (0, a),
        [None, Some(b)] => (1, b),
        [None, None] => return Err(bad(path, "corrupt header: both commit records are damaged")),
    };
    if commit.end > len {
        return Err(bad(
            path,
            format!(
                "truncated: the index is {} bytes long but the file has only {len}",
                commit.end
            ),
        ));
    }
    let segments = segments(path, commit.end, commit.segments, read)?;
    if version < 2 && segments.iter().any(|s| s.kind == Kind::Analysis) {
        return Err(bad(path, "corrupt: an analysis segment in a format 1 file"));
    }
    if version < 3 && segments.iter().any(|s| s.kind == Kind::Tails) {
        return Err(bad(
            path,
            format!("corrupt: a tails segment in a format {version} file"),
        ));
    }
    Ok(Layout {
        version,
        commit,
        slot,
        segments,
        trailing: len - commit.end,
    })
}

/// Checks the payload of segment `i` (0-based) against its checksum.
pub fn check_payload(path: &Path, i: usize, s: &Segment, payload: &[u8]) -> Result<()> {
    if crc32fast::hash(payload) != s.crc {
        return Err(bad(
            path,
            format!(
                "segment {} at byte {} is corrupt: checksum mismatch",
                i + 1,
                s.offset
            ),
        ));
    }
    Ok(())
}

fn segments(
    path: &Path,
    end: u64,
    count: u32,
    read: &mut dyn FnMut(u64, &mut [u8]) -> std::io::Result<()>,
) -> Result<Vec<Segment>> {
    let mut out = Vec::with_capacity(count.min(1 << 16) as usize);
    let mut at = HEADER_LEN;
    while at < end {
        let i = out.len() + 1;
        let corrupt =
            |what: &str| bad(path, format!("segment {i} at byte {at} is corrupt: {what}"));
        if end - at < FRAME_LEN as u64 {
            return Err(corrupt("its header is cut short"));
        }
        let mut f = [0u8; FRAME_LEN];
        read(at, &mut f).map_err(|e| Error::io(path, e))?;
        if f[0..4] != FRAME_MAGIC || crc32fast::hash(&f[0..20]) != u32_at(&f, 20) {
            return Err(corrupt("bad segment header"));
        }
        let kind = u32_at(&f, 4);
        let plen = u64_at(&f, 8);
        let start = at + FRAME_LEN as u64;
        if plen > end - start {
            return Err(corrupt("its payload runs past the committed end"));
        }
        let kind = Kind::from_code(kind).ok_or_else(|| {
            corrupt(&format!(
                "unknown kind {kind} (written by a newer neardup?)"
            ))
        })?;
        out.push(Segment {
            kind,
            offset: at,
            payload: start as usize..(start + plen) as usize,
            crc: u32_at(&f, 16),
        });
        at = start + plen;
    }
    if out.len() != count as usize {
        return Err(bad(
            path,
            format!(
                "corrupt: the header counts {count} segments, the file holds {}",
                out.len()
            ),
        ));
    }
    if out.first().map(|s| s.kind) != Some(Kind::Params)
        || out[1..].iter().any(|s| s.kind == Kind::Params)
    {
        return Err(bad(
            path,
            "corrupt: the parameters must be the first and only parameters segment",
        ));
    }
    Ok(out)
}

/// A segment with its frame, ready to be written.
pub fn frame(kind: Kind, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAME_LEN + payload.len());
    out.extend_from_slice(&FRAME_MAGIC);
    out.extend_from_slice(&kind.code().to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    let crc = crc32fast::hash(&out[0..20]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn header(commit: Commit) -> Vec<u8> {
    let mut h = vec![0u8; HEADER_LEN as usize];
    h[0..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
    h[SLOT_AT[0]..SLOT_AT[0] + SLOT_LEN].copy_from_slice(&commit.to_bytes());
    h
}

/// The temporary file a whole-file write goes to before its rename.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Writes a complete index of `segments` (framed) to `path`: a temporary
/// file, synced, renamed over `path`, and the folder synced.
pub fn write_new(path: &Path, segments: &[Vec<u8>]) -> Result<u64> {
    let end = HEADER_LEN + segments.iter().map(|s| s.len() as u64).sum::<u64>();
    let commit = Commit {
        generation: 1,
        end,
        segments: segments.len() as u32,
    };
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(&header(commit))?;
        for s in segments {
            f.write_all(s)?;
        }
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        sync_dir(path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(end)
}

pub(crate) fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Appends framed segments to the index at `path`, whose committed state
/// is `layout`, and commits them together (see the module docs). The
/// caller holds the index's lock.
pub fn append(path: &Path, layout: &Layout, segments: &[Vec<u8>]) -> Result<Commit> {
    let io = |e| Error::io(path, e);
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io)?;
    // Drop what a crashed append may have left past the committed end.
    f.set_len(layout.commit.end).map_err(io)?;
    f.seek(SeekFrom::Start(layout.commit.end)).map_err(io)?;
    for s in segments {
        f.write_all(s).map_err(io)?;
    }
    f.sync_data().map_err(io)?;
    let commit = Commit {
        generation: layout.commit.generation + 1,
        end: layout.commit.end + segments.iter().map(|s| s.len() as u64).sum::<u64>(),
        segments: layout.commit.segments + segments.len() as u32,
    };
    let other = SLOT_AT[1 - layout.slot];
    f.seek(SeekFrom::Start(other as u64)).map_err(io)?;
    f.write_all(&commit.to_bytes()).map_err(io)?;
    f.sync_data().map_err(io)?;
    Ok(commit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(segs: &[(Kind, &[u8])]) -> Vec<u8> {
        let framed: Vec<Vec<u8>> = segs.iter().map(|(k, p)| frame(*k, p)).collect();
        let end = HEADER_LEN + framed.iter().map(|s| s.len() as u64).sum::<u64>();
        let mut b = header(Commit {
            generation: 1,
            end,
            segments: framed.len() as u32,
        });
        for s in &framed {
            b.extend_from_slice(s);
        }
        b
    }

    #[test]
    fn parses_what_it_writes() {
        let b = file(&[(Kind::Params, b"p"), (Kind::Docs, b"docs")]);
        let l = parse(Path::new("x"), &b).expect("valid");
        assert_eq!(l.segments.len(), 2);
        assert_eq!(&b[l.segments[1].payload.clone()], b"docs");
        assert_eq!(l.trailing, 0);
    }

    #[test]
    fn every_single_byte_flip_is_caught_or_harmless() {
        let b = file(&[(Kind::Params, b"params"), (Kind::Docs, b"some documents")]);
        let good = parse(Path::new("x"), &b).expect("valid");
        for i in 0..b.len() {
            let mut c = b.clone();
            c[i] ^= 0x40;
            match parse(Path::new("x"), &c) {
                Ok(l) => {
                    assert_eq!(l.segments, good.segments, "byte {i}");
                    for s in &l.segments {
                        assert_eq!(c[s.payload.clone()], b[s.payload.clone()], "byte {i}");
                    }
                }
                Err(Error::Index { .. }) => {}
                Err(e) => panic!("byte {i}: {e}"),
            }
        }
    }

    #[test]
    fn truncation_is_reported() {
        let b = file(&[(Kind::Params, b"params"), (Kind::Docs, b"documents")]);
        for n in 0..b.len() {
            let e = parse(Path::new("x"), &b[..n]).expect_err("truncated");
            assert!(e.to_string().contains("truncated"), "{n}: {e}");
        }
    }
}
