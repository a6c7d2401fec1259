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

use std::sync::OnceLock;

use ahash::AHashSet;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::hash;
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
    /// A `read also: <headline>` link inside an article that goes on.
    LinkLine,
}

/// The key a report lists a boilerplate line under: its marker for a
/// "read also" link line (whatever it links), its hash otherwise.
pub fn report_key(kind: Kind, line: &crate::segment::Line) -> u64 {
    match (kind, line.kind) {
        (Kind::LinkLine, crate::segment::LineKind::TailMarker { marker, .. }) => u64::from(marker),
        _ => line.hash,
    }
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

/// What the relatedness test knows of one document: its lines, sorted by
/// hash, with their word counts, and a [`Sketch`] of its word pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineSet {
    /// `(line hash, words)`, sorted and deduplicated by hash.
    pub lines: Vec<(u64, u32)>,
    /// The word pairs of every line, sketched.
    pub sketch: Sketch,
}

/// Bins of a [`Sketch`].
pub const SKETCH_BINS: usize = 32;
/// Share of the smaller rest's word pairs (its lines the other document
/// lacks) that the sketches must estimate in the other rest for the two
/// documents to be related. Lower than the exact test's half because a
/// rest also holds each document's own template and appended items.
/// Measured exactly on a generated family of seven rewrites of one
/// article (different sites, templates and "read also" tails): related
/// rests share 0.42–0.77 of their word pairs, unrelated ones 0.00–0.02.
const SKETCH_SHARE: f64 = 0.3;
/// A bin no word pair fell in.
const EMPTY: u32 = u32::MAX;
/// The sketch of no word pairs.
static NO_SKETCH: Sketch = Sketch {
    mins: [EMPTY; SKETCH_BINS],
    tags: [0; SKETCH_BINS],
};

/// A one-permutation MinHash of a document's word pairs (two adjacent
/// tokens of one line; a line of one token counts its token): each pair
/// hashes with [`hash::PAIR_SEED`]; the top 5 bits choose the bin, which
/// keeps the least low 32 bits, and the top byte of the hash of the line
/// the pair came from (its *tag*).
///
/// Lines compare by exact hash, so a copy whose every paragraph has a
/// word changed shares no line with its original. The sketch still finds
/// the two related, and the tags let a comparison set aside the pairs of
/// the line being judged and of the lines both documents have (see
/// [`related`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sketch {
    /// Least value per bin (`u32::MAX` when none).
    pub mins: [u32; SKETCH_BINS],
    /// Tag of the line each minimum came from.
    pub tags: [u8; SKETCH_BINS],
}

impl Default for Sketch {
    fn default() -> Self {
        NO_SKETCH
    }
}

fn tag(line_hash: u64) -> u8 {
    (line_hash >> 56) as u8
}

impl Sketch {
    /// Sketches the word pairs of `seg`.
    pub fn of(seg: &Segmented) -> Sketch {
        let mut s = Sketch::default();
        for l in &seg.lines {
            let toks = &seg.tokens[l.tok_start as usize..l.tok_end as usize];
            let t = tag(l.hash);
            let mut add = |h: u64| {
                let bin = (h >> 59) as usize;
                let v = h as u32;
                if v < s.mins[bin] {
                    s.mins[bin] = v;
                    s.tags[bin] = t;
                }
            };
            if toks.len() == 1 {
                add(hash::seq(toks, hash::PAIR_SEED));
            }
            for w in toks.windows(2) {
                add(hash::seq(w, hash::PAIR_SEED));
            }
        }
        s
    }

    /// Estimated Jaccard similarity of the word pairs of two documents,
    /// leaving out the pairs of lines whose tag is in `left_out` (a
    /// 256-bit set): `None` when fewer than a quarter of the bins are
    /// left to judge by.
    fn jaccard(&self, other: &Sketch, left_out: &[u64; 4]) -> Option<f64> {
        let out = |m: u32, t: u8| m != EMPTY && left_out[usize::from(t >> 6)] >> (t & 63) & 1 == 1;
        let (mut seen, mut same) = (0u32, 0u32);
        for b in 0..SKETCH_BINS {
            let (x, y) = (self.mins[b], other.mins[b]);
            if (x == EMPTY && y == EMPTY) || out(x, self.tags[b]) || out(y, other.tags[b]) {
                continue;
            }
            seen += 1;
            same += u32::from(x == y);
        }
        (seen as usize * 4 >= SKETCH_BINS).then(|| f64::from(same) / f64::from(seen))
    }
}

/// The [`LineSet`] of one document; its sketch stays empty (and then
/// never finds documents related) unless `sketch`.
pub fn line_set(seg: &Segmented, sketch: bool) -> LineSet {
    let mut lines: Vec<(u64, u32)> = seg
        .lines
        .iter()
        .map(|l| (l.hash, l.words() as u32))
        .collect();
    lines.sort_unstable();
    lines.dedup_by_key(|x| x.0);
    LineSet {
        lines,
        sketch: if sketch {
            Sketch::of(seg)
        } else {
            Sketch::default()
        },
    }
}

