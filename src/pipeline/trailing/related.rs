//! Step 2 of tails without a marker (see the parent module): whether a
//! host's own article is related to what it carries, by tf-idf cosine
//! with document frequencies from a sample of the corpus.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Sources;

/// Tf-idf cosine at or above which the article before a trailing copy
/// is related to it. Measured by hand on SaudiNewsNet and ANT: an
/// article and the related item a newspaper appends itself (the other
/// side's reaction, the previous day's report, background on the same
/// place) score 0.1–0.8; an article and the unrelated one a page carries
/// after it 0.01–0.09.
pub const RELATED: f64 = 0.1;

/// Documents in a sample of this many, at most, give the document
/// frequencies of the relatedness check.
const SAMPLE: usize = 4096;

/// Document frequencies of the words of every `step`-th body (the
/// sample the relatedness check weighs words by). The step is a power of
/// two, so that the sample of a larger corpus is part of a smaller one's
/// (what lets the index update it, see `index::trail`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Frequencies {
    /// Every how many documents one is sampled.
    pub step: u64,
    /// The sampled documents with their bodies' distinct words, by
    /// document.
    pub bodies: Vec<(u32, Vec<u64>)>,
    /// (word, sampled bodies holding it), sorted by word.
    pub df: Vec<(u64, u32)>,
}

impl Frequencies {
    /// The sampling step for a corpus of `n` documents: at most
    /// `SAMPLE` (4,096) documents are sampled.
    pub fn step_for(n: usize) -> u64 {
        n.div_ceil(SAMPLE).max(1).next_power_of_two() as u64
    }

    /// Document frequencies over the sampled bodies of documents `0..n`.
    pub fn of(docs: &dyn Sources, n: usize) -> Frequencies {
        let step = Self::step_for(n);
        let bodies: Vec<(u32, Vec<u64>)> = (0..n as u64)
            .into_par_iter()
            .filter(|i| i % step == 0)
            .map(|i| (i as u32, distinct(docs.body(i as u32))))
            .collect();
        let mut f = Frequencies {
            step,
            bodies,
            df: Vec::new(),
        };
        f.recount();
        f
    }

    /// The frequencies with sampling step `step` (a multiple of the
    /// current one: its sample is part of this one) and the bodies
    /// `now` (sampled documents, with their tokens now) counted instead
    /// of what was counted for them, if anything.
    pub fn update(&mut self, step: u64, now: Vec<(u32, Vec<u64>)>) {
        debug_assert!(step % self.step == 0);
        let restep = step != self.step;
        self.step = step;
        self.bodies.retain(|b| u64::from(b.0) % step == 0);
        let (mut minus, mut plus) = (Vec::new(), Vec::new());
        for (doc, t) in now {
            let t = distinct(t);
            plus.extend_from_slice(&t);
            match self.bodies.binary_search_by_key(&doc, |b| b.0) {
                Ok(k) => minus.extend(std::mem::replace(&mut self.bodies[k].1, t)),
                Err(k) => self.bodies.insert(k, (doc, t)),
            }
        }
        if restep {
            self.recount();
            return;
        }
        // The same sample with some bodies changed or added: the counts
        // move by what they take and bring.
        for w in minus {
            if let Ok(k) = self.df.binary_search_by_key(&w, |x| x.0) {
                self.df[k].1 -= 1;
            }
        }
        plus.sort_unstable();
        let mut extra = Vec::new();
        for run in plus.chunk_by(|x, y| x == y) {
            match self.df.binary_search_by_key(&run[0], |x| x.0) {
                Ok(k) => self.df[k].1 += run.len() as u32,
                Err(_) => extra.push((run[0], run.len() as u32)),
            }
        }
        self.df.retain(|x| x.1 > 0);
        if !extra.is_empty() {
            self.df.extend(extra);
            self.df.sort_unstable();
        }
    }

    fn recount(&mut self) {
        let mut words: Vec<u64> = self
            .bodies
            .iter()
            .flat_map(|b| b.1.iter().copied())
            .collect();
        words.par_sort_unstable();
        self.df = words
            .chunk_by(|x, y| x == y)
            .map(|r| (r[0], r.len() as u32))
            .collect();
    }

    /// The inverse document frequencies of the words, worked out once.
    pub fn weights(&self) -> Weights {
        Weights::new(self.df.iter().copied(), self.bodies.len())
    }

