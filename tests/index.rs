//! Integration tests of the persistent index (`neardup index …`, `neardup
//! query …`).
//!
//! - `equivalence`: a query answers exactly what a scan over the indexed
//!   and the new documents reports about the new ones (threads 1 and 4,
//!   fresh, added-to and compacted indexes; real data under `#[ignore]`).
//! - `round_trip`: build, add, compact keep every document and id.
//! - `damage`: truncation, flipped bytes, wrong magic, wrong version,
//!   unfinished appends, torn commits, leftover temp files.
//! - `lock`: one writer at a time; a stale lock says how to remove it.
//! - `params`: parameters the index cannot answer are refused.
//! - `compat`: the committed format-1 fixture still reads and answers.
//! - `streaming`: the fast path of streaming queries answers exactly what
//!   the whole pipeline answers (real data under `#[ignore]`).
//! - `cli`: the commands end to end, streaming included.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use neardup::config::Config;
use neardup::corpus::Document;
use neardup::index::{self, Index};
use neardup::pipeline;
use neardup::progress::Silent;
use neardup::report::{ClusterOut, DocumentOut, PairOut, Report};
use neardup::Error;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn indexed() -> PathBuf {
    fixtures().join("index_docs/indexed.jsonl")
}

fn new_docs() -> PathBuf {
    fixtures().join("index_docs/new.jsonl")
}

fn cfg(threads: usize) -> Config {
    Config {
        threads,
        ..Config::default()
    }
}

/// What a report says about some documents, for comparing a query with
/// a scan.
#[derive(Debug, PartialEq)]
struct About {
    pairs: Vec<PairOut>,
    clusters: Vec<(String, String, Vec<String>)>,
    documents: Vec<DocumentOut>,
}

fn clusters_with(
    clusters: &[ClusterOut],
    ids: &BTreeSet<String>,
) -> Vec<(String, String, Vec<String>)> {
    clusters
        .iter()
        .filter(|c| c.members.iter().any(|m| ids.contains(m)))
        .map(|c| {
            (
                format!("{:?}", c.kind),
                c.representative.clone(),
                c.members.clone(),
            )
        })
        .collect()
}

fn about(report: &Report, ids: &BTreeSet<String>) -> About {
    About {
        pairs: report
            .pairs
            .iter()
            .filter(|p| ids.contains(&p.a) || ids.contains(&p.b))
            .cloned()
            .collect(),
        clusters: clusters_with(&report.clusters, ids),
        documents: report
            .documents
            .iter()
            .filter(|d| ids.contains(&d.id))
            .cloned()
            .collect(),
    }
}

/// A scan of `indexed` then `new` files, and the ids of the documents read
/// from the `new` ones.
fn scan(indexed: &[PathBuf], new: &[PathBuf], cfg: &Config) -> (Report, BTreeSet<String>) {
    let paths: Vec<PathBuf> = indexed.iter().chain(new).cloned().collect();
    let scan = pipeline::scan(&paths, cfg, &Silent).expect("scan");
    let first_new = scan
        .corpus
        .files
        .iter()
        .position(|f| new.contains(&f.path))
        .expect("new files read") as u32;
    let ids = scan
        .corpus
        .docs
        .iter()
        .filter(|d| d.origin.file >= first_new)
        .map(|d| d.doc.id.clone())
        .collect();
    (scan.report, ids)
}

fn build(dir: &Path, paths: &[PathBuf], cfg: &Config) -> PathBuf {
    let archive = dir.join("archive.ndx");
    index::build(&archive, paths, cfg, &Silent).expect("build");
    archive
}

fn query(archive: &Path, paths: &[PathBuf], cfg: &Config) -> Report {
    let index = Index::open(archive).expect("open");
    index::query(&index, paths, cfg, &Silent).expect("query")
}

