//! The evaluation result: JSON (`--json`) and a human table.

use std::fmt::Write as _;

use serde::Serialize;

use super::clusters::ClusterScores;
use super::pairs::{PairScores, Prf};
use super::pan::{self, ObfuscationScores, PanMeasures};
use super::pan_gold::PanGold;
use super::pan_input::{self, PanInput};
use super::report::ReportPair;
use super::EvalError;

/// Which gold format was scored against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GoldFormat {
    /// JSONL pairs.
    Pairs,
    /// JSONL clusters.
    Clusters,
    /// A PAN corpus folder.
    Pan,
}

impl GoldFormat {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pairs => "pairs",
            Self::Clusters => "clusters",
            Self::Pan => "pan",
        }
    }
}

/// PAN text-alignment scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanScores {
    /// Number of gold cases.
    pub cases: usize,
    /// Cases detected by at least one detection.
    pub detected_cases: usize,
    /// Mean detections per detected case (1 when none is detected).
    pub granularity: f64,
    /// Character-level (micro-averaged) measures.
    pub micro: PanMeasures,
    /// Case-level (macro-averaged) measures.
    #[serde(rename = "macro")]
    pub macro_avg: PanMeasures,
    /// Recall and granularity per obfuscation type.
    pub by_obfuscation: Vec<ObfuscationScores>,
    /// How the report's pairs were used.
    pub input: PanInput,
}

/// Everything `neardup eval` computes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalResult {
    /// The gold format.
    pub gold_format: GoldFormat,
    /// The report relations scored; `null` means all.
    pub relations: Option<Vec<String>>,
    /// Pair-level scores (for PAN gold: suspicious–source document pairs,
    /// matched by file name).
    pub pairs: PairScores,
    /// Cluster agreement, for clusters gold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters: Option<ClusterScores>,
    /// PAN text-alignment measures, for PAN gold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pan: Option<PanScores>,
}

/// PAN scores of the passages of `pairs` against `gold`.
pub(crate) fn score_pan<'a>(
    pairs: impl Iterator<Item = &'a ReportPair>,
    gold: &PanGold,
) -> Result<PanScores, EvalError> {
    let (detections, input) = pan_input::detections(pairs, gold)?;
    let cases: Vec<pan::Alignment> = gold.cases.iter().map(pan::Alignment::from).collect();
    let (micro, macro_avg, granularity, detected_cases) = pan::measures(&cases, &detections);
    Ok(PanScores {
        cases: cases.len(),
        detected_cases,
        granularity,
        micro,
        macro_avg,
        by_obfuscation: pan::by_obfuscation(&gold.cases, &detections),
        input,
    })
}

impl EvalResult {
    /// The result as pretty-printed JSON.
    ///
    /// # Errors
    ///
    /// [`EvalError::Json`] if serialization fails (it should not).
    pub fn to_json(&self) -> Result<String, EvalError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// A human-readable table of the scores, ending with a newline.
    #[must_use]
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let relations = self
            .relations
            .as_ref()
            .map_or_else(|| "all".to_owned(), |r| r.join(", "));
        let _ = writeln!(
            out,
            "gold: {}; report relations scored: {relations}",
            self.gold_format.as_str()
        );
        self.render_pairs(&mut out);
        if let Some(clusters) = &self.clusters {
            render_clusters(&mut out, clusters);
        }
        if let Some(pan) = &self.pan {
            render_pan(&mut out, pan);
        }
        out
    }

    fn render_pairs(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\n{:<19} {:>6} {:>9} {:>8} {:>9} {:>7} {:>7} {:>10}",
            "pairs", "gold", "reported", "correct", "precision", "recall", "F1", "lenient R"
        );
        prf_row(out, "all", &self.pairs.overall, None);
        for row in &self.pairs.by_relation {
            prf_row(out, &row.relation, &row.strict, Some(row.lenient_recall));
        }
        if !self.pairs.confusion.is_empty() {
            let _ = writeln!(out, "confusion (gold relation: report relation count, ...)");
            for (gold, columns) in &self.pairs.confusion {
                let cells: Vec<String> = columns.iter().map(|(r, n)| format!("{r} {n}")).collect();
                let _ = writeln!(out, "  {gold}: {}", cells.join(", "));
            }
        }
    }
}

fn prf_row(out: &mut String, label: &str, prf: &Prf, lenient: Option<f64>) {
    let _ = write!(
        out,
        "  {label:<17} {:>6} {:>9} {:>8} {:>9.3} {:>7.3} {:>7.3}",
        prf.gold, prf.reported, prf.true_positives, prf.precision, prf.recall, prf.f1
    );
    if let Some(lenient) = lenient {
        let _ = write!(out, " {lenient:>10.3}");
    }
    out.push('\n');
}

fn render_clusters(out: &mut String, c: &ClusterScores) {
    let _ = writeln!(
        out,
        "\n{} clusters: {} documents, {} gold clusters, {} report clusters (2+ members)",
        c.kind, c.documents, c.gold_clusters, c.report_clusters
    );
    let _ = writeln!(out, "  adjusted Rand index {:>8.3}", c.adjusted_rand_index);
    let _ = writeln!(
        out,
        "  B-cubed             P {:.3}  R {:.3}  F1 {:.3}",
        c.bcubed.precision, c.bcubed.recall, c.bcubed.f1
    );
    let p = &c.pair_counting;
    let _ = writeln!(
        out,
        "  pair counting       P {:.3}  R {:.3}  F1 {:.3}",
        p.precision, p.recall, p.f1
    );
}

fn render_pan(out: &mut String, pan: &PanScores) {
    let i = &pan.input;
    let _ = writeln!(
        out,
        "\nPAN text alignment: {} cases, {} detected; {} detections from {} suspicious-source pairs \
         ({} without passages, {} empty passages skipped, {} other pairs ignored)",
        pan.cases,
        pan.detected_cases,
        i.detections,
        i.pairs,
        i.pairs_without_passages,
        i.empty_passages,
        i.other_pairs
    );
    let _ = writeln!(
        out,
        "  {:<8} {:>9} {:>7} {:>7} {:>8}",
        "", "precision", "recall", "F1", "plagdet"
    );
    for (label, m) in [("micro", &pan.micro), ("macro", &pan.macro_avg)] {
        let _ = writeln!(
            out,
            "  {label:<8} {:>9.3} {:>7.3} {:>7.3} {:>8.3}",
            m.precision, m.recall, m.f1, m.plagdet
        );
    }
    let _ = writeln!(out, "  granularity {:.3}", pan.granularity);
    let _ = writeln!(
        out,
        "  {:<28} {:>6} {:>9} {:>8} {:>8} {:>11}",
        "obfuscation", "cases", "detected", "macro R", "micro R", "granularity"
    );
    for o in &pan.by_obfuscation {
        let _ = writeln!(
            out,
            "  {:<28} {:>6} {:>9} {:>8.3} {:>8.3} {:>11.3}",
            o.obfuscation, o.cases, o.detected_cases, o.macro_recall, o.micro_recall, o.granularity
        );
    }
}
