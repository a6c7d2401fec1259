//! Turning documents, bodies and edges into clusters and the report.

use ahash::AHashMap;
use rayon::prelude::*;

use super::relate::Edge;
use super::{Body, Corpus};
use crate::boilerplate::Kind;
use crate::cluster::UnionFind;
use crate::config::Config;
use crate::report::{
    BoilerplateOut, ClusterKind, ClusterOut, DocumentOut, PairOut, Params, PassageOut, Report,
    Stats, TailOut, Tool, SCHEMA,
};
use crate::segment::{Markers, Segmented};
use crate::tails::Tail;
use crate::verify::Relation;

/// A cluster by document indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// Its kind.
    pub kind: ClusterKind,
    /// The representative `dedup` keeps.
    pub representative: u32,
    /// Members, sorted by index.
    pub members: Vec<u32>,
}

/// Whether a shared-passages edge is strong enough to join a story: its
/// passages cover at least `min` of both bodies. A long digest that
/// quotes one paragraph of many stories would otherwise chain them all
/// into one.
/// Whether shared passages `e` cover at least `min` of both bodies.
pub fn tells_same_story(e: &Edge, bodies: &[Body], min: f64) -> bool {
    let cover = |words: u32, doc: u32| f64::from(words) / bodies[doc as usize].words.max(1) as f64;
    let wa: u32 = e.passages.iter().map(|p| p.words).sum();
    let wb: u32 = e.passages.iter().map(|p| p.words_b).sum();
    cover(wa, e.a) >= min && cover(wb, e.b) >= min
}

/// Duplicate clusters (through duplicate, near_duplicate, contains) and
/// story clusters (also through shared passages that cover at least
/// `story_min_coverage` of both bodies). The representative is the member
/// with the longest body in words, then the smallest id.
pub fn clusters(corpus: &Corpus, bodies: &[Body], edges: &[Edge], cfg: &Config) -> Vec<Cluster> {
    let n = corpus.docs.len();
    let mut out = Vec::new();
    for kind in [ClusterKind::Duplicate, ClusterKind::Story] {
        let mut uf = UnionFind::new(n);
        for e in edges {
            let joins = match kind {
                ClusterKind::Duplicate => e.relation.joins_duplicates(),
                ClusterKind::Story => {
                    e.relation.joins_duplicates()
                        || (e.relation == Relation::SharedPassages
                            && tells_same_story(e, bodies, cfg.story_min_coverage))
                }
            };
            if joins {
                uf.union(e.a, e.b);
            }
        }
        for members in uf.groups() {
            let representative = *members
                .iter()
                .min_by(|&&x, &&y| {
                    bodies[y as usize]
                        .words
                        .cmp(&bodies[x as usize].words)
                        .then_with(|| {
                            corpus.docs[x as usize]
                                .doc
                                .id
                                .cmp(&corpus.docs[y as usize].doc.id)
                        })
                })
                .expect("groups are non-empty");
            out.push(Cluster {
                kind,
                representative,
                members,
            });
        }
    }
    out
}

fn id(corpus: &Corpus, i: u32) -> &str {
    &corpus.docs[i as usize].doc.id
}

/// The report's parameters of a run with `cfg`, whose LSH has `shape`.
pub(crate) fn params(cfg: &Config, shape: crate::lsh::Bands) -> Params {
    Params {
        threshold: cfg.threshold,
        duplicate_threshold: cfg.duplicate_threshold,
        containment_threshold: cfg.containment_threshold,
        shingle_words: cfg.shingle_words,
        permutations: cfg.permutations,
        bands: shape.bands,
        rows: shape.rows,
        passages: cfg.passages,
        ta_marbuta: cfg.normalize.ta_marbuta,
        hash: "xxh3-64, seeds in src/hash.rs".into(),
    }
}

/// `x` rounded to four decimals, as the report writes scores and seconds.
pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// What the report says of edge `e`: its documents in id order (`id`
/// names a document), its passages from the first document's side, and
/// for `contains` the document with the fewer shingles (`shingles`).
pub(crate) fn pair_out<'a>(
    e: &Edge,
    id: impl Fn(u32) -> &'a str,
    shingles: impl Fn(u32) -> usize,
) -> PairOut {
    let (mut a, mut b) = (e.a, e.b);
    let mut passages: Vec<PassageOut> = e
        .passages
        .iter()
        .map(|p| PassageOut {
            a: p.a,
            b: p.b,
            words: p.words,
        })
        .collect();
    if id(a) > id(b) {
        std::mem::swap(&mut a, &mut b);
        for p in &mut passages {
            std::mem::swap(&mut p.a, &mut p.b);
        }
    }
    passages.sort_by_key(|p| (p.a, p.b));
    let contained = (e.relation == Relation::Contains)
        .then(|| id(if shingles(a) <= shingles(b) { a } else { b }).to_string());
    PairOut {
        a: id(a).to_string(),
        b: id(b).to_string(),
        relation: e.relation,
        jaccard: round4(e.jaccard),
        containment: round4(e.containment),
        contained,
        passages,
    }
}