fn documents(archive: &Path) -> Vec<Document> {
    Index::open(archive)
        .expect("open")
        .documents()
        .expect("documents")
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn is_index_error(e: &Error, words: &str) -> bool {
    matches!(e, Error::Index { message, .. } if message.contains(words))
}

mod equivalence {
    use super::*;

    /// Query reports exactly the scan's pairs, clusters and documents
    /// involving the new documents, and nothing else.
    fn check(archive: &Path, indexed: &[PathBuf], new: &[PathBuf], cfg: &Config) -> Report {
        let (full, ids) = scan(indexed, new, cfg);
        let got = query(archive, new, cfg);
        let want = about(&full, &ids);
        assert!(!want.pairs.is_empty(), "the fixture relates new documents");
        assert_eq!(about(&got, &ids), want);
        assert_eq!(got.pairs, want.pairs, "no pair without a new document");
        assert_eq!(clusters_with(&got.clusters, &ids).len(), got.clusters.len());
        assert_eq!(got.stats.documents, ids.len());
        got
    }

    fn strip_time(mut r: Report) -> String {
        r.stats.seconds = 0.0;
        r.to_json()
    }

    #[test]
    fn query_equals_scan_with_1_and_4_threads() {
        let dir = tempdir();
        let mut reports = Vec::new();
        for threads in [1, 4] {
            let cfg = cfg(threads);
            let archive = build(dir.path(), &[indexed()], &cfg);
            reports.push(strip_time(check(
                &archive,
                &[indexed()],
                &[new_docs()],
                &cfg,
            )));
        }
        assert_eq!(
            reports[0], reports[1],
            "byte-identical across thread counts"
        );
    }

    #[test]
    fn every_relation_is_covered() {
        let dir = tempdir();
        let archive = build(dir.path(), &[indexed()], &cfg(2));
        let r = query(&archive, &[new_docs()], &cfg(2));
        let kinds: BTreeSet<&str> = r.pairs.iter().map(|p| p.relation.as_str()).collect();
        let all = [
            "contains",
            "duplicate",
            "near_duplicate",
            "shared_passages",
            "tail_copy",
        ];
        assert_eq!(kinds, all.into_iter().collect());
        assert!(
            r.pairs.iter().any(|p| p.a == "s001" && p.b == "s001#2"),
            "renamed id"
        );
        assert!(r
            .warnings
            .iter()
            .any(|w| w.message.contains("invalid JSON")));
    }

    #[test]
    fn document_level_only() {
        let dir = tempdir();
        let cfg = Config {
            passages: false,
            ..cfg(2)
        };
        let archive = build(dir.path(), &[indexed()], &Config::default());
        check(&archive, &[indexed()], &[new_docs()], &cfg);
    }

    #[test]
    fn after_add_and_compact() {
        let dir = tempdir();
        let cfg = cfg(2);
        let archive = build(dir.path(), &[indexed()], &cfg);
        index::add(&archive, &[new_docs()], &cfg, &Silent).expect("add");
        let third = dir.path().join("third.jsonl");
        let line = |id: &str, seed: &str| {
            let text = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("data")
                    .join(seed),
            )
            .expect("seed");
            serde_json::json!({"id": id, "text": text, "source": "third"}).to_string()
        };
        std::fs::write(
            &third,
            format!(
                "{}\n{}\n",
                line("s002", "002_d6c21662765e2803.txt"),
                line("t-001", "001_a8ae4d22489fa304.txt")
            ),
        )
        .expect("write");
        let before = check(
            &archive,
            &[indexed(), new_docs()],
            std::slice::from_ref(&third),
            &cfg,
        );
        assert!(before.pairs.iter().any(|p| p.b == "s002#2"));
        index::compact(&archive).expect("compact");
        let after = check(&archive, &[indexed(), new_docs()], &[third], &cfg);
        assert_eq!(before.pairs, after.pairs);
    }

    /// A few thousand SaudiNewsNet articles split by date: the later ones
    /// queried against an index of the earlier ones.
    #[test]
    #[ignore = "needs ../shared/data"]
    fn saudinewsnet_split_by_date() {
        use std::io::BufRead;
        let data =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/saudinewsnet/docs.jsonl.gz");
        let file = std::fs::File::open(&data).expect("../shared/data/saudinewsnet");
        let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
        let mut rows: Vec<(String, String)> = reader
            .lines()
            .map(|l| l.expect("line"))
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(&l).expect("json");
                (
                    v["date_extracted"].as_str().unwrap_or_default().to_string(),
                    l,
                )
            })
            .collect();
        rows.sort();
        // 3,000 indexed articles, then the 600 extracted after them.
        let start = rows.len() / 3;
        let dir = tempdir();
        let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
        let join = |r: &[(String, String)]| {
            r.iter().fold(String::new(), |mut s, x| {
                s.push_str(&x.1);
                s.push('\n');
                s
            })
        };
        std::fs::write(&a, join(&rows[start..start + 3000])).expect("write");
        std::fs::write(&b, join(&rows[start + 3000..start + 3600])).expect("write");
        let mut cfg = cfg(0);
        cfg.input.id_field = "url".into();
        cfg.input.text_field = "content".into();
        cfg.input.source_field = "source".into();
        let archive = build(dir.path(), std::slice::from_ref(&a), &cfg);
        let r = check(
            &archive,
            std::slice::from_ref(&a),
            std::slice::from_ref(&b),
            &cfg,
        );
        eprintln!(
            "{} pairs involving the new articles: {:?}",
            r.pairs.len(),
            r.stats.pairs
        );
        let nopass = Config {
            passages: false,
            ..cfg
        };
        check(&archive, &[a], &[b], &nopass);
    }
}

