//! Locality-sensitive hashing: signatures cut into bands, documents that
//! agree on a whole band become candidate pairs.

use rayon::prelude::*;

use crate::hash;

/// The band shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bands {
    /// Number of bands.
    pub bands: usize,
    /// Signature values per band.
    pub rows: usize,
}

/// Probability that a pair of Jaccard `s` shares at least one band.
pub fn candidate_probability(s: f64, b: Bands) -> f64 {
    1.0 - (1.0 - s.powi(b.rows as i32)).powi(b.bands as i32)
}

fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let n = 200;
    let h = (b - a) / f64::from(n);
    (0..n).map(|i| f(a + (f64::from(i) + 0.5) * h) * h).sum()
}

/// Weight of a missed pair against a needless candidate when choosing
/// the band shape. Candidates are verified exactly, so a false positive
/// costs a little time and a false negative costs a result.
pub const FALSE_NEGATIVE_WEIGHT: f64 = 0.97;

/// Chooses (bands, rows) with bands × rows ≤ `k` minimizing the weighted
/// false-positive mass (pairs below `threshold` that become candidates)
/// plus false-negative mass (pairs above it that do not).
pub fn choose(threshold: f64, k: usize) -> Bands {
    let mut best = (f64::INFINITY, Bands { bands: 1, rows: k });
    for rows in 1..=k {
        for bands in 1..=k / rows {
            let b = Bands { bands, rows };
            let fp = integrate(|s| candidate_probability(s, b), 0.0, threshold);
            let fn_ = integrate(|s| 1.0 - candidate_probability(s, b), threshold, 1.0);
            let cost = (1.0 - FALSE_NEGATIVE_WEIGHT) * fp + FALSE_NEGATIVE_WEIGHT * fn_;
            if cost < best.0 {
                best = (cost, b);
            }
        }
    }
    best.1
}

/// Candidate pairs `(i, j)`, `i < j`, sorted and unique, among the
/// documents in `members` (indices into `sigs`). A bucket of more than
/// `max_bucket` documents is not expanded into all its pairs: each member
/// is paired with the next `window` members (in index order) only, which
/// keeps such buckets linear while still chaining them together.
pub fn candidates(
    sigs: &[&[u64]],
    members: &[u32],
    shape: Bands,
    max_bucket: usize,
    window: usize,
) -> Vec<(u32, u32)> {
    candidates_with(members, shape, max_bucket, window, &|d, b| {
        band_key(sigs[d as usize], shape, b)
    })
}

/// The key of band `b` of signature `sig`: XXH3 of its rows, seeded by
/// the band.
pub fn band_key(sig: &[u64], shape: Bands, b: usize) -> u64 {
    let band = &sig[b * shape.rows..(b + 1) * shape.rows];
    hash::seq(band, hash::BAND_SEED ^ b as u64)
}

/// [`candidates`] from band keys: `key(d, b)` is [`band_key`] of band `b`
/// of document `d`'s signature.
pub fn candidates_with(
    members: &[u32],
    shape: Bands,
    max_bucket: usize,
    window: usize,
    key: &(dyn Fn(u32, usize) -> u64 + Sync),
) -> Vec<(u32, u32)> {
    // One band at a time: the keys of every band at once would be 16
    // bytes per band per document (half a gigabyte at a million).
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(members.len());
    for band in 0..shape.bands {
        keys.clear();
        keys.par_extend(members.par_iter().map(|&d| (key(d, band), d)));
        keys.par_sort_unstable();
        let buckets: Vec<&[(u64, u32)]> = keys
            .chunk_by(|x, y| x.0 == y.0)
            .filter(|c| c.len() > 1)
            .collect();
        pairs.par_extend(buckets.par_iter().flat_map_iter(|bucket| {
            let n = bucket.len();
            let w = if n > max_bucket { window } else { n };
            (0..n).flat_map(move |i| {
                (i + 1..(i + 1 + w).min(n)).map(move |j| (bucket[i].1, bucket[j].1))
            })
        }));
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_shape_favours_recall() {
        let b = choose(0.5, 128);
        assert!(b.bands * b.rows <= 128);
        assert!(candidate_probability(0.6, b) >= 0.999, "{b:?}");
        assert!(candidate_probability(0.1, b) <= 0.05, "{b:?}");
        let strict = choose(0.9, 128);
        assert!(strict.rows > b.rows, "{strict:?}");
    }

    #[test]
    fn identical_signatures_collide_and_large_buckets_stay_linear() {
        let one = [1u64; 8];
        let sigs: Vec<&[u64]> = (0..1000).map(|_| &one[..]).collect();
        let members: Vec<u32> = (0..1000).collect();
        let shape = Bands { bands: 2, rows: 4 };
        let all = candidates(&sigs[..10], &members[..10], shape, 200, 4);
        assert_eq!(all.len(), 45);
        let capped = candidates(&sigs, &members, shape, 200, 4);
        assert!(capped.len() < 4000, "{}", capped.len());
        assert!(capped.contains(&(0, 1)) && capped.contains(&(998, 999)));
    }
}
