use super::*;

/// `tests/fixtures/index_v1.ndx` was built (format 1) from
/// `index_docs/indexed.jsonl` with the defaults of the day:
/// `neardup index build tests/fixtures/index_docs/indexed.jsonl --index tests/fixtures/index_v1.ndx`.
/// It answers with its own parameters, whatever the defaults are now.
#[test]
fn format_1_fixture_reads_and_answers() {
    let archive = fixtures().join("index_v1.ndx");
    let index = Index::open(&archive).expect("format 1 fixture");
    let p = index.params();
    assert_eq!(p.tool_version, "0.1.0");
    assert_eq!(p.seeds, index::params::SEEDS);
    let s = &p.settings;
    assert_eq!(
        (s.shingle_words, s.permutations, s.bands, s.rows),
        (5, 128, None, None)
    );
    assert_eq!(
        (s.threshold, s.duplicate_threshold, s.containment_threshold),
        (0.5, 0.9, 0.8)
    );
    assert!(s.ta_marbuta && s.passages);
    assert_eq!(
        (s.anchor_words, s.anchor_max_docs, s.min_shared_words),
        (3, 20, 12)
    );
    assert_eq!(s.tail_markers.len(), 21);
    assert_eq!(s.tail_markers[0], "إقرأ أيضاً");
    let cfg = p.config(&cfg(1));
    let docs = index.documents().expect("documents");
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "s000",
            "s001",
            "s003",
            "s004",
            "a-filler-0",
            "a-filler-1",
            "a-filler-2",
            "a-filler-3"
        ]
    );
    let (full, new_ids) = scan(&[indexed()], &[new_docs()], &cfg);
    let got = index::query(&index, &[new_docs()], &cfg, &Silent).expect("query");
    assert_eq!(about(&got, &new_ids), about(&full, &new_ids));
}

/// `tests/fixtures/index_v2.ndx` was built (format 2, with its analysis)
/// from `index_docs/indexed.jsonl` with the defaults of the day:
/// `neardup index build tests/fixtures/index_docs/indexed.jsonl --index tests/fixtures/index_v2.ndx`.
/// It answers from its analysis, as a scan would.
#[test]
fn format_2_fixture_reads_and_answers_from_its_analysis() {
    let archive = fixtures().join("index_v2.ndx");
    let index = Index::open(&archive).expect("format 2 fixture");
    assert_eq!(index.version(), 2);
    assert_eq!(index.len(), 8);
    let cfg = index.params().config(&cfg(1));
    let (got, route) = index::query_route(&index, &[new_docs()], &cfg, &Silent).expect("query");
    assert_eq!(route, index::Route::Analysis);
    let (full, ids) = scan(&[indexed()], &[new_docs()], &cfg);
    assert_eq!(about(&got, &ids), about(&full, &ids));
    assert_eq!(got.boilerplate, full.boilerplate);
}

/// `tests/fixtures/index_v3.ndx` (format 3: analysis and tails state) was
/// built from `index_v3_docs/` with the defaults of its day (see its
/// README). A new page that carries one of its articles after its own is
/// answered from the stored analysis and tails state, as a scan would.
#[test]
fn format_3_fixture_answers_tails_without_a_marker_from_its_state() {
    let archive = fixtures().join("index_v3.ndx");
    let index = Index::open(&archive).expect("format 3 fixture");
    assert_eq!(index.version(), 3);
    assert_eq!(index.len(), 6);
    assert_eq!(index.tails_state().expect("tails").map(|t| t.1), Some(6));
    let cfg = index.params().config(&Config {
        threads: 1,
        ..Config::default()
    });
    assert!(cfg.trailing_tails);
    let got = water_as_a_scan(&index, &cfg, &[fixtures().join("index_v3_docs")]);
    let water = got
        .documents
        .iter()
        .find(|d| d.id.ends_with("water.txt"))
        .expect("listed");
    assert!(
        water
            .tails
            .iter()
            .any(|t| t.marker.is_none() && t.copies.as_deref() == Some("match.txt")),
        "{water:?}"
    );
}

/// Compaction rewrites an older file in this build's format, redoing its
/// analysis as this format does it (with the boilerplate stage's
/// sketches): the compacted format 3 fixture answers as a scan with
/// today's settings does, from its analysis.
#[test]
fn compacted_format_3_fixture_answers_in_the_current_format() {
    let dir = tempdir();
    let archive = dir.path().join("v3.ndx");
    std::fs::copy(fixtures().join("index_v3.ndx"), &archive).expect("copy");
    let before = Index::open(&archive).expect("format 3 fixture");
    assert!(!before.params().config(&cfg(1)).boilerplate_sketch);
    drop(before);
    index::compact(&archive).expect("compact");
    let index = Index::open(&archive).expect("compacted");
    assert_eq!(index.version(), index::format::VERSION);
    let cfg = index.params().config(&Config {
        threads: 1,
        ..Config::default()
    });
    assert!(cfg.boilerplate_sketch);
    water_as_a_scan(&index, &cfg, &[fixtures().join("index_v3_docs")]);
}

/// Queries `index` (built from `indexed`, `index_v3_docs/` first) with a
/// page that carries one of its articles after its own: answered from
/// the stored analysis and tails state, as a scan would.
fn water_as_a_scan(index: &Index, cfg: &Config, indexed: &[PathBuf]) -> Report {
    let dir = tempdir();
    let new = dir.path().join("water.txt");
    std::fs::copy(fixtures().join("trailing/water.txt"), &new).expect("copy");
    let (got, route) =
        index::query_route(index, std::slice::from_ref(&new), cfg, &Silent).expect("query");
    assert_eq!(route, index::Route::Analysis);
    let (full, ids) = scan(indexed, &[new], cfg);
    assert_eq!(about(&got, &ids), about(&full, &ids));
    assert_eq!(got.boilerplate, full.boilerplate);
    got
}

/// Adding to a format 3 file keeps it format 3, analysed as it was built
/// (without the boilerplate sketch): a query after the add still answers
/// from the stored state, as a scan with that setting does.
#[test]
fn format_3_file_grows_as_format_3() {
    let dir = tempdir();
    let archive = dir.path().join("v3.ndx");
    std::fs::copy(fixtures().join("index_v3.ndx"), &archive).expect("copy");
    let base = Config {
        threads: 1,
        ..Config::default()
    };
    let cfg = Index::open(&archive)
        .expect("format 3 fixture")
        .params()
        .config(&base);
    assert!(!cfg.boilerplate_sketch);
    index::add(&archive, &[new_docs()], &cfg, &Silent).expect("add");
    let index = Index::open(&archive).expect("grown");
    assert_eq!(index.version(), 3);
    assert_eq!(index.params().config(&base), cfg);
    water_as_a_scan(
        &index,
        &cfg,
        &[fixtures().join("index_v3_docs"), new_docs()],
    );
}
