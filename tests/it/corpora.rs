//! The real corpora in `../shared/data` (not shipped: their licences
//! allow research and testing only). Run with
//! `cargo test --release -- --include-ignored`.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use neardup::pipeline::{self, bodies, document_edges, exact_groups, load};
use neardup::progress::Silent;
use neardup::shingle::intersection;
use neardup::Config;

use crate::util::{scan, shared_data};

/// The first `n` lines of SaudiNewsNet as a plain JSONL file.
fn saudinewsnet_sample(dir: &std::path::Path, n: usize) -> PathBuf {
    let src = shared_data().join("saudinewsnet/docs.jsonl.gz");
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(
        std::fs::File::open(src).unwrap(),
    ));
    let out = dir.join("sample.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out).unwrap());
    for line in reader.lines().take(n) {
        writeln!(w, "{}", line.unwrap()).unwrap();
    }
    out
}

fn snn_config() -> Config {
    let mut cfg = Config {
        passages: false,
        ..Config::default()
    };
    cfg.input.id_field = "url".into();
    cfg.input.text_field = "content".into();
    cfg.input.source_field = "source".into();
    cfg
}

/// LSH against brute force: every pair of the sample whose exact body
/// Jaccard is at least threshold + 0.1 is found (recall ≥ 0.99), and no
/// reported pair is below the threshold.
#[test]
#[ignore = "needs ../shared/data (SaudiNewsNet)"]
fn saudinewsnet_lsh_recall_against_exact_jaccard() {
    let dir = tempfile::tempdir().unwrap();
    let sample = saudinewsnet_sample(dir.path(), 3000);
    let cfg = snn_config();
    let corpus = load(&[sample], &cfg, &Silent).unwrap();
    let bodies = bodies(&corpus, &cfg, &Silent);
    let edges = document_edges(&bodies, &exact_groups(&bodies), &cfg, &Silent);
    // Exact: every pair sharing a shingle, through an inverted index.
    let mut post: Vec<(u64, u32)> = bodies
        .iter()
        .enumerate()
        .flat_map(|(i, b)| b.shingles.iter().map(move |&s| (s, i as u32)))
        .collect();
    post.sort_unstable();
    let mut cand: Vec<(u32, u32)> = Vec::new();
    for run in post.chunk_by(|x, y| x.0 == y.0) {
        for i in 0..run.len() {
            for j in i + 1..run.len() {
                cand.push((run[i].1, run[j].1));
            }
        }
    }
    cand.sort_unstable();
    cand.dedup();
    let exact = |a: u32, b: u32| {
        let (x, y) = (&bodies[a as usize].shingles, &bodies[b as usize].shingles);
        let i = intersection(x, y);
        i as f64 / (x.len() + y.len() - i) as f64
    };
    let truth: Vec<(u32, u32)> = cand
        .into_iter()
        .filter(|&(a, b)| exact(a, b) >= cfg.threshold + 0.1)
        .collect();
    let found: std::collections::HashSet<(u32, u32)> = edges
        .iter()
        .filter(|e| {
            e.relation.joins_duplicates() && e.relation != neardup::verify::Relation::Contains
        })
        .map(|e| (e.a, e.b))
        .collect();
    let hit = truth.iter().filter(|p| found.contains(p)).count();
    let recall = hit as f64 / truth.len() as f64;
    println!(
        "sample pairs with J >= 0.6: {}, found {hit}, recall {recall:.4}",
        truth.len()
    );
    assert!(truth.len() > 100, "the sample has near duplicates");
    assert!(recall >= 0.99, "recall {recall}");
    for e in &edges {
        let j = exact(e.a, e.b);
        assert!((j - e.jaccard).abs() < 1e-9, "reported Jaccard is exact");
        if e.relation != neardup::verify::Relation::Contains {
            assert!(j >= cfg.threshold, "pair below threshold: {j}");
        }
    }
}

