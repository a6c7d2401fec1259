//! `neardup eval`: scores a schema-1 report against gold labels.
//!
//! Three gold formats are recognised from the path ([`load_gold`]):
//!
//! - a JSONL file of pairs, `{"a": id, "b": id, "relation": ...}` per line
//!   (the relation is optional);
//! - a JSONL file of clusters, `{"members": [id, ...]}` per line;
//! - a PAN corpus folder (`AraPlagDet` layout) with `plagiarism-annotation/`,
//!   `suspicious-documents/` and `source-documents/`.
//!
//! Every format gets pair-level precision, recall and F1 ([`pairs`]);
//! clusters add cluster agreement ([`clusters`]); PAN folders add the PAN
//! text-alignment measures ([`pan`]), with report ids matched to corpus
//! files by file name.
//!
//! Which report pairs are scored: all of them for pairs and PAN gold; for
//! clusters gold, those whose relation joins clusters of the chosen kind
//! ([`ClusterKind::relations`]). [`EvalOptions::relations`] overrides this
//! with an exact list of report relations; gold pairs labeled with a
//! relation outside that list are then dropped too (unlabeled ones stay).
//!
//! ```text
//! // `eval` is this module; `ignore` because the crate name differs
//! // between the scratch crate and the product.
//! let result = eval::run(
//!     Path::new("report.json"),
//!     Path::new("../shared/data/araplagdet"),
//!     &eval::EvalOptions::default(),
//! )?;
//! print!("{}", result.render_text());
//! println!("{}", result.to_json()?);
//! ```

pub mod clusters;
mod error;
pub mod gold;
pub mod pairs;
pub mod pan;
pub mod pan_gold;
pub mod pan_input;
pub mod report;
mod result;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use self::clusters::{BCubed, ClusterKind, ClusterScores};
pub use self::error::EvalError;
pub use self::gold::{GoldClusters, GoldPairs, PairKey, RELATIONS};
pub use self::pairs::{PairScores, Prf, RelationScores};
pub use self::pan::{ObfuscationScores, PanMeasures};
pub use self::pan_gold::{PanCase, PanGold, Span};
pub use self::pan_input::PanInput;
pub use self::report::{load_report, parse_report, ReportView};
pub use self::result::{EvalResult, GoldFormat, PanScores};

use self::gold::{pair_key, JsonlGold};
use self::report::{basename, ReportPair};

/// Gold labels in one of the three formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gold {
    /// Document pairs, optionally with relations.
    Pairs(GoldPairs),
    /// Disjoint document clusters.
    Clusters(GoldClusters),
    /// PAN text-reuse cases.
    Pan(PanGold),
}

impl Gold {
    /// The format of these labels.
    #[must_use]
    pub fn format(&self) -> GoldFormat {
        match self {
            Self::Pairs(_) => GoldFormat::Pairs,
            Self::Clusters(_) => GoldFormat::Clusters,
            Self::Pan(_) => GoldFormat::Pan,
        }
    }
}

/// What to score.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvalOptions {
    /// Report relations to score (each one of [`RELATIONS`]). Default:
    /// empty, meaning every relation for pairs and PAN gold and the
    /// relations of `cluster_kind` for clusters gold.
    pub relations: Vec<String>,
    /// Report clusters compared with clusters gold. Default: `duplicate`.
    pub cluster_kind: ClusterKind,
}

/// Loads gold labels: a folder is a PAN corpus, a file is JSONL pairs or
/// clusters (its first non-blank line decides).
///
/// # Errors
///
/// [`EvalError::Io`] for unreadable paths, [`EvalError::GoldLine`] for an
/// invalid line (naming the file and line), [`EvalError::Gold`] for an empty
/// file or a folder that is not a PAN corpus.
pub fn load_gold(path: &Path) -> Result<Gold, EvalError> {
    if path.is_dir() {
        return PanGold::load(path).map(Gold::Pan);
    }
    let text = std::fs::read_to_string(path).map_err(|e| EvalError::io(path, e))?;
    Ok(match gold::parse_jsonl(&text, path)? {
        JsonlGold::Pairs(p) => Gold::Pairs(p),
        JsonlGold::Clusters(c) => Gold::Clusters(c),
    })
}

/// Loads the report and the gold labels and scores one against the other.
///
/// # Errors
///
/// Any error of [`load_report`], [`load_gold`] or [`evaluate`].
pub fn run(report: &Path, gold: &Path, options: &EvalOptions) -> Result<EvalResult, EvalError> {
    let report = load_report(report)?;
    let gold = load_gold(gold)?;
    evaluate(&report, &gold, options)
}

