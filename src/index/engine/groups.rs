//! The document level over the indexed and the new documents: exact-
//! duplicate groups (by shingle-set fingerprint), LSH buckets of group
//! representatives, verified set pairs, and the document-level edges of
//! the active documents, by the rules of `pipeline::document_edges`.
//!
//! A set pair verified once stays verified (the relation depends only on
//! the two sets); what the new documents change is which sets have
//! documents, which document represents each set, and group sizes. In an
//! LSH bucket of at most `max_bucket` representatives every pair is a
//! candidate, so a set that appears only adds pairs; a bucket that is or
//! becomes larger is windowed by representative order, and any change but
//! representatives appended at its end makes the engine give up (the
//! caller then runs the whole pipeline).

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;

use super::{Eng, Fallback};
use crate::index::archive::Verified;
use crate::index::state::{band_key, FULL_EXPANSION, FULL_GROUP};
use crate::minhash;
use crate::verify::{self, Relation};

/// What the document level found.
#[derive(Debug, Default)]
pub(crate) struct Level {
    /// Documents of every touched set, sorted.
    members: AHashMap<u64, Vec<u32>>,
    /// The sets whose documents changed, sorted.
    touched: Vec<u64>,
    /// Set pairs verified now.
    pub vnew: AHashMap<(u64, u64), Verified>,
    /// The sets verified against each set now, from `vnew`.
    vnew_partners: AHashMap<u64, Vec<u64>>,
    /// Set pairs of sets that no document has any more.
    pub vgone: Vec<(u64, u64)>,
    /// Sets no indexed document had.
    pub new_sets: Vec<u64>,
    /// LSH entries `(key, band, set)` of the new sets, sorted.
    pub bands: Vec<(u64, u8, u64)>,
    /// Edges of the active documents `(a, b, verified)`, `a < b`, sorted.
    pub edges: Vec<(u32, u32, Verified)>,
    /// Pairs of clean indexed documents whose document-level edge
    /// changed, with the new one, sorted.
    pub changed: Vec<((u32, u32), Option<Verified>)>,
}

fn key(a: u64, b: u64) -> (u64, u64) {
    (a.min(b), a.max(b))
}

const SAME: Verified = (Relation::Duplicate, 1.0, 1.0);

/// Whether a group of `size` documents represented by `rep` has an edge
/// between its members `x` and `y`.
fn intra(size: usize, rep: u32, x: u32, y: u32) -> bool {
    size <= FULL_GROUP || x.min(y) == rep
}

/// Whether verified groups `ga` and `gb` give an edge between `x ∈ ga`
/// and `y ∈ gb`.
fn cross(ga: &[u32], gb: &[u32], x: u32, y: u32) -> bool {
    ga.len() * gb.len() <= FULL_EXPANSION || (x == ga[0] && y == gb[0])
}

impl Level {
    /// The sets whose documents changed, sorted.
    pub fn touched(&self) -> &[u64] {
        &self.touched
    }

    /// Whether set `s`'s documents changed.
    pub fn is_touched(&self, s: u64) -> bool {
        self.members.contains_key(&s)
    }

    /// Documents of set `s` now.
    pub fn members<'s>(&'s self, e: &'s Eng, s: u64) -> &'s [u32] {
        self.members
            .get(&s)
            .map_or_else(|| e.ar.members(s), Vec::as_slice)
    }

    /// The verified relation of sets `a` and `b` now.
    pub fn vpair(&self, e: &Eng, a: u64, b: u64) -> Option<Verified> {
        let k = key(a, b);
        self.vnew.get(&k).copied().or_else(|| e.ar.vpair(a, b))
    }

