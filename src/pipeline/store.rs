//! Where documents' texts and segmentations live. A corpus that fits
//! keeps them in its [`Doc`]s; past [`Config::spill_above`] bytes they go
//! to a spill file (appended by a [`Writer`] thread while reading goes on)
//! and are read back, one document at a time, by the stages that need
//! them ([`Corpus::content`], [`Corpus::tokens_and_lines`]). Everything else a stage
//! keeps per document is small (ids, boilerplate marks, band keys).
//!
//! [`Config::spill_above`]: crate::config::Config::spill_above

use std::cell::{OnceCell, RefCell};
use std::sync::OnceLock;

use integer_encoding::VarInt;
use rayon::prelude::*;

use super::{Corpus, Doc};
use crate::boilerplate;
use crate::config::{Config, InputConfig};
use crate::corpus::{Document, FileKind, InputFile};
use crate::error::Result;
use crate::segment::{Line, LineKind, Segmented};
use crate::spill::Records;

/// The texts and segmentations of a spilled corpus.
#[derive(Debug)]
pub struct Spilled {
    /// One record per document, in document order.
    pub(crate) records: Records,
    /// Text length of every document.
    pub(crate) text_lens: Vec<u32>,
    /// Bytes of every record before its token starts and text: what
    /// [`Corpus::tokens_and_lines`] reads.
    pub(crate) hot_lens: Vec<u32>,
    /// Bytes of every record before its tokens: what [`Corpus::lines`]
    /// reads.
    pub(crate) lines_lens: Vec<u32>,
    /// Each document's lines as (hash, words), sorted, for boilerplate
    /// statistics (what [`crate::boilerplate::learn`] would compute).
    pub(crate) line_sets: Vec<boilerplate::LineSet>,
    /// Where each document's text is read back from.
    pub(crate) texts: Vec<TextAt>,
    /// The input files, for texts read back from them.
    pub(crate) inputs: Inputs,
}

/// Where a spilled document's text is read back from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextAt {
    /// The end of its spill record.
    Record,
    /// Its input file, a plain file read again: the raw record (a JSONL
    /// line or a `.txt` file) is the `len` bytes at `offset` of file
    /// `file`, and `hash` ([`crate::hash::reread`] of the text first
    /// read) tells whether the text parsed from them is still the same.
    /// Spilling the text would write it to disk a second time, and on
    /// this kind of machine writing to the page cache costs more CPU than
    /// parsing the record again.
    Input {
        /// Index of the input file.
        file: u32,
        /// Length of the raw record.
        len: u32,
        /// Where the raw record starts in the file.
        offset: u64,
        /// The text's hash when first read.
        hash: u64,
    },
}

/// Where a raw record lies in a plain input file that can be read again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RawAt {
    file: u32,
    len: u32,
    offset: u64,
}

impl RawAt {
    /// Where the raw record `rec` lies, when its file is `rereadable` (a
    /// plain file that can be read again at an offset).
    pub(super) fn of(rec: &crate::corpus::Record, rereadable: bool) -> Option<RawAt> {
        let len = u32::try_from(rec.bytes.len()).ok()?;
        rereadable.then_some(RawAt {
            file: rec.file,
            len,
            offset: rec.offset,
        })
    }

    /// Where the text of a spilled document whose raw record lies at
    /// `raw` is read back from.
    fn text_at(raw: Option<RawAt>, text: &str) -> TextAt {
        raw.map_or(TextAt::Record, |r| TextAt::Input {
            file: r.file,
            len: r.len,
            offset: r.offset,
            hash: crate::hash::reread(text),
        })
    }
}

/// The input files of a corpus, opened again to read spilled texts back.
#[derive(Debug)]
pub(crate) struct Inputs {
    files: Vec<InputFile>,
    opened: Vec<OnceLock<std::io::Result<std::fs::File>>>,
    cfg: InputConfig,
}

