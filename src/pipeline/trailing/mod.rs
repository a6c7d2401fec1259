//! Tails without a marker: a document's last lines that copy another
//! document's body (or repeat another document's appended tail), after
//! an article of its own that is unrelated to them.
//!
//! Found after the passage level, in two steps:
//!
//! 1. *Where* (structural, [`decide`]): every pair the passage level
//!    related where one body (the *host*, without a marker tail) may end
//!    with the other's text is aligned afresh; the copy must cover most
//!    of the source (or be a block that ends the source as well), must
//!    not touch the host's opening words, and must run, as whole lines,
//!    to the host's end after at least [`tails::MIN_HEAD_WORDS`] words of
//!    its own ([`tails::trailing`], which also keeps lines that continue
//!    the article, "و…", "من جهته…", in the body). This depends on the
//!    two documents alone.
//! 2. *Whether* (relatedness, [`find`]): the host's own article (its
//!    *head*) must be about something else than what is copied: tf-idf
//!    cosine below [`RELATED`], with document frequencies from the
//!    corpus. A report that ends with a related wire paragraph, which
//!    another outlet printed on its own, keeps it in its body; a page
//!    whose scraper took the site's next article along does not.
//!
//! A host's tail starts at the earliest line its candidates cut. The
//! hosts' bodies are then cut and their pairs scored again: the copied
//! pair becomes `tail_copy`, never a cluster edge.
//!
//! Step 2's document frequencies come from every `step`-th body, `step`
//! a power of two ([`Frequencies`]), so that the sample of a corpus with
//! documents appended is part of the sample before. The persistent index
//! stores every decision of step 1 and the sample (`index::trail`); a
//! query decides the pairs with a new document, counts the sampled new
//! bodies in and judges every decision again (`index::engine::trail`).

use ahash::AHashSet;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::relate::Edge;
use super::{body_tokens_of, Body, Corpus};
use crate::boilerplate::Kind;
use crate::config::Config;
use crate::passage::Prepared;
use crate::segment::{Ending, Segmented};
use crate::shingle::shingles;
use crate::tails::{self, BodyLine, Tail};
use crate::verify::Relation;

/// A body in tokens and lines (boilerplate left out): what a decision
/// needs of a host.
#[derive(Clone, Debug, Default)]
pub struct Lines {
    /// Body tokens.
    pub toks: Vec<u64>,
    /// Body lines.
    pub lines: Vec<BodyLine>,
}

/// The body of a document segmented as `seg` with boilerplate `marks`
/// and `tail`, as lines.
pub fn lines_of(seg: &Segmented, marks: &[Option<Kind>], tail: Option<&Tail>) -> Lines {
    let stop = tail.map_or(seg.lines.len(), |t| t.line);
    let mut out = Lines::default();
    for (k, (line, mark)) in seg.lines[..stop].iter().zip(marks).enumerate() {
        if mark.is_some() || line.tok_start == line.tok_end {
            continue;
        }
        let start = out.toks.len() as u32;
        out.toks
            .extend_from_slice(&seg.tokens[line.tok_start as usize..line.tok_end as usize]);
        out.lines.push(BodyLine {
            line: k,
            start,
            end: out.toks.len() as u32,
            continues: tails::continues_article(line),
            headline: tails::is_headline(line),
            announces: line.ending == Ending::Colon,
        });
    }
    out
}

/// What step 1 reads of the documents: a scan's corpus and bodies
/// ([`Scanned`]), or the documents the index engine has read.
pub trait Sources: Sync {
    /// Whether `i`'s body has no marker tail (it may host a trailing
    /// copy).
    fn free(&self, i: u32) -> bool;
    /// Words of `i`'s body.
    fn words(&self, i: u32) -> usize;
    /// Start byte of `i`'s last body line (see [`Body::last`]).
    fn last(&self, i: u32) -> u32;
    /// End byte of `i`'s first words (see [`Body::head_end`]).
    fn head_end(&self, i: u32) -> u32;
    /// `i`'s body tokens.
    fn body(&self, i: u32) -> Vec<u64>;
    /// The first `n` of `i`'s body tokens.
    fn head(&self, i: u32, n: usize) -> Vec<u64> {
        let mut body = self.body(i);
        body.truncate(n);
        body
    }
    /// How many of `set` (sorted, distinct shingles) are shingles of
    /// `i`'s body.
    fn found_in(&self, set: &[u64], i: u32, shingle_words: usize) -> usize {
        crate::shingle::found_in(set, &self.body(i), shingle_words)
    }
    /// The tokens of `i`'s marker tail, if it has one.
    fn tail(&self, i: u32) -> Option<Vec<u64>>;
    /// `i`'s body as lines (for a free body).
    fn lines(&self, i: u32) -> Lines;
}

