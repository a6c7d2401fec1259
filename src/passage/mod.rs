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

/// Sorts a large vector of `u64` with a parallel radix sort (about twice
/// as fast as a comparison sort on these uniformly spread keys), a small
/// one in place.
fn sort_u64(v: &mut [u64]) {
    if v.len() < 1 << 20 {
        v.sort_unstable();
    } else {
        voracious_radix_sort::RadixSort::voracious_mt_sort(v, rayon::current_num_threads());
    }
}

/// Pairs `(i, j)`, `i < j`, of items sharing at least `min_shared`
/// distinct keys, where only keys held by 2 to `max_docs` items count.
/// `keys[i]` is item `i`'s key set (repeats allowed). Returns the
/// pairs with their number of shared keys, sorted, and the keys held by
/// more than `max_docs` items (as [`key_class`]es).
pub fn co_occurring(
    keys: Vec<Vec<u64>>,
    max_docs: usize,
    min_shared: usize,
) -> (Vec<(u32, u32, u32)>, Vec<u64>) {
    assert!(keys.len() < 1 << ITEM_BITS, "at most 2^24 items");
    let keys_len = keys.len();
    // Each posting packs the key's top 40 bits with the item index: a
    // rare 40-bit collision only proposes a pair that alignment rejects.
    // Filled in place, in parallel, each item into its own slice.
    let mut postings: Vec<ByKey> = vec![ByKey(0); keys.iter().map(Vec::len).sum()];
    slots(&mut postings, keys.iter().map(Vec::len))
        .into_par_iter()
        .zip(keys)
        .enumerate()
        .for_each(|(i, (slot, k))| {
            for (p, h) in slot.iter_mut().zip(k) {
                *p = ByKey((h & !ITEM_MASK) | i as u64);
            }
        });
    // Sorted by key alone: the items of a common key (a frequent word is
    // in most documents) are never put in order, only those of the keys
    // that make pairs.
    if postings.len() < 1 << 20 {
        postings.sort_unstable_by_key(|p| p.0 >> ITEM_BITS);
    } else {
        voracious_radix_sort::RadixSort::voracious_mt_sort(
            &mut postings[..],
            rayon::current_num_threads(),
        );
    }
    let same_key = |x: &ByKey, y: &ByKey| x.0 >> ITEM_BITS == y.0 >> ITEM_BITS;
    // The runs of keys held by 2 to `max_docs` items, as their distinct
    // items (ascending within a run) laid end to end: `members`, with
    // each run's end at every one of its places (`ends`). Made in
    // parallel over parts of the postings that start a key each.
    let parts = cut(&postings, same_key);
    let found: Vec<(Vec<u32>, Vec<u32>, Vec<u64>)> = parts
        .par_iter()
        .map(|r| {
            let (mut m, mut e, mut common) = (Vec::new(), Vec::new(), Vec::new());
            let mut items: Vec<u32> = Vec::with_capacity(max_docs);
            for run in postings[r.clone()].chunk_by(same_key) {
                if run.len() < 2 {
                    continue;
                }
                if !distinct_items(run, max_docs, &mut items) {
                    common.push(run[0].0 & !ITEM_MASK);
                } else if items.len() >= 2 {
                    m.extend_from_slice(&items);
                    e.extend(std::iter::repeat_n(m.len() as u32, items.len()));
                }
            }
            (m, e, common)
        })
        .collect();
    let total: usize = found.iter().map(|f| f.0.len()).sum();
    assert!(total < u32::MAX as usize, "at most 2^32 postings in runs");
    let mut members: Vec<u32> = Vec::with_capacity(total);
    let mut ends: Vec<u32> = Vec::with_capacity(total);
    let mut common: Vec<u64> = Vec::new();
    for (m, e, c) in found {
        let offset = members.len() as u32;
        members.extend_from_slice(&m);
        ends.extend(e.iter().map(|x| x + offset));
        common.extend_from_slice(&c);
    }
    drop(postings);
    // Each item's places in `members`: a counting sort by item.
    let items = keys_len;
    let mut start = vec![0u32; items + 1];
    for &m in &members {
        start[m as usize + 1] += 1;
    }
    for i in 0..items {
        start[i + 1] += start[i];
    }
    let mut places = vec![0u32; total];
    let mut next = start.clone();
    for (p, &m) in members.iter().enumerate() {
        places[next[m as usize] as usize] = p as u32;
        next[m as usize] += 1;
    }
    drop(next);
    // For each item `a`, its partners after it in each of its runs are
    // counted in a dense array: the number of keys `a` shares with each.
    let counted = |counts: &mut Vec<u32>, a: usize| {
        let mut touched: Vec<u32> = Vec::new();
        for &p in &places[start[a] as usize..start[a + 1] as usize] {
            for &b in &members[p as usize + 1..ends[p as usize] as usize] {
                let c = &mut counts[b as usize];
                if *c == 0 {
                    touched.push(b);
                }
                *c += 1;
            }
        }
        let mut out = Vec::new();
        for b in touched {
            let c = std::mem::take(&mut counts[b as usize]);
            if c as usize >= min_shared {
                out.push((a as u32, b, c));
            }
        }
        out.sort_unstable();
        out
    };
    let pairs: Vec<(u32, u32, u32)> = (0..items)
        .into_par_iter()
        .with_min_len(64)
        .map_init(|| vec![0u32; items], |counts, a| counted(counts, a))
        .flatten_iter()
        .collect();
    (pairs, common)
}

