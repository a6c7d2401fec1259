//! The incremental pipeline: what a scan of the indexed documents plus
//! some new ones would report about the new ones, computed from the
//! archive's stored analysis by looking at only what the new documents
//! touch, and the analysis of the enlarged archive (for `index add`).
//! With an empty archive it is a whole scan, which is how `index build`
//! analyses a corpus.
//!
//! The steps follow the pipeline's stages:
//!
//! 1. boilerplate (`boiler`): the line hashes the new documents carry are
//!    judged again over indexed + new documents; indexed documents that
//!    carry a line whose status flips get a new body and become *dirty*.
//!    New and dirty documents are the *active* ones; every other indexed
//!    document is *clean*: its body is as stored.
//! 2. document level (`groups`): exact-duplicate groups by shingle-set
//!    fingerprint, LSH buckets of group representatives, verification.
//! 3. passage level (`keys`, `passages`): key counts with the new
//!    documents added, candidate pairs, alignment, tail copies; clean
//!    pairs that share a key whose rare/common status flipped, or whose
//!    document-level edge changed, are looked at again.
//! 4. clusters and report (`assemble`): union-find over groups, verified
//!    set pairs and passage joins; the report restricted to the new
//!    documents; the delta to store.
//!
//! Every rule is the pipeline's; the tests compare both on fixtures,
//! random corpora and real data. When a change would need more than
//! lookups (a large LSH bucket whose windows shift, two shingle sets with
//! one fingerprint), the engine returns [`Fallback`] and the caller runs
//! the whole pipeline.
//!
//! Tails without a marker (`Config::trailing_tails`, `pipeline::trailing`)
//! come last (`trail`), from their own stored state (`index::trail`):
//! the analysis does not depend on them, the cuts are applied over it. A
//! query with them looks at every clean pair whose passage-level state
//! may have changed (a cut may depend on any pair). An add with them
//! takes its delta before any cut, then works out every cut host's pairs
//! again and returns the state over all the documents to store; without
//! a stored state, it gives the delta alone and the whole pipeline
//! reports.

mod again;
mod assemble;
mod boiler;
pub(crate) mod docs;
mod groups;
mod keys;
mod passages;
mod trail;

use std::time::Instant;

use ahash::{AHashMap, AHashSet};

use super::analysis::Delta;
use super::archive::Archive;
use super::input::Input;
use super::store::Index;
use crate::boilerplate::{line_set, LineSet, Stats};
use crate::config::Config;
use crate::corpus::Document;
use crate::error::Result;
use crate::lsh;
use crate::pipeline;
use crate::progress::Progress;
use crate::report::Report;
use crate::segment::Markers;
use docs::{segment_all, stats_of, Body, Doc, Docs};

/// Why the engine cannot answer by lookups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fallback(pub &'static str);

/// A passage-level join (`JOIN_*`), or none.
pub(crate) type Join = Option<u8>;

/// What to compute.
#[derive(Clone, Copy)]
pub(crate) struct Job<'a> {
    /// The archive's analysis.
    pub ar: &'a Archive<'a>,
    /// Where its documents are read (`None` for an empty archive).
    pub index: Option<&'a Index>,
    /// The new documents, ids already unique, with what reading them met.
    pub input: &'a Input,
    /// The first document reported on (`ar.n` to report the new ones).
    pub reported: u32,
    /// Whether to make the report.
    pub report: bool,
    /// Whether to make the delta.
    pub delta: bool,
    /// When the run started.
    pub start: Instant,
}

impl<'a> Job<'a> {
    /// The analysis of `input` alone (no archive, no report): what `index
    /// build` and `index compact` store.
    pub fn analyse_all(empty: &'a Archive<'a>, input: &'a Input) -> Self {
        Job {
            ar: empty,
            index: None,
            input,
            reported: input.docs.len() as u32,
            report: false,
            delta: true,
            start: crate::pipeline::timer(),
        }
    }
}

/// What the engine computed.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The report about the reported documents.
    pub report: Option<Report>,
    /// The analysis of the enlarged archive, relative to the archive.
    pub delta: Option<Delta>,
    /// With the delta and a report with tails without a marker: their
    /// state over the enlarged archive.
    pub trail: Option<crate::index::trail::Trail>,
}

