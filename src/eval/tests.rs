//! End-to-end tests: gold files on disk, reports as JSON text.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use super::*;

/// A fresh, empty scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neardup-eval-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn report(json: &str) -> ReportView {
    parse_report(json, Path::new("report.json")).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn pairs_gold_end_to_end() {
    // Gold: 1-2 duplicate, 3-4 near_duplicate, 5-6 unlabeled.
    // Report: 1-2 duplicate, 4-3 duplicate, 1-3 contains, 7-8 tail_copy.
    // Overall: 2 of 4 reported are gold, 2 of 3 gold found → P 0.5, R 2/3.
    let dir = scratch("pairs");
    let gold_path = dir.join("gold.jsonl");
    write(
        &gold_path,
        "{\"a\": \"1\", \"b\": \"2\", \"relation\": \"duplicate\"}\n\
         {\"a\": \"3\", \"b\": \"4\", \"relation\": \"near_duplicate\"}\n\
         {\"a\": \"5\", \"b\": \"6\"}\n",
    );
    let report_path = dir.join("report.json");
    write(
        &report_path,
        r#"{"schema": 1, "pairs": [
            {"a": "1", "b": "2", "relation": "duplicate"},
            {"a": "4", "b": "3", "relation": "duplicate"},
            {"a": "1", "b": "3", "relation": "contains"},
            {"a": "7", "b": "8", "relation": "tail_copy"}]}"#,
    );
    let result = run(&report_path, &gold_path, &EvalOptions::default()).unwrap();
    assert_eq!(result.gold_format, GoldFormat::Pairs);
    assert!(close(result.pairs.overall.precision, 0.5));
    assert!(close(result.pairs.overall.recall, 2.0 / 3.0));
    // duplicate strict: reported 1-2 and 3-4, only 1-2 is gold duplicate → P 0.5, R 1.
    // near_duplicate strict: nothing labeled near_duplicate → P 0, R 0;
    // lenient: 3-4 found as duplicate ⇒ near_duplicate → 1.
    let [dup, near] = &result.pairs.by_relation[..] else {
        panic!("two relations")
    };
    assert!(close(dup.strict.precision, 0.5) && close(dup.strict.recall, 1.0));
    assert!(close(near.strict.recall, 0.0) && close(near.lenient_recall, 1.0));

    // --relation duplicate: report {1-2, 3-4}; gold drops 3-4
    // (near_duplicate) and keeps 1-2 and the unlabeled 5-6 → P 1/2, R 1/2.
    let options = EvalOptions {
        relations: vec!["duplicate".into()],
        ..EvalOptions::default()
    };
    let filtered = run(&report_path, &gold_path, &options).unwrap();
    assert_eq!(
        (filtered.pairs.overall.gold, filtered.pairs.overall.reported),
        (2, 2)
    );
    assert!(close(filtered.pairs.overall.f1, 0.5));

    let text = result.render_text();
    assert!(
        text.starts_with("gold: pairs; report relations scored: all\n"),
        "{text}"
    );
    assert!(
        text.contains("  all                    3         4        2     0.500   0.667   0.571\n"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&result.to_json().unwrap()).unwrap();
    assert_eq!(json["pairs"]["overall"]["true_positives"], 2);
    assert_eq!(json["relations"], serde_json::Value::Null);
    assert!(json.get("clusters").is_none());
    let bad = EvalOptions {
        relations: vec!["dup".into()],
        ..EvalOptions::default()
    };
    assert!(run(&report_path, &gold_path, &bad)
        .unwrap_err()
        .to_string()
        .contains("unknown relation \"dup\""));
}

