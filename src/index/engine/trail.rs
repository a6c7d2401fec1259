//! Tails without a marker, from the stored state (`index::trail`): what
//! `pipeline::trailing` would cut in a scan of the indexed and the new
//! documents, decided for the pairs with an active document only.
//!
//! Why this is exact: step 1 (where a copy would start) depends on the
//! two documents and their pair alone. The stored decisions cover every
//! pair of indexed documents; the engine's edges cover every pair with an
//! active one. Step 2 (whether the head is unrelated) depends on
//! document frequencies over every `step`-th body: the stored ones plus
//! the sampled new bodies. Every decision is judged again: the decisions
//! of pairs with an active document and of indexed pairs looked at again
//! are made afresh. When an indexed document's cut moves (cut now, cut
//! elsewhere, or not any more), all its pairs are worked out again. Then
//! only the cut hosts' pairs change: the active ones are scored again on
//! the cut bodies, the unmoved indexed hosts' joins with indexed
//! documents are as stored, and every other structure of the clusters
//! leaves the cut hosts out. The engine falls back to the whole pipeline
//! only for a cut host in a large shingle set (or pair of sets).
//!
//! An add works out every cut host's pairs again and returns the state
//! over all the documents ([`Trail`]): the decisions, the updated sample,
//! and each cut host's partners before and joins after its cut.

use ahash::{AHashMap, AHashSet};

use super::groups::Level;
use super::passages::{join_of, Found};
use super::{Eng, Fallback};
use crate::error::Result;
use crate::index::state::{FULL_EXPANSION, FULL_GROUP};
use crate::index::trail::{Host, Trail};
use crate::pipeline::trailing::{self, Cut, Frequencies, Lines, Sources};
use crate::pipeline::{last_and_head_end, Edge};
use crate::tails::Tail;
use crate::verify::{self, Relation};

/// The engine's read documents, as step 1 reads them (bodies before any
/// cut), with each one's [`last_and_head_end`] worked out once.
struct Read<'e, 'a>(&'e Eng<'a>, AHashMap<u32, (u32, u32)>);

impl<'e, 'a> Read<'e, 'a> {
    /// The read documents of `pairs`.
    fn new(e: &'e Eng<'a>, pairs: impl Iterator<Item = (u32, u32)>) -> Self {
        use rayon::prelude::*;
        let mut docs: Vec<u32> = pairs.flat_map(|(a, b)| [a, b]).collect();
        docs.sort_unstable();
        docs.dedup();
        let ends: Vec<(u32, (u32, u32))> = docs
            .par_iter()
            .map(|&i| {
                let d = e.docs.get(i);
                let b = &d.body;
                (
                    i,
                    last_and_head_end(&d.seg, &b.marks, b.tail.as_ref(), b.end),
                )
            })
            .collect();
        Read(e, ends.into_iter().collect())
    }
}

impl Sources for Read<'_, '_> {
    fn free(&self, i: u32) -> bool {
        self.0.docs.get(i).body.tail.is_none()
    }

    fn words(&self, i: u32) -> usize {
        self.0.docs.get(i).body.tokens.len()
    }

    fn last(&self, i: u32) -> u32 {
        self.1[&i].0
    }

    fn head_end(&self, i: u32) -> u32 {
        self.1[&i].1
    }

    fn body(&self, i: u32) -> Vec<u64> {
        self.0.docs.get(i).body.tokens.clone()
    }

    fn found_in(&self, set: &[u64], i: u32, _: usize) -> usize {
        crate::shingle::intersection(set, &self.0.docs.get(i).body.shingles)
    }

    fn tail(&self, i: u32) -> Option<Vec<u64>> {
        let d = self.0.docs.get(i);
        let t = d.body.tail.as_ref()?;
        Some(d.seg.tokens[d.seg.lines[t.line].tok_start as usize..].to_vec())
    }

    fn lines(&self, i: u32) -> Lines {
        let d = self.0.docs.get(i);
        trailing::lines_of(&d.seg, &d.body.marks, None)
    }
}

/// What [`run`] returns: the edges scored again, the cut hosts' joins
/// and (when asked) the state over the indexed and the new documents, or
/// why only the whole pipeline can tell.
pub(super) type Outcome =
    std::result::Result<(Vec<Edge>, Vec<(u32, u32, u8)>, Option<Trail>), Fallback>;