/// A scan's documents, as [`Sources`].
pub struct Scanned<'a> {
    /// The documents.
    pub corpus: &'a Corpus,
    /// Their bodies.
    pub bodies: &'a [Body],
}

impl Sources for Scanned<'_> {
    fn free(&self, i: u32) -> bool {
        self.bodies[i as usize].tail.is_none()
    }

    fn words(&self, i: u32) -> usize {
        self.bodies[i as usize].words
    }

    fn last(&self, i: u32) -> u32 {
        self.bodies[i as usize].last
    }

    fn head_end(&self, i: u32) -> u32 {
        self.bodies[i as usize].head_end
    }

    fn body(&self, i: u32) -> Vec<u64> {
        let b = &self.bodies[i as usize];
        body_tokens_of(
            self.corpus.tokens_and_lines(i as usize).seg(),
            &b.marks,
            b.tail.as_ref(),
        )
        .into_owned()
    }

    fn head(&self, i: u32, n: usize) -> Vec<u64> {
        let b = &self.bodies[i as usize];
        self.corpus
            .body_head(i as usize, &b.marks, b.tail.as_ref(), n)
    }

    fn tail(&self, i: u32) -> Option<Vec<u64>> {
        let t = self.bodies[i as usize].tail.as_ref()?;
        let c = self.corpus.tokens_and_lines(i as usize);
        let seg = c.seg();
        Some(seg.tokens[seg.lines[t.line].tok_start as usize..].to_vec())
    }

    fn lines(&self, i: u32) -> Lines {
        let c = self.corpus.tokens_and_lines(i as usize);
        lines_of(c.seg(), &self.bodies[i as usize].marks, None)
    }
}

/// [`Body::last`] and [`Body::head_end`] of a body ending at byte `end`.
pub fn last_and_head_end(
    seg: &Segmented,
    marks: &[Option<Kind>],
    tail: Option<&Tail>,
    end: u32,
) -> (u32, u32) {
    let stop = tail.map_or(seg.lines.len(), |t| t.line);
    let last = seg.lines[..stop]
        .iter()
        .zip(marks)
        .rev()
        .find(|(l, m)| m.is_none() && l.tok_end > l.tok_start)
        .map_or(0, |(l, _)| l.start);
    // The token at body position MIN_HEAD_WORDS (see `body_positions`),
    // found without listing the positions.
    let mut skip = tails::MIN_HEAD_WORDS;
    let mut at = None;
    for (line, mark) in seg.lines[..stop].iter().zip(marks) {
        if mark.is_some() {
            continue;
        }
        let n = line.tok_end - line.tok_start;
        if skip < n {
            at = Some(line.tok_start + skip);
            break;
        }
        skip -= n;
    }
    let head_end = at
        .and_then(|p| seg.starts.get(p as usize).copied())
        .unwrap_or(end);
    (last, head_end)
}

/// What a candidate source is to its host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Source {
    /// The host copies (most of, or the last lines of) this body.
    Body(u32),
    /// The host ends with what ends this document too (its appended tail,
    /// or its own last lines): a shared tail, not a copy of its article.
    Tail(u32),
}

/// What [`decide`] found: where the host's tail would start, what it
/// is, and the texts whose relatedness decides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The host's line where the tail starts.
    pub line: usize,
    /// The source, as a copied body or a shared tail.
    pub source: Source,
    /// Share of the source's words the copy covers.
    pub share: f64,
    /// The host's body tokens before the tail (its own article), sorted
    /// (only their counts matter).
    pub head: Vec<u64>,
    /// What the head must be unrelated to: what is copied and, for a
    /// block that ends both documents, the source's head too (related
    /// articles may well end alike); tokens sorted.
    pub texts: Vec<Vec<u64>>,
}

