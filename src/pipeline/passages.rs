//! The passage level: shared passages between bodies, and tails that
//! copy other bodies or each other.

use rayon::prelude::*;

use super::relate::{Edge, Passage};
use super::{Body, Corpus};
use crate::config::Config;
use crate::passage::{self, align, co_occurring, grams, set};
use crate::progress::Progress;
use crate::shingle::intersection;
use crate::verify::{self, Relation};

/// What the passage level found.
#[derive(Debug, Default)]
pub struct Found {
    /// `shared_passages` and `tail_copy` edges.
    pub edges: Vec<Edge>,
    /// For each document, the document its tail copies, if any.
    pub tail_copies: Vec<Option<u32>>,
}

fn body_tokens(corpus: &Corpus, bodies: &[Body]) -> Vec<Vec<u64>> {
    corpus
        .docs
        .par_iter()
        .zip(bodies)
        .map(|(d, b)| b.positions.iter().map(|&p| d.seg.tokens[p as usize]).collect())
        .collect()
}

/// Byte span of body tokens `[s, e)` of document `d`.
fn byte_span(corpus: &Corpus, bodies: &[Body], d: u32, r: [u32; 2]) -> [u32; 2] {
    let doc = &corpus.docs[d as usize];
    let pos = &bodies[d as usize].positions;
    let first = doc.seg.spans[pos[r[0] as usize] as usize];
    let last = doc.seg.spans[pos[r[1] as usize - 1] as usize];
    [first[0], last[1]]
}

/// Finds shared passages for pairs without a document-level relation,
/// and tail copies.
pub fn passage_edges(
    corpus: &Corpus,
    bodies: &[Body],
    doc_edges: &[Edge],
    cfg: &Config,
    progress: &dyn Progress,
) -> Found {
    let pc = &cfg.passage;
    let toks = body_tokens(corpus, bodies);
    progress.start("passage candidates", None);
    let cands = passage::candidates(&toks, pc);
    progress.finish();
    let known = |a: u32, b: u32| doc_edges.binary_search_by_key(&(a, b), |e| (e.a, e.b)).is_ok();
    let todo: Vec<(u32, u32)> = cands.into_iter().filter(|&(a, b)| !known(a, b)).collect();
    progress.start("aligning", Some(todo.len() as u64));
    let mut edges: Vec<Edge> = todo
        .par_iter()
        .filter_map(|&(a, b)| {
            let found = align(&toks[a as usize], &toks[b as usize], pc);
            progress.advance(1);
            if found.is_empty() {
                return None;
            }
            let s = verify::score(&bodies[a as usize].shingles, &bodies[b as usize].shingles);
            let passages = found
                .iter()
                .map(|m| Passage {
                    a: byte_span(corpus, bodies, a, m.a),
                    b: byte_span(corpus, bodies, b, m.b),
                    words: m.a[1] - m.a[0],
                })
                .collect();
            Some(Edge {
                a,
                b,
                relation: Relation::SharedPassages,
                jaccard: s.jaccard,
                containment: s.containment,
                passages,
            })
        })
        .collect();
    progress.finish();
    let (tail_edges, tail_copies) = tails(corpus, bodies, &toks, cfg);
    edges.extend(tail_edges);
    Found { edges, tail_copies }
}

/// Tail copies: a tail whose anchors are mostly in another body, or two
/// tails that mostly share their anchors.
fn tails(corpus: &Corpus, bodies: &[Body], toks: &[Vec<u64>], cfg: &Config) -> (Vec<Edge>, Vec<Option<u32>>) {
    let pc = &cfg.passage;
    let n = corpus.docs.len();
    let hosts: Vec<u32> = (0..n as u32).filter(|&i| bodies[i as usize].tail.is_some()).collect();
    let mut tail_copies = vec![None; n];
    if hosts.is_empty() {
        return (Vec::new(), tail_copies);
    }
    let mut keys: Vec<Vec<u64>> = toks.par_iter().map(|t| set(grams(t, pc.anchor_words))).collect();
    keys.extend(hosts.iter().map(|&h| {
        let d = &corpus.docs[h as usize];
        let start = bodies[h as usize].tail.as_ref().map_or(0, |t| d.seg.lines[t.line].tok_start as usize);
        set(grams(&d.seg.tokens[start..], pc.anchor_words))
    }));
    let pairs = co_occurring(&keys, pc.anchor_max_docs.max(2), pc.min_shared_anchors);
    let mut best: Vec<Option<(f64, u32)>> = vec![None; n];
    let mut edges = Vec::new();
    for (x, y, _) in pairs {
        let (x, y) = (x as usize, y as usize);
        if y < n {
            continue; // body–body: the shared-passage matcher's business
        }
        let ty = &keys[y];
        let hy = hosts[y - n];
        let (other, share) = if x < n {
            (x as u32, intersection(ty, &keys[x]) as f64 / ty.len().max(1) as f64)
        } else {
            let tx = &keys[x];
            (hosts[x - n], intersection(tx, ty) as f64 / tx.len().min(ty.len()).max(1) as f64)
        };
        if other == hy || share < pc.tail_min_containment {
            continue;
        }
        if x < n {
            let slot = &mut best[hy as usize];
            if slot.is_none_or(|(s, o)| share > s || (share == s && other < o)) {
                *slot = Some((share, other));
            }
        } else {
            let slot = &mut best[other as usize];
            let _ = slot;
        }
        let s = verify::score(&bodies[hy as usize].shingles, &bodies[other as usize].shingles);
        edges.push(Edge {
            a: hy.min(other),
            b: hy.max(other),
            relation: Relation::TailCopy,
            jaccard: s.jaccard,
            containment: s.containment,
            passages: Vec::new(),
        });
    }
    for (i, b) in best.into_iter().enumerate() {
        tail_copies[i] = b.map(|(_, o)| o);
    }
    (edges, tail_copies)
}

/// Merges edge lists, keeping each pair once with its strongest relation
/// (passages of the strongest edge kept, or of a weaker one when the
/// strongest has none).
pub fn combine(mut a: Vec<Edge>, b: Vec<Edge>) -> Vec<Edge> {
    a.extend(b);
    a.par_sort_unstable_by(|x, y| (x.a, x.b, x.relation).cmp(&(y.a, y.b, y.relation)));
    let mut out: Vec<Edge> = Vec::with_capacity(a.len());
    for e in a {
        match out.last_mut() {
            Some(last) if last.a == e.a && last.b == e.b => {
                if last.passages.is_empty() {
                    last.passages = e.passages;
                }
            }
            _ => out.push(e),
        }
    }
    out
}
