//! The seed articles: 001 and 002 report the same press conference;
//! 000–002 carry "إقرأ أيضاً" tails; 003 and 004 carry `[ad_N]` markers.

use neardup::report::{ClusterKind, Report};
use neardup::verify::Relation;

use crate::util::{repo, scan_seeds};

fn id(prefix: &str) -> String {
    let dir = repo().join("data");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(prefix)
                && std::path::Path::new(n)
                    .extension()
                    .is_some_and(|e| e == "txt")
        })
        .collect();
    names.sort();
    names.remove(0)
}

fn text(prefix: &str) -> String {
    std::fs::read_to_string(repo().join("data").join(id(prefix))).unwrap()
}

fn clusters_with(r: &Report, doc: &str) -> Vec<(ClusterKind, Vec<String>)> {
    r.clusters
        .iter()
        .filter(|c| c.members.iter().any(|m| m == doc))
        .map(|c| (c.kind, c.members.clone()))
        .collect()
}

#[test]
fn blinken_reports_form_a_story_with_the_shared_quote() {
    let r = scan_seeds().report;
    let (a, b) = (id("001"), id("002"));
    let pair = r
        .pairs
        .iter()
        .find(|p| p.a == a && p.b == b)
        .expect("001–002 pair");
    assert_eq!(pair.relation, Relation::SharedPassages);
    assert!(
        pair.jaccard < 0.1,
        "whole-document similarity is low: {}",
        pair.jaccard
    );
    let (ta, tb) = (text("001"), text("002"));
    let quote = "مخاوف عميقة بشأن التعاون العسكري المتنامي";
    assert!(
        pair.passages.iter().any(|p| {
            ta[p.a[0] as usize..p.a[1] as usize].contains(quote)
                && tb[p.b[0] as usize..p.b[1] as usize].contains(quote)
        }),
        "the quote is inside a reported passage in both: {:?}",
        pair.passages
    );
    let story = clusters_with(&r, &a);
    assert!(story
        .iter()
        .any(|(k, m)| *k == ClusterKind::Story && m.contains(&b)));
}

#[test]
fn no_duplicate_clusters_and_000_003_stay_alone() {
    let r = scan_seeds().report;
    assert!(
        r.clusters.iter().all(|c| c.kind != ClusterKind::Duplicate),
        "{:?}",
        r.clusters
    );
    assert!(r.pairs.iter().all(|p| !p.relation.joins_duplicates()));
    for lonely in ["000", "003"] {
        assert!(
            clusters_with(&r, &id(lonely)).is_empty(),
            "{lonely} joined a cluster"
        );
    }
}

#[test]
fn tails_start_at_the_read_also_marker() {
    let r = scan_seeds().report;
    for prefix in ["000", "001", "002"] {
        let doc = r.documents.iter().find(|d| d.id == id(prefix)).unwrap();
        let start = text(prefix).find("إقرأ أيضاً").unwrap() as u32;
        assert_eq!(doc.tails.len(), 1, "{prefix}");
        assert_eq!(doc.tails[0].start, start, "{prefix}");
        assert_eq!(
            doc.tails[0].end as usize,
            text(prefix).trim_end().len(),
            "{prefix}"
        );
        assert_eq!(doc.body, [0, start], "{prefix}");
    }
    for prefix in ["003", "004"] {
        let doc = r.documents.iter().find(|d| d.id == id(prefix)).unwrap();
        assert!(doc.tails.is_empty(), "{prefix}");
    }
}

#[test]
fn ad_markers_are_boilerplate_with_their_spans() {
    let r = scan_seeds().report;
    for marker in ["[ad_1]", "[ad_2]"] {
        let b = r
            .boilerplate
            .iter()
            .find(|b| b.text == marker)
            .expect(marker);
        assert_eq!(b.documents, 2);
    }
    for prefix in ["003", "004"] {
        let t = text(prefix);
        let doc = r.documents.iter().find(|d| d.id == id(prefix)).unwrap();
        let spans: Vec<&str> = doc
            .boilerplate
            .iter()
            .map(|s| &t[s[0] as usize..s[1] as usize])
            .collect();
        assert!(
            spans.contains(&"[ad_1]") && spans.contains(&"[ad_2]"),
            "{prefix}: {spans:?}"
        );
    }
}

#[test]
fn every_offset_is_a_char_boundary_of_the_original() {
    let r = scan_seeds().report;
    let t = |doc: &str| std::fs::read_to_string(repo().join("data").join(doc)).unwrap();
    for d in &r.documents {
        let text = t(&d.id);
        let mut spans = vec![d.body];
        spans.extend(d.tails.iter().map(|x| [x.start, x.end]));
        spans.extend(d.boilerplate.iter().copied());
        for [s, e] in spans {
            assert!(s <= e && (e as usize) <= text.len());
            assert!(text.is_char_boundary(s as usize) && text.is_char_boundary(e as usize));
        }
    }
    for p in &r.pairs {
        for x in &p.passages {
            let (ta, tb) = (t(&p.a), t(&p.b));
            assert!(ta.get(x.a[0] as usize..x.a[1] as usize).is_some());
            assert!(tb.get(x.b[0] as usize..x.b[1] as usize).is_some());
        }
    }
}

#[test]
fn report_snapshot() {
    let r = scan_seeds().report;
    insta::assert_snapshot!("seeds_report", crate::util::stable_json(&r));
}
