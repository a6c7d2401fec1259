//! [`co_occurring`](super::co_occurring) for corpora whose postings do not fit in memory:
//! postings partitioned by key on disk, each partition's pairs counted in
//! run order, the counts summed by ranges of first items.

use rayon::prelude::*;

use super::{cut, key_class, sort_u64, CoOccurring, Posting, Runs, ITEM_BITS, ITEM_MASK};
use crate::error::Result;
use crate::spill::Buckets;

impl Runs {
    /// The count of every pair `(a, b)`, `a < b`, sharing runs, packed
    /// (first item at [`PAIR_A`], second at [`PAIR_B`], the count in the
    /// low 16 bits; a count beyond 16 bits is split over several entries),
    /// in batches of runs, each sorted. A pair's count may be split over
    /// several batches: summed, they give [`Runs::pairs`] with
    /// `min_shared` 1.
    ///
    /// Made in run order, for a spilled partition: every pair
    /// occurrence is listed, sorted and counted. Counting item by item
    /// (as [`Runs::pairs`] does) reads each of an item's runs at a random
    /// place of `members` and counts its partners at random places of an
    /// array over all items, which at a million items misses the caches
    /// at every step; here both are read in order. A batch lists at most
    /// `cap` occurrences (or one part's, if more), so that memory
    /// stays bounded when many keys are held by `max_docs` items.
    fn packed_counts(&self, cap: u64) -> Vec<Vec<u64>> {
        let (members, ends) = (&self.members, &self.ends);
        let listed = |r: &std::ops::Range<usize>| {
            let mut n = 0u64;
            let mut p = r.start;
            while p < r.end {
                let k = u64::from(ends[p]) - p as u64;
                n += k * (k - 1) / 2;
                p = ends[p] as usize;
            }
            n
        };
        // Places of one run share its end.
        let parts = cut(ends, |x, y| x == y);
        let sizes: Vec<u64> = parts.par_iter().map(listed).collect();
        let mut batches: Vec<&[std::ops::Range<usize>]> = Vec::new();
        let (mut from, mut size) = (0, 0);
        for (i, &n) in sizes.iter().enumerate() {
            if i > from && size + n > cap {
                batches.push(&parts[from..i]);
                (from, size) = (i, 0);
            }
            size += n;
        }
        batches.push(&parts[from..]);
        batches
            .into_iter()
            .map(|batch| {
                let mut occurrences: Vec<u64> = batch
                    .par_iter()
                    .flat_map_iter(|r| {
                        let mut out = Vec::new();
                        let mut p = r.start;
                        while p < r.end {
                            let run = &members[p..ends[p] as usize];
                            for (i, &a) in run.iter().enumerate() {
                                let pair_a = u64::from(a) << PAIR_A;
                                out.extend(
                                    run[i + 1..]
                                        .iter()
                                        .map(|&b| pair_a | u64::from(b) << PAIR_B | 1),
                                );
                            }
                            p = ends[p] as usize;
                        }
                        out
                    })
                    .collect();
                sort_u64(&mut occurrences);
                occurrences
                    .par_chunk_by(|x, y| x & !COUNT_MASK == y & !COUNT_MASK)
                    .flat_map_iter(|same| {
                        let pair = same[0] & !COUNT_MASK;
                        let c = same.len() as u64;
                        std::iter::repeat_n(pair | COUNT_MASK, (c / COUNT_MASK) as usize)
                            .chain((c % COUNT_MASK > 0).then_some(pair | (c % COUNT_MASK)))
                    })
                    .collect()
            })
            .collect()
    }
}

/// Pair occurrences [`Runs::packed_counts`] lists in one batch (256 MiB).
const OCCURRENCES: u64 = 1 << 25;

/// Key partitions of [`co_occurring_spilled`] (by the top bits of keys).
const PARTS: usize = 16;
/// Pair partitions of [`co_occurring_spilled`] (by first item).
const RANGES: usize = 16;
/// Items whose keys are computed in one parallel batch.
const BATCH: usize = 8192;

/// A counted pair packs its first item at bit 40, its second at bit 16
/// and a count in the low 16 bits.
const PAIR_A: u32 = 40;
const PAIR_B: u32 = 16;
const COUNT_MASK: u64 = (1 << PAIR_B) - 1;

