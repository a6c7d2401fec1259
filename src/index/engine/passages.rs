//! The passage level over the indexed and the new documents, by the rules
//! of `pipeline::passage_edges`: candidate pairs from shared rare anchors
//! and words, aligned unless the document level relates them; tails that
//! copy a body or share another tail's anchors.
//!
//! Pairs with an active document are found from the key counts. Pairs of
//! clean indexed documents are looked at again (`again`) only where
//! something they depend on changed; the archive's candidates, joins and
//! tail copies hold for the rest.

use ahash::AHashSet;
use rayon::prelude::*;

use super::again;
use super::groups::Level;
use super::keys::{self, Counted, Which};
use super::{Eng, Join};
use crate::index::analysis::{JOIN_DUPLICATE, JOIN_STORY};
use crate::normalize::token_end;
use crate::passage::Prepared;
use crate::pipeline::{Edge, Passage};
use crate::shingle::intersection;
use crate::verify::{self, Relation};

/// What the passage level found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Body pairs that are candidates now and have an active document,
    /// with whether their bodies' scores reach a document-level relation.
    pub cands: Vec<(u32, u32, bool)>,
    /// Aligned and tail-copy edges with an active document.
    pub edges: Vec<Edge>,
    /// Tail copies `(host, other, share)` with an active document.
    pub links: Vec<(u32, u32, f64)>,
    /// Clean pairs whose candidacy changed: (pair, `Some(classifies)` when
    /// a candidate now).
    pub cands_changed: Vec<((u32, u32), Option<bool>)>,
    /// Clean pairs whose passage-level join may have changed: (pair, join
    /// now).
    pub joins_changed: Vec<((u32, u32), Join)>,
    /// Clean tail copies that changed: ((host, other), share now).
    pub links_changed: Vec<((u32, u32), Option<f64>)>,
    /// Clean body pairs looked at again, `a < b`.
    pub looked: Vec<(u32, u32)>,
    /// Their alignments that found passages.
    pub realigned: Vec<Edge>,
    /// Clean (host, other) tail pairs looked at again, with the share
    /// now.
    pub looked_links: Vec<((u32, u32), Option<f64>)>,
    /// The anchor and rare-word counts, kept for a query with tails
    /// without a marker.
    pub counted: Option<(Counted, Counted)>,
    /// Common anchor keys (all of them for an empty archive, else those
    /// whose status flipped), sorted.
    pub common_anchors: Vec<u64>,
    /// The same for rare-word keys.
    pub common_words: Vec<u64>,
}

/// Runs the passage level.
pub(crate) fn run(e: &mut Eng, lv: &Level) -> Result<Found, crate::Error> {
    let anchors = keys::count(e, Which::Anchors);
    let words = keys::count(e, Which::Words);
    let pc = &e.cfg.passage;
    let mut cands: Vec<(u32, u32)> = Vec::new();
    let mut tail_pairs: Vec<(u32, u32)> = Vec::new();
    for &(i, j, k) in &anchors.pairs {
        if (k as usize) < pc.min_shared_anchors {
            continue;
        }
        if i & 1 == 0 && j & 1 == 0 {
            cands.push((i >> 1, j >> 1));
        } else {
            tail_pairs.push((i, j));
        }
    }
    let mut word_cands: Vec<(u32, u32)> = Vec::new();
    for &(i, j, k) in &words.pairs {
        if k as usize >= pc.min_shared_words {
            word_cands.push((i >> 1, j >> 1));
        }
    }
    word_cands.sort_unstable();
    cands.extend(word_cands.iter().copied());
    cands.sort_unstable();
    cands.dedup();
    // Pairs with an active document.
    let mut need: Vec<u32> = cands.iter().flat_map(|&(a, b)| [a, b]).collect();
    need.extend(tail_pairs.iter().flat_map(|&(i, j)| [i >> 1, j >> 1]));
    e.read(need)?;
    let mut out = Found::default();
    {
        let e = &*e;
        let align: Vec<(u32, u32, bool)> = cands
            .iter()
            .copied()
            .filter(|&(x, y)| !known(e, lv, x, y))
            .map(|(x, y)| (x, y, word_cands.binary_search(&(x, y)).is_ok()))
            .collect();
        out.edges = align_all(e, &anchors, &align);
        tails(e, &tail_pairs, &mut out);
        // Whether bodies classify matters to the stored candidates only.
        out.cands = cands
            .par_iter()
            .map(|&(x, y)| (x, y, e.all_suspects && classifies(e, x, y)))
            .collect();
    }
    again::run(e, lv, &anchors, &words, &mut out)?;
    // Only moved indexed hosts need them (see `trail`).
    let keep = e.trailing && e.n() > 0;
    for (to, c) in [
        (&mut out.common_anchors, &anchors),
        (&mut out.common_words, &words),
    ] {
        *to = if e.n() == 0 {
            c.common.iter().copied().collect()
        } else {
            c.flips.clone()
        };
        to.sort_unstable();
    }
    if keep {
        // Tails without a marker may align more pairs (see `trail`).
        out.counted = Some((anchors, words));
    }
    Ok(out)
}

/// Whether documents `x < y` have a document-level edge now.
pub(super) fn known(e: &Eng, lv: &Level, x: u32, y: u32) -> bool {
    if e.is_active(x) || e.is_active(y) {
        lv.edges
            .binary_search_by_key(&(x, y), |t| (t.0, t.1))
            .is_ok()
    } else {
        lv.edge(e, x, y).is_some()
    }
}