/// Whether `host` (a body without a marker tail) ends with a copy of
/// `source` (the tokens of document `x`'s body, or of its tail when
/// `is_tail`) after an article of its own, and where (step 1 of the
/// module doc: relatedness is left to [`find`]).
pub fn decide(
    host: &Lines,
    x: u32,
    source: &[u64],
    is_tail: bool,
    cfg: &Config,
) -> Option<Decision> {
    let prepared = Prepared::new(&host.toks, cfg.passage.anchor_words);
    decide_with(host, &prepared, x, source, is_tail, cfg)
}

/// [`decide`], with the host's tokens prepared for alignment once for
/// all its sources.
pub fn decide_with(
    host: &Lines,
    prepared: &Prepared<'_>,
    x: u32,
    source: &[u64],
    is_tail: bool,
    cfg: &Config,
) -> Option<Decision> {
    let pc = &cfg.passage;
    let gap = pc.gap as u32;
    let head_words = tails::MIN_HEAD_WORDS as usize;
    let min_words = cfg.min_contains_shingles + cfg.shingle_words - 1;
    if host.toks.len() < head_words + min_words || source.len() < min_words {
        return None;
    }
    let found = prepared.align(source, &AHashSet::new(), pc);
    // A host that opens with the source's text is not a page carrying it
    // after an article of its own.
    if found.is_empty() || found.iter().any(|m| m.a[0] < tails::MIN_HEAD_WORDS) {
        return None;
    }
    let mut bs: Vec<[u32; 2]> = found.iter().map(|m| m.b).collect();
    bs.sort_unstable();
    let covered = covered(&bs);
    let share = f64::from(covered) / source.len() as f64;
    let (kind, texts): (Source, Vec<&[u64]>) = if share >= cfg.containment_threshold {
        let kind = if is_tail {
            Source::Tail(x)
        } else {
            Source::Body(x)
        };
        (kind, vec![source])
    } else {
        // The source's last lines: the same block ends both documents.
        let block = last_block(&bs, gap)?;
        if is_tail
            || block[1] + gap < source.len() as u32
            || (block[1] - block[0]) < min_words as u32
        {
            return None;
        }
        let (head, tail) = source.split_at(block[0] as usize);
        // Related articles may well end alike: the host's head must be
        // unrelated to the source's head as well.
        (Source::Tail(x), vec![tail, head])
    };
    let copied: Vec<[u32; 2]> = found.iter().map(|m| m.a).collect();
    let k = tails::trailing(&host.lines, &copied, gap)?;
    let start = host.lines[k].start;
    // The copy lies mostly in the tail.
    let inside: u32 = copied
        .iter()
        .map(|r| r[1].saturating_sub(r[0].max(start)))
        .sum();
    let all: u32 = copied.iter().map(|r| r[1] - r[0]).sum();
    if 2 * inside < all {
        return None;
    }
    Some(Decision {
        line: host.lines[k].line,
        source: kind,
        share,
        head: sorted(host.toks[..start as usize].to_vec()),
        texts: texts.into_iter().map(|t| sorted(t.to_vec())).collect(),
    })
}

/// Bytes between two passages of one block (generous: [`decide`] merges
/// passages [`crate::config::PassageConfig::gap`] words apart).
const BLOCK_GAP: u32 = 400;

/// Whether the last block of `e`'s passages on the host's side (`a` when
/// `side_h`) holds a good part of their words: a copy that ends the host
/// holds most of what the two share (see [`decide`]); two reports of one
/// story share passages all along.
fn mostly_at_end(e: &Edge, side_h: bool) -> bool {
    let mut spans: Vec<([u32; 2], u32)> = e
        .passages
        .iter()
        .map(|p| {
            if side_h {
                (p.a, p.words)
            } else {
                (p.b, p.words_b)
            }
        })
        .collect();
    spans.sort_unstable();
    let all: u32 = spans.iter().map(|s| s.1).sum();
    let (mut end, mut last) = (0u32, 0u32);
    for (k, &(r, w)) in spans.iter().enumerate() {
        if k == 0 || r[0] > end + BLOCK_GAP {
            last = 0;
        }
        last += w;
        end = end.max(r[1]);
    }
    // Lenient: the alignment [`decide`] makes may merge more.
    5 * last >= 2 * all
}