    /// The sets verified against `s` now.
    pub fn partners(&self, e: &Eng, s: u64) -> Vec<u64> {
        let mut out: Vec<u64> =
            e.ar.partners(s)
                .iter()
                .copied()
                .filter(|&t| !self.members(e, t).is_empty())
                .collect();
        out.extend(self.vnew_partners.get(&s).into_iter().flatten());
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The document-level edge of documents `x` and `y` now.
    pub fn edge(&self, e: &Eng, x: u32, y: u32) -> Option<Verified> {
        let (sx, sy) = (e.set_now(x), e.set_now(y));
        if sx == 0 || sy == 0 {
            return None;
        }
        if sx == sy {
            let g = self.members(e, sx);
            return intra(g.len(), g[0], x, y).then_some(SAME);
        }
        let v = self.vpair(e, sx, sy)?;
        let (gx, gy) = (self.members(e, sx), self.members(e, sy));
        (cross(gx, gy, x, y) || cross(gy, gx, y, x)).then_some(v)
    }

    /// The document-level edge of clean indexed documents `x` and `y`
    /// before.
    fn edge_before(e: &Eng, x: u32, y: u32) -> Option<Verified> {
        let (sx, sy) = (e.set_before(x), e.set_before(y));
        if sx == 0 || sy == 0 {
            return None;
        }
        if sx == sy {
            let g = e.ar.members(sx);
            return intra(g.len(), g[0], x, y).then_some(SAME);
        }
        let v = e.ar.vpair(sx, sy)?;
        let (gx, gy) = (e.ar.members(sx), e.ar.members(sy));
        (cross(gx, gy, x, y) || cross(gy, gx, y, x)).then_some(v)
    }
}

/// Where the shingles of a set can be read: a document and whether its
/// old body has them.
type Source = (u32, bool);

/// Runs the document level.
pub(crate) fn run(e: &mut Eng) -> Result<Result<Level, Fallback>, crate::Error> {
    let mut lv = Level::default();
    let mut source: AHashMap<u64, Source> = AHashMap::new();
    let mut touched: Vec<u64> = Vec::new();
    // The active documents of each set, in `active` order.
    let mut active_of: AHashMap<u64, Vec<u32>> = AHashMap::new();
    for &x in &e.active {
        let d = e.docs.get(x);
        active_of.entry(d.body.set).or_default().push(x);
        if d.body.set != 0 {
            touched.push(d.body.set);
            source.entry(d.body.set).or_insert((x, false));
        }
        if let Some(old) = &d.old {
            if old.set != 0 {
                touched.push(old.set);
                source.entry(old.set).or_insert((x, true));
            }
        }
    }
    touched.sort_unstable();
    touched.dedup();
    for &s in &touched {
        let mut m: Vec<u32> =
            e.ar.members(s)
                .iter()
                .copied()
                .filter(|x| !e.is_dirty(*x))
                .collect();
        m.extend(active_of.get(&s).into_iter().flatten());
        m.sort_unstable();
        m.dedup();
        lv.members.insert(s, m);
    }
    // Identical fingerprints must mean identical sets (the pipeline
    // checks; a 64-bit collision splits a group there).
    let refs: Vec<u32> = touched
        .iter()
        .filter_map(|s| lv.members[s].iter().copied().find(|&x| !e.is_active(x)))
        .collect();
    e.read(refs)?;
    for &s in &touched {
        let m = &lv.members[&s];
        let Some(&first) = m.first() else { continue };
        let reference = &e.docs.get(first).body.shingles;
        if m.iter()
            .any(|&x| e.is_active(x) && e.docs.get(x).body.shingles != *reference)
        {
            return Ok(Err(Fallback("two shingle sets share a fingerprint")));
        }
    }
    // Sets that appear, vanish or change representative move in buckets.
    let mut moved: Vec<(u64, Vec<u64>)> = Vec::new();
    for &s in &touched {
        let (before, now) = (e.ar.members(s), lv.members(e, s));
        if before.first() == now.first() {
            continue;
        }
        let (appears, vanishes) = (before.is_empty(), now.is_empty());
        if appears {
            lv.new_sets.push(s);
        }
        if vanishes {
            for &t in e.ar.partners(s) {
                lv.vgone.push(key(s, t));
            }
        }
        let (x, old) = source[&s];
        let d = e.docs.get(x);
        let sh = if old {
            &d.old.as_ref().map_or(&d.body, |b| b).shingles
        } else {
            &d.body.shingles
        };
        let sig = minhash::signature(sh, e.cfg.permutations);
        moved.push((
            s,
            (0..e.shape.bands)
                .map(|b| band_key(&sig, e.shape, b))
                .collect(),
        ));
    }
    lv.vgone.sort_unstable();
    lv.vgone.dedup();
    let new_sets: AHashSet<u64> = lv.new_sets.iter().copied().collect();
    let mut buckets: Vec<(u8, u64, u64)> = Vec::new();
    for (s, keys) in &moved {
        for (b, &k) in keys.iter().enumerate() {
            buckets.push((b as u8, k, *s));
            if new_sets.contains(s) {
                lv.bands.push((k, b as u8, *s));
            }
        }
    }
    lv.bands.sort_unstable();
    buckets.sort_unstable();
    let mut cands: Vec<(u64, u64)> = Vec::new();
    for run in buckets.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
        let (b, k) = (run[0].0, run[0].1);
        let mut sets = e.ar.band_sets(b, k);
        sets.extend(run.iter().map(|x| x.2).filter(|s| new_sets.contains(s)));
        sets.sort_unstable();
        sets.dedup();
        let list = |f: &dyn Fn(u64) -> Option<u32>| {
            let mut v: Vec<(u32, u64)> = sets.iter().filter_map(|&s| Some((f(s)?, s))).collect();
            v.sort_unstable();
            v
        };
        let old = list(&|s| e.ar.members(s).first().copied());
        let now = list(&|s| lv.members(e, s).first().copied());
        if !bucket_pairs(
            &old,
            &now,
            e.cfg.max_bucket,
            e.cfg.large_bucket_window,
            &mut cands,
        ) {
            return Ok(Err(Fallback("a large LSH bucket changes")));
        }
    }
    cands.sort_unstable();
    cands.dedup();
    verify_pairs(e, &mut lv, &cands, &source)?;
    lv.edges = active_edges(e, &lv);
    lv.changed = clean_changes(e, &lv, &touched);
    lv.touched = touched;
    Ok(Ok(lv))
}