/// The state shared by the steps.
pub(crate) struct Eng<'a> {
    /// The configuration (the index's).
    pub cfg: &'a Config,
    /// The archive.
    pub ar: &'a Archive<'a>,
    index: Option<&'a Index>,
    /// Markers and labels.
    pub markers: Markers,
    /// Recurring lines over archive and new documents.
    pub stats: Stats,
    /// The band shape.
    pub shape: lsh::Bands,
    /// Documents read in full.
    pub docs: Docs,
    /// Indexed documents whose bodies change, sorted.
    pub dirty: Vec<u32>,
    dirty_set: AHashSet<u32>,
    /// Dirty then new documents, sorted.
    pub active: Vec<u32>,
    /// The new documents' ids.
    new_ids: Vec<String>,
    /// The first document the report is about.
    pub reported: u32,
    /// Whether every clean pair that may have changed is looked at again
    /// (for the delta), or only those that can change the report.
    pub all_suspects: bool,
    /// Whether every clean pair that may have changed is looked at again
    /// (for the delta, and for tails without a marker, which may depend
    /// on any pair).
    pub every_suspect: bool,
    /// Whether the report has tails without a marker (see `trail`): the
    /// pairs looked at again are kept for them.
    pub trailing: bool,
    /// Tails without a marker cut now, by host (see `trail`).
    pub cuts: AHashMap<u32, crate::pipeline::trailing::Cut>,
    /// Words of the indexed cut hosts' bodies after their cuts.
    pub cut_words: AHashMap<u32, usize>,
}

impl Eng<'_> {
    /// Number of indexed documents.
    pub fn n(&self) -> u32 {
        self.ar.n
    }

    /// Number of indexed and new documents.
    pub fn total(&self) -> u32 {
        self.ar.n + self.new_ids.len() as u32
    }

    /// Whether indexed document `x` has a new body.
    pub fn is_dirty(&self, x: u32) -> bool {
        self.dirty_set.contains(&x)
    }

    /// Whether document `x` is new or dirty.
    pub fn is_active(&self, x: u32) -> bool {
        x >= self.ar.n || self.dirty_set.contains(&x)
    }

    /// Shingle-set fingerprint of `x`'s body now (0: empty).
    pub fn set_now(&self, x: u32) -> u64 {
        if self.is_active(x) {
            self.docs.get(x).body.set
        } else {
            self.set_before(x)
        }
    }

    /// Shingle-set fingerprint of indexed document `x`'s stored body.
    pub fn set_before(&self, x: u32) -> u64 {
        let r = self.ar.record(x);
        if r.shingles == 0 {
            0
        } else {
            r.set
        }
    }

    /// Words of `x`'s body now.
    pub fn words_now(&self, x: u32) -> usize {
        if self.is_active(x) || self.docs.has(x) {
            self.docs.get(x).body.words()
        } else if let Some(&w) = self.cut_words.get(&x) {
            w
        } else {
            self.ar.record(x).words as usize
        }
    }

    /// Shingles of `x`'s body now.
    pub fn shingles_now(&self, x: u32) -> usize {
        if self.is_active(x) || self.docs.has(x) {
            self.docs.get(x).body.shingles.len()
        } else {
            self.ar.record(x).shingles as usize
        }
    }

    /// The id of `x`.
    pub fn id(&self, x: u32) -> &str {
        if x >= self.ar.n {
            &self.new_ids[(x - self.ar.n) as usize]
        } else {
            self.ar.id(x)
        }
    }

    /// Reads the indexed documents `want` that are not read yet.
    pub fn read(&mut self, want: impl IntoIterator<Item = u32>) -> Result<()> {
        let (ar, index) = (self.ar, self.index);
        let want: Vec<u32> = want.into_iter().filter(|&x| x < ar.n).collect();
        self.docs.read(
            want,
            |ids| match index {
                Some(ix) => ar.fetch(ix, ids),
                None => Ok(Vec::new()),
            },
            &self.markers,
            &self.stats,
            self.cfg,
        )?;
        self.cut_read()
    }

    /// Gives the read cut hosts their cut bodies (an error when a stored
    /// cut does not fit its document: a damaged index).
    fn cut_read(&mut self) -> Result<()> {
        let mut todo: Vec<u32> = self
            .cuts
            .keys()
            .copied()
            .filter(|&h| self.docs.has(h) && self.docs.get(h).body.tail.is_none())
            .collect();
        todo.sort_unstable();
        for h in todo {
            let d = self.docs.take(h);
            if self.cuts[&h].line >= d.seg.lines.len() {
                return Err(crate::Error::Index {
                    path: self
                        .index
                        .map(|ix| ix.path().to_path_buf())
                        .unwrap_or_default(),
                    message: format!(
                        "corrupt tails segment: no line {} in document {h}",
                        self.cuts[&h].line
                    ),
                });
            }
            let body = docs::Body::with(
                &d.document.text,
                &d.seg,
                d.body.marks.clone(),
                Some(trail::tail_of(&self.cuts[&h])),
                self.cfg,
            );
            self.docs.insert(h, Doc { body, ..d });
        }
        Ok(())
    }
}