/// Whether the opening words of `h`'s body are mostly found in `x`'s
/// body: then `h` starts as a copy of `x` and does not end with one.
fn opens_with(docs: &dyn Sources, h: u32, x: u32, cfg: &Config) -> bool {
    let head = docs.head(h, tails::MIN_HEAD_WORDS as usize);
    let first = shingles(&head, cfg.shingle_words);
    2 * docs.found_in(&first, x, cfg.shingle_words) >= first.len()
}

/// Words of sorted ranges, overlaps counted once.
fn covered(ranges: &[[u32; 2]]) -> u32 {
    let (mut covered, mut end) = (0u32, 0u32);
    for r in ranges {
        covered += r[1].saturating_sub(r[0].max(end));
        end = end.max(r[1]);
    }
    covered
}

/// The last block of `ranges` (sorted), merging ranges within `gap`.
fn last_block(ranges: &[[u32; 2]], gap: u32) -> Option<[u32; 2]> {
    let mut block: Option<[u32; 2]> = None;
    for &r in ranges {
        match &mut block {
            Some(b) if r[0] <= b[1] + gap => b[1] = b[1].max(r[1]),
            _ => block = Some(r),
        }
    }
    block
}

/// A tail without a marker.
#[derive(Clone, Debug, PartialEq)]
pub struct Cut {
    /// The document it is cut from.
    pub host: u32,
    /// Its first line.
    pub line: usize,
    /// The documents whose bodies it copies, with the share of each
    /// covered, best first.
    pub copies: Vec<(u32, f64)>,
    /// The documents whose tails (or last lines) it repeats.
    pub tails: Vec<u32>,
}

/// Whether a relation may put one body at the other's end.
pub fn may_relate(r: Relation) -> bool {
    matches!(
        r,
        Relation::Contains | Relation::NearDuplicate | Relation::SharedPassages
    )
}

/// The cuts of hosts, from their decisions.
fn cuts(mut decided: Vec<(u32, Decision)>) -> Vec<Cut> {
    decided.sort_by_key(|x| (x.0, x.1.source));
    decided
        .chunk_by(|x, y| x.0 == y.0)
        .map(|run| {
            let line = run.iter().map(|d| d.1.line).min().unwrap_or(0);
            let mut copies: Vec<(u32, f64)> = run
                .iter()
                .filter_map(|d| match d.1.source {
                    Source::Body(x) => Some((x, d.1.share)),
                    Source::Tail(_) => None,
                })
                .collect();
            copies.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            let tails = run
                .iter()
                .filter_map(|d| match d.1.source {
                    Source::Tail(x) => Some(x),
                    Source::Body(_) => None,
                })
                .collect();
            Cut {
                host: run[0].0,
                line,
                copies,
                tails,
            }
        })
        .collect()
}

