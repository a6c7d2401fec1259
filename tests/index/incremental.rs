use super::*;
use neardup::index::Route;

/// What a query or add reported about the new documents, checked against
/// a scan of `indexed` then `new`: pairs, clusters and documents about
/// the new ones, and the whole boilerplate list.
fn same_as_scan(got: &Report, indexed: &[PathBuf], new: &[PathBuf], cfg: &Config) {
    let (full, ids) = scan(indexed, new, cfg);
    assert_eq!(about(got, &ids), about(&full, &ids));
    assert_eq!(got.boilerplate, full.boilerplate);
    assert_eq!(got.stats.documents, ids.len());
}

fn query_route(archive: &Path, paths: &[PathBuf], cfg: &Config) -> (Report, Route) {
    let index = Index::open(archive).expect("open");
    index::query_route(&index, paths, cfg, &Silent).expect("query")
}

fn add_route(archive: &Path, paths: &[PathBuf], cfg: &Config) -> (Report, Route) {
    index::add_route(archive, paths, cfg, &Silent).expect("add")
}

/// The checksum of the tails state stored in `archive`.
fn checksum(archive: &Path) -> Option<u32> {
    Index::open(archive).expect("open").tails_checksum()
}

#[test]
fn fixture_is_answered_from_the_analysis() {
    let dir = tempdir();
    let cfg = cfg(2);
    let archive = build(dir.path(), &[indexed()], &cfg);
    let (r, route) = query_route(&archive, &[new_docs()], &cfg);
    assert_eq!(route, Route::Analysis);
    same_as_scan(&r, &[indexed()], &[new_docs()], &cfg);
    assert!(!r.pairs.is_empty());
    let (r, route) = add_route(&archive, &[new_docs()], &cfg);
    assert_eq!(route, Route::Analysis);
    same_as_scan(&r, &[indexed()], &[new_docs()], &cfg);
    // The delta the add stored answers the next query.
    let again = dir.path().join("again.jsonl");
    std::fs::copy(new_docs(), &again).expect("copy");
    let (r, route) = query_route(&archive, std::slice::from_ref(&again), &cfg);
    assert_eq!(route, Route::Analysis);
    same_as_scan(&r, &[indexed(), new_docs()], &[again], &cfg);
}

/// An index of no documents answers a query with a scan of the new ones:
/// the engine from scratch is the pipeline.
#[test]
fn empty_index_answers_like_a_scan() {
    let dir = tempdir();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").expect("write");
    for (seed, cfg) in [(0, cfg(1)), (1, cfg(3))] {
        let archive = build(dir.path(), std::slice::from_ref(&empty), &cfg);
        let docs = dir.path().join(format!("docs{seed}.jsonl"));
        write_jsonl(&docs, &random_corpus(100 + seed, 80));
        for paths in [vec![indexed(), new_docs()], vec![docs]] {
            let (r, route) = query_route(&archive, &paths, &cfg);
            assert_eq!(route, Route::Analysis);
            same_as_scan(&r, std::slice::from_ref(&empty), &paths, &cfg);
        }
    }
}

/// A random corpus of 96 documents (seed `seed`) written to `dir` as three
/// JSONL files of 32.
fn random_parts(dir: &Path, seed: u64) -> Vec<PathBuf> {
    random_corpus(seed, 96)
        .chunks(32)
        .enumerate()
        .map(|(i, c)| {
            let p = dir.join(format!("part{i}.jsonl"));
            write_jsonl(&p, c);
            p
        })
        .collect()
}

/// Random corpora whose documents share lines (which turn into
/// boilerplate as documents are added, changing indexed bodies), copies
/// (groups that grow) and passages: build, add, query, compact, query.
#[test]
fn random_corpora_through_adds_and_compaction() {
    let mut analysed = 0;
    let mut runs = 0;
    for seed in 0..12u64 {
        let dir = tempdir();
        let cfg = Config {
            max_bucket: if seed % 4 == 3 { 3 } else { 200 },
            large_bucket_window: 2,
            threshold: if seed % 3 == 0 { 0.3 } else { 0.5 },
            ..cfg(1 + seed as usize % 3)
        };
        let parts = random_parts(dir.path(), seed);
        let archive = build(dir.path(), &parts[..1], &cfg);
        let (r, route) = add_route(&archive, &parts[1..2], &cfg);
        same_as_scan(&r, &parts[..1], &parts[1..2], &cfg);
        let (q, qroute) = query_route(&archive, &parts[2..], &cfg);
        same_as_scan(&q, &parts[..2], &parts[2..], &cfg);
        index::compact(&archive).expect("compact");
        let (c, croute) = query_route(&archive, &parts[2..], &cfg);
        assert_eq!(
            c.pairs, q.pairs,
            "seed {seed}: compaction keeps the answers"
        );
        assert_eq!(c.clusters, q.clusters, "seed {seed}");
        assert_eq!(c.boilerplate, q.boilerplate, "seed {seed}");
        for rt in [route, qroute, croute] {
            analysed += usize::from(rt == Route::Analysis);
            runs += 1;
        }
    }
    eprintln!("{analysed} of {runs} answered from the analysis");
    assert!(analysed * 3 > runs * 2, "{analysed} of {runs}");
}

