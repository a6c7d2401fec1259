//! Clusters, the report and the delta, from what the engine's steps found.
//!
//! Cluster connectivity needs no edge list: members of a shingle set are
//! joined through their representative, verified set pairs through the
//! two representatives (the pipeline's expansion rules never change
//! which documents end up connected), and passage-level joins as stored
//! and updated.

use std::collections::BTreeMap;

use ahash::{AHashMap, AHashSet};

use super::boiler::List;
use super::groups::Level;
use super::passages::{join_of, Found};
use super::{Eng, Job, Outcome};
use crate::cluster::UnionFind;
use crate::error::Result;
use crate::index::analysis::{Delta, Record, VPair, JOIN_DUPLICATE, JOIN_STORY};
use crate::pipeline::{self, Edge};
use crate::pipeline::{pair_out, round4};
use crate::report::{ClusterKind, ClusterOut, DocumentOut, PairOut, Report, Stats, Tool, SCHEMA};
use crate::verify::Relation;

/// Runs the last step.
pub(super) fn run(
    e: &mut Eng,
    job: &Job,
    flips: &[u64],
    lv: &Level,
    found: &Found,
) -> Result<std::result::Result<Outcome, super::Fallback>> {
    let mut edges: Vec<Edge> = lv
        .edges
        .iter()
        .map(|&(a, b, (relation, jaccard, containment))| Edge {
            a,
            b,
            relation,
            jaccard,
            containment,
            passages: Vec::new(),
        })
        .collect();
    let mut joins: Vec<(u32, u32, u8)> = found
        .edges
        .iter()
        .filter(|x| x.relation != Relation::TailCopy)
        .filter_map(|x| Some((x.a, x.b, join_of(e, x)?)))
        .collect();
    joins.sort_unstable();
    edges.extend(found.edges.iter().cloned());
    let mut edges = pipeline::combine(edges, Vec::new());
    let list = boilerplate(e)?;
    let mut out = Outcome::default();
    if job.delta {
        // The analysis is of the bodies before any tail without a marker
        // is cut (`trail` cuts the read ones).
        out.delta = Some(delta(e, flips, lv, found, joins.clone(), &list));
    }
    if e.trailing {
        match super::trail::run(e, edges, found, lv, job.delta)? {
            Ok((rescored, cut_joins, state)) => {
                edges = rescored;
                joins.retain(|&(a, b, _)| !e.cuts.contains_key(&a) && !e.cuts.contains_key(&b));
                joins.extend(cut_joins);
                joins.sort_unstable();
                out.trail = state;
            }
            // The delta alone: the whole pipeline reports.
            Err(_) if job.delta => return Ok(Ok(out)),
            Err(f) => return Ok(Err(f)),
        }
    }
    if job.report {
        let partners: Vec<u32> = edges
            .iter()
            .filter(|x| x.a >= job.reported || x.b >= job.reported)
            .flat_map(|x| [x.a, x.b])
            .collect();
        e.read(partners)?;
        let e = &*e;
        let clusters = clusters(e, lv, found, &joins, job.reported);
        out.report = Some(report(e, job, &edges, found, &clusters, &list));
    }
    Ok(Ok(out))
}

/// The boilerplate list with the dirty documents' old bodies taken out
/// and the active documents' bodies counted in.
fn boilerplate(e: &mut Eng) -> Result<List> {
    let mut list = List::new(e.ar);
    for &x in &e.dirty {
        let d = e.docs.get(x);
        if let Some(old) = &d.old {
            list.count(x, d, old, -1, &e.markers);
        }
    }
    list.find_orphans();
    for &x in &e.active {
        let d = e.docs.get(x);
        list.count(x, d, &d.body, 1, &e.markers);
    }
    // An entry whose first document lost it takes its text from the
    // first clean document that still carries it.
    for k in std::mem::take(&mut list.orphans) {
        let mut holders: Vec<u32> =
            e.ar.line_holders(k.0)
                .into_iter()
                .map(|x| x.0)
                .filter(|&x| !e.is_dirty(x) && x < list.first(k))
                .collect();
        holders.dedup();
        for x in holders {
            e.read([x])?;
            if list.adopt(k, x, e.docs.get(x), &e.markers) {
                break;
            }
        }
    }
    Ok(list)
}

