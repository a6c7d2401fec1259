//! The passage level: shared passages between bodies, and tails that
//! copy other bodies or each other.

use rayon::prelude::*;

use super::by_doc::ByDoc;
use super::relate::{Edge, Passage};
use super::{Body, Content, Corpus};
use crate::config::Config;
use crate::error::Result;
use crate::passage::{self, grams, set, Prepared};
use crate::progress::Progress;
use crate::shingle::{intersection, shingles};
use crate::verify::{self, Relation};

/// What the passage level found.
#[derive(Debug, Default)]
pub struct Found {
    /// `shared_passages` and `tail_copy` edges.
    pub edges: Vec<Edge>,
    /// For each document, the document its tail copies, if any.
    pub tail_copies: Vec<Option<u32>>,
    /// (body, host): bodies holding most of another document's tail.
    pub bodies_with_tails: Vec<(u32, u32)>,
}

/// Document `i`'s content and body token indices.
fn body_of<'a>(corpus: &'a Corpus, bodies: &[Body], i: usize) -> (Content<'a>, Vec<u32>) {
    let b = &bodies[i];
    let content = corpus.content(i);
    let pos = super::body_positions(content.seg(), &b.marks, b.tail.as_ref());
    (content, pos)
}

/// Byte span of body tokens `[s, e)` of a document, whose body token
/// indices are `pos`.
fn byte_span(content: &Content<'_>, pos: &[u32], r: [u32; 2]) -> [u32; 2] {
    let starts = &content.seg().starts;
    let first = starts[pos[r[0] as usize] as usize];
    let last = starts[pos[r[1] as usize - 1] as usize];
    [
        first,
        crate::normalize::token_end(content.text(), last as usize) as u32,
    ]
}

/// Pairs aligned in one go against one prepared document.
const GROUP: usize = 64;

/// Pairs aligned in one batch (see [`passage_edges`]).
const BATCH: usize = 16_384;

