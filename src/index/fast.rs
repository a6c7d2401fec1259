//! The fast path of a streaming query: the relations of one new document
//! `d` to the indexed documents, exactly as a scan of the indexed
//! documents plus `d` would report them, computed from the structures of
//! [`State`] by looking up only what `d` touches.
//!
//! Why this is exact: a scan of indexed + `d` differs from one of the
//! indexed documents alone only through `d`. `d` comes last, so it is
//! last in every sorted run, bucket and group it joins. Boilerplate
//! statistics change only for line hashes `d` carries; when one of them
//! changes status *and* an indexed document carries it, the indexed bodies
//! change too, and the fast path gives up (returns `None`) for the slow
//! one. Otherwise every indexed body, group, representative, signature
//! and verified pair is unchanged, and `d`'s pairs follow from `d`'s own
//! body with each stage's rule applied to the runs `d` joins: exact-group
//! membership and its size limits, LSH buckets with `d` appended
//! (windowed when too large), anchor and rare-word counts with `d` added,
//! anchors made common by `d`, tail copies both ways, and the strongest
//! relation per pair.

use ahash::{AHashMap, AHashSet};

use super::state::{
    keys40, line_set, Postings, State, FULL_EXPANSION, FULL_GROUP, ITEM_MASK, SAMPLE,
};
use super::stream::Match;
use crate::boilerplate::{self, Stats};
use crate::hash;
use crate::minhash;
use crate::passage::{align, grams, set};
use crate::pipeline::body_positions;
use crate::segment::Segmented;
use crate::shingle::{intersection, shingles};
use crate::tails;
use crate::verify::{self, Relation, Scores};

/// One relation of `d` to indexed document `x`, before the strongest is
/// kept.
type Found = (u32, Relation, f64, f64);

/// Are two line sets related once the line `skip` is set aside (as
/// `boilerplate::learn` judges it)?
fn related(a: &[(u64, u32)], b: &[(u64, u32)], skip: u64) -> bool {
    let total = |s: &[(u64, u32)]| {
        s.iter()
            .filter(|x| x.0 != skip)
            .map(|x| u64::from(x.1))
            .sum::<u64>()
    };
    let denom = total(a).min(total(b));
    if denom == 0 {
        return true;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0u64);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if a[i].0 != skip {
                    shared += u64::from(a[i].1);
                }
                i += 1;
                j += 1;
            }
        }
    }
    shared * 2 >= denom
}

/// Whether line `hash` is recurring boilerplate among the documents of
/// `run` (document, words), sorted by document, whose line sets `set`
/// gives.
fn recurring<'a>(
    state: &State,
    hash: u64,
    run: &[(u32, u32)],
    set: &dyn Fn(u32) -> &'a [(u64, u32)],
) -> bool {
    let cfg = &state.cfg;
    if run.len() < 2 {
        return false;
    }
    let words = run[0].1 as usize;
    let need = if words <= cfg.short_line_words {
        2
    } else {
        cfg.boilerplate_min_docs.max(words.div_ceil(4))
    };
    if run.len() < need {
        return false;
    }
    let n = run.len().min(SAMPLE);
    let picks: Vec<usize> = (0..n)
        .map(|i| i * (run.len() - 1) / (n - 1).max(1))
        .collect();
    let rel = picks
        .windows(2)
        .filter(|w| related(set(run[w[0]].0), set(run[w[1]].0), hash))
        .count();
    rel * 2 < picks.len() - 1
}

/// The recurring lines of `d`, or `None` when adding `d` changes whether
/// a line of an indexed document is recurring.
fn recurring_lines(state: &State, lines: &[(u64, u32)]) -> Option<AHashSet<u64>> {
    let n = state.corpus.docs.len() as u32;
    let set = |i: u32| -> &[(u64, u32)] {
        if i == n {
            lines
        } else {
            &state.line_sets[i as usize]
        }
    };
    let mut out = AHashSet::new();
    for &(h, w) in lines {
        let lo = state.lines.partition_point(|x| x.0 < h);
        let hi = lo + state.lines[lo..].partition_point(|x| x.0 == h);
        if lo == hi {
            continue;
        }
        let mut run: Vec<(u32, u32)> = state.lines[lo..hi].iter().map(|x| (x.1, x.2)).collect();
        run.push((n, w));
        let now = recurring(state, h, &run, &set);
        if now != state.stats.recurring.contains(&h) {
            return None;
        }
        if now {
            out.insert(h);
        }
    }
    Some(out)
}

