//! Cluster agreement between report clusters of one kind and gold clusters:
//! adjusted Rand index (Hubert & Arabie 1985), B-cubed precision, recall and
//! F1 (Bagga & Baldwin 1998) and pair-counting precision, recall and F1.
//!
//! Both clusterings are taken over the same set of documents (the union of
//! all documents either side names); a document in no cluster is a
//! singleton.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::pairs::{f1, Prf};

/// Which report clusters to score (SPEC §3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterKind {
    /// Joined through `duplicate`, `near_duplicate` and `contains` edges.
    #[default]
    Duplicate,
    /// Also joined through `shared_passages` edges.
    Story,
}

impl ClusterKind {
    /// The name used in reports: `duplicate` or `story`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::Story => "story",
        }
    }

    /// The pair relations that join clusters of this kind.
    #[must_use]
    pub fn relations(self) -> &'static [&'static str] {
        match self {
            Self::Duplicate => &["duplicate", "near_duplicate", "contains"],
            Self::Story => &["duplicate", "near_duplicate", "contains", "shared_passages"],
        }
    }
}

impl fmt::Display for ClusterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClusterKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "duplicate" => Ok(Self::Duplicate),
            "story" => Ok(Self::Story),
            other => Err(format!(
                "unknown cluster kind {other:?}: expected duplicate or story"
            )),
        }
    }
}

/// B-cubed scores, averaged over documents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BCubed {
    /// Mean over documents of |gold ∩ report cluster| / |report cluster|.
    pub precision: f64,
    /// Mean over documents of |gold ∩ report cluster| / |gold cluster|.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// Agreement of report clusters with gold clusters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterScores {
    /// The kind of report clusters scored.
    pub kind: ClusterKind,
    /// Number of documents both clusterings cover.
    pub documents: usize,
    /// Gold clusters with two or more members.
    pub gold_clusters: usize,
    /// Report clusters of `kind` with two or more members.
    pub report_clusters: usize,
    /// Adjusted Rand index: 1 for identical clusterings, about 0 for
    /// chance agreement (1 also when both are all singletons).
    pub adjusted_rand_index: f64,
    /// B-cubed precision, recall and F1.
    pub bcubed: BCubed,
    /// Co-clustered document pairs: report against gold.
    pub pair_counting: Prf,
}

/// Scores the `report` clustering against the `gold` one over `documents`.
///
/// Clusters are lists of document ids; `documents` must hold every id
/// either side names.
///
/// # Errors
///
/// A message when a document is in two clusters of the same side.
#[allow(clippy::cast_precision_loss)]
pub fn score_clusters(
    gold: &[Vec<String>],
    report: &[Vec<String>],
    documents: &BTreeSet<String>,
    kind: ClusterKind,
) -> Result<ClusterScores, String> {
    let gold_labels = labels(gold, documents, "gold")?;
    let report_labels = labels(report, documents, "report")?;
    let mut cells: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut gold_sizes: BTreeMap<usize, usize> = BTreeMap::new();
    let mut report_sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for (g, r) in gold_labels.iter().zip(&report_labels) {
        *cells.entry((*g, *r)).or_default() += 1;
        *gold_sizes.entry(*g).or_default() += 1;
        *report_sizes.entry(*r).or_default() += 1;
    }
    let together = |sizes: &mut dyn Iterator<Item = usize>| sizes.map(pairs_of).sum::<usize>();
    let both = together(&mut cells.values().copied());
    let in_gold = together(&mut gold_sizes.values().copied());
    let in_report = together(&mut report_sizes.values().copied());
    let n = documents.len();

    let (mut precision_sum, mut recall_sum) = (0.0, 0.0);
    for (&(g, r), &count) in &cells {
        let count = count as f64;
        precision_sum += count * count / report_sizes[&r] as f64;
        recall_sum += count * count / gold_sizes[&g] as f64;
    }
    let (precision, recall) = if n == 0 {
        (1.0, 1.0)
    } else {
        (precision_sum / n as f64, recall_sum / n as f64)
    };
    let multi = |sizes: &BTreeMap<usize, usize>| sizes.values().filter(|&&s| s > 1).count();
    Ok(ClusterScores {
        kind,
        documents: n,
        gold_clusters: multi(&gold_sizes),
        report_clusters: multi(&report_sizes),
        adjusted_rand_index: adjusted_rand_index(both, in_gold, in_report, pairs_of(n)),
        bcubed: BCubed {
            precision,
            recall,
            f1: f1(precision, recall),
        },
        pair_counting: Prf::from_counts(in_gold, in_report, both),
    })
}

/// The cluster label of each document of `documents` (in its order):
/// the cluster's index, or a label of its own for a singleton.
fn labels(
    clusters: &[Vec<String>],
    documents: &BTreeSet<String>,
    side: &str,
) -> Result<Vec<usize>, String> {
    let mut of: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, members) in clusters.iter().enumerate() {
        for id in members {
            if let Some(previous) = of.insert(id.as_str(), index) {
                if previous != index {
                    return Err(format!("document {id} is in two {side} clusters"));
                }
            }
        }
    }
    Ok(documents
        .iter()
        .enumerate()
        .map(|(position, id)| {
            of.get(id.as_str())
                .copied()
                .unwrap_or(clusters.len() + position)
        })
        .collect())
}

