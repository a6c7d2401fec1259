//! The indexed documents as the analysis segments describe them: the last
//! snapshot and the deltas after it, folded when an index is opened.
//!
//! Large tables (postings, line tables, band entries) stay in the file's
//! bytes and are searched in every part; a posting counts only when its
//! part holds the latest record of its document (an `add` that changed an
//! indexed document's body describes it again). Small corpus-wide facts
//! (recurring lines, boilerplate entries, verified set pairs, passage
//! joins and candidates, tail copies) are folded into maps.

use std::collections::BTreeMap;

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;

use super::analysis::{relation_of, Boiler, Delta, Part, Record, VPair, ITEM_MASK, KEY_MASK};
use super::columns::Keys;
use super::store::Index;
use crate::boilerplate::LineSet;
use crate::corpus::Document;
use crate::error::{Error, Result};
use crate::verify::Relation;

/// No record.
const NONE: u16 = u16::MAX;

/// The scores of a verified set pair.
pub(crate) type Verified = (Relation, f64, f64);

/// The folded analysis of an index.
#[derive(Debug, Default)]
pub(crate) struct Archive<'a> {
    /// Number of indexed documents.
    pub n: u32,
    parts: Vec<Part<'a>>,
    version: Vec<u16>,
    row: Vec<u32>,
    /// Recurring boilerplate line hashes.
    pub recurring: AHashSet<u64>,
    /// Boilerplate entries by (key, kind code).
    pub boilerplate: BTreeMap<(u64, u8), Boiler>,
    groups: AHashMap<u64, Vec<u32>>,
    vpairs: AHashMap<(u64, u64), Verified>,
    partners: AHashMap<u64, Vec<u64>>,
    /// Passage-level joins by pair.
    pub joins: AHashMap<(u32, u32), u8>,
    /// Passage candidates, with whether their bodies' scores reach a
    /// document-level relation.
    pub cands: AHashMap<(u32, u32), bool>,
    links: AHashMap<u32, Vec<(u32, f64)>>,
    /// Common keys whose status flipped since the snapshot.
    common_flips: [AHashSet<u64>; 2],
    /// First document of each documents segment.
    firsts: Vec<u32>,
    /// What tails without a marker need, when stored for every document.
    pub trail: Option<Trail>,
}

/// Which postings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Post {
    /// Body anchors.
    Anchors,
    /// Tail anchors.
    Tails,
    /// Sampled rare words.
    Words,
}

use super::trail::Trail;

fn bad(index: &Index, message: impl Into<String>) -> Error {
    Error::Index {
        path: index.path().to_path_buf(),
        message: message.into(),
    }
}

impl<'a> Archive<'a> {
    /// The archive of no documents.
    pub fn empty() -> Self {
        Archive::default()
    }

