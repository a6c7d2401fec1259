//! The only place that calls the stages in order:
//! corpus → normalize/segment → boilerplate → tails → shingle → minhash →
//! lsh → verify → (passages) → cluster → report.

use std::time::Instant;

use ahash::AHashMap;
use rayon::prelude::*;

use crate::boilerplate::{self, Kind};
use crate::config::Config;
use crate::corpus::{self, Document, InputFile, Origin, Warning};
use crate::error::Result;
use crate::lsh;
use crate::minhash;
use crate::progress::Progress;
use crate::segment::{segment, Markers, Segmented};
use crate::shingle::shingles;
use crate::tails::{self, MarkerTail};

/// One document read and segmented.
#[derive(Clone, Debug)]
pub struct Doc {
    /// Its id (made unique), source and text.
    pub doc: Document,
    /// Where it came from.
    pub origin: Origin,
    /// Its sequence number among all records read.
    pub record: u64,
    /// Its lines and tokens.
    pub seg: Segmented,
}

/// A corpus in memory.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The input files.
    pub files: Vec<InputFile>,
    /// The documents, in reading order.
    pub docs: Vec<Doc>,
    /// Problems met while reading.
    pub warnings: Vec<Warning>,
    /// Records read, usable or not.
    pub records: u64,
}

/// Reads and segments every document under `paths`, in parallel batches.
pub fn load(paths: &[std::path::PathBuf], cfg: &Config, progress: &dyn Progress) -> Result<Corpus> {
    let (files, warnings) = corpus::discover(paths)?;
    // Progress counts record bytes, which only plain files know ahead.
    let plain = files.iter().all(|f| {
        !f.is_stdin()
            && !matches!(
                f.kind,
                corpus::FileKind::Jsonl(corpus::Compression::Gzip | corpus::Compression::Zstd)
            )
    });
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum();
    progress.start("reading", plain.then_some(total));
    let markers = Markers::new(cfg);
    let mut out = Corpus {
        files,
        docs: Vec::new(),
        warnings,
        records: 0,
    };
    let mut ids: AHashMap<String, u32> = AHashMap::new();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<corpus::Record>>(2);
    let (wtx, wrx) = std::sync::mpsc::channel::<Warning>();
    std::thread::scope(|s| {
        let files = &out.files;
        s.spawn(move || {
            corpus::read_records(
                files,
                4 << 20,
                |b| tx.send(b).is_ok(),
                |w| {
                    let _ = wtx.send(w);
                },
            );
        });
        for batch in rx {
            let size: u64 = batch.iter().map(|r| r.bytes.len() as u64).sum();
            let parsed: Vec<_> = batch
                .par_iter()
                .map_init(
                    || markers.normalizer(),
                    |norm, rec| {
                        let file = &out.files[rec.file as usize];
                        let (doc, warns) = corpus::parse_record(rec, file, &cfg.input);
                        let doc = doc.map(|d| {
                            let seg = segment(&d.text, norm, &markers);
                            (d, seg)
                        });
                        (rec.file, rec.line, doc, warns)
                    },
                )
                .collect();
            for (file, line, doc, warns) in parsed {
                out.warnings.extend(warns);
                let record = out.records;
                out.records += 1;
                if let Some((mut d, seg)) = doc {
                    unique_id(
                        &mut d,
                        &mut ids,
                        &out.files[file as usize],
                        line,
                        &mut out.warnings,
                    );
                    out.docs.push(Doc {
                        doc: d,
                        origin: Origin { file, line },
                        record,
                        seg,
                    });
                }
            }
            progress.advance(size);
        }
    });
    out.warnings.extend(wrx.try_iter());
    progress.finish();
    Ok(out)
}