mod round_trip {
    use super::*;

    fn read_jsonl(path: &Path) -> Vec<Document> {
        let scan = pipeline::scan(&[path.to_path_buf()], &cfg(1), &Silent).expect("scan");
        scan.corpus.docs.into_iter().map(|d| d.doc).collect()
    }

    #[test]
    fn build_add_compact_keep_every_document() {
        let dir = tempdir();
        let archive = build(dir.path(), &[indexed()], &cfg(1));
        let first = read_jsonl(&indexed());
        assert_eq!(documents(&archive), first);
        let report = index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect("add");
        let opened = Index::open(&archive).expect("open");
        assert_eq!(opened.segments().len(), 2);
        let all = opened.documents().expect("documents");
        assert_eq!(&all[..first.len()], &first[..]);
        let added: Vec<&str> = all[first.len()..].iter().map(|d| d.id.as_str()).collect();
        assert!(added.contains(&"s001#2"), "{added:?}");
        assert_eq!(
            added.len(),
            9,
            "every document of new.jsonl, the broken line excepted"
        );
        assert_eq!(report.stats.documents, 9);
        let len_before = std::fs::metadata(&archive).expect("meta").len();
        let w = index::compact(&archive).expect("compact");
        let compacted = Index::open(&archive).expect("open");
        assert_eq!(compacted.segments().len(), 1);
        assert_eq!(compacted.documents().expect("documents"), all);
        assert_eq!(w.documents, all.len());
        assert!(w.bytes < len_before);
    }

    #[test]
    fn empty_input_builds_an_empty_index() {
        let dir = tempdir();
        let empty = dir.path().join("empty.jsonl");
        std::fs::write(&empty, "").expect("write");
        let archive = build(dir.path(), &[empty], &cfg(1));
        let opened = Index::open(&archive).expect("open");
        assert!(opened.is_empty());
        let r = index::query(&opened, &[new_docs()], &cfg(1), &Silent).expect("query");
        assert!(r.pairs.iter().all(|p| p.a != "s003" && p.b != "s003"));
    }
}

mod damage {
    use super::*;

