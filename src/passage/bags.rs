//! Bags of words: reuse whose words were shuffled or swapped for
//! synonyms, found where it is, however long the two documents are.
//!
//! Every word occurring at most [`BAG_REPEATS`] times in each document is
//! a *point* `(i, j)`: its position in `a` and in `b`. Reused text is a
//! dense block of points — a diagonal when the order is kept, a square
//! as wide as the passage when its words were shuffled — while words the
//! two documents share by topic alone are scattered over the plane.
//! [`divide`] cuts the plane at its widest empty stretches until the
//! blocks stand alone; a block is kept when the two regions' word
//! multisets mostly coincide.
//!
//! Looking at positions in both documents is what finds a short shuffled
//! passage inside a long pair of documents: a rule that only asks whether
//! a word of `a` occurs *somewhere* in `b` sees nearly every word of a
//! long `b`, and its regions grow past the passage.

use ahash::AHashMap;

use super::align::Match;
use crate::config::PassageConfig;

/// Words occurring more often than this in either document make no
/// points (they are the topic's words, not a passage's).
const BAG_REPEATS: usize = 2;

/// Fewest points a block needs before its regions are compared.
const MIN_POINTS: usize = 4;

/// Points per word of its longer side at which a block is dense enough
/// to be compared before it is divided further. Reused text, in order or
/// shuffled, gives about one point per two words.
const DENSE: f64 = 0.25;

/// The positions of the words of one document that occur at most
/// [`BAG_REPEATS`] times in it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Words {
    /// Word → its positions (`u32::MAX` when it occurs once).
    at: AHashMap<u64, [u32; BAG_REPEATS]>,
    len: usize,
}

impl Words {
    /// Indexes `toks`.
    pub fn new(toks: &[u64]) -> Self {
        // A third occurrence marks the word with `u32::MAX - 1`.
        const DROP: u32 = u32::MAX - 1;
        let mut at: AHashMap<u64, [u32; BAG_REPEATS]> = AHashMap::with_capacity(toks.len());
        for (i, t) in toks.iter().enumerate() {
            let e = at.entry(*t).or_insert([u32::MAX; BAG_REPEATS]);
            match e.iter().position(|&p| p == u32::MAX) {
                Some(k) => e[k] = i as u32,
                None => e[0] = DROP,
            }
        }
        at.retain(|_, e| e[0] != DROP);
        Words {
            at,
            len: toks.len(),
        }
    }

    /// The points `(i, j)` of words at most [`BAG_REPEATS`] times in
    /// both this document (`a`) and `b`, in no particular order.
    pub fn points(&self, b: &[u64]) -> Vec<(u32, u32)> {
        // Hits per word, counted at the word's first position in `a`.
        let mut hits = vec![0u8; self.len];
        let mut found: Vec<(u32, u32, u32)> = Vec::new();
        for (j, t) in b.iter().enumerate() {
            if let Some(at) = self.at.get(t) {
                hits[at[0] as usize] = hits[at[0] as usize].saturating_add(1);
                for &i in at.iter().filter(|&&i| i != u32::MAX) {
                    found.push((i, j as u32, at[0]));
                }
            }
        }
        found
            .into_iter()
            .filter(|p| hits[p.2 as usize] as usize <= BAG_REPEATS)
            .map(|(i, j, _)| (i, j))
            .collect()
    }
}

/// A block of points: the box it spans and how many points it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    a: [u32; 2],
    b: [u32; 2],
    points: u32,
}

impl Block {
    fn dense(&self) -> bool {
        let side = (self.a[1] - self.a[0]).max(self.b[1] - self.b[0]);
        f64::from(self.points) >= DENSE * f64::from(side)
    }
}

