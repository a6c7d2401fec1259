//! PAN text-alignment measures (Potthast, Stein, Barrón-Cedeño & Rosso, "An
//! Evaluation Framework for Plagiarism Detection", COLING 2010), following
//! the PAN reference implementation (`perfmeasures.py`):
//!
//! - a detection *detects* a case when both concern the same suspicious and
//!   source documents and overlap in both documents' code-point ranges;
//! - a case counts `|suspicious span| + |source span|` characters; a
//!   detection's share of it is what the detections that detect it cover,
//!   in both documents;
//! - macro recall is the mean share over cases (undetected ones count 0);
//!   macro precision is the same with cases and detections swapped;
//! - micro recall and precision count characters: the union of the parts of
//!   true detections that lie in the cases they detect, over the union of
//!   all case (resp. detection) characters, per document;
//! - granularity is the mean number of detections per detected case (1 when
//!   nothing is detected); plagdet = F1 / log2(1 + granularity).
//!
//! Per obfuscation type only recall and granularity are given: a detection
//! that detects no case has no type, so precision per type is undefined.

use std::collections::BTreeMap;

use serde::Serialize;

use super::pairs::{f1, ratio};
use super::pan_gold::{PanCase, Span};

/// One text alignment: a span of a suspicious document matched with a span
/// of a source document (a gold case or a detection).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Alignment {
    /// File name of the suspicious document.
    pub suspicious: String,
    /// Code-point span in the suspicious document.
    pub suspicious_span: Span,
    /// File name of the source document.
    pub source: String,
    /// Code-point span in the source document.
    pub source_span: Span,
}

impl From<&PanCase> for Alignment {
    fn from(case: &PanCase) -> Self {
        Self {
            suspicious: case.suspicious.clone(),
            suspicious_span: case.suspicious_span,
            source: case.source.clone(),
            source_span: case.source_span,
        }
    }
}

impl Alignment {
    /// True when `self` and `other` detect each other (PAN `is_overlapping`).
    #[must_use]
    pub fn detects(&self, other: &Alignment) -> bool {
        self.suspicious == other.suspicious
            && self.source == other.source
            && self.suspicious_span.overlaps(other.suspicious_span)
            && self.source_span.overlaps(other.source_span)
    }

    fn chars(&self) -> usize {
        self.suspicious_span.len() + self.source_span.len()
    }
}

/// Precision, recall, F1 and plagdet of one averaging.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PanMeasures {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// F1 / log2(1 + granularity).
    pub plagdet: f64,
}

/// Recall and granularity for the cases of one obfuscation type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObfuscationScores {
    /// The XML `obfuscation` value.
    pub obfuscation: String,
    /// Number of cases of this type.
    pub cases: usize,
    /// Cases detected by at least one detection.
    pub detected_cases: usize,
    /// Macro-averaged recall over these cases.
    pub macro_recall: f64,
    /// Micro-averaged (character) recall over these cases.
    pub micro_recall: f64,
    /// Mean detections per detected case.
    pub granularity: f64,
}

/// Alignments grouped by suspicious document.
type ByDocument<'a> = BTreeMap<&'a str, Vec<&'a Alignment>>;

fn by_document(alignments: &[Alignment]) -> ByDocument<'_> {
    let mut index: ByDocument<'_> = BTreeMap::new();
    for a in alignments {
        index.entry(a.suspicious.as_str()).or_default().push(a);
    }
    index
}

/// For each of `cases` (in order), the detections among `index` that
/// detect it.
fn detecting<'a>(cases: &[Alignment], index: &ByDocument<'a>) -> Vec<Vec<&'a Alignment>> {
    cases
        .iter()
        .map(|case| {
            index
                .get(case.suspicious.as_str())
                .map(|dets| dets.iter().copied().filter(|d| d.detects(case)).collect())
                .unwrap_or_default()
        })
        .collect()
}

/// The number of code points covered by `spans`, overlaps counted once.
fn union_len(mut spans: Vec<Span>) -> usize {
    spans.sort_unstable();
    let mut total = 0;
    let mut current: Option<Span> = None;
    for span in spans.into_iter().filter(|s| !s.is_empty()) {
        match current {
            Some(c) if span.start <= c.end => {
                current = Some(Span {
                    start: c.start,
                    end: c.end.max(span.end),
                });
            }
            _ => {
                total += current.map_or(0, Span::len);
                current = Some(span);
            }
        }
    }
    total + current.map_or(0, Span::len)
}

/// Characters of `alignments`, counted once per document and side.
fn count_chars<'a>(alignments: impl Iterator<Item = &'a Alignment>) -> usize {
    let mut suspicious: BTreeMap<&str, Vec<Span>> = BTreeMap::new();
    let mut source: BTreeMap<&str, Vec<Span>> = BTreeMap::new();
    for a in alignments {
        suspicious
            .entry(&a.suspicious)
            .or_default()
            .push(a.suspicious_span);
        source.entry(&a.source).or_default().push(a.source_span);
    }
    suspicious
        .into_values()
        .chain(source.into_values())
        .map(union_len)
        .sum()
}