    fn built() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
        let dir = tempdir();
        let archive = build(dir.path(), &[indexed()], &cfg(1));
        let bytes = std::fs::read(&archive).expect("read");
        (dir, archive, bytes)
    }

    fn open_err(path: &Path) -> Error {
        match Index::open(path).and_then(|i| i.documents().map(|_| ())) {
            Ok(()) => panic!("{} opened", path.display()),
            Err(e) => e,
        }
    }

    #[test]
    fn truncated_files_are_reported() {
        let (_dir, archive, bytes) = built();
        let cuts = [
            0,
            5,
            8,
            100,
            127,
            128,
            140,
            bytes.len() / 2,
            bytes.len() - 1,
        ];
        for n in cuts {
            std::fs::write(&archive, &bytes[..n]).expect("write");
            let e = open_err(&archive);
            assert!(is_index_error(&e, "truncated"), "{n}: {e}");
        }
    }

    #[test]
    fn flipped_bytes_are_caught_or_harmless() {
        let (_dir, archive, bytes) = built();
        let want = documents_of(&bytes, &archive).expect("intact");
        for i in (0..bytes.len()).step_by(11) {
            let mut c = bytes.clone();
            c[i] ^= 0x20;
            match documents_of(&c, &archive) {
                Ok(docs) => assert_eq!(docs, want, "byte {i} changed the documents"),
                Err(e) => assert!(matches!(e, Error::Index { .. }), "byte {i}: {e}"),
            }
        }
    }

    fn documents_of(bytes: &[u8], path: &Path) -> neardup::Result<Vec<Document>> {
        std::fs::write(path, bytes).expect("write");
        Index::open(path)?.documents()
    }

    #[test]
    fn wrong_magic_and_version() {
        let (_dir, archive, bytes) = built();
        let mut c = bytes.clone();
        c[1] = b'X';
        std::fs::write(&archive, &c).expect("write");
        assert!(is_index_error(&open_err(&archive), "not a neardup index"));
        std::fs::write(&archive, b"{\"id\": 1}\n").expect("write");
        assert!(is_index_error(&open_err(&archive), "not a neardup index"));
        let mut c = bytes;
        c[8] = (index::format::VERSION + 1) as u8;
        std::fs::write(&archive, &c).expect("write");
        let e = open_err(&archive);
        let newer = format!("format version {}", index::format::VERSION + 1);
        assert!(is_index_error(&e, &newer), "{e}");
        assert!(e.to_string().contains("newer neardup"), "{e}");
        c[8] = 0;
        std::fs::write(&archive, &c).expect("write");
        assert!(is_index_error(&open_err(&archive), "format version 0"));
    }

    #[test]
    fn unfinished_append_is_ignored_then_replaced() {
        let (dir, archive, bytes) = built();
        // Half of a real segment, as a crash during `add` leaves it.
        std::fs::create_dir(dir.path().join("x")).expect("mkdir");
        let other = build(&dir.path().join("x"), &[new_docs()], &cfg(1));
        let seg = std::fs::read(&other).expect("read");
        let mut c = bytes.clone();
        c.extend_from_slice(&seg[128..128 + (seg.len() - 128) / 2]);
        std::fs::write(&archive, &c).expect("write");
        let opened = Index::open(&archive).expect("still readable");
        assert_eq!(opened.len(), 8);
        assert_eq!(
            opened.file_len() - opened.committed_len(),
            ((seg.len() - 128) / 2) as u64
        );
        index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect("add after crash");
        let opened = Index::open(&archive).expect("open");
        assert_eq!(opened.len(), 17);
        assert_eq!(opened.file_len(), opened.committed_len());
    }

    #[test]
    fn torn_commit_falls_back_to_the_previous_state() {
        let (_dir, archive, before) = built();
        index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect("add");
        let mut c = std::fs::read(&archive).expect("read");
        // The add wrote commit slot 1 (bytes 48..80); tear it.
        c[60] ^= 0xff;
        std::fs::write(&archive, &c).expect("write");
        let opened = Index::open(&archive).expect("previous state");
        assert_eq!(opened.len(), 8);
        assert_eq!(
            opened.documents().expect("documents"),
            documents_of(&before, &archive.with_extension("copy")).expect("before")
        );
        // Both slots torn: no state to fall back to.
        c[20] ^= 0xff;
        std::fs::write(&archive, &c).expect("write");
        assert!(is_index_error(&open_err(&archive), "commit records"));
    }

    #[test]
    fn leftover_temp_file_is_ignored() {
        let (dir, archive, _) = built();
        let tmp = dir.path().join("archive.ndx.tmp-12345");
        std::fs::write(&tmp, b"half-written index").expect("write");
        assert_eq!(Index::open(&archive).expect("open").len(), 8);
        build(dir.path(), &[indexed(), new_docs()], &cfg(1));
        assert_eq!(Index::open(&archive).expect("open").len(), 17);
        assert!(tmp.exists(), "another process's temp file is left alone");
    }
}

mod lock {
    use super::*;

    #[test]
    fn one_writer_at_a_time() {
        let dir = tempdir();
        let archive = build(dir.path(), &[indexed()], &cfg(1));
        let held = index::Lock::acquire(&archive).expect("lock");
        let e = index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect_err("locked");
        assert!(is_index_error(&e, "locked"), "{e}");
        let e = index::compact(&archive).expect_err("locked");
        assert!(is_index_error(&e, "locked"), "{e}");
        let e = index::build(&archive, &[indexed()], &cfg(1), &Silent).expect_err("locked");
        assert!(is_index_error(&e, "locked"), "{e}");
        // Readers need no lock.
        assert_eq!(query(&archive, &[new_docs()], &cfg(1)).stats.documents, 9);
        drop(held);
        index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect("unlocked");
        assert!(!index::lock_path(&archive).exists());
    }