    /// Folds the analysis of `index`, or `None` when it has none (a
    /// format 1 file).
    pub fn open(index: &'a Index) -> Result<Option<Archive<'a>>> {
        let payloads = index.analysis_payloads();
        if index.version() < 2 || payloads.is_empty() {
            return Ok(None);
        }
        let last = payloads
            .iter()
            .rposition(|(_, p)| Part::is_snapshot(p))
            .ok_or_else(|| bad(index, "corrupt: no readable analysis snapshot"))?;
        let mut parts = Vec::new();
        let mut covered = Vec::new();
        for (i, (docs_before, p)) in payloads[last..].iter().enumerate() {
            let part = Part::decode(p)
                .map_err(|e| bad(index, format!("analysis segment {}: {e}", last + i + 1)))?;
            parts.push(part);
            covered.push(*docs_before);
        }
        let mut a = Archive {
            parts,
            ..Archive::default()
        };
        a.check_layout(index, &covered)?;
        a.fold(index)?;
        if let Some(p) = index.tails_payload() {
            let t = Trail::decode(p).map_err(|e| bad(index, format!("tails segment: {e}")))?;
            // A tails segment written before the last add is stale.
            if t.docs == a.n {
                a.trail = Some(t);
            }
        }
        Ok(Some(a))
    }

    /// The parts follow each other and cover every documents segment.
    fn check_layout(&mut self, index: &Index, covered: &[usize]) -> Result<()> {
        let docs = index.segment_documents();
        let mut at = 0u64;
        for d in &docs {
            self.firsts.push(at as u32);
            at += d;
        }
        let first_of = |segs: usize| docs[..segs].iter().sum::<u64>();
        for (i, p) in self.parts.iter().enumerate() {
            let (first, segs) = if i == 0 {
                (0, covered[0])
            } else {
                (self.parts[i - 1].docs, covered[i] - covered[i - 1])
            };
            let ok = p.first == first
                && (i == 0 || (segs == 1 && !p.snapshot))
                && covered[i] <= docs.len()
                && u64::from(p.docs) == first_of(covered[i]);
            if !ok {
                return Err(bad(index, "corrupt: analysis segments out of sequence"));
            }
        }
        if covered.last() != Some(&docs.len()) {
            return Err(bad(
                index,
                "corrupt: documents segments without their analysis",
            ));
        }
        self.n = self.parts.last().map_or(0, |p| p.docs);
        if at != index.len() as u64 || at != u64::from(self.n) {
            return Err(bad(index, "corrupt: analysis and documents disagree"));
        }
        if u64::from(self.n) > ITEM_MASK {
            return Err(bad(index, "corrupt: too many documents"));
        }
        Ok(())
    }

    fn fold(&mut self, index: &Index) -> Result<()> {
        let n = self.n as usize;
        self.version = vec![NONE; n];
        self.row = vec![0; n];
        for (pi, p) in self.parts.iter().enumerate() {
            for r in 0..p.rec_doc.len() {
                let d = p.rec_doc.get(r) as usize;
                self.version[d] = pi as u16;
                self.row[d] = r as u32;
            }
        }
        if self.version.contains(&NONE) {
            return Err(bad(index, "corrupt: a document without a record"));
        }
        let mut sets: Vec<(u64, u32)> = (0..self.n)
            .filter_map(|d| {
                let r = self.record(d);
                (r.shingles > 0).then_some((r.set, d))
            })
            .collect();
        sets.par_sort_unstable();
        for run in sets.chunk_by(|x, y| x.0 == y.0) {
            self.groups
                .insert(run[0].0, run.iter().map(|x| x.1).collect());
        }
        let parts = std::mem::take(&mut self.parts);
        for p in &parts {
            self.apply(p);
        }
        self.parts = parts;
        // Partner lists are sorted below, whatever the map's order.
        #[allow(clippy::iter_over_hash_type)]
        for &(a, b) in self.vpairs.keys() {
            self.partners.entry(a).or_default().push(b);
            self.partners.entry(b).or_default().push(a);
        }
        #[allow(clippy::iter_over_hash_type)]
        for v in self.partners.values_mut() {
            v.sort_unstable();
        }
        #[allow(clippy::iter_over_hash_type)]
        for v in self.links.values_mut() {
            v.sort_by_key(|x| x.0);
        }
        Ok(())
    }

    /// Applies one part's facts.
    fn apply(&mut self, p: &Part) {
        if !p.snapshot {
            for (set, keys) in self
                .common_flips
                .iter_mut()
                .zip([p.common_anchors, p.common_words])
            {
                for k in keys.sorted.iter() {
                    if !set.remove(&k) {
                        set.insert(k);
                    }
                }
            }
        }
        for &h in &p.recurring {
            if !self.recurring.remove(&h) {
                self.recurring.insert(h);
            }
        }
        for b in &p.boilerplate {
            if b.documents == 0 {
                self.boilerplate.remove(&(b.key, b.kind));
            } else {
                self.boilerplate.insert((b.key, b.kind), b.clone());
            }
        }
        for (a, b) in p.vp_gone.0.iter().zip(p.vp_gone.1.iter()) {
            self.vpairs.remove(&(a, b));
        }
        for i in 0..p.vp_a.len() {
            let rel = relation_of(p.vp_rel.get(i)).unwrap_or(Relation::SharedPassages);
            self.vpairs.insert(
                (p.vp_a.get(i), p.vp_b.get(i)),
                (rel, p.vp_j.get(i), p.vp_c.get(i)),
            );
        }
        // Indexed documents described again: their pairs are all restated.
        let again: AHashSet<u32> = p.rec_doc.iter().filter(|&d| d < p.first).collect();
        if !again.is_empty() {
            let keep = |a: &u32, b: &u32| !again.contains(a) && !again.contains(b);
            self.joins.retain(|(a, b), _| keep(a, b));
            self.cands.retain(|(a, b), _| keep(a, b));
            self.links.retain(|h, _| !again.contains(h));
            #[allow(clippy::iter_over_hash_type)]
            for v in self.links.values_mut() {
                v.retain(|x| !again.contains(&x.0));
            }
        }
        for (a, b) in p.j_gone.0.iter().zip(p.j_gone.1.iter()) {
            self.joins.remove(&(a, b));
        }
        for i in 0..p.j_a.len() {
            self.joins
                .insert((p.j_a.get(i), p.j_b.get(i)), p.j_kind.get(i));
        }
        for (a, b) in p.c_gone.0.iter().zip(p.c_gone.1.iter()) {
            self.cands.remove(&(a, b));
        }
        for i in 0..p.c_a.len() {
            self.cands
                .insert((p.c_a.get(i), p.c_b.get(i)), p.c_flag.get(i) != 0);
        }
        for (h, o) in p.l_gone.0.iter().zip(p.l_gone.1.iter()) {
            if let Some(v) = self.links.get_mut(&h) {
                v.retain(|x| x.0 != o);
            }
        }
        for i in 0..p.l_h.len() {
            let v = self.links.entry(p.l_h.get(i)).or_default();
            let o = p.l_o.get(i);
            v.retain(|x| x.0 != o);
            v.push((o, p.l_s.get(i)));
        }
    }

    /// The latest record of document `d`.
    pub fn record(&self, d: u32) -> Record {
        self.parts[self.version[d as usize] as usize].record(self.row[d as usize] as usize)
    }

    /// The part that added document `d`.
    fn home(&self, d: u32) -> &Part<'a> {
        let i = self.parts.partition_point(|p| p.docs <= d);
        &self.parts[i]
    }