/// The passage-level joins now: the stored ones without dirty documents,
/// updated for clean pairs looked at again, and the active documents'.
fn joins_now(e: &Eng, found: &Found, active: &[(u32, u32, u8)]) -> Vec<(u32, u32, u8)> {
    let changed: AHashMap<(u32, u32), Option<u8>> = found.joins_changed.iter().copied().collect();
    let mut out: Vec<(u32, u32, u8)> =
        e.ar.joins
            .iter()
            .filter(|((a, b), _)| {
                !e.is_dirty(*a) && !e.is_dirty(*b) && !changed.contains_key(&(*a, *b))
            })
            // A cut host's joins are those it makes after its cut.
            .filter(|((a, b), _)| !e.cuts.contains_key(a) && !e.cuts.contains_key(b))
            .map(|(&(a, b), &k)| (a, b, k))
            .collect();
    out.extend(
        changed
            .iter()
            .filter(|((a, b), _)| !e.cuts.contains_key(a) && !e.cuts.contains_key(b))
            .filter_map(|(&(a, b), &k)| Some((a, b, k?))),
    );
    out.extend_from_slice(active);
    out
}

/// Clusters holding a reported document: (kind, representative, members).
fn clusters(
    e: &Eng,
    lv: &Level,
    found: &Found,
    active: &[(u32, u32, u8)],
    reported: u32,
) -> Vec<(ClusterKind, u32, Vec<u32>)> {
    let total = e.n() + e.new_ids.len() as u32;
    let mut uf = document_level(e, lv);
    let joins = joins_now(e, found, active);
    for &(a, b, k) in &joins {
        if k == JOIN_DUPLICATE {
            uf.union(a, b);
        }
    }

    let mut story = uf.clone();
    for &(a, b, k) in &joins {
        if k == JOIN_STORY {
            story.union(a, b);
        }
    }
    let mut out = Vec::new();
    for (kind, mut uf) in [(ClusterKind::Duplicate, uf), (ClusterKind::Story, story)] {
        let roots: AHashSet<u32> = (reported..total).map(|x| uf.find(x)).collect();
        let mut by_root: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for x in 0..total {
            let r = uf.find(x);
            if roots.contains(&r) {
                by_root.entry(r).or_default().push(x);
            }
        }
        for members in by_root.into_values().filter(|m| m.len() > 1) {
            let rep = *members
                .iter()
                .min_by(|&&x, &&y| {
                    e.words_now(y)
                        .cmp(&e.words_now(x))
                        .then_with(|| e.id(x).cmp(e.id(y)))
                })
                .expect("non-empty");
            out.push((kind, rep, members));
        }
    }
    out
}

/// Connectivity of the document level: each shingle set's documents, and
/// verified set pairs through their representatives.
pub(super) fn document_level(e: &Eng, lv: &Level) -> UnionFind {
    let total = e.n() + e.new_ids.len() as u32;
    let mut uf = UnionFind::new(total as usize);
    // A cut host (alone in its set, see `trail`) joins through the
    // pairs it makes after its cut only.
    let cut = |x: u32| e.cuts.contains_key(&x);
    let union_set = |uf: &mut UnionFind, m: &[u32]| {
        let mut kept = m.iter().copied().filter(|&x| !cut(x));
        if let Some(first) = kept.next() {
            for x in kept {
                uf.union(first, x);
            }
        }
    };
    // Union-find gives the same components in any order of unions.
    #[allow(clippy::iter_over_hash_type)]
    for (s, m) in e.ar.groups() {
        if !m.is_empty() && !lv.is_touched(*s) {
            union_set(&mut uf, m);
        }
    }
    for &s in lv.touched() {
        let m = lv.members(e, s);
        if !m.is_empty() {
            union_set(&mut uf, m);
        }
    }
    let reps = |s: u64| lv.members(e, s).iter().copied().find(|&x| !cut(x));
    #[allow(clippy::iter_over_hash_type)]
    for (&(a, b), _) in e.ar.vpairs() {
        if let (Some(x), Some(y)) = (reps(a), reps(b)) {
            if !cut(x) && !cut(y) {
                uf.union(x, y);
            }
        }
    }
    #[allow(clippy::iter_over_hash_type)]
    for &(a, b) in lv.vnew.keys() {
        if let (Some(x), Some(y)) = (reps(a), reps(b)) {
            if !cut(x) && !cut(y) {
                uf.union(x, y);
            }
        }
    }
    uf
}

