//! Pair-level scoring: precision, recall and F1 of reported document pairs
//! against gold pairs, overall and per relation.
//!
//! Pairs are unordered. The overall score ignores relations: a report pair
//! is correct when the gold holds the same two documents.
//!
//! Per gold relation `R` (only when the gold labels relations):
//! - *strict* P/R/F1: a report pair counts for `R` when the report labels it
//!   `R`; it is correct when the gold pair is labeled `R` or unlabeled (a
//!   gold pair without a relation matches any report pair);
//! - *lenient* recall: gold `R` pairs found with a relation that implies `R`
//!   ([`implies`]: `duplicate` ⇒ `near_duplicate` ⇒ `shared_passages`,
//!   `contains` ⇒ `shared_passages`), since a report gives each pair only its
//!   strongest relation;
//! - `found_any`: gold `R` pairs found with any relation.
//!
//! A confusion table counts gold relation (or `unlabeled`, or
//! `not_in_gold`) against report relation (or `missed`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::gold::{GoldPairs, PairKey};

/// Row of the confusion table for gold pairs without a relation.
pub const UNLABELED: &str = "unlabeled";
/// Row of the confusion table for report pairs that are not gold pairs.
pub const NOT_IN_GOLD: &str = "not_in_gold";
/// Column of the confusion table for gold pairs the report misses.
pub const MISSED: &str = "missed";

/// Precision, recall and F1 with the counts they come from.
///
/// Convention: `0/0` is 0, except that an empty gold scored against an empty
/// report gives 1 for all three (as the PAN reference code does).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prf {
    /// Number of gold items.
    pub gold: usize,
    /// Number of reported items.
    pub reported: usize,
    /// Number of reported items that are gold items.
    pub true_positives: usize,
    /// `true_positives / reported`.
    pub precision: f64,
    /// `true_positives / gold`.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl Prf {
    /// Scores from the three counts.
    #[must_use]
    pub fn from_counts(gold: usize, reported: usize, true_positives: usize) -> Self {
        let (precision, recall) = if gold == 0 && reported == 0 {
            (1.0, 1.0)
        } else {
            (ratio(true_positives, reported), ratio(true_positives, gold))
        };
        Self {
            gold,
            reported,
            true_positives,
            precision,
            recall,
            f1: f1(precision, recall),
        }
    }
}

/// `n / d` as a float, 0 when `d` is 0.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

/// The harmonic mean of `p` and `r`, 0 when both are 0.
pub(crate) fn f1(p: f64, r: f64) -> f64 {
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

/// Scores for one gold relation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelationScores {
    /// The gold relation.
    pub relation: String,
    /// Report pairs labeled `relation` against gold pairs labeled
    /// `relation` (unlabeled gold pairs match too).
    pub strict: Prf,
    /// Gold `relation` pairs found with a relation that implies it.
    pub found_lenient: usize,
    /// `found_lenient / strict.gold`.
    pub lenient_recall: f64,
    /// Gold `relation` pairs found with any relation.
    pub found_any: usize,
}

/// Pair-level scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairScores {
    /// All report pairs against all gold pairs, relations ignored.
    pub overall: Prf,
    /// One entry per relation the gold uses, in [`RELATIONS`] order; empty
    /// when the gold has no relations.
    ///
    /// [`RELATIONS`]: super::gold::RELATIONS
    pub by_relation: Vec<RelationScores>,
    /// Gold relation (or `unlabeled`, `not_in_gold`) → report relation (or
    /// `missed`) → number of pairs.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

/// True when a report pair labeled `reported` also establishes `gold`.
#[must_use]
pub fn implies(reported: &str, gold: &str) -> bool {
    reported == gold
        || matches!(
            (reported, gold),
            ("duplicate", "near_duplicate" | "shared_passages")
                | ("near_duplicate" | "contains", "shared_passages")
        )
}

