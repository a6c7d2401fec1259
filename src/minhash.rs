//! MinHash signatures by one-permutation hashing with optimal
//! densification (Shrivastava, ICML 2017).
//!
//! Each shingle hash is permuted once with a seeded mixer; its top bits
//! choose one of `k` bins and each bin keeps its smallest value. A bin
//! that no shingle fell in borrows the value of another bin, chosen by a
//! probe sequence that depends only on the bin index and the attempt, so
//! that two documents borrow alike. The fraction of equal bins estimates
//! Jaccard similarity, at the cost of one hash per shingle instead of `k`.

use crate::hash;

const EMPTY: u64 = u64::MAX;
const DENSIFY_SEED: u64 = hash::MINHASH_SEED ^ 0x5bd1_e995;

/// The signature of an empty set: all bins empty. Never matches anything
/// in LSH (empty documents are left out before).
pub fn empty(k: usize) -> Vec<u64> {
    vec![EMPTY; k]
}

/// The `k`-bin signature of a set of shingle hashes.
pub fn signature(shingles: &[u64], k: usize) -> Vec<u64> {
    let mut bins = vec![EMPTY; k];
    if shingles.is_empty() {
        return bins;
    }
    for &s in shingles {
        let h = hash::mix(s, hash::MINHASH_SEED);
        let bin = ((u128::from(h) * k as u128) >> 64) as usize;
        if h < bins[bin] {
            bins[bin] = h;
        }
    }
    if bins.contains(&EMPTY) {
        let filled = bins.clone();
        for (i, b) in bins.iter_mut().enumerate() {
            if *b != EMPTY {
                continue;
            }
            for attempt in 0u64.. {
                let probe = hash::mix((i as u64) << 32 | attempt, DENSIFY_SEED);
                let j = ((u128::from(probe) * k as u128) >> 64) as usize;
                if filled[j] != EMPTY {
                    *b = filled[j];
                    break;
                }
            }
        }
    }
    bins
}

/// The fraction of bins on which two signatures agree.
pub fn estimate(a: &[u64], b: &[u64]) -> f64 {
    let same = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x == y && **x != EMPTY)
        .count();
    same as f64 / a.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::jaccard;
    use proptest::prelude::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        let mut v: Vec<u64> = range.map(|x| hash::mix(x, 7)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn identical_sets_identical_signatures() {
        let a = set(0..50);
        assert_eq!(signature(&a, 128), signature(&a, 128));
        assert!((estimate(&signature(&a, 128), &signature(&a, 128)) - 1.0).abs() < 1e-12);
        assert!(!signature(&set(0..3), 128).contains(&EMPTY));
    }

    proptest! {
        // With k = 256 bins the standard error is at most 0.5/16 = 0.031;
        // five of them is a bound a correct estimator essentially never
        // crosses.
        #[test]
        fn estimate_within_error_bound(shared in 0u64..400, only_a in 0u64..400, only_b in 0u64..400) {
            prop_assume!(shared + only_a + only_b > 0);
            let a = set(0..shared + only_a);
            let b = set(only_a..shared + only_a + only_b);
            let exact = jaccard(&a, &b);
            let est = estimate(&signature(&a, 256), &signature(&b, 256));
            prop_assert!((est - exact).abs() < 0.16, "exact {} est {}", exact, est);
        }
    }
}
