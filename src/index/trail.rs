//! What tails without a marker need of the indexed documents (format 3,
//! segment kind `Tails`): whether a page ends with another document's
//! text after an unrelated article of its own depends on document
//! frequencies over a sample of the whole corpus (`pipeline::trailing`),
//! so the analysis alone cannot tell. A `Tails` segment is a snapshot,
//! written after every `index build`, `index add` and `index compact`
//! that looked for these tails; it describes the index only when it
//! counts as many documents (an add without them leaves it stale, and
//! queries then run the whole pipeline).
//!
//! | field | what |
//! |---|---|
//! | `docs` | documents described |
//! | `freq` | the sampling step, the sampled documents' distinct body words, and their document frequencies |
//! | `decided` | every decision of step 1 (where a copy would start, what it copies, the texts whose relatedness decides) |
//! | `hosts` | each cut host: its partners before the cut, its joins and words after |
//!
//! A query re-judges the stored decisions with the new documents' words
//! counted, decides the pairs the new documents are in, and answers from
//! the analysis when no indexed document's cut changes (see
//! `engine::trail`).

use serde::{Deserialize, Serialize};

use super::analysis::{JOIN_DUPLICATE, JOIN_STORY};
use super::codec;
use crate::pipeline::trailing::{Decision, Frequencies, Source};
use crate::pipeline::{tells_same_story, Scan};

/// A host whose tail without a marker is cut.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Host {
    /// The document.
    pub doc: u32,
    /// The documents it had a pair with before its cut, sorted.
    pub partners: Vec<u32>,
    /// Its joins after the cut: (other document, `JOIN_*`), sorted.
    pub joins: Vec<(u32, u8)>,
    /// Words of its body after the cut.
    pub words: u32,
}

/// The stored state (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Trail {
    /// Documents described.
    pub docs: u32,
    /// Document frequencies of the sampled bodies.
    pub freq: Frequencies,
    /// Step 1's decisions, sorted by host then source.
    pub decided: Vec<(u32, Decision)>,
    /// Cut hosts, by document.
    pub hosts: Vec<Host>,
}

impl Trail {
    /// The state of no documents: what an index build starts from.
    pub fn empty() -> Trail {
        Trail {
            freq: Frequencies {
                step: 1,
                ..Frequencies::default()
            },
            ..Trail::default()
        }
    }

    /// The state of a scan that looked for tails without a marker.
    pub fn of_scan(scan: &Scan, cfg: &crate::config::Config) -> Option<Trail> {
        let judged = scan.trailing.as_ref()?;
        let mut hosts: Vec<Host> = judged
            .partners
            .iter()
            .map(|(h, partners)| Host {
                doc: *h,
                partners: partners.clone(),
                joins: Vec::new(),
                words: scan.bodies[*h as usize].words as u32,
            })
            .collect();
        hosts.sort_by_key(|h| h.doc);
        let at = |x: u32| hosts.binary_search_by_key(&x, |h| h.doc).ok();
        let mut joins: Vec<(usize, u32, u8)> = Vec::new();
        for e in &scan.edges {
            let kind = if e.relation.joins_duplicates() {
                JOIN_DUPLICATE
            } else if e.relation == crate::verify::Relation::SharedPassages
                && tells_same_story(e, &scan.bodies, cfg.story_min_coverage)
            {
                JOIN_STORY
            } else {
                continue;
            };
            if let Some(k) = at(e.a) {
                joins.push((k, e.b, kind));
            }
            if let Some(k) = at(e.b) {
                joins.push((k, e.a, kind));
            }
        }
        joins.sort_unstable();
        for (k, x, kind) in joins {
            hosts[k].joins.push((x, kind));
        }
        let mut decided = judged.decided.clone();
        decided.sort_by_key(|x| (x.0, x.1.source));
        Some(Trail {
            docs: scan.corpus.docs.len() as u32,
            freq: judged.freq.clone(),
            decided,
            hosts,
        })
    }

    /// The segment payload.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        codec::pack(self)
    }

    /// Reads a payload written by [`Trail::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Trail, String> {
        let t: Trail = codec::unpack(bytes)?;
        let sorted = t.hosts.windows(2).all(|w| w[0].doc < w[1].doc)
            && t.freq.df.windows(2).all(|w| w[0].0 < w[1].0)
            && t.freq.bodies.windows(2).all(|w| w[0].0 < w[1].0)
            && t.freq.step.is_power_of_two();
        let inside = t
            .hosts
            .iter()
            .all(|h| h.doc < t.docs && h.partners.iter().all(|&x| x < t.docs))
            && t.decided.iter().all(|(h, d)| {
                let x = match d.source {
                    Source::Body(x) | Source::Tail(x) => x,
                };
                *h < t.docs && x < t.docs
            })
            && t.freq.bodies.iter().all(|b| b.0 < t.docs);
        if !sorted || !inside {
            return Err("tails segment out of order or out of range".into());
        }
        Ok(t)
    }
}
