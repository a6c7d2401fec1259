//! Hand-computed cases for the PAN measures.

use super::*;

fn align(susp: &str, s: [usize; 2], src: &str, r: [usize; 2]) -> Alignment {
    Alignment {
        suspicious: susp.to_owned(),
        suspicious_span: Span {
            start: s[0],
            end: s[1],
        },
        source: src.to_owned(),
        source_span: Span {
            start: r[0],
            end: r[1],
        },
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn two_detections_covering_one_case_have_granularity_two() {
    // Case s[0,100) ~ r[0,100); detections cover its halves exactly.
    // Recall 200/200 = 1 and precision 1 (both averagings); granularity 2,
    // so plagdet = 1 / log2(3) ≈ 0.631.
    let cases = [align("s", [0, 100], "r", [0, 100])];
    let dets = [
        align("s", [0, 50], "r", [0, 50]),
        align("s", [50, 100], "r", [50, 100]),
    ];
    let (micro, macro_avg, gran, detected) = measures(&cases, &dets);
    assert_eq!((gran, detected), (2.0, 1));
    for m in [micro, macro_avg] {
        assert!(close(m.recall, 1.0) && close(m.precision, 1.0));
        assert!(close(m.plagdet, 1.0 / 3f64.log2()));
    }
}

#[test]
fn partial_and_wrong_source_detections() {
    // c1: s[0,100) ~ r[0,100) (none); c2: s[200,300) ~ r2[0,100) (word shuffling).
    // d1: s[50,150) ~ r[50,150): detects c1, covering s[50,100) and
    //     r[50,100) = 100 of c1's 200 chars, and 100 of its own 200.
    // d2: s[200,300) ~ r3[0,100): right suspicious span, wrong source → detects nothing.
    // Macro recall (0.5 + 0)/2 = 0.25; macro precision (0.5 + 0)/2 = 0.25.
    // Micro: case chars s 200 + r 100 + r2 100 = 400; detection chars
    // s 200 + r 100 + r3 100 = 400; true 100 → R = P = 0.25.
    // Granularity 1, so plagdet = F1 = 0.25.
    let cases = [
        PanCase {
            suspicious: "s".into(),
            suspicious_span: Span { start: 0, end: 100 },
            source: "r".into(),
            source_span: Span { start: 0, end: 100 },
            obfuscation: "none".into(),
        },
        PanCase {
            suspicious: "s".into(),
            suspicious_span: Span {
                start: 200,
                end: 300,
            },
            source: "r2".into(),
            source_span: Span { start: 0, end: 100 },
            obfuscation: "word shuffling".into(),
        },
    ];
    let alignments: Vec<Alignment> = cases.iter().map(Alignment::from).collect();
    let dets = [
        align("s", [50, 150], "r", [50, 150]),
        align("s", [200, 300], "r3", [0, 100]),
    ];
    let (micro, macro_avg, gran, detected) = measures(&alignments, &dets);
    assert_eq!((gran, detected), (1.0, 1));
    for m in [micro, macro_avg] {
        assert!(close(m.recall, 0.25) && close(m.precision, 0.25), "{m:?}");
        assert!(close(m.plagdet, 0.25));
    }
    let per_type = by_obfuscation(&cases, &dets);
    assert_eq!(per_type.len(), 2);
    assert_eq!(
        (per_type[0].obfuscation.as_str(), per_type[0].detected_cases),
        ("none", 1)
    );
    assert!(close(per_type[0].macro_recall, 0.5) && close(per_type[0].micro_recall, 0.5));
    assert_eq!(per_type[1].detected_cases, 0);
    assert!(close(per_type[1].macro_recall, 0.0) && close(per_type[1].granularity, 1.0));
}

#[test]
fn overlapping_detections_count_characters_once() {
    // Two detections s[0,60)~r[0,60) and s[40,100)~r[40,100) on a case
    // s[0,100)~r[0,100): union covers the whole case → recall 1;
    // micro precision: detected chars s 100 + r 100, all true → 1;
    // macro precision: each detection is inside the case → 1.
    let cases = [align("s", [0, 100], "r", [0, 100])];
    let dets = [
        align("s", [0, 60], "r", [0, 60]),
        align("s", [40, 100], "r", [40, 100]),
    ];
    let (micro, macro_avg, _, _) = measures(&cases, &dets);
    assert!(close(micro.recall, 1.0) && close(micro.precision, 1.0));
    assert!(close(macro_avg.recall, 1.0) && close(macro_avg.precision, 1.0));
}

#[test]
fn empty_conventions_follow_the_reference() {
    let cases = [align("s", [0, 10], "r", [0, 10])];
    assert!(close(macro_recall(&[], &[]), 1.0));
    assert!(close(macro_recall(&cases, &[]), 0.0));
    assert_eq!(micro_recall_precision(&[], &cases), (0.0, 0.0));
    assert_eq!(granularity(&cases, &[]), (1.0, 0));
    assert!(close(plagdet(0.0, 0.0, 1.0), 0.0));
    assert_eq!(
        union_len(vec![
            Span { start: 5, end: 9 },
            Span { start: 0, end: 3 },
            Span { start: 2, end: 6 }
        ]),
        9
    );
}
