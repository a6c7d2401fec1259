//! Which items share keys: the inverted indexes of the passage level.
//!
//! A posting packs a key's top 40 bits with an item index. Postings are
//! sorted by key alone, so the items of a common key (a frequent word is
//! in most documents) are never put in order; the keys held by 2 to
//! `max_docs` items become *runs* of their distinct items. Each item then
//! counts, in a dense array, the partners after it in each of its runs:
//! the number of keys it shares with each, without listing every pair
//! occurrence.
//!
//! [`co_occurring`] works in memory; [`co_occurring_spilled`] partitions
//! the postings by key on disk and sums the counts of the partitions.

use rayon::prelude::*;

const ITEM_BITS: u32 = 24;
const ITEM_MASK: u64 = (1 << ITEM_BITS) - 1;

/// The part of a key the postings keep (its top 40 bits): what
/// [`co_occurring`]'s common keys are compared by.
pub fn key_class(key: u64) -> u64 {
    key & !ITEM_MASK
}

/// What [`co_occurring`] finds: pairs with their shared-key counts, and
/// the common key classes.
pub type CoOccurring = (Vec<(u32, u32, u32)>, Vec<u64>);

/// Pairs `(i, j)`, `i < j`, of items sharing at least `min_shared`
/// distinct keys, where only keys held by 2 to `max_docs` items count.
/// `keys[i]` is item `i`'s key set (repeats allowed). Returns the
/// pairs with their number of shared keys, sorted, and the keys held by
/// more than `max_docs` items (as [`key_class`]es).
pub fn co_occurring(keys: Vec<Vec<u64>>, max_docs: usize, min_shared: usize) -> CoOccurring {
    let items = keys.len();
    assert!(items < 1 << ITEM_BITS, "at most 2^24 items");
    // Filled in place, in parallel, each item into its own slice.
    let mut postings: Vec<Posting> = vec![Posting(0); keys.iter().map(Vec::len).sum()];
    slots(&mut postings, keys.iter().map(Vec::len))
        .into_par_iter()
        .zip(keys)
        .enumerate()
        .for_each(|(i, (slot, k))| {
            for (p, h) in slot.iter_mut().zip(k) {
                *p = Posting::new(h, i);
            }
        });
    let runs = Runs::of(postings, max_docs);
    let pairs = runs.pairs(items, min_shared);
    (pairs, runs.common)
}

/// A posting, ordered by its key class alone.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
struct Posting(u64);

impl Posting {
    fn new(key: u64, item: usize) -> Posting {
        Posting(key_class(key) | item as u64)
    }

    fn key(self) -> u64 {
        self.0 >> ITEM_BITS
    }

    fn item(self) -> u32 {
        (self.0 & ITEM_MASK) as u32
    }
}

impl PartialEq for Posting {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl PartialOrd for Posting {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.key().partial_cmp(&other.key())
    }
}

/// A posting sorts by its key alone: the 40 bits above its item, five
/// bytes, least significant first.
impl rdst::RadixKey for Posting {
    const LEVELS: usize = 5;
    #[inline]
    fn get_level(&self, level: usize) -> u8 {
        (self.0 >> (ITEM_BITS as usize + 8 * level)) as u8
    }
}

/// The keys held by 2 to `max_docs` items, as their distinct items
/// (ascending within a run) laid end to end, and the common keys.
struct Runs {
    /// Items of the runs, run after run.
    members: Vec<u32>,
    /// At each place of `members`, the end of its run.
    ends: Vec<u32>,
    /// Keys held by more than `max_docs` items, as key classes.
    common: Vec<u64>,
}

impl Runs {
    /// Sorts `postings` by key and finds its runs, in parallel over parts
    /// that start a key each.
    fn of(mut postings: Vec<Posting>, max_docs: usize) -> Runs {
        if postings.len() < 1 << 20 {
            postings.sort_unstable_by_key(|p| p.key());
        } else {
            radix_sort(&mut postings);
        }
        let same_key = |x: &Posting, y: &Posting| x.key() == y.key();
        let found: Vec<Runs> = cut(&postings, same_key)
            .into_par_iter()
            .map(|r| {
                let mut out = Runs {
                    members: Vec::new(),
                    ends: Vec::new(),
                    common: Vec::new(),
                };
                let mut items: Vec<u32> = Vec::with_capacity(max_docs);
                for run in postings[r].chunk_by(same_key) {
                    if run.len() < 2 {
                        continue;
                    }
                    if !distinct_items(run, max_docs, &mut items) {
                        out.common.push(run[0].0 & !ITEM_MASK);
                    } else if items.len() >= 2 {
                        out.members.extend_from_slice(&items);
                        let end = out.members.len() as u32;
                        out.ends.extend(std::iter::repeat_n(end, items.len()));
                    }
                }
                out
            })
            .collect();
        drop(postings);
        let total: usize = found.iter().map(|f| f.members.len()).sum();
        assert!(total < u32::MAX as usize, "at most 2^32 postings in runs");
        let mut all = Runs {
            members: Vec::with_capacity(total),
            ends: Vec::with_capacity(total),
            common: Vec::new(),
        };
        for f in found {
            let offset = all.members.len() as u32;
            all.members.extend_from_slice(&f.members);
            all.ends.extend(f.ends.iter().map(|x| x + offset));
            all.common.extend_from_slice(&f.common);
        }
        all
    }

