//! The passage level of the streaming fast path: shared passages and tail
//! copies between a new document `d` and the indexed documents, from the
//! anchor and rare-word postings of the [`State`] with the dirty
//! documents' old items left out and their new ones counted (see
//! `passage::candidates` and the pipeline's passage level for the rules
//! mirrored here).

use ahash::{AHashMap, AHashSet};

use super::fast::{found, Found};
use super::state::{keys40, Postings, ITEM_MASK};
use super::view::{Dirty, View};
use crate::passage::{align, grams, set};
use crate::shingle::intersection;
use crate::verify::{self, Relation};

/// An item of the passage level: a body or a tail, by document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Item {
    Body(u32),
    Tail(u32),
}

/// The key sets of a dirty document's new items.
struct DirtyKeys {
    doc: u32,
    body: Vec<u64>,
    tail: Vec<u64>,
    words: Vec<u64>,
}

impl DirtyKeys {
    fn all(v: &View) -> Vec<DirtyKeys> {
        let aw = v.s.cfg.passage.anchor_words;
        v.dirty
            .iter()
            .map(|(&doc, d)| DirtyKeys {
                doc,
                body: keys40(&grams(&d.tokens, aw)),
                tail: d
                    .tail
                    .as_ref()
                    .map(|t| keys40(&grams(t, aw)))
                    .unwrap_or_default(),
                words: keys40(&d.tokens),
            })
            .collect()
    }
}

fn has(v: &[u64], k: u64) -> bool {
    v.binary_search(&k).is_ok()
}

