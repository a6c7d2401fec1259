//! The only place that calls the stages in order:
//! corpus → normalize/segment → boilerplate → tails → shingle → minhash →
//! lsh → verify → (passages) → cluster → report.

use std::borrow::Cow;
use std::time::Instant;

use rayon::prelude::*;

use crate::boilerplate::{self, Kind};
use crate::config::Config;
use crate::corpus::{self, Document, InputFile, Origin, Warning};
use crate::error::Result;
use crate::lsh;
use crate::minhash;
use crate::progress::Progress;
use crate::segment::{segment, LineKind, Markers, Segmented};
use crate::shingle::shingles;
use crate::tails::{self, Tail};
use store::Parsed;

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
    /// Texts and segmentations, when they were spilled to disk (the
    /// documents' own are then empty: read them with
    /// [`Corpus::content`]).
    pub(crate) spilled: Option<store::Spilled>,
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
        spilled: None,
    };
    let mut ids = corpus::Ids::default();
    // Where each document held in memory would have its text read back
    // from if the corpus spills.
    let mut text_at: Vec<Option<store::RawAt>> = Vec::new();
    let rereadable: Vec<bool> = out.files.iter().map(store::Inputs::rereadable).collect();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<corpus::Record>>(2);
    let (wtx, wrx) = std::sync::mpsc::channel::<Warning>();
    let mut failed: Option<crate::error::Error> = None;
    // Batches stay a small part of the memory allowed to texts.
    let batch_bytes = (cfg.spill_above / 8).clamp(256 << 10, 4 << 20) as usize;
    std::thread::scope(|s| {
        let files = &out.files;
        s.spawn(move || {
            corpus::read_records(
                files,
                batch_bytes,
                |b| tx.send(b).is_ok(),
                |w| {
                    let _ = wtx.send(w);
                },
            );
        });
        let mut held = 0u64;
        // Once spilling, records go to a writer thread while the next
        // batch is parsed.
        let mut writer: Option<store::Writer<'_>> = None;
        for batch in rx {
            let size: u64 = batch.iter().map(|r| r.bytes.len() as u64).sum();
            let spilling = writer.is_some();
            let parsed: Vec<_> = batch
                .par_iter()
                .map_init(
                    || markers.normalizer(),
                    |norm, rec| {
                        let file = &out.files[rec.file as usize];
                        let (doc, warns) = corpus::parse_record(rec, file, &cfg.input);
                        let doc = doc.map(|d| {
                            let seg = segment(&d.text, norm, &markers);
                            let at = store::RawAt::of(rec, rereadable[rec.file as usize]);
                            if spilling {
                                let sketch = cfg.boilerplate_sketch;
                                Parsed::Spilled(store::spill_one(d, &seg, sketch, at))
                            } else {
                                Parsed::Held(d, seg, at)
                            }
                        });
                        (rec.file, rec.line, doc, warns)
                    },
                )
                .collect();
            let mut records = Vec::new();
            for (file, line, doc, warns) in parsed {
                out.warnings.extend(warns);
                let record = out.records;
                out.records += 1;
                let Some(doc) = doc else { continue };
                let (mut d, seg) = match doc {
                    Parsed::Held(d, seg, at) => {
                        held += store::held_bytes(&d.text, &seg);
                        text_at.push(at);
                        (d, seg)
                    }
                    Parsed::Spilled(one) => {
                        let (d, record) = writer.as_mut().expect("spilling").keep(one);
                        records.push(record);
                        (d, Segmented::default())
                    }
                };
                ids.claim(
                    &mut d,
                    &out.files[file as usize].display,
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
            if let Some(w) = &writer {
                if w.tx.send(records).is_err() {
                    break; // the writer failed: its error is reported below
                }
            } else if held > cfg.spill_above {
                match store::Writer::start(s, cfg) {
                    Ok(mut w) => {
                        let at = std::mem::take(&mut text_at);
                        let sent =
                            store::spill_all(&mut out.docs, &at, &mut w, cfg.boilerplate_sketch);
                        writer = Some(w);
                        if !sent {
                            break;
                        }
                    }
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            progress.advance(size);
        }
        if let Some(w) = writer {
            drop(w.tx);
            match w.handle.join().expect("spill writer panicked") {
                Ok(records) => {
                    out.spilled = Some(store::Spilled {
                        records,
                        text_lens: w.text_lens,
                        hot_lens: w.hot_lens,
                        lines_lens: w.lines_lens,
                        line_sets: w.line_sets,
                        texts: w.texts,
                        inputs: store::Inputs::new(&out.files, &cfg.input),
                    });
                }
                Err(e) => failed = Some(e),
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    out.warnings.extend(wrx.try_iter());
    progress.finish();
    Ok(out)
}

/// What the document level knows of one document.
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// Boilerplate marks by line.
    pub marks: Vec<Option<Kind>>,
    /// The appended tail, if any.
    pub tail: Option<Tail>,
    /// Byte where the body ends (the tail start, or the text length).
    pub end: u32,
    /// Words in the body (boilerplate excluded).
    pub words: usize,
    /// Sorted shingle hashes of the body (freed after the document level;
    /// never kept for a spilled corpus, see [`Shingles`]).
    pub shingles: Vec<u64>,
    /// Number of shingles of the body.
    pub shingle_count: usize,
    /// Fingerprint of the shingle set (`hash::seq` with `SET_SEED`).
    pub fingerprint: u64,
    /// LSH band keys of the body's MinHash signature (none for an empty
    /// body); the signature itself is not kept.
    pub bands: Vec<u64>,
    /// Start byte of the body's last line (where a trailing copy must
    /// reach, see [`trailing`]).
    pub last: u32,
    /// End byte of the body's first [`tails::MIN_HEAD_WORDS`] words
    /// (where a trailing copy may not start).
    pub head_end: u32,
}

/// Token indices of the body: lines before the tail, boilerplate excluded.
pub fn body_positions(seg: &Segmented, marks: &[Option<Kind>], tail: Option<&Tail>) -> Vec<u32> {
    let stop = tail.map_or(seg.lines.len(), |t| t.line);
    let mut pos = Vec::new();
    for (line, mark) in seg.lines[..stop].iter().zip(marks) {
        if mark.is_none() {
            pos.extend(line.tok_start..line.tok_end);
        }
    }
    pos
}

/// Body token hashes of document `i`.
pub(crate) fn body_tokens<'a>(seg: &'a Segmented, body: &Body) -> Cow<'a, [u64]> {
    body_tokens_of(seg, &body.marks, body.tail.as_ref())
}

/// Body token hashes of a document with boilerplate `marks` and `tail`:
/// the document's own tokens when no line is left out (every token is on
/// a line), a copy of the kept lines' tokens otherwise.
pub fn body_tokens_of<'a>(
    seg: &'a Segmented,
    marks: &[Option<Kind>],
    tail: Option<&Tail>,
) -> Cow<'a, [u64]> {
    let stop = tail.map_or(seg.lines.len(), |t| t.line);
    if stop == seg.lines.len() && marks.len() >= stop && marks.iter().all(Option::is_none) {
        return Cow::Borrowed(&seg.tokens);
    }
    let kept = || {
        seg.lines[..stop]
            .iter()
            .zip(marks)
            .filter(|(_, mark)| mark.is_none())
            .map(|(line, _)| line)
    };
    let mut out = Vec::with_capacity(kept().map(|l| (l.tok_end - l.tok_start) as usize).sum());
    for line in kept() {
        out.extend_from_slice(&seg.tokens[line.tok_start as usize..line.tok_end as usize]);
    }
    Cow::Owned(out)
}

/// Finds boilerplate and tails, then shingles and signs every body. A
/// spilled corpus keeps only band keys and fingerprints: its shingle sets
/// are recomputed when needed ([`Shingles`]).
pub fn bodies(corpus: &Corpus, cfg: &Config, progress: &dyn Progress) -> Vec<Body> {
    progress.start("boilerplate", None);
    let stats = if let Some(s) = &corpus.spilled {
        boilerplate::learn_sets(&s.line_sets, cfg)
    } else {
        let segs: Vec<&Segmented> = corpus.docs.iter().map(|d| &d.seg).collect();
        boilerplate::learn(&segs, cfg)
    };
    progress.finish();
    progress.start("signatures", Some(corpus.docs.len() as u64));
    let keep = !corpus.is_spilled();
    let out = (0..corpus.docs.len())
        .into_par_iter()
        .map(|i| {
            let content = corpus.content(i);
            let seg = content.seg();
            let mut marks = boilerplate::mark(seg, &stats);
            // Only marker lines make the tail stage look further.
            let tail = seg
                .lines
                .iter()
                .any(|l| matches!(l.kind, LineKind::TailMarker { .. }))
                .then(|| tails::find(seg, &mut marks))
                .flatten();
            progress.advance(1);
            sign(seg, corpus.text_len(i), marks, tail, keep, cfg)
        })
        .collect();
    progress.finish();
    out
}

/// Where the document level gets shingle sets: kept in the bodies, or
/// recomputed from the spilled corpus.
pub struct Shingles<'a> {
    corpus: &'a Corpus,
    bodies: &'a [Body],
    shingle_words: usize,
}

impl<'a> Shingles<'a> {
    /// The shingle sets of `bodies`, documents of `corpus`.
    pub fn new(corpus: &'a Corpus, bodies: &'a [Body], cfg: &Config) -> Self {
        Shingles {
            corpus,
            bodies,
            shingle_words: cfg.shingle_words,
        }
    }

    /// The sorted shingle set of document `i`'s body.
    pub fn get(&self, i: u32) -> std::borrow::Cow<'a, [u64]> {
        let b = &self.bodies[i as usize];
        if !self.corpus.is_spilled() || b.shingle_count == 0 {
            return std::borrow::Cow::Borrowed(&b.shingles);
        }
        let content = self.corpus.tokens_and_lines(i as usize);
        Cow::Owned(shingles(&body_tokens(content.seg(), b), self.shingle_words))
    }
}

