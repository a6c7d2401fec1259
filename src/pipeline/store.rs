//! Where documents' texts and segmentations live. A corpus that fits
//! keeps them in its [`Doc`]s; past [`Config::spill_above`] bytes they go
//! to a spill file and are read back, one document at a time, by the
//! stages that need them ([`Corpus::content`]). Everything else a stage
//! keeps per document is small (ids, boilerplate marks, band keys).
//!
//! [`Config::spill_above`]: crate::config::Config::spill_above

use std::cell::{OnceCell, RefCell};

use super::{Corpus, Doc};
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
    /// Each document's lines as (hash, words), sorted, for boilerplate
    /// statistics (what [`crate::boilerplate::learn`] would compute).
    pub(crate) line_sets: Vec<Vec<(u64, u32)>>,
}

/// One document's text and segmentation, borrowed or read back.
#[derive(Debug)]
pub enum Content<'a> {
    /// Held in memory.
    Held(&'a Doc),
    /// Read back from the spill file.
    Loaded(Box<Loaded>),
}

/// A document read back from the spill file. Most stages need only its
/// tokens and lines, so its text is checked as UTF-8 (a real cost) only
/// when asked for.
#[derive(Debug)]
pub struct Loaded {
    seg: Segmented,
    raw: Vec<u8>,
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
            Content::Loaded(b) => b
                .text
                .get_or_init(|| String::from_utf8(b.raw.clone()).expect("spilled text is UTF-8")),
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

impl Corpus {
    /// Document `i`'s text and segmentation.
    pub fn content(&self, i: usize) -> Content<'_> {
        match &self.spilled {
            None => Content::Held(&self.docs[i]),
            Some(s) => {
                thread_local!(static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) });
                BUF.with_borrow_mut(|buf| {
                    s.records.read(i, buf);
                    let (raw, seg) = decode(buf);
                    Content::Loaded(Box::new(Loaded {
                        seg,
                        raw,
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
            Some(s) => {
                thread_local!(static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) });
                BUF.with_borrow_mut(|buf| {
                    s.records.read_prefix(i, s.hot_lens[i] as usize, buf);
                    let mut r = Reader(buf);
                    let (_, seg) = decode_hot(&mut r);
                    TokensAndLines::Loaded(seg)
                })
            }
        }
    }

    /// Length in bytes of document `i`'s text.
    pub fn text_len(&self, i: usize) -> usize {
        match &self.spilled {
            None => self.docs[i].doc.text.len(),
            Some(s) => s.text_lens[i] as usize,
        }
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

/// Appends the record of (`text`, `seg`) to `out`: four counts (text
/// bytes, tokens, starts, lines), then the lines (32 bytes each), the
/// token hashes, the token starts and the text, all little-endian.
pub(crate) fn encode(text: &str, seg: &Segmented, out: &mut Vec<u8>) {
    for n in [
        text.len(),
        seg.tokens.len(),
        seg.starts.len(),
        seg.lines.len(),
    ] {
        put(out, n as u32);
    }
    for l in &seg.lines {
        for x in [l.start, l.end, l.tok_start, l.tok_end] {
            put(out, x);
        }
        out.extend_from_slice(&l.hash.to_le_bytes());
        let (tag, marker, alone) = match l.kind {
            LineKind::Text => (0u8, 0u16, false),
            LineKind::TailMarker { marker, alone } => (1, marker, alone),
            LineKind::Label => (2, 0, false),
            LineKind::Shortcode => (3, 0, false),
            LineKind::Continuing => (4, 0, false),
        };
        out.push(tag);
        out.push(u8::from(alone));
        out.extend_from_slice(&marker.to_le_bytes());
        put(out, 0);
    }
    for t in &seg.tokens {
        out.extend_from_slice(&t.to_le_bytes());
    }
    for s in &seg.starts {
        put(out, *s);
    }
    out.extend_from_slice(text.as_bytes());
}

/// Reads fixed-width little-endian values off the front of a slice.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes"))
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }
}

/// The inverse of [`encode`], with the text still as bytes. The record was
/// written by this process moments ago, so a malformed one is a bug, not
/// bad input.
pub(crate) fn decode(bytes: &[u8]) -> (Vec<u8>, Segmented) {
    let mut r = Reader(bytes);
    let ((text_len, nstart), mut seg) = decode_hot(&mut r);
    seg.starts.extend(
        r.take(nstart * 4)
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))),
    );
    (r.take(text_len).to_vec(), seg)
}

/// Bytes of a record before its token starts and text (see [`encode`]).
pub(crate) fn hot_len(seg: &Segmented) -> usize {
    16 + 32 * seg.lines.len() + 8 * seg.tokens.len()
}

/// The counts, lines and tokens at the front of a record: the text length
/// and number of token starts, and the segmentation without its starts.
fn decode_hot(r: &mut Reader<'_>) -> ((usize, usize), Segmented) {
    let (text_len, ntok, nstart, nline) = (
        r.u32() as usize,
        r.u32() as usize,
        r.u32() as usize,
        r.u32() as usize,
    );
    let mut seg = Segmented {
        tokens: Vec::with_capacity(ntok),
        starts: Vec::with_capacity(nstart),
        lines: Vec::with_capacity(nline),
    };
    for _ in 0..nline {
        let (start, end, tok_start, tok_end) = (r.u32(), r.u32(), r.u32(), r.u32());
        let hash = r.u64();
        let k = r.take(8);
        let marker = u16::from_le_bytes([k[2], k[3]]);
        let kind = match k[0] {
            0 => LineKind::Text,
            1 => LineKind::TailMarker {
                marker,
                alone: k[1] != 0,
            },
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
    seg.tokens.extend(
        r.take(ntok * 8)
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))),
    );
    ((text_len, nstart), seg)
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
            encode(text, &seg, &mut out);
            let (t, s) = decode(&out[1..]);
            assert_eq!(t, text.as_bytes());
            assert_eq!(s, seg);
            let mut r = Reader(&out[1..=hot_len(&seg)]);
            let ((text_len, nstart), hot) = decode_hot(&mut r);
            assert!(r.0.is_empty(), "the hot part ends where its length says");
            assert_eq!((text_len, nstart), (text.len(), seg.starts.len()));
            assert_eq!(
                (hot.tokens, hot.lines),
                (seg.tokens.clone(), seg.lines.clone())
            );
        }
    }
}