/// BBC News: every byte-identical pair is a duplicate, the Latin-1 file is
/// read with a warning.
#[test]
#[ignore = "needs ../shared/data (BBC News)"]
fn bbc_exact_duplicates_and_latin1() {
    let root = shared_data().join("bbc_news/bbc");
    let s = scan(
        std::slice::from_ref(&root),
        &Config {
            passages: false,
            ..Config::default()
        },
    );
    let mut by_bytes: std::collections::BTreeMap<Vec<u8>, Vec<String>> =
        std::collections::BTreeMap::default();
    for d in &s.corpus.docs {
        by_bytes
            .entry(std::fs::read(root.join(&d.doc.id)).unwrap())
            .or_default()
            .push(d.doc.id.clone());
    }
    let mut want = Vec::new();
    for ids in by_bytes.values() {
        for i in 0..ids.len() {
            for j in i + 1..ids.len() {
                want.push((ids[i].clone(), ids[j].clone()));
            }
        }
    }
    assert!(want.len() >= 98, "{}", want.len());
    for (a, b) in &want {
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        let p = s.report.pairs.iter().find(|p| &p.a == a && &p.b == b);
        assert_eq!(p.map(|p| p.relation.as_str()), Some("duplicate"), "{a} {b}");
    }
    let dups = s
        .report
        .pairs
        .iter()
        .filter(|p| p.relation.as_str() == "duplicate")
        .count();
    assert!(dups >= 100, "at least the 100 duplicate pairs: {dups}");
    assert!(s.corpus.docs.iter().any(|d| d.doc.id == "sport/199.txt"));
    assert!(s
        .report
        .warnings
        .iter()
        .any(|w| w.path.ends_with("sport/199.txt") && w.message.contains("not valid UTF-8")));
}

/// AraPlagDet: the PAN measures of the reported passages.
#[test]
#[ignore = "needs ../shared/data (AraPlagDet)"]
fn araplagdet_pan_measures() {
    let root = shared_data().join("araplagdet");
    let s = scan(
        &[
            root.join("suspicious-documents"),
            root.join("source-documents"),
        ],
        &Config::default(),
    );
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    std::fs::write(&report, s.report.to_json()).unwrap();
    let r = neardup::eval::run(&report, &root, &neardup::eval::EvalOptions::default()).unwrap();
    print!("{}", r.render_text());
    let pan = r.pan.unwrap();
    // The targets, met with micro and with macro averages (where
    // each case counts once, however short).
    for m in [pan.micro, pan.macro_avg] {
        assert!(m.plagdet >= 0.90, "plagdet {m:?}");
    }
    assert!(pan.granularity <= 1.05, "granularity {}", pan.granularity);
    let by = |kind: &str| {
        pan.by_obfuscation
            .iter()
            .find(|o| o.obfuscation == kind)
            .unwrap()
    };
    for (kind, min) in [
        ("none", 0.95),
        ("word shuffling", 0.90),
        ("phrase shuffling", 0.90),
        ("manual synonym substitution", 0.60),
    ] {
        let o = by(kind);
        assert!(o.micro_recall >= min && o.macro_recall >= min, "{o:?}");
    }
}

/// A scan of the ANT corpus with its field names.
fn ant_scan() -> pipeline::Scan {
    let mut cfg = Config::default();
    cfg.input.id_field = "docno".into();
    cfg.input.source_field = "src".into();
    pipeline::scan(
        &[shared_data().join("antcorpus/docs.jsonl.gz")],
        &cfg,
        &Silent,
    )
    .unwrap()
}