impl Inputs {
    pub(super) fn new(files: &[InputFile], cfg: &InputConfig) -> Inputs {
        Inputs {
            files: files.to_vec(),
            opened: files.iter().map(|_| OnceLock::new()).collect(),
            cfg: cfg.clone(),
        }
    }

    /// Whether records of `file` can be read again from it: a plain
    /// (uncompressed) regular file, not standard input.
    pub(super) fn rereadable(file: &InputFile) -> bool {
        !file.is_stdin()
            && matches!(
                file.kind,
                FileKind::Txt { .. } | FileKind::Jsonl(crate::corpus::Compression::None)
            )
            && std::fs::metadata(&file.path).is_ok_and(|m| m.is_file())
    }

    /// The text of the raw record at `at`, parsed again as when first
    /// read.
    ///
    /// # Panics
    /// When the file cannot be read again or its bytes there changed
    /// since the scan read them: the text reported on would not be the
    /// text compared.
    fn text(&self, at: TextAt, buf: &mut Vec<u8>) -> String {
        let TextAt::Input {
            file,
            len,
            offset,
            hash,
        } = at
        else {
            unreachable!("texts in spill records are read from the spill file")
        };
        let input = &self.files[file as usize];
        let opened = self.opened[file as usize].get_or_init(|| std::fs::File::open(&input.path));
        buf.clear();
        buf.resize(len as usize, 0);
        let read = opened
            .as_ref()
            .map_err(|e| std::io::Error::new(e.kind(), e.to_string()))
            .and_then(|f| crate::spill::read_exact_at(f, buf, offset));
        if let Err(e) = read {
            panic!(
                "{}: cannot read the input again to report on it ({e}); \
                 the file must stay in place while it is scanned",
                input.display
            );
        }
        let rec = crate::corpus::Record {
            file,
            line: 1,
            offset,
            bytes: std::mem::take(buf),
        };
        let (doc, _) = crate::corpus::parse_record(&rec, input, &self.cfg);
        *buf = rec.bytes;
        let text = doc.map(|d| d.text);
        assert!(
            text.as_deref().map(crate::hash::reread) == Some(hash),
            "{}: the file changed while it was scanned (the {len} bytes at byte {offset} \
             no longer hold the text first read); scan a copy that does not change",
            input.display
        );
        text.unwrap_or_default()
    }
}

/// One document's text and segmentation, borrowed or read back.
#[derive(Debug)]
pub enum Content<'a> {
    /// Held in memory.
    Held(&'a Doc),
    /// Read back from the spill file.
    Loaded(Box<Loaded<'a>>),
}

/// A document read back from the spill file. Most stages need only its
/// segmentation, so its text (the larger part of its record) is read
/// back, and checked as UTF-8, only when asked for.
#[derive(Debug)]
pub struct Loaded<'a> {
    seg: Segmented,
    spilled: &'a Spilled,
    i: usize,
    text: OnceCell<String>,
}

/// A document's tokens and lines ([`Corpus::tokens_and_lines`]).
#[derive(Debug)]
pub enum TokensAndLines<'a> {
    /// Held in memory.
    Held(&'a Segmented),
    /// Read back from the spill file, without token starts.
    Loaded(Segmented),
}

impl TokensAndLines<'_> {
    /// The segmentation. For a spilled document its `starts` are empty:
    /// stages that need them read [`Corpus::content`].
    pub fn seg(&self) -> &Segmented {
        match self {
            TokensAndLines::Held(s) => s,
            TokensAndLines::Loaded(s) => s,
        }
    }
}

