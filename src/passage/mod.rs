//! The passage level: which documents share passages, and where.
//!
//! Candidate pairs come from two inverted indexes over the bodies, the
//! degenerate form of LSH in which every shingle is its own band: word
//! 3-gram *anchors* found in at most `anchor_max_docs` documents (more is
//! a formula, not evidence of reuse), and rare single words (in at most
//! `word_max_docs` documents), for reuse whose words were reordered. A
//! short shuffled passage shares only a dozen rare words with its source,
//! so every word takes part (sampling half of them left too few to tell
//! it from chance), and the rarity bound is tight instead: two unrelated
//! articles on one topic share many words found in twenty documents,
//! few found in ten. Each candidate pair is then aligned (see [`align`])
//! into passages with token ranges in both documents.

pub mod align;
mod bags;

use ahash::AHashSet;
use rayon::prelude::*;

use crate::config::PassageConfig;
use crate::hash;

pub use align::{align, Match, Prepared};

/// The word `n`-gram hashes of `tokens` (token hashes), one per start
/// position. Anchors never leave the process, so they use a cheap
/// combination of the (already XXH3) token hashes — each rotated by its
/// place, XORed, then the SplitMix64 finalizer — instead of hashing bytes.
pub fn grams(tokens: &[u64], n: usize) -> Vec<u64> {
    if tokens.len() < n {
        return Vec::new();
    }
    tokens
        .windows(n)
        .map(|w| {
            let x = w.iter().enumerate().fold(ANCHOR_SEED, |acc, (k, t)| {
                acc ^ t.rotate_left(21 * k as u32 + 1)
            });
            splitmix64(x)
        })
        .collect()
}

/// The SplitMix64 finalizer.
fn splitmix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Seed of anchor n-gram hashes.
const ANCHOR_SEED: u64 = hash::SHINGLE_SEED.rotate_left(17);

/// Pairs `(i, j)`, `i < j`, of items sharing at least `min_shared`
/// distinct keys, where only keys held by 2 to `max_docs` items count.
/// `keys[i]` is item `i`'s sorted, de-duplicated key set. Returns the
/// pairs with their number of shared keys, sorted, and the keys held by
/// more than `max_docs` items (as [`key_class`]es).
pub fn co_occurring(
    keys: Vec<Vec<u64>>,
    max_docs: usize,
    min_shared: usize,
) -> (Vec<(u32, u32, u32)>, Vec<u64>) {
    assert!(keys.len() < 1 << ITEM_BITS, "at most 2^24 items");
    // Each posting packs the key's top 40 bits with the item index: a
    // rare 40-bit collision only proposes a pair that alignment rejects.
    // Filled in place with exact capacities: a parallel collect would
    // hold two copies at its peak.
    let mut postings: Vec<u64> = Vec::with_capacity(keys.iter().map(Vec::len).sum());
    for (i, k) in keys.into_iter().enumerate() {
        postings.extend(k.into_iter().map(|h| (h & !ITEM_MASK) | i as u64));
    }
    postings.par_sort_unstable();
    postings.dedup();
    let runs = || {
        postings
            .chunk_by(|x, y| x & !ITEM_MASK == y & !ITEM_MASK)
            .filter(|r| r.len() >= 2 && r.len() <= max_docs)
    };
    let mut pairs: Vec<u64> = Vec::with_capacity(runs().map(|r| r.len() * (r.len() - 1) / 2).sum());
    for run in runs() {
        for i in 0..run.len() {
            for j in i + 1..run.len() {
                pairs.push(((run[i] & ITEM_MASK) << 32) | (run[j] & ITEM_MASK));
            }
        }
    }
    let common = postings
        .chunk_by(|x, y| x & !ITEM_MASK == y & !ITEM_MASK)
        .filter(|r| r.len() > max_docs)
        .map(|r| r[0] & !ITEM_MASK)
        .collect();
    drop(postings);
    pairs.par_sort_unstable();
    let pairs = pairs
        .chunk_by(|x, y| x == y)
        .filter(|r| r.len() >= min_shared)
        .map(|r| ((r[0] >> 32) as u32, r[0] as u32, r.len() as u32))
        .collect();
    (pairs, common)
}

