//! Boilerplate over the indexed and the new documents: which recurring
//! lines the new documents make or unmake (the boilerplate stage's rule
//! applied to every line hash they carry), and the report's list of
//! boilerplate lines kept up to date document by document.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rayon::prelude::*;

use super::docs::{Body, Doc};
use crate::boilerplate::{is_recurring, related, Kind, LineSet};
use crate::config::Config;
use crate::index::analysis::{kind_code, kind_of, Boiler};
use crate::index::archive::Archive;
use crate::report::BoilerplateOut;
use crate::segment::Markers;

/// The line hashes whose recurring status the new documents (`lines`,
/// their line sets, indices from `ar.n`) change, sorted.
pub(crate) fn flips(ar: &Archive, lines: &[LineSet], cfg: &Config) -> Vec<u64> {
    let n = ar.n;
    let mut occ: Vec<(u64, u32, u32)> = lines
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.lines.iter().map(move |&(h, w)| (h, n + i as u32, w)))
        .collect();
    occ.par_sort_unstable();
    let runs: Vec<&[(u64, u32, u32)]> = occ.chunk_by(|a, b| a.0 == b.0).collect();
    let mut out: Vec<u64> = runs
        .par_iter()
        .filter_map(|run| {
            let h = run[0].0;
            let mut holders = ar.line_holders(h);
            holders.extend(run.iter().map(|x| (x.1, x.2)));
            let set = |d: u32| -> Cow<'_, LineSet> {
                if d >= n {
                    Cow::Borrowed(&lines[(d - n) as usize])
                } else {
                    Cow::Owned(ar.line_set(d))
                }
            };
            let now = holders.len() >= 2
                && is_recurring(holders[0].1 as usize, holders.len(), cfg, |i, j| {
                    related(&set(holders[i].0), &set(holders[j].0), h)
                });
            (now != ar.recurring.contains(&h)).then_some(h)
        })
        .collect();
    out.sort_unstable();
    out
}

/// The boilerplate entries of one document: `(key, kind, line)`, the
/// first line of each (key, kind), as the report aggregates them.
fn entries(d: &Doc, body: &Body) -> Vec<(u64, Kind, usize)> {
    let mut out: Vec<(u64, Kind, usize)> = d
        .seg
        .lines
        .iter()
        .enumerate()
        .zip(&body.marks)
        .filter_map(|((li, l), m)| {
            let kind = (*m)?;
            Some((crate::boilerplate::report_key(kind, l), kind, li))
        })
        .collect();
    out.sort_unstable();
    out.dedup_by_key(|x| (x.0, x.1));
    out
}

fn line_text(d: &Doc, line: usize, kind: Kind, key: u64, markers: &Markers) -> String {
    if kind == Kind::LinkLine {
        return markers.tail_text(key as u16).to_string();
    }
    let l = &d.seg.lines[line];
    d.document.text[l.start as usize..l.end as usize]
        .chars()
        .take(300)
        .collect()
}

/// The boilerplate list, updated document by document.
pub(crate) struct List {
    entries: BTreeMap<(u64, u8), Boiler>,
    changed: std::collections::BTreeSet<(u64, u8)>,
    /// Entries whose first document lost them: their text must come from
    /// the next document carrying them.
    pub orphans: Vec<(u64, u8)>,
}

impl List {
    /// The indexed documents' list.
    pub fn new(ar: &Archive) -> Self {
        List {
            entries: ar.boilerplate.clone(),
            changed: std::collections::BTreeSet::new(),
            orphans: Vec::new(),
        }
    }

    /// Takes document `i`'s `body` out (`sign` -1) or in (+1).
    pub fn count(&mut self, i: u32, d: &Doc, body: &Body, sign: i64, markers: &Markers) {
        for (key, kind, line) in entries(d, body) {
            let k = (key, kind_code(kind));
            self.changed.insert(k);
            let e = self.entries.entry(k).or_insert_with(|| Boiler {
                key,
                kind: k.1,
                documents: 0,
                sources: Vec::new(),
                text: String::new(),
                first: u32::MAX,
            });
            e.documents = e.documents.saturating_add_signed(sign);
            if let Some(src) = &d.document.source {
                match e.sources.binary_search_by(|x| x.0.as_str().cmp(src)) {
                    Ok(p) => {
                        e.sources[p].1 = e.sources[p].1.saturating_add_signed(sign);
                        if e.sources[p].1 == 0 {
                            e.sources.remove(p);
                        }
                    }
                    Err(p) if sign > 0 => e.sources.insert(p, (src.clone(), 1)),
                    Err(_) => {}
                }
            }
            if sign > 0 && i < e.first {
                e.first = i;
                e.text = line_text(d, line, kind, key, markers);
            } else if sign < 0 && i == e.first {
                e.first = u32::MAX;
            }
        }
    }

    /// The first document of entry `k` (`u32::MAX` when unknown).
    pub fn first(&self, k: (u64, u8)) -> u32 {
        self.entries.get(&k).map_or(u32::MAX, |e| e.first)
    }

    /// Notes the entries whose first document is gone.
    pub fn find_orphans(&mut self) {
        self.orphans = self
            .changed
            .iter()
            .filter(|k| self.entries[k].first == u32::MAX && k.1 != kind_code(Kind::LinkLine))
            .copied()
            .collect();
    }

    /// Document `i` (read in full) takes the text of orphan `k` if it
    /// carries it; returns whether it did.
    pub fn adopt(&mut self, k: (u64, u8), i: u32, d: &Doc, markers: &Markers) -> bool {
        let Some(kind) = kind_of(k.1) else {
            return false;
        };
        let Some(&(_, _, line)) = entries(d, &d.body)
            .iter()
            .find(|x| x.0 == k.0 && x.1 == kind)
        else {
            return false;
        };
        if let Some(e) = self.entries.get_mut(&k) {
            e.first = i;
            e.text = line_text(d, line, kind, k.0, markers);
        }
        true
    }

    /// The entries that changed (gone ones with no documents).
    pub fn changes(&self) -> Vec<Boiler> {
        self.changed
            .iter()
            .map(|k| {
                let mut e = self.entries[k].clone();
                if e.documents == 0 {
                    e.sources.clear();
                    e.text.clear();
                }
                e
            })
            .collect()
    }

    /// Every entry with documents.
    pub fn all(&self) -> Vec<Boiler> {
        self.entries
            .values()
            .filter(|e| e.documents > 0)
            .cloned()
            .collect()
    }

    /// The report's list: most documents first, then by text and kind.
    pub fn report(&self) -> Vec<BoilerplateOut> {
        let mut out: Vec<BoilerplateOut> = self
            .entries
            .values()
            .filter(|e| e.documents > 0)
            .filter_map(|e| {
                Some(BoilerplateOut {
                    text: e.text.clone(),
                    documents: e.documents as usize,
                    sources: e.sources.iter().map(|s| s.0.clone()).collect(),
                    kind: kind_of(e.kind)?,
                })
            })
            .collect();
        crate::report::sort_boilerplate(&mut out);
        out
    }
}