/// What the report lists of a document segmented as `seg`, with
/// boilerplate `marks`, `tail` and its body ending at byte `end`: its tail
/// (at most one; `copies` is the document the tail copies) and the spans
/// of its boilerplate lines before the tail.
pub(crate) fn tail_and_boilerplate(
    seg: &Segmented,
    marks: &[Option<Kind>],
    tail: Option<&Tail>,
    end: u32,
    markers: &Markers,
    copies: Option<&str>,
) -> (Vec<TailOut>, Vec<[u32; 2]>) {
    let stop = tail.map_or(seg.lines.len(), |t| t.line);
    let tails = tail
        .iter()
        .map(|t| TailOut {
            start: seg.lines[t.line].start,
            end: seg.lines.last().map_or(end, |l| l.end),
            marker: t.marker.map(|m| markers.tail_text(m).to_string()),
            copies: copies.map(str::to_string),
        })
        .collect();
    let boilerplate = seg.lines[..stop]
        .iter()
        .zip(marks)
        .filter(|(_, m)| m.is_some())
        .map(|(l, _)| [l.start, l.end])
        .collect();
    (tails, boilerplate)
}

/// A boilerplate line of a document: (key, kind, document, line). Link
/// lines aggregate by marker, others by line hash.
type Occurrence = (u64, Kind, u32, u32);

/// Document `i` as listed in the report, and its boilerplate lines
/// (appended to `occ`): both come from its lines, read once.
fn document_out(
    corpus: &Corpus,
    bodies: &[Body],
    tail_copies: &[Option<u32>],
    markers: &Markers,
    i: usize,
    occ: &mut Vec<Occurrence>,
) -> DocumentOut {
    let d = &corpus.docs[i];
    let body = &bodies[i];
    let (mut tails, mut boilerplate) = (Vec::new(), Vec::new());
    // Most listed documents are listed for their pairs alone: their lines
    // are not needed (nor read back, from a spilled corpus).
    if body.tail.is_some() || body.marks.iter().any(Option::is_some) {
        let content = corpus.lines(i);
        let seg = content.seg();
        occ.extend(
            seg.lines
                .iter()
                .enumerate()
                .zip(&body.marks)
                .filter_map(|((li, l), m)| {
                    let kind = (*m)?;
                    Some((
                        crate::boilerplate::report_key(kind, l),
                        kind,
                        i as u32,
                        li as u32,
                    ))
                }),
        );
        let copies = tail_copies.get(i).copied().flatten();
        (tails, boilerplate) = tail_and_boilerplate(
            seg,
            &body.marks,
            body.tail.as_ref(),
            body.end,
            markers,
            copies.map(|c| id(corpus, c)),
        );
    }
    DocumentOut {
        id: d.doc.id.clone(),
        source: d.doc.source.clone(),
        body: [0, body.end],
        tails,
        boilerplate,
    }
}

/// Aggregates boilerplate lines across documents (`occ`, from
/// [`document_out`]) for the report.
fn boilerplate_list(
    corpus: &Corpus,
    mut occ: Vec<Occurrence>,
    markers: &Markers,
) -> Vec<BoilerplateOut> {
    occ.par_sort_unstable();
    occ.dedup_by_key(|x| (x.0, x.1, x.2));
    let runs: Vec<&[Occurrence]> = occ.chunk_by(|x, y| x.0 == y.0 && x.1 == y.1).collect();
    // In parallel: a spilled document's line is read back from disk.
    let mut out: Vec<BoilerplateOut> = runs
        .par_iter()
        .map(|run| {
            let (key, kind, d0, l0) = run[0];
            let text = if kind == Kind::LinkLine {
                markers.tail_text(key as u16).to_string()
            } else {
                let content = corpus.content(d0 as usize);
                let l = &content.seg().lines[l0 as usize];
                content.text()[l.start as usize..l.end as usize]
                    .chars()
                    .take(300)
                    .collect()
            };
            let mut sources: Vec<String> = run
                .iter()
                .filter_map(|x| corpus.docs[x.2 as usize].doc.source.clone())
                .collect();
            sources.sort_unstable();
            sources.dedup();
            BoilerplateOut {
                text,
                documents: run.len(),
                sources,
                kind,
            }
        })
        .collect();
    crate::report::sort_boilerplate(&mut out);
    out
}

