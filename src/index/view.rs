//! The indexed documents as a scan with one new document sees them: the
//! [`State`], except for a few *dirty* documents whose bodies changed
//! because the new document made some of their lines boilerplate. Their
//! exact-duplicate groups, group representatives and LSH bucket entries
//! are patched here; the passage level patches its counts itself.

use std::collections::BTreeMap;

use ahash::{AHashMap, AHashSet};

use super::state::{band_key, State};
use crate::hash;
use crate::minhash;
use crate::passage::{grams, set};

/// A dirty document's new body.
#[derive(Debug)]
pub(crate) struct Dirty {
    /// Body tokens.
    pub tokens: Vec<u64>,
    /// Body shingle set.
    pub shingles: Vec<u64>,
    /// Tail tokens, when it has a tail.
    pub tail: Option<Vec<u64>>,
}

/// No group: an empty body.
const NONE: u32 = u32::MAX;

/// The patched view.
pub(crate) struct View<'a> {
    /// The indexed documents' structures.
    pub s: &'a State,
    /// The dirty documents, by index.
    pub dirty: BTreeMap<u32, Dirty>,
    /// Groups that changed, members sorted, with their (fingerprint, size).
    groups: Vec<(Vec<u32>, (u64, u32))>,
    /// The changed group of every member of one (or `NONE`).
    group_of: AHashMap<u32, u32>,
    /// State groups replaced by `groups`.
    touched: AHashSet<u32>,
    /// Band entries no longer there.
    removed: AHashSet<(u32, u64, u32)>,
    /// Band entries added, sorted.
    added: Vec<(u32, u64, u32)>,
}

fn key_of(sh: &[u64]) -> (u64, u32) {
    (hash::seq(sh, hash::SET_SEED), sh.len() as u32)
}

impl<'a> View<'a> {
    /// The view with `dirty` documents changed.
    pub fn new(s: &'a State, dirty: BTreeMap<u32, Dirty>) -> Self {
        let mut v = View {
            s,
            dirty,
            groups: Vec::new(),
            group_of: AHashMap::new(),
            touched: AHashSet::new(),
            removed: AHashSet::new(),
            added: Vec::new(),
        };
        if !v.dirty.is_empty() {
            v.regroup();
        }
        v
    }

    /// Recomputes the groups of the dirty documents and the bucket
    /// entries of the representatives that changed.
    fn regroup(&mut self) {
        let s = self.s;
        let is_dirty = |x: &u32| self.dirty.contains_key(x);
        let mut touched: AHashSet<u32> = self
            .dirty
            .keys()
            .map(|&x| s.group_of[x as usize])
            .filter(|&g| g != NONE)
            .collect();
        // Where each dirty document goes: a state group (by its clean
        // members) or a group of dirty documents only.
        let mut joins: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        let mut own: Vec<Vec<u32>> = Vec::new();
        for (&x, d) in &self.dirty {
            if d.shingles.is_empty() {
                self.group_of.insert(x, NONE);
                continue;
            }
            let key = key_of(&d.shingles);
            let lo = s.group_keys.partition_point(|g| (g.0, g.1) < key);
            let found = s.group_keys[lo..]
                .iter()
                .take_while(|g| (g.0, g.1) == key)
                .map(|g| g.2)
                .find(|&gi| {
                    s.groups[gi as usize]
                        .iter()
                        .find(|m| !is_dirty(m))
                        .is_some_and(|&m| s.shingles(m) == d.shingles)
                });
            if let Some(gi) = found {
                joins.entry(gi).or_default().push(x);
                touched.insert(gi);
            } else if let Some(g) = own
                .iter_mut()
                .find(|g| self.dirty[&g[0]].shingles == d.shingles)
            {
                g.push(x);
            } else {
                own.push(vec![x]);
            }
        }
        let mut touched: Vec<u32> = touched.into_iter().collect();
        touched.sort_unstable();
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for &gi in &touched {
            let old = &s.groups[gi as usize];
            let mut members: Vec<u32> = old.iter().copied().filter(|m| !is_dirty(m)).collect();
            members.extend(joins.get(&gi).into_iter().flatten());
            members.sort_unstable();
            // The old representative's bucket entries go; the new one's
            // come below.
            let sig = minhash::signature(&s.shingles(old[0]), s.cfg.permutations);
            for b in 0..s.shape.bands {
                self.removed
                    .insert((b as u32, band_key(&sig, s.shape, b), old[0]));
            }
            if !members.is_empty() {
                groups.push(members);
            }
        }
        groups.extend(own);
        for g in groups {
            let sh = self.shingles(g[0]);
            let sig = minhash::signature(&sh, s.cfg.permutations);
            for b in 0..s.shape.bands {
                let e = (b as u32, band_key(&sig, s.shape, b), g[0]);
                if !self.removed.remove(&e) {
                    self.added.push(e);
                }
            }
            let gi = self.groups.len() as u32;
            for &m in &g {
                self.group_of.insert(m, gi);
            }
            self.groups.push((g, key_of(&sh)));
        }
        self.added.sort_unstable();
        self.touched = touched.into_iter().collect();
    }