/// The body of a document (segmented as `seg`, `len` bytes of text)
/// given its boilerplate marks and tail: shingled and signed (its
/// signature's band keys). Unless `keep`, its shingle set is not kept,
/// only its fingerprint (a spilled corpus).
pub fn sign(
    seg: &Segmented,
    len: usize,
    marks: Vec<Option<Kind>>,
    tail: Option<Tail>,
    keep: bool,
    cfg: &Config,
) -> Body {
    let toks = body_tokens_of(seg, &marks, tail.as_ref());
    let sh = shingles(&toks, cfg.shingle_words);
    let sig = minhash::signature(&sh, cfg.permutations);
    let end = tail
        .as_ref()
        .map_or(len as u32, |t| seg.lines[t.line].start);
    let fingerprint = crate::hash::seq(&sh, crate::hash::SET_SEED);
    let (last, head_end) = last_and_head_end(seg, &marks, tail.as_ref(), end);
    let mut body = Body {
        last,
        head_end,
        marks,
        tail,
        end,
        words: toks.len(),
        shingle_count: sh.len(),
        fingerprint,
        shingles: Vec::new(),
        bands: Vec::new(),
    };
    if !sh.is_empty() {
        let shape = band_shape(cfg);
        body.bands = (0..shape.bands)
            .map(|b| lsh::band_key(&sig, shape, b))
            .collect();
    }
    if keep {
        body.shingles = sh;
    }
    body
}