/// `[first, last + 1)` of `v` (sorted), leaving out, at either end, a
/// small group of values (at most a tenth of them) cut off from the rest
/// by more than `gap`: words shared by topic alone that a passage's box
/// would otherwise reach out to. Gaps inside are left alone.
fn trimmed(v: &[u32], gap: u32) -> [u32; 2] {
    let small = (v.len() / 10).max(1);
    let front = v
        .windows(2)
        .take(small)
        .position(|w| w[1] - w[0] > gap)
        .map_or(0, |k| k + 1);
    let back = v
        .windows(2)
        .rev()
        .take(small)
        .position(|w| w[1] - w[0] > gap)
        .map_or(0, |k| k + 1);
    [v[front], v[v.len() - 1 - back] + 1]
}

/// The block of `set` (whose coordinates, sorted, are `av` and `bv`)
/// without its outlying points (see [`trimmed`]), trimmed again until
/// none is left; `None` when there are none or too few points remain.
fn trim(set: &[(u32, u32)], av: &[u32], bv: &[u32], gap: u32) -> Option<Block> {
    let (mut ta, mut tb) = (trimmed(av, gap), trimmed(bv, gap));
    let mut n = set.len();
    loop {
        let inside: Vec<(u32, u32)> = set
            .iter()
            .filter(|p| (ta[0]..ta[1]).contains(&p.0) && (tb[0]..tb[1]).contains(&p.1))
            .copied()
            .collect();
        if inside.len() < MIN_POINTS {
            return None;
        }
        if inside.len() == n {
            return (n < set.len()).then_some(Block {
                a: ta,
                b: tb,
                points: n as u32,
            });
        }
        n = inside.len();
        let mut av: Vec<u32> = inside.iter().map(|p| p.0).collect();
        let mut bv: Vec<u32> = inside.iter().map(|p| p.1).collect();
        av.sort_unstable();
        bv.sort_unstable();
        (ta, tb) = (trimmed(&av, gap), trimmed(&bv, gap));
    }
}

/// The widest gap between consecutive values of `v` (sorted).
fn widest(v: &[u32]) -> u32 {
    v.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
}

/// Matches found by dividing `points`: a block dense enough (see
/// [`DENSE`]) whose regions `accept` takes — trimmed of outlying points
/// first, or else whole — is a match; any other block is cut at its
/// widest gaps (those at least half the widest, in the document where
/// the widest is), until no gap is wider than `gap`.
///
/// Cutting the widest gaps first keeps a passage whole: words the two
/// documents share by topic alone are far from each other, or from the
/// passage, in at least one document, so the gaps around a passage are
/// wider than those inside it — even inside a long shuffled passage,
/// whose points are spread thinly over a square as wide as itself.
///
/// Sets of fewer than `min_points` points are dropped: no match can have
/// fewer.
fn divide(
    points: Vec<(u32, u32)>,
    gap: u32,
    min_points: usize,
    accept: &mut dyn FnMut(&Block) -> Option<Match>,
) -> Vec<Match> {
    let mut out = Vec::new();
    // Every set is kept sorted by `a` (parts are taken in order), so
    // only the `b` coordinates need sorting.
    let mut points = points;
    points.sort_unstable();
    let mut work = vec![points];
    while let Some(set) = work.pop() {
        let n = set.len();
        if n < min_points {
            continue;
        }
        let av: Vec<u32> = set.iter().map(|p| p.0).collect();
        let mut bv: Vec<u32> = set.iter().map(|p| p.1).collect();
        bv.sort_unstable();
        let block = Block {
            a: [av[0], av[n - 1] + 1],
            b: [bv[0], bv[n - 1] + 1],
            points: n as u32,
        };
        if block.dense() {
            let found = match trim(&set, &av, &bv, gap) {
                Some(t) => accept(&t).or_else(|| accept(&block)),
                None => accept(&block),
            };
            if let Some(m) = found {
                out.push(m);
                continue;
            }
        }
        let (ga, gb) = (widest(&av), widest(&bv));
        if ga.max(gb) <= gap {
            continue;
        }
        let by_b = gb > ga;
        let (v, cut) = if by_b { (&bv, gb) } else { (&av, ga) };
        let cut = gap.max(cut / 2);
        // The first value of each part.
        let starts: Vec<u32> = std::iter::once(v[0])
            .chain(v.windows(2).filter(|w| w[1] - w[0] > cut).map(|w| w[1]))
            .collect();
        let mut parts: Vec<Vec<(u32, u32)>> = vec![Vec::new(); starts.len()];
        for p in set {
            let x = if by_b { p.1 } else { p.0 };
            parts[starts.partition_point(|&s| s <= x) - 1].push(p);
        }
        work.extend(parts.into_iter().filter(|p| p.len() >= min_points));
    }
    out
}