    /// The number of indexed documents.
    pub fn len(&self) -> u32 {
        self.s.corpus.docs.len() as u32
    }

    /// The body tokens of indexed document `x`.
    pub fn body(&self, x: u32) -> Vec<u64> {
        match self.dirty.get(&x) {
            Some(d) => d.tokens.clone(),
            None => self.s.body(x),
        }
    }

    /// The body shingle set of indexed document `x`.
    pub fn shingles(&self, x: u32) -> Vec<u64> {
        match self.dirty.get(&x) {
            Some(d) => d.shingles.clone(),
            None => self.s.shingles(x),
        }
    }

    /// The body anchors (64-bit, a set) of indexed document `x`.
    pub fn anchors(&self, x: u32) -> Vec<u64> {
        set(grams(&self.body(x), self.s.cfg.passage.anchor_words))
    }

    /// The exact-duplicate group of indexed document `x`.
    pub fn group(&self, x: u32) -> &[u32] {
        let gi = match self.group_of.get(&x) {
            Some(&gi) => return self.groups.get(gi as usize).map_or(&[], |g| &g.0),
            None => self.s.group_of[x as usize],
        };
        self.s.groups.get(gi as usize).map_or(&[], Vec::as_slice)
    }

    /// The group whose shingle set is `sh`, if any.
    pub fn group_of_set(&self, sh: &[u64]) -> Option<&[u32]> {
        let key = key_of(sh);
        if let Some(g) = self
            .groups
            .iter()
            .filter(|g| g.1 == key)
            .find(|g| self.shingles(g.0[0]) == sh)
        {
            return Some(&g.0);
        }
        let s = self.s;
        let lo = s.group_keys.partition_point(|g| (g.0, g.1) < key);
        s.group_keys[lo..]
            .iter()
            .take_while(|g| (g.0, g.1) == key)
            .filter(|g| !self.touched.contains(&g.2))
            .map(|g| s.groups[g.2 as usize].as_slice())
            .find(|g| s.shingles(g[0]) == sh)
    }

    /// The representatives in LSH bucket (`band`, `key`), in order.
    pub fn bucket(&self, band: u32, key: u64) -> Vec<u32> {
        let k = (band, key);
        let s = &self.s.band_keys;
        let lo = s.partition_point(|e| (e.0, e.1) < k);
        let hi = lo + s[lo..].partition_point(|e| (e.0, e.1) == k);
        let mut out: Vec<u32> = s[lo..hi]
            .iter()
            .filter(|e| !self.removed.contains(e))
            .map(|e| e.2)
            .collect();
        let lo = self.added.partition_point(|e| (e.0, e.1) < k);
        out.extend(
            self.added[lo..]
                .iter()
                .take_while(|e| (e.0, e.1) == k)
                .map(|e| e.2),
        );
        out.sort_unstable();
        out
    }

    /// The representatives that LSH pairs with representative `rep`.
    pub fn lsh_partners(&self, rep: u32) -> Vec<u32> {
        let s = self.s;
        let sig = minhash::signature(&self.shingles(rep), s.cfg.permutations);
        let mut out = Vec::new();
        for b in 0..s.shape.bands {
            let bucket = self.bucket(b as u32, band_key(&sig, s.shape, b));
            let Ok(p) = bucket.binary_search(&rep) else {
                continue;
            };
            let n = bucket.len();
            let w = if n > s.cfg.max_bucket {
                s.cfg.large_bucket_window
            } else {
                n
            };
            out.extend_from_slice(&bucket[p.saturating_sub(w)..p]);
            out.extend_from_slice(&bucket[p + 1..(p + 1 + w).min(n)]);
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