/// Gives a repeated id a `#2`, `#3`… suffix, with a warning.
fn unique_id(
    d: &mut Document,
    ids: &mut AHashMap<String, u32>,
    file: &InputFile,
    line: u64,
    warnings: &mut Vec<Warning>,
) {
    let n = ids.entry(d.id.clone()).or_insert(0);
    *n += 1;
    if *n > 1 {
        let mut renamed = format!("{}#{}", d.id, n);
        while ids.contains_key(&renamed) {
            *ids.get_mut(&d.id).expect("present") += 1;
            renamed = format!("{}#{}", d.id, ids[&d.id]);
        }
        warnings.push(Warning {
            path: file.display.clone(),
            line: (line > 0).then_some(line),
            message: format!("duplicate id {:?}: renamed {renamed:?}", d.id),
        });
        ids.insert(renamed.clone(), 1);
        d.id = renamed;
    }
}

/// What the document level knows of one document.
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// Boilerplate marks by line.
    pub marks: Vec<Option<Kind>>,
    /// The tail opened by a marker line, if any.
    pub tail: Option<MarkerTail>,
    /// Byte where the body ends (the tail start, or the text length).
    pub end: u32,
    /// Words in the body (boilerplate excluded).
    pub words: usize,
    /// Sorted shingle hashes of the body (freed after the document level).
    pub shingles: Vec<u64>,
    /// Number of shingles of the body.
    pub shingle_count: usize,
    /// MinHash signature of the body.
    pub sig: Vec<u64>,
}

/// Token indices of the body: lines before the tail, boilerplate excluded.
pub fn body_positions(
    seg: &Segmented,
    marks: &[Option<Kind>],
    tail: Option<&MarkerTail>,
) -> Vec<u32> {
    let stop = tail.map_or(seg.lines.len(), |t| t.line);
    let mut pos = Vec::new();
    for (line, mark) in seg.lines[..stop].iter().zip(marks) {
        if mark.is_none() {
            pos.extend(line.tok_start..line.tok_end);
        }
    }
    pos
}

/// Finds boilerplate and tails, then shingles and signs every body.
pub fn bodies(corpus: &Corpus, cfg: &Config, progress: &dyn Progress) -> Vec<Body> {
    progress.start("boilerplate", None);
    let segs: Vec<&Segmented> = corpus.docs.iter().map(|d| &d.seg).collect();
    let stats = boilerplate::learn(&segs, cfg);
    progress.finish();
    progress.start("signatures", Some(corpus.docs.len() as u64));
    let out = corpus
        .docs
        .par_iter()
        .map(|d| {
            let mut marks = boilerplate::mark(&d.seg, &stats);
            let tail = tails::find(&d.doc.text, &d.seg, &mut marks);
            let positions = body_positions(&d.seg, &marks, tail.as_ref());
            let toks: Vec<u64> = positions
                .iter()
                .map(|&p| d.seg.tokens[p as usize])
                .collect();
            let sh = shingles(&toks, cfg.shingle_words);
            let sig = minhash::signature(&sh, cfg.permutations);
            let end = tail
                .as_ref()
                .map_or(d.doc.text.len() as u32, |t| d.seg.lines[t.line].start);
            progress.advance(1);
            Body {
                marks,
                tail,
                end,
                words: toks.len(),
                shingle_count: sh.len(),
                shingles: sh,
                sig,
            }
        })
        .collect();
    progress.finish();
    out
}

/// Groups of documents with identical, non-empty shingle sets, as
/// (representative, members) with members sorted; the representative is
/// the first member. Every non-empty document is in exactly one group.
pub fn exact_groups(bodies: &[Body]) -> Vec<Vec<u32>> {
    let mut keys: Vec<(u64, usize, u32)> = bodies
        .par_iter()
        .enumerate()
        .filter(|(_, b)| !b.shingles.is_empty())
        .map(|(i, b)| {
            (
                crate::hash::seq(&b.shingles, crate::hash::SET_SEED),
                b.shingles.len(),
                i as u32,
            )
        })
        .collect();
    keys.par_sort_unstable();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for run in keys.chunk_by(|x, y| x.0 == y.0 && x.1 == y.1) {
        // Confirm equality exactly; a fingerprint collision splits the run.
        let mut rest: Vec<u32> = run.iter().map(|x| x.2).collect();
        while let Some(&first) = rest.first() {
            let (same, other): (Vec<u32>, Vec<u32>) = rest
                .iter()
                .partition(|&&j| bodies[j as usize].shingles == bodies[first as usize].shingles);
            groups.push(same);
            rest = other;
        }
    }
    groups.sort_unstable_by_key(|g| g[0]);
    groups
}