impl Content<'_> {
    /// The text.
    pub fn text(&self) -> &str {
        match self {
            Content::Held(d) => &d.doc.text,
            Content::Loaded(b) => b.text.get_or_init(|| {
                let (records, i) = (&b.spilled.records, b.i);
                if b.spilled.texts[i] != TextAt::Record {
                    return READ_BUF
                        .with_borrow_mut(|buf| b.spilled.inputs.text(b.spilled.texts[i], buf));
                }
                let len = b.spilled.text_lens[i] as usize;
                let mut raw = Vec::new();
                records.read_suffix(i, len, &mut raw);
                // simdutf8 checks several times faster than the standard
                // library on Arabic text, which made this check 2.6% of a
                // 300k scan's CPU time.
                assert!(
                    simdutf8::basic::from_utf8(&raw).is_ok(),
                    "spilled text is UTF-8"
                );
                #[allow(unsafe_code)]
                // SAFETY: checked just above.
                unsafe {
                    String::from_utf8_unchecked(raw)
                }
            }),
        }
    }

    /// Its lines and tokens.
    pub fn seg(&self) -> &Segmented {
        match self {
            Content::Held(d) => &d.seg,
            Content::Loaded(b) => &b.seg,
        }
    }
}

thread_local! {
    /// Each thread's buffer for the records it reads back.
    static READ_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Corpus {
    /// Document `i`'s text and segmentation.
    pub fn content(&self, i: usize) -> Content<'_> {
        match &self.spilled {
            None => Content::Held(&self.docs[i]),
            Some(s) => {
                READ_BUF.with_borrow_mut(|buf| {
                    // All but the text, which comes last.
                    let text = match s.texts[i] {
                        TextAt::Record => s.text_lens[i] as usize,
                        TextAt::Input { .. } => 0,
                    };
                    let len = s.records.record_len(i) - text;
                    s.records.read_prefix(i, len, buf);
                    Content::Loaded(Box::new(Loaded {
                        seg: decode_segmentation(buf),
                        spilled: s,
                        i,
                        text: OnceCell::new(),
                    }))
                })
            }
        }
    }

    /// Document `i`'s tokens and lines, without its text and token
    /// starts: what most stages need, and for a spilled document less than
    /// half of its record to read back.
    pub fn tokens_and_lines(&self, i: usize) -> TokensAndLines<'_> {
        match &self.spilled {
            None => TokensAndLines::Held(&self.docs[i].seg),
            Some(s) => READ_BUF.with_borrow_mut(|buf| {
                s.records.read_prefix(i, s.hot_lens[i] as usize, buf);
                let mut r = Reader(buf);
                let (_, seg) = decode_hot(&mut r);
                TokensAndLines::Loaded(seg)
            }),
        }
    }

    /// Document `i`'s lines alone: its segmentation with no tokens and
    /// no token starts (line token ranges still index the tokens). For a
    /// spilled document this reads back only the front of its record,
    /// before the token hashes (8 bytes a token).
    pub fn lines(&self, i: usize) -> TokensAndLines<'_> {
        match &self.spilled {
            None => TokensAndLines::Held(&self.docs[i].seg),
            Some(s) => READ_BUF.with_borrow_mut(|buf| {
                s.records.read_prefix(i, s.lines_lens[i] as usize, buf);
                let (_, seg) = decode_lines(&mut Reader(buf));
                TokensAndLines::Loaded(seg)
            }),
        }
    }

    /// Length in bytes of document `i`'s text.
    pub fn text_len(&self, i: usize) -> usize {
        match &self.spilled {
            None => self.docs[i].doc.text.len(),
            Some(s) => s.text_lens[i] as usize,
        }
    }

    /// Bytes written to the spill file (none when nothing was spilled).
    pub fn spilled_bytes(&self) -> u64 {
        self.spilled.as_ref().map_or(0, |s| s.records.bytes())
    }

    /// Whether texts and segmentations were spilled to disk.
    pub fn is_spilled(&self) -> bool {
        self.spilled.is_some()
    }
}

/// Bytes a document's content takes in memory (an estimate that decides
/// when to spill).
pub(crate) fn held_bytes(text: &str, seg: &Segmented) -> u64 {
    (text.len()
        + seg.tokens.len() * 8
        + seg.starts.len() * 4
        + seg.lines.len() * std::mem::size_of::<Line>()) as u64
}

fn put(out: &mut Vec<u8>, x: u32) {
    out.extend_from_slice(&x.to_le_bytes());
}