/// SaudiNewsNet split by date: 1,500 articles indexed, the next 1,500
/// added, the next 600 queried (with 1 and 4 threads), then compacted and
/// queried again.
#[test]
#[ignore = "needs ../shared/data"]
fn saudinewsnet_build_add_query() {
    let dir = tempdir();
    let rows = saudinewsnet_by_date();
    let start = rows.len() / 3;
    let parts: Vec<PathBuf> = [(0, 1500), (1500, 3000), (3000, 3600)]
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            write_rows(
                &dir.path().join(format!("part{i}.jsonl")),
                &rows[start + a..start + b],
            )
        })
        .collect();
    let mut cfg = cfg(0);
    cfg.input.id_field = "url".into();
    cfg.input.text_field = "content".into();
    cfg.input.source_field = "source".into();
    let archive = build(dir.path(), &parts[..1], &cfg);
    let (r, route) = add_route(&archive, &parts[1..2], &cfg);
    assert_eq!(route, Route::Analysis);
    same_as_scan(&r, &parts[..1], &parts[1..2], &cfg);
    let mut reports = Vec::new();
    for threads in [1, 4] {
        let cfg = Config {
            threads,
            ..cfg.clone()
        };
        let (q, route) = query_route(&archive, &parts[2..], &cfg);
        assert_eq!(route, Route::Analysis);
        same_as_scan(&q, &parts[..2], &parts[2..], &cfg);
        eprintln!("{} pairs: {:?}", q.pairs.len(), q.stats.pairs);
        let mut q = q;
        q.stats.seconds = 0.0;
        reports.push(q.to_json());
    }
    assert_eq!(
        reports[0], reports[1],
        "byte-identical with 1 and 4 threads"
    );
    index::compact(&archive).expect("compact");
    let (mut q, _) = query_route(&archive, &parts[2..], &cfg);
    q.stats.seconds = 0.0;
    assert_eq!(q.to_json(), reports[0]);
}

/// New documents that reuse indexed ones with their words shuffled (found
/// only through rare shared words, not word n-grams) are related exactly
/// as a scan relates them.
#[test]
fn shuffled_reuse_is_found_through_rare_words() {
    let dir = tempdir();
    let cfg = cfg(2);
    let indexed_docs = random_corpus(40, 160);
    let mut next = lcg(7);
    let mut new: Vec<Document> = Vec::new();
    for (k, d) in indexed_docs
        .iter()
        .filter(|d| d.text.len() > 1200)
        .take(24)
        .enumerate()
    {
        // Fisher-Yates over the words of the source's body.
        // A window of 30 to 76 words (near the rare-word threshold for
        // the shorter ones), shuffled.
        let all: Vec<&str> = d.text.split_whitespace().collect();
        let len = (30 + 2 * k).min(all.len());
        let start = next(all.len() - len + 1);
        let mut words = all[start..start + len].to_vec();
        for i in (1..words.len()).rev() {
            words.swap(i, next(i + 1));
        }
        let lead = "تقرير خاص عن الأحداث الجارية في المنطقة كتبه مراسلنا";
        new.push(Document {
            id: format!("shuffled-{k}"),
            source: Some("elsewhere".into()),
            text: format!("{lead}\n{}", words.join(" ")),
        });
    }
    assert!(new.len() >= 4, "enough long documents to shuffle");
    let a = dir.path().join("indexed.jsonl");
    let b = dir.path().join("new.jsonl");
    write_jsonl(&a, &indexed_docs);
    write_jsonl(&b, &new);
    let (full, ids) = scan(std::slice::from_ref(&a), std::slice::from_ref(&b), &cfg);
    let shuffled_pairs = full
        .pairs
        .iter()
        .filter(|p| p.a.starts_with("shuffled-") != p.b.starts_with("shuffled-"))
        .count();
    assert!(shuffled_pairs > 0, "the scan relates shuffled copies");
    drop((full, ids));
    let archive = build(dir.path(), std::slice::from_ref(&a), &cfg);
    let (r, route) = query_route(&archive, std::slice::from_ref(&b), &cfg);
    assert_eq!(route, Route::Analysis);
    same_as_scan(&r, std::slice::from_ref(&a), std::slice::from_ref(&b), &cfg);
}

