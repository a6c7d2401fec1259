//! A persistent, incremental index of documents (SPEC §4, "Index").
//!
//! An index file stores its parameters, every indexed document (id,
//! source, text, zstd-compressed) and what the pipeline learned about
//! them (recurring lines, bodies' shingle-set fingerprints, LSH band keys,
//! anchor and rare-word postings, verified pairs, passage joins and
//! candidates, tail copies, the boilerplate list) in append-only segments
//! (see [`format`](mod@format) for the layout and its crash safety, and
//! `analysis.rs` for what is stored). `query` and `add` answer exactly
//! what a scan over the indexed and the new documents would report about
//! the new ones: the incremental pipeline (`engine`) looks up the stored
//! analysis and reads only the indexed documents the new ones touch; when
//! it cannot (an index of format 1, other parameters, or one of the rare
//! changes it does not patch) the whole pipeline runs over both. Tails
//! without a marker, which depend on word statistics of the whole corpus,
//! have their own stored state (format 3, `trail.rs`), written by every
//! `build`, `add` and `compact` that looks for them.
//!
//! A streaming query ([`stream`]) answers one document at a time, each as
//! a scan of the indexed documents plus that one would. It analyses the
//! indexed documents once and keeps every corpus-wide structure of the
//! pipeline (recurring lines, exact-duplicate groups, LSH buckets,
//! anchor and rare-word postings), then relates each new document by
//! looking up only what it touches, patching the few indexed documents
//! whose bodies it changes (`fast`, `view`, `fast_passages`); in the rare
//! case where it would change too many, it runs the whole pipeline. The
//! two ways are tested to agree.
//!
//! ```
//! use neardup::{config::Config, index, progress::Silent};
//!
//! let dir = tempfile::tempdir()?;
//! let story = "قال وزير الخارجية الأميركي أنتوني بلينكن اليوم الخميس إنه ونظيره \
//!              الكوري الجنوبي لديهما مخاوف بالغة إزاء التعاون العسكري المتنامي";
//! std::fs::write(dir.path().join("a.txt"), story)?;
//! let new = dir.path().join("new");
//! std::fs::create_dir(&new)?;
//! std::fs::write(new.join("b.txt"), format!("{story}.\n"))?;
//! let archive = dir.path().join("archive.ndx");
//! let cfg = Config::default();
//! index::build(&archive, &[dir.path().join("a.txt")], &cfg, &Silent)?;
//! let report = index::query(&index::Index::open(&archive)?, &[new], &cfg, &Silent)?;
//! assert_eq!(report.pairs.len(), 1);
//! assert_eq!(report.pairs[0].relation.as_str(), "duplicate");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod analysis;
mod archive;
mod codec;
mod columns;
mod engine;
mod fast;
mod fast_passages;
mod fileio;
pub mod format;
mod frames;
mod input;
mod lock;
pub mod params;
mod query;
mod state;
mod store;
mod stream;
mod trail;
mod view;

use std::path::{Path, PathBuf};

pub use input::{Ids, Input};
pub use lock::{lock_path, Lock};
pub use params::{Params, Settings};
pub use store::{Index, SegmentInfo};
pub use stream::{Line, Match, Streamed, Streamer};

use archive::Archive;
use engine::{Job, Outcome};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::progress::Progress;
use crate::report::{Report, Warning};

/// What `build` and `compact` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// Documents in the index.
    pub documents: usize,
    /// Bytes of the index file.
    pub bytes: u64,
    /// Problems met while reading the input.
    pub warnings: Vec<Warning>,
}

fn check(index: &Index, cfg: &Config) -> Result<()> {
    index.params().check(cfg).map_err(|message| Error::Index {
        path: index.path().to_path_buf(),
        message,
    })
}