/// Scores `report` (pair → report relation) against `gold`.
pub fn score_pairs(report: &BTreeMap<PairKey, String>, gold: &GoldPairs) -> PairScores {
    let true_positives = report
        .keys()
        .filter(|k| gold.pairs.contains_key(*k))
        .count();
    let overall = Prf::from_counts(gold.pairs.len(), report.len(), true_positives);

    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (key, label) in &gold.pairs {
        let row = label.as_deref().unwrap_or(UNLABELED).to_owned();
        let column = report.get(key).map_or(MISSED, String::as_str).to_owned();
        *confusion.entry(row).or_default().entry(column).or_default() += 1;
    }
    for (key, relation) in report {
        if !gold.pairs.contains_key(key) {
            let row = confusion.entry(NOT_IN_GOLD.to_owned()).or_default();
            *row.entry(relation.clone()).or_default() += 1;
        }
    }

    let mut by_relation = Vec::new();
    if gold.has_relations() {
        for relation in super::gold::RELATIONS {
            let gold_count = gold
                .pairs
                .values()
                .filter(|l| l.as_deref() == Some(relation))
                .count();
            if gold_count == 0 {
                continue;
            }
            by_relation.push(relation_scores(report, gold, relation, gold_count));
        }
    }
    PairScores {
        overall,
        by_relation,
        confusion,
    }
}