/// The articles of `tests/fixtures/trailing` (pages that carry another
/// article after their own, without a marker) named in `names`, copied
/// to `dir`, as files.
fn trailing_fixtures(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("mkdir");
    names
        .iter()
        .map(|name| {
            let to = dir.join(name);
            std::fs::copy(fixtures().join("trailing").join(name), &to).expect("copy");
            to
        })
        .collect()
}

/// Tails without a marker: a query or add whose new page carries an
/// indexed article after its own, and an index whose documents already
/// have such tails, answer exactly as a scan does, from the stored state;
/// the add stores the state a build of all its documents stores.
#[test]
fn tails_without_a_marker_answer_like_a_scan() {
    let dir = tempdir();
    let cfg = Config {
        trailing_tails: true,
        ..cfg(2)
    };
    let indexed = trailing_fixtures(
        &dir.path().join("indexed"),
        &[
            "match.txt",
            "conference.txt",
            "excerpt.txt",
            "other0.txt",
            "other1.txt",
            "other2.txt",
        ],
    );
    let new = trailing_fixtures(&dir.path().join("new"), &["water.txt"]);
    let archive = build(dir.path(), &indexed, &cfg);
    let has_tail = |r: &Report| {
        r.documents
            .iter()
            .any(|d| d.id.ends_with("water.txt") && d.tails.iter().any(|t| t.marker.is_none()))
    };
    let (r, route) = query_route(&archive, &new, &cfg);
    assert!(has_tail(&r), "{:?}", r.documents);
    same_as_scan(&r, &indexed, &new, &cfg);
    // The new page's cut is decided from the stored state.
    assert_eq!(route, Route::Analysis);
    // So is the add's, which stores the state of all the documents.
    let (r, route) = add_route(&archive, &new, &cfg);
    assert_eq!(route, Route::Analysis);
    assert!(has_tail(&r));
    same_as_scan(&r, &indexed, &new, &cfg);
    let whole = dir.path().join("whole.ndx");
    let all: Vec<PathBuf> = indexed.iter().chain(&new).cloned().collect();
    index::build(&whole, &all, &cfg, &Silent).expect("build");
    let scanned = index::tails_checksum_of_scan(&all, &cfg).expect("scan");
    assert!(scanned.is_some());
    assert_eq!(checksum(&whole), scanned);
    assert_eq!(checksum(&archive), scanned);
    // Built in parts of three (a build, then adds): the same state.
    let parted = dir.path().join("parted.ndx");
    index::build_in_parts(&parted, &all, &cfg, &Silent, 3).expect("build in parts");
    assert_eq!(checksum(&parted), scanned);
    // The index now holds a tail without a marker: a second page with
    // the same tail, and an unrelated article.
    let mut more = trailing_fixtures(&dir.path().join("more"), &["weather.txt"]);
    let late = dir.path().join("more/late.txt");
    std::fs::write(
        &late,
        "أعلنت الهيئة العامة للطيران المدني تشغيل رحلات جديدة بين العاصمة والمدن السياحية \
         ابتداء من الشهر المقبل بمعدل ثلاث رحلات أسبوعيا لكل وجهة.",
    )
    .expect("write");
    more.push(late);
    let both: Vec<PathBuf> = indexed.iter().chain(&new).cloned().collect();
    for threads in [1, 3] {
        let cfg = Config {
            threads,
            ..cfg.clone()
        };
        let (r, _) = query_route(&archive, &more, &cfg);
        same_as_scan(&r, &both, &more, &cfg);
        assert!(
            r.pairs.iter().any(|p| {
                let mut ab = [p.a.rsplit('/').next(), p.b.rsplit('/').next()];
                ab.sort_unstable();
                ab == [Some("water.txt"), Some("weather.txt")] && p.relation.as_str() == "tail_copy"
            }),
            "{:?}",
            r.pairs
        );
    }
    index::compact(&archive).expect("compact");
    let (r, route) = query_route(&archive, &more, &cfg);
    // The indexed page's tail is now repeated by a new one: its cut
    // changes, and is still answered from the stored state.
    assert_eq!(route, Route::Analysis);
    same_as_scan(&r, &both, &more, &cfg);
    // The unrelated article alone is answered from the stored state.
    let late_only = vec![dir.path().join("more/late.txt")];
    let (r, route) = query_route(&archive, &late_only, &cfg);
    assert_eq!(route, Route::Analysis);
    same_as_scan(&r, &both, &late_only, &cfg);
    // The analysis stored on the way answers without them.
    let plain = Config {
        trailing_tails: false,
        ..cfg.clone()
    };
    let (r, route) = query_route(&archive, &more, &plain);
    assert_eq!(route, Route::Analysis);
    same_as_scan(&r, &both, &more, &plain);
}