/// Builds a new index at `path` from the documents under `paths` (an
/// existing file there is replaced, atomically).
pub fn build(
    path: &Path,
    paths: &[PathBuf],
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Written> {
    build_in_parts(path, paths, cfg, progress, BUILD_PART)
}

/// Documents an [`build`] analyses at once: more are indexed as a build
/// of the first ones and adds of the others (the engine holds every
/// document it analyses in memory; a million at once took more than
/// 24 GB).
const BUILD_PART: usize = 100_000;

/// [`build`], analysing at most `part` documents at once (for tests).
#[doc(hidden)]
pub fn build_in_parts(
    path: &Path,
    paths: &[PathBuf],
    cfg: &Config,
    progress: &dyn Progress,
    part: usize,
) -> Result<Written> {
    let _lock = Lock::acquire(path)?;
    pipeline::in_pool(cfg, || {
        let mut input = input::read(paths, &cfg.input, &mut Ids::default(), progress)?;
        if input.docs.len() as u64 > analysis::ITEM_MASK {
            return Err(Error::Config(format!(
                "an index holds at most {} documents",
                analysis::ITEM_MASK
            )));
        }
        let part = part.max(1);
        if input.docs.len() <= part {
            return build_one(path, input, cfg, progress);
        }
        // The first part is built, the others added, in a file beside
        // the index renamed over it at the end: a crash leaves the old
        // index as it was.
        let staging = staged(path);
        let _ = std::fs::remove_file(&staging);
        let documents = input.docs.len();
        let result = (|| {
            let first: Vec<crate::corpus::Document> = input.docs.drain(..part).collect();
            let warnings = std::mem::take(&mut input.warnings);
            build_one(
                &staging,
                Input {
                    docs: first,
                    ..Input::default()
                },
                cfg,
                progress,
            )?;
            while !input.docs.is_empty() {
                let n = part.min(input.docs.len());
                let docs: Vec<crate::corpus::Document> = input.docs.drain(..n).collect();
                let index = Index::open(&staging)?;
                let more = Input {
                    docs,
                    ..Input::default()
                };
                if let Ok(ar) = analysis_for(&index, cfg)? {
                    add_analysed(
                        &staging,
                        &index,
                        &ar,
                        &more,
                        cfg,
                        progress,
                        pipeline::timer(),
                    )?;
                } else {
                    // No analysis to extend (two shingle sets of the
                    // first part share a fingerprint): the documents
                    // alone, as an add without one stores them.
                    let segment = store::docs_segment(
                        &staging,
                        &more.docs,
                        &cfg.input,
                        store::now(),
                        index.version(),
                    )?;
                    format::append(&staging, index.layout(), &[segment])?;
                }
            }
            // Every append ends the file at its committed end.
            let bytes = std::fs::metadata(&staging)
                .map_err(|e| Error::io(&staging, e))?
                .len();
            std::fs::rename(&staging, path)
                .and_then(|()| format::sync_dir(path))
                .map_err(|e| Error::io(path, e))?;
            Ok(Written {
                documents,
                bytes,
                warnings,
            })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&staging);
        }
        result
    })
}

/// Where a build in parts writes before renaming over `path`.
fn staged(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".building");
    path.with_file_name(name)
}

/// The analysis and tails segments of `input` analysed from scratch, as
/// a build writes them. Tails without a marker: the engine decides them
/// from the state of no documents, as an add does (the whole pipeline
/// when it cannot). None when there is no analysis (two shingle sets
/// sharing a fingerprint): queries then run the whole pipeline. Call
/// inside [`pipeline::in_pool`].
fn analysed(
    path: &Path,
    input: &Input,
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Vec<Vec<u8>>> {
    let tails = cfg.passages && cfg.trailing_tails;
    let mut empty = Archive::empty();
    if tails {
        empty.trail = Some(trail::Trail::empty());
    }
    let job = Job {
        report: tails,
        ..Job::analyse_all(&empty, input)
    };
    let mut segments = Vec::new();
    if let Ok(Outcome {
        delta: Some(delta),
        trail,
        ..
    }) = engine::run(&job, cfg, progress)?
    {
        segments.push(store::analysis_segment(path, &delta)?);
        if let Some(t) = trail.or_else(|| trail_of(input.docs.clone(), cfg, progress)) {
            segments.push(store::tails_segment(path, &t)?);
        }
    }
    Ok(segments)
}

/// Writes the index of `input` at `path` (see [`build`]). Call inside
/// [`pipeline::in_pool`].
fn build_one(path: &Path, input: Input, cfg: &Config, progress: &dyn Progress) -> Result<Written> {
    let mut segments = vec![
        store::params_segment(path, &Params::new(cfg))?,
        store::docs_segment(path, &input.docs, &cfg.input, store::now(), format::VERSION)?,
    ];
    segments.extend(analysed(path, &input, cfg, progress)?);
    let bytes = format::write_new(path, &segments)?;
    Ok(Written {
        documents: input.docs.len(),
        bytes,
        warnings: input.warnings,
    })
}

/// How a query or an add was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// From the index's stored analysis, reading only the indexed
    /// documents the new ones touch.
    Analysis,
    /// By the whole pipeline over the indexed and the new documents, for
    /// the reason given.
    Pipeline(&'static str),
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Route::Analysis => write!(f, "answered from the stored analysis"),
            Route::Pipeline(why) => write!(f, "answered by the whole pipeline ({why})"),
        }
    }
}