/// Step 1 over the corpus: the decisions of every candidate, by host.
/// Candidates are the pairs of `edges` that may put one body at the
/// other's end, and the (body, host) pairs where a body holds another's
/// tail. With `gate`, pairs whose measured scores and passages make a
/// trailing copy unlikely are not aligned (a scan); without, every pair
/// is (what could change as documents are added).
pub fn structural(
    docs: &dyn Sources,
    edges: &[Edge],
    with_tails: &[(u32, u32)],
    gate: bool,
    cfg: &Config,
) -> Vec<(u32, Decision)> {
    let head = tails::MIN_HEAD_WORDS as usize;
    let min_words = cfg.min_contains_shingles + cfg.shingle_words - 1;
    let min = cfg.containment_threshold;
    // Cheap conditions that [`decide`] would find false, from what the
    // document and passage levels measured: a host with room for an
    // article of its own and a copy, most of the smaller body in the
    // larger or passages that reach the host's last line.
    let likely = |e: &Edge, h: u32, x: u32, side_h: bool| {
        let (wh, wx) = (docs.words(h), docs.words(x));
        if wx < min_words || wh < head + min_words {
            return false;
        }
        if !gate {
            return may_relate(e.relation);
        }
        match e.relation {
            Relation::Contains | Relation::NearDuplicate => {
                e.containment >= min
                    && wh as f64 >= min * wx as f64 + head as f64
                    && !opens_with(docs, h, x, cfg)
            }
            Relation::SharedPassages => {
                let (mut in_x, mut at_end, mut at_start, mut ends_x) = (0, false, false, false);
                let (last_h, head_h, last_x) = (docs.last(h), docs.head_end(h), docs.last(x));
                for p in &e.passages {
                    let (ph, px, wpx) = if side_h {
                        (p.a, p.b, p.words_b)
                    } else {
                        (p.b, p.a, p.words)
                    };
                    in_x += wpx as usize;
                    at_end |= ph[1] > last_h;
                    at_start |= ph[0] < head_h;
                    ends_x |= px[1] > last_x;
                }
                let copied = in_x as f64 >= min * wx as f64 || ends_x;
                at_end
                    && !at_start
                    && copied
                    && in_x >= min_words
                    && wh >= in_x + head
                    && mostly_at_end(e, side_h)
            }
            _ => false,
        }
    };
    let mut cands: Vec<(u32, u32, bool)> = edges
        .par_iter()
        .flat_map_iter(|e| [(e, e.a, e.b, true), (e, e.b, e.a, false)])
        .filter(|&(e, h, x, side_h)| docs.free(h) && likely(e, h, x, side_h))
        .map(|(_, h, x, _)| (h, x, false))
        .collect();
    cands.extend(
        with_tails
            .iter()
            .filter(|&&(x, host)| x != host && docs.free(x))
            .map(|&(x, host)| (x, host, true)),
    );
    cands.sort_unstable();
    cands.dedup();
    if cands.is_empty() {
        return Vec::new();
    }
    let by_host: Vec<&[(u32, u32, bool)]> = cands.chunk_by(|x, y| x.0 == y.0).collect();
    by_host
        .par_iter()
        .flat_map_iter(|run| {
            let h = run[0].0;
            let lines = docs.lines(h);
            // A body with no line where a tail may begin has none.
            if !(0..lines.lines.len()).any(|k| tails::may_open_tail(&lines.lines, k)) {
                return Vec::new();
            }
            let prepared = Prepared::new(&lines.toks, cfg.passage.anchor_words);
            run.iter()
                .filter_map(|&(_, x, is_tail)| {
                    let source = if is_tail { docs.tail(x)? } else { docs.body(x) };
                    decide_with(&lines, &prepared, x, &source, is_tail, cfg).map(|d| (h, d))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What step 2 found over a corpus: every decision of step 1, the
/// document frequencies that judged them, and the cuts.
#[derive(Clone, Debug, Default)]
pub struct Judged {
    /// Step 1's decisions, by host.
    pub decided: Vec<(u32, Decision)>,
    /// The document frequencies of the sampled bodies.
    pub freq: Frequencies,
    /// The cuts (decisions whose head is unrelated to what it copies).
    pub cuts: Vec<Cut>,
    /// Each cut host with the documents it had a pair with before its
    /// cut, sorted (filled by the scan, see [`Judged::partners_from`]).
    pub partners: Vec<(u32, Vec<u32>)>,
}

impl Judged {
    /// Notes, from the pairs `edges` found before the cuts, each cut
    /// host's partners.
    pub fn partners_from(&mut self, edges: &[Edge]) {
        let mut by: Vec<(u32, u32)> = Vec::new();
        let hosts: AHashSet<u32> = self.cuts.iter().map(|c| c.host).collect();
        for e in edges {
            if hosts.contains(&e.a) {
                by.push((e.a, e.b));
            }
            if hosts.contains(&e.b) {
                by.push((e.b, e.a));
            }
        }
        by.sort_unstable();
        by.dedup();
        self.partners = self
            .cuts
            .iter()
            .map(|c| {
                let lo = by.partition_point(|x| x.0 < c.host);
                let hi = by.partition_point(|x| x.0 <= c.host);
                (c.host, by[lo..hi].iter().map(|x| x.1).collect())
            })
            .collect();
    }
}

/// Tails without a marker in the corpus, by host (see [`structural`]
/// for the candidates), with what decided them.
pub fn find(
    docs: &dyn Sources,
    n: usize,
    edges: &[Edge],
    with_tails: &[(u32, u32)],
    cfg: &Config,
) -> Judged {
    let decided = structural(docs, edges, with_tails, true, cfg);
    let freq = Frequencies::of(docs, n);
    let cuts = judge(&decided, &freq.weights());
    Judged {
        decided,
        freq,
        cuts,
        partners: Vec::new(),
    }
}

/// Finds the tails without a marker of a scan (`edges` and `with_tails`
/// as the passage level left them), cuts them from their hosts' bodies
/// and scores the hosts' pairs again: the edges now, and what decided
/// the cuts (with the cut hosts' partners before their cuts).
pub fn cut_all(
    corpus: &Corpus,
    bodies: &mut [Body],
    edges: Vec<Edge>,
    with_tails: &[(u32, u32)],
    tail_copies: &mut [Option<u32>],
    cfg: &Config,
) -> (Vec<Edge>, Judged) {
    let docs = Scanned { corpus, bodies };
    let mut judged = find(&docs, corpus.docs.len(), &edges, with_tails, cfg);
    judged.partners_from(&edges);
    let edges = apply(corpus, bodies, edges, tail_copies, &judged.cuts, cfg);
    (edges, judged)
}

/// The cuts `decided` makes under `freq`: the decisions whose host's
/// own article is unrelated to what it carries.
pub fn judge(decided: &[(u32, Decision)], weights: &Weights) -> Vec<Cut> {
    let unrelated: Vec<(u32, Decision)> = decided
        .par_iter()
        .filter(|(_, d)| {
            d.texts
                .iter()
                .all(|t| cosine(&d.head, t, weights) < RELATED)
        })
        .cloned()
        .collect();
    cuts(unrelated)
}

/// Whether a scan of `corpus` (with `bodies`, as [`super::bodies`]
/// returns them) has a candidate for a tail without a marker (step 1 of
/// the module doc finds one): whether a cut could be involved in
/// anything the corpus relates, now or with documents added, since step
/// 2 depends on the whole corpus.
pub fn any_candidate(
    corpus: &Corpus,
    bodies: &[Body],
    cfg: &Config,
    progress: &dyn crate::progress::Progress,
) -> crate::error::Result<bool> {
    if !cfg.passages {
        return Ok(false);
    }
    let groups = super::exact_groups(bodies);
    let edges = super::document_edges(bodies, &groups, cfg, progress);
    let found = super::passages::passage_edges(corpus, bodies, &edges, cfg, progress)?;
    let edges = super::passages::combine(edges, found.edges);
    let docs = Scanned { corpus, bodies };
    Ok(!structural(&docs, &edges, &found.bodies_with_tails, false, cfg).is_empty())
}

mod apply;
mod related;

pub use apply::{apply, linked, rescore};
use related::{cosine, sorted};
pub use related::{Frequencies, Weights, RELATED};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::pipeline::body_positions;
    use crate::segment::{segment, Markers};

    proptest! {
        /// The head's end is the start of the body token at position
        /// [`tails::MIN_HEAD_WORDS`], as the body's positions list it.
        #[test]
        fn head_end_is_the_start_of_the_first_token_after_the_head(
            lines in prop::collection::vec(0usize..30, 1..12),
            marked in prop::collection::vec(any::<bool>(), 12),
            tail_at in prop::option::of(0usize..12),
        ) {
            let text: String = lines
                .iter()
                .enumerate()
                .map(|(k, &n)| {
                    let words: Vec<String> = (0..n).map(|w| format!("ك{k}w{w}")).collect();
                    words.join(" ") + "\n"
                })
                .collect();
            let cfg = Config::default();
            let m = Markers::new(&cfg);
            let seg = segment(&text, &mut m.normalizer(), &m);
            let marks: Vec<Option<Kind>> = (0..seg.lines.len())
                .map(|k| marked[k % marked.len()].then_some(Kind::Recurring))
                .collect();
            let tail = tail_at
                .filter(|&t| t < seg.lines.len())
                .map(|line| Tail { line, marker: None });
            let end = text.len() as u32;
            let want = body_positions(&seg, &marks, tail.as_ref())
                .get(tails::MIN_HEAD_WORDS as usize)
                .and_then(|&p| seg.starts.get(p as usize).copied())
                .unwrap_or(end);
            prop_assert_eq!(last_and_head_end(&seg, &marks, tail.as_ref(), end).1, want);
        }
    }
}