/// Cuts what a scan would cut: sets `e.cuts` (every cut host now) and
/// `e.cut_words`, gives the read cut hosts their cut bodies, and returns
/// `edges` (every edge with an active document) scored again where a cut
/// host is in them, with the joins the cut hosts make now. With `state`
/// (an add), every pair of every cut host is worked out again, and the
/// state to store is returned too.
pub(super) fn run(
    e: &mut Eng,
    edges: Vec<Edge>,
    found: &Found,
    lv: &Level,
    state: bool,
) -> Result<Outcome> {
    let Some(st) = e.ar.trail.as_ref() else {
        return Ok(Err(Fallback("tails without a marker")));
    };
    let (n, total) = (e.n(), e.total());
    let before = trailing::judge(&st.decided, &st.freq.weights());
    if before.len() != st.hosts.len() || before.iter().zip(&st.hosts).any(|(c, h)| c.host != h.doc)
    {
        return Ok(Err(Fallback("the stored tails without a marker disagree")));
    }
    // Step 1 for the pairs with an active document.
    let with_tails: Vec<(u32, u32)> = found.links.iter().map(|&(h, o, _)| (o, h)).collect();
    e.read(
        edges
            .iter()
            .flat_map(|x| [x.a, x.b])
            .chain(with_tails.iter().flat_map(|&(a, b)| [a, b]))
            .collect::<Vec<u32>>(),
    )?;
    let fresh = trailing::structural(
        &Read::new(e, edges.iter().map(|x| (x.a, x.b))),
        &edges,
        &with_tails,
        true,
        e.cfg,
    );
    // Pairs of indexed documents looked at again (a key they share
    // turned common, their document-level edge changed): their
    // decisions now, from their edges now.
    let looked: AHashSet<(u32, u32)> = found.looked.iter().copied().collect();
    let realigned: AHashMap<(u32, u32), &Edge> =
        found.realigned.iter().map(|x| ((x.a, x.b), x)).collect();
    let again: Vec<Edge> = found
        .looked
        .iter()
        .filter_map(|&(x, y)| match lv.edge(e, x, y) {
            Some((relation, jaccard, containment)) => Some(Edge {
                a: x,
                b: y,
                relation,
                jaccard,
                containment,
                passages: Vec::new(),
            }),
            None => realigned.get(&(x, y)).map(|&x| x.clone()),
        })
        .collect();
    let links: AHashSet<(u32, u32)> = found.looked_links.iter().map(|x| x.0).collect();
    let tails_again: Vec<(u32, u32)> = found
        .looked_links
        .iter()
        .filter(|x| x.1.is_some())
        .map(|&((host, other), _)| (other, host))
        .collect();
    let redone = trailing::structural(
        &Read::new(e, again.iter().map(|x| (x.a, x.b))),
        &again,
        &tails_again,
        true,
        e.cfg,
    );
    let looked = &looked;
    let mut decided: Vec<(u32, trailing::Decision)> = st
        .decided
        .iter()
        .filter(|(h, d)| {
            let x = source_of(d);
            // An active document's pairs are all decided again.
            if e.is_active(*h) || e.is_active(x) {
                return false;
            }
            if from_tail(d) {
                !links.contains(&(x, *h))
            } else {
                !looked.contains(&(x.min(*h), x.max(*h)))
            }
        })
        .cloned()
        .collect();
    decided.extend(redone);
    decided.extend(fresh);
    // The sample now: the sampled indexed documents whose bodies changed
    // and the sampled new ones counted as they are.
    let step = Frequencies::step_for(total as usize);
    let now: Vec<(u32, Vec<u64>)> = e
        .dirty
        .iter()
        .copied()
        .chain(n..total)
        .filter(|&x| u64::from(x) % step == 0)
        .map(|x| (x, e.docs.get(x).body.tokens.clone()))
        .collect();
    let (now, freq) = if state {
        let mut freq = st.freq.clone();
        freq.update(step, now);
        (trailing::judge(&decided, &freq.weights()), Some(freq))
    } else {
        let weights = st.freq.weights_updated(step, now);
        (trailing::judge(&decided, &weights), None)
    };
    let by_host: AHashMap<u32, Cut> = now.into_iter().map(|c| (c.host, c)).collect();
    let before: AHashMap<u32, Cut> = before.into_iter().map(|c| (c.host, c)).collect();
    // Clean indexed documents whose cut is not as stored (cut now, cut
    // elsewhere, or not any more).
    let mut moved: Vec<u32> = by_host
        .keys()
        .chain(before.keys())
        .copied()
        .filter(|&h| h < n && !e.is_active(h) && before.get(&h) != by_host.get(&h))
        .collect();
    if state {
        // The state lists every cut host's pairs: all are worked out
        // again, as for a host whose cut moved.
        moved.extend(
            by_host
                .keys()
                .copied()
                .filter(|&h| h < n && !e.is_active(h)),
        );
    }
    moved.sort_unstable();
    moved.dedup();
    let moved_set: AHashSet<u32> = moved.iter().copied().collect();
    let kept = |h: u32| !moved_set.contains(&h);
    // Every other structure leaves the cut hosts out, which keeps the
    // other documents connected as the pipeline's edges do when its
    // shingle sets and their verified pairs are expanded to every member.
    let mut cut_hosts: Vec<u32> = by_host.keys().copied().collect();
    cut_hosts.sort_unstable();
    for h in cut_hosts {
        let s = e.set_now(h);
        if s != 0 {
            let size = lv.members(e, s).len();
            if size > FULL_GROUP
                || lv
                    .partners(e, s)
                    .iter()
                    .any(|&t| size * lv.members(e, t).len() > FULL_EXPANSION)
            {
                return Ok(Err(Fallback(
                    "a cut host is in a large shingle set or pair of sets",
                )));
            }
        }
    }
    // The pairs of the moved documents with clean ones that are cut
    // now (or that are cut themselves), with their edges before any
    // cut.
    let moved_edges = if moved.is_empty() {
        Vec::new()
    } else {
        let Some((anchors, words)) = found.counted.as_ref() else {
            return Ok(Err(Fallback("tails without a marker")));
        };
        let cut_now = |x: u32| by_host.contains_key(&x);
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut keep = |h: u32, x: u32| {
            if x != h && !e.is_active(x) && (cut_now(h) || cut_now(x)) {
                pairs.push((h.min(x), h.max(x)));
            }
        };
        for &h in &moved {
            let s = e.set_now(h);
            if s != 0 {
                let mut sets = lv.partners(e, s);
                sets.push(s);
                for t in sets {
                    for &x in lv.members(e, t) {
                        keep(h, x);
                    }
                }
            }
        }
        // The stored passage candidates and tail copies, in hash order:
        // the pairs are sorted below.
        #[allow(clippy::iter_over_hash_type)]
        for &(a, b) in e.ar.cands.keys() {
            if moved_set.contains(&a) {
                keep(a, b);
            }
            if moved_set.contains(&b) {
                keep(b, a);
            }
        }
        let looked_links: AHashMap<(u32, u32), Option<f64>> =
            found.looked_links.iter().copied().collect();
        let mut tail_pairs: AHashSet<(u32, u32)> = AHashSet::new();
        for (host, other, _) in e.ar.all_links() {
            let now = looked_links.get(&(host, other)).is_none_or(Option::is_some);
            if now && (moved_set.contains(&host) || moved_set.contains(&other)) {
                let h = if moved_set.contains(&other) {
                    other
                } else {
                    host
                };
                keep(h, if h == other { host } else { other });
                tail_pairs.insert((host.min(other), host.max(other)));
            }
        }
        pairs.retain(|p| !looked.contains(p));
        pairs.sort_unstable();
        pairs.dedup();
        e.read(
            pairs
                .iter()
                .flat_map(|&(a, b)| [a, b])
                .collect::<Vec<u32>>(),
        )?;
        let e = &*e;
        let aligned: AHashMap<(u32, u32), Edge> =
            super::again::aligned_now(e, lv, anchors, words, &pairs)
                .into_iter()
                .map(|x| ((x.a, x.b), x))
                .collect();
        pairs
            .iter()
            .filter_map(|&(a, b)| {
                let edge = |relation, jaccard, containment| Edge {
                    a,
                    b,
                    relation,
                    jaccard,
                    containment,
                    passages: Vec::new(),
                };
                match lv.edge(e, a, b) {
                    Some((r, j, c)) => Some(edge(r, j, c)),
                    None => aligned.get(&(a, b)).cloned().or_else(|| {
                        tail_pairs
                            .contains(&(a, b))
                            .then(|| edge(Relation::TailCopy, 0.0, 0.0))
                    }),
                }
            })
            .collect::<Vec<Edge>>()
    };
    let st = e.ar.trail.as_ref().expect("checked");
    e.cut_words = st
        .hosts
        .iter()
        .filter(|h| kept(h.doc))
        .map(|h| (h.doc, h.words as usize))
        .collect();
    // The unmoved indexed hosts' joins with clean documents, as stored,
    // unless their pair was looked at again or the other one moved.
    let mut joins: Vec<(u32, u32, u8)> = st
        .hosts
        .iter()
        .filter(|h| !e.is_active(h.doc) && kept(h.doc))
        .flat_map(|h| {
            h.joins
                .iter()
                .map(move |&(x, k)| (h.doc.min(x), h.doc.max(x), k))
        })
        .filter(|&(a, b, _)| {
            !e.is_active(a) && !e.is_active(b) && !looked.contains(&(a, b)) && kept(a) && kept(b)
        })
        .collect();
    if state {
        // Every cut host's words after its cut.
        e.read(by_host.keys().copied().collect::<Vec<u32>>())?;
    }
    e.cuts = by_host;
    e.cut_read()?;
    // The pairs of the cut hosts before their cuts: with an active
    // document, looked at again, or worked out again (every pair of a
    // cut indexed host, see above).
    let before_cuts: Vec<(u32, u32)> = if state {
        let cut = |x: u32| e.cuts.contains_key(&x);
        edges
            .iter()
            .chain(&again)
            .chain(&moved_edges)
            .map(|x| (x.a, x.b))
            .chain(tails_again.iter().map(|&(o, h)| (o.min(h), o.max(h))))
            .filter(|&(a, b)| cut(a) || cut(b))
            .collect()
    } else {
        Vec::new()
    };
    let cuts: Vec<Cut> = e.cuts.values().cloned().collect();
    let linked = trailing::linked(&cuts);
    let e = &*e;
    let sh = |i: u32| e.docs.get(i).body.shingles.clone();
    let end = |i: u32| e.docs.get(i).body.end;
    let is_cut = |i: u32| e.cuts.contains_key(&i);
    let mut out: Vec<Edge> = Vec::with_capacity(edges.len());
    let mut done: AHashSet<(u32, u32)> = AHashSet::new();
    for x in edges {
        if is_cut(x.a) || is_cut(x.b) {
            if let Some(r) = trailing::rescore(&end, x, &sh, &linked, e.cfg) {
                done.insert((r.a, r.b));
                joins.extend(join_of(e, &r).map(|k| (r.a, r.b, k)));
                out.push(r);
            }
        } else {
            out.push(x);
        }
    }
    for x in again.into_iter().chain(moved_edges) {
        if is_cut(x.a) || is_cut(x.b) {
            if let Some(r) = trailing::rescore(&end, x, &sh, &linked, e.cfg) {
                joins.extend(join_of(e, &r).map(|k| (r.a, r.b, k)));
            }
        }
    }
    for &(a, b) in &linked {
        if done.contains(&(a, b)) || !(e.is_active(a) || e.is_active(b)) {
            continue;
        }
        let s = verify::score(&sh(a), &sh(b));
        out.push(Edge {
            a,
            b,
            relation: Relation::TailCopy,
            jaccard: s.jaccard,
            containment: s.containment,
            passages: Vec::new(),
        });
    }
    out.sort_unstable_by_key(|x| (x.a, x.b));
    joins.sort_unstable();
    joins.dedup();
    let state = freq.map(|freq| {
        let mut decided = decided;
        decided.sort_by_key(|x| (x.0, x.1.source));
        Trail {
            docs: total,
            freq,
            decided,
            hosts: hosts(e, &before_cuts, &joins),
        }
    });
    Ok(Ok((out, joins, state)))
}