/// The relations of the documents under `paths` to the indexed ones and
/// to each other, as a scan over both would report them; the index is
/// not changed. `cfg` must agree with the index's parameters (see
/// [`Params::check`]).
pub fn query(
    index: &Index,
    paths: &[PathBuf],
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Report> {
    query_route(index, paths, cfg, progress).map(|x| x.0)
}

/// [`query`], and how it was answered.
pub fn query_route(
    index: &Index,
    paths: &[PathBuf],
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<(Report, Route)> {
    let start = pipeline::timer();
    check(index, cfg)?;
    pipeline::in_pool(cfg, || {
        progress.start("analysis", None);
        let found = analysis_for(index, cfg)?;
        progress.finish();
        let ar = match found {
            Ok(ar) => ar,
            Err(why) => {
                let indexed = index.documents()?;
                let mut ids = Ids::new(indexed.iter().map(|d| d.id.as_str()));
                let input = input::read(paths, &cfg.input, &mut ids, progress)?;
                let (scan, first) = query::analyze(indexed, &input, cfg, progress, start);
                let r = query::restrict(&scan, first, &input, start);
                return Ok((r, Route::Pipeline(why)));
            }
        };
        let mut ids = Ids::new(ar.ids());
        let input = input::read(paths, &cfg.input, &mut ids, progress)?;
        let job = Job {
            ar: &ar,
            index: Some(index),
            input: &input,
            reported: ar.n,
            report: true,
            delta: false,
            start,
        };
        match engine::run(&job, cfg, progress)? {
            Ok(Outcome {
                report: Some(r), ..
            }) => Ok((r, Route::Analysis)),
            other => {
                let why = other.err().map_or("no report", |f| f.0);
                let r = whole_pipeline(index, &input, cfg, progress, start)?;
                Ok((r, Route::Pipeline(why)))
            }
        }
    })
}

/// The index's analysis, when it can answer a run with `cfg` (the index
/// has one and `cfg`'s analysis settings are the index's), else why not.
fn analysis_for<'a>(
    index: &'a Index,
    cfg: &Config,
) -> Result<std::result::Result<Archive<'a>, &'static str>> {
    if index.params().settings != Settings::from_config(cfg) {
        return Ok(Err("parameters other than the index's"));
    }
    match Archive::open(index)? {
        Some(a) => {
            a.check_ids(index)?;
            Ok(Ok(a))
        }
        None => Ok(Err("the index has no stored analysis (format 1)")),
    }
}

/// The checksum (as [`Index::tails_checksum`] gives it) of the tails
/// state a run of the whole pipeline over the documents of `paths` finds:
/// what the engine's state must equal (for tests).
#[doc(hidden)]
pub fn tails_checksum_of_scan(paths: &[PathBuf], cfg: &Config) -> Result<Option<u32>> {
    pipeline::in_pool(cfg, || {
        let input = input::read(
            paths,
            &cfg.input,
            &mut Ids::default(),
            &crate::progress::Silent,
        )?;
        let Some(t) = trail_of(input.docs, cfg, &crate::progress::Silent) else {
            return Ok(None);
        };
        let payload = t.encode().map_err(Error::Config)?;
        Ok(Some(crc32fast::hash(&payload)))
    })
}

/// What tails without a marker need of `docs` (the whole pipeline runs
/// over them), when `cfg` looks for them. Call inside
/// [`pipeline::in_pool`].
fn trail_of(
    docs: Vec<crate::corpus::Document>,
    cfg: &Config,
    progress: &dyn Progress,
) -> Option<trail::Trail> {
    if !(cfg.passages && cfg.trailing_tails) {
        return None;
    }
    let corpus = pipeline::from_documents(docs, cfg);
    let scan = pipeline::analyze(corpus, cfg, progress, pipeline::timer());
    trail::Trail::of_scan(&scan, cfg)
}

/// The answer of the whole pipeline over the indexed documents and
/// `input`'s, with what tails without a marker need of them all (when
/// looked for).
fn whole_pipeline_trail(
    index: &Index,
    input: &Input,
    cfg: &Config,
    progress: &dyn Progress,
    start: std::time::Instant,
) -> Result<(Report, Option<trail::Trail>)> {
    let indexed = index.documents()?;
    let (scan, first) = query::analyze(indexed, input, cfg, progress, start);
    Ok((
        query::restrict(&scan, first, input, start),
        trail::Trail::of_scan(&scan, cfg),
    ))
}

/// The answer of the whole pipeline over the indexed documents and
/// `input`'s.
fn whole_pipeline(
    index: &Index,
    input: &Input,
    cfg: &Config,
    progress: &dyn Progress,
    start: std::time::Instant,
) -> Result<Report> {
    let indexed = index.documents()?;
    let (scan, first) = query::analyze(indexed, input, cfg, progress, start);
    Ok(query::restrict(&scan, first, input, start))
}

/// Like [`query`], then appends the new documents to the index as one
/// segment (their ids as reported, made unique), followed by what the
/// analysis learned.
pub fn add(
    path: &Path,
    paths: &[PathBuf],
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Report> {
    add_route(path, paths, cfg, progress).map(|x| x.0)
}

/// [`add`], and how it was answered.
pub fn add_route(
    path: &Path,
    paths: &[PathBuf],
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<(Report, Route)> {
    let start = pipeline::timer();
    let _lock = Lock::acquire(path)?;
    let index = Index::open(path)?;
    check(&index, cfg)?;
    pipeline::in_pool(cfg, || {
        let why = match analysis_for(&index, cfg)? {
            Ok(ar) => {
                let mut ids = Ids::new(ar.ids());
                let input = input::read(paths, &cfg.input, &mut ids, progress)?;
                return add_analysed(path, &index, &ar, &input, cfg, progress, start);
            }
            Err(why) => why,
        };
        let indexed = index.documents()?;
        let mut ids = Ids::new(indexed.iter().map(|d| d.id.as_str()));
        let input = input::read(paths, &cfg.input, &mut ids, progress)?;
        let (scan, first) = query::analyze(indexed, &input, cfg, progress, start);
        let report = query::restrict(&scan, first, &input, start);
        drop(scan);
        if !input.docs.is_empty() {
            let segment =
                store::docs_segment(path, &input.docs, &cfg.input, store::now(), index.version())?;
            format::append(path, index.layout(), &[segment])?;
        }
        Ok((report, Route::Pipeline(why)))
    })
}

/// [`add`] to an index with an analysis: the engine answers and gives the
/// delta, appended after the new documents; when it cannot, it analyses
/// every document from scratch and a snapshot is appended instead.
fn add_analysed(
    path: &Path,
    index: &Index,
    ar: &Archive,
    input: &Input,
    cfg: &Config,
    progress: &dyn Progress,
    start: std::time::Instant,
) -> Result<(Report, Route)> {
    // With tails without a marker, the engine reports from their stored
    // state and gives it over all the documents; without that state, the
    // whole pipeline reports and the engine computes the analysis alone.
    let trailing = cfg.passages && cfg.trailing_tails;
    let job = Job {
        ar,
        index: Some(index),
        input,
        reported: ar.n,
        report: true,
        delta: !input.docs.is_empty(),
        start,
    };
    // The tails segment the add writes (format 3 files only).
    let mut trail = None;
    let mut report_of = |r: Option<Report>| {
        if let Some(r) = r {
            return Ok(r);
        }
        let (r, t) = whole_pipeline_trail(index, input, cfg, progress, start)?;
        trail = t;
        Ok::<Report, Error>(r)
    };
    if input.docs.is_empty() {
        return match engine::run(&job, cfg, progress)? {
            Ok(Outcome {
                report: Some(r), ..
            }) => Ok((r, Route::Analysis)),
            _ => Ok((
                whole_pipeline(index, input, cfg, progress, start)?,
                Route::Pipeline("no new documents"),
            )),
        };
    }
    if (ar.n as usize + input.docs.len()) as u64 > analysis::ITEM_MASK {
        return Err(Error::Config(format!(
            "an index holds at most {} documents",
            analysis::ITEM_MASK
        )));
    }
    let docs = store::docs_segment(path, &input.docs, &cfg.input, store::now(), 2)?;
    let (report, delta, route) = match engine::run(&job, cfg, progress)? {
        Ok(Outcome {
            report: Some(r),
            delta: Some(d),
            trail: t,
        }) => {
            trail = t;
            (r, d, Route::Analysis)
        }
        Ok(Outcome {
            report: None,
            delta: Some(d),
            ..
        }) if trailing => (
            report_of(None)?,
            d,
            Route::Pipeline("tails without a marker"),
        ),
        found => {
            let why = found.err().map_or("no delta", |f| f.0);
            // Everything from scratch: the snapshot covers every segment.
            let mut all = Input {
                docs: index.documents()?,
                ..Input::default()
            };
            all.docs.extend(input.docs.iter().cloned());
            all.files.clone_from(&input.files);
            all.warnings.clone_from(&input.warnings);
            all.records = input.records;
            let empty = Archive::empty();
            let job = Job {
                ar: &empty,
                index: None,
                input: &all,
                ..job
            };
            let Ok(Outcome {
                report: r,
                delta: Some(mut d),
                ..
            }) = engine::run(&job, cfg, progress)?
            else {
                return Err(Error::Index {
                    path: path.to_path_buf(),
                    message: "cannot analyse the documents (two shingle sets share a \
                              fingerprint); rebuild the index"
                        .into(),
                });
            };
            d.snapshot = true;
            (report_of(r)?, d, Route::Pipeline(why))
        }
    };
    let mut segments = vec![docs, store::analysis_segment(path, &delta)?];
    if let Some(t) = trail.filter(|_| index.version() >= 3) {
        segments.push(store::tails_segment(path, &t)?);
    }
    format::append(path, index.layout(), &segments)?;
    Ok((report, route))
}

/// Rewrites the index at `path` with all its documents in one segment
/// (blocks are moved, not recompressed).
pub fn compact(path: &Path) -> Result<Written> {
    let _lock = Lock::acquire(path)?;
    let index = Index::open(path)?;
    let mut segments = vec![
        store::params_segment(path, index.params())?,
        store::merged_segment(&index)?,
    ];
    // The file is rewritten in this build's format: an analysis of an
    // older one is redone, as this format does it.
    let archive = if index.version() == format::VERSION {
        Archive::open(&index)?
    } else {
        None
    };
    if let Some(ar) = archive {
        segments.push(store::analysis_segment(path, &ar.to_snapshot())?);
        // A stale tails segment is left out (the next add with tails
        // without a marker writes a new one).
        if let Some(t) = &ar.trail {
            segments.push(store::tails_segment(path, t)?);
        }
    } else {
        // An older format: analyse it now.
        let mut params = index.params().clone();
        params.format = format::VERSION;
        let cfg = params.config(&Config::default());
        let input = Input {
            docs: index.documents()?,
            ..Input::default()
        };
        let silent = &crate::progress::Silent;
        segments.extend(pipeline::in_pool(&cfg, || {
            analysed(path, &input, &cfg, silent)
        })?);
    }
    let bytes = format::write_new(path, &segments)?;
    Ok(Written {
        documents: index.len(),
        bytes,
        warnings: Vec::new(),
    })
}

/// Answers each JSONL record of `input` on its own, against the indexed
/// documents only, writing one JSON line per record to `output` as soon
/// as it is answered.
pub fn stream(
    index: &Index,
    input: &mut dyn std::io::BufRead,
    output: &mut dyn std::io::Write,
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Streamed> {
    check(index, cfg)?;
    cfg.validate()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let mut streamer =
        pool.install(|| index.documents().map(|d| Streamer::new(d, cfg, progress)))?;
    stream::run(&mut streamer, &pool, input, output, cfg)
}