/// Mean over `cases` of the share of each case that `detections` cover.
#[allow(clippy::cast_precision_loss)]
#[must_use]
pub fn macro_recall(cases: &[Alignment], detections: &[Alignment]) -> f64 {
    if cases.is_empty() && detections.is_empty() {
        return 1.0;
    }
    if cases.is_empty() || detections.is_empty() {
        return 0.0;
    }
    let index = by_document(detections);
    let mut sum = 0.0;
    for (case, dets) in cases.iter().zip(detecting(cases, &index)) {
        let covered = union_len(
            dets.iter()
                .map(|d| case.suspicious_span.clip(d.suspicious_span))
                .collect(),
        ) + union_len(
            dets.iter()
                .map(|d| case.source_span.clip(d.source_span))
                .collect(),
        );
        sum += ratio(covered, case.chars());
    }
    sum / cases.len() as f64
}

/// Macro precision: [`macro_recall`] with cases and detections swapped.
#[must_use]
pub fn macro_precision(cases: &[Alignment], detections: &[Alignment]) -> f64 {
    macro_recall(detections, cases)
}

/// Micro-averaged `(recall, precision)`.
#[must_use]
pub fn micro_recall_precision(cases: &[Alignment], detections: &[Alignment]) -> (f64, f64) {
    if cases.is_empty() && detections.is_empty() {
        return (1.0, 1.0);
    }
    if cases.is_empty() || detections.is_empty() {
        return (0.0, 0.0);
    }
    let index = by_document(detections);
    let mut true_parts = Vec::new();
    for (case, dets) in cases.iter().zip(detecting(cases, &index)) {
        true_parts.extend(dets.into_iter().map(|d| Alignment {
            suspicious: case.suspicious.clone(),
            suspicious_span: case.suspicious_span.clip(d.suspicious_span),
            source: case.source.clone(),
            source_span: case.source_span.clip(d.source_span),
        }));
    }
    let detected = count_chars(true_parts.iter());
    (
        ratio(detected, count_chars(cases.iter())),
        ratio(detected, count_chars(detections.iter())),
    )
}

/// Mean number of detections per detected case, with the number of detected
/// cases; granularity 1 when no case is detected.
pub fn granularity(cases: &[Alignment], detections: &[Alignment]) -> (f64, usize) {
    let index = by_document(detections);
    let counts: Vec<usize> = detecting(cases, &index).iter().map(Vec::len).collect();
    let detected = counts.iter().filter(|&&n| n > 0).count();
    if detected == 0 {
        return (1.0, 0);
    }
    (ratio(counts.iter().sum(), detected), detected)
}

/// F1 / log2(1 + granularity); 0 when recall and precision are both 0.
#[must_use]
pub fn plagdet(recall: f64, precision: f64, granularity: f64) -> f64 {
    if recall + precision <= 0.0 || granularity < 1.0 {
        return 0.0;
    }
    f1(precision, recall) / (1.0 + granularity).log2()
}

/// Micro and macro measures with the granularity they share.
pub(crate) fn measures(
    cases: &[Alignment],
    detections: &[Alignment],
) -> (PanMeasures, PanMeasures, f64, usize) {
    let (gran, detected) = granularity(cases, detections);
    let build = |recall: f64, precision: f64| PanMeasures {
        precision,
        recall,
        f1: f1(precision, recall),
        plagdet: plagdet(recall, precision, gran),
    };
    let (micro_r, micro_p) = micro_recall_precision(cases, detections);
    let micro = build(micro_r, micro_p);
    let macro_avg = build(
        macro_recall(cases, detections),
        macro_precision(cases, detections),
    );
    (micro, macro_avg, gran, detected)
}

/// Recall and granularity per obfuscation type, in type order.
pub(crate) fn by_obfuscation(
    cases: &[PanCase],
    detections: &[Alignment],
) -> Vec<ObfuscationScores> {
    let mut groups: BTreeMap<&str, Vec<Alignment>> = BTreeMap::new();
    for case in cases {
        groups
            .entry(&case.obfuscation)
            .or_default()
            .push(case.into());
    }
    groups
        .into_iter()
        .map(|(obfuscation, group)| {
            let (granularity, detected_cases) = granularity(&group, detections);
            ObfuscationScores {
                obfuscation: obfuscation.to_owned(),
                cases: group.len(),
                detected_cases,
                macro_recall: macro_recall(&group, detections),
                micro_recall: micro_recall_precision(&group, detections).0,
                granularity,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