/// Groups of documents with identical, non-empty shingle sets, as
/// (representative, members) with members sorted; the representative is
/// the first member. Every non-empty document is in exactly one group.
pub fn exact_groups(bodies: &[Body]) -> Vec<Vec<u32>> {
    exact_groups_with(bodies, &|i| {
        std::borrow::Cow::Borrowed(&bodies[i as usize].shingles)
    })
}

/// [`exact_groups`] with shingle sets from `shingles` (bodies keep their
/// fingerprints and counts).
pub fn exact_groups_with<'a>(
    bodies: &[Body],
    shingles: &(dyn Fn(u32) -> std::borrow::Cow<'a, [u64]> + Sync),
) -> Vec<Vec<u32>> {
    let mut keys: Vec<(u64, usize, u32)> = bodies
        .par_iter()
        .enumerate()
        .filter(|(_, b)| b.shingle_count > 0)
        .map(|(i, b)| (b.fingerprint, b.shingle_count, i as u32))
        .collect();
    keys.par_sort_unstable();
    let runs: Vec<&[(u64, usize, u32)]> = keys.chunk_by(|x, y| x.0 == y.0 && x.1 == y.1).collect();
    let mut groups: Vec<Vec<u32>> = runs
        .par_iter()
        .flat_map_iter(|run| {
            let mut out = Vec::new();
            if run.len() == 1 {
                out.push(vec![run[0].2]);
                return out;
            }
            // Confirm equality exactly; a fingerprint collision splits the run.
            let mut rest: Vec<(u32, std::borrow::Cow<'a, [u64]>)> =
                run.iter().map(|x| (x.2, shingles(x.2))).collect();
            while !rest.is_empty() {
                let first = rest[0].1.clone();
                let (same, other): (Vec<_>, Vec<_>) = rest.into_iter().partition(|x| x.1 == first);
                out.push(same.into_iter().map(|x| x.0).collect());
                rest = other;
            }
            out
        })
        .collect();
    groups.sort_unstable_by_key(|g| g[0]);
    groups
}

/// Wall-clock timer for the report.
pub fn timer() -> Instant {
    Instant::now()
}

mod assemble;
mod by_doc;
mod passages;
mod record;
mod relate;
mod store;
pub mod trailing;
pub use trailing::last_and_head_end;

pub use store::{Content, TokensAndLines};

pub use assemble::{clusters, removals, report, tells_same_story, Cluster};
pub(crate) use assemble::{pair_out, params, round4, tail_and_boilerplate};
pub use passages::combine;
pub use relate::{band_shape, document_edges, Edge, Passage};

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
    /// What decided the tails without a marker (when looked for).
    pub trailing: Option<trailing::Judged>,
}

