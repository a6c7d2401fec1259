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

use rayon::prelude::*;

use super::record::{decode_hot, decode_lines, decode_segmentation, encode, Reader};
use super::{Corpus, Doc};
use crate::boilerplate::{self, Kind};
use crate::config::{Config, InputConfig};
use crate::corpus::{Document, FileKind, InputFile};
use crate::error::Result;
use crate::segment::{Line, Segmented};
use crate::spill::Records;
use crate::tails::Tail;

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

    /// The first `n` tokens of document `i`'s body, boilerplate `marks`
    /// and `tail` left out (the front of [`super::body_tokens_of`]). A
    /// spilled document's record is read as far as those tokens only.
    pub fn body_head(
        &self,
        i: usize,
        marks: &[Option<Kind>],
        tail: Option<&Tail>,
        n: usize,
    ) -> Vec<u64> {
        let Some(s) = &self.spilled else {
            let body = super::body_tokens_of(&self.docs[i].seg, marks, tail);
            return body[..n.min(body.len())].to_vec();
        };
        READ_BUF.with_borrow_mut(|buf| {
            let lines_len = s.lines_lens[i] as usize;
            s.records.read_prefix(i, lines_len, buf);
            let (_, seg) = decode_lines(&mut Reader(buf));
            let mut picks = super::body_positions(&seg, marks, tail);
            picks.truncate(n);
            let Some(&last) = picks.last() else {
                return Vec::new();
            };
            // The token hashes follow the lines part, 8 bytes each.
            let first = picks[0] as usize;
            s.records.read_range(
                i,
                lines_len + 8 * first,
                lines_len + 8 * (last as usize + 1),
                buf,
            );
            picks
                .iter()
                .map(|&j| {
                    let at = 8 * (j as usize - first);
                    u64::from_le_bytes(buf[at..at + 8].try_into().expect("8 bytes"))
                })
                .collect()
        })
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
    // `encode` reserves the record's room.
    let mut record = Vec::new();
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