/// A posting ordered by its key class alone (see [`co_occurring`]).
#[derive(Clone, Copy, Debug)]
struct ByKey(u64);

impl PartialEq for ByKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 >> ITEM_BITS == other.0 >> ITEM_BITS
    }
}

impl PartialOrd for ByKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        (self.0 >> ITEM_BITS).partial_cmp(&(other.0 >> ITEM_BITS))
    }
}

impl voracious_radix_sort::Radixable<u64> for ByKey {
    type Key = u64;
    fn key(&self) -> u64 {
        self.0 >> ITEM_BITS
    }
}

/// The distinct items of `run` (postings of one key), ascending, in
/// `items`; false, as soon as it is known, when there are more than
/// `max_docs` of them.
fn distinct_items(run: &[ByKey], max_docs: usize, items: &mut Vec<u32>) -> bool {
    items.clear();
    for p in run {
        let item = (p.0 & ITEM_MASK) as u32;
        if let Err(at) = items.binary_search(&item) {
            if items.len() == max_docs {
                return false;
            }
            items.insert(at, item);
        }
    }
    true
}

/// `buf` cut, in order, into consecutive slices of lengths `lens`, to be
/// filled in parallel.
fn slots<T>(buf: &mut [T], lens: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    let mut rest = buf;
    lens.map(|n| {
        let (slot, tail) = std::mem::take(&mut rest).split_at_mut(n);
        rest = tail;
        slot
    })
    .collect()
}

/// Cuts `v` (sorted) into about [`CUTS`] ranges, in order, none of which
/// splits a run of values that are `same`.
fn cut<T>(v: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::with_capacity(CUTS);
    let mut start = 0;
    for k in 1..=CUTS {
        let mut end = (v.len() * k / CUTS).max(start);
        while end > 0 && end < v.len() && same(&v[end - 1], &v[end]) {
            end += 1;
        }
        if end > start {
            out.push(start..end);
            start = end;
        }
    }
    out
}

/// Ranges [`cut`] makes.
const CUTS: usize = 64;

/// The part of a key the postings keep (its top 40 bits): what
/// [`co_occurring`]'s common keys are compared by.
pub fn key_class(key: u64) -> u64 {
    key & !ITEM_MASK
}

/// What [`co_occurring`] finds: pairs with their shared-key counts, and
/// the common key classes.
pub type CoOccurring = (Vec<(u32, u32, u32)>, Vec<u64>);

/// Key partitions of [`co_occurring_spilled`] (by the top bits of keys).
const PARTS: usize = 16;
/// Pair partitions of [`co_occurring_spilled`] (by first item).
const RANGES: usize = 16;
/// Items whose keys are computed in one parallel batch.
const BATCH: usize = 8192;

