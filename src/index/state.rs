//! What the fast path of a streaming query keeps about the indexed
//! documents: every corpus-wide structure the pipeline builds, computed
//! once over the indexed documents alone, so that one new document can be
//! related to them by looking up only what it touches (see `fast.rs`).
//!
//! Each structure mirrors a pipeline stage and is built with that stage's
//! own public functions where it has them:
//!
//! | structure | stage |
//! |---|---|
//! | `stats`, `lines`, `line_sets` | `boilerplate::learn` (recurring lines) |
//! | `bodies` | `pipeline::bodies` |
//! | `groups`, `group_keys` | `pipeline::exact_groups` |
//! | `band_keys` | `lsh::candidates` |
//! | `anchors`, `words`, `tail_anchors` | `passage::candidates` |

use rayon::prelude::*;

use crate::boilerplate::{self, Stats};
use crate::config::Config;
use crate::hash;
use crate::lsh;
use crate::passage::{grams, set};
use crate::pipeline::{self, Body, Corpus};
use crate::progress::Progress;
use crate::segment::Segmented;
use crate::shingle::shingles;

/// Low bits of a posting that hold the item (as in `passage::co_occurring`).
pub(crate) const ITEM_BITS: u32 = 24;
/// Mask of the item bits.
pub(crate) const ITEM_MASK: u64 = (1 << ITEM_BITS) - 1;
/// Groups larger than this pair their members with the representative only
/// (as in `pipeline::document_edges`).
pub(crate) const FULL_GROUP: usize = 64;
/// Cross-group edges are expanded to all member pairs up to this many.
pub(crate) const FULL_EXPANSION: usize = 4096;
/// At most this many indexed documents may have their bodies changed by
/// a new document (lines it makes boilerplate) for the fast path to apply.
pub(crate) const MAX_DIRTY: usize = 8;

/// The corpus-wide structures of the indexed documents.
pub(crate) struct State {
    /// The configuration they were computed with.
    pub cfg: Config,
    /// The indexed documents, segmented.
    pub corpus: Corpus,
    /// Their bodies (shingle sets and signatures freed).
    pub bodies: Vec<Body>,
    /// The token indices of each body.
    pub positions: Vec<Vec<u32>>,
    /// The recurring boilerplate lines.
    pub stats: Stats,
    /// Every (line hash, document, words) of the line sets, sorted.
    pub lines: Vec<(u64, u32, u32)>,
    /// Each document's line set: (hash, words), sorted by hash.
    pub line_sets: Vec<boilerplate::LineSet>,
    /// Exact-duplicate groups, by first member.
    pub groups: Vec<Vec<u32>>,
    /// Group of each document (`u32::MAX` for an empty body).
    pub group_of: Vec<u32>,
    /// (shingle-set fingerprint, set size, group), sorted.
    pub group_keys: Vec<(u64, u32, u32)>,
    /// The band shape.
    pub shape: lsh::Bands,
    /// (band, key, representative) of every group representative, sorted.
    pub band_keys: Vec<(u32, u64, u32)>,
    /// Anchor postings `key40 | item`, sorted: items are the bodies, then
    /// the tails in host order.
    pub anchors: Postings,
    /// Rare-word postings `key40 | document`, sorted.
    pub words: Postings,
    /// Documents with a tail, in order.
    pub hosts: Vec<u32>,
    /// Their tail anchor sets.
    pub tail_anchors: Vec<Vec<u64>>,
}

pub(crate) use crate::boilerplate::line_set;

/// The tokens of `seg` at `positions`.
pub(crate) fn tokens_at(seg: &Segmented, positions: &[u32]) -> Vec<u64> {
    positions.iter().map(|&p| seg.tokens[p as usize]).collect()
}

/// The rare-word keys of body tokens `tokens` (as in
/// `passage::candidates`: every word).
pub(crate) fn word_keys(tokens: &[u64]) -> Vec<u64> {
    keys40(tokens)
}