/// `d`'s body as the pipeline computes it.
struct NewBody {
    tokens: Vec<u64>,
    shingles: Vec<u64>,
    tail_start: Option<u32>,
}

/// The relations of `d` (segmented as `seg`) to the indexed documents, by
/// indexed document, or `None` when only the slow path can tell.
pub(crate) fn relate(state: &State, seg: &Segmented) -> Option<Vec<Found>> {
    let recurring = recurring_lines(state, &line_set(seg))?;
    let mut marks = boilerplate::mark(seg, &Stats { recurring });
    let tail = tails::find(seg, &mut marks);
    let positions = body_positions(seg, &marks, tail.as_ref());
    let tokens: Vec<u64> = positions.iter().map(|&p| seg.tokens[p as usize]).collect();
    let body = NewBody {
        shingles: shingles(&tokens, state.cfg.shingle_words),
        tokens,
        tail_start: tail.map(|t| seg.lines[t.line].tok_start),
    };
    let mut found = document_edges(state, &body);
    if state.cfg.passages {
        let known: AHashSet<u32> = found.iter().map(|f| f.0).collect();
        found.extend(passage_edges(state, seg, &body, &known));
    }
    // The strongest relation per pair, as `combine` keeps it.
    found.sort_by_key(|f| (f.0, f.1));
    found.dedup_by_key(|f| f.0);
    Some(found)
}

fn found(x: u32, r: Relation, s: Scores) -> Found {
    (x, r, s.jaccard, s.containment)
}

/// Document-level relations: `d`'s exact-duplicate group, or LSH
/// candidates when `d` represents its own group, each verified and
/// expanded to group members.
fn document_edges(state: &State, body: &NewBody) -> Vec<Found> {
    let sh = &body.shingles;
    let mut out = Vec::new();
    if sh.is_empty() {
        return out;
    }
    let key = (hash::seq(sh, hash::SET_SEED), sh.len() as u32);
    let lo = state.group_keys.partition_point(|g| (g.0, g.1) < key);
    let joined = state.group_keys[lo..]
        .iter()
        .take_while(|g| (g.0, g.1) == key)
        .map(|g| g.2 as usize)
        .find(|&gi| state.shingles(state.groups[gi][0]) == *sh);
    let same = Scores {
        jaccard: 1.0,
        containment: 1.0,
        smaller: sh.len(),
    };
    if let Some(gi) = joined {
        let g = &state.groups[gi];
        let members = if g.len() < FULL_GROUP {
            &g[..]
        } else {
            &g[..1]
        };
        out.extend(members.iter().map(|&x| found(x, Relation::Duplicate, same)));
        let rep = g[0];
        let lo = state.verified.partition_point(|v| v.0 < rep);
        for &(_, other, rel, s) in state.verified[lo..].iter().take_while(|v| v.0 == rep) {
            let gb = &state.groups[state.group_of[other as usize] as usize];
            if (g.len() + 1) * gb.len() <= FULL_EXPANSION {
                out.extend(gb.iter().map(|&y| found(y, rel, s)));
            }
        }
        return out;
    }
    let shape = state.shape;
    let sig = minhash::signature(sh, state.cfg.permutations);
    let mut cands: Vec<u32> = Vec::new();
    for b in 0..shape.bands {
        let band = &sig[b * shape.rows..(b + 1) * shape.rows];
        let key = (b as u32, hash::seq(band, hash::BAND_SEED ^ b as u64));
        let lo = state.band_keys.partition_point(|k| (k.0, k.1) < key);
        let hi = lo + state.band_keys[lo..].partition_point(|k| (k.0, k.1) == key);
        let len = hi - lo;
        let w = if len + 1 > state.cfg.max_bucket {
            state.cfg.large_bucket_window
        } else {
            len + 1
        };
        cands.extend(
            state.band_keys[lo + len.saturating_sub(w)..hi]
                .iter()
                .map(|k| k.2),
        );
    }
    cands.sort_unstable();
    cands.dedup();
    for x in cands {
        let s = verify::score(&state.shingles(x), sh);
        if let Some(rel) = verify::classify(s, &state.cfg) {
            let gx = &state.groups[state.group_of[x as usize] as usize];
            if gx.len() <= FULL_EXPANSION {
                out.extend(gx.iter().map(|&y| found(y, rel, s)));
            } else {
                out.push(found(x, rel, s));
            }
        }
    }
    out
}