/// [`co_occurring`] for corpora whose postings do not fit in memory, for
/// several key families at once: `keys(i)` gives item `i`'s key
/// set of every family (all of the same length). Postings go to disk in
/// [`PARTS`] partitions by key, each partition is sorted alone, and the
/// pairs it proposes are counted and go to disk in [`RANGES`] partitions
/// by first item, each then sorted and summed alone. `max_docs` and `min_shared` are
/// per family. Returns exactly what [`co_occurring`] returns for each
/// family.
pub fn co_occurring_spilled(
    n: usize,
    keys: &(dyn Fn(usize) -> Vec<Vec<u64>> + Sync),
    max_docs: &[usize],
    min_shared: &[usize],
    dir: &std::path::Path,
) -> crate::error::Result<Vec<CoOccurring>> {
    assert!(n < 1 << ITEM_BITS, "at most 2^24 items");
    let families = max_docs.len();
    let part = |k: u64| (k >> (64 - PARTS.trailing_zeros())) as usize;
    let mut postings: Vec<crate::spill::Buckets> = (0..families)
        .map(|_| crate::spill::Buckets::new(dir, PARTS))
        .collect::<crate::error::Result<_>>()?;
    for start in (0..n).step_by(BATCH) {
        let end = (start + BATCH).min(n);
        let filled = (start..end)
            .into_par_iter()
            .fold(
                || vec![vec![Vec::new(); PARTS]; families],
                |mut acc: Vec<Vec<Vec<u64>>>, i| {
                    for (f, ks) in keys(i).into_iter().enumerate() {
                        for k in ks {
                            acc[f][part(k)].push((k & !ITEM_MASK) | i as u64);
                        }
                    }
                    acc
                },
            )
            .collect::<Vec<_>>();
        for acc in filled {
            for (f, parts) in acc.into_iter().enumerate() {
                for (p, v) in parts.into_iter().enumerate() {
                    postings[f].extend(p, &v)?;
                }
            }
        }
    }
    let mut out = Vec::with_capacity(families);
    for (f, mut buckets) in postings.into_iter().enumerate() {
        let mut pairs = crate::spill::Buckets::new(dir, RANGES)?;
        let mut common = Vec::new();
        for p in 0..PARTS {
            let mut v = buckets.take(p)?;
            sort_u64(&mut v);
            v.dedup();
            let runs: Vec<&[u64]> = v
                .chunk_by(|x, y| x & !ITEM_MASK == y & !ITEM_MASK)
                .filter(|r| r.len() >= 2)
                .collect();
            common.extend(
                runs.iter()
                    .filter(|r| r.len() > max_docs[f])
                    .map(|r| r[0] & !ITEM_MASK),
            );
            // The pairs this partition proposes, counted here: a pair of
            // near-copies shares hundreds of keys, so the counted pairs
            // are far fewer than the raw ones that would go to disk.
            let mut raw: Vec<u64> = runs
                .par_iter()
                .filter(|r| r.len() <= max_docs[f])
                .flat_map_iter(|run| {
                    (0..run.len()).flat_map(move |i| {
                        let a = run[i] & ITEM_MASK;
                        run[i + 1..]
                            .iter()
                            .map(move |y| (a << PAIR_A) | ((y & ITEM_MASK) << PAIR_B))
                    })
                })
                .collect();
            drop(runs);
            drop(v);
            sort_u64(&mut raw);
            let mut by_range = vec![Vec::new(); RANGES];
            for run in raw.chunk_by(|x, y| x == y) {
                let a = (run[0] >> PAIR_A) as usize;
                let slot = &mut by_range[a * RANGES / n.max(1)];
                for part in run.chunks(COUNT_MASK as usize) {
                    slot.push(run[0] | part.len() as u64);
                }
            }
            drop(raw);
            for (r, v) in by_range.into_iter().enumerate() {
                pairs.extend(r, &v)?;
            }
        }
        let mut found = Vec::new();
        for r in 0..RANGES {
            let mut v = pairs.take(r)?;
            sort_u64(&mut v);
            found.extend(
                v.chunk_by(|x, y| x & !COUNT_MASK == y & !COUNT_MASK)
                    .map(|r| (r[0], r.iter().map(|x| x & COUNT_MASK).sum::<u64>()))
                    .filter(|&(_, k)| k >= min_shared[f] as u64)
                    .map(|(x, k)| {
                        (
                            (x >> PAIR_A) as u32,
                            ((x >> PAIR_B) & ITEM_MASK) as u32,
                            k as u32,
                        )
                    }),
            );
        }
        out.push((found, common));
    }
    Ok(out)
}

const ITEM_BITS: u32 = 24;
const ITEM_MASK: u64 = (1 << ITEM_BITS) - 1;
/// A counted pair packs its first item at bit 40, its second at bit 16
/// and a count in the low 16 bits.
const PAIR_A: u32 = 40;
const PAIR_B: u32 = 16;
const COUNT_MASK: u64 = (1 << PAIR_B) - 1;

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
    // Not de-duplicated here: the postings are, once sorted.
    let key_sets = |toks: Vec<u64>| (grams(&toks, cfg.anchor_words), toks);
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
        // Each body's words once: fewer postings to sort (common words
        // recur within a body).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_co_occurrence_equals_in_memory() {
        // Items with overlapping key sets drawn from a small key space, so
        // that keys recur in 1 to many items.
        let n = 3000;
        // Item i shares 20 keys with its group of 7 (pairs), and draws 5
        // keys from a pool of 50 that many items hold (common keys).
        let fam = |seed: u64, group: u64| -> Vec<Vec<u64>> {
            (0..n as u64)
                .map(|i| {
                    let own = (0..20).map(|j| hash::mix(i / group * 100 + j, seed));
                    let pool = (0..5).map(|j| hash::mix(1 << 40 | ((i * 7 + j * 13) % 50), seed));
                    set(own.chain(pool).collect())
                })
                .collect()
        };
        let (a, b) = (fam(1, 7), fam(2, 3));
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = |i: usize| vec![a[i].clone(), b[i].clone()];
        let got = co_occurring_spilled(n, &keys, &[20, 5], &[5, 3], dir.path()).expect("spill");
        let want = [
            co_occurring(a.clone(), 20, 5),
            co_occurring(b.clone(), 5, 3),
        ];
        for (g, w) in got.iter().zip(&want) {
            assert!(!w.0.is_empty() && !w.1.is_empty());
            assert_eq!(g, w);
        }
    }

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
