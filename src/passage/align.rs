//! Aligning two token sequences into shared passages.
//!
//! Two complementary matchers, whose results are merged:
//!
//! * **Seed chains** for reuse that keeps word order (quotes, wire
//!   paragraphs, light edits, reordered phrases): every word 3-gram found
//!   in both is a seed; seeds close in both documents chain into runs,
//!   runs close in both merge, and what has `min_words` matched words is a
//!   passage.
//! * **Bags of words** for reuse whose words were shuffled or swapped for
//!   synonyms (the `bags` module): clusters of words found once or
//!   twice in each document, close together in both, whose two regions'
//!   word multisets mostly coincide.

use ahash::AHashSet;

use super::bags::{self, Words};
use crate::config::PassageConfig;

/// A shared passage as token ranges `[start, end)` of the two sequences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    /// Range in `a`.
    pub a: [u32; 2],
    /// Range in `b`.
    pub b: [u32; 2],
    /// Words of `a` matched.
    pub matched: u32,
}

impl Match {
    fn gap_to(&self, o: &Match) -> (u32, u32) {
        let d = |x: [u32; 2], y: [u32; 2]| {
            if x[1] < y[0] {
                y[0] - x[1]
            } else {
                x[0].saturating_sub(y[1])
            }
        };
        (d(self.a, o.a), d(self.b, o.b))
    }

    fn absorb(&mut self, o: &Match) {
        let overlap = self.a[1].min(o.a[1]).saturating_sub(self.a[0].max(o.a[0]));
        self.matched = self.matched + o.matched - overlap.min(o.matched).min(self.matched);
        self.a = [self.a[0].min(o.a[0]), self.a[1].max(o.a[1])];
        self.b = [self.b[0].min(o.b[0]), self.b[1].max(o.b[1])];
    }

    /// `o` aligns at least half of the words of `a` that the shorter of
    /// the two covers to a place of `b` more than `gap` words away.
    fn rival(&self, o: &Match, gap: u32) -> bool {
        let shared_a = self.a[1].min(o.a[1]).saturating_sub(self.a[0].max(o.a[0]));
        self.gap_to(o).1 > gap && 2 * shared_a >= self.len_a().min(o.len_a())
    }

    fn len_a(&self) -> u32 {
        self.a[1] - self.a[0]
    }
}

/// Seeds occurring more often than this in `b` are ignored.
const MAX_SEED_REPEATS: usize = 4;

/// One side of an alignment prepared once for many partners: its tokens
/// and a hash table of its anchors with their positions.
#[derive(Clone, Debug)]
pub struct Prepared<'t> {
    toks: &'t [u64],
    /// Open addressing, linear probing: a slot holds an index into
    /// `anchors` plus one, or 0 when empty. Anchors are SplitMix64
    /// outputs, so their low bits place them.
    slots: Vec<u32>,
    /// Each distinct anchor, its count and its first positions.
    anchors: Vec<Anchor>,
    /// A one-hash Bloom filter of the anchors (bit `g >> 32 mod
    /// len*64` of `g`), small enough for the first-level cache: most
    /// anchors of a partner are not here, and this tells so at once.
    filter: Vec<u64>,
    /// Positions of the words found at most twice, for bags of words
    /// (made at the first pair that needs them).
    words: std::cell::OnceCell<Words>,
}

/// An anchor of a [`Prepared`] side.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    gram: u64,
    /// Times found.
    count: u32,
    /// The first `MAX_SEED_REPEATS` positions, ascending.
    at: [u32; MAX_SEED_REPEATS],
}

impl<'t> Prepared<'t> {
    /// Prepares `toks` with anchors of `n` words.
    pub fn new(toks: &'t [u64], n: usize) -> Self {
        let grams = super::grams(toks, n);
        let size = (2 * grams.len()).next_power_of_two().max(2);
        let mut slots = vec![0u32; size];
        let mut anchors: Vec<Anchor> = Vec::with_capacity(grams.len());
        let mask = size - 1;
        for (i, g) in grams.into_iter().enumerate() {
            let mut s = g as usize & mask;
            loop {
                match slots[s] {
                    0 => {
                        anchors.push(Anchor {
                            gram: g,
                            count: 1,
                            at: [i as u32; MAX_SEED_REPEATS],
                        });
                        slots[s] = anchors.len() as u32;
                        break;
                    }
                    k if anchors[k as usize - 1].gram == g => {
                        let a = &mut anchors[k as usize - 1];
                        if (a.count as usize) < MAX_SEED_REPEATS {
                            a.at[a.count as usize] = i as u32;
                        }
                        a.count += 1;
                        break;
                    }
                    _ => s = (s + 1) & mask,
                }
            }
        }
        // About 16 bits per anchor: few false positives.
        let filter_len = (anchors.len() / 4).next_power_of_two().max(1);
        let mut filter = vec![0u64; filter_len];
        for a in &anchors {
            let bit = (a.gram >> 32) as usize & (filter_len * 64 - 1);
            filter[bit >> 6] |= 1 << (bit & 63);
        }
        Prepared {
            toks,
            slots,
            anchors,
            filter,
            words: std::cell::OnceCell::new(),
        }
    }

