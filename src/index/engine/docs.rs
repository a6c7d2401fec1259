//! Documents the engine reads in full: the new ones, and the indexed ones
//! it must look at (decompressed and segmented on demand), each with its
//! body as the pipeline's `bodies` stage computes it.

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;

use crate::boilerplate::{self, line_set, Kind, Stats};
use crate::config::Config;
use crate::corpus::Document;
use crate::hash;
use crate::index::state::keys40;
use crate::passage::{grams, set};
use crate::pipeline::body_positions;
use crate::segment::{segment, Markers, Segmented};
use crate::shingle::shingles;
use crate::tails::{self, Tail};

/// A body and everything the engine derives from it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Body {
    /// Boilerplate marks by line.
    pub marks: Vec<Option<Kind>>,
    /// The tail, if any.
    pub tail: Option<Tail>,
    /// Byte where the body ends.
    pub end: u32,
    /// Token indices of the body.
    pub positions: Vec<u32>,
    /// Body tokens.
    pub tokens: Vec<u64>,
    /// Sorted shingle set.
    pub shingles: Vec<u64>,
    /// Fingerprint of the shingle set (0 when empty).
    pub set: u64,
    /// `key40` classes of the body anchors.
    pub akeys: Vec<u64>,
    /// Tail anchors (64-bit set).
    pub tail_anchors: Vec<u64>,
    /// `key40` classes of the tail anchors.
    pub tkeys: Vec<u64>,
    /// `key40` classes of the body words (rare-word candidates).
    pub wkeys: Vec<u64>,
}

impl Body {
    /// The body of `text` (segmented as `seg`) under the recurring lines
    /// of `stats`.
    pub fn new(text: &str, seg: &Segmented, stats: &Stats, cfg: &Config) -> Body {
        let mut marks = boilerplate::mark(seg, stats);
        let tail = tails::find(seg, &mut marks);
        Body::with(text, seg, marks, tail, cfg)
    }

    /// The body of `text` with boilerplate `marks` and `tail` (a tail
    /// without a marker cut, or what [`tails::find`] found).
    pub fn with(
        text: &str,
        seg: &Segmented,
        marks: Vec<Option<Kind>>,
        tail: Option<Tail>,
        cfg: &Config,
    ) -> Body {
        let positions = body_positions(seg, &marks, tail.as_ref());
        let tokens: Vec<u64> = positions.iter().map(|&p| seg.tokens[p as usize]).collect();
        let shingles = shingles(&tokens, cfg.shingle_words);
        let end = tail
            .as_ref()
            .map_or(text.len() as u32, |t| seg.lines[t.line].start);
        let mut b = Body {
            set: if shingles.is_empty() {
                0
            } else {
                hash::seq(&shingles, hash::SET_SEED)
            },
            marks,
            end,
            positions,
            shingles,
            ..Body::default()
        };
        if cfg.passages {
            let aw = cfg.passage.anchor_words;
            b.akeys = keys40(&grams(&tokens, aw));
            if let Some(t) = &tail {
                let start = seg.lines[t.line].tok_start as usize;
                b.tail_anchors = set(grams(&seg.tokens[start..], aw));
                b.tkeys = keys40(&b.tail_anchors);
            }
            // Every body word is a rare-word candidate, as in
            // `passage::candidates`.
            b.wkeys = keys40(&tokens);
        }
        b.tail = tail;
        b.tokens = tokens;
        b
    }

    /// The body's anchors (a 64-bit set; only tail copies need them).
    pub fn anchors(&self, cfg: &Config) -> Vec<u64> {
        set(grams(&self.tokens, cfg.passage.anchor_words))
    }

    /// Words of the body.
    pub fn words(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the pipeline would see the same body.
    pub fn same_as(&self, o: &Body) -> bool {
        self.marks == o.marks && self.tail == o.tail
    }
}

/// A document read in full.
#[derive(Debug)]
pub(crate) struct Doc {
    /// Id, source and text.
    pub document: Document,
    /// Lines and tokens.
    pub seg: Segmented,
    /// Its distinct lines with their words.
    pub lines: boilerplate::LineSet,
    /// Its body now.
    pub body: Body,
    /// Its body before (indexed documents whose body changes).
    pub old: Option<Body>,
}

/// Segments `docs` in parallel.
pub(crate) fn segment_all(docs: &[Document], markers: &Markers) -> Vec<Segmented> {
    docs.par_iter()
        .map_init(
            || markers.normalizer(),
            |norm, d| segment(&d.text, norm, markers),
        )
        .collect()
}

/// The documents read so far, by index.
#[derive(Debug, Default)]
pub(crate) struct Docs {
    map: AHashMap<u32, Doc>,
}

impl Docs {
    /// Document `i`, which must have been read.
    pub fn get(&self, i: u32) -> &Doc {
        &self.map[&i]
    }

    /// Whether document `i` has been read.
    pub fn has(&self, i: u32) -> bool {
        self.map.contains_key(&i)
    }

    /// Adds document `i`.
    pub fn insert(&mut self, i: u32, d: Doc) {
        self.map.insert(i, d);
    }

    /// Takes document `i` out (it must have been read).
    pub fn take(&mut self, i: u32) -> Doc {
        self.map.remove(&i).expect("read before")
    }

    /// Reads and segments the documents `want` (indices) that are not
    /// read yet, with `fetch` giving their text, and computes their
    /// bodies under `stats`.
    pub fn read<E>(
        &mut self,
        want: impl IntoIterator<Item = u32>,
        fetch: impl FnOnce(&[u32]) -> Result<Vec<Document>, E>,
        markers: &Markers,
        stats: &Stats,
        cfg: &Config,
    ) -> Result<(), E> {
        let mut todo: Vec<u32> = want.into_iter().filter(|i| !self.has(*i)).collect();
        todo.sort_unstable();
        todo.dedup();
        if todo.is_empty() {
            return Ok(());
        }
        let docs = fetch(&todo)?;
        let segs = segment_all(&docs, markers);
        let made: Vec<Doc> = docs
            .into_par_iter()
            .zip(segs)
            .map(|(doc, seg)| {
                let body = Body::new(&doc.text, &seg, stats, cfg);
                Doc {
                    lines: line_set(&seg, cfg.boilerplate_sketch),
                    document: doc,
                    seg,
                    body,
                    old: None,
                }
            })
            .collect();
        for (i, d) in todo.into_iter().zip(made) {
            self.insert(i, d);
        }
        Ok(())
    }
}

/// The recurring lines as the boilerplate stage keeps them.
pub(crate) fn stats_of(recurring: &AHashSet<u64>) -> Stats {
    Stats {
        recurring: recurring.clone(),
    }
}
