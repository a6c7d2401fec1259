//! Exact verification of candidate pairs on their shingle sets.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::shingle::intersection;

/// The relation between two documents (SPEC §3), strongest first.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The same article: body Jaccard ≥ 0.9.
    Duplicate,
    /// A copy with edits: body Jaccard ≥ the threshold.
    NearDuplicate,
    /// One body mostly inside the other.
    Contains,
    /// The bodies share verified passages.
    SharedPassages,
    /// A tail of one copies the other, or both carry the same tail.
    TailCopy,
}

impl Relation {
    /// Whether this relation joins `duplicate` clusters.
    pub fn joins_duplicates(self) -> bool {
        matches!(
            self,
            Relation::Duplicate | Relation::NearDuplicate | Relation::Contains
        )
    }

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Duplicate => "duplicate",
            Relation::NearDuplicate => "near_duplicate",
            Relation::Contains => "contains",
            Relation::SharedPassages => "shared_passages",
            Relation::TailCopy => "tail_copy",
        }
    }
}

/// Exact scores of one pair of bodies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    /// |A ∩ B| / |A ∪ B| of the shingle sets.
    pub jaccard: f64,
    /// |A ∩ B| / min(|A|, |B|): how much of the smaller body is in the
    /// larger.
    pub containment: f64,
    /// Size of the smaller set.
    pub smaller: usize,
}

/// Scores two sorted shingle sets exactly.
pub fn score(a: &[u64], b: &[u64]) -> Scores {
    from_counts(intersection(a, b), a.len(), b.len())
}

/// Scores from the intersection size and the two set sizes.
pub fn from_counts(inter: usize, a: usize, b: usize) -> Scores {
    let union = a + b - inter;
    let smaller = a.min(b);
    Scores {
        jaccard: if union == 0 {
            0.0
        } else {
            inter as f64 / union as f64
        },
        containment: if smaller == 0 {
            0.0
        } else {
            inter as f64 / smaller as f64
        },
        smaller,
    }
}

/// The document-level relation these scores establish, if any.
pub fn classify(s: Scores, cfg: &Config) -> Option<Relation> {
    if s.jaccard >= cfg.duplicate_threshold {
        Some(Relation::Duplicate)
    } else if s.jaccard >= cfg.threshold {
        Some(Relation::NearDuplicate)
    } else if s.containment >= cfg.containment_threshold && s.smaller >= cfg.min_contains_shingles {
        Some(Relation::Contains)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        let cfg = Config::default();
        let c = |jaccard, containment, smaller| {
            classify(
                Scores {
                    jaccard,
                    containment,
                    smaller,
                },
                &cfg,
            )
        };
        assert_eq!(c(0.95, 0.97, 100), Some(Relation::Duplicate));
        assert_eq!(c(0.9, 0.95, 100), Some(Relation::Duplicate));
        assert_eq!(c(0.6, 0.7, 100), Some(Relation::NearDuplicate));
        assert_eq!(c(0.5, 0.7, 100), Some(Relation::NearDuplicate));
        assert_eq!(c(0.3, 0.85, 100), Some(Relation::Contains));
        assert_eq!(
            c(0.3, 0.85, 5),
            None,
            "tiny bodies are contained in everything"
        );
        assert_eq!(c(0.3, 0.5, 100), None);
    }

    #[test]
    fn exact_scores() {
        let a: Vec<u64> = (0..10).collect();
        let b: Vec<u64> = (5..40).collect();
        let s = score(&a, &b);
        assert!((s.jaccard - 5.0 / 40.0).abs() < 1e-12);
        assert!((s.containment - 0.5).abs() < 1e-12);
        assert_eq!(s.smaller, 10);
    }
}