/// [`co_occurring`](super::co_occurring) for corpora whose postings do not fit in memory, for
/// several key families at once: `keys(i)` gives item `i`'s key
/// set of every family (all of the same length). Postings go to disk in
/// `PARTS` partitions by key; each partition is sorted alone, its pairs
/// are counted as in memory, and the counts go to disk in `RANGES`
/// partitions by first item, each then sorted and summed alone.
/// `max_docs` and `min_shared` are per family. Returns exactly what
/// [`co_occurring`](super::co_occurring) returns for each family.
pub fn co_occurring_spilled(
    n: usize,
    keys: &(dyn Fn(usize) -> Vec<Vec<u64>> + Sync),
    max_docs: &[usize],
    min_shared: &[usize],
    dir: &std::path::Path,
) -> Result<Vec<CoOccurring>> {
    spilled_with_sample(n, keys, max_docs, min_shared, dir, SAMPLE)
}

/// Items whose keys [`co_occurring_spilled`] counts first: a key class
/// held by more than `max_docs` of them is common whatever the other
/// items hold, so its postings are not written at all.
const SAMPLE: usize = 2 * BATCH;

/// Key classes known to be common, with a bit table in front that
/// answers most lookups (of keys that are not) without the hash set.
struct Known {
    bits: Vec<u64>,
    classes: ahash::AHashSet<u64>,
}

/// Bits of [`Known`]'s table (2^20: 128 KiB).
const KNOWN_BITS: u32 = 20;

impl Known {
    /// The key classes of `keys` (items' keys, repeats allowed) held by
    /// more than `max_docs` items.
    fn of<'k>(keys: impl Iterator<Item = &'k Vec<u64>>, max_docs: usize) -> Known {
        let mut held: ahash::AHashMap<u64, u32> = ahash::AHashMap::new();
        let mut classes = Vec::new();
        for k in keys {
            classes.clear();
            classes.extend(k.iter().map(|&x| key_class(x)));
            classes.sort_unstable();
            classes.dedup();
            for &c in &classes {
                *held.entry(c).or_insert(0) += 1;
            }
        }
        let mut known = Known {
            bits: vec![0; 1 << (KNOWN_BITS - 6)],
            classes: held
                .into_iter()
                .filter(|&(_, h)| h as usize > max_docs)
                .map(|(c, _)| c)
                .collect(),
        };
        for &c in &known.classes {
            let b = Known::bit(c);
            known.bits[b >> 6] |= 1 << (b & 63);
        }
        known
    }

    fn bit(class: u64) -> usize {
        // Key classes are the top 40 bits of uniform hashes.
        ((class >> ITEM_BITS) & ((1 << KNOWN_BITS) - 1)) as usize
    }

    fn has(&self, key: u64) -> bool {
        let c = key_class(key);
        let b = Known::bit(c);
        self.bits[b >> 6] >> (b & 63) & 1 == 1 && self.classes.contains(&c)
    }
}

