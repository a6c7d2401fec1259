//! The passage level: which documents share passages, and where.
//!
//! Candidate pairs come from two inverted indexes over the bodies, the
//! degenerate form of LSH in which every shingle is its own band: word
//! 3-gram *anchors* found in at most `anchor_max_docs` documents (more is
//! a formula, not evidence of reuse), and rare single words, for reuse
//! whose words were reordered. Each candidate pair is then aligned (see
//! [`align`]) into passages with token ranges in both documents.

pub mod align;

use rayon::prelude::*;

use crate::config::PassageConfig;
use crate::hash;

pub use align::{align, Match};

/// The word `n`-gram hashes of `tokens`, one per start position.
pub fn grams(tokens: &[u64], n: usize) -> Vec<u64> {
    if tokens.len() < n {
        return Vec::new();
    }
    tokens
        .windows(n)
        .map(|w| hash::seq(w, hash::SHINGLE_SEED ^ n as u64))
        .collect()
}

/// Pairs `(i, j)`, `i < j`, of items sharing at least `min_shared`
/// distinct keys, where only keys held by 2 to `max_docs` items count.
/// `keys[i]` is item `i`'s sorted, de-duplicated key set. Returns the
/// pairs with their number of shared keys, sorted.
pub fn co_occurring(keys: &[Vec<u64>], max_docs: usize, min_shared: usize) -> Vec<(u32, u32, u32)> {
    let mut postings: Vec<(u64, u32)> = keys
        .iter()
        .enumerate()
        .flat_map(|(i, k)| k.iter().map(move |&h| (h, i as u32)))
        .collect();
    postings.par_sort_unstable();
    let runs: Vec<&[(u64, u32)]> = postings
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|r| r.len() >= 2 && r.len() <= max_docs)
        .collect();
    let mut pairs: Vec<u64> = runs
        .par_iter()
        .flat_map_iter(|run| {
            (0..run.len()).flat_map(move |i| {
                (i + 1..run.len()).map(move |j| (u64::from(run[i].1) << 32) | u64::from(run[j].1))
            })
        })
        .collect();
    pairs.par_sort_unstable();
    pairs
        .chunk_by(|x, y| x == y)
        .filter(|r| r.len() >= min_shared)
        .map(|r| ((r[0] >> 32) as u32, r[0] as u32, r.len() as u32))
        .collect()
}

/// Sorted, de-duplicated copy.
pub fn set(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Candidate pairs of documents for alignment, from their body tokens.
pub fn candidates(bodies: &[Vec<u64>], cfg: &PassageConfig) -> Vec<(u32, u32)> {
    let anchors: Vec<Vec<u64>> = bodies.par_iter().map(|b| set(grams(b, cfg.anchor_words))).collect();
    let mut out: Vec<(u32, u32)> = co_occurring(&anchors, cfg.anchor_max_docs, cfg.min_shared_anchors)
        .into_iter()
        .map(|(a, b, _)| (a, b))
        .collect();
    drop(anchors);
    let words: Vec<Vec<u64>> = bodies.par_iter().map(|b| set(b.clone())).collect();
    out.extend(
        co_occurring(&words, cfg.word_max_docs, cfg.min_shared_words)
            .into_iter()
            .map(|(a, b, _)| (a, b)),
    );
    out.par_sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn co_occurrence_counts_shared_keys() {
        let keys = vec![vec![1, 2, 3, 9], vec![2, 3, 4, 9], vec![3, 4, 5, 9], vec![7]];
        // 9 is in 3 items: with max_docs 2 it does not count.
        let got = co_occurring(&keys, 2, 1);
        assert_eq!(got, vec![(0, 1, 1), (1, 2, 1)]);
        let got = co_occurring(&keys, 3, 2);
        assert_eq!(got, vec![(0, 1, 3), (0, 2, 2), (1, 2, 3)]);
    }
}
