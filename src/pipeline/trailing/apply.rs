//! The cuts applied: the hosts' bodies cut and signed again, their pairs
//! scored again on the new bodies.

use ahash::AHashSet;
use rayon::prelude::*;

use super::super::relate::Edge;
use super::super::{body_tokens_of, Body, Corpus};
use super::Cut;
use crate::config::Config;
use crate::shingle::shingles;
use crate::tails::Tail;
use crate::verify::{self, Relation};

/// Cuts `cut`'s tail from its host's body and signs it again.
fn cut_body(corpus: &Corpus, bodies: &mut [Body], c: &Cut, cfg: &Config) {
    let h = c.host as usize;
    let content = corpus.content(h);
    let tail = Tail {
        line: c.line,
        marker: None,
    };
    let marks = std::mem::take(&mut bodies[h].marks);
    bodies[h] = super::super::sign(
        content.seg(),
        corpus.text_len(h),
        marks,
        Some(tail),
        false,
        cfg,
    );
}

/// Cuts the tails `cuts` from their hosts' bodies and scores every pair
/// of a host again: on the new bodies, with the passages that lie in both
/// bodies; a pair whose shared text is in a tail becomes `tail_copy`.
pub fn apply(
    corpus: &Corpus,
    bodies: &mut [Body],
    edges: Vec<Edge>,
    tail_copies: &mut [Option<u32>],
    cuts: &[Cut],
    cfg: &Config,
) -> Vec<Edge> {
    if cuts.is_empty() {
        return edges;
    }
    for c in cuts {
        cut_body(corpus, bodies, c, cfg);
        tail_copies[c.host as usize] = c.copies.first().map(|x| x.0);
    }
    let cut: AHashSet<u32> = cuts.iter().map(|c| c.host).collect();
    let linked = linked(cuts);
    let bodies = &*bodies;
    let sh = |i: u32| {
        let c = corpus.tokens_and_lines(i as usize);
        let b = &bodies[i as usize];
        shingles(
            &body_tokens_of(c.seg(), &b.marks, b.tail.as_ref()),
            cfg.shingle_words,
        )
    };
    let mut out: Vec<Edge> = Vec::with_capacity(edges.len() + linked.len());
    let mut touched: Vec<Edge> = Vec::new();
    for e in edges {
        if cut.contains(&e.a) || cut.contains(&e.b) {
            touched.push(e);
        } else {
            out.push(e);
        }
    }
    let mut done = AHashSet::new();
    let rescored: Vec<Option<Edge>> = touched
        .into_par_iter()
        .map(|e| rescore(&|i| bodies[i as usize].end, e, &sh, &linked, cfg))
        .collect();
    for e in rescored.into_iter().flatten() {
        done.insert((e.a, e.b));
        out.push(e);
    }
    let extra: Vec<Edge> = linked
        .par_iter()
        .filter(|p| !done.contains(p))
        .map(|&(a, b)| {
            let s = verify::score(&sh(a), &sh(b));
            Edge {
                a,
                b,
                relation: Relation::TailCopy,
                jaccard: s.jaccard,
                containment: s.containment,
                passages: Vec::new(),
            }
        })
        .collect();
    out.extend(extra);
    out.par_sort_unstable_by_key(|e| (e.a, e.b));
    out
}

/// The pairs of each cut's host and the documents it copies or whose
/// tails it repeats, sorted.
pub fn linked(cuts: &[Cut]) -> Vec<(u32, u32)> {
    let mut linked: Vec<(u32, u32)> = cuts
        .iter()
        .flat_map(|c| {
            c.copies
                .iter()
                .map(|x| x.0)
                .chain(c.tails.iter().copied())
                .map(move |x| (c.host.min(x), c.host.max(x)))
        })
        .collect();
    linked.sort_unstable();
    linked.dedup();
    linked
}

/// Pair `e` on the new bodies (whose ends `end` gives), or `None` when
/// nothing relates it any more.
pub fn rescore(
    end: &dyn Fn(u32) -> u32,
    mut e: Edge,
    sh: &(dyn Fn(u32) -> Vec<u64> + Sync),
    linked: &[(u32, u32)],
    cfg: &Config,
) -> Option<Edge> {
    let s = verify::score(&sh(e.a), &sh(e.b));
    let (end_a, end_b) = (end(e.a), end(e.b));
    let was_tail = e.relation == Relation::TailCopy;
    let (inside, outside): (Vec<_>, Vec<_>) = std::mem::take(&mut e.passages)
        .into_iter()
        .partition(|p| p.a[1] <= end_a && p.b[1] <= end_b);
    let words: u32 = inside.iter().map(|p| p.words).sum();
    e.jaccard = s.jaccard;
    e.containment = s.containment;
    let linked = linked.binary_search(&(e.a, e.b)).is_ok();
    e.relation = if let Some(r) = verify::classify(s, cfg) {
        r
    } else if !inside.is_empty() && words as usize >= cfg.passage.min_words {
        Relation::SharedPassages
    } else if was_tail || !outside.is_empty() || linked {
        Relation::TailCopy
    } else {
        return None;
    };
    if e.relation == Relation::SharedPassages || e.relation.joins_duplicates() {
        e.passages = inside;
    }
    Some(e)
}