/// The cut hosts as the state stores them: each one's partners before
/// its cut (`before_cuts`, every pair of a cut host then), and its joins
/// (from `joins`, every join of a cut host now) and words after.
fn hosts(e: &Eng, before_cuts: &[(u32, u32)], joins: &[(u32, u32, u8)]) -> Vec<Host> {
    let mut hosts: Vec<Host> = e
        .cuts
        .keys()
        .map(|&h| Host {
            doc: h,
            partners: Vec::new(),
            joins: Vec::new(),
            words: e.docs.get(h).body.words() as u32,
        })
        .collect();
    hosts.sort_unstable_by_key(|h| h.doc);
    let at = |x: u32| hosts.binary_search_by_key(&x, |h| h.doc).ok();
    let mut partners: Vec<(usize, u32)> = Vec::new();
    for &(a, b) in before_cuts {
        partners.extend(at(a).map(|k| (k, b)));
        partners.extend(at(b).map(|k| (k, a)));
    }
    partners.sort_unstable();
    partners.dedup();
    let mut by: Vec<(usize, u32, u8)> = Vec::new();
    for &(a, b, kind) in joins {
        by.extend(at(a).map(|k| (k, b, kind)));
        by.extend(at(b).map(|k| (k, a, kind)));
    }
    by.sort_unstable();
    by.dedup();
    for (k, x) in partners {
        hosts[k].partners.push(x);
    }
    for (k, x, kind) in by {
        hosts[k].joins.push((x, kind));
    }
    hosts
}

/// The document a decision's copy comes from.
fn source_of(d: &trailing::Decision) -> u32 {
    match d.source {
        trailing::Source::Body(x) | trailing::Source::Tail(x) => x,
    }
}

/// Whether a decision comes from a body holding another's marker tail
/// (`with_tails`), not from a pair's edge: only those have a shared tail
/// as their one text (see `trailing::decide_with`).
fn from_tail(d: &trailing::Decision) -> bool {
    matches!(d.source, trailing::Source::Tail(_)) && d.texts.len() == 1
}

/// The tail a cut makes.
pub(super) fn tail_of(c: &Cut) -> Tail {
    Tail {
        line: c.line,
        marker: None,
    }
}