/// Counts, per indexed item, the `key40`s of `keys` it shares with `d`
/// that are held by 2 to `max` items once `d`'s `extra` items are added.
/// `clean` maps a posting to its item (or `None` for a dirty document's
/// old item); `dirty` lists the dirty items holding a key.
fn shared(
    post: &Postings,
    keys: &[u64],
    max: usize,
    extra: &dyn Fn(u64) -> usize,
    clean: &dyn Fn(u32) -> Option<Item>,
    dirty: &dyn Fn(u64, &mut Vec<Item>),
) -> AHashMap<Item, u32> {
    let mut counts: AHashMap<Item, u32> = AHashMap::new();
    let mut holders = Vec::new();
    for &k in keys {
        holders.clear();
        holders.extend(
            post.get(k)
                .iter()
                .filter_map(|&p| clean((p & ITEM_MASK) as u32)),
        );
        dirty(k, &mut holders);
        let df = holders.len() + extra(k);
        if (2..=max).contains(&df) {
            for &it in &holders {
                *counts.entry(it).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// Shared passages and tail copies between `d` (body `body`) and the
/// indexed documents; `known` are those with a document-level relation.
#[allow(clippy::many_single_char_names)]
pub(crate) fn edges(v: &View, body: &Dirty, known: &AHashSet<u32>) -> Vec<Found> {
    let s = v.s;
    let pc = &s.cfg.passage;
    let n = v.len();
    let dk = DirtyKeys::all(v);
    let anchors = set(grams(&body.tokens, pc.anchor_words));
    let k_body = keys40(&anchors);
    let tail = body.tail.as_ref().map(|t| set(grams(t, pc.anchor_words)));
    let k_tail = tail.as_deref().map(keys40).unwrap_or_default();
    let clean_anchor = |i: u32| {
        let it = if i < n {
            Item::Body(i)
        } else {
            Item::Tail(s.hosts[(i - n) as usize])
        };
        let (Item::Body(x) | Item::Tail(x)) = it;
        (!v.dirty.contains_key(&x)).then_some(it)
    };
    let dirty_anchor = |k: u64, out: &mut Vec<Item>| {
        for d in &dk {
            if has(&d.body, k) {
                out.push(Item::Body(d.doc));
            }
            if has(&d.tail, k) {
                out.push(Item::Tail(d.doc));
            }
        }
    };
    let tail_anchors = |h: u32| -> Vec<u64> {
        match v.dirty.get(&h) {
            Some(d) => d
                .tail
                .as_ref()
                .map(|t| set(grams(t, pc.anchor_words)))
                .unwrap_or_default(),
            None => s
                .hosts
                .binary_search(&h)
                .map(|t| s.tail_anchors[t].clone())
                .unwrap_or_default(),
        }
    };
    let scores = |x: u32| verify::score(&v.shingles(x), &body.shingles);
    let copies =
        |tail: &[u64], other: &[u64]| intersection(tail, other) as f64 / tail.len().max(1) as f64;
    let max = pc.anchor_max_docs;
    let mut out = Vec::new();
    let mut cands: Vec<u32> = Vec::new();
    let body_counts = shared(
        &s.anchors,
        &k_body,
        max,
        &|k| 1 + usize::from(has(&k_tail, k)),
        &clean_anchor,
        &dirty_anchor,
    );
    for (&item, &c) in &body_counts {
        if (c as usize) < pc.min_shared_anchors {
            continue;
        }
        match item {
            Item::Body(x) => cands.push(x),
            // An indexed tail that may copy d's body.
            Item::Tail(h) => {
                if copies(&tail_anchors(h), &anchors) >= pc.tail_min_containment {
                    out.push(found(h, Relation::TailCopy, scores(h)));
                }
            }
        }
    }
    if let Some(tail) = &tail {
        let tail_counts = shared(
            &s.anchors,
            &k_tail,
            max,
            &|k| 1 + usize::from(has(&k_body, k)),
            &clean_anchor,
            &dirty_anchor,
        );
        for (&item, &c) in &tail_counts {
            if (c as usize) < pc.min_shared_anchors {
                continue;
            }
            let (other, share) = match item {
                Item::Body(x) => (x, copies(tail, &v.anchors(x))),
                Item::Tail(h) => {
                    let o = tail_anchors(h);
                    let smaller = tail.len().min(o.len()).max(1);
                    (h, intersection(tail, &o) as f64 / smaller as f64)
                }
            };
            if share >= pc.tail_min_containment {
                out.push(found(other, Relation::TailCopy, scores(other)));
            }
        }
    }
    let word_counts = shared(
        &s.words,
        &keys40(&body.tokens),
        pc.word_max_docs,
        &|_| 1,
        &|x| (!v.dirty.contains_key(&x)).then_some(Item::Body(x)),
        &|k, out| {
            out.extend(
                dk.iter()
                    .filter(|d| has(&d.words, k))
                    .map(|d| Item::Body(d.doc)),
            );
        },
    );
    cands.extend(word_counts.iter().filter_map(|(&it, &c)| match it {
        Item::Body(x) if c as usize >= pc.min_shared_words => Some(x),
        _ => None,
    }));
    cands.sort_unstable();
    cands.dedup();
    let common = common(v, &anchors);
    for x in cands.into_iter().filter(|x| !known.contains(x)) {
        if !align(&v.body(x), &body.tokens, &common, pc).is_empty() {
            out.push(found(x, Relation::SharedPassages, scores(x)));
        }
    }
    out
}

/// The anchors of `d` (its body's `anchors`) that are common once `d`
/// and the dirty documents' new bodies are counted: held by more than
/// `anchor_max_docs` bodies.
fn common(v: &View, anchors: &[u64]) -> AHashSet<u64> {
    let s = v.s;
    let max = s.cfg.passage.anchor_max_docs;
    let changes: Vec<(Vec<u64>, Vec<u64>)> = v
        .dirty
        .iter()
        .map(|(&x, d)| {
            (
                set(grams(&s.body(x), s.cfg.passage.anchor_words)),
                set(grams(&d.tokens, s.cfg.passage.anchor_words)),
            )
        })
        .collect();
    anchors
        .iter()
        .copied()
        .filter(|g| {
            // Below the floor, even every dirty document plus d cannot
            // lift an anchor above `max` (see `State::dirty_limit`).
            let Some(&df) = s.df64.get(g) else {
                return false;
            };
            let mut df = df as usize + 1;
            for (old, new) in &changes {
                df = df + usize::from(has(new, *g)) - usize::from(has(old, *g));
            }
            df > max
        })
        .collect()
}