/// The candidate set pairs a bucket gains, `old` and `now` being its
/// (representative, set) lists; `false` when its windows change in a way
/// that needs the whole pipeline.
fn bucket_pairs(
    old: &[(u32, u64)],
    now: &[(u32, u64)],
    max: usize,
    window: usize,
    out: &mut Vec<(u64, u64)>,
) -> bool {
    if old == now {
        return true;
    }
    let was: AHashSet<u64> = old.iter().map(|x| x.1).collect();
    if old.len() <= max && now.len() <= max {
        for (i, x) in now.iter().enumerate() {
            for y in &now[i + 1..] {
                if !was.contains(&x.1) || !was.contains(&y.1) {
                    out.push(key(x.1, y.1));
                }
            }
        }
        return true;
    }
    // A bucket windowed before keeps its windows when representatives
    // are only appended; a new bucket is windowed from the start.
    let appended = old.is_empty()
        || (old.len() > max
            && now.len() > old.len()
            && now[..old.len()] == *old
            && now[old.len()].0 > old[old.len() - 1].0);
    if !appended {
        return false;
    }
    for i in 0..now.len() {
        for j in (i + 1..(i + 1 + window).min(now.len())).filter(|&j| j >= old.len()) {
            out.push(key(now[i].1, now[j].1));
        }
    }
    true
}