fn relation_scores(
    report: &BTreeMap<PairKey, String>,
    gold: &GoldPairs,
    relation: &str,
    gold_count: usize,
) -> RelationScores {
    let mut reported = 0;
    let mut true_positives = 0;
    for (key, label) in report {
        if label != relation {
            continue;
        }
        reported += 1;
        match gold.pairs.get(key) {
            Some(None) => true_positives += 1,
            Some(Some(g)) if g == relation => true_positives += 1,
            _ => {}
        }
    }
    // Unlabeled gold pairs can be true positives of any relation, so count
    // the gold side as the labeled pairs plus the unlabeled ones matched.
    let unlabeled_matched = report
        .iter()
        .filter(|(k, l)| *l == relation && gold.pairs.get(*k) == Some(&None))
        .count();
    let mut found_lenient = 0;
    let mut found_any = 0;
    for (key, label) in &gold.pairs {
        if label.as_deref() != Some(relation) {
            continue;
        }
        if let Some(reported_relation) = report.get(key) {
            found_any += 1;
            if implies(reported_relation, relation) {
                found_lenient += 1;
            }
        }
    }
    RelationScores {
        relation: relation.to_owned(),
        strict: Prf::from_counts(gold_count + unlabeled_matched, reported, true_positives),
        found_lenient,
        lenient_recall: ratio(found_lenient, gold_count),
        found_any,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::gold::pair_key;
    use super::*;

    fn report(pairs: &[(&str, &str, &str)]) -> BTreeMap<PairKey, String> {
        pairs
            .iter()
            .map(|(a, b, r)| (pair_key(a, b), (*r).to_owned()))
            .collect()
    }

    fn gold(pairs: &[(&str, &str, Option<&str>)]) -> GoldPairs {
        GoldPairs {
            pairs: pairs
                .iter()
                .map(|(a, b, r)| (pair_key(a, b), r.map(str::to_owned)))
                .collect(),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn three_gold_four_reported_two_correct() {
        // Gold {1-2, 3-4, 5-6}; report {2-1, 3-4, 1-3, 7-8}: 2 correct.
        // P = 2/4 = 0.5, R = 2/3, F1 = 2·0.5·0.667/(0.5+0.667) = 4/7.
        let gold = gold(&[("1", "2", None), ("3", "4", None), ("5", "6", None)]);
        let report = report(&[
            ("2", "1", "duplicate"),
            ("3", "4", "shared_passages"),
            ("1", "3", "contains"),
            ("7", "8", "tail_copy"),
        ]);
        let scores = score_pairs(&report, &gold);
        assert_eq!(scores.overall.true_positives, 2);
        assert!(close(scores.overall.precision, 0.5));
        assert!(close(scores.overall.recall, 2.0 / 3.0));
        assert!(close(scores.overall.f1, 4.0 / 7.0));
        assert!(scores.by_relation.is_empty());
        assert_eq!(scores.confusion[UNLABELED][MISSED], 1);
        assert_eq!(scores.confusion[NOT_IN_GOLD]["tail_copy"], 1);
    }

    #[test]
    fn per_relation_strict_and_lenient() {
        // Gold: 1-2 duplicate, 3-4 near_duplicate, 5-6 near_duplicate,
        //       7-8 shared_passages.
        // Report: 1-2 duplicate, 3-4 duplicate, 5-6 near_duplicate,
        //         7-8 contains, 9-10 near_duplicate.
        // duplicate: reported 2 (1-2, 3-4), TP 1 → P 0.5, R 1/1.
        // near_duplicate: reported 2 (5-6, 9-10), TP 1 → P 0.5, R 1/2;
        //   lenient: 3-4 (duplicate ⇒ near_duplicate) and 5-6 → 2/2.
        // shared_passages: reported 0 → P 0, R 0; lenient: contains ⇒
        //   shared_passages → 1/1.
        let gold = gold(&[
            ("1", "2", Some("duplicate")),
            ("3", "4", Some("near_duplicate")),
            ("5", "6", Some("near_duplicate")),
            ("7", "8", Some("shared_passages")),
        ]);
        let report = report(&[
            ("1", "2", "duplicate"),
            ("3", "4", "duplicate"),
            ("5", "6", "near_duplicate"),
            ("7", "8", "contains"),
            ("9", "10", "near_duplicate"),
        ]);
        let scores = score_pairs(&report, &gold);
        assert!(close(scores.overall.precision, 0.8));
        assert!(close(scores.overall.recall, 1.0));
        let rows: Vec<_> = scores
            .by_relation
            .iter()
            .map(|r| r.relation.as_str())
            .collect();
        assert_eq!(rows, ["duplicate", "near_duplicate", "shared_passages"]);
        let [dup, near, shared] = &scores.by_relation[..] else {
            panic!("three rows")
        };
        assert!(close(dup.strict.precision, 0.5) && close(dup.strict.recall, 1.0));
        assert!(close(near.strict.precision, 0.5) && close(near.strict.recall, 0.5));
        assert_eq!((near.found_lenient, near.found_any), (2, 2));
        assert!(close(shared.strict.f1, 0.0) && close(shared.lenient_recall, 1.0));
        assert_eq!(scores.confusion["near_duplicate"]["duplicate"], 1);
    }

    #[test]
    fn unlabeled_gold_pairs_match_any_relation() {
        // Gold: 1-2 duplicate, 3-4 unlabeled. Report: both duplicate.
        // duplicate strict: reported 2, TP 2 (3-4 matches anything), gold 1 + 1.
        let gold = gold(&[("1", "2", Some("duplicate")), ("3", "4", None)]);
        let report = report(&[("1", "2", "duplicate"), ("3", "4", "duplicate")]);
        let dup = &score_pairs(&report, &gold).by_relation[0];
        assert_eq!(
            (
                dup.strict.gold,
                dup.strict.reported,
                dup.strict.true_positives
            ),
            (2, 2, 2)
        );
    }

    #[test]
    fn empty_conventions() {
        let empty = score_pairs(&BTreeMap::new(), &GoldPairs::default());
        assert!(close(empty.overall.f1, 1.0));
        let none_found = Prf::from_counts(3, 0, 0);
        assert!(close(none_found.precision, 0.0) && close(none_found.f1, 0.0));
        assert!(implies("duplicate", "shared_passages"));
        assert!(!implies("shared_passages", "duplicate"));
        assert!(!implies("tail_copy", "shared_passages"));
    }
}
