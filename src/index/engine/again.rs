//! Pairs of clean indexed documents looked at again: their bodies did not
//! change, but something their passage-level state depends on did: a key
//! they share turned rare or common (candidacy and alignment seeds), or
//! their document-level edge appeared or went (alignment is only for
//! pairs without one).
//!
//! For `index add` every such pair is looked at, so that the stored
//! analysis stays exact. A query only needs the pairs that can change a
//! cluster of a new document, and looks at them in rounds: a pair whose
//! documents are already connected by joins that cannot change adds
//! nothing, and a pair that would not reach a new document even if every
//! remaining pair joined changes no reported cluster. Each round looks at
//! a spanning forest of the pairs still in doubt, whose joins then settle
//! many of the others.

use ahash::AHashSet;
use rayon::prelude::*;

use super::groups::Level;
use super::keys::{self, Counted, Which};
use super::passages::{align_all, classifies, copy_share, join_of, known, Found};
use super::{Eng, Join};
use crate::cluster::UnionFind;
use crate::error::Result;
use crate::index::analysis::JOIN_DUPLICATE;
use crate::verify::Relation;

/// Below this many pairs, a round looks at every pair in doubt.
const SMALL_FOREST: usize = 64;

/// A clean pair looked at again: a body pair or a (body, tail) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Again {
    Bodies(u32, u32),
    Tail { host: u32, other: u32 },
}

/// Looks at the clean pairs that may have changed, recording what did in
/// `out`.
pub(super) fn run(
    e: &mut Eng,
    lv: &Level,
    anchors: &Counted,
    words: &Counted,
    out: &mut Found,
) -> Result<()> {
    let mut all: Vec<Again> = Vec::new();
    for &(i, j) in anchors.suspects.iter().chain(&words.suspects) {
        all.push(match (i & 1, j & 1) {
            (0, 0) => Again::Bodies(i >> 1, j >> 1),
            (1, _) => Again::Tail {
                host: i >> 1,
                other: j >> 1,
            },
            _ => Again::Tail {
                host: j >> 1,
                other: i >> 1,
            },
        });
    }
    all.extend(lv.changed.iter().map(|&((x, y), _)| Again::Bodies(x, y)));
    all.sort_unstable();
    all.dedup();
    if e.all_suspects {
        return look(e, lv, anchors, words, &all, out);
    }
    if e.every_suspect {
        // Keys only turn common as documents are added: a pair that was
        // no passage candidate (or tail copy) stays none, and its edge
        // (document level, if any) is as it was. The others are all
        // looked at: tails without a marker may depend on any of them.
        let changed: AHashSet<(u32, u32)> = lv.changed.iter().map(|x| x.0).collect();
        all.retain(|a| match *a {
            Again::Bodies(x, y) => e.ar.cands.contains_key(&(x, y)) || changed.contains(&(x, y)),
            Again::Tail { host, other } => e.ar.links(host).iter().any(|l| l.0 == other),
        });
        return look(e, lv, anchors, words, &all, out);
    }
    let named = named(e, lv, out);
    let tails: Vec<Again> = all
        .iter()
        .copied()
        .filter(|a| matches!(a, Again::Tail { host, .. } if named.contains(host)))
        .collect();
    look(e, lv, anchors, words, &tails, out)?;
    let mut pending: Vec<(u32, u32)> = all
        .iter()
        .filter_map(|a| match *a {
            Again::Bodies(x, y) => Some((x, y)),
            Again::Tail { .. } => None,
        })
        .collect();
    let mut graphs = Graphs::new(e, lv, out, &pending);
    loop {
        let mut pick = graphs.forest(e, &pending, true);
        if pick.is_empty() {
            return Ok(());
        }
        // Forests shrink to a few pairs in doubt after a few rounds: then
        // all of them at once.
        if pick.len() < SMALL_FOREST {
            pick = graphs.forest(e, &pending, false);
        }
        let picked: AHashSet<(u32, u32)> = pick.iter().copied().collect();
        pending.retain(|p| !picked.contains(p));
        let batch: Vec<Again> = pick.iter().map(|&(x, y)| Again::Bodies(x, y)).collect();
        let from = out.joins_changed.len();
        look(e, lv, anchors, words, &batch, out)?;
        for &((x, y), join) in &out.joins_changed[from..] {
            graphs.join(x, y, join);
        }
    }
}