/// ANT: the site boilerplate is found; link lines are not tails; no pair
/// is clustered through boilerplate alone.
#[test]
#[ignore = "needs ../shared/data (ANT corpus)"]
fn ant_boilerplate_and_link_lines() {
    let s = ant_scan();
    let r = &s.report;
    let has = |needle: &str, min: usize| {
        r.boilerplate
            .iter()
            .filter(|b| b.text.contains(needle))
            .map(|b| b.documents)
            .sum::<usize>()
            >= min
    };
    assert!(has("إشعارات بأهم الموضوعات", 800), "BBC app notice");
    assert!(
        has("جميع المقالات المنشورة تمثل رأي كتابها", 400),
        "AlArabiya disclaimer"
    );
    assert!(has("أ ف ب", 100), "France24 AFP credit");
    let links: usize = r
        .boilerplate
        .iter()
        .filter(|b| b.kind == neardup::boilerplate::Kind::LinkLine)
        .map(|b| b.documents)
        .sum();
    let marked = |with: bool| {
        r.documents
            .iter()
            .filter(|d| d.tails.iter().any(|t| t.marker.is_some() == with))
            .count()
    };
    let (tails, copies) = (marked(true), marked(false));
    println!(
        "link-line documents {links}, documents with marker tails {tails}, with copied tails {copies}"
    );
    assert!(
        links >= 300 && tails * 10 < links,
        "link lines mostly stay in bodies"
    );
    // CNN pages that carry another CNN article after their own: tails,
    // each linked by tail_copy to what it copies or shares.
    assert!(copies >= 100, "{copies}");
    for d in r
        .documents
        .iter()
        .filter(|d| d.tails.iter().any(|t| t.marker.is_none()))
    {
        assert!(
            r.pairs
                .iter()
                .any(|p| (p.a == d.id || p.b == d.id) && p.relation.as_str() == "tail_copy"),
            "{}",
            d.id
        );
    }
    // Pairs that join clusters have real shared bodies.
    for p in r.pairs.iter().filter(|p| p.relation.joins_duplicates()) {
        assert!(p.jaccard >= 0.5 || p.containment >= 0.8, "{p:?}");
    }
}

/// ANT's BBC Arabic articles with a block of "اقرأ أيضاً" link lines in
/// the middle (a marker alone on its line, two or three linked headlines,
/// some of which other articles link too, then the article goes on): no
/// tail, the body runs past the block to the article's end, and the
/// marker and headlines are link lines.
#[test]
#[ignore = "needs ../shared/data (ANT)"]
fn ant_bbc_mid_article_link_blocks() {
    let s = ant_scan();
    let r = &s.report;
    for (id, after) in [
        ("BB-internationalNews-747-20180705", "نظمت الشابة ألكسندريا"),
        ("BB-middleEast-648-20180622", "قام حراس الأمن"),
        ("BB-middleEast-662-20180627", "يدرك الرئيس حسن روحاني"),
    ] {
        let i = s
            .corpus
            .docs
            .iter()
            .position(|d| d.doc.id == id)
            .unwrap_or_else(|| panic!("{id} in ANT"));
        let text = &s.corpus.docs[i].doc.text;
        let d = r.documents.iter().find(|d| d.id == id).unwrap();
        assert!(d.tails.is_empty(), "{id}: {:?}", d.tails);
        let marker = text.find("اقرأ أيضاً").unwrap();
        let goes_on = text.find(after).unwrap();
        assert!(marker < goes_on && goes_on < d.body[1] as usize, "{id}");
        // The BBC app notice ends the article; the body runs to it.
        let notice = text.rfind("يمكنكم").unwrap();
        assert!(d.body[1] as usize >= notice, "{id}: {:?}", d.body);
        // The marker line is boilerplate, not body.
        assert!(
            d.boilerplate
                .iter()
                .any(|b| b[0] as usize <= marker && marker < b[1] as usize),
            "{id}: {:?}",
            d.boilerplate
        );
    }
}

/// Spilling to disk changes nothing: the whole of SaudiNewsNet (31,030
/// articles, passages on) scanned in memory and with every text, token
/// and posting spilled gives the same report.
#[test]
#[ignore = "needs ../shared/data (SaudiNewsNet)"]
fn saudinewsnet_spilled_scan_equals_in_memory() {
    let paths = [shared_data().join("saudinewsnet/docs.jsonl.gz")];
    let held_cfg = Config {
        passages: true,
        ..snn_config()
    };
    let held = scan(&paths, &held_cfg);
    assert!(!held.corpus.is_spilled());
    assert_eq!(held.corpus.docs.len(), 31_030);
    let spill_dir = tempfile::tempdir().unwrap();
    let spilled = scan(
        &paths,
        &Config {
            spill_above: 0,
            spill_dir: Some(spill_dir.path().to_path_buf()),
            ..held_cfg
        },
    );
    assert!(spilled.corpus.is_spilled());
    assert!(held.report.pairs.len() > 1000);
    assert_eq!(
        crate::util::stable_json(&held.report),
        crate::util::stable_json(&spilled.report)
    );
}
