//! The passage level of the streaming fast path: shared passages and tail
//! copies between a new document `d` and the indexed documents, from the
//! anchor and rare-word postings of the [`State`] with the dirty
//! documents' old items left out and their new ones counted (see
//! `passage::candidates` and the pipeline's passage level for the rules
//! mirrored here).

use ahash::{AHashMap, AHashSet};

use super::fast::{found, Found};
use super::state::{keys40, word_keys, Postings, ITEM_MASK};
use super::view::{Dirty, View};
use crate::passage::{grams, set, Prepared};
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
                words: word_keys(&d.tokens),
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
    extra: impl Fn(u64) -> usize,
    clean: impl Fn(u32) -> Option<Item>,
    dirty: impl Fn(u64, &mut Vec<Item>),
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

/// `d` and what the passage level needs of the indexed documents.
struct Ctx<'a> {
    v: &'a View<'a>,
    dirty: Vec<DirtyKeys>,
    body: &'a Dirty,
    /// `d`'s body anchors (64-bit set) and their keys.
    anchors: Vec<u64>,
    k_body: Vec<u64>,
    /// `d`'s tail anchors and their keys.
    tail: Option<Vec<u64>>,
    k_tail: Vec<u64>,
}

fn copies(tail: &[u64], other: &[u64]) -> f64 {
    intersection(tail, other) as f64 / tail.len().max(1) as f64
}

impl<'a> Ctx<'a> {
    fn new(v: &'a View<'a>, body: &'a Dirty) -> Self {
        let aw = v.s.cfg.passage.anchor_words;
        let anchors = set(grams(&body.tokens, aw));
        let tail = body.tail.as_ref().map(|t| set(grams(t, aw)));
        Ctx {
            v,
            dirty: DirtyKeys::all(v),
            body,
            k_body: keys40(&anchors),
            anchors,
            k_tail: tail.as_deref().map(keys40).unwrap_or_default(),
            tail,
        }
    }

    /// The item of an anchor posting, unless a dirty document's.
    fn clean_anchor(&self, i: u32) -> Option<Item> {
        let n = self.v.len();
        let it = if i < n {
            Item::Body(i)
        } else {
            Item::Tail(self.v.s.hosts[(i - n) as usize])
        };
        let (Item::Body(x) | Item::Tail(x)) = it;
        (!self.v.dirty.contains_key(&x)).then_some(it)
    }

    /// The items holding anchor key `k`, `d`'s included.
    fn anchor_holders(&self, k: u64) -> usize {
        let clean = self
            .v
            .s
            .anchors
            .get(k)
            .iter()
            .filter(|&&p| self.clean_anchor((p & ITEM_MASK) as u32).is_some())
            .count();
        let mut dirty = Vec::new();
        self.dirty_anchor(k, &mut dirty);
        clean + dirty.len() + usize::from(has(&self.k_body, k)) + usize::from(has(&self.k_tail, k))
    }

    /// The anchor keys of `d`'s body held by more than `anchor_max_docs`
    /// items (bodies and tails): no seeds for alignment.
    fn common(&self) -> AHashSet<u64> {
        let max = self.v.s.cfg.passage.anchor_max_docs;
        self.k_body
            .iter()
            .copied()
            .filter(|&k| self.anchor_holders(k) > max)
            .collect()
    }

    /// The dirty items holding anchor key `k`.
    fn dirty_anchor(&self, k: u64, out: &mut Vec<Item>) {
        for d in &self.dirty {
            if has(&d.body, k) {
                out.push(Item::Body(d.doc));
            }
            if has(&d.tail, k) {
                out.push(Item::Tail(d.doc));
            }
        }
    }

    /// Items sharing enough of `keys` (a part of `d`; `other` is the
    /// other part's keys) to be candidates.
    fn anchor_candidates(&self, keys: &[u64], other: &[u64]) -> Vec<Item> {
        let pc = &self.v.s.cfg.passage;
        let counts = shared(
            &self.v.s.anchors,
            keys,
            pc.anchor_max_docs,
            |k| 1 + usize::from(has(other, k)),
            |i| self.clean_anchor(i),
            |k, out| self.dirty_anchor(k, out),
        );
        let mut items: Vec<Item> = counts
            .into_iter()
            .filter(|&(_, c)| c as usize >= pc.min_shared_anchors)
            .map(|(it, _)| it)
            .collect();
        items.sort_unstable();
        items
    }