/// Counts, per indexed item, the `key40`s of `keys` it shares with `d`
/// that are held by 2 to `max` items once `d`'s `extra` items are added.
fn shared(
    post: &Postings,
    keys: &[u64],
    max: usize,
    extra: &dyn Fn(u64) -> usize,
) -> AHashMap<u32, u32> {
    let mut counts: AHashMap<u32, u32> = AHashMap::new();
    for &k in keys {
        let p = post.get(k);
        let df = p.len() + extra(k);
        if (2..=max).contains(&df) {
            for &x in p {
                *counts.entry((x & ITEM_MASK) as u32).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// Shared passages and tail copies between `d` and the indexed documents.
fn passage_edges(
    state: &State,
    seg: &Segmented,
    body: &NewBody,
    known: &AHashSet<u32>,
) -> Vec<Found> {
    let pc = &state.cfg.passage;
    let n = state.corpus.docs.len() as u32;
    let anchors = set(grams(&body.tokens, pc.anchor_words));
    let k_body = keys40(&anchors);
    let tail = body
        .tail_start
        .map(|s| set(grams(&seg.tokens[s as usize..], pc.anchor_words)));
    let k_tail = tail.as_deref().map(keys40).unwrap_or_default();
    let has = |v: &[u64], k: u64| v.binary_search(&k).is_ok();
    let max = pc.anchor_max_docs;
    let mut out = Vec::new();
    let mut cands: Vec<u32> = Vec::new();
    let body_counts = shared(&state.anchors, &k_body, max, &|k| {
        1 + usize::from(has(&k_tail, k))
    });
    let scores = |x: u32| verify::score(&state.shingles(x), &body.shingles);
    let copies =
        |tail: &[u64], other: &[u64]| intersection(tail, other) as f64 / tail.len().max(1) as f64;
    for (&item, &c) in &body_counts {
        if (c as usize) < pc.min_shared_anchors {
            continue;
        }
        if item < n {
            cands.push(item);
        } else {
            // An indexed tail that may copy d's body.
            let t = (item - n) as usize;
            if copies(&state.tail_anchors[t], &anchors) >= pc.tail_min_containment {
                let host = state.hosts[t];
                out.push(found(host, Relation::TailCopy, scores(host)));
            }
        }
    }
    if let Some(tail) = &tail {
        let tail_counts = shared(&state.anchors, &k_tail, max, &|k| {
            1 + usize::from(has(&k_body, k))
        });
        for (&item, &c) in &tail_counts {
            if (c as usize) < pc.min_shared_anchors {
                continue;
            }
            let (other, share) = if item < n {
                let other = set(grams(&state.body(item), pc.anchor_words));
                (item, copies(tail, &other))
            } else {
                let t = (item - n) as usize;
                let o = &state.tail_anchors[t];
                let smaller = tail.len().min(o.len()).max(1);
                (
                    state.hosts[t],
                    intersection(tail, o) as f64 / smaller as f64,
                )
            };
            if share >= pc.tail_min_containment {
                out.push(found(other, Relation::TailCopy, scores(other)));
            }
        }
    }
    let k_words = keys40(&body.tokens);
    let word_counts = shared(&state.words, &k_words, pc.word_max_docs, &|_| 1);
    cands.extend(
        word_counts
            .iter()
            .filter(|(_, &c)| c as usize >= pc.min_shared_words)
            .map(|(&x, _)| x),
    );
    cands.sort_unstable();
    cands.dedup();
    let common: AHashSet<u64> = anchors
        .iter()
        .filter(|a| state.hot.contains(*a))
        .copied()
        .collect();
    for x in cands.into_iter().filter(|x| !known.contains(x)) {
        if !align(&state.body(x), &body.tokens, &common, pc).is_empty() {
            out.push(found(x, Relation::SharedPassages, scores(x)));
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