    /// The id of document `d`.
    pub fn id(&self, d: u32) -> &'a str {
        self.home(d).id(d).unwrap_or("")
    }

    /// Every id, in document order.
    pub fn ids(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.n).map(|d| self.id(d))
    }

    /// Checks that every id is readable.
    pub fn check_ids(&self, index: &Index) -> Result<()> {
        for d in 0..self.n {
            self.home(d).id(d).map_err(|e| bad(index, e))?;
        }
        Ok(())
    }

    /// The line set of document `d`: (hash, words), sorted by hash.
    pub fn line_set(&self, d: u32) -> LineSet {
        self.home(d).line_set(d)
    }

    /// The documents carrying line `hash`, with its words, in document
    /// order.
    pub fn line_holders(&self, hash: u64) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        for p in &self.parts {
            for i in p.lines.run(hash, u64::MAX) {
                out.push((p.lt_doc.get(i), p.lt_words.get(i)));
            }
        }
        out
    }

    /// The shingle sets with an LSH entry in bucket (`band`, `key`),
    /// whether or not documents still have them.
    pub fn band_sets(&self, band: u8, key: u64) -> Vec<u64> {
        let mut out = Vec::new();
        for p in &self.parts {
            for i in p.bands.run(key, u64::MAX) {
                if p.band_band.get(i) == band {
                    out.push(p.band_set.get(i));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn keys(p: &Part<'a>, which: Post) -> Keys<'a> {
        match which {
            Post::Anchors => p.anchors,
            Post::Tails => p.tails,
            Post::Words => p.words,
        }
    }

    /// The documents holding `key40` in postings `which` (their latest
    /// records only), appended to `out` in part order.
    pub fn holders(&self, which: Post, key40: u64, out: &mut Vec<u32>) {
        for (pi, p) in self.parts.iter().enumerate() {
            let k = Self::keys(p, which);
            for i in k.run(key40, KEY_MASK) {
                let d = (k.sorted.get(i) & ITEM_MASK) as u32;
                if self.version.get(d as usize) == Some(&(pi as u16)) {
                    out.push(d);
                }
            }
        }
    }

    /// Whether `key40` is held by more than the passage level's maximum of
    /// items (anchors: bodies and tails; words: bodies).
    pub fn is_common(&self, which: Post, key40: u64) -> bool {
        let (i, keys) = match which {
            Post::Words => (1, self.parts[0].common_words),
            _ => (0, self.parts[0].common_anchors),
        };
        let stored = !keys.run(key40, u64::MAX).is_empty();
        stored != self.common_flips[i].contains(&key40)
    }

    /// The documents whose shingle set is `set`, sorted.
    pub fn members(&self, set: u64) -> &[u32] {
        self.groups.get(&set).map_or(&[], Vec::as_slice)
    }

    /// Every shingle set with its documents.
    pub fn groups(&self) -> impl Iterator<Item = (&u64, &Vec<u32>)> {
        self.groups.iter()
    }

    /// The verified relation of sets `a` and `b`, if any.
    pub fn vpair(&self, a: u64, b: u64) -> Option<Verified> {
        self.vpairs.get(&(a.min(b), a.max(b))).copied()
    }

    /// Every verified set pair.
    pub fn vpairs(&self) -> impl Iterator<Item = (&(u64, u64), &Verified)> {
        self.vpairs.iter()
    }

    /// The sets verified against `set`, sorted.
    pub fn partners(&self, set: u64) -> &[u64] {
        self.partners.get(&set).map_or(&[], Vec::as_slice)
    }

    /// The tail copies of host `h`: (other, share), by other.
    pub fn links(&self, h: u32) -> &[(u32, f64)] {
        self.links.get(&h).map_or(&[], Vec::as_slice)
    }

    /// Every tail copy `(host, other, share)`.
    pub fn all_links(&self) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
        self.links
            .iter()
            .flat_map(|(&h, v)| v.iter().map(move |&(o, s)| (h, o, s)))
    }

    /// The whole analysis as one snapshot, for an index whose documents
    /// segments are merged into one (blocks in order).
    pub fn to_snapshot(&self) -> Delta {
        let n = self.n;
        let valid =
            |which: Post| -> Vec<u64> {
                let mut v: Vec<u64> = Vec::new();
                for (pi, p) in self.parts.iter().enumerate() {
                    v.extend(Self::keys(p, which).sorted.iter().filter(|x| {
                        self.version.get((x & ITEM_MASK) as usize) == Some(&(pi as u16))
                    }));
                }
                v.par_sort_unstable();
                v
            };
        let mut bands: Vec<(u64, u8, u64)> = Vec::new();
        for p in &self.parts {
            for i in 0..p.bands.sorted.len() {
                let set = p.band_set.get(i);
                if !self.members(set).is_empty() {
                    bands.push((p.bands.sorted.get(i), p.band_band.get(i), set));
                }
            }
        }
        bands.par_sort_unstable();
        bands.dedup();
        let mut recurring: Vec<u64> = self.recurring.iter().copied().collect();
        recurring.sort_unstable();
        let mut vpairs: Vec<VPair> = self
            .vpairs()
            .map(|(&(a, b), &(relation, jaccard, containment))| VPair {
                a,
                b,
                relation,
                jaccard,
                containment,
            })
            .collect();
        vpairs.sort_by_key(|x| (x.a, x.b));
        let mut joins: Vec<(u32, u32, u8)> =
            self.joins.iter().map(|(&(a, b), &k)| (a, b, k)).collect();
        joins.sort_unstable();
        let mut cands: Vec<(u32, u32, bool)> =
            self.cands.iter().map(|(&(a, b), &f)| (a, b, f)).collect();
        cands.sort_unstable();
        let common = |which: Post, i: usize| -> Vec<u64> {
            let mut v: Vec<u64> = if self.parts.is_empty() {
                Vec::new()
            } else {
                let k = match which {
                    Post::Words => self.parts[0].common_words,
                    _ => self.parts[0].common_anchors,
                };
                k.sorted
                    .iter()
                    .filter(|x| !self.common_flips[i].contains(x))
                    .collect()
            };
            let stored: AHashSet<u64> = v.iter().copied().collect();
            v.extend(self.common_flips[i].iter().filter(|x| !stored.contains(x)));
            v.sort_unstable();
            v
        };
        let mut links: Vec<(u32, u32, f64)> = self.all_links().collect();
        links.sort_by_key(|x| (x.0, x.1));
        Delta {
            snapshot: true,
            first: 0,
            docs: n,
            recurring,
            boilerplate: self.boilerplate.values().cloned().collect(),
            ids: self.ids().map(str::to_string).collect(),
            records: (0..n).map(|d| self.record(d)).collect(),
            line_sets: (0..n).map(|d| self.line_set(d)).collect(),
            bands,
            anchors: valid(Post::Anchors),
            tails: valid(Post::Tails),
            words: valid(Post::Words),
            common_anchors: common(Post::Anchors, 0),
            common_words: common(Post::Words, 1),
            vpairs,
            joins,
            cands,
            links,
            ..Delta::default()
        }
    }

    /// Fetches documents `docs` (sorted, unique) from `index`, each
    /// decompressed once, in parallel.
    pub fn fetch(&self, index: &Index, docs: &[u32]) -> Result<Vec<Document>> {
        let wanted: Vec<(usize, usize)> = docs
            .iter()
            .map(|&d| {
                let s = self.firsts.partition_point(|&f| f <= d) - 1;
                (s, (d - self.firsts[s]) as usize)
            })
            .collect();
        index.fetch(&wanted)
    }
}
