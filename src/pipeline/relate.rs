//! Document-level relations: LSH candidates among exact-duplicate group
//! representatives, verified exactly, then expanded to group members.

use std::borrow::Cow;

use rayon::prelude::*;

use super::by_doc::ByDoc;
use super::Body;
use crate::config::Config;
use crate::lsh;
use crate::progress::Progress;
use crate::verify::{self, Relation};

/// A shared passage between two documents, as byte spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    /// Span in the first document of the edge.
    pub a: [u32; 2],
    /// Span in the second document of the edge.
    pub b: [u32; 2],
    /// Words in the first document's span.
    pub words: u32,
    /// Words in the second document's span.
    pub words_b: u32,
}

/// A verified relation between documents `a < b` (indices).
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// First document.
    pub a: u32,
    /// Second document.
    pub b: u32,
    /// The strongest relation.
    pub relation: Relation,
    /// Exact body Jaccard.
    pub jaccard: f64,
    /// Exact containment of the smaller body.
    pub containment: f64,
    /// Shared passages, for the passage level.
    pub passages: Vec<Passage>,
}

impl Edge {
    /// The `tail_copy` edge of a tail's `host` and the document `other`
    /// whose body (or tail) it copies, with their bodies' `score`.
    pub fn tail_copy(host: u32, other: u32, score: verify::Scores) -> Edge {
        Edge {
            a: host.min(other),
            b: host.max(other),
            relation: Relation::TailCopy,
            jaccard: score.jaccard,
            containment: score.containment,
            passages: Vec::new(),
        }
    }
}

/// Groups larger than this list only their members' pairs with the
/// representative, not all pairs among themselves.
const FULL_GROUP: usize = 64;
/// Cross-group edges are expanded to all member pairs up to this many.
const FULL_EXPANSION: usize = 4096;
/// Candidate pairs verified in one batch.
const VERIFY_BATCH: usize = 16_384;

/// Finds every document-level relation.
pub fn document_edges(
    bodies: &[Body],
    groups: &[Vec<u32>],
    cfg: &Config,
    progress: &dyn Progress,
) -> Vec<Edge> {
    document_edges_with(bodies, groups, cfg, progress, &|i| {
        Cow::Borrowed(&bodies[i as usize].shingles)
    })
}

/// [`document_edges`] with shingle sets from `shingles`; band keys come
/// from the bodies.
pub fn document_edges_with<'a>(
    bodies: &[Body],
    groups: &[Vec<u32>],
    cfg: &Config,
    progress: &dyn Progress,
    shingles: &(dyn Fn(u32) -> Cow<'a, [u64]> + Sync),
) -> Vec<Edge> {
    let shape = band_shape(cfg);
    let reps: Vec<u32> = groups.iter().map(|g| g[0]).collect();
    progress.start("candidates", None);
    let key = |d: u32, band: usize| bodies[d as usize].bands[band];
    let cands = lsh::candidates_with(&reps, shape, cfg.max_bucket, cfg.large_bucket_window, &key);
    progress.finish();
    progress.start("verifying", Some(cands.len() as u64));
    // Candidates come sorted, by batches: the shingle sets of a batch's
    // documents are made once (a spilled corpus makes them again from its
    // records, and a document is in several pairs of its cluster), then
    // its pairs are scored.
    let mut verified: Vec<(u32, u32, Relation, verify::Scores)> = Vec::new();
    for batch in cands.chunks(VERIFY_BATCH) {
        let sets = ByDoc::new(batch.iter().flat_map(|&(a, b)| [a, b]).collect(), shingles);
        verified.par_extend(batch.par_iter().filter_map(|&(a, b)| {
            let s = verify::score(sets.get(a), sets.get(b));
            verify::classify(s, cfg).map(|r| (a, b, r, s))
        }));
    }
    progress.advance(cands.len() as u64);
    progress.finish();
    let mut group_of = vec![u32::MAX; bodies.len()];
    for (gi, g) in groups.iter().enumerate() {
        for &m in g {
            group_of[m as usize] = gi as u32;
        }
    }
    let mut edges = Vec::new();
    for g in groups.iter().filter(|g| g.len() > 1) {
        for (i, &x) in g.iter().enumerate() {
            let partners: &[u32] = if g.len() <= FULL_GROUP {
                &g[i + 1..]
            } else if i == 0 {
                &g[1..]
            } else {
                &[]
            };
            for &y in partners {
                edges.push(edge(x, y, Relation::Duplicate, 1.0, 1.0));
            }
        }
    }
    for (a, b, rel, s) in verified {
        let ga = &groups[group_of[a as usize] as usize];
        let gb = &groups[group_of[b as usize] as usize];
        if ga.len() * gb.len() <= FULL_EXPANSION {
            for &x in ga {
                for &y in gb {
                    edges.push(edge(x, y, rel, s.jaccard, s.containment));
                }
            }
        } else {
            edges.push(edge(a, b, rel, s.jaccard, s.containment));
        }
    }
    edges.par_sort_unstable_by_key(|e| (e.a, e.b));
    edges
}

fn edge(x: u32, y: u32, relation: Relation, jaccard: f64, containment: f64) -> Edge {
    Edge {
        a: x.min(y),
        b: x.max(y),
        relation,
        jaccard,
        containment,
        passages: Vec::new(),
    }
}

/// The band shape of a run. Choosing one is a numeric search (tens of
/// milliseconds): the last choice is remembered, since bodies are signed
/// one at a time.
pub fn band_shape(cfg: &Config) -> lsh::Bands {
    type Chosen = Option<((u64, usize), lsh::Bands)>;
    static LAST: std::sync::Mutex<Chosen> = std::sync::Mutex::new(None);
    if let (Some(bands), Some(rows)) = (cfg.bands, cfg.rows) {
        return lsh::Bands { bands, rows };
    }
    let key = (cfg.threshold.to_bits(), cfg.permutations);
    if let Ok(last) = LAST.lock() {
        if let Some((k, shape)) = *last {
            if k == key {
                return shape;
            }
        }
    }
    let shape = lsh::choose(cfg.threshold, cfg.permutations);
    if let Ok(mut last) = LAST.lock() {
        *last = Some((key, shape));
    }
    shape
}