    /// The positions of anchor `g`, ascending (none when it is not an
    /// anchor here or is found more than `MAX_SEED_REPEATS` times).
    fn positions(&self, g: u64) -> &[u32] {
        let bit = (g >> 32) as usize & (self.filter.len() * 64 - 1);
        if self.filter[bit >> 6] & (1 << (bit & 63)) == 0 {
            return &[];
        }
        let mask = self.slots.len() - 1;
        let mut s = g as usize & mask;
        loop {
            match self.slots[s] {
                0 => return &[],
                k => {
                    let a = &self.anchors[k as usize - 1];
                    if a.gram == g {
                        let count = a.count as usize;
                        return if count <= MAX_SEED_REPEATS {
                            &a.at[..count]
                        } else {
                            &[]
                        };
                    }
                }
            }
            s = (s + 1) & mask;
        }
    }

    /// Shared passages of this side (`a`) and `b`; anchors in `common`
    /// are no seeds.
    pub fn align(&self, b: &[u64], common: &AHashSet<u64>, cfg: &PassageConfig) -> Vec<Match> {
        self.align_with(b, common, true, cfg)
    }

    /// [`Prepared::align`], with bags of words only when `bags`: for a
    /// pair that shares enough rare words (see [`super::candidates`]).
    /// The words of a shuffled or reworded passage are evidence when they
    /// are rare; a pair that shares only common ones (two weather
    /// reports, two market summaries of one template) would otherwise
    /// make a bag of the template's words.
    pub fn align_with(
        &self,
        b: &[u64],
        common: &AHashSet<u64>,
        bags: bool,
        cfg: &PassageConfig,
    ) -> Vec<Match> {
        let anchors = super::grams(b, cfg.anchor_words);
        self.align_anchored(b, &anchors, common, bags, cfg)
    }

    /// [`Prepared::align_with`], with `b`'s anchors (`grams(b,
    /// cfg.anchor_words)`) computed already: a document aligned with many
    /// partners has them computed once.
    pub fn align_anchored(
        &self,
        b: &[u64],
        anchors: &[u64],
        common: &AHashSet<u64>,
        bags: bool,
        cfg: &PassageConfig,
    ) -> Vec<Match> {
        let mut found = self.chains(anchors, common, cfg);
        if bags {
            let words = self.words.get_or_init(|| Words::new(self.toks));
            found.extend(bags::bags(self.toks, words, b, cfg));
        }
        merge(found, cfg.gap as u32)
            .into_iter()
            .filter(|m| m.matched as usize >= cfg.min_words)
            .collect()
    }

    /// Seeds: positions `(i, j)` of anchors found in both (`anchors` are
    /// the other side's), sorted.
    fn seeds(&self, anchors: &[u64], common: &AHashSet<u64>) -> Vec<(u32, u32)> {
        let mut seeds: Vec<(u64, u32, u32)> = Vec::new();
        for (j, &g) in anchors.iter().enumerate() {
            let at = self.positions(g);
            if !at.is_empty() && !common.contains(&super::key_class(g)) {
                seeds.extend(at.iter().map(|&i| (g, i, j as u32)));
            }
        }
        // An anchor repeated more than MAX_SEED_REPEATS times in b is no
        // seed either (as in a).
        seeds.sort_unstable_by_key(|s| (s.0, s.2));
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(seeds.len());
        for run in seeds.chunk_by(|x, y| x.0 == y.0) {
            let in_b = run.chunk_by(|x, y| x.2 == y.2).count();
            if in_b <= MAX_SEED_REPEATS {
                out.extend(run.iter().map(|s| (s.1, s.2)));
            }
        }
        out.sort_unstable();
        out
    }

