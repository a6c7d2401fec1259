//! Boilerplate: lines that recur across documents that are otherwise
//! unrelated (site templates, "follow us" lines, app notices,
//! disclaimers), plus lines whose form alone marks them (plugin shortcodes
//! such as `[ad_1]`, "Tags:" and "Source:" label lines).
//!
//! Recurrence alone is not enough: a wire story reprinted by ten outlets
//! repeats every one of its paragraphs ten times. A recurring line is
//! boilerplate only when the documents carrying it are mostly *unrelated*
//! to each other once the line itself is set aside (less than half of
//! their remaining words in shared lines). Short lines (at most
//! `short_line_words` words) need 2 documents; longer ones need
//! `boilerplate_min_docs` and one document per four words, so that a quoted
//! wire paragraph shared by a few rewrites stays a shared passage.

use ahash::AHashSet;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::segment::{LineKind, Segmented};

/// Why a line is boilerplate.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// It recurs across unrelated documents.
    Recurring,
    /// A plugin shortcode such as `[ad_1]`.
    Shortcode,
    /// A label line such as "Tags: …".
    Label,
    /// A "read also: <headline>" link inside an article that goes on.
    LinkLine,
}

/// One boilerplate line as listed in the report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Entry {
    /// The line as it first appears (the marker, for link lines).
    pub text: String,
    /// How many documents carry it.
    pub documents: usize,
    /// The sources of those documents, sorted.
    pub sources: Vec<String>,
    /// Why it is boilerplate.
    pub kind: Kind,
    #[serde(skip)]
    pub(crate) hash: u64,
}

/// Corpus statistics decide which line hashes are boilerplate.
#[derive(Debug, Default)]
pub struct Stats {
    /// Hashes of recurring boilerplate lines.
    pub recurring: AHashSet<u64>,
}

/// The lines of one document, sorted by hash, with their word counts.
pub(crate) fn line_set(seg: &Segmented) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = seg
        .lines
        .iter()
        .map(|l| (l.hash, l.words() as u32))
        .collect();
    v.sort_unstable();
    v.dedup_by_key(|x| x.0);
    v
}

/// Are two documents related once the line `skip` is set aside?
pub(crate) fn related(a: &[(u64, u32)], b: &[(u64, u32)], skip: u64) -> bool {
    let total = |s: &[(u64, u32)]| {
        s.iter()
            .filter(|x| x.0 != skip)
            .map(|x| x.1 as u64)
            .sum::<u64>()
    };
    let denom = total(a).min(total(b));
    if denom == 0 {
        return true;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0u64);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if a[i].0 != skip {
                    shared += a[i].1 as u64;
                }
                i += 1;
                j += 1;
            }
        }
    }
    shared * 2 >= denom
}

/// Documents sampled to judge a recurring line.
const SAMPLE: usize = 9;

/// Whether a line of `words` words found in `n` documents is recurring
/// boilerplate. `related(i, j)` tells whether the `i`-th and `j`-th of
/// those documents (in document order) are related once the line is set
/// aside; at most [`SAMPLE`] evenly spread documents are asked.
pub(crate) fn is_recurring(
    words: usize,
    n: usize,
    cfg: &Config,
    related: impl Fn(usize, usize) -> bool,
) -> bool {
    let need = if words <= cfg.short_line_words {
        2
    } else {
        cfg.boilerplate_min_docs.max(words.div_ceil(4))
    };
    if n < need.max(2) {
        return false;
    }
    let k = n.min(SAMPLE);
    let picks: Vec<usize> = (0..k).map(|i| i * (n - 1) / (k - 1).max(1)).collect();
    let rel = picks.windows(2).filter(|w| related(w[0], w[1])).count();
    rel * 2 < picks.len() - 1
}

