//! The fast path of a streaming query: the relations of one new document
//! `d` to the indexed documents, exactly as a scan of the indexed
//! documents plus `d` would report them, computed from the structures of
//! [`State`] by looking up only what `d` touches.
//!
//! Why this is exact: a scan of indexed + `d` differs from one of the
//! indexed documents alone only through `d`. `d` comes last, so it is
//! last in every sorted run, bucket and group it joins. Boilerplate
//! statistics change only for line hashes `d` carries; when one of them
//! changes status and indexed documents carry it, their bodies change:
//! those *dirty* documents (at most [`MAX_DIRTY`], else the fast
//! path gives up and returns `None`) get new bodies, groups,
//! representatives and bucket entries in a [`View`], and their old
//! anchors and words are replaced by their new ones in every count. Every
//! other indexed body is unchanged, and `d`'s pairs follow from `d`'s own
//! body with each stage's rule applied to the runs `d` joins: exact-group
//! membership and its size limits, LSH buckets with `d` appended
//! (windowed when too large), anchor and rare-word counts with `d` added,
//! anchors made common, tail copies both ways, and the strongest relation
//! per pair.

use std::collections::BTreeMap;

use ahash::{AHashMap, AHashSet};

use super::fast_passages;
use super::state::{band_key, line_set, State, FULL_EXPANSION, FULL_GROUP, MAX_DIRTY};
use super::stream::Match;
use super::view::{Dirty, View};
use crate::boilerplate::{self, Stats};
use crate::minhash;
use crate::pipeline::body_positions;
use crate::segment::Segmented;
use crate::shingle::shingles;
use crate::tails;
use crate::verify::{self, Relation, Scores};

/// One relation of `d` to indexed document `x`, before the strongest is
/// kept.
pub(crate) type Found = (u32, Relation, f64, f64);

use crate::boilerplate::{related, LineSet};

/// Whether line `hash` is recurring boilerplate among the documents of
/// `run` (document, words), sorted by document, whose line sets `set`
/// gives.
fn recurring<'a>(
    state: &State,
    hash: u64,
    run: &[(u32, u32)],
    set: &dyn Fn(u32) -> &'a LineSet,
) -> bool {
    crate::boilerplate::is_recurring(run[0].1 as usize, run.len(), &state.cfg, |i, j| {
        related(set(run[i].0), set(run[j].0), hash)
    })
}

/// How `d` changes the boilerplate statistics: the recurring lines of
/// `d`, and the line hashes of indexed documents whose status `d` changes
/// (with their new status).
fn boilerplate_changes(state: &State, doc: &LineSet) -> (AHashSet<u64>, AHashMap<u64, bool>) {
    let n = state.corpus.docs.len() as u32;
    let set = |i: u32| -> &LineSet {
        if i == n {
            doc
        } else {
            &state.line_sets[i as usize]
        }
    };
    let mut recurring_d = AHashSet::new();
    let mut flips = AHashMap::new();
    for &(h, w) in &doc.lines {
        let lo = state.lines.partition_point(|x| x.0 < h);
        let hi = lo + state.lines[lo..].partition_point(|x| x.0 == h);
        if lo == hi {
            continue;
        }
        let mut run: Vec<(u32, u32)> = state.lines[lo..hi].iter().map(|x| (x.1, x.2)).collect();
        run.push((n, w));
        let now = recurring(state, h, &run, &set);
        if now != state.stats.recurring.contains(&h) {
            flips.insert(h, now);
        }
        if now {
            recurring_d.insert(h);
        }
    }
    (recurring_d, flips)
}

/// The body of a document segmented as `seg` under recurring lines
/// `recurring`.
fn body_of(seg: &Segmented, recurring: AHashSet<u64>, shingle_words: usize) -> Dirty {
    let mut marks = boilerplate::mark(seg, &Stats { recurring });
    let tail = tails::find(seg, &mut marks);
    let positions = body_positions(seg, &marks, tail.as_ref());
    let tokens: Vec<u64> = positions.iter().map(|&p| seg.tokens[p as usize]).collect();
    Dirty {
        shingles: shingles(&tokens, shingle_words),
        tokens,
        tail: tail.map(|t| seg.tokens[seg.lines[t.line].tok_start as usize..].to_vec()),
    }
}