/// The documents a query's report lists.
fn named(e: &Eng, lv: &Level, out: &Found) -> AHashSet<u32> {
    let reported = |x: u32| x >= e.reported;
    let mut named: AHashSet<u32> = (e.reported..e.total()).collect();
    let pairs = out.edges.iter().map(|x| (x.a, x.b));
    for (a, b) in pairs.chain(lv.edges.iter().map(|x| (x.0, x.1))) {
        if reported(a) || reported(b) {
            named.insert(a);
            named.insert(b);
        }
    }
    named
}

/// Connectivity for duplicate and story clusters by the joins that cannot
/// change (document level, stored joins of pairs not in doubt, the active
/// documents' joins) and those found so far.
struct Graphs {
    /// Duplicate, then story.
    sure: [UnionFind; 2],
    /// Pairs in doubt that may join duplicate clusters (their bodies'
    /// scores reach a relation, or are not known).
    may_duplicate: AHashSet<(u32, u32)>,
}

impl Graphs {
    fn new(e: &Eng, lv: &Level, out: &Found, doubt: &[(u32, u32)]) -> Self {
        let doubt_set: AHashSet<(u32, u32)> = doubt.iter().copied().collect();
        let mut certain: Vec<(u32, u32, u8)> = e
            .ar
            .joins
            .iter()
            .filter(|(&(a, b), _)| !e.is_dirty(a) && !e.is_dirty(b) && !doubt_set.contains(&(a, b)))
            .map(|(&(a, b), &k)| (a, b, k))
            .collect();
        certain.extend(
            out.edges
                .iter()
                .filter(|x| x.relation != Relation::TailCopy)
                .filter_map(|x| Some((x.a, x.b, join_of(e, x)?))),
        );
        let base = super::assemble::document_level(e, lv);
        let mut sure = [base.clone(), base];
        for &(a, b, k) in &certain {
            if k == JOIN_DUPLICATE {
                sure[0].union(a, b);
            }
            sure[1].union(a, b);
        }
        let may_duplicate = doubt
            .iter()
            .copied()
            .filter(|p| e.ar.cands.get(p).copied().unwrap_or(true))
            .collect();
        Graphs {
            sure,
            may_duplicate,
        }
    }

    fn join(&mut self, x: u32, y: u32, join: Join) {
        if let Some(k) = join {
            if k == JOIN_DUPLICATE {
                self.sure[0].union(x, y);
            }
            self.sure[1].union(x, y);
        }
    }