    #[test]
    fn stale_lock_says_how_to_remove_it() {
        let dir = tempdir();
        let archive = build(dir.path(), &[indexed()], &cfg(1));
        std::fs::write(index::lock_path(&archive), "pid 4242 since 0\n").expect("write");
        let e = index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect_err("stale");
        let msg = e.to_string();
        assert!(msg.contains("pid 4242") && msg.contains("rm '"), "{msg}");
        assert_eq!(documents(&archive).len(), 8, "nothing written");
    }
}

mod params {
    use super::*;

    #[test]
    fn unanswerable_parameters_are_refused() {
        let dir = tempdir();
        let archive = build(dir.path(), &[indexed()], &cfg(1));
        let index = Index::open(&archive).expect("open");
        let mut bad = vec![
            Config {
                shingle_words: 4,
                ..cfg(1)
            },
            Config {
                permutations: 64,
                ..cfg(1)
            },
        ];
        let mut kept = cfg(1);
        kept.normalize.ta_marbuta = false;
        bad.push(kept);
        for c in bad {
            let e = index::query(&index, &[new_docs()], &c, &Silent).expect_err("refused");
            assert!(is_index_error(&e, "cannot answer"), "{e}");
        }
        let looser = Config {
            threshold: 0.3,
            ..cfg(1)
        };
        let (full, ids) = scan(&[indexed()], &[new_docs()], &looser);
        let got =
            index::query(&index, &[new_docs()], &looser, &Silent).expect("threshold may differ");
        assert_eq!(about(&got, &ids), about(&full, &ids));
    }

    #[test]
    fn document_level_index_cannot_answer_passages() {
        let dir = tempdir();
        let nopass = Config {
            passages: false,
            ..cfg(1)
        };
        let archive = build(dir.path(), &[indexed()], &nopass);
        let index = Index::open(&archive).expect("open");
        let e = index::query(&index, &[new_docs()], &cfg(1), &Silent).expect_err("passages");
        assert!(is_index_error(&e, "--no-passages"), "{e}");
        index::query(&index, &[new_docs()], &nopass, &Silent).expect("document level");
    }
}

mod compat {
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
}

mod streaming {
    use super::*;
    use neardup::index::Streamer;