/// The sorted, de-duplicated set of `key40` values of `keys`.
pub(crate) fn keys40(keys: &[u64]) -> Vec<u64> {
    let mut v: Vec<u64> = keys.iter().map(|h| h & !ITEM_MASK).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Sorted postings `key40 | item` with a table of where each run of
/// top bits starts, so that a key is found in a few neighbouring entries.
#[derive(Debug, Default)]
pub(crate) struct Postings {
    data: Vec<u64>,
    /// `starts[p]`: the first posting whose top `bits` bits are ≥ `p`.
    starts: Vec<u32>,
    bits: u32,
}

impl Postings {
    /// Indexes `data`, sorted.
    pub fn new(data: Vec<u64>) -> Self {
        assert!(data.len() < u32::MAX as usize, "at most 2^32 postings");
        let bits = (data.len().max(1).ilog2()).clamp(8, 24);
        let shift = 64 - bits;
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        let mut at = 0usize;
        for p in 0..=(1u64 << bits) {
            while at < data.len() && (data[at] >> shift) < p {
                at += 1;
            }
            starts.push(at as u32);
        }
        Postings { data, starts, bits }
    }

    /// The postings of `key` (a `key40`).
    pub fn get(&self, key: u64) -> &[u64] {
        if self.starts.is_empty() {
            return &[];
        }
        let p = (key >> (64 - self.bits)) as usize;
        let run = &self.data[self.starts[p] as usize..self.starts[p + 1] as usize];
        let lo = run.partition_point(|x| x & !ITEM_MASK < key);
        let hi = lo + run[lo..].partition_point(|x| x & !ITEM_MASK == key);
        &run[lo..hi]
    }
}

impl State {
    /// Computes the structures of `corpus` (call inside
    /// [`pipeline::in_pool`]).
    pub fn new(corpus: Corpus, cfg: &Config, progress: &dyn Progress) -> State {
        let n = corpus.docs.len();
        assert!(n < (1 << ITEM_BITS) / 2, "at most 2^23 indexed documents");
        let segs: Vec<&Segmented> = corpus.docs.iter().map(|d| &d.seg).collect();
        let stats = boilerplate::learn(&segs, cfg);
        let line_sets: Vec<boilerplate::LineSet> = segs
            .par_iter()
            .map(|s| line_set(s, cfg.boilerplate_sketch))
            .collect();
        drop(segs);
        let mut lines: Vec<(u64, u32, u32)> = line_sets
            .iter()
            .enumerate()
            .flat_map(|(d, s)| s.lines.iter().map(move |&(h, w)| (h, d as u32, w)))
            .collect();
        lines.par_sort_unstable();
        let mut bodies = pipeline::bodies(&corpus, cfg, progress);
        let positions = corpus
            .docs
            .par_iter()
            .zip(&bodies)
            .map(|(d, b)| pipeline::body_positions(&d.seg, &b.marks, b.tail.as_ref()))
            .collect();
        let groups = pipeline::exact_groups(&bodies);
        let mut group_of = vec![u32::MAX; n];
        let mut group_keys = Vec::with_capacity(groups.len());
        for (gi, g) in groups.iter().enumerate() {
            for &m in g {
                group_of[m as usize] = gi as u32;
            }
            let sh = &bodies[g[0] as usize].shingles;
            group_keys.push((hash::seq(sh, hash::SET_SEED), sh.len() as u32, gi as u32));
        }
        group_keys.sort_unstable();
        let shape = pipeline::band_shape(cfg);
        let reps: Vec<u32> = groups.iter().map(|g| g[0]).collect();
        let band_keys = band_keys(&bodies, &reps, shape);
        for b in &mut bodies {
            b.shingles = Vec::new();
        }
        let mut state = State {
            cfg: cfg.clone(),
            corpus,
            bodies,
            positions,
            stats,
            lines,
            line_sets,
            groups,
            group_of,
            group_keys,
            shape,
            band_keys,
            anchors: Postings::default(),
            words: Postings::default(),
            hosts: Vec::new(),
            tail_anchors: Vec::new(),
        };
        if cfg.passages {
            progress.start("passage index", None);
            state.passage_level();
            progress.finish();
        }
        state
    }

    /// The shingle set of indexed document `i`'s body.
    pub fn shingles(&self, i: u32) -> Vec<u64> {
        shingles(&self.body(i), self.cfg.shingle_words)
    }

    /// The body tokens of indexed document `i`.
    pub fn body(&self, i: u32) -> Vec<u64> {
        let i = i as usize;
        tokens_at(&self.corpus.docs[i].seg, &self.positions[i])
    }

    fn passage_level(&mut self) {
        let n = self.corpus.docs.len();
        let pc = self.cfg.passage.clone();
        let anchors: Vec<Vec<u64>> = (0..n as u32)
            .into_par_iter()
            .map(|i| set(grams(&self.body(i), pc.anchor_words)))
            .collect();
        self.hosts = (0..n as u32)
            .filter(|&i| self.bodies[i as usize].tail.is_some())
            .collect();
        self.tail_anchors = self
            .hosts
            .iter()
            .map(|&h| {
                let d = &self.corpus.docs[h as usize];
                let start = self.bodies[h as usize]
                    .tail
                    .as_ref()
                    .map_or(0, |t| d.seg.lines[t.line].tok_start);
                set(grams(&d.seg.tokens[start as usize..], pc.anchor_words))
            })
            .collect();
        let mut post: Vec<u64> = Vec::new();
        for (i, k) in anchors.iter().chain(&self.tail_anchors).enumerate() {
            post.extend(k.iter().map(|h| (h & !ITEM_MASK) | i as u64));
        }
        drop(anchors);
        post.par_sort_unstable();
        post.dedup();
        self.anchors = Postings::new(post);
        let mut words: Vec<u64> = (0..n as u32)
            .into_par_iter()
            .flat_map_iter(|i| {
                word_keys(&self.body(i))
                    .into_iter()
                    .map(move |k| k | u64::from(i))
            })
            .collect();
        words.par_sort_unstable();
        self.words = Postings::new(words);
    }
}

/// The band keys of the representatives, as `lsh::candidates` makes them.
fn band_keys(bodies: &[Body], reps: &[u32], shape: lsh::Bands) -> Vec<(u32, u64, u32)> {
    let mut keys: Vec<(u32, u64, u32)> = reps
        .par_iter()
        .flat_map_iter(|&d| {
            let bands = &bodies[d as usize].bands;
            (0..shape.bands).map(move |b| (b as u32, bands[b], d))
        })
        .collect();
    keys.par_sort_unstable();
    keys
}

/// The key of band `b` of signature `sig`.
pub(crate) fn band_key(sig: &[u64], shape: lsh::Bands, b: usize) -> u64 {
    let band = &sig[b * shape.rows..(b + 1) * shape.rows];
    hash::seq(band, hash::BAND_SEED ^ b as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_find_every_key() {
        let mut data: Vec<u64> = (0..5000u64)
            .map(|i| (hash::mix(i % 1700, 7) & !ITEM_MASK) | (i % 300))
            .collect();
        data.sort_unstable();
        data.dedup();
        let p = Postings::new(data.clone());
        for i in 0..1800u64 {
            let key = hash::mix(i, 7) & !ITEM_MASK;
            let want: Vec<u64> = data
                .iter()
                .copied()
                .filter(|x| x & !ITEM_MASK == key)
                .collect();
            assert_eq!(p.get(key), &want[..], "{i}");
        }
        assert!(Postings::default().get(42).is_empty());
    }
}