    fn chains(&self, anchors: &[u64], common: &AHashSet<u64>, cfg: &PassageConfig) -> Vec<Match> {
        let n = cfg.anchor_words as u32;
        let gap = cfg.gap as u32;
        let mut open: Vec<Match> = Vec::new();
        let mut done: Vec<Match> = Vec::new();
        let seeds = self.seeds(anchors, common);
        for run in seeds.chunk_by(|x, y| x.0 == y.0) {
            let i = run[0].0;
            let mut k = 0;
            while k < open.len() {
                if open[k].a[1] + gap < i {
                    done.push(open.swap_remove(k));
                } else {
                    k += 1;
                }
            }
            for &(_, j) in run {
                let best = open
                    .iter_mut()
                    .filter(|c| c.b[0] <= j + gap && j <= c.b[1] + gap)
                    .min_by_key(|c| j.abs_diff(c.b[1]));
                match best {
                    Some(c) => {
                        c.matched += (i + n).saturating_sub(c.a[1].max(i)).min(n);
                        c.a[1] = c.a[1].max(i + n);
                        c.b = [c.b[0].min(j), c.b[1].max(j + n)];
                    }
                    None => open.push(Match {
                        a: [i, i + n],
                        b: [j, j + n],
                        matched: n,
                    }),
                }
            }
        }
        done.extend(open);
        done
    }
}

/// Shared passages of `a` and `b`; anchors in `common` are no seeds.
pub fn align(a: &[u64], b: &[u64], common: &AHashSet<u64>, cfg: &PassageConfig) -> Vec<Match> {
    Prepared::new(a, cfg.anchor_words).align(b, common, cfg)
}