/// Appends `x` as a LEB128 varint.
fn put_var(out: &mut Vec<u8>, x: u32) {
    let mut buf = [0u8; 5];
    let n = x.encode_var(&mut buf);
    out.extend_from_slice(&buf[..n]);
}

/// Appends the record of (`text`, `seg`) to `out` and returns the lengths
/// of its lines part (what [`Corpus::lines`] reads) and of its hot part
/// (what [`Corpus::tokens_and_lines`] reads): four counts
/// (text bytes, tokens, starts, lines) as `u32`, then the lines (gaps and
/// lengths as varints, the hash, the kind), the token hashes as `u64`,
/// then the cold part: the token starts (gaps as varints) and, when
/// `with_text`, the text. Fixed-width values are little-endian.
pub(crate) fn encode(
    text: &str,
    seg: &Segmented,
    with_text: bool,
    out: &mut Vec<u8>,
) -> (usize, usize) {
    let from = out.len();
    for n in [
        text.len(),
        seg.tokens.len(),
        seg.starts.len(),
        seg.lines.len(),
    ] {
        put(out, n as u32);
    }
    let (mut end, mut tok_end) = (0u32, 0u32);
    for l in &seg.lines {
        put_var(out, l.start - end);
        put_var(out, l.end - l.start);
        put_var(out, l.tok_start - tok_end);
        put_var(out, l.tok_end - l.tok_start);
        (end, tok_end) = (l.end, l.tok_end);
        out.extend_from_slice(&l.hash.to_le_bytes());
        match l.kind {
            LineKind::Text => out.push(0),
            LineKind::TailMarker { marker, alone } => {
                out.push(1);
                out.push(u8::from(alone));
                out.extend_from_slice(&marker.to_le_bytes());
            }
            LineKind::Label => out.push(2),
            LineKind::Shortcode => out.push(3),
            LineKind::Continuing => out.push(4),
        }
    }
    let lines = out.len() - from;
    if cfg!(target_endian = "little") {
        out.extend_from_slice(bytemuck::cast_slice(&seg.tokens));
    } else {
        for t in &seg.tokens {
            out.extend_from_slice(&t.to_le_bytes());
        }
    }
    let hot = out.len() - from;
    let mut last = 0u32;
    for &s in &seg.starts {
        put_var(out, s - last);
        last = s;
    }
    if with_text {
        out.extend_from_slice(text.as_bytes());
    }
    (lines, hot)
}

/// Reads values off the front of a slice.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes"))
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }
    fn var(&mut self) -> u32 {
        let (x, n) = u32::decode_var(self.0).expect("a varint");
        self.0 = &self.0[n..];
        x
    }
}

/// The segmentation of a record (all of [`encode`]'s output but the
/// text, which may be missing). The record was written by this process
/// moments ago, so a malformed one is a bug, not bad input.
pub(crate) fn decode_segmentation(bytes: &[u8]) -> Segmented {
    let mut r = Reader(bytes);
    let ((_, nstart), mut seg) = decode_hot(&mut r);
    let mut last = 0u32;
    seg.starts.extend((0..nstart).map(|_| {
        last += r.var();
        last
    }));
    seg
}

/// The counts, lines and tokens at the front of a record: the text length
/// and number of token starts, and the segmentation without its starts.
fn decode_hot(r: &mut Reader<'_>) -> ((usize, usize), Segmented) {
    let ((text_len, ntok, nstart), mut seg) = decode_lines(r);
    seg.tokens.reserve_exact(ntok);
    seg.tokens.extend(
        r.take(ntok * 8)
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))),
    );
    ((text_len, nstart), seg)
}

