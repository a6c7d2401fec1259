//! A persistent, incremental index of documents (SPEC §4, "Index").
//!
//! An index file stores its parameters and every indexed document (id,
//! source, text, zstd-compressed) in append-only segments (see
//! [`format`](mod@format) for the layout and its crash safety). `query` and `add`
//! run the pipeline over the indexed documents together with the new
//! ones, so their answers are exactly those of a scan over both: the
//! boilerplate statistics, rare-anchor counts and clusters all see the
//! whole archive.
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

mod codec;
mod fast;
mod fast_passages;
pub mod format;
mod input;
mod lock;
pub mod params;
mod query;
mod state;
mod store;
mod stream;
mod view;

use std::path::{Path, PathBuf};

pub use input::{Ids, Input};
pub use lock::{lock_path, Lock};
pub use params::{Params, Settings};
pub use store::{Index, SegmentInfo};
pub use stream::{Line, Match, Streamed, Streamer};

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
    let _lock = Lock::acquire(path)?;
    pipeline::in_pool(cfg, || {
        let input = input::read(paths, &cfg.input, &mut Ids::default(), progress)?;
        let segments = [
            store::params_segment(path, &Params::new(cfg))?,
            store::docs_segment(path, &input.docs, &cfg.input, store::now())?,
        ];
        let bytes = format::write_new(path, &segments)?;
        Ok(Written {
            documents: input.docs.len(),
            bytes,
            warnings: input.warnings,
        })
    })
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
    let start = pipeline::timer();
    check(index, cfg)?;
    pipeline::in_pool(cfg, || {
        let indexed = index.documents()?;
        let mut ids = Ids::new(indexed.iter().map(|d| d.id.as_str()));
        let input = input::read(paths, &cfg.input, &mut ids, progress)?;
        let (scan, first) = query::analyze(indexed, &input, cfg, progress, start);
        Ok(query::restrict(&scan, first, &input, start))
    })
}

/// Like [`query`], then appends the new documents to the index as one
/// segment (their ids as reported, made unique).
pub fn add(
    path: &Path,
    paths: &[PathBuf],
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Report> {
    let start = pipeline::timer();
    let _lock = Lock::acquire(path)?;
    let index = Index::open(path)?;
    check(&index, cfg)?;
    pipeline::in_pool(cfg, || {
        let indexed = index.documents()?;
        let mut ids = Ids::new(indexed.iter().map(|d| d.id.as_str()));
        let input = input::read(paths, &cfg.input, &mut ids, progress)?;
        let (scan, first) = query::analyze(indexed, &input, cfg, progress, start);
        let report = query::restrict(&scan, first, &input, start);
        drop(scan);
        if !input.docs.is_empty() {
            let segment = store::docs_segment(path, &input.docs, &cfg.input, store::now())?;
            format::append(path, index.layout(), &segment)?;
        }
        Ok(report)
    })
}

/// Rewrites the index at `path` with all its documents in one segment
/// (blocks are moved, not recompressed).
pub fn compact(path: &Path) -> Result<Written> {
    let _lock = Lock::acquire(path)?;
    let index = Index::open(path)?;
    let segments = [
        store::params_segment(path, index.params())?,
        store::merged_segment(&index)?,
    ];
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