/// The band shape of a run.
pub fn band_shape(cfg: &Config) -> lsh::Bands {
    match (cfg.bands, cfg.rows) {
        (Some(bands), Some(rows)) => lsh::Bands { bands, rows },
        _ => lsh::choose(cfg.threshold, cfg.permutations),
    }
}

/// Wall-clock timer for the report.
pub fn timer() -> Instant {
    Instant::now()
}

mod assemble;
mod passages;
mod relate;

pub use assemble::{clusters, removals, report, Cluster};
pub use relate::{document_edges, Edge, Passage};

use crate::report::Report;

/// Everything a scan computed, for the report and for `dedup`.
#[derive(Debug)]
pub struct Scan {
    /// The documents.
    pub corpus: Corpus,
    /// Their bodies.
    pub bodies: Vec<Body>,
    /// Verified relations.
    pub edges: Vec<Edge>,
    /// Duplicate and story clusters.
    pub clusters: Vec<Cluster>,
    /// The report.
    pub report: Report,
}

/// Runs the whole pipeline over `paths` on `cfg.threads` threads.
pub fn scan(paths: &[std::path::PathBuf], cfg: &Config, progress: &dyn Progress) -> Result<Scan> {
    in_pool(cfg, || {
        let start = timer();
        let corpus = load(paths, cfg, progress)?;
        Ok(analyze(corpus, cfg, progress, start))
    })
}

/// Runs `f` on a thread pool of `cfg.threads` threads (0: all cores),
/// after validating `cfg`.
pub fn in_pool<T: Send>(cfg: &Config, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    cfg.validate()?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| crate::error::Error::Config(format!("thread pool: {e}")))?
        .install(f)
}

/// Builds a corpus from documents already in memory (ids made unique,
/// as when reading files), segmented in parallel.
pub fn from_documents(docs: Vec<Document>, cfg: &Config) -> Corpus {
    let markers = Markers::new(cfg);
    let file = InputFile {
        path: "-".into(),
        display: "(memory)".into(),
        kind: corpus::FileKind::Jsonl(corpus::Compression::None),
    };
    let segs: Vec<Segmented> = docs
        .par_iter()
        .map_init(
            || markers.normalizer(),
            |norm, d| segment(&d.text, norm, &markers),
        )
        .collect();
    let mut out = Corpus {
        files: vec![file],
        ..Corpus::default()
    };
    let mut ids: AHashMap<String, u32> = AHashMap::new();
    for (i, (mut d, seg)) in docs.into_iter().zip(segs).enumerate() {
        let line = i as u64 + 1;
        unique_id(&mut d, &mut ids, &out.files[0], line, &mut out.warnings);
        out.docs.push(Doc {
            doc: d,
            origin: Origin { file: 0, line },
            record: i as u64,
            seg,
        });
    }
    out.records = out.docs.len() as u64;
    out
}

/// Runs every stage after reading on `corpus` (call inside [`in_pool`]).
pub fn analyze(corpus: Corpus, cfg: &Config, progress: &dyn Progress, start: Instant) -> Scan {
    let mut bodies = bodies(&corpus, cfg, progress);
    let groups = exact_groups(&bodies);
    let mut edges = document_edges(&bodies, &groups, cfg, progress);
    // Signatures and shingle sets have served; free them before the
    // passage level, which recomputes the few scores it needs.
    for b in &mut bodies {
        b.sig = Vec::new();
        b.shingles = Vec::new();
    }
    let mut tail_copies = Vec::new();
    if cfg.passages {
        let found = passages::passage_edges(&corpus, &bodies, &edges, cfg, progress);
        edges = passages::combine(edges, found.edges);
        tail_copies = found.tail_copies;
    }
    let clusters = clusters(&corpus, &bodies, &edges, cfg);
    let report = report(
        &corpus,
        &bodies,
        &edges,
        &clusters,
        &tail_copies,
        cfg,
        start.elapsed().as_secs_f64(),
    );
    Scan {
        corpus,
        bodies,
        edges,
        clusters,
        report,
    }
}