/// Tails without a marker on real data: SaudiNewsNet split by date, 6,000
/// articles indexed, then batches of the next ones queried and added.
/// Each report equals the scan's, down to every document it lists (cut
/// hosts among them); most are answered from the stored state, and the
/// state the add stores is the one a build of all its documents stores.
#[test]
#[ignore = "needs ../shared/data"]
fn saudinewsnet_tails_without_a_marker_from_the_stored_state() {
    let dir = tempdir();
    let rows = saudinewsnet_by_date();
    let start = rows.len() / 2;
    let part = |name: &str, a: usize, b: usize| {
        write_rows(
            &dir.path().join(format!("{name}.jsonl")),
            &rows[start + a..start + b],
        )
    };
    let mut cfg = Config::default();
    cfg.input.id_field = "url".into();
    cfg.input.text_field = "content".into();
    cfg.input.source_field = "source".into();
    assert!(cfg.trailing_tails);
    let mut indexed = vec![part("base", 0, 6000)];
    let archive = build(dir.path(), &indexed, &cfg);
    let (mut analysed, mut cut_hosts_listed) = (0, 0);
    let mut check = |indexed: &[PathBuf], new: &[PathBuf], r: &Report, route: Route| {
        let (full, ids) = scan(indexed, new, &cfg);
        assert_eq!(about(r, &ids), about(&full, &ids), "{route}");
        assert_eq!(r.boilerplate, full.boilerplate);
        for d in &r.documents {
            let want = full.documents.iter().find(|x| x.id == d.id);
            assert_eq!(Some(d), want, "{route}");
        }
        eprintln!("{route}");
        if route == Route::Analysis {
            analysed += 1;
            cut_hosts_listed += r
                .documents
                .iter()
                .filter(|d| d.tails.iter().any(|t| t.marker.is_none()))
                .count();
        }
    };
    for (k, (a, b)) in [(6000, 7000), (7000, 8000), (8000, 10000)]
        .into_iter()
        .enumerate()
    {
        let new = vec![part(&format!("q{k}"), a, b)];
        let (r, route) = query_route(&archive, &new, &cfg);
        check(&indexed, &new, &r, route);
        if k == 1 {
            // An add with them stores their state again: the one a build
            // of all its documents stores.
            let (r, route) = add_route(&archive, &new, &cfg);
            check(&indexed, &new, &r, route);
            indexed.extend(new);
            let whole = dir.path().join("whole.ndx");
            index::build(&whole, &indexed, &cfg, &Silent).expect("build");
            let scanned = index::tails_checksum_of_scan(&indexed, &cfg).expect("scan");
            assert!(scanned.is_some());
            assert_eq!(checksum(&whole), scanned);
            assert_eq!(checksum(&archive), scanned, "{route}");
        }
    }
    eprintln!(
        "{analysed} of 4 answered from the stored state, {cut_hosts_listed} cut hosts listed"
    );
    assert_eq!(analysed, 4);
    assert!(cut_hosts_listed > 0);
}