/// Merges matches close in both documents (for reordered phrases, a
/// jump in `b` up to half the passage's length is allowed), until none
/// merge. Of two matches that align mostly the same words of `a` to
/// places of `b` apart from each other, only the one with more matched
/// words is kept: a few words that also occur elsewhere in `b` must not
/// stretch a passage over the text between.
fn merge(mut ms: Vec<Match>, gap: u32) -> Vec<Match> {
    loop {
        ms.sort_by_key(|m| (m.a[0], m.b[0]));
        let mut out: Vec<Match> = Vec::with_capacity(ms.len());
        let mut changed = false;
        for m in ms {
            let hit = out.iter_mut().rev().take(8).find(|o| {
                let (da, db) = o.gap_to(&m);
                o.rival(&m, gap) || (da <= gap && db <= gap + o.len_a().max(m.len_a()) / 2)
            });
            match hit {
                Some(o) if o.rival(&m, gap) => {
                    if m.matched > o.matched {
                        *o = m;
                    }
                    changed = true;
                }
                Some(o) => {
                    o.absorb(&m);
                    changed = true;
                }
                None => out.push(m),
            }
        }
        if !changed {
            return out;
        }
        ms = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash;

    fn toks(s: &str) -> Vec<u64> {
        s.split_whitespace().map(hash::token).collect()
    }

    fn filler(tag: &str, n: usize) -> String {
        (0..n)
            .map(|i| format!("{tag}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `positions` against a plain count: every anchor of `b` has the
    /// positions it has in `a` when it occurs there at most
    /// `MAX_SEED_REPEATS` times, none otherwise.
    #[test]
    fn anchor_positions_match_a_plain_count() {
        use proptest::prelude::*;
        let words = proptest::collection::vec(0u64..6, 0..300);
        proptest!(|(a in words.clone(), b in words)| {
            let (a, b): (Vec<u64>, Vec<u64>) = (
                a.iter().map(|&w| hash::mix(w, 1)).collect(),
                b.iter().map(|&w| hash::mix(w, 1)).collect(),
            );
            let prepared = Prepared::new(&a, 3);
            let ga = crate::passage::grams(&a, 3);
            for g in crate::passage::grams(&b, 3) {
                let all: Vec<u32> = (0..ga.len() as u32).filter(|&i| ga[i as usize] == g).collect();
                let want: &[u32] = if all.len() <= MAX_SEED_REPEATS { &all } else { &[] };
                prop_assert_eq!(prepared.positions(g), want);
            }
        });
    }

    #[test]
    fn verbatim_run_with_an_edit_is_one_passage() {
        let quote = filler("q", 12) + " changed " + &filler("r", 8);
        let quote2 = filler("q", 12) + " altered " + &filler("r", 8);
        let a = toks(&format!("{} {quote} {}", filler("a", 40), filler("b", 30)));
        let b = toks(&format!("{} {quote2} {}", filler("c", 25), filler("d", 50)));
        let got = align(&a, &b, &AHashSet::new(), &PassageConfig::default());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].a, [40, 61]);
        assert_eq!(got[0].b, [25, 46]);
        assert_eq!(got[0].matched, 20);
    }

    #[test]
    fn short_formula_is_not_a_passage() {
        let formula = filler("f", 10);
        let a = toks(&format!(
            "{} {formula} {}",
            filler("a", 40),
            filler("b", 30)
        ));
        let b = toks(&format!(
            "{} {formula} {}",
            filler("c", 40),
            filler("d", 30)
        ));
        assert!(align(&a, &b, &AHashSet::new(), &PassageConfig::default()).is_empty());
    }

    #[test]
    fn shuffled_words_match_as_a_bag() {
        let words: Vec<String> = (0..80).map(|i| format!("w{i}")).collect();
        let mut shuffled = words.clone();
        // A fixed permutation that moves words far.
        shuffled.sort_by_key(|w| {
            let n: u64 = w[1..].parse().unwrap_or(0);
            hash::mix(n, 3)
        });
        let a = toks(&format!(
            "{} {} {}",
            filler("a", 50),
            shuffled.join(" "),
            filler("b", 20)
        ));
        let b = toks(&format!(
            "{} {} {}",
            filler("c", 10),
            words.join(" "),
            filler("d", 60)
        ));
        let got = align(&a, &b, &AHashSet::new(), &PassageConfig::default());
        assert_eq!(got.len(), 1, "{got:?}");
        let m = got[0];
        assert!(
            m.a[0] >= 45 && m.a[0] <= 50 && m.a[1] >= 128 && m.a[1] <= 132,
            "{m:?}"
        );
        assert!(m.b[0] >= 10 && m.b[1] <= 92, "{m:?}");
    }

    #[test]
    fn reordered_phrases_stay_one_passage() {
        let phrases: Vec<String> = (0..6).map(|p| filler(&format!("p{p}x"), 8)).collect();
        let order = [3, 0, 5, 1, 4, 2];
        let a_text = order
            .iter()
            .map(|&i| phrases[i].clone())
            .collect::<Vec<_>>()
            .join(" ");
        let a = toks(&format!("{} {a_text} {}", filler("a", 30), filler("b", 30)));
        let b = toks(&format!(
            "{} {} {}",
            filler("c", 30),
            phrases.join(" "),
            filler("d", 30)
        ));
        let got = align(&a, &b, &AHashSet::new(), &PassageConfig::default());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].a, [30, 78]);
    }

    /// Long documents on one topic: function words everywhere, topic
    /// words once in each, at unrelated places. A short shuffled passage
    /// inside them is found, and only it.
    #[test]
    fn short_shuffled_passage_inside_long_documents() {
        let doc = |tag: &str, n: usize, seed: u64| -> Vec<String> {
            let mut topic: Vec<usize> = (0..n.div_ceil(3)).collect();
            topic.sort_by_key(|&k| hash::mix(k as u64, seed));
            (0..n)
                .map(|k| match k % 3 {
                    0 => format!("f{}", k % 7),
                    1 => format!("t{}", topic[k / 3]),
                    _ => format!("{tag}{k}"),
                })
                .collect()
        };
        let passage: Vec<String> = (0..40)
            .map(|k| {
                if k % 4 == 0 {
                    format!("f{}", k % 7)
                } else {
                    format!("p{k}")
                }
            })
            .collect();
        let mut shuffled = passage.clone();
        shuffled.sort_by_key(|w| hash::mix(hash::token(w), 9));
        let mut a = doc("a", 2000, 1);
        a.splice(1000..1000, shuffled);
        let mut b = doc("b", 3000, 2);
        b.splice(2500..2500, passage);
        let got = align(
            &toks(&a.join(" ")),
            &toks(&b.join(" ")),
            &AHashSet::new(),
            &PassageConfig::default(),
        );
        assert_eq!(got.len(), 1, "{got:?}");
        let m = got[0];
        assert!(
            m.a[0].abs_diff(1000) <= 3 && m.a[1].abs_diff(1040) <= 3,
            "{m:?}"
        );
        assert!(
            m.b[0].abs_diff(2500) <= 3 && m.b[1].abs_diff(2540) <= 3,
            "{m:?}"
        );
    }
}