    fn jsonl_docs(path: &Path, fields: [&str; 3]) -> Vec<Document> {
        std::fs::read_to_string(path)
            .expect("read")
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| Document {
                id: v[fields[0]].as_str().unwrap_or_default().to_string(),
                source: v[fields[2]].as_str().map(str::to_string),
                text: v[fields[1]].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }

    /// Answers every document of `queries` both ways; returns how many the
    /// fast path answered.
    fn fast_equals_slow(indexed: Vec<Document>, queries: &[Document], cfg: &Config) -> u64 {
        let mut s = Streamer::new(indexed, cfg, &Silent);
        let mut related = 0;
        for q in queries {
            let fast = s.answer(q.clone());
            let slow = s.answer_slowly(q.clone());
            assert_eq!(fast, slow, "{}", q.id);
            related += usize::from(!slow.1.is_empty());
        }
        assert!(related > 0, "some queries relate to the index");
        s.counts().0
    }

    fn fixture_queries() -> Vec<Document> {
        let mut q = jsonl_docs(&new_docs(), ["id", "text", "source"]);
        // Indexed documents sent again, and one carrying an indexed
        // document's line that alone would become boilerplate.
        q.extend(jsonl_docs(&indexed(), ["id", "text", "source"]));
        let filler = q
            .iter()
            .find(|d| d.id == "a-filler-1")
            .expect("filler")
            .text
            .clone();
        let first_line = filler.lines().next().unwrap_or_default().to_string();
        q.push(Document {
            id: "shares-a-line".into(),
            source: None,
            text: format!("{first_line}\nكلمات أخرى لا علاقة لها بأي شيء آخر هنا"),
        });
        q
    }

    #[test]
    fn fast_path_equals_whole_pipeline() {
        let indexed_docs = jsonl_docs(&indexed(), ["id", "text", "source"]);
        for cfg in [
            cfg(1),
            Config {
                passages: false,
                ..cfg(2)
            },
            Config {
                threshold: 0.3,
                max_bucket: 2,
                large_bucket_window: 1,
                ..cfg(2)
            },
        ] {
            let fast = fast_equals_slow(indexed_docs.clone(), &fixture_queries(), &cfg);
            eprintln!("fast {fast} of {}", fixture_queries().len());
            assert!(fast >= 10, "most answers are fast: {fast}");
        }
    }

    /// Documents made of lines drawn from a small pool (seed paragraphs,
    /// short datelines and bylines, "read also" markers), many sharing
    /// lines, some copies of others: lines flip into boilerplate, groups
    /// and buckets change.
    fn random_corpus(seed: u64, n: usize) -> Vec<Document> {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let mut pool: Vec<String> = Vec::new();
        for e in std::fs::read_dir(&data).expect("data") {
            let text = std::fs::read_to_string(e.expect("entry").path()).expect("seed");
            pool.extend(
                text.lines()
                    .filter(|l| l.split_whitespace().count() > 6)
                    .map(str::to_string),
            );
        }
        let short = [
            "12:02 ت م",
            "11:50 ت م",
            "الرياض - واس",
            "محمد البلوي – عين اليوم",
            "عين اليوم – طوكيو",
            "إقرأ أيضاً:",
            "تابعونا على قناتنا في تيليجرام",
        ];
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut next = |m: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % m as u64) as usize
        };
        let mut docs: Vec<Document> = Vec::new();
        for i in 0..n {
            let text = if i > 0 && next(6) == 0 {
                docs[next(i)].text.clone()
            } else {
                let lines = 2 + next(7);
                (0..lines)
                    .map(|_| {
                        if next(3) == 0 {
                            short[next(short.len())].to_string()
                        } else {
                            pool[next(pool.len())].clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            docs.push(Document {
                id: format!("r{seed}-{i}"),
                source: Some(format!("site{}", next(3))),
                text,
            });
        }
        docs
    }

    #[test]
    fn fast_path_equals_whole_pipeline_on_random_corpora() {
        let mut fast = 0;
        let mut total = 0;
        for seed in 0..16 {
            let docs = random_corpus(seed, 60);
            let cfg = Config {
                max_bucket: if seed % 2 == 0 { 200 } else { 3 },
                large_bucket_window: 2,
                threshold: if seed % 3 == 0 { 0.3 } else { 0.5 },
                ..cfg(2)
            };
            let (indexed, queries) = docs.split_at(45);
            fast += fast_equals_slow(indexed.to_vec(), queries, &cfg);
            total += queries.len() as u64;
        }
        eprintln!("fast {fast} of {total}");
        assert!(fast * 2 > total, "fast {fast} of {total}");
    }

    /// 500 SaudiNewsNet articles streamed against an index of the 3,000
    /// extracted before them.
    #[test]
    #[ignore = "needs ../shared/data"]
    fn saudinewsnet_fast_path_equals_whole_pipeline() {
        use std::io::BufRead;
        let data =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/saudinewsnet/docs.jsonl.gz");
        let file = std::fs::File::open(&data).expect("../shared/data/saudinewsnet");
        let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
        let mut rows: Vec<(String, Document)> = reader
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(&l.expect("line")).expect("json"))
            .map(|v| {
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                let doc = Document {
                    id: s("url"),
                    source: Some(s("source")),
                    text: s("content"),
                };
                (s("date_extracted"), doc)
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let start = rows.len() / 2;
        let indexed: Vec<Document> = rows[start..start + 3000]
            .iter()
            .map(|r| r.1.clone())
            .collect();
        let queries: Vec<Document> = rows[start + 3000..start + 3500]
            .iter()
            .map(|r| r.1.clone())
            .collect();
        let fast = fast_equals_slow(indexed, &queries, &cfg(0));
        eprintln!("{fast} of {} answered by the fast path", queries.len());
    }
}

mod cli {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Output, Stdio};

    fn neardup(args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_neardup"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or_default())
            .expect("write stdin");
        drop(input);
        child.wait_with_output().expect("wait")
    }

    fn ok(out: &Output) -> String {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn s(p: &Path) -> &str {
        p.to_str().expect("utf-8 path")
    }

    #[test]
    fn build_query_add_info_compact() {
        let dir = tempdir();
        let archive = dir.path().join("a.ndx");
        let report = dir.path().join("q.json");
        ok(&neardup(
            &[
                "index",
                "build",
                s(&indexed()),
                "--index",
                s(&archive),
                "-q",
            ],
            None,
        ));
        let out = ok(&neardup(
            &[
                "query",
                s(&archive),
                s(&new_docs()),
                "--report",
                s(&report),
                "-q",
            ],
            None,
        ));
        assert!(out.contains("against 8 indexed documents"), "{out}");
        let got: Report =
            serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("json");
        assert_eq!(got.pairs, query(&archive, &[new_docs()], &cfg(0)).pairs);
        ok(&neardup(
            &["index", "add", s(&archive), s(&new_docs()), "-q"],
            None,
        ));
        let info = ok(&neardup(&["index", "info", s(&archive)], None));
        assert!(
            info.contains("documents: 17") && info.contains("2 document segments"),
            "{info}"
        );
        assert!(info.contains("\"shingle_words\": 5"), "{info}");
        ok(&neardup(&["index", "compact", s(&archive)], None));
        let info = ok(&neardup(&["index", "info", s(&archive)], None));
        assert!(
            info.contains("documents: 17") && info.contains("1 document segments"),
            "{info}"
        );
    }

    #[test]
    fn index_parameters_are_the_default_and_conflicts_fail() {
        let dir = tempdir();
        let archive = dir.path().join("a.ndx");
        ok(&neardup(
            &[
                "index",
                "build",
                s(&indexed()),
                "--index",
                s(&archive),
                "--shingle-words",
                "4",
                "-q",
            ],
            None,
        ));
        // Without --shingle-words the index's 4 is used ...
        let report = dir.path().join("q.json");
        ok(&neardup(
            &[
                "query",
                s(&archive),
                s(&new_docs()),
                "--report",
                s(&report),
                "-q",
            ],
            None,
        ));
        let got: Report =
            serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("json");
        assert_eq!(got.params.shingle_words, 4);
        // ... and asking for another is an error, exit code 2.
        let out = neardup(
            &["query", s(&archive), s(&new_docs()), "--shingle-words", "5"],
            None,
        );
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--shingle-words") && err.contains("index 4, asked 5"),
            "{err}"
        );
    }

    #[test]
    fn streaming_answers_each_document_on_its_own() {
        let dir = tempdir();
        let archive = dir.path().join("a.ndx");
        ok(&neardup(
            &[
                "index",
                "build",
                s(&indexed()),
                "--index",
                s(&archive),
                "-q",
            ],
            None,
        ));
        let input = std::fs::read(new_docs()).expect("read");
        let out = ok(&neardup(
            &["query", s(&archive), "-", "--threads", "2"],
            Some(&input),
        ));
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(
            lines.len(),
            10,
            "one line per record, the broken one included"
        );
        assert!(
            lines[5]["id"].is_null()
                && lines[5]["warnings"][0]
                    .as_str()
                    .is_some_and(|w| w.contains("invalid JSON"))
        );
        // Each answer is a scan of the indexed documents plus that one.
        for (i, raw) in String::from_utf8_lossy(&input).lines().enumerate() {
            if i == 5 {
                continue;
            }
            let one = dir.path().join(format!("one-{i}.jsonl"));
            std::fs::write(&one, format!("{raw}\n")).expect("write");
            let (full, ids) = scan(&[indexed()], &[one], &cfg(1));
            let mut want: Vec<(String, String, f64)> = about(&full, &ids)
                .pairs
                .iter()
                .map(|p| {
                    let other = if ids.contains(&p.a) { &p.b } else { &p.a };
                    (other.clone(), p.relation.as_str().to_string(), p.jaccard)
                })
                .collect();
            want.sort_by(|x, y| x.0.cmp(&y.0));
            let got: Vec<(String, String, f64)> = lines[i]["matches"]
                .as_array()
                .expect("matches")
                .iter()
                .map(|m| {
                    (
                        m["id"].as_str().unwrap_or_default().to_string(),
                        m["relation"].as_str().unwrap_or_default().to_string(),
                        m["jaccard"].as_f64().unwrap_or(-1.0),
                    )
                })
                .collect();
            assert_eq!(got, want, "line {}", i + 1);
        }
    }

    #[test]
    fn damaged_index_is_a_clear_error() {
        let dir = tempdir();
        let archive = dir.path().join("a.ndx");
        std::fs::write(&archive, b"\x89NDX\r\n\x1a\n").expect("write");
        let out = neardup(&["query", s(&archive), s(&new_docs())], None);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("a.ndx") && err.contains("truncated"), "{err}");
    }
}