/// Finds shared passages for pairs without a document-level relation,
/// and tail copies.
pub fn passage_edges(
    corpus: &Corpus,
    bodies: &[Body],
    doc_edges: &[Edge],
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Found> {
    let pc = &cfg.passage;
    progress.start("passage candidates", None);
    let hosts: Vec<u32> = (0..bodies.len() as u32)
        .filter(|&i| bodies[i as usize].tail.is_some())
        .collect();
    let tail_toks: Vec<Vec<u64>> = hosts
        .par_iter()
        .map(|&h| {
            let content = corpus.tokens_and_lines(h as usize);
            let seg = content.seg();
            let start = bodies[h as usize]
                .tail
                .as_ref()
                .map_or(0, |t| seg.lines[t.line].tok_start);
            seg.tokens[start as usize..].to_vec()
        })
        .collect();
    let tail_refs: Vec<&[u64]> = tail_toks.iter().map(Vec::as_slice).collect();
    let body = |i: usize| {
        let (c, b) = (corpus.tokens_and_lines(i), &bodies[i]);
        super::body_tokens_of(c.seg(), &b.marks, b.tail.as_ref()).into_owned()
    };
    let dir = corpus
        .is_spilled()
        .then(|| crate::spill::folder(cfg.spill_dir.as_deref()));
    let passage::Candidates {
        pairs: cands,
        common,
        tail_pairs,
        tail_anchors,
        word_pairs,
    } = passage::candidates(bodies.len(), &body, &tail_refs, pc, dir.as_deref())?;
    drop(tail_toks);
    progress.finish();
    let known = |a: u32, b: u32| {
        doc_edges
            .binary_search_by_key(&(a, b), |e| (e.a, e.b))
            .is_ok()
    };
    let todo: Vec<(u32, u32)> = cands.into_iter().filter(|&(a, b)| !known(a, b)).collect();
    progress.start("aligning", Some(todo.len() as u64));
    // Pairs come sorted by their first document: each group shares its
    // tokens and shingle set. Groups are cut to at most `GROUP` pairs so
    // that a document with thousands of partners (a digest page) does
    // not leave one thread working alone.
    let groups: Vec<&[(u32, u32)]> = todo
        .chunk_by(|x, y| x.0 == y.0)
        .flat_map(|g| g.chunks(GROUP))
        .collect();
    let align_group = |group: &[(u32, u32)], of: &ByDoc<Partner>| {
        let a = group[0].0;
        let ta = body(a as usize);
        let prepared = Prepared::new(&ta, pc.anchor_words);
        let mut sa: Option<Vec<u64>> = None;
        // The text and token starts of `a`, read at its first passage.
        let mut ca: Option<(Content<'_>, Vec<u32>)> = None;
        let mut out = Vec::new();
        progress.advance(group.len() as u64);
        for &(_, b) in group {
            let partner = of.get(b);
            let tb = &partner.tokens;
            let bags = word_pairs.binary_search(&(a, b)).is_ok();
            let found = prepared.align_anchored(tb, &partner.anchors, &common, bags, pc);
            if found.is_empty() {
                continue;
            }
            let (ca, pa) = ca.get_or_insert_with(|| body_of(corpus, bodies, a as usize));
            let (cb, pb) = body_of(corpus, bodies, b as usize);
            let sa = sa.get_or_insert_with(|| shingles(&ta, cfg.shingle_words));
            let sb = partner
                .shingles
                .get_or_init(|| shingles(tb, cfg.shingle_words));
            let s = verify::score(sa, sb);
            let passages = found
                .iter()
                .map(|m| Passage {
                    a: byte_span(ca, pa, m.a),
                    b: byte_span(&cb, &pb, m.b),
                    words: m.a[1] - m.a[0],
                    words_b: m.b[1] - m.b[0],
                })
                .collect();
            // Alignment also finds pairs LSH cannot: a short excerpt of a
            // long article has a low Jaccard but is contained in it.
            let relation = verify::classify(s, cfg).unwrap_or(Relation::SharedPassages);
            out.push(Edge {
                a,
                b,
                relation,
                jaccard: s.jaccard,
                containment: s.containment,
                passages,
            });
        }
        out
    };
    // Groups are aligned in batches of about `BATCH` pairs. A batch
    // computes its partners' anchors once (a document is the partner in
    // many pairs), and only its own: all of them would be gigabytes at a
    // million documents.
    let mut edges: Vec<Edge> = Vec::new();
    let mut rest = &groups[..];
    while !rest.is_empty() {
        let mut pairs = 0;
        let end = rest
            .iter()
            .position(|g| {
                pairs += g.len();
                pairs >= BATCH
            })
            .map_or(rest.len(), |k| k + 1);
        let (batch, next) = rest.split_at(end);
        rest = next;
        let partners = batch.iter().flat_map(|g| g.iter().map(|p| p.1)).collect();
        let of = ByDoc::new(partners, |b| {
            let tokens = body(b as usize);
            Partner {
                anchors: grams(&tokens, pc.anchor_words),
                tokens,
                shingles: std::sync::OnceLock::new(),
            }
        });
        edges.par_extend(
            batch
                .par_iter()
                .flat_map_iter(|group| align_group(group, &of)),
        );
    }
    progress.finish();
    progress.start("tail copies", Some(tail_pairs.len() as u64));
    let (tail_edges, tail_copies, bodies_with_tails) =
        tails(bodies, &hosts, &tail_anchors, &tail_pairs, &body, cfg);
    edges.extend(tail_edges);
    progress.advance(tail_pairs.len() as u64);
    progress.finish();
    Ok(Found {
        edges,
        tail_copies,
        bodies_with_tails,
    })
}

/// What a batch of pairs computes once for each document that is the
/// second of some of its pairs.
struct Partner {
    /// Its body's tokens.
    tokens: Vec<u64>,
    /// Its body's anchors.
    anchors: Vec<u64>,
    /// Its body's shingle set, made at the first pair that needs it.
    shingles: std::sync::OnceLock<Vec<u64>>,
}

/// `tail_copy` edges, each document's best copied document, and the
/// (body, host) pairs where a body holds another document's tail.
type TailCopies = (Vec<Edge>, Vec<Option<u32>>, Vec<(u32, u32)>);

/// Tail copies: a tail whose anchors are mostly in another body, or two
/// tails that mostly share their anchors. Also returns the (body, host)
/// pairs of the first kind.
fn tails(
    bodies: &[Body],
    hosts: &[u32],
    tail_anchors: &[Vec<u64>],
    tail_pairs: &[(u32, u32, u32)],
    body: &(dyn Fn(usize) -> Vec<u64> + Sync),
    cfg: &Config,
) -> TailCopies {
    let n = bodies.len();
    let min_share = cfg.passage.tail_min_containment;
    // Each pair's share of the tail's anchors found in the other side, in
    // parallel. Pairs come sorted by `x`: a body's anchors are made once
    // for all the tails it holds (groups cut to `GROUP` pairs, so that a
    // body holding many tails does not leave one thread working alone).
    let runs: Vec<&[(u32, u32, u32)]> = tail_pairs
        .chunk_by(|p, q| p.0 == q.0)
        .flat_map(|g| g.chunks(GROUP))
        .collect();
    let shared: Vec<(u32, u32, u32, f64)> = runs
        .par_iter()
        .flat_map_iter(|run| {
            let x = run[0].0 as usize;
            let body_anchors = (x < n).then(|| set(grams(&body(x), cfg.passage.anchor_words)));
            run.iter().filter_map(move |&(_, t, _)| {
                let tail = &tail_anchors[t as usize];
                let host = hosts[t as usize];
                let (other, share) = if let Some(anchors) = &body_anchors {
                    (
                        x as u32,
                        intersection(tail, anchors) as f64 / tail.len().max(1) as f64,
                    )
                } else {
                    let other_tail = &tail_anchors[x - n];
                    let smaller = tail.len().min(other_tail.len()).max(1);
                    (
                        hosts[x - n],
                        intersection(tail, other_tail) as f64 / smaller as f64,
                    )
                };
                (other != host && share >= min_share).then_some((x as u32, host, other, share))
            })
        })
        .collect();
    // Then the scores of the pairs kept, in batches whose documents'
    // shingle sets are made once (a host and the bodies holding its tail
    // are each in several pairs).
    let mut scored: Vec<(u32, u32, f64, Edge)> = Vec::with_capacity(shared.len());
    for batch in shared.chunks(BATCH) {
        let sets = ByDoc::new(batch.iter().flat_map(|p| [p.1, p.2]).collect(), |d| {
            shingles(&body(d as usize), cfg.shingle_words)
        });
        scored.par_extend(batch.par_iter().map(|&(x, host, other, share)| {
            let s = verify::score(sets.get(host), sets.get(other));
            (x, host, share, Edge::tail_copy(host, other, s))
        }));
    }
    let mut best: Vec<Option<(f64, u32)>> = vec![None; n];
    let mut edges = Vec::new();
    let mut with_tails = Vec::new();
    for (x, host, share, edge) in scored {
        if (x as usize) < n {
            let other = x;
            with_tails.push((other, host));
            let slot = &mut best[host as usize];
            if slot.is_none_or(|(s, o)| share.total_cmp(&s).then(o.cmp(&other)).is_gt()) {
                *slot = Some((share, other));
            }
        }
        edges.push(edge);
    }
    with_tails.sort_unstable();
    (
        edges,
        best.into_iter().map(|b| b.map(|(_, o)| o)).collect(),
        with_tails,
    )
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
