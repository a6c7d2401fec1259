//! Word n-gram shingles.

use crate::hash;

/// The sorted, de-duplicated set of word `n`-gram hashes of `tokens`
/// (token hashes). A text shorter than `n` words gives one shingle of all
/// its words; an empty text gives none.
pub fn shingles(tokens: &[u64], n: usize) -> Vec<u64> {
    let mut out: Vec<u64> = if tokens.is_empty() {
        Vec::new()
    } else if tokens.len() <= n {
        vec![hash::seq(tokens, hash::SHINGLE_SEED)]
    } else {
        tokens
            .windows(n)
            .map(|w| hash::seq(w, hash::SHINGLE_SEED))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// How many of `set` (sorted, distinct) are shingles of `tokens`:
/// `intersection(set, &shingles(tokens, n))`, without making and sorting
/// the whole shingle set of `tokens` (for a small `set`).
pub fn found_in(set: &[u64], tokens: &[u64], n: usize) -> usize {
    if tokens.len() <= n {
        // One shingle, or none.
        return shingles(tokens, n)
            .first()
            .map_or(0, |s| usize::from(set.binary_search(s).is_ok()));
    }
    let mut seen = vec![false; set.len()];
    for w in tokens.windows(n) {
        if let Ok(k) = set.binary_search(&hash::seq(w, hash::SHINGLE_SEED)) {
            seen[k] = true;
        }
    }
    seen.into_iter().filter(|&x| x).count()
}

/// Size of the intersection of two sorted, de-duplicated sets (of two
/// sorted multisets, when repeats are kept: each value counted as often as
/// the one that holds it fewer times does).
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Exact Jaccard of two sorted, de-duplicated sets (0 when both are empty).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let inter = intersection(a, b);
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<u64> {
        s.split_whitespace().map(hash::token).collect()
    }

    #[test]
    fn counts() {
        assert_eq!(shingles(&toks("a b c d e f"), 3).len(), 4);
        assert_eq!(shingles(&toks("a b"), 3).len(), 1);
        assert!(shingles(&[], 3).is_empty());
        assert_eq!(shingles(&toks("a b a b a b"), 2).len(), 2);
    }

    #[test]
    fn exact_jaccard() {
        let a = shingles(&toks("a b c d e"), 1);
        let b = shingles(&toks("c d e f g h"), 1);
        assert_eq!(intersection(&a, &b), 3);
        assert!((jaccard(&a, &b) - 3.0 / 8.0).abs() < 1e-12);
        assert!((jaccard(&a, &a) - 1.0).abs() < 1e-12);
        assert!(jaccard(&[], &[]).abs() < f64::EPSILON);
    }

    proptest::proptest! {
        #[test]
        fn found_in_counts_the_intersection(
            words in proptest::collection::vec(0u8..6, 0..40),
            head in proptest::collection::vec(0u8..6, 0..12),
            n in 1usize..5,
        ) {
            // Few distinct words, so that shingles repeat and are shared.
            let t = |w: &[u8]| w.iter().map(|&x| hash::token(&x.to_string())).collect::<Vec<_>>();
            let (tokens, set) = (t(&words), shingles(&t(&head), n));
            proptest::prop_assert_eq!(
                found_in(&set, &tokens, n),
                intersection(&set, &shingles(&tokens, n))
            );
        }
    }
}