/// The counts and lines at the front of a record: the text length and
/// numbers of tokens and token starts, and the segmentation's lines
/// (with no tokens).
fn decode_lines(r: &mut Reader<'_>) -> ((usize, usize, usize), Segmented) {
    let (text_len, ntok, nstart, nline) = (
        r.u32() as usize,
        r.u32() as usize,
        r.u32() as usize,
        r.u32() as usize,
    );
    let mut seg = Segmented {
        tokens: Vec::new(),
        starts: Vec::new(),
        lines: Vec::with_capacity(nline),
    };
    let (mut end, mut tok_end) = (0u32, 0u32);
    for _ in 0..nline {
        let start = end + r.var();
        end = start + r.var();
        let tok_start = tok_end + r.var();
        tok_end = tok_start + r.var();
        let hash = r.u64();
        let kind = match r.u8() {
            0 => LineKind::Text,
            1 => {
                let alone = r.u8() != 0;
                let m = r.take(2);
                LineKind::TailMarker {
                    marker: u16::from_le_bytes([m[0], m[1]]),
                    alone,
                }
            }
            2 => LineKind::Label,
            4 => LineKind::Continuing,
            _ => LineKind::Shortcode,
        };
        seg.lines.push(Line {
            start,
            end,
            tok_start,
            tok_end,
            hash,
            kind,
        });
    }
    ((text_len, ntok, nstart), seg)
}

/// A document as parsed in a batch: held in memory, or already encoded
/// for the spill file.
pub(super) enum Parsed {
    Held(Document, Segmented, Option<RawAt>),
    Spilled(SpilledDoc),
}

/// What stays in memory of a spilled document, and its record.
pub(super) struct SpilledDoc {
    pub(super) doc: Document,
    pub(super) record: Vec<u8>,
    pub(super) text_len: u32,
    pub(super) hot_len: u32,
    pub(super) lines_len: u32,
    pub(super) line_set: boilerplate::LineSet,
    pub(super) text_at: TextAt,
}

/// Encodes `doc` and `seg` for the spill file; the text goes in the
/// record unless it is read back from the input (its raw record lies at
/// `raw`).
pub(super) fn spill_one(
    mut doc: Document,
    seg: &Segmented,
    sketch: bool,
    raw: Option<RawAt>,
) -> SpilledDoc {
    let at = RawAt::text_at(raw, &doc.text);
    let with_text = at == TextAt::Record;
    let text_bytes = if with_text { doc.text.len() } else { 0 };
    let mut record = Vec::with_capacity(text_bytes + seg.tokens.len() * 10 + 64);
    let (lines_len, hot_len) = encode(&doc.text, seg, with_text, &mut record);
    let text_len = doc.text.len() as u32;
    doc.text = String::new();
    SpilledDoc {
        doc,
        record,
        text_len,
        hot_len: hot_len as u32,
        lines_len: lines_len as u32,
        line_set: boilerplate::line_set(seg, sketch),
        text_at: at,
    }
}

/// The thread writing spilled records, and what stays in memory of
/// them.
pub(super) struct Writer<'s> {
    pub(super) tx: std::sync::mpsc::SyncSender<Vec<Vec<u8>>>,
    pub(super) handle: std::thread::ScopedJoinHandle<'s, Result<crate::spill::Records>>,
    pub(super) text_lens: Vec<u32>,
    pub(super) hot_lens: Vec<u32>,
    pub(super) lines_lens: Vec<u32>,
    pub(super) line_sets: Vec<boilerplate::LineSet>,
    pub(super) texts: Vec<TextAt>,
}

impl<'s> Writer<'s> {
    pub(super) fn start<'e>(
        scope: &'s std::thread::Scope<'s, 'e>,
        cfg: &Config,
    ) -> Result<Writer<'s>> {
        let dir = crate::spill::folder(cfg.spill_dir.as_deref());
        let mut file = crate::spill::Records::new(&dir)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(2);
        let handle = scope.spawn(move || {
            for batch in rx {
                for r in batch {
                    file.push(&r)?;
                }
            }
            file.finish()?;
            Ok(file)
        });
        Ok(Writer {
            tx,
            handle,
            text_lens: Vec::new(),
            hot_lens: Vec::new(),
            lines_lens: Vec::new(),
            line_sets: Vec::new(),
            texts: Vec::new(),
        })
    }

    /// Keeps what stays in memory of `one` and returns its record.
    pub(super) fn keep(&mut self, one: SpilledDoc) -> (Document, Vec<u8>) {
        self.text_lens.push(one.text_len);
        self.hot_lens.push(one.hot_len);
        self.lines_lens.push(one.lines_len);
        self.line_sets.push(one.line_set);
        self.texts.push(one.text_at);
        (one.doc, one.record)
    }
}