/// A build of more documents than it analyses at once (a first part
/// built, the others added, in a file renamed over the index at the end)
/// holds every document, answers as a scan does, and stores the whole
/// pipeline's tails state.
#[test]
fn build_in_parts_answers_like_a_scan() {
    for seed in 0..4u64 {
        let dir = tempdir();
        let cfg = Config {
            trailing_tails: seed % 2 == 0,
            ..cfg(1 + seed as usize % 3)
        };
        let parts = random_parts(dir.path(), seed + 70);
        let whole = build(dir.path(), &parts[..2], &cfg);
        let archive = dir.path().join("parts.ndx");
        let w = index::build_in_parts(&archive, &parts[..2], &cfg, &Silent, 20).expect("build");
        assert_eq!(w.documents, 64);
        assert!(!dir.path().join("parts.ndx.building").exists());
        assert_eq!(documents(&archive), documents(&whole), "seed {seed}");
        let opened = Index::open(&archive).expect("open");
        assert_eq!(opened.segments().len(), 4, "64 documents in parts of 20");
        assert_eq!(opened.committed_len(), w.bytes);
        let scanned = index::tails_checksum_of_scan(&parts[..2], &cfg).expect("scan");
        assert_eq!(opened.tails_checksum(), scanned, "seed {seed}");
        assert_eq!(scanned.is_some(), cfg.trailing_tails);
        let (q, route) = query_route(&archive, &parts[2..], &cfg);
        assert_eq!(route, Route::Analysis, "seed {seed}");
        same_as_scan(&q, &parts[..2], &parts[2..], &cfg);
    }
}

/// An add without tails without a marker leaves the stored tails state
/// stale: queries with them run the whole pipeline until an add with
/// them stores it again.
#[test]
fn stale_tails_state_is_not_used() {
    let dir = tempdir();
    let with = Config {
        trailing_tails: true,
        ..cfg(2)
    };
    let indexed = trailing_fixtures(
        &dir.path().join("indexed"),
        &["match.txt", "conference.txt", "excerpt.txt", "other0.txt"],
    );
    let archive = build(dir.path(), &indexed, &with);
    let more = trailing_fixtures(&dir.path().join("more"), &["other1.txt"]);
    let (_, route) = add_route(&archive, &more, &cfg(2));
    assert_eq!(route, Route::Analysis);
    let both: Vec<PathBuf> = indexed.iter().chain(&more).cloned().collect();
    let new = trailing_fixtures(&dir.path().join("new"), &["water.txt"]);
    let (r, route) = query_route(&archive, &new, &with);
    assert_eq!(route, Route::Pipeline("tails without a marker"));
    same_as_scan(&r, &both, &new, &with);
    let later = trailing_fixtures(&dir.path().join("later"), &["other2.txt"]);
    add_route(&archive, &later, &with);
    let all: Vec<PathBuf> = both.iter().chain(&later).cloned().collect();
    let (r, route) = query_route(&archive, &new, &with);
    assert_eq!(route, Route::Analysis);
    same_as_scan(&r, &all, &new, &with);
}

/// The random corpora above with tails without a marker on: each add
/// and query (from the stored tails state when it can) equals the scan,
/// before and after compaction, and the state an add stores is the one a
/// build of all its documents stores.
#[test]
fn random_corpora_with_tails_without_a_marker() {
    let (mut analysed, mut runs) = (0, 0);
    for seed in 0..8u64 {
        let dir = tempdir();
        let cfg = Config {
            trailing_tails: true,
            threshold: if seed % 3 == 0 { 0.3 } else { 0.5 },
            ..cfg(1 + seed as usize % 3)
        };
        let parts = random_parts(dir.path(), seed + 40);
        let archive = build(dir.path(), &parts[..1], &cfg);
        let (r, route) = add_route(&archive, &parts[1..2], &cfg);
        same_as_scan(&r, &parts[..1], &parts[1..2], &cfg);
        let whole = dir.path().join("whole.ndx");
        index::build(&whole, &parts[..2], &cfg, &Silent).expect("build");
        let scanned = index::tails_checksum_of_scan(&parts[..2], &cfg).expect("scan");
        assert!(scanned.is_some());
        assert_eq!(checksum(&whole), scanned, "seed {seed}");
        if route == Route::Analysis {
            assert_eq!(checksum(&archive), scanned, "seed {seed}");
        }
        analysed += usize::from(route == Route::Analysis);
        runs += 1;
        let (q, route) = query_route(&archive, &parts[2..], &cfg);
        same_as_scan(&q, &parts[..2], &parts[2..], &cfg);
        index::compact(&archive).expect("compact");
        let (c, croute) = query_route(&archive, &parts[2..], &cfg);
        assert_eq!(c.pairs, q.pairs, "seed {seed}");
        assert_eq!(c.clusters, q.clusters, "seed {seed}");
        assert_eq!(c.documents, q.documents, "seed {seed}");
        for rt in [route, croute] {
            analysed += usize::from(rt == Route::Analysis);
            runs += 1;
        }
    }
    eprintln!("{analysed} of {runs} answered from the stored state");
    assert!(analysed * 2 > runs, "{analysed} of {runs}");
}
