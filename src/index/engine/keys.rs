//! Key counts of the passage level over the indexed and the new
//! documents: for every anchor and rare-word key an active document
//! carries (or carried), how many items hold it now and before, which
//! item pairs it counts for (`passage::co_occurring`'s rule: keys held by
//! 2 to `max` items), and which pairs of clean indexed documents a change
//! of its rare/common status may affect.
//!
//! Items are bodies and tails; item `x << 1 | t` is document `x`'s body
//! (`t = 0`) or tail (`t = 1`).

use ahash::AHashSet;
use rayon::prelude::*;

use super::Eng;
use crate::index::analysis::KEY_MASK;
use crate::index::archive::Post;
use crate::index::columns;

/// Item of document `x`'s body.
pub(crate) fn body(x: u32) -> u32 {
    x << 1
}

/// Item of document `x`'s tail.
pub(crate) fn tail(x: u32) -> u32 {
    (x << 1) | 1
}

/// Which keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    /// Anchors of bodies and tails.
    Anchors,
    /// Sampled rare words of bodies.
    Words,
}

/// What a pass over one kind of key found.
#[derive(Debug, Default)]
pub(crate) struct Counted {
    /// Item pairs `(i, j)`, `i < j`, with their number of shared keys.
    pub pairs: Vec<(u32, u32, u32)>,
    /// Touched keys held by more than `max` items now.
    pub common: AHashSet<u64>,
    /// The touched keys, sorted.
    pub keys: Vec<u64>,
    /// Whether each of `keys` is common now.
    pub common_at: Vec<bool>,
    /// The run table of `keys` (`columns::run_table`) and its bits: a
    /// lookup reads a run of a key or two.
    table: Vec<u32>,
    bits: u32,
    /// Touched keys whose rare/common status flipped, sorted.
    pub flips: Vec<u64>,
    /// Pairs of clean items that share a key whose status flipped.
    pub suspects: Vec<(u32, u32)>,
}

/// The keys of active documents (current bodies), as sorted postings
/// `key40 | local`, with the items they stand for.
fn active_postings(e: &Eng, which: Which) -> (Vec<u64>, Vec<u32>) {
    let mut items = Vec::new();
    let mut post = Vec::new();
    for &x in &e.active {
        let b = &e.docs.get(x).body;
        let parts: [(&Vec<u64>, u32); 2] = match which {
            Which::Anchors => [(&b.akeys, body(x)), (&b.tkeys, tail(x))],
            Which::Words => [(&b.wkeys, body(x)), (&Vec::new(), 0)],
        };
        for (keys, item) in parts {
            if keys.is_empty() {
                continue;
            }
            let local = items.len() as u64;
            items.push(item);
            post.extend(keys.iter().map(|k| k | local));
        }
    }
    post.par_sort_unstable();
    (post, items)
}