#[test]
fn clusters_gold_end_to_end() {
    // Gold clusters {a,b,c} {d,e}; f appears only in the report.
    // Report duplicate clusters {a,b} {c,d,e}; a story cluster {a,b,c,d,e,f}
    // is ignored by default. Same numbers as clusters::tests: ARI 7/22,
    // B-cubed P = R = 7/9.
    // Pairs: the report's duplicate-kind edges a-b, c-d, d-e (shared
    // passages e-f left out) against the 4 gold pairs → P 2/3, R 2/4.
    let dir = scratch("clusters");
    let gold_path = dir.join("clusters.jsonl");
    write(
        &gold_path,
        "{\"members\": [\"a\", \"b\", \"c\"]}\n{\"members\": [\"d\", \"e\"]}\n",
    );
    let gold = load_gold(&gold_path).unwrap();
    let report = report(
        r#"{"documents": [{"id": "f"}],
            "pairs": [{"a": "a", "b": "b", "relation": "duplicate"},
                      {"a": "c", "b": "d", "relation": "contains"},
                      {"a": "d", "b": "e", "relation": "near_duplicate"},
                      {"a": "e", "b": "f", "relation": "shared_passages"}],
            "clusters": [{"kind": "duplicate", "members": ["a", "b"]},
                         {"kind": "duplicate", "members": ["c", "d", "e"]},
                         {"kind": "story", "members": ["a", "b", "c", "d", "e", "f"]}]}"#,
    );
    let result = evaluate(&report, &gold, &EvalOptions::default()).unwrap();
    let clusters = result.clusters.as_ref().unwrap();
    assert_eq!(clusters.documents, 6);
    assert!(close(clusters.adjusted_rand_index, 7.0 / 22.0));
    assert!(close(clusters.bcubed.f1, 7.0 / 9.0));
    assert!(close(result.pairs.overall.precision, 2.0 / 3.0));
    assert!(close(result.pairs.overall.recall, 0.5));
    assert!(result
        .render_text()
        .contains("adjusted Rand index    0.318"));

    // Story clusters: one cluster of 6 against {a,b,c} {d,e} {f}:
    // index = 3 + 1 = 4 = gold pairs; report pairs 15 = total → expected 4,
    // max (4 + 15)/2 = 9.5 → ARI 0.
    let story = EvalOptions {
        cluster_kind: ClusterKind::Story,
        ..EvalOptions::default()
    };
    let result = evaluate(&report, &gold, &story).unwrap();
    assert!(close(result.clusters.unwrap().adjusted_rand_index, 0.0));
    assert_eq!(result.pairs.overall.reported, 4);
}

/// Writes a two-source PAN corpus; returns its folder.
fn pan_fixture(name: &str) -> PathBuf {
    let dir = scratch(name).join("araplagdet");
    // Suspicious: "مقدمة. " is 7 code points (12 bytes); the reused
    // "نص منقول هنا" is 10 code points (18 bytes): [7, 17) = bytes [12, 30).
    write(
        &dir.join("suspicious-documents/suspicious-document0001.txt"),
        "مقدمة. نص منقول هنا. خاتمة",
    );
    // Source 1: "x " then the passage: [2, 12) = bytes [2, 20).
    write(
        &dir.join("source-documents/source-document00001.txt"),
        "x نص منقول هنا y",
    );
    write(
        &dir.join("source-documents/source-document00002.txt"),
        "مقدمة",
    );
    write(
        &dir.join("plagiarism-annotation/suspicious-document0001.xml"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<document reference="suspicious-document0001.txt">
<feature name="plagiarism" this_offset="7" this_length="10" source_reference="source-document00001.txt" source_offset="2" source_length="10" obfuscation="none" type="artificial"/>
</document>"#,
    );
    dir
}

#[test]
fn pan_gold_end_to_end() {
    // Case c1: suspicious [7, 17) ~ source 1 [2, 12): 20 characters.
    // d1 (pair listed source-first): bytes [2, 20) in source 1 and [12, 30)
    //    in the suspicious document = exactly c1.
    // d2: suspicious bytes [0, 10) = [0, 5) ~ source 2 [0, 5): detects nothing.
    // Macro R 1; macro P (1 + 0)/2 = 0.5. Micro R 20/20; micro P: detection
    // characters suspicious 5 + 10, source 1 10, source 2 5 = 30 → 20/30.
    // Granularity 1. Pairs: 1 gold pair, 2 suspicious-source pairs reported.
    let dir = pan_fixture("pan");
    let gold = load_gold(&dir).unwrap();
    let report = report(
        r#"{"pairs": [
          {"a": "araplagdet/source-documents/source-document00001.txt",
           "b": "araplagdet/suspicious-documents/suspicious-document0001.txt",
           "relation": "shared_passages", "passages": [{"a": [2, 20], "b": [12, 30]}]},
          {"a": "araplagdet/suspicious-documents/suspicious-document0001.txt",
           "b": "araplagdet/source-documents/source-document00002.txt",
           "relation": "contains", "passages": [{"a": [0, 10], "b": [0, 10]}, {"a": [4, 4], "b": [0, 2]}]},
          {"a": "araplagdet/source-documents/source-document00001.txt",
           "b": "araplagdet/source-documents/source-document00002.txt", "relation": "duplicate"}]}"#,
    );
    let result = evaluate(&report, &gold, &EvalOptions::default()).unwrap();
    let pan = result.pan.as_ref().unwrap();
    assert_eq!(
        (pan.cases, pan.detected_cases, pan.input.detections),
        (1, 1, 2)
    );
    assert_eq!(
        (
            pan.input.pairs,
            pan.input.other_pairs,
            pan.input.empty_passages
        ),
        (2, 1, 1)
    );
    assert!(close(pan.macro_avg.recall, 1.0) && close(pan.macro_avg.precision, 0.5));
    assert!(close(pan.micro.recall, 1.0) && close(pan.micro.precision, 2.0 / 3.0));
    assert!(close(pan.granularity, 1.0) && close(pan.micro.plagdet, 0.8));
    assert_eq!(pan.by_obfuscation[0].obfuscation, "none");
    assert!(close(result.pairs.overall.precision, 0.5) && close(result.pairs.overall.recall, 1.0));
    let text = result.render_text();
    assert!(
        text.contains("  micro        0.667   1.000   0.800    0.800\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  none                              1         1    1.000    1.000       1.000\n"
        ),
        "{text}"
    );

    // A byte offset inside a two-byte letter is an error naming the document.
    let bad = report.pairs[..1].iter().cloned().map(|mut p| {
        p.passages[0].b = [13, 30];
        p
    });
    let bad = ReportView {
        pairs: bad.collect(),
        ..ReportView::default()
    };
    let err = evaluate(&bad, &gold, &EvalOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("document suspicious-document0001.txt: byte offset 13"),
        "{err}"
    );
    assert!(err.contains("not at a character boundary"), "{err}");
}