/// Finds the recurring boilerplate lines of a corpus.
pub fn learn(docs: &[&Segmented], cfg: &Config) -> Stats {
    let sets: Vec<Vec<(u64, u32)>> = docs.par_iter().map(|d| line_set(d)).collect();
    learn_sets(&sets, cfg)
}

/// [`learn`] from each document's [`line_set`].
pub fn learn_sets(sets: &[Vec<(u64, u32)>], cfg: &Config) -> Stats {
    let mut occ: Vec<(u64, u32, u32)> = sets
        .iter()
        .enumerate()
        .flat_map(|(d, s)| s.iter().map(move |&(h, w)| (h, d as u32, w)))
        .collect();
    occ.par_sort_unstable();
    let runs: Vec<&[(u64, u32, u32)]> = occ
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|r| r.len() >= 2)
        .collect();
    let recurring = runs
        .par_iter()
        .filter(|run| {
            let (hash, _, words) = run[0];
            is_recurring(words as usize, run.len(), cfg, |i, j| {
                related(&sets[run[i].1 as usize], &sets[run[j].1 as usize], hash)
            })
        })
        .map(|run| run[0].0)
        .collect::<Vec<u64>>()
        .into_iter()
        .collect();
    Stats { recurring }
}

/// Marks the boilerplate lines of one document (by line index).
pub fn mark(seg: &Segmented, stats: &Stats) -> Vec<Option<Kind>> {
    seg.lines
        .iter()
        .map(|l| match l.kind {
            LineKind::Shortcode => Some(Kind::Shortcode),
            LineKind::Label => Some(Kind::Label),
            // Marker lines are judged by the tail stage.
            LineKind::TailMarker { .. } => None,
            LineKind::Text | LineKind::Continuing => {
                stats.recurring.contains(&l.hash).then_some(Kind::Recurring)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{segment, Markers};

    fn seg_all(texts: &[String]) -> Vec<Segmented> {
        let cfg = Config::default();
        let m = Markers::new(&cfg);
        let mut n = m.normalizer();
        texts.iter().map(|t| segment(t, &mut n, &m)).collect()
    }

    fn refs(v: &[Segmented]) -> Vec<&Segmented> {
        v.iter().collect()
    }

    fn article(i: usize) -> String {
        // Distinct content: every word carries the article number.
        (0..6)
            .map(|p| {
                (0..12)
                    .map(|w| format!("w{i}x{p}x{w}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn template_line_in_unrelated_documents_is_boilerplate() {
        let texts: Vec<String> = (0..5)
            .map(|i| format!("{}\nتابع أحدث الأخبار عبر تطبيق", article(i)))
            .collect();
        let docs = seg_all(&texts);
        let stats = learn(&refs(&docs), &Config::default());
        let marks = mark(&docs[0], &stats);
        assert_eq!(marks.iter().filter(|m| m.is_some()).count(), 1);
        assert_eq!(marks.last(), Some(&Some(Kind::Recurring)));
    }

    #[test]
    fn reprinted_story_is_not_boilerplate() {
        // The same article in 6 outlets, each with its own one-line header.
        let texts: Vec<String> = (0..6)
            .map(|i| format!("outlet {i} header\n{}", article(99)))
            .collect();
        let docs = seg_all(&texts);
        let stats = learn(&refs(&docs), &Config::default());
        assert!(stats.recurring.is_empty());
    }

    #[test]
    fn long_line_needs_more_documents() {
        let para = (0..40)
            .map(|w| format!("shared{w}"))
            .collect::<Vec<_>>()
            .join(" ");
        let few: Vec<String> = (0..3).map(|i| format!("{}\n{para}", article(i))).collect();
        assert!(learn(&refs(&seg_all(&few)), &Config::default())
            .recurring
            .is_empty());
        let many: Vec<String> = (0..12).map(|i| format!("{}\n{para}", article(i))).collect();
        assert_eq!(
            learn(&refs(&seg_all(&many)), &Config::default())
                .recurring
                .len(),
            1
        );
    }
}