/// Are two documents related once the line `skip` is set aside? Yes when
/// at least half the words of the smaller are on lines the other has too.
/// Failing that, the rest of each (its lines the other lacks) are
/// compared by their sketches: the two are related when at least
/// `SKETCH_SHARE` (0.3) of the smaller rest's word pairs are estimated to be
/// in the other rest. This finds copies edited throughout, while the
/// lines that documents of one site share (their template) still count
/// only once, in the first test.
pub fn related(a: &LineSet, b: &LineSet, skip: u64) -> bool {
    related_by(&a.lines, &b.lines, skip, || (&a.sketch, &b.sketch))
}

/// [`related`] from two documents' lines, with their sketches asked for
/// only when the lines they share do not decide.
fn related_by<'s>(
    a_l: &[(u64, u32)],
    b_l: &[(u64, u32)],
    skip: u64,
    sketches: impl FnOnce() -> (&'s Sketch, &'s Sketch),
) -> bool {
    let total = |s: &[(u64, u32)]| {
        s.iter()
            .filter(|x| x.0 != skip)
            .map(|x| x.1 as u64)
            .sum::<u64>()
    };
    let (ta, tb) = (total(a_l), total(b_l));
    let denom = ta.min(tb);
    if denom == 0 {
        return true;
    }
    let mut left_out = [0u64; 4];
    let mut leave_out = |h: u64| {
        let t = tag(h);
        left_out[usize::from(t >> 6)] |= 1 << (t & 63);
    };
    leave_out(skip);
    let (mut i, mut j, mut shared) = (0, 0, 0u64);
    while i < a_l.len() && j < b_l.len() {
        match a_l[i].0.cmp(&b_l[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if a_l[i].0 != skip {
                    shared += a_l[i].1 as u64;
                    leave_out(a_l[i].0);
                }
                i += 1;
                j += 1;
            }
        }
    }
    if shared * 2 >= denom {
        return true;
    }
    let (sa, sb) = sketches();
    let Some(jac) = sa.jaccard(sb, &left_out) else {
        return false;
    };
    // |A ∩ B| = J (|A| + |B|) / (1 + J), with sizes counted in words.
    let (ra, rb) = (ta - shared, tb - shared);
    let inter = jac * (ra + rb) as f64 / (1.0 + jac);
    inter >= SKETCH_SHARE * ra.min(rb) as f64
}

/// Documents sampled to judge a recurring line.
const SAMPLE: usize = 9;

/// Whether a line of `words` words found in `n` documents is recurring
/// boilerplate. `related(i, j)` tells whether the `i`-th and `j`-th of
/// those documents (in document order) are related once the line is set
/// aside; at most `SAMPLE` (9) evenly spread documents are asked.
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
    let sets: Vec<LineSet> = docs.par_iter().map(|d| line_set(d, false)).collect();
    // A document's sketch is computed the first time a relatedness test
    // needs it: most are never asked for.
    let sketches: Vec<OnceLock<Sketch>> = (0..docs.len()).map(|_| OnceLock::new()).collect();
    let sketch = |d: usize| -> &Sketch {
        if cfg.boilerplate_sketch {
            sketches[d].get_or_init(|| Sketch::of(docs[d]))
        } else {
            &NO_SKETCH
        }
    };
    recurring(&sets, cfg, |a, b, skip| {
        related_by(&sets[a].lines, &sets[b].lines, skip, || {
            (sketch(a), sketch(b))
        })
    })
}

/// [`learn`] from each document's [`line_set`].
pub fn learn_sets(sets: &[LineSet], cfg: &Config) -> Stats {
    recurring(sets, cfg, |a, b, skip| related(&sets[a], &sets[b], skip))
}