/// The best tail copy of host `h` now.
fn copies(e: &Eng, found: &Found, h: u32) -> Option<u32> {
    if let Some(c) = e.cuts.get(&h) {
        return c.copies.first().map(|x| x.0);
    }
    let mut links: Vec<(u32, f64)> = Vec::new();
    if !e.is_active(h) {
        let changed: AHashMap<u32, Option<f64>> = found
            .links_changed
            .iter()
            .filter(|x| x.0 .0 == h)
            .map(|x| (x.0 .1, x.1))
            .collect();
        links.extend(
            e.ar.links(h)
                .iter()
                .filter(|l| !e.is_dirty(l.0) && !changed.contains_key(&l.0))
                .copied(),
        );
        links.extend(changed.iter().filter_map(|(&o, &s)| Some((o, s?))));
    }
    links.extend(found.links.iter().filter(|l| l.0 == h).map(|l| (l.1, l.2)));
    let mut best: Option<(f64, u32)> = None;
    for (other, share) in links {
        if best.is_none_or(|(s, o)| share.total_cmp(&s).then(o.cmp(&other)).is_gt()) {
            best = Some((share, other));
        }
    }
    best.map(|b| b.1)
}

fn document_out(e: &Eng, found: &Found, x: u32) -> DocumentOut {
    let d = e.docs.get(x);
    let body = &d.body;
    let copies = copies(e, found, x).map(|c| e.id(c));
    let (tails, boilerplate) = pipeline::tail_and_boilerplate(
        &d.seg,
        &body.marks,
        body.tail.as_ref(),
        body.end,
        &e.markers,
        copies,
    );
    DocumentOut {
        id: d.document.id.clone(),
        source: d.document.source.clone(),
        body: [0, body.end],
        tails,
        boilerplate,
    }
}

/// The report about the documents from `job.reported` on.
fn report(
    e: &Eng,
    job: &Job,
    edges: &[Edge],
    found: &Found,
    clusters: &[(ClusterKind, u32, Vec<u32>)],
    list: &List,
) -> Report {
    let total = e.n() + e.new_ids.len() as u32;
    let reported = |x: u32| x >= job.reported;
    let mut with_edge: AHashSet<u32> = AHashSet::new();
    let mut pairs: Vec<PairOut> = Vec::new();
    for x in edges.iter().filter(|x| reported(x.a) || reported(x.b)) {
        with_edge.insert(x.a);
        with_edge.insert(x.b);
        pairs.push(pair_out(x, |y| e.id(y), |y| e.shingles_now(y)));
    }
    pairs.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    let listed = |x: u32| {
        with_edge.contains(&x) || {
            let b = &e.docs.get(x).body;
            b.tail.is_some() || b.marks.iter().any(Option::is_some)
        }
    };
    let mut named: Vec<u32> = with_edge.iter().copied().collect();
    named.extend((job.reported..total).filter(|&x| listed(x)));
    named.sort_unstable();
    named.dedup();
    let mut documents: Vec<DocumentOut> =
        named.iter().map(|&x| document_out(e, found, x)).collect();
    documents.sort_by(|x, y| x.id.cmp(&y.id));
    let mut cl: Vec<ClusterOut> = clusters
        .iter()
        .map(|(kind, rep, members)| {
            let mut ids: Vec<String> = members.iter().map(|&m| e.id(m).to_string()).collect();
            ids.sort_unstable();
            ClusterOut {
                id: 0,
                kind: *kind,
                representative: e.id(*rep).to_string(),
                members: ids,
            }
        })
        .collect();
    cl.sort_by(|x, y| (x.kind, &x.members).cmp(&(y.kind, &y.members)));
    for (i, c) in cl.iter_mut().enumerate() {
        c.id = i;
    }
    let removable = clusters
        .iter()
        .filter(|c| c.0 == ClusterKind::Duplicate)
        .flat_map(|c| c.2.iter().filter(move |&&m| m != c.1))
        .filter(|&&m| reported(m))
        .count();
    let mut by_relation = BTreeMap::new();
    for p in &pairs {
        *by_relation
            .entry(p.relation.as_str().to_string())
            .or_insert(0) += 1;
    }
    let input = job.input;
    let mut warnings = input.warnings.clone();
    warnings.sort();
    let shape = e.shape;
    let cfg = e.cfg;
    Report {
        schema: SCHEMA,
        tool: Tool::this(),
        params: pipeline::params(cfg, shape),
        stats: Stats {
            documents: (total - job.reported) as usize,
            bytes: (job.reported..total)
                .map(|x| e.docs.get(x).document.text.len() as u64)
                .sum(),
            seconds: round4(job.start.elapsed().as_secs_f64()),
            files: input.files.len(),
            records: input.records,
            warnings: warnings.len(),
            pairs: by_relation,
            removable,
        },
        warnings,
        documents,
        pairs,
        clusters: cl,
        boilerplate: list.report(),
    }
}