/// Runs the whole pipeline over `paths` on `cfg.threads` threads.
pub fn scan(paths: &[std::path::PathBuf], cfg: &Config, progress: &dyn Progress) -> Result<Scan> {
    in_pool(cfg, || {
        let start = timer();
        let corpus = load(paths, cfg, progress)?;
        try_analyze(corpus, cfg, progress, start)
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
    let mut ids = corpus::Ids::default();
    for (i, (mut d, seg)) in docs.into_iter().zip(segs).enumerate() {
        let line = i as u64 + 1;
        ids.claim(&mut d, &out.files[0].display, line, &mut out.warnings);
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
///
/// # Panics
/// When the passage level cannot write its spill files (a full disk);
/// [`scan`] reports that as an error instead.
pub fn analyze(corpus: Corpus, cfg: &Config, progress: &dyn Progress, start: Instant) -> Scan {
    try_analyze(corpus, cfg, progress, start).unwrap_or_else(|e| panic!("{e}"))
}

/// [`analyze`], with spill-file errors returned.
pub fn try_analyze(
    corpus: Corpus,
    cfg: &Config,
    progress: &dyn Progress,
    start: Instant,
) -> Result<Scan> {
    let mut bodies = bodies(&corpus, cfg, progress);
    let mut edges = {
        let sh = Shingles::new(&corpus, &bodies, cfg);
        progress.start("exact copies", None);
        let groups = exact_groups_with(&bodies, &|i| sh.get(i));
        progress.finish();
        relate::document_edges_with(&bodies, &groups, cfg, progress, &|i| sh.get(i))
    };
    // Shingle sets have served; free them before the passage level,
    // which recomputes the few scores it needs.
    for b in &mut bodies {
        b.shingles = Vec::new();
    }
    let mut tail_copies = Vec::new();
    let mut trailed = None;
    if cfg.passages {
        let found = passages::passage_edges(&corpus, &bodies, &edges, cfg, progress)?;
        edges = passages::combine(edges, found.edges);
        tail_copies = found.tail_copies;
        if cfg.trailing_tails {
            progress.start("trailing tails", None);
            let (cut, judged) = trailing::cut_all(
                &corpus,
                &mut bodies,
                edges,
                &found.bodies_with_tails,
                &mut tail_copies,
                cfg,
            );
            edges = cut;
            trailed = Some(judged);
            progress.finish();
        }
    }
    progress.start("clusters", None);
    let clusters = clusters(&corpus, &bodies, &edges, cfg);
    progress.finish();
    progress.start("report", None);
    let report = report(
        &corpus,
        &bodies,
        &edges,
        &clusters,
        &tail_copies,
        cfg,
        start.elapsed().as_secs_f64(),
    );
    progress.finish();
    Ok(Scan {
        corpus,
        bodies,
        edges,
        clusters,
        report,
        trailing: trailed,
    })
}