    /// The weights of the frequencies [`Frequencies::update`] would make
    /// with `step` and `now`, these left as they are (and not copied
    /// when the step stays).
    pub fn weights_updated(&self, step: u64, now: Vec<(u32, Vec<u64>)>) -> Weights {
        if step != self.step {
            let mut f = self.clone();
            f.update(step, now);
            return f.weights();
        }
        let mut df: ahash::AHashMap<u64, u32> = self.df.iter().copied().collect();
        let mut n = self.bodies.len();
        for (doc, t) in now {
            match self.bodies.binary_search_by_key(&doc, |b| b.0) {
                Ok(k) => {
                    for w in &self.bodies[k].1 {
                        if let Some(c) = df.get_mut(w) {
                            *c -= 1;
                        }
                    }
                }
                Err(_) => n += 1,
            }
            for w in distinct(t) {
                *df.entry(w).or_insert(0) += 1;
            }
        }
        Weights::new(df.into_iter(), n)
    }
}

/// The inverse document frequency of every word of [`Frequencies`]
/// (words in every sampled body weigh nothing).
pub struct Weights {
    /// By word (looked up, never iterated).
    idf: ahash::AHashMap<u64, f64>,
    /// Of a word no sampled body holds.
    unseen: f64,
}

impl Weights {
    /// Of words with document frequencies `df` over `n` sampled bodies.
    fn new(df: impl Iterator<Item = (u64, u32)>, n: usize) -> Weights {
        let idf = |df: u32| ((n as f64 + 1.0) / f64::from(df + 1)).ln();
        Weights {
            idf: df.map(|(w, df)| (w, idf(df))).collect(),
            unseen: idf(0),
        }
    }

    /// Inverse document frequency of `w`.
    fn idf(&self, w: u64) -> f64 {
        self.idf.get(&w).copied().unwrap_or(self.unseen)
    }
}

pub(super) fn sorted(mut t: Vec<u64>) -> Vec<u64> {
    t.sort_unstable();
    t
}

fn distinct(mut t: Vec<u64>) -> Vec<u64> {
    t.sort_unstable();
    t.dedup();
    t
}

/// Tf-idf cosine similarity of two token multisets (sorted).
pub(super) fn cosine(a: &[u64], b: &[u64], freq: &Weights) -> f64 {
    // Term frequencies as sorted (word, count, idf), each word's idf
    // looked up once: sums run in word order, never in hash order.
    let tf = |t: &[u64]| {
        debug_assert!(t.is_sorted());
        t.chunk_by(|x, y| x == y)
            .map(|r| (r[0], r.len() as f64, freq.idf(r[0])))
            .collect::<Vec<(u64, f64, f64)>>()
    };
    let (ta, tb) = (tf(a), tf(b));
    let norm = |t: &[(u64, f64, f64)]| {
        t.iter()
            .map(|&(_, c, idf)| (c * idf).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < ta.len() && j < tb.len() {
        match ta[i].0.cmp(&tb[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += ta[i].1 * tb[j].1 * ta[i].2.powi(2);
                i += 1;
                j += 1;
            }
        }
    }
    let n = norm(&ta) * norm(&tb);
    if n == 0.0 {
        0.0
    } else {
        dot / n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counted(step: u64, bodies: Vec<(u32, Vec<u64>)>) -> Frequencies {
        let mut f = Frequencies {
            step,
            bodies: bodies
                .into_iter()
                .filter(|b| u64::from(b.0) % step == 0)
                .map(|(d, t)| (d, distinct(t)))
                .collect(),
            df: Vec::new(),
        };
        f.recount();
        f
    }

    proptest! {
        /// Updating the sample (bodies changed, added, the step doubled)
        /// gives the counts of the sample made afresh.
        #[test]
        fn updated_frequencies_are_counted_afresh(
            docs in proptest::collection::vec(proptest::collection::vec(0u64..40, 0..12), 1..30),
            changed in proptest::collection::vec((0usize..40, proptest::collection::vec(0u64..40, 0..12)), 0..10),
            double in any::<bool>(),
        ) {
            let n = docs.len();
            let mut all: Vec<(u32, Vec<u64>)> =
                docs.into_iter().enumerate().map(|(i, t)| (i as u32, t)).collect();
            let mut f = counted(2, all.clone());
            let step = if double { 4 } else { 2 };
            let mut now = Vec::new();
            for (d, t) in changed {
                // Changed indexed bodies, or new documents after them.
                let d = d as u32;
                if u64::from(d) % step != 0 || now.iter().any(|x: &(u32, Vec<u64>)| x.0 == d) {
                    continue;
                }
                if (d as usize) < n {
                    all[d as usize].1.clone_from(&t);
                } else {
                    all.push((d, t.clone()));
                }
                now.push((d, t));
            }
            all.sort_by_key(|x| x.0);
            let weights = f.weights_updated(step, now.clone());
            f.update(step, now);
            let fresh = counted(step, all);
            // The weights without the update are those after it.
            for w in 0..41 {
                prop_assert_eq!(weights.idf(w).to_bits(), fresh.weights().idf(w).to_bits());
            }
            prop_assert_eq!(f, fresh);
        }
    }
}