/// [`co_occurring_spilled`], the first `sample` items counted first.
fn spilled_with_sample(
    n: usize,
    keys: &(dyn Fn(usize) -> Vec<Vec<u64>> + Sync),
    max_docs: &[usize],
    min_shared: &[usize],
    dir: &std::path::Path,
    sample: usize,
) -> Result<Vec<CoOccurring>> {
    assert!(n < 1 << ITEM_BITS, "at most 2^24 items");
    let families = max_docs.len();
    let sampled: Vec<Vec<Vec<u64>>> = (0..sample.min(n)).into_par_iter().map(keys).collect();
    let known: Vec<Known> = (0..families)
        .map(|f| Known::of(sampled.iter().map(|k| &k[f]), max_docs[f]))
        .collect();
    let part = |k: u64| (k >> (64 - PARTS.trailing_zeros())) as usize;
    let mut postings: Vec<Buckets> = (0..families)
        .map(|_| Buckets::new(dir, PARTS))
        .collect::<Result<_>>()?;
    let compute = |start: usize| {
        let end = (start + BATCH).min(n);
        (start..end)
            .into_par_iter()
            .fold(
                || vec![vec![Vec::new(); PARTS]; families],
                |mut acc: Vec<Vec<Vec<u64>>>, i| {
                    let ks = match sampled.get(i) {
                        Some(k) => k.clone(),
                        None => keys(i),
                    };
                    for (f, ks) in ks.into_iter().enumerate() {
                        for k in ks {
                            if !known[f].has(k) {
                                acc[f][part(k)].push(Posting::new(k, i).0);
                            }
                        }
                    }
                    acc
                },
            )
            .collect::<Vec<_>>()
    };
    let write = |postings: &mut [Buckets], filled: Vec<Vec<Vec<Vec<u64>>>>| -> Result<()> {
        for acc in filled {
            for (f, parts) in acc.into_iter().enumerate() {
                for (p, v) in parts.into_iter().enumerate() {
                    postings[f].extend(p, &v)?;
                }
            }
        }
        Ok(())
    };
    // Each batch's postings are written while the next batch's are
    // computed.
    let mut pending = Vec::new();
    for start in (0..n).step_by(BATCH) {
        let (written, filled) = rayon::join(
            || write(&mut postings, std::mem::take(&mut pending)),
            || compute(start),
        );
        written?;
        pending = filled;
    }
    write(&mut postings, pending)?;
    drop(sampled);
    let mut out = Vec::with_capacity(families);
    for (f, mut buckets) in postings.into_iter().enumerate() {
        let mut pairs = Buckets::new(dir, RANGES)?;
        let mut common: Vec<u64> = known[f].classes.iter().copied().collect();
        // Each partition is read while the one before is counted, and each
        // range while the one before is summed: the reads would otherwise
        // leave a core idle.
        // A partition's counts, written to their ranges.
        let write = |pairs: &mut Buckets, batches: Vec<Vec<u64>>| -> Result<()> {
            for packed in batches {
                let mut from = 0;
                for r in 0..RANGES {
                    // First item of range `r + 1`: the least `a` with
                    // `a * RANGES / n >= r + 1`.
                    let next = ((r + 1) * n).div_ceil(RANGES) as u64;
                    let to = from + packed[from..].partition_point(|&x| x >> PAIR_A < next);
                    pairs.extend(r, &packed[from..to])?;
                    from = to;
                }
                debug_assert_eq!(from, packed.len());
            }
            Ok(())
        };
        let mut next = Some(buckets.take_map(0, Posting)?);
        let mut counted = Vec::new();
        for p in 0..PARTS {
            let postings = next.take().expect("read ahead");
            // Counting this partition, while the one before's counts are
            // written and the next one is read.
            let (runs, io) = rayon::join(
                || {
                    let runs = Runs::of(postings, max_docs[f]);
                    // This partition's counts of every pair (a pair of
                    // near-copies shares hundreds of keys, spread over
                    // all partitions), summed over partitions below.
                    let batches = runs.packed_counts(OCCURRENCES);
                    (runs.common, batches)
                },
                || -> Result<_> {
                    write(&mut pairs, std::mem::take(&mut counted))?;
                    (p + 1 < PARTS)
                        .then(|| buckets.take_map(p + 1, Posting))
                        .transpose()
                },
            );
            next = io?;
            common.extend_from_slice(&runs.0);
            counted = runs.1;
        }
        write(&mut pairs, counted)?;
        common.sort_unstable();
        let mut found = Vec::new();
        let mut next = Some(pairs.take(0)?);
        for r in 0..RANGES {
            let mut v = next.take().expect("read ahead");
            let read;
            (read, ()) = rayon::join(
                || (r + 1 < RANGES).then(|| pairs.take(r + 1)).transpose(),
                || sort_u64(&mut v),
            );
            next = read?;
            found.par_extend(
                v.par_chunk_by(|x, y| x & !COUNT_MASK == y & !COUNT_MASK)
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

#[cfg(test)]
mod tests {
    use super::super::co_occurring;
    use super::*;
    use crate::hash;
    use crate::passage::set;

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
        let want = [
            co_occurring(a.clone(), 20, 5),
            co_occurring(b.clone(), 5, 3),
        ];
        // Common keys known from no sample, from a sample, and from the
        // whole corpus.
        for sample in [0, 40, 700, n] {
            let got = spilled_with_sample(n, &keys, &[20, 5], &[5, 3], dir.path(), sample)
                .expect("spill");
            for (g, w) in got.iter().zip(&want) {
                assert!(!w.0.is_empty() && !w.1.is_empty());
                assert_eq!(g, w, "sample {sample}");
            }
        }
        // The sample of 700 knows every common key of both families.
        assert_eq!(
            Known::of(a[..700].iter(), 20).classes.len(),
            want[0].1.len()
        );
    }

    #[test]
    fn keys_known_common_from_a_sample_are_left_out_exactly() {
        let n = 600;
        let k = |x: u64| hash::mix(x, 11);
        // Key 1 is in the first 30 items: a sample of 25 knows it is
        // common (max_docs 20). Key 2 is in every 20th item, 30 in all:
        // common, but in 2 of the sample. Pairs and triples of items
        // share keys of their own.
        let keys: Vec<Vec<u64>> = (0..n as u64)
            .map(|i| {
                let mut v = vec![k(1_000 + i / 2), k(100_000 + i / 3)];
                if i < 30 {
                    v.push(k(1));
                }
                if i % 20 == 0 {
                    v.push(k(2));
                }
                v
            })
            .collect();
        let want = co_occurring(keys.clone(), 20, 1);
        assert_eq!(want.1.len(), 2);
        let known = Known::of(keys[..25].iter(), 20);
        assert!(known.has(k(1)) && !known.has(k(2)));
        let dir = tempfile::tempdir().expect("tempdir");
        for sample in [0, 25, n] {
            let got = spilled_with_sample(
                n,
                &|i| vec![keys[i].clone()],
                &[20],
                &[1],
                dir.path(),
                sample,
            )
            .expect("spill");
            assert_eq!(got[0], want, "sample {sample}");
        }
    }

    #[test]
    fn repeated_keys_count_once_per_item() {
        let k = |x: u64| hash::mix(x, 5);
        // Key 1 is 30 times in item 0 and once in item 1: two items.
        // Key 2 is in items 0 (three times), 1 and 2: three items, common
        // with max_docs 2. Key 3 is twice in item 2 alone: no pair.
        let mut a = vec![k(1); 30];
        a.extend([k(2), k(2), k(2), k(4)]);
        let keys = vec![a, vec![k(1), k(2), k(4)], vec![k(2), k(3), k(3)]];
        let (pairs, common) = co_occurring(keys.clone(), 2, 1);
        assert_eq!(pairs, vec![(0, 1, 2)]);
        assert_eq!(common, vec![key_class(k(2))]);
        let dir = tempfile::tempdir().expect("tempdir");
        let got = co_occurring_spilled(3, &|i| vec![keys[i].clone()], &[2], &[1], dir.path())
            .expect("spill");
        assert_eq!(got[0], (pairs, common));
    }

    /// Counting in run order, in batches of any size, sums to counting
    /// item by item.
    #[test]
    fn packed_counts_sum_to_the_pairs() {
        use proptest::prelude::*;
        let items = proptest::collection::vec(proptest::collection::vec(0u64..30, 0..20), 2..60);
        proptest!(|(raw in items, max_docs in 2usize..10, cap in 0u64..200)| {
            let n = raw.len();
            let postings: Vec<Posting> = raw
                .iter()
                .enumerate()
                .flat_map(|(i, k)| k.iter().map(move |&x| Posting::new(hash::mix(x, 4), i)))
                .collect();
            let runs = Runs::of(postings, max_docs);
            let want = runs.pairs(n, 1);
            let mut summed: Vec<(u32, u32, u32)> = Vec::new();
            let mut all: Vec<u64> = runs.packed_counts(cap).concat();
            all.sort_unstable();
            for same in all.chunk_by(|x, y| x & !COUNT_MASK == y & !COUNT_MASK) {
                let c: u64 = same.iter().map(|x| x & COUNT_MASK).sum();
                let x = same[0];
                summed.push(((x >> PAIR_A) as u32, ((x >> PAIR_B) & ITEM_MASK) as u32, c as u32));
            }
            prop_assert_eq!(summed, want);
        });
    }

    #[test]
    fn spilled_counts_beyond_sixteen_bits() {
        // Two items sharing 1.1 million keys: about 69,000 in each of the
        // 16 partitions, more than a packed count holds.
        let shared: Vec<u64> = (0..1_100_000).map(|x| hash::mix(x, 8)).collect();
        let keys = vec![shared.clone(), shared, vec![hash::mix(1, 9)]];
        let want = co_occurring(keys.clone(), 5, 1);
        // Postings keep 40 bits of a key: among a million keys, a class
        // or two is shared.
        let classes = set(keys[0].iter().map(|&k| key_class(k)).collect()).len();
        assert_eq!(want.0, vec![(0, 1, classes as u32)]);
        let dir = tempfile::tempdir().expect("tempdir");
        let got = co_occurring_spilled(3, &|i| vec![keys[i].clone()], &[5], &[1], dir.path())
            .expect("spill");
        assert_eq!(got[0], want);
    }
}