/// n choose 2.
fn pairs_of(n: usize) -> usize {
    n * n.saturating_sub(1) / 2
}

/// ARI from pair counts: `both` pairs together on both sides, `in_gold` and
/// `in_report` pairs together on each side, `total` pairs of documents.
#[allow(clippy::cast_precision_loss)]
fn adjusted_rand_index(both: usize, in_gold: usize, in_report: usize, total: usize) -> f64 {
    if total == 0 {
        return 1.0;
    }
    let expected = in_gold as f64 * in_report as f64 / total as f64;
    let max = (in_gold + in_report) as f64 / 2.0;
    // max == expected only when both sides are all singletons or both are
    // one cluster: the clusterings are then identical.
    if (max - expected).abs() < f64::EPSILON {
        return 1.0;
    }
    (both as f64 - expected) / (max - expected)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn clusters(groups: &[&[&str]]) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| g.iter().map(|s| (*s).to_owned()).collect())
            .collect()
    }

    fn docs(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn ari_and_bcubed_by_hand() {
        // Documents a..f. Gold: {a,b,c} {d,e} {f}. Report: {a,b} {c,d,e} {f}.
        // Contingency (gold rows × report cols):
        //   {a,b,c}: 2 with {a,b}, 1 with {c,d,e}
        //   {d,e}:   2 with {c,d,e}
        //   {f}:     1 with {f}
        // index = C(2,2)+C(2,2) = 2; gold pairs a = 3+1 = 4;
        // report pairs b = 1+3 = 4; total = C(6,2) = 15.
        // expected = 4·4/15 = 16/15; max = 4.
        // ARI = (2 − 16/15) / (4 − 16/15) = (14/15) / (44/15) = 7/22.
        // B-cubed precision: a,b: 2/2; c: 1/3; d,e: 2/3; f: 1 → (1+1+1/3+2/3+2/3+1)/6 = 14/18 = 7/9.
        // B-cubed recall: a,b: 2/3; c: 1/3; d,e: 2/2; f: 1 → (2/3+2/3+1/3+1+1+1)/6 = 14/18 = 7/9.
        let gold = clusters(&[&["a", "b", "c"], &["d", "e"]]);
        let report = clusters(&[&["a", "b"], &["c", "d", "e"]]);
        let s = score_clusters(
            &gold,
            &report,
            &docs(&["a", "b", "c", "d", "e", "f"]),
            ClusterKind::Duplicate,
        )
        .unwrap();
        assert!(
            close(s.adjusted_rand_index, 7.0 / 22.0),
            "{}",
            s.adjusted_rand_index
        );
        assert!(close(s.bcubed.precision, 7.0 / 9.0));
        assert!(close(s.bcubed.recall, 7.0 / 9.0));
        assert!(close(s.bcubed.f1, 7.0 / 9.0));
        // Pair counting: 2 of 4 report pairs are gold pairs, 2 of 4 gold found.
        assert_eq!(
            (
                s.pair_counting.true_positives,
                s.pair_counting.reported,
                s.pair_counting.gold
            ),
            (2, 4, 4)
        );
        assert_eq!((s.documents, s.gold_clusters, s.report_clusters), (6, 2, 2));
    }

    #[test]
    fn identical_and_degenerate_clusterings() {
        let gold = clusters(&[&["a", "b"], &["c", "d"]]);
        let all = docs(&["a", "b", "c", "d"]);
        let s = score_clusters(&gold, &gold, &all, ClusterKind::Story).unwrap();
        assert!(close(s.adjusted_rand_index, 1.0) && close(s.bcubed.f1, 1.0));
        // All singletons on both sides: identical, ARI 1.
        let s = score_clusters(&[], &[], &all, ClusterKind::Duplicate).unwrap();
        assert!(close(s.adjusted_rand_index, 1.0));
        // Report all singletons against two pairs: index 0, expected 0,
        // max = 1 → ARI 0; B-cubed precision 1, recall 1/2.
        let s = score_clusters(&gold, &[], &all, ClusterKind::Duplicate).unwrap();
        assert!(close(s.adjusted_rand_index, 0.0));
        assert!(close(s.bcubed.precision, 1.0) && close(s.bcubed.recall, 0.5));
        let err = score_clusters(
            &gold,
            &clusters(&[&["a"], &["a", "b"]]),
            &all,
            ClusterKind::Duplicate,
        )
        .unwrap_err();
        assert_eq!(err, "document a is in two report clusters");
    }

    #[test]
    fn kind_parses_and_lists_its_relations() {
        assert_eq!("story".parse::<ClusterKind>(), Ok(ClusterKind::Story));
        assert!("other".parse::<ClusterKind>().is_err());
        assert!(ClusterKind::Story.relations().contains(&"shared_passages"));
        assert!(!ClusterKind::Duplicate.relations().contains(&"tail_copy"));
    }
}