/// Counts the keys of the active documents.
pub(crate) fn count(e: &Eng, which: Which) -> Counted {
    let max = match which {
        Which::Anchors => e.cfg.passage.anchor_max_docs,
        Which::Words => e.cfg.passage.word_max_docs,
    };
    let (post, items) = active_postings(e, which);
    let mut keys: Vec<u64> = post.iter().map(|p| p & KEY_MASK).collect();
    for &x in &e.dirty {
        if let Some(old) = &e.docs.get(x).old {
            match which {
                Which::Anchors => keys.extend(old.akeys.iter().chain(&old.tkeys)),
                Which::Words => keys.extend(&old.wkeys),
            }
        }
    }
    keys.par_sort_unstable();
    keys.dedup();
    let indexed = e.ar.n > 0;
    let chunks: Vec<(Vec<u64>, Counted, Vec<bool>)> = keys
        .par_chunks(4096)
        .map(|chunk| {
            let mut out = Counted::default();
            let mut raw: Vec<u64> = Vec::new();
            let mut common_at = Vec::with_capacity(chunk.len());
            let mut at = post.partition_point(|p| p & KEY_MASK < chunk[0]);
            let mut arch = Vec::new();
            let mut clean = Vec::new();
            let mut act = Vec::new();
            for &k in chunk {
                arch.clear();
                if indexed {
                    match which {
                        Which::Anchors => {
                            let mut v = Vec::new();
                            e.ar.holders(Post::Anchors, k, &mut v);
                            arch.extend(v.iter().map(|&x| body(x)));
                            v.clear();
                            e.ar.holders(Post::Tails, k, &mut v);
                            arch.extend(v.iter().map(|&x| tail(x)));
                        }
                        Which::Words => {
                            let mut v = Vec::new();
                            e.ar.holders(Post::Words, k, &mut v);
                            arch.extend(v.iter().map(|&x| body(x)));
                        }
                    }
                }
                clean.clear();
                clean.extend(arch.iter().copied().filter(|&i| !e.is_dirty(i >> 1)));
                act.clear();
                while at < post.len() && post[at] & KEY_MASK < k {
                    at += 1;
                }
                while at < post.len() && post[at] & KEY_MASK == k {
                    act.push(items[(post[at] & !KEY_MASK) as usize]);
                    at += 1;
                }
                let before = arch.len();
                let now = clean.len() + act.len();
                if now > max {
                    out.common.insert(k);
                }
                common_at.push(now > max);

                if !act.is_empty() && (2..=max).contains(&now) {
                    for (i, &a) in act.iter().enumerate() {
                        for &b in clean.iter().chain(&act[i + 1..]) {
                            raw.push((u64::from(a.min(b)) << 32) | u64::from(a.max(b)));
                        }
                    }
                }
                if (before <= max) != (now <= max) {
                    out.flips.push(k);
                    flipped(e, before <= max, &clean, &mut out.suspects);
                }
            }
            (raw, out, common_at)
        })
        .collect();
    let mut out = Counted::default();
    let mut raw: Vec<u64> = Vec::with_capacity(chunks.iter().map(|c| c.0.len()).sum());
    for (r, c, at) in chunks {
        raw.extend(r);
        out.common_at.extend(at);
        out.common.extend(c.common);
        out.flips.extend(c.flips);
        out.suspects.extend(c.suspects);
    }
    raw.par_sort_unstable();
    out.pairs = raw
        .chunk_by(|x, y| x == y)
        .map(|r| ((r[0] >> 32) as u32, r[0] as u32, r.len() as u32))
        .collect();
    out.suspects.par_sort_unstable();
    out.suspects.dedup();
    out.bits = columns::table_bits(keys.len());
    out.table = columns::run_table(&keys, out.bits);
    out.keys = keys;
    out
}

impl Counted {
    /// Whether touched key `k` is common now, `None` when untouched.
    fn touched(&self, k: u64) -> Option<bool> {
        if self.keys.is_empty() {
            return None;
        }
        let p = (k >> (64 - self.bits)) as usize;
        let (lo, hi) = (self.table[p] as usize, self.table[p + 1] as usize);
        let at = lo + self.keys[lo..hi].partition_point(|&x| x < k);
        (self.keys.get(at) == Some(&k)).then(|| self.common_at[at])
    }
}

/// Pairs of clean items holding a key whose status flipped: every pair
/// when the key became rare (new pairs may count), else the pairs the
/// archive records as candidates or tail copies (only they can lose).
fn flipped(e: &Eng, became_common: bool, clean: &[u32], out: &mut Vec<(u32, u32)>) {
    for (i, &a) in clean.iter().enumerate() {
        for &b in &clean[i + 1..] {
            let (a, b) = (a.min(b), a.max(b));
            let (x, y) = (a >> 1, b >> 1);
            if x == y || (a & 1 == 1 && b & 1 == 1) {
                continue;
            }
            let keep = if !became_common {
                true
            } else if a & 1 == 0 && b & 1 == 0 {
                e.ar.cands.contains_key(&(x, y))
            } else {
                let (host, other) = if a & 1 == 1 { (x, y) } else { (y, x) };
                e.ar.links(host).iter().any(|l| l.0 == other)
            };
            if keep {
                out.push((a, b));
            }
        }
    }
}

/// Whether key `k` of `which` is held by more than the maximum of items
/// now (`counted` from [`count`]): no seed for alignment, and no evidence
/// for candidate pairs.
pub(crate) fn is_common(e: &Eng, counted: &Counted, which: Which, k: u64) -> bool {
    if let Some(common) = counted.touched(k) {
        return common;
    }
    e.ar.n > 0
        && e.ar.is_common(
            match which {
                Which::Anchors => Post::Anchors,
                Which::Words => Post::Words,
            },
            k,
        )
}