/// The recurring lines among `sets`, `related(a, b, line)` telling
/// whether documents `a` and `b` are related once `line` is set aside.
fn recurring(
    sets: &[LineSet],
    cfg: &Config,
    related: impl Fn(usize, usize, u64) -> bool + Sync,
) -> Stats {
    // Gathered in parallel in any order: sorting orders them fully.
    let mut occ: Vec<(u64, u32, u32)> = sets
        .par_iter()
        .enumerate()
        .flat_map_iter(|(d, s)| s.lines.iter().map(move |&(h, w)| (h, d as u32, w)))
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
                related(run[i].1 as usize, run[j].1 as usize, hash)
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

    /// Six lines of twelve words, `word(line, place)` each.
    fn lines_of(word: impl Fn(usize, usize) -> String) -> String {
        (0..6)
            .map(|p| (0..12).map(|w| word(p, w)).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `n` words `{prefix}0`, `{prefix}1`…
    fn words(prefix: &str, n: usize) -> String {
        (0..n)
            .map(|w| format!("{prefix}{w}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn article(i: usize) -> String {
        // Distinct content: every word carries the article number.
        lines_of(|p, w| format!("w{i}x{p}x{w}"))
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
        let para = words("shared", 40);
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

    /// `article(i)` with one word of every line replaced (at a place
    /// that depends on `copy`), so that it shares no line with the
    /// original or with other copies.
    fn edited(i: usize, copy: usize) -> String {
        lines_of(|p, w| {
            if w == (copy * 5 + p) % 12 {
                format!("edit{copy}x{p}")
            } else {
                format!("w{i}x{p}x{w}")
            }
        })
    }

    #[test]
    fn paragraph_of_copies_edited_throughout_is_not_boilerplate() {
        // Six outlets carry one story, each with a word changed in every
        // paragraph; one 12-word quote they all keep word for word.
        let quote = words("quote", 12);
        let texts: Vec<String> = (0..6)
            .map(|c| format!("{}\n{quote}", edited(7, c)))
            .collect();
        let docs = seg_all(&texts);
        let stats = learn(&refs(&docs), &Config::default());
        assert!(stats.recurring.is_empty(), "{:?}", stats.recurring);
        // By exact lines alone the copies look unrelated.
        let exact = Config {
            boilerplate_sketch: false,
            ..Config::default()
        };
        assert_eq!(learn(&refs(&docs), &exact).recurring.len(), 1);
    }

    #[test]
    fn site_template_stays_boilerplate_however_large() {
        // Unrelated short articles of one site under a four-line
        // template: the template is close to half of every document, so
        // whole-document sketches would call them related. Lines both
        // documents have are left out of the sketch comparison.
        let template: Vec<String> = (0..4).map(|l| words(&format!("site{l}x"), 10)).collect();
        let texts: Vec<String> = (0..6)
            .map(|i| {
                let body: Vec<String> = article(i).lines().take(4).map(str::to_string).collect();
                format!("{}\n{}", body.join("\n"), template.join("\n"))
            })
            .collect();
        let docs = seg_all(&texts);
        let stats = learn(&refs(&docs), &Config::default());
        assert_eq!(stats.recurring.len(), 4);
    }

    /// The exact word-pair set of a document, as [`Sketch::of`] sees it.
    fn pairs(seg: &Segmented) -> AHashSet<u64> {
        let mut out = AHashSet::new();
        for l in &seg.lines {
            let toks = &seg.tokens[l.tok_start as usize..l.tok_end as usize];
            if toks.len() == 1 {
                out.insert(hash::seq(toks, hash::PAIR_SEED));
            }
            out.extend(toks.windows(2).map(|w| hash::seq(w, hash::PAIR_SEED)));
        }
        out
    }

    #[test]
    fn sketch_estimates_exact_jaccard_on_real_text() {
        // The seed articles, and copies of them with every k-th word
        // replaced, compared with each other: sketch estimate against the
        // exact Jaccard similarity of their word-pair sets.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("data")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        names.sort();
        let mut texts = Vec::new();
        for p in &names {
            let text = std::fs::read_to_string(p).expect("seed");
            texts.push(text.clone());
            for k in [3, 5, 9, 17] {
                let mut n = 0;
                let edited: String = text
                    .split_inclusive(char::is_whitespace)
                    .map(|w| {
                        n += 1;
                        if n % k == 0 {
                            "بدل "
                        } else {
                            w
                        }
                    })
                    .collect();
                texts.push(edited);
            }
        }
        let segs = seg_all(&texts);
        let sets: Vec<AHashSet<u64>> = segs.iter().map(pairs).collect();
        let sketches: Vec<Sketch> = segs.iter().map(Sketch::of).collect();
        let (mut n, mut err_sum, mut worst) = (0, 0.0, 0.0f64);
        let mut high = 0;
        for i in 0..texts.len() {
            for j in i + 1..texts.len() {
                let inter = sets[i].intersection(&sets[j]).count() as f64;
                let exact = inter / (sets[i].len() as f64 + sets[j].len() as f64 - inter);
                let est = sketches[i].jaccard(&sketches[j], &[0; 4]).expect("bins");
                let err = (est - exact).abs();
                n += 1;
                err_sum += err;
                worst = worst.max(err);
                high += usize::from(exact > 0.3);
            }
        }
        let mean = err_sum / f64::from(n);
        eprintln!("{n} pairs, {high} above 0.3, mean error {mean:.3}, worst {worst:.3}");
        assert!(high >= 20, "the edited copies are similar: {high}");
        // 32 bins: standard error at most 0.09.
        assert!(mean < 0.05, "mean error {mean}");
        assert!(worst < 0.3, "worst error {worst}");
    }
}