/// Verifies candidate set pairs exactly.
fn verify_pairs(
    e: &mut Eng,
    lv: &mut Level,
    cands: &[(u64, u64)],
    source: &AHashMap<u64, Source>,
) -> Result<(), crate::Error> {
    let mut need = Vec::new();
    for &(a, b) in cands {
        for s in [a, b] {
            if !source.contains_key(&s) {
                need.extend(lv.members(e, s).first().copied());
            }
        }
    }
    e.read(need)?;
    let shingles = |s: u64| -> &[u64] {
        match source.get(&s) {
            Some(&(x, true)) => {
                let d = e.docs.get(x);
                &d.old.as_ref().map_or(&d.body, |b| b).shingles
            }
            Some(&(x, false)) => &e.docs.get(x).body.shingles,
            None => &e.docs.get(lv.members(e, s)[0]).body.shingles,
        }
    };
    let found: Vec<((u64, u64), Verified)> = cands
        .par_iter()
        .filter_map(|&(a, b)| {
            let s = verify::score(shingles(a), shingles(b));
            verify::classify(s, e.cfg).map(|r| ((a, b), (r, s.jaccard, s.containment)))
        })
        .collect();
    for &((a, b), _) in &found {
        lv.vnew_partners.entry(a).or_default().push(b);
        lv.vnew_partners.entry(b).or_default().push(a);
    }
    lv.vnew.extend(found);
    Ok(())
}

/// Document-level edges with an active document.
fn active_edges(e: &Eng, lv: &Level) -> Vec<(u32, u32, Verified)> {
    let mut out: Vec<(u32, u32, Verified)> = e
        .active
        .par_iter()
        .flat_map_iter(|&x| {
            let s = e.docs.get(x).body.set;
            let mut v = Vec::new();
            if s == 0 {
                return v;
            }
            let g = lv.members(e, s);
            for &y in g.iter().filter(|&&y| y != x) {
                if intra(g.len(), g[0], x, y) {
                    v.push((x.min(y), x.max(y), SAME));
                }
            }
            for t in lv.partners(e, s) {
                let Some(vp) = lv.vpair(e, s, t) else {
                    continue;
                };
                let h = lv.members(e, t);
                if g.len() * h.len() <= FULL_EXPANSION {
                    v.extend(h.iter().map(|&y| (x.min(y), x.max(y), vp)));
                } else if x == g[0] {
                    v.push((x.min(h[0]), x.max(h[0]), vp));
                }
            }
            v
        })
        .collect();
    out.sort_unstable_by_key(|a| (a.0, a.1));
    out.dedup_by_key(|x| (x.0, x.1));
    out
}

/// Pairs of clean indexed documents whose document-level edge changes
/// because their groups changed size or representative.
fn clean_changes(e: &Eng, lv: &Level, touched: &[u64]) -> Vec<((u32, u32), Option<Verified>)> {
    let clean = |s: u64| -> Vec<u32> {
        e.ar.members(s)
            .iter()
            .copied()
            .filter(|&x| !e.is_dirty(x))
            .collect()
    };
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for &s in touched {
        let (before, now) = (e.ar.members(s), lv.members(e, s));
        if before.is_empty() || now.is_empty() {
            continue;
        }
        let c = clean(s);
        if before.len() > FULL_GROUP || now.len() > FULL_GROUP {
            if before.len() > FULL_GROUP && now.len() > FULL_GROUP {
                for r in [before[0], now[0]] {
                    pairs.extend(c.iter().filter(|&&x| x != r).map(|&x| (x.min(r), x.max(r))));
                }
            } else {
                for (i, &x) in c.iter().enumerate() {
                    pairs.extend(c[i + 1..].iter().map(|&y| (x, y)));
                }
            }
        }
        for &t in e.ar.partners(s) {
            let (tb, tn) = (e.ar.members(t), lv.members(e, t));
            if tb.is_empty() || tn.is_empty() {
                continue;
            }
            let all_before = before.len() * tb.len() <= FULL_EXPANSION;
            let all_now = now.len() * tn.len() <= FULL_EXPANSION;
            if all_before && all_now {
                continue;
            }
            if !all_before && !all_now {
                for (x, y) in [(before[0], tb[0]), (now[0], tn[0])] {
                    pairs.push((x.min(y), x.max(y)));
                }
            } else {
                let ct = clean(t);
                for &x in &c {
                    pairs.extend(ct.iter().map(|&y| (x.min(y), x.max(y))));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
        .into_iter()
        .filter(|&(x, y)| x != y && !e.is_active(x) && !e.is_active(y))
        .filter_map(|(x, y)| {
            let now = lv.edge(e, x, y);
            (now != Level::edge_before(e, x, y)).then_some(((x, y), now))
        })
        .collect()
}