    /// Bodies sharing enough rare words with `d`'s body.
    fn word_candidates(&self) -> Vec<u32> {
        let pc = &self.v.s.cfg.passage;
        let counts = shared(
            &self.v.s.words,
            &word_keys(&self.body.tokens),
            pc.word_max_docs,
            |_| 1,
            |x| (!self.v.dirty.contains_key(&x)).then_some(Item::Body(x)),
            |k, out| {
                out.extend(
                    self.dirty
                        .iter()
                        .filter(|d| has(&d.words, k))
                        .map(|d| Item::Body(d.doc)),
                );
            },
        );
        counts
            .into_iter()
            .filter(|&(_, c)| c as usize >= pc.min_shared_words)
            .filter_map(|(it, _)| match it {
                Item::Body(x) => Some(x),
                Item::Tail(_) => None,
            })
            .collect()
    }

    /// The tail anchors of host `h`.
    fn tail_anchors(&self, h: u32) -> Vec<u64> {
        let s = self.v.s;
        match self.v.dirty.get(&h) {
            Some(d) => d
                .tail
                .as_ref()
                .map(|t| set(grams(t, s.cfg.passage.anchor_words)))
                .unwrap_or_default(),
            None => s
                .hosts
                .binary_search(&h)
                .map(|t| s.tail_anchors[t].clone())
                .unwrap_or_default(),
        }
    }

    fn scores(&self, x: u32) -> verify::Scores {
        verify::score(&self.v.shingles(x), &self.body.shingles)
    }

    /// Tail copies: indexed tails among `items` that copy `d`'s body.
    fn tails_copying_body(&self, items: &[Item], out: &mut Vec<Found>) {
        let min = self.v.s.cfg.passage.tail_min_containment;
        for &it in items {
            if let Item::Tail(h) = it {
                if copies(&self.tail_anchors(h), &self.anchors) >= min {
                    out.push(found(h, Relation::TailCopy, self.scores(h)));
                }
            }
        }
    }

    /// Tail copies: `d`'s tail copying an indexed body among `items`, or
    /// sharing its anchors with an indexed tail.
    fn tail_copies(&self, tail: &[u64], items: &[Item], out: &mut Vec<Found>) {
        for &it in items {
            let (other, share) = match it {
                Item::Body(x) => (x, copies(tail, &self.v.anchors(x))),
                Item::Tail(h) => {
                    let o = self.tail_anchors(h);
                    let smaller = tail.len().min(o.len()).max(1);
                    (h, intersection(tail, &o) as f64 / smaller as f64)
                }
            };
            if share >= self.v.s.cfg.passage.tail_min_containment {
                out.push(found(other, Relation::TailCopy, self.scores(other)));
            }
        }
    }
}

/// Shared passages and tail copies between `d` (body `body`) and the
/// indexed documents; `known` are those with a document-level relation.
pub(crate) fn edges(v: &View, body: &Dirty, known: &AHashSet<u32>) -> Vec<Found> {
    let c = Ctx::new(v, body);
    let mut out = Vec::new();
    let items = c.anchor_candidates(&c.k_body, &c.k_tail);
    c.tails_copying_body(&items, &mut out);
    if let Some(tail) = &c.tail {
        let items = c.anchor_candidates(&c.k_tail, &c.k_body);
        c.tail_copies(tail, &items, &mut out);
    }
    let mut cands: Vec<u32> = items
        .iter()
        .filter_map(|&it| match it {
            Item::Body(x) => Some(x),
            Item::Tail(_) => None,
        })
        .collect();
    let mut word_cands = c.word_candidates();
    word_cands.sort_unstable();
    cands.extend(word_cands.iter().copied());
    cands.sort_unstable();
    cands.dedup();
    let common = c.common();
    let pc = &v.s.cfg.passage;
    for x in cands.into_iter().filter(|x| !known.contains(x)) {
        let bx = v.body(x);
        let bags = word_cands.binary_search(&x).is_ok();
        if !Prepared::new(&bx, pc.anchor_words)
            .align_with(&body.tokens, &common, bags, pc)
            .is_empty()
        {
            // Alignment also finds excerpts and copies LSH missed.
            let s = c.scores(x);
            let rel = verify::classify(s, &v.s.cfg).unwrap_or(Relation::SharedPassages);
            out.push(found(x, rel, s));
        }
    }
    out
}