/// A multiset of words: sorted `(word, count)`.
#[derive(Debug, Default)]
struct Bag(Vec<(u64, u32)>);

impl Bag {
    /// Adds `t`, which sorts at or after every word the bag holds.
    fn push_run(&mut self, t: u64) {
        match self.0.last_mut() {
            Some(last) if last.0 == t => last.1 += 1,
            _ => self.0.push((t, 1)),
        }
    }

    /// Takes one `t`, if the bag holds one.
    fn take(&mut self, t: u64) -> bool {
        match self.0.binary_search_by_key(&t, |e| e.0) {
            Ok(k) if self.0[k].1 > 0 => {
                self.0[k].1 -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Two regions' words, sorted, to count what they share (reused from one
/// block to the next).
#[derive(Default)]
struct Sorted {
    a: Vec<u64>,
    b: Vec<u64>,
}

impl Sorted {
    /// Words `a` and `b` share, counted as multisets.
    fn shared(&mut self, a: &[u64], b: &[u64]) -> u32 {
        for (v, r) in [(&mut self.a, a), (&mut self.b, b)] {
            v.clear();
            v.extend_from_slice(r);
            v.sort_unstable();
        }
        crate::shingle::intersection(&self.a, &self.b) as u32
    }

    /// The words of the last two regions [`Sorted::shared`] counted that
    /// the other lacks.
    fn unmatched(&self) -> (Bag, Bag) {
        let (a, b) = (&self.a, &self.b);
        let (mut left_a, mut left_b) = (Bag::default(), Bag::default());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if j == b.len() || (i < a.len() && a[i] < b[j]) {
                left_a.push_run(a[i]);
                i += 1;
            } else if i == a.len() || b[j] < a[i] {
                left_b.push_run(b[j]);
                j += 1;
            } else {
                i += 1;
                j += 1;
            }
        }
        (left_a, left_b)
    }
}

/// Grows `r`, a range of `toks`, by up to `max` words on each side while
/// the next word is one `bag` holds (and gives up); returns the words
/// added. The first and last points of a block are rarely the first and
/// last words of the passage: its edges are often common words, which
/// make no points but are among the other region's unmatched words.
fn grow(r: &mut [u32; 2], toks: &[u64], bag: &mut Bag, max: u32) -> u32 {
    let mut n = 0;
    for _ in 0..max {
        if r[0] == 0 || !bag.take(toks[r[0] as usize - 1]) {
            break;
        }
        r[0] -= 1;
        n += 1;
    }
    for _ in 0..max {
        if r[1] as usize >= toks.len() || !bag.take(toks[r[1] as usize]) {
            break;
        }
        r[1] += 1;
        n += 1;
    }
    n
}

/// Regions of `a` (indexed in `words`) and `b` whose words mostly
/// coincide as multisets.
pub(crate) fn bags(a: &[u64], words: &Words, b: &[u64], cfg: &PassageConfig) -> Vec<Match> {
    let gap = cfg.gap as u32;
    let mut sorted = Sorted::default();
    let mut accept = |c: &Block| {
        let (ra, rb) = (
            &a[c.a[0] as usize..c.a[1] as usize],
            &b[c.b[0] as usize..c.b[1] as usize],
        );
        let side = ra.len().max(rb.len());
        // The multisets share at most the shorter region's words.
        if side < cfg.bag_min_words
            || (ra.len().min(rb.len()) as f64) < cfg.bag_min_overlap * side as f64
        {
            return None;
        }
        let mut n = sorted.shared(ra, rb);
        if f64::from(n) < cfg.bag_min_overlap * side as f64 {
            return None;
        }
        let (mut left_a, mut left_b) = sorted.unmatched();
        let (mut ma, mut mb) = (c.a, c.b);
        n += grow(&mut ma, a, &mut left_b, gap);
        grow(&mut mb, b, &mut left_a, gap);
        Some(Match {
            a: ma,
            b: mb,
            matched: n,
        })
    };
    // A block is only compared when dense: with fewer points than that
    // takes for `bag_min_words`, it is too small to be a match.
    let min_points = MIN_POINTS.max((DENSE * cfg.bag_min_words as f64).ceil() as usize);
    let mut out = divide(words.points(b), 2 * gap, min_points, &mut accept);
    out.sort_unstable_by_key(|m| (m.a, m.b));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_skip_words_repeated_in_either_document() {
        // a: x y x z w x ; b: y z z w
        let a = [1, 2, 1, 3, 4, 1];
        let b = [2, 3, 3, 4];
        let mut got = Words::new(&a).points(&b);
        got.sort_unstable();
        // x is 3 times in a; z is twice in b (kept), w once.
        assert_eq!(got, vec![(1, 0), (3, 1), (3, 2), (4, 3)]);
        let b = [3, 3, 3, 4];
        assert_eq!(Words::new(&a).points(&b), vec![(4, 3)]);
    }

    /// A sparse shuffled block (a 1000..1300 ↔ b 5000..5300: one point
    /// per three words), a diagonal (a 2000.. ↔ b 0..), and words shared
    /// by topic alone, one in the block's rows of `a` (but far in `b`)
    /// and one in its columns of `b` (but far in `a`).
    fn plane() -> Vec<(u32, u32)> {
        let mut points: Vec<(u32, u32)> = (0..100)
            .map(|k| (1000 + 3 * k, 5000 + (k * 37 % 100) * 3))
            .collect();
        points.extend((0..20).map(|k| (2000 + 2 * k, 2 * k)));
        points.extend([(10, 9000), (1100, 200), (1200, 8000), (4000, 5100)]);
        points
    }

    fn whole(c: &Block) -> Match {
        Match {
            a: c.a,
            b: c.b,
            matched: c.points,
        }
    }

    #[test]
    fn division_keeps_a_sparse_shuffled_block_whole() {
        // Most gaps inside the block are wider than the gap (4) given.
        let mut got = divide(plane(), 4, MIN_POINTS, &mut |c| Some(whole(c)));
        got.sort_unstable_by_key(|m| m.a);
        let want = vec![
            Match {
                a: [1000, 1298],
                b: [5000, 5298],
                matched: 100,
            },
            Match {
                a: [2000, 2039],
                b: [0, 39],
                matched: 20,
            },
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_rejected_block_is_divided_further() {
        // The block, rejected, falls apart into nothing taken; the
        // diagonal stays.
        let mut seen = Vec::new();
        let got = divide(plane(), 4, MIN_POINTS, &mut |c| {
            seen.push(*c);
            (c.a[0] >= 2000).then(|| whole(c))
        });
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].a, [2000, 2039]);
        assert!(seen.iter().any(|c| c.a == [1000, 1298]), "{seen:?}");
    }

    #[test]
    fn trimming_leaves_small_outlying_groups_out() {
        let mut v: Vec<u32> = (0..100).map(|k| 5000 + 3 * k).collect();
        v.extend([4900, 4901, 5330]);
        v.sort_unstable();
        assert_eq!(trimmed(&v, 16), [5000, 5298]);
        // A group too big to be an outlier stays, gaps inside too.
        v.extend((0..20).map(|k| 5400 + k));
        v.sort_unstable();
        assert_eq!(trimmed(&v, 16), [5000, 5420]);
    }
}