/// The new bodies of the indexed documents carrying a line whose status
/// `flips`, or `None` when there are too many of them.
fn dirty_docs(state: &State, flips: &AHashMap<u64, bool>) -> Option<BTreeMap<u32, Dirty>> {
    let mut docs: BTreeMap<u32, Dirty> = BTreeMap::new();
    let mut hashes: Vec<u64> = flips.keys().copied().collect();
    hashes.sort_unstable();
    let mut ids: Vec<u32> = Vec::new();
    for h in hashes {
        let lo = state.lines.partition_point(|x| x.0 < h);
        ids.extend(
            state.lines[lo..]
                .iter()
                .take_while(|x| x.0 == h)
                .map(|x| x.1),
        );
    }
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_DIRTY {
        return None;
    }
    for x in ids {
        let recurring = state.line_sets[x as usize]
            .lines
            .iter()
            .map(|&(h, _)| h)
            .filter(|h| {
                flips
                    .get(h)
                    .copied()
                    .unwrap_or_else(|| state.stats.recurring.contains(h))
            })
            .collect();
        let d = &state.corpus.docs[x as usize];
        docs.insert(x, body_of(&d.seg, recurring, state.cfg.shingle_words));
    }
    Some(docs)
}

/// The relations of a document segmented as `seg` to the indexed
/// documents, by indexed document, or `None` when only the slow path can
/// tell.
pub(crate) fn relate(state: &State, seg: &Segmented) -> Option<Vec<Found>> {
    if state.cfg.passages && state.cfg.trailing_tails {
        // Tails without a marker depend on the whole corpus.
        return None;
    }
    let (recurring, flips) =
        boilerplate_changes(state, &line_set(seg, state.cfg.boilerplate_sketch));
    let view = View::new(state, dirty_docs(state, &flips)?);
    let body = body_of(seg, recurring, state.cfg.shingle_words);
    let mut found = document_edges(&view, &body.shingles);
    if state.cfg.passages {
        let known: AHashSet<u32> = found.iter().map(|f| f.0).collect();
        found.extend(fast_passages::edges(&view, &body, &known));
    }
    // The strongest relation per pair, as `combine` keeps it.
    found.sort_by_key(|f| (f.0, f.1));
    found.dedup_by_key(|f| f.0);
    Some(found)
}

pub(crate) fn found(x: u32, r: Relation, s: Scores) -> Found {
    (x, r, s.jaccard, s.containment)
}

/// Document-level relations: `d`'s exact-duplicate group, or LSH
/// candidates when `d` represents its own group, each verified and
/// expanded to group members.
fn document_edges(v: &View, sh: &[u64]) -> Vec<Found> {
    let s = v.s;
    let mut out = Vec::new();
    if sh.is_empty() {
        return out;
    }
    let verified = |x: u32| {
        let score = verify::score(&v.shingles(x), sh);
        verify::classify(score, &s.cfg).map(|r| (r, score))
    };
    if let Some(g) = v.group_of_set(sh) {
        let same = Scores {
            jaccard: 1.0,
            containment: 1.0,
            smaller: sh.len(),
        };
        let members = if g.len() < FULL_GROUP { g } else { &g[..1] };
        out.extend(members.iter().map(|&x| found(x, Relation::Duplicate, same)));
        for other in v.lsh_partners(g[0]) {
            let Some((rel, score)) = verified(other) else {
                continue;
            };
            let gb = v.group(other);
            if (g.len() + 1) * gb.len() <= FULL_EXPANSION {
                out.extend(gb.iter().map(|&y| found(y, rel, score)));
            }
        }
        return out;
    }
    let shape = s.shape;
    let sig = minhash::signature(sh, s.cfg.permutations);
    let mut cands: Vec<u32> = Vec::new();
    for b in 0..shape.bands {
        let bucket = v.bucket(b as u32, band_key(&sig, shape, b));
        let len = bucket.len();
        let w = if len + 1 > s.cfg.max_bucket {
            s.cfg.large_bucket_window
        } else {
            len + 1
        };
        cands.extend_from_slice(&bucket[len.saturating_sub(w)..]);
    }
    cands.sort_unstable();
    cands.dedup();
    for x in cands {
        if let Some((rel, score)) = verified(x) {
            let gx = v.group(x);
            if gx.len() <= FULL_EXPANSION {
                out.extend(gx.iter().map(|&y| found(y, rel, score)));
            } else {
                out.push(found(x, rel, score));
            }
        }
    }
    out
}
/// The matches of `relate` as reported: ids, rounded scores, sorted by id.
pub(crate) fn matches(state: &State, found: Vec<Found>) -> Vec<Match> {
    let round4 = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let mut out: Vec<Match> = found
        .into_iter()
        .map(|(x, relation, j, c)| Match {
            id: state.corpus.docs[x as usize].doc.id.clone(),
            relation,
            jaccard: round4(j),
            containment: round4(c),
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