/// Whether the bodies of `x` and `y` (read) have scores that reach a
/// document-level relation.
pub(super) fn classifies(e: &Eng, x: u32, y: u32) -> bool {
    let s = verify::score(&e.docs.get(x).body.shingles, &e.docs.get(y).body.shingles);
    verify::classify(s, e.cfg).is_some()
}

/// The share of `host`'s tail anchors found in `other`'s body, when it is
/// a tail copy.
pub(super) fn copy_share(e: &Eng, host: u32, other: u32) -> Option<f64> {
    if host == other {
        return None;
    }
    let t = &e.docs.get(host).body.tail_anchors;
    let anchors = e.docs.get(other).body.anchors(e.cfg);
    let share = intersection(t, &anchors) as f64 / t.len().max(1) as f64;
    (share >= e.cfg.passage.tail_min_containment).then_some(share)
}

/// The join an aligned edge makes.
pub(crate) fn join_of(e: &Eng, edge: &Edge) -> Join {
    if edge.relation.joins_duplicates() {
        return Some(JOIN_DUPLICATE);
    }
    let cover = |words: u32, doc: u32| f64::from(words) / e.words_now(doc).max(1) as f64;
    let wa: u32 = edge.passages.iter().map(|p| p.words).sum();
    let wb: u32 = edge.passages.iter().map(|p| p.words_b).sum();
    let min = e.cfg.story_min_coverage;
    (edge.relation == Relation::SharedPassages
        && cover(wa, edge.a) >= min
        && cover(wb, edge.b) >= min)
        .then_some(JOIN_STORY)
}

/// Aligns pairs `(a, b, bags)`, `a < b`, sorted, with bags of words when
/// `bags` (see [`Prepared::align_with`]): each first document prepared
/// once, its common anchors found once.
pub(super) fn align_all(e: &Eng, anchors: &Counted, pairs: &[(u32, u32, bool)]) -> Vec<Edge> {
    let pc = &e.cfg.passage;
    let groups: Vec<&[(u32, u32, bool)]> = pairs.chunk_by(|x, y| x.0 == y.0).collect();
    groups
        .par_iter()
        .flat_map_iter(|group| {
            let a = group[0].0;
            let da = e.docs.get(a);
            // Only anchors shared with a partner can be seeds.
            let partners: AHashSet<u64> = group
                .iter()
                .flat_map(|&(_, b, _)| e.docs.get(b).body.akeys.iter().copied())
                .collect();
            let common: AHashSet<u64> = da
                .body
                .akeys
                .iter()
                .copied()
                .filter(|k| partners.contains(k))
                .filter(|&k| keys::is_common(e, anchors, Which::Anchors, k))
                .collect();
            let prepared = Prepared::new(&da.body.tokens, pc.anchor_words);
            let mut out = Vec::new();
            for &(_, b, bags) in *group {
                let db = e.docs.get(b);
                let found = prepared.align_with(&db.body.tokens, &common, bags, pc);
                if found.is_empty() {
                    continue;
                }
                let s = verify::score(&da.body.shingles, &db.body.shingles);
                let span = |d: &super::docs::Doc, r: [u32; 2]| {
                    let pos = &d.body.positions;
                    let first = d.seg.starts[pos[r[0] as usize] as usize];
                    let last = d.seg.starts[pos[r[1] as usize - 1] as usize];
                    [first, token_end(&d.document.text, last as usize) as u32]
                };
                let passages = found
                    .iter()
                    .map(|m| Passage {
                        a: span(da, m.a),
                        b: span(db, m.b),
                        words: m.a[1] - m.a[0],
                        words_b: m.b[1] - m.b[0],
                    })
                    .collect();
                out.push(Edge {
                    a,
                    b,
                    relation: verify::classify(s, e.cfg).unwrap_or(Relation::SharedPassages),
                    jaccard: s.jaccard,
                    containment: s.containment,
                    passages,
                });
            }
            out
        })
        .collect()
}

/// A tail copy `(host, other, share)` of a body, and its edge.
type TailFound = (Option<(u32, u32, f64)>, Option<Edge>);

/// Tail copies among candidate tail pairs (items `i < j`).
fn tails(e: &Eng, pairs: &[(u32, u32)], out: &mut Found) {
    let found: Vec<TailFound> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let (x, y) = (i >> 1, j >> 1);
            let (host, other, share) = if i & 1 == 1 && j & 1 == 1 {
                let (tx, ty) = (
                    &e.docs.get(x).body.tail_anchors,
                    &e.docs.get(y).body.tail_anchors,
                );
                let smaller = tx.len().min(ty.len()).max(1);
                (y, x, intersection(ty, tx) as f64 / smaller as f64)
            } else {
                let (host, other) = if i & 1 == 1 { (x, y) } else { (y, x) };
                let Some(share) = copy_share(e, host, other) else {
                    return (None, None);
                };
                (host, other, share)
            };
            if host == other || share < e.cfg.passage.tail_min_containment {
                return (None, None);
            }
            let s = verify::score(
                &e.docs.get(host).body.shingles,
                &e.docs.get(other).body.shingles,
            );
            let edge = Edge::tail_copy(host, other, s);
            let link = (i & 1 != j & 1).then_some((host, other, share));
            (link, Some(edge))
        })
        .collect();
    for (link, edge) in found {
        out.links.extend(link);
        out.edges.extend(edge);
    }
}
