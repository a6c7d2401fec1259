//! Integration tests of the persistent index (`neardup index …`, `neardup
//! query …`).
//!
//! - `equivalence`: a query answers exactly what a scan over the indexed
//!   and the new documents reports about the new ones (threads 1 and 4,
//!   fresh, added-to and compacted indexes; real data under `#[ignore]`).
//! - `incremental`: queries and adds answered from the stored analysis
//!   (not by the whole pipeline) equal a scan, through chains of adds and
//!   compactions, on fixtures, random corpora and real data.
//! - `round_trip`: build, add, compact keep every document and id.
//! - `damage`: truncation, flipped bytes, wrong magic, wrong version,
//!   unfinished appends, torn commits, leftover temp files.
//! - `lock`: one writer at a time; a stale lock says how to remove it.
//! - `params`: parameters the index cannot answer are refused.
//! - `compat`: the committed format-1 and format-2 fixtures still read and
//!   answer.
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

mod cli;
mod compat;
mod damage;
mod equivalence;
mod incremental;
mod lock;
mod params;
mod round_trip;
mod streaming;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn indexed() -> PathBuf {
    fixtures().join("index_docs/indexed.jsonl")
}

fn new_docs() -> PathBuf {
    fixtures().join("index_docs/new.jsonl")
}

/// The default configuration without tails without a marker: the
/// stored analysis answers (with them, every query and add is answered by
/// the whole pipeline, see `tails_without_a_marker_*`).
fn cfg(threads: usize) -> Config {
    Config {
        threads,
        trailing_tails: false,
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

/// A small deterministic generator: `next(m)` draws from `0..m` (PCG's
/// 64-bit LCG, high bits).
fn lcg(mut state: u64) -> impl FnMut(usize) -> usize {
    move |m: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) % m as u64) as usize
    }
}

/// Documents made of lines drawn from a small pool (seed paragraphs,
/// short datelines and bylines, "read also" markers), many sharing
/// lines, some copies of others, exact or edited throughout: lines flip
/// into boilerplate, groups and buckets change.
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
    let mut next = lcg(seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
    let mut docs: Vec<Document> = Vec::new();
    for i in 0..n {
        let copy = i > 0 && next(6) == 0;
        let edited = !copy && i > 0 && next(6) == 0;
        let text = if copy {
            docs[next(i)].text.clone()
        } else if edited {
            // A copy edited throughout: one word of every line replaced,
            // so that it shares no line with its original (the
            // boilerplate stage's sketches still relate the two).
            let original = docs[next(i)].text.clone();
            original
                .lines()
                .map(|l| {
                    let mut words: Vec<&str> = l.split_whitespace().collect();
                    if words.len() > 1 {
                        let k = next(words.len());
                        words[k] = ["بدل", "تعديل", "آخر"][next(3)];
                    }
                    words.join(" ")
                })
                .collect::<Vec<_>>()
                .join("\n")
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

/// Writes `docs` as JSONL (`id`, `text`, `source`).
fn write_jsonl(path: &Path, docs: &[Document]) {
    let mut s = String::new();
    for d in docs {
        s.push_str(
            &serde_json::json!({"id": d.id, "text": d.text, "source": d.source}).to_string(),
        );
        s.push('\n');
    }
    std::fs::write(path, s).expect("write");
}

/// Writes the JSONL lines of `rows` (as [`saudinewsnet_by_date`] gives
/// them) to `path`.
fn write_rows(path: &Path, rows: &[(String, String)]) -> PathBuf {
    let text = rows.iter().fold(String::new(), |mut s, r| {
        s.push_str(&r.1);
        s.push('\n');
        s
    });
    std::fs::write(path, text).expect("write");
    path.to_path_buf()
}

/// SaudiNewsNet's JSONL lines with their `date_extracted`, sorted by it.
fn saudinewsnet_by_date() -> Vec<(String, String)> {
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
    rows
}