    /// A spanning forest of the pairs in `pending` that can still change
    /// a reported cluster, or (`forest` false) all of those pairs.
    fn forest(&mut self, e: &Eng, pending: &[(u32, u32)], forest: bool) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        for kind in 0..2 {
            let may = |p: &(u32, u32)| kind == 1 || self.may_duplicate.contains(p);
            let mut all = self.sure[kind].clone();
            for p in pending.iter().filter(|p| may(p)) {
                all.union(p.0, p.1);
            }
            let roots: AHashSet<u32> = (e.reported..e.total()).map(|x| all.find(x)).collect();
            let mut tree = self.sure[kind].clone();
            for p in pending.iter().filter(|p| may(p)) {
                let (x, y) = *p;
                if roots.contains(&all.find(x)) && tree.find(x) != tree.find(y) {
                    if forest {
                        tree.union(x, y);
                    }
                    out.push(*p);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Looks at `batch` again, recording what changed in `out`.
fn look(
    e: &mut Eng,
    lv: &Level,
    anchors: &Counted,
    words: &Counted,
    batch: &[Again],
    out: &mut Found,
) -> Result<()> {
    let need: Vec<u32> = batch
        .iter()
        .flat_map(|a| match *a {
            Again::Bodies(x, y) => [x, y],
            Again::Tail { host, other } => [host, other],
        })
        .collect();
    e.read(need)?;
    let e = &*e;
    let checked: Vec<(Again, Candidacy)> = batch
        .par_iter()
        .map(|&a| (a, still_candidate(e, anchors, words, a)))
        .collect();
    let mut align: Vec<(u32, u32, bool)> = Vec::new();
    for &(a, c) in &checked {
        let now = c.anchors || c.words;
        match a {
            Again::Bodies(x, y) => {
                let flag = now.then(|| e.all_suspects && classifies(e, x, y));
                if e.all_suspects && flag != e.ar.cands.get(&(x, y)).copied() {
                    out.cands_changed.push(((x, y), flag));
                }
                if now && !known(e, lv, x, y) {
                    align.push((x, y, c.words));
                }
            }
            Again::Tail { host, other } => {
                let share = if now {
                    copy_share(e, host, other)
                } else {
                    None
                };
                let before = e.ar.links(host).iter().find(|l| l.0 == other).map(|l| l.1);
                out.looked_links.push(((host, other), share));
                if share != before {
                    out.links_changed.push(((host, other), share));
                }
            }
        }
    }
    align.sort_unstable();
    let realigned = align_all(e, anchors, &align);
    let aligned: Vec<((u32, u32), Join)> = realigned
        .iter()
        .map(|x| ((x.a, x.b), join_of(e, x)))
        .collect();
    if e.trailing {
        // Kept for tails without a marker (see `trail`).
        out.looked
            .extend(checked.iter().filter_map(|(a, _)| match *a {
                Again::Bodies(x, y) => Some((x, y)),
                Again::Tail { .. } => None,
            }));
        out.realigned.extend(realigned);
    }
    let mut joins: Vec<((u32, u32), Join)> = checked
        .iter()
        .filter_map(|(a, _)| match *a {
            Again::Bodies(x, y) => Some(((x, y), None)),
            Again::Tail { .. } => None,
        })
        .collect();
    // A pair's alignment has the last word, else it makes no join.
    joins.extend(aligned);
    joins.sort_by_key(|x| (x.0, x.1.is_none()));
    joins.dedup_by_key(|x| x.0);
    out.joins_changed.extend(joins);
    Ok(())
}

/// The passage-level edges now of clean body pairs `pairs` (`a < b`,
/// sorted) that have no document-level edge: aligned when still
/// candidates.
pub(super) fn aligned_now(
    e: &Eng,
    lv: &Level,
    anchors: &Counted,
    words: &Counted,
    pairs: &[(u32, u32)],
) -> Vec<crate::pipeline::Edge> {
    let align: Vec<(u32, u32, bool)> = pairs
        .par_iter()
        .filter(|&&(x, y)| !known(e, lv, x, y))
        .filter_map(|&(x, y)| {
            let c = still_candidate(e, anchors, words, Again::Bodies(x, y));
            (c.anchors || c.words).then_some((x, y, c.words))
        })
        .collect();
    align_all(e, anchors, &align)
}

/// Whether a pair is a candidate through each key family.
#[derive(Clone, Copy, Debug, Default)]
struct Candidacy {
    /// Enough shared rare anchors.
    anchors: bool,
    /// Enough shared rare words (bags of words are looked for).
    words: bool,
}

/// Whether clean pair `a` is still a candidate: enough shared keys held
/// by 2 to `max` items now.
fn still_candidate(e: &Eng, anchors: &Counted, words: &Counted, a: Again) -> Candidacy {
    let pc = &e.cfg.passage;
    // Two items hold every key they share: a shared key counts unless
    // it is common.
    // Counting stops at `need`: only whether it is reached matters.
    let shared = |x: &[u64], y: &[u64], c: &Counted, which: Which, need: usize| {
        let (mut i, mut j, mut n) = (0, 0, 0usize);
        while i < x.len() && j < y.len() && n < need {
            match x[i].cmp(&y[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += usize::from(!keys::is_common(e, c, which, x[i]));
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    };
    match a {
        Again::Bodies(x, y) => {
            let (bx, by) = (&e.docs.get(x).body, &e.docs.get(y).body);
            Candidacy {
                anchors: shared(
                    &bx.akeys,
                    &by.akeys,
                    anchors,
                    Which::Anchors,
                    pc.min_shared_anchors,
                ) >= pc.min_shared_anchors,
                words: shared(
                    &bx.wkeys,
                    &by.wkeys,
                    words,
                    Which::Words,
                    pc.min_shared_words,
                ) >= pc.min_shared_words,
            }
        }
        Again::Tail { host, other } => {
            let (t, b) = (&e.docs.get(host).body.tkeys, &e.docs.get(other).body.akeys);
            Candidacy {
                anchors: shared(t, b, anchors, Which::Anchors, pc.min_shared_anchors)
                    >= pc.min_shared_anchors,
                words: false,
            }
        }
    }
}