/// The part of a key the postings keep (its top 40 bits): what
/// [`co_occurring`]'s common keys are compared by.
pub fn key_class(key: u64) -> u64 {
    key & !ITEM_MASK
}

const ITEM_BITS: u32 = 24;
const ITEM_MASK: u64 = (1 << ITEM_BITS) - 1;

/// Sorted, de-duplicated copy.
pub fn set(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Candidates of the passage level.
#[derive(Debug, Default)]
pub struct Candidates {
    /// Body pairs to align, sorted.
    pub pairs: Vec<(u32, u32)>,
    /// Anchors too common to count as evidence of reuse, by
    /// [`key_class`].
    pub common: AHashSet<u64>,
    /// Pairs `(x, t, shared)` where `t` indexes `tails` and `x` is a body
    /// (`x < bodies.len()`) or another tail (`x - bodies.len()`).
    pub tail_pairs: Vec<(u32, u32, u32)>,
    /// Anchor sets of the tails.
    pub tail_anchors: Vec<Vec<u64>>,
}

/// Candidate pairs of documents for alignment, from their body tokens
/// (and appended tails, whose copies are looked for at the same time).
pub fn candidates(
    n: usize,
    body: &(dyn Fn(usize) -> Vec<u64> + Sync),
    tails: &[&[u64]],
    cfg: &PassageConfig,
) -> Candidates {
    // One pass over the bodies gives both key sets.
    let (mut anchors, words): (Vec<Vec<u64>>, Vec<Vec<u64>>) = (0..n)
        .into_par_iter()
        .map(|i| {
            let toks = body(i);
            (set(grams(&toks, cfg.anchor_words)), set(toks))
        })
        .unzip();
    let tail_anchors: Vec<Vec<u64>> = tails
        .iter()
        .map(|t| set(grams(t, cfg.anchor_words)))
        .collect();
    anchors.extend(tail_anchors.iter().cloned());
    let mut pairs = Vec::new();
    let mut tail_pairs = Vec::new();
    let (anchor_pairs, common) = co_occurring(anchors, cfg.anchor_max_docs, cfg.min_shared_anchors);
    let common: AHashSet<u64> = common.into_iter().collect();
    for (a, b, k) in anchor_pairs {
        if (b as usize) < n {
            pairs.push((a, b));
        } else {
            tail_pairs.push((a, b - n as u32, k));
        }
    }
    pairs.extend(
        co_occurring(words, cfg.word_max_docs, cfg.min_shared_words)
            .0
            .into_iter()
            .map(|(a, b, _)| (a, b)),
    );
    pairs.par_sort_unstable();
    pairs.dedup();
    Candidates {
        pairs,
        common,
        tail_pairs,
        tail_anchors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn co_occurrence_counts_shared_keys() {
        // Realistic 64-bit keys: postings keep only their top 40 bits.
        let keys: Vec<Vec<u64>> = [
            vec![1, 2, 3, 9],
            vec![2, 3, 4, 9],
            vec![3, 4, 5, 9],
            vec![7],
        ]
        .into_iter()
        .map(|k| set(k.into_iter().map(|x| hash::mix(x, 1)).collect()))
        .collect();
        // 9 is in 3 items: with max_docs 2 it does not count.
        let got = co_occurring(keys.clone(), 2, 1).0;
        assert_eq!(got, vec![(0, 1, 1), (1, 2, 1)]);
        let got = co_occurring(keys.clone(), 3, 2).0;
        assert_eq!(got, vec![(0, 1, 3), (0, 2, 2), (1, 2, 3)]);
        // With max_docs 2, keys 3 and 9 (in three items each) are common.
        let (_, mut common) = co_occurring(keys, 2, 1);
        common.sort_unstable();
        let mut want = vec![key_class(hash::mix(3, 1)), key_class(hash::mix(9, 1))];
        want.sort_unstable();
        assert_eq!(common, want);
    }
}