/// Scores `report` against `gold`.
///
/// # Errors
///
/// [`EvalError::Option`] for an unknown relation in `options`,
/// [`EvalError::InconsistentReport`] when a document is in two report
/// clusters of the chosen kind, and for PAN gold the errors of reading the
/// corpus texts and converting passage offsets ([`EvalError::Offset`]).
pub fn evaluate(
    report: &ReportView,
    gold: &Gold,
    options: &EvalOptions,
) -> Result<EvalResult, EvalError> {
    if let Some(bad) = options
        .relations
        .iter()
        .find(|r| !RELATIONS.contains(&r.as_str()))
    {
        return Err(EvalError::Option {
            message: format!(
                "unknown relation {bad:?}; expected one of {}",
                RELATIONS.join(", ")
            ),
        });
    }
    let filter: Option<Vec<String>> = match gold {
        _ if !options.relations.is_empty() => Some(options.relations.clone()),
        Gold::Clusters(_) => Some(
            options
                .cluster_kind
                .relations()
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
        ),
        Gold::Pairs(_) | Gold::Pan(_) => None,
    };
    let admitted = |relation: &str| {
        filter
            .as_ref()
            .is_none_or(|f| f.iter().any(|r| r == relation))
    };
    let scored: Vec<&ReportPair> = report
        .pairs
        .iter()
        .filter(|p| admitted(&p.relation))
        .collect();
    let mut result = EvalResult {
        gold_format: gold.format(),
        relations: filter.clone(),
        pairs: pairs::score_pairs(&BTreeMap::new(), &GoldPairs::default()),
        clusters: None,
        pan: None,
    };
    match gold {
        Gold::Pairs(gold_pairs) => {
            let mut kept = gold_pairs.clone();
            kept.pairs
                .retain(|_, label| label.as_deref().is_none_or(&admitted));
            result.pairs = pairs::score_pairs(&strongest(scored.iter().copied(), |id| id), &kept);
        }
        Gold::Clusters(gold_clusters) => {
            result.pairs = pairs::score_pairs(
                &strongest(scored.iter().copied(), |id| id),
                &gold_clusters.to_pairs(),
            );
            result.clusters = Some(score_clusters(report, gold_clusters, options.cluster_kind)?);
        }
        Gold::Pan(pan_gold) => {
            let oriented: Vec<&ReportPair> = scored
                .iter()
                .copied()
                .filter(|p| pan_input::orient(p, pan_gold).is_some())
                .collect();
            let gold_pairs = GoldPairs {
                pairs: pan_gold
                    .cases
                    .iter()
                    .map(|c| (pair_key(&c.suspicious, &c.source), None))
                    .collect(),
            };
            result.pairs =
                pairs::score_pairs(&strongest(oriented.into_iter(), basename), &gold_pairs);
            result.pan = Some(result::score_pan(scored.into_iter(), pan_gold)?);
        }
    }
    Ok(result)
}

/// Report pairs keyed by unordered pair (ids mapped by `id`), keeping the
/// strongest relation (in [`RELATIONS`] order) should a pair repeat.
fn strongest<'a>(
    pairs: impl Iterator<Item = &'a ReportPair>,
    id: impl Fn(&str) -> &str,
) -> BTreeMap<PairKey, String> {
    let rank = |r: &str| {
        RELATIONS
            .iter()
            .position(|x| *x == r)
            .unwrap_or(RELATIONS.len())
    };
    let mut map: BTreeMap<PairKey, String> = BTreeMap::new();
    for pair in pairs {
        let key = pair_key(id(&pair.a), id(&pair.b));
        match map.get(&key) {
            Some(old) if rank(old) <= rank(&pair.relation) => {}
            _ => {
                map.insert(key, pair.relation.clone());
            }
        }
    }
    map
}

/// Cluster agreement over every document either side names.
fn score_clusters(
    report: &ReportView,
    gold: &GoldClusters,
    kind: ClusterKind,
) -> Result<ClusterScores, EvalError> {
    let mut documents: BTreeSet<String> = report.documents.iter().cloned().collect();
    for pair in &report.pairs {
        documents.insert(pair.a.clone());
        documents.insert(pair.b.clone());
    }
    let all_members = report.clusters.iter().flat_map(|c| &c.members);
    documents.extend(all_members.chain(gold.clusters.iter().flatten()).cloned());
    let report_clusters: Vec<Vec<String>> = report
        .clusters
        .iter()
        .filter(|c| c.kind == kind.as_str())
        .map(|c| c.members.clone())
        .collect();
    clusters::score_clusters(&gold.clusters, &report_clusters, &documents, kind)
        .map_err(|message| EvalError::InconsistentReport { message })
}

#[cfg(test)]
mod tests;