/// Builds the report.
pub fn report(
    corpus: &Corpus,
    bodies: &[Body],
    edges: &[Edge],
    clusters: &[Cluster],
    tail_copies: &[Option<u32>],
    cfg: &Config,
    seconds: f64,
) -> Report {
    let markers = Markers::new(cfg);
    let mut listed = vec![false; corpus.docs.len()];
    for e in edges {
        listed[e.a as usize] = true;
        listed[e.b as usize] = true;
    }
    for (i, b) in bodies.iter().enumerate() {
        if b.tail.is_some() || b.marks.iter().any(Option::is_some) {
            listed[i] = true;
        }
    }
    // The listed documents in id order (ids are unique), and each one's
    // rank in it: documents come out in this order, and pairs sort by
    // ranks rather than by comparing ids (a million pairs of URLs with
    // long common prefixes took seconds).
    let mut order: Vec<u32> = (0..corpus.docs.len() as u32)
        .filter(|&i| listed[i as usize])
        .collect();
    order.par_sort_unstable_by(|&x, &y| id(corpus, x).cmp(id(corpus, y)));
    let mut rank = vec![u32::MAX; corpus.docs.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    // Every document with boilerplate is listed, so listing them gathers
    // all boilerplate lines.
    let (documents, occ): (Vec<DocumentOut>, Vec<Vec<Occurrence>>) = order
        .par_iter()
        .map(|&i| {
            let mut occ = Vec::new();
            let d = document_out(corpus, bodies, tail_copies, &markers, i as usize, &mut occ);
            (d, occ)
        })
        .unzip();
    let occ: Vec<Occurrence> = occ.into_iter().flatten().collect();
    let mut ranked: Vec<(u64, PairOut)> = edges
        .par_iter()
        .map(|e| {
            let (x, y) = (rank[e.a as usize], rank[e.b as usize]);
            let key = (u64::from(x.min(y)) << 32) | u64::from(x.max(y));
            (
                key,
                pair_out(e, |x| id(corpus, x), |x| bodies[x as usize].shingle_count),
            )
        })
        .collect();
    ranked.par_sort_unstable_by_key(|p| p.0);
    let pairs: Vec<PairOut> = ranked.into_iter().map(|p| p.1).collect();
    let mut by_relation = std::collections::BTreeMap::new();
    for p in &pairs {
        *by_relation
            .entry(p.relation.as_str().to_string())
            .or_insert(0) += 1;
    }
    let mut cl: Vec<ClusterOut> = clusters
        .par_iter()
        .map(|c| {
            let mut members: Vec<String> = c
                .members
                .iter()
                .map(|&m| id(corpus, m).to_string())
                .collect();
            members.sort_unstable();
            ClusterOut {
                id: 0,
                kind: c.kind,
                representative: id(corpus, c.representative).to_string(),
                members,
            }
        })
        .collect();
    cl.par_sort_by(|x, y| (x.kind, &x.members).cmp(&(y.kind, &y.members)));
    for (i, c) in cl.iter_mut().enumerate() {
        c.id = i;
    }
    let removable = clusters
        .iter()
        .filter(|c| c.kind == ClusterKind::Duplicate)
        .map(|c| c.members.len() - 1)
        .sum();
    let mut warnings = corpus.warnings.clone();
    warnings.sort();
    Report {
        schema: SCHEMA,
        tool: Tool::this(),
        params: params(cfg, super::band_shape(cfg)),
        stats: Stats {
            documents: corpus.docs.len(),
            bytes: (0..corpus.docs.len())
                .map(|i| corpus.text_len(i) as u64)
                .sum(),
            seconds: round4(seconds),
            files: corpus.files.len(),
            records: corpus.records,
            warnings: warnings.len(),
            pairs: by_relation,
            removable,
        },
        warnings,
        documents,
        pairs,
        clusters: cl,
        boilerplate: boilerplate_list(corpus, occ, &markers),
    }
}

/// For each document, the representative of its duplicate cluster and
/// the edge that best explains its removal, when it is to be removed.
pub fn removals(
    clusters: &[Cluster],
    edges: &[Edge],
    n: usize,
) -> Vec<Option<(u32, u32, Relation)>> {
    let mut rep = vec![None; n];
    for c in clusters.iter().filter(|c| c.kind == ClusterKind::Duplicate) {
        for &m in &c.members {
            if m != c.representative {
                rep[m as usize] = Some(c.representative);
            }
        }
    }
    let mut best: AHashMap<u32, (u32, Relation, bool)> = AHashMap::new();
    for e in edges.iter().filter(|e| e.relation.joins_duplicates()) {
        for (x, y) in [(e.a, e.b), (e.b, e.a)] {
            if let Some(r) = rep[x as usize] {
                let direct = y == r;
                let cand = (y, e.relation, direct);
                let slot = best.entry(x).or_insert(cand);
                if (direct, std::cmp::Reverse(e.relation), std::cmp::Reverse(y))
                    > (slot.2, std::cmp::Reverse(slot.1), std::cmp::Reverse(slot.0))
                {
                    *slot = cand;
                }
            }
        }
    }
    (0..n as u32)
        .map(|i| {
            let r = rep[i as usize]?;
            let (via, rel, _) = best
                .get(&i)
                .copied()
                .unwrap_or((r, Relation::Duplicate, true));
            Some((r, via, rel))
        })
        .collect()
}