/// Moves the texts and segmentations held so far to the spill file
/// (`at[i]`: where document `i`'s raw record lies, if it can be read
/// again). Returns false when the writer has stopped (on an error it
/// reports).
pub(super) fn spill_all(
    docs: &mut [Doc],
    at: &[Option<RawAt>],
    w: &mut Writer<'_>,
    sketch: bool,
) -> bool {
    for (chunk, at) in docs.chunks_mut(4096).zip(at.chunks(4096)) {
        let ones: Vec<SpilledDoc> = chunk
            .par_iter_mut()
            .zip(at)
            .map(|(d, &at)| {
                let seg = std::mem::take(&mut d.seg);
                let doc = Document {
                    id: String::new(),
                    source: None,
                    text: std::mem::take(&mut d.doc.text),
                };
                spill_one(doc, &seg, sketch, at)
            })
            .collect();
        let mut records = Vec::with_capacity(ones.len());
        for one in ones {
            records.push(w.keep(one).1);
        }
        if w.tx.send(records).is_err() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::segment::{segment, Markers};

    #[test]
    fn records_round_trip() {
        let cfg = Config::default();
        let m = Markers::new(&cfg);
        let mut n = m.normalizer();
        for text in [
            "",
            "سطر أول\n[ad_1]\nإقرأ أيضاً:\nعنوان مرتبط\nTags: a, b",
            "one line only",
        ] {
            let seg = segment(text, &mut n, &m);
            let mut out = vec![7u8];
            let (lines, hot) = encode(text, &seg, true, &mut out);
            assert!(out.ends_with(text.as_bytes()), "the text comes last");
            let mut r = Reader(&out[1..=lines]);
            let ((text_len, ntok, nstart), only) = decode_lines(&mut r);
            assert!(r.0.is_empty(), "the lines part ends where its length says");
            assert_eq!(
                (text_len, ntok, nstart),
                (text.len(), seg.tokens.len(), seg.starts.len())
            );
            assert_eq!((only.lines, only.tokens.len()), (seg.lines.clone(), 0));
            let s = decode_segmentation(&out[1..out.len() - text.len()]);
            assert_eq!(s, seg);
            let mut r = Reader(&out[1..=hot]);
            let ((text_len, nstart), hot) = decode_hot(&mut r);
            assert!(r.0.is_empty(), "the hot part ends where its length says");
            assert_eq!((text_len, nstart), (text.len(), seg.starts.len()));
            assert_eq!(
                (hot.tokens, hot.lines),
                (seg.tokens.clone(), seg.lines.clone())
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn records_round_trip_any_text(text in "[\u{0600}-\u{06FF} a-z0-9.:\\[\\]_\n]{0,300}") {
            let cfg = Config::default();
            let m = Markers::new(&cfg);
            let seg = segment(&text, &mut m.normalizer(), &m);
            let mut out = Vec::new();
            let (lines, hot) = encode(&text, &seg, true, &mut out);
            proptest::prop_assert!(out.ends_with(text.as_bytes()));
            let (_, only) = decode_lines(&mut Reader(&out[..lines]));
            proptest::prop_assert_eq!(&only.lines, &seg.lines);
            let s = decode_segmentation(&out[..out.len() - text.len()]);
            proptest::prop_assert_eq!(&s, &seg);
            let ((_, nstart), h) = decode_hot(&mut Reader(&out[..hot]));
            proptest::prop_assert_eq!(nstart, seg.starts.len());
            proptest::prop_assert_eq!((h.tokens, h.lines), (seg.tokens, seg.lines));
        }
    }
}
