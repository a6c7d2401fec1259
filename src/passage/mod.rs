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
//! few found in ten. Each candidate pair is then aligned (see [`mod@align`])
//! into passages with token ranges in both documents.

pub mod align;
mod bags;
mod cooccur;

use ahash::AHashSet;
use rayon::prelude::*;

use crate::config::PassageConfig;
use crate::hash;

pub use align::{align, Match, Prepared};
pub use cooccur::{co_occurring, co_occurring_spilled, key_class, CoOccurring};

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

/// Sorted, de-duplicated copy.
pub fn set(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Candidates of the passage level.
#[derive(Debug, Default)]
pub struct Candidates {
    /// Body pairs to align, sorted: those sharing enough rare anchors or
    /// enough rare words.
    pub pairs: Vec<(u32, u32)>,
    /// Anchors too common to count as evidence of reuse, by
    /// [`key_class`].
    pub common: AHashSet<u64>,
    /// Pairs `(x, t, shared)` where `t` indexes `tails` and `x` is a body
    /// (`x < bodies.len()`) or another tail (`x - bodies.len()`).
    pub tail_pairs: Vec<(u32, u32, u32)>,
    /// Anchor sets of the tails.
    pub tail_anchors: Vec<Vec<u64>>,
    /// The pairs of `pairs` that share at least `min_shared_words` rare
    /// words (the pairs bags of words are looked for in), sorted.
    pub word_pairs: Vec<(u32, u32)>,
}

/// Candidate pairs of documents for alignment, from their body tokens
/// (and appended tails, whose copies are looked for at the same time).
/// With `spill`, the inverted indexes are sorted on disk in that folder
/// (same result, bounded memory; `body` is then called once per body).
pub fn candidates(
    n: usize,
    body: &(dyn Fn(usize) -> Vec<u64> + Sync),
    tails: &[&[u64]],
    cfg: &PassageConfig,
    spill: Option<&std::path::Path>,
) -> crate::error::Result<Candidates> {
    // Anchors are posted as they come (a run counts each document once);
    // each body's words once, since common words recur within a body.
    let key_sets = |toks: Vec<u64>| (grams(&toks, cfg.anchor_words), set(toks));
    let tail_anchors: Vec<Vec<u64>> = tails
        .iter()
        .map(|t| set(grams(t, cfg.anchor_words)))
        .collect();
    let ((anchor_pairs, common), (word_pairs, _)) = if let Some(dir) = spill {
        let items = n + tails.len();
        let keys = |i: usize| {
            if i < n {
                let (a, w) = key_sets(body(i));
                vec![a, w]
            } else {
                vec![tail_anchors[i - n].clone(), Vec::new()]
            }
        };
        let mut found = co_occurring_spilled(
            items,
            &keys,
            &[cfg.anchor_max_docs, cfg.word_max_docs],
            &[cfg.min_shared_anchors, cfg.min_shared_words],
            dir,
        )?;
        let words = found.pop().expect("two families");
        (found.pop().expect("two families"), words)
    } else {
        // One family at a time (the bodies are read twice): both key
        // sets of every body at once would be the scan's peak memory.
        let mut anchors: Vec<Vec<u64>> = (0..n)
            .into_par_iter()
            .map(|i| grams(&body(i), cfg.anchor_words))
            .collect();
        anchors.extend(tail_anchors.iter().cloned());
        let anchor_found = co_occurring(anchors, cfg.anchor_max_docs, cfg.min_shared_anchors);
        let words: Vec<Vec<u64>> = (0..n).into_par_iter().map(|i| set(body(i))).collect();
        (
            anchor_found,
            co_occurring(words, cfg.word_max_docs, cfg.min_shared_words),
        )
    };
    let common: AHashSet<u64> = common.into_iter().collect();
    let mut pairs = Vec::new();
    let mut tail_pairs = Vec::new();
    for (a, b, k) in anchor_pairs {
        if (b as usize) < n {
            pairs.push((a, b));
        } else {
            tail_pairs.push((a, b - n as u32, k));
        }
    }
    // Sorted, as co-occurring pairs are.
    let word_pairs: Vec<(u32, u32)> = word_pairs.into_iter().map(|(a, b, _)| (a, b)).collect();
    pairs.extend(word_pairs.iter().copied());
    pairs.par_sort_unstable();
    pairs.dedup();
    Ok(Candidates {
        pairs,
        common,
        tail_pairs,
        tail_anchors,
        word_pairs,
    })
}