/// What to store for the enlarged archive.
fn delta(
    e: &Eng,
    flips: &[u64],
    lv: &Level,
    found: &Found,
    joins: Vec<(u32, u32, u8)>,
    list: &List,
) -> Delta {
    let n = e.n();
    let snapshot = n == 0;
    let mut recurring: Vec<u64> = if snapshot {
        e.stats.recurring.iter().copied().collect()
    } else {
        flips.to_vec()
    };
    recurring.sort_unstable();
    let mut anchors = Vec::new();
    let mut tails = Vec::new();
    let mut words = Vec::new();
    let mut records = Vec::with_capacity(e.active.len());
    for &x in &e.active {
        let b = &e.docs.get(x).body;
        records.push(Record {
            doc: x,
            words: b.words() as u32,
            shingles: b.shingles.len() as u32,
            set: b.set,
            tail: b.tail.is_some(),
        });
        anchors.extend(b.akeys.iter().map(|k| k | u64::from(x)));
        tails.extend(b.tkeys.iter().map(|k| k | u64::from(x)));
        words.extend(b.wkeys.iter().map(|k| k | u64::from(x)));
    }
    for v in [&mut anchors, &mut tails, &mut words] {
        rayon::slice::ParallelSliceMut::par_sort_unstable(v.as_mut_slice());
    }
    let m = e.new_ids.len();
    let mut d = Delta {
        snapshot,
        first: n,
        docs: n + m as u32,
        recurring,
        boilerplate: if snapshot { list.all() } else { list.changes() },
        ids: e.new_ids.clone(),
        records,
        line_sets: (n..n + m as u32)
            .map(|x| e.docs.get(x).lines.clone())
            .collect(),
        bands: lv.bands.clone(),
        anchors,
        tails,
        words,
        vpairs: lv
            .vnew
            .iter()
            .map(|(&(a, b), &(relation, jaccard, containment))| VPair {
                a,
                b,
                relation,
                jaccard,
                containment,
            })
            .collect(),
        vpairs_gone: lv.vgone.clone(),
        joins,
        ..Delta::default()
    };
    d.vpairs.sort_by_key(|x| (x.a, x.b));
    for &(p, k) in &found.joins_changed {
        if e.ar.joins.get(&p).copied() != k {
            d.joins_gone.push(p);
            d.joins.extend(k.map(|k| (p.0, p.1, k)));
        }
    }
    d.joins.sort_unstable();
    d.common_anchors.clone_from(&found.common_anchors);
    d.common_words.clone_from(&found.common_words);
    d.cands.clone_from(&found.cands);
    for &(p, now) in &found.cands_changed {
        d.cands_gone.push(p);
        if let Some(flag) = now {
            d.cands.push((p.0, p.1, flag));
        }
    }
    d.cands.sort_unstable();
    d.cands.dedup_by_key(|x| (x.0, x.1));
    d.links.clone_from(&found.links);
    for &(p, share) in &found.links_changed {
        d.links_gone.push(p);
        d.links.extend(share.map(|s| (p.0, p.1, s)));
    }
    d.links.sort_by_key(|x| (x.0, x.1));
    d.joins_gone.sort_unstable();
    d.cands_gone.sort_unstable();
    d.links_gone.sort_unstable();
    d
}