    /// Pairs `(a, b, shared)`, sorted, of items `< items` sharing at
    /// least `min_shared` runs.
    fn pairs(&self, items: usize, min_shared: usize) -> Vec<(u32, u32, u32)> {
        let (members, ends) = (&self.members, &self.ends);
        // Each item's places in `members`: a counting sort by item.
        let mut start = vec![0u32; items + 1];
        for &m in members {
            start[m as usize + 1] += 1;
        }
        for i in 0..items {
            start[i + 1] += start[i];
        }
        let mut places = vec![0u32; members.len()];
        let mut next = start.clone();
        for (p, &m) in members.iter().enumerate() {
            places[next[m as usize] as usize] = p as u32;
            next[m as usize] += 1;
        }
        drop(next);
        // Item `a`'s partners after it in each of its runs, counted.
        let counted = |counts: &mut [u32], a: usize, out: &mut Vec<(u32, u32, u32)>| {
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
            let from = out.len();
            for b in touched {
                let c = std::mem::take(&mut counts[b as usize]);
                if c as usize >= min_shared {
                    out.push((a as u32, b, c));
                }
            }
            out[from..].sort_unstable();
        };
        // Items in CUTS ranges; a dense array of counts is made once per
        // rayon job (it is all zeros again after each item), not per range.
        let ranges: Vec<std::ops::Range<usize>> = (0..CUTS)
            .map(|k| items * k / CUTS..items * (k + 1) / CUTS)
            .filter(|r| !r.is_empty())
            .collect();
        let found: Vec<Vec<(u32, u32, u32)>> = ranges
            .into_par_iter()
            .map_init(
                || vec![0u32; items],
                |counts, r| {
                    let mut out = Vec::new();
                    for a in r {
                        counted(counts, a, &mut out);
                    }
                    out
                },
            )
            .collect();
        found.concat()
    }
}

/// The distinct items of `run` (postings of one key), ascending, in
/// `items`; false, as soon as it is known, when there are more than
/// `max_docs` of them.
fn distinct_items(run: &[Posting], max_docs: usize, items: &mut Vec<u32>) -> bool {
    items.clear();
    for p in run {
        let item = p.item();
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

/// Parts that [`cut`] and [`Runs::pairs`] make, for parallel work.
const CUTS: usize = 64;

/// Sorts a large vector of `u64` with a parallel radix sort (more than
/// twice as fast as a comparison sort on these uniformly spread keys), a
/// small one in place.
fn sort_u64(v: &mut [u64]) {
    if v.len() < 1 << 20 {
        v.sort_unstable();
    } else {
        radix_sort(v);
    }
}

/// rdst's parallel radix sort with its in-place algorithms: about as fast
/// as its default ones (5-10% slower here) without a copy of the input.
fn radix_sort<T: rdst::RadixKey + Copy + Send + Sync>(v: &mut [T]) {
    rdst::RadixSort::radix_sort_builder(v)
        .with_low_mem_tuner()
        .sort();
}

mod spilled;

pub use spilled::co_occurring_spilled;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash;
    use crate::passage::set;

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

    /// Against brute force: for every pair of items, the distinct key
    /// classes they share among those held by 2 to `max_docs` items.
    #[test]
    fn pairs_match_brute_force() {
        use proptest::prelude::*;
        let items = proptest::collection::vec(proptest::collection::vec(0u64..40, 0..25), 0..40);
        proptest!(|(raw in items, max_docs in 2usize..8, min_shared in 1usize..4)| {
            let keys: Vec<Vec<u64>> = raw
                .iter()
                .map(|k| k.iter().map(|&x| hash::mix(x, 3)).collect())
                .collect();
            let classes: Vec<Vec<u64>> = keys
                .iter()
                .map(|k| set(k.iter().map(|&x| key_class(x)).collect()))
                .collect();
            let holders = |c: u64| classes.iter().filter(|s| s.binary_search(&c).is_ok()).count();
            let mut want = Vec::new();
            for a in 0..keys.len() {
                for b in a + 1..keys.len() {
                    let shared = classes[a]
                        .iter()
                        .filter(|&&c| classes[b].binary_search(&c).is_ok() && holders(c) <= max_docs)
                        .count();
                    if shared >= min_shared && shared > 0 {
                        want.push((a as u32, b as u32, shared as u32));
                    }
                }
            }
            let mut common: Vec<u64> = set(classes.iter().flatten().copied().collect());
            common.retain(|&c| holders(c) > max_docs);
            let got = co_occurring(keys, max_docs, min_shared);
            prop_assert_eq!(got.0, want);
            let mut got_common = got.1;
            got_common.sort_unstable();
            prop_assert_eq!(got_common, common);
        });
    }

    #[test]
    fn large_sorts_order_like_the_comparison_sort() {
        // Past 2^20 values both sorts take the radix path.
        let n = (1 << 20) + 4099;
        let values: Vec<u64> = (0..n as u64).map(|i| hash::mix(i % 700_001, 3)).collect();
        let mut radix = values.clone();
        sort_u64(&mut radix);
        let mut expected = values;
        expected.sort_unstable();
        assert_eq!(radix, expected);
        // Postings sort by their 40-bit key alone; items of one key may
        // come in any order.
        let postings: Vec<Posting> = (0..n)
            .map(|i| Posting::new(hash::mix((i % 300_007) as u64, 5), i % 1000))
            .collect();
        let mut radix = postings.clone();
        radix_sort(&mut radix);
        let mut expected = postings;
        expected.sort_unstable_by_key(|p| (p.key(), p.item()));
        assert!(radix.windows(2).all(|w| w[0].key() <= w[1].key()));
        let mut by_item = radix;
        by_item.sort_by_key(|p| (p.key(), p.item()));
        assert_eq!(
            by_item.iter().map(|p| p.0).collect::<Vec<_>>(),
            expected.iter().map(|p| p.0).collect::<Vec<_>>()
        );
    }
}