#[test]
fn gold_format_is_detected_from_the_path() {
    let dir = pan_fixture("detect");
    assert_eq!(load_gold(&dir).unwrap().format(), GoldFormat::Pan);
    assert_eq!(
        load_gold(&dir.join("plagiarism-annotation"))
            .unwrap()
            .format(),
        GoldFormat::Pan
    );
    let err = load_gold(&dir.join("source-documents"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a PAN corpus folder"), "{err}");
    let missing = load_gold(&dir.join("nope.jsonl")).unwrap_err();
    assert!(matches!(missing, EvalError::Io { .. }));
}

/// The real `AraPlagDet` folder, if `../shared/data` is beside the crate.
fn araplagdet() -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../shared/data/araplagdet", "../../shared/data/araplagdet"]
        .iter()
        .map(|p| here.join(p))
        .find(|p| p.is_dir())
}

#[test]
#[ignore = "needs ../shared/data"]
fn real_araplagdet_gold_as_a_perfect_report_scores_one() {
    let Some(dir) = araplagdet() else {
        eprintln!("skipped: no ../shared/data/araplagdet");
        return;
    };
    let Gold::Pan(gold) = load_gold(&dir).unwrap() else {
        panic!("a PAN folder")
    };
    assert_eq!(gold.cases.len(), 1727);
    // Turn each case into a report passage in UTF-8 bytes, suspicious as `b`.
    let bytes = |name: &str, span: Span| -> [usize; 2] {
        let text = std::fs::read_to_string(gold.text_path(name).unwrap()).unwrap();
        let at = |cp: usize| text.char_indices().nth(cp).map_or(text.len(), |(i, _)| i);
        [at(span.start), at(span.end)]
    };
    let mut by_pair: std::collections::BTreeMap<(&str, &str), Vec<report::ReportPassage>> =
        std::collections::BTreeMap::new();
    for c in &gold.cases {
        by_pair
            .entry((&c.suspicious, &c.source))
            .or_default()
            .push(report::ReportPassage {
                a: bytes(&c.source, c.source_span),
                b: bytes(&c.suspicious, c.suspicious_span),
            });
    }
    let pairs = by_pair
        .into_iter()
        .map(|((suspicious, source), passages)| ReportPair {
            a: format!("araplagdet/source-documents/{source}"),
            b: format!("suspicious-documents/{suspicious}"),
            relation: "shared_passages".into(),
            passages,
        })
        .collect();
    let report = ReportView {
        pairs,
        ..ReportView::default()
    };
    let result = evaluate(&report, &Gold::Pan(gold), &EvalOptions::default()).unwrap();
    let pan = result.pan.unwrap();
    assert_eq!(pan.detected_cases, 1727);
    assert!(
        close(pan.micro.plagdet, 1.0) && close(pan.macro_avg.recall, 1.0),
        "{pan:?}"
    );
    let counts: Vec<(&str, usize)> = pan
        .by_obfuscation
        .iter()
        .map(|o| (o.obfuscation.as_str(), o.cases))
        .collect();
    assert_eq!(
        counts,
        [
            ("manual paraphrasing", 22),
            ("manual synonym substitution", 169),
            ("none", 696),
            ("phrase shuffling", 180),
            ("word shuffling", 660)
        ]
    );
}