/// Runs the engine: `Ok(Err(_))` when only the whole pipeline can tell.
pub(crate) fn run(
    job: &Job,
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<std::result::Result<Outcome, Fallback>> {
    // Without their stored state (`trail`), tails without a marker
    // (whose cuts depend on the whole corpus) need the pipeline for the
    // report. The analysis itself (`delta`) does not depend on them: an
    // add computes it without a report.
    let stateless = job.report && cfg.passages && cfg.trailing_tails && job.ar.trail.is_none();
    if stateless && !job.delta {
        return Ok(Err(Fallback("tails without a marker")));
    }
    let job = &Job {
        report: job.report && !stateless,
        ..*job
    };
    let tails = job.report && cfg.passages && cfg.trailing_tails;
    let ar = job.ar;
    let n = ar.n;
    let markers = Markers::new(cfg);
    progress.start("segmenting", None);
    let new_docs: &[Document] = &job.input.docs;
    let segs = segment_all(new_docs, &markers);
    let lines: Vec<LineSet> = segs
        .iter()
        .map(|s| line_set(s, cfg.boilerplate_sketch))
        .collect();
    progress.finish();
    progress.start("boilerplate", None);
    let flips = boiler::flips(ar, &lines, cfg);
    let mut recurring = ar.recurring.clone();
    for h in &flips {
        if !recurring.remove(h) {
            recurring.insert(*h);
        }
    }
    let mut e = Eng {
        cfg,
        ar,
        index: job.index,
        markers,
        stats: Stats { recurring },
        shape: pipeline::band_shape(cfg),
        docs: Docs::default(),
        dirty: Vec::new(),
        dirty_set: AHashSet::new(),
        active: Vec::new(),
        new_ids: new_docs.iter().map(|d| d.id.clone()).collect(),
        reported: job.reported,
        all_suspects: job.delta,
        every_suspect: job.delta || tails,
        trailing: tails,
        cuts: AHashMap::new(),
        cut_words: AHashMap::new(),
    };
    find_dirty(&mut e, &flips)?;
    progress.finish();
    progress.start("signatures", None);
    let bodies: Vec<Body> = {
        use rayon::prelude::*;
        new_docs
            .par_iter()
            .zip(&segs)
            .map(|(d, s)| Body::new(&d.text, s, &e.stats, cfg))
            .collect()
    };
    for (i, ((doc, seg), (body, lines))) in new_docs
        .iter()
        .zip(segs)
        .zip(bodies.into_iter().zip(lines))
        .enumerate()
    {
        e.docs.insert(
            n + i as u32,
            Doc {
                document: doc.clone(),
                seg,
                lines,
                body,
                old: None,
            },
        );
    }
    e.active = e.dirty.clone();
    e.active.extend(n..n + new_docs.len() as u32);
    progress.finish();
    progress.start("document level", None);
    let lv = match groups::run(&mut e)? {
        Ok(lv) => lv,
        Err(f) => return Ok(Err(f)),
    };
    progress.finish();
    let found = if cfg.passages {
        progress.start("passage level", None);
        let f = passages::run(&mut e, &lv)?;
        progress.finish();
        f
    } else {
        passages::Found::default()
    };
    progress.start("report", None);
    let out = assemble::run(&mut e, job, &flips, &lv, &found)?;
    progress.finish();
    Ok(out)
}

/// Reads the indexed documents carrying a line whose status flipped and
/// keeps as dirty those whose bodies change.
fn find_dirty(e: &mut Eng, flips: &[u64]) -> Result<()> {
    let mut want: Vec<u32> = flips
        .iter()
        .flat_map(|&h| e.ar.line_holders(h).into_iter().map(|x| x.0))
        .collect();
    want.sort_unstable();
    want.dedup();
    if want.is_empty() {
        return Ok(());
    }
    let before = stats_of(&e.ar.recurring);
    e.read(want.iter().copied())?;
    for &x in &want {
        let d = e.docs.get(x);
        let old = Body::new(&d.document.text, &d.seg, &before, e.cfg);
        if !old.same_as(&d.body) {
            e.dirty.push(x);
            e.dirty_set.insert(x);
            let d = e.docs.take(x);
            e.docs.insert(
                x,
                Doc {
                    old: Some(old),
                    ..d
                },
            );
        }
    }
    Ok(())
}
