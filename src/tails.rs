//! Appended tails: where the article proper ends and appended content
//! ("read also" blocks carrying other articles) begins.
//!
//! A marker followed by a linked headline on the same line (`اقرأ أيضا:
//! <headline>`) opens a tail only when nothing but boilerplate and other
//! markers follows; in the middle of an article that goes on, it is a
//! boilerplate link line and the body continues.
//!
//! A marker alone on its line ("إقرأ أيضاً:") is followed by headline
//! lines (short, not ending in a full stop). Then:
//! * nothing substantial follows the headlines: a trailing links block,
//!   a tail;
//! * two or more headlines and then more text: a block of links in the
//!   middle of an article (BBC Arabic style); marker and headlines are
//!   boilerplate and the body goes on;
//! * at most one headline (linked headlines that other articles link too
//!   are recurring lines, so they may not count) and then text that
//!   continues the article: the same. The article continues when the
//!   next line opens with a connective (see [`LineKind::Continuing`]), or
//!   when the marker follows the article's own text (not its closing
//!   source or tags lines), the block lists two headlines or more,
//!   recurring ones included, and substantial text follows it;
//! * otherwise the headline and what follows are another article
//!   appended: a tail.
//!
//! Tails without a marker (trailing copies of other documents) are found
//! later, by the passage level (`pipeline::trailing`, with [`trailing`]).

use crate::boilerplate::Kind;
use crate::segment::{Ending, Line, LineKind, Segmented};

/// An appended tail: the lines from `line` on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tail {
    /// Index of its first line (the marker line, when a marker opens it).
    pub line: usize,
    /// Index of the marker in the configured list; `None` for trailing
    /// lines that copy another document without a marker (found by the
    /// passage level, see `pipeline::trailing`).
    pub marker: Option<u16>,
}

/// Longest line, in words, that can be a linked headline.
const HEADLINE_WORDS: usize = 20;

/// Whether `line` can be a headline: short, not ending in a full stop.
pub fn is_headline(line: &Line) -> bool {
    line.words() <= HEADLINE_WORDS && line.ending != Ending::FullStop
}

/// Whether `line` continues the article before it (see
/// [`LineKind::Continuing`]).
pub fn continues_article(line: &Line) -> bool {
    line.kind == LineKind::Continuing
}

/// Whether the article goes on after a marker alone on line `i` and its
/// headline block `block`, from line `next`: the marker follows the
/// article's text (not its closing source or tags lines, nor other
/// boilerplate), the block lists two headlines or more (linked headlines
/// that other articles carry too, recurring lines, included), and
/// substantial text follows it before any other marker.
fn goes_on(
    seg: &Segmented,
    marks: &[Option<Kind>],
    (i, block, next): (usize, &[usize], usize),
) -> bool {
    let closed = seg.lines[..i]
        .iter()
        .zip(marks)
        .rev()
        .find(|(l, _)| l.tok_end > l.tok_start)
        .is_none_or(|(_, m)| m.is_some());
    if closed {
        return false;
    }
    let after: usize = seg.lines[next..]
        .iter()
        .zip(&marks[next..])
        .take_while(|(l, _)| !matches!(l.kind, LineKind::TailMarker { .. }))
        .filter(|(_, m)| m.is_none())
        .map(|(l, _)| l.words())
        .sum();
    let listed = block
        .iter()
        .filter(|&&j| is_headline(&seg.lines[j]))
        .count();
    listed >= 2 && after >= MIN_HEAD_WORDS as usize
}

/// Finds the tail of one document and marks its link lines as
/// boilerplate in `marks`.
pub fn find(seg: &Segmented, marks: &mut [Option<Kind>]) -> Option<Tail> {
    for (i, line) in seg.lines.iter().enumerate() {
        let LineKind::TailMarker { marker, alone } = line.kind else {
            continue;
        };
        let rest = seg.lines[i + 1..].iter().zip(&marks[i + 1..]);
        if alone {
            // The block after the marker: headline lines and boilerplate.
            // A recurring line right after the marker is a linked headline
            // (other articles link it too); then every recurring headline-
            // like line of the block counts as one.
            let block: Vec<usize> = (i + 1..seg.lines.len())
                .take_while(|&j| marks[j].is_some() || is_headline(&seg.lines[j]))
                .collect();
            let linked = block
                .first()
                .is_some_and(|&j| marks[j] == Some(Kind::Recurring));
            let headlines = block
                .iter()
                .filter(|&&j| is_headline(&seg.lines[j]) && (marks[j].is_none() || linked))
                .count();
            let Some(next) = (i + 1 + block.len() < seg.lines.len()).then_some(i + 1 + block.len())
            else {
                if headlines > 0 {
                    return Some(Tail {
                        line: i,
                        marker: Some(marker),
                    });
                }
                marks[i] = Some(Kind::LinkLine);
                continue;
            };
            if headlines >= 2
                || continues_article(&seg.lines[next])
                || goes_on(seg, marks, (i, &block, next))
            {
                for &j in std::iter::once(&i).chain(&block) {
                    marks[j].get_or_insert(Kind::LinkLine);
                }
                continue;
            }
            return Some(Tail {
                line: i,
                marker: Some(marker),
            });
        } else if rest
            .clone()
            .all(|(l, m)| m.is_some() || matches!(l.kind, LineKind::TailMarker { .. }))
        {
            return Some(Tail {
                line: i,
                marker: Some(marker),
            });
        }
        marks[i] = Some(Kind::LinkLine);
    }
    None
}

/// One line of a body, in body tokens (boilerplate left out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyLine {
    /// Index of the line in the document.
    pub line: usize,
    /// Its first body token.
    pub start: u32,
    /// One past its last body token.
    pub end: u32,
    /// It continues the article before it (see [`continues_article`]).
    pub continues: bool,
    /// It can be a headline (see [`is_headline`]).
    pub headline: bool,
    /// It ends with a colon: it announces the lines after it.
    pub announces: bool,
}

/// Fewest body words that must come before trailing copied lines for
/// them to be a tail: an article of its own, a paragraph or two at least.
/// A document that is little more than a copy of another is a `contains`
/// pair, not a host.
pub const MIN_HEAD_WORDS: u32 = 40;

/// Words into a line that copied text may start and still take the whole
/// line (a dateline or a connective the copy left out).
pub const LINE_SLACK: u32 = 2;

/// Where trailing copied lines begin, as an index into `lines` (a body's
/// lines): `copied` are body-token ranges found in another document;
/// those within `gap` words of each other that run to the end of the body
/// are the copy. The tail takes the lines from the one where the copy
/// starts (or the next, when it starts further into a line), provided
/// that line opens a new article rather than continuing one (neither it
/// nor, after a subheading, the line after it continues the article, and
/// the line before does not announce it with a colon), and that at least
/// [`MIN_HEAD_WORDS`] body words come before it.
pub fn trailing(lines: &[BodyLine], copied: &[[u32; 2]], gap: u32) -> Option<usize> {
    let len = lines.last()?.end;
    let mut ranges = copied.to_vec();
    ranges.sort_unstable();
    let mut block: Option<[u32; 2]> = None;
    for r in ranges {
        match &mut block {
            Some(b) if r[0] <= b[1] + gap => b[1] = b[1].max(r[1]),
            _ => block = Some(r),
        }
    }
    let block = block?;
    if block[1] + gap < len {
        return None;
    }
    let k = lines.partition_point(|l| l.end <= block[0]);
    let k = if block[0] <= lines.get(k)?.start + LINE_SLACK {
        k
    } else {
        k + 1
    };
    (k < lines.len() && may_open_tail(lines, k)).then_some(k)
}

/// Whether line `k` of `lines` (a body's lines) may be where trailing
/// copied lines begin (see [`trailing`]): at least [`MIN_HEAD_WORDS`]
/// body words before it, and it opens a new article.
pub fn may_open_tail(lines: &[BodyLine], k: usize) -> bool {
    let first = &lines[k];
    let continues = first.continues
        || (first.headline && lines.get(k + 1).is_some_and(|next| next.continues))
        || k.checked_sub(1)
            .is_some_and(|before| lines[before].announces);
    first.start >= MIN_HEAD_WORDS && !continues
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boilerplate::{mark, Stats};
    use crate::config::Config;
    use crate::segment::{segment, Markers};

    fn run(text: &str) -> (Option<Tail>, Vec<Option<Kind>>) {
        let cfg = Config::default();
        let m = Markers::new(&cfg);
        let seg = segment(text, &mut m.normalizer(), &m);
        let mut marks = mark(&seg, &Stats::default());
        (find(&seg, &mut marks), marks)
    }

    #[test]
    fn marker_alone_opens_a_tail() {
        let (tail, _) =
            run("body one.\nbody two.\nإقرأ أيضاً:\nanother headline\nأنقرة – another body.");
        assert_eq!(tail.map(|t| t.line), Some(2));
    }

    #[test]
    fn headline_block_mid_article_is_boilerplate() {
        let text = "body one.\nاقرأ أيضاً:\nfirst headline\nsecond headline\nthe article goes on.";
        let (tail, marks) = run(text);
        assert_eq!(tail, None);
        assert_eq!(&marks[1..4], &[Some(Kind::LinkLine); 3]);
        assert_eq!(marks[4], None);
    }

    #[test]
    fn one_headline_then_a_continuing_paragraph_is_boilerplate() {
        let text = "body one.\nاقرأ أيضاً:\nماذا قال بومبيو؟\nوعبر الرئيس عن قلقه.";
        let (tail, marks) = run(text);
        assert_eq!(tail, None);
        assert_eq!(marks[3], None);
    }

    #[test]
    fn recurring_headlines_after_the_marker_are_links() {
        let cfg = Config::default();
        let m = Markers::new(&cfg);
        let text = "body one.\nاقرأ أيضاً:\nlinked headline one\nlinked headline two\nthe article goes on here.";
        let seg = segment(text, &mut m.normalizer(), &m);
        // The two headlines recur elsewhere: boilerplate already.
        let stats = Stats {
            recurring: [seg.lines[2].hash, seg.lines[3].hash].into_iter().collect(),
        };
        let mut marks = mark(&seg, &stats);
        assert_eq!(find(&seg, &mut marks), None);
        assert_eq!(marks[4], None, "the body goes on");
        // A recurring app notice after a fresh headline does not make a
        // link block: the appended article is a tail.
        let text =
            "body one.\nاقرأ أيضاً:\nfresh headline\nfollow us on the app\nappended article text.";
        let seg = segment(text, &mut m.normalizer(), &m);
        let stats = Stats {
            recurring: [seg.lines[3].hash].into_iter().collect(),
        };
        let mut marks = mark(&seg, &stats);
        assert_eq!(find(&seg, &mut marks).map(|t| t.line), Some(1));
    }

    #[test]
    fn a_block_of_links_mid_article_with_linked_headlines_is_boilerplate() {
        let cfg = Config::default();
        let m = Markers::new(&cfg);
        let goes_on = "the article goes on with more of its own words ".repeat(6);
        // BBC Arabic: the article's text, the marker, a fresh headline and
        // one that other articles link too (recurring), then the article
        // goes on at length.
        let text = format!(
            "body one of the article.\nاقرأ أيضاً:\nfresh headline\nlinked headline\n{goes_on}\nmore."
        );
        let seg = segment(&text, &mut m.normalizer(), &m);
        let stats = Stats {
            recurring: [seg.lines[3].hash].into_iter().collect(),
        };
        let mut marks = mark(&seg, &stats);
        assert_eq!(find(&seg, &mut marks), None);
        assert_eq!(
            &marks[1..4],
            &[
                Some(Kind::LinkLine),
                Some(Kind::LinkLine),
                Some(Kind::Recurring)
            ]
        );
        assert_eq!(marks[4], None, "the body goes on");
        // After the article's closing tags line, the same block opens an
        // appended article: a tail.
        let text = format!(
            "body one of the article.\nTags: x\nاقرأ أيضاً:\nfresh headline\nlinked headline\n{goes_on}"
        );
        let seg = segment(&text, &mut m.normalizer(), &m);
        let stats = Stats {
            recurring: [seg.lines[4].hash].into_iter().collect(),
        };
        let mut marks = mark(&seg, &stats);
        assert_eq!(find(&seg, &mut marks).map(|t| t.line), Some(2));
        // Little text after the block: a trailing links block, a tail.
        let text = "body one.\nاقرأ أيضاً:\nfresh headline\nlinked headline\nshort words.";
        let seg = segment(text, &mut m.normalizer(), &m);
        let stats = Stats {
            recurring: [seg.lines[3].hash].into_iter().collect(),
        };
        let mut marks = mark(&seg, &stats);
        assert_eq!(find(&seg, &mut marks).map(|t| t.line), Some(1));
    }

    #[test]
    fn trailing_headlines_are_a_tail() {
        let (tail, _) = run("body one.\nاقرأ أيضاً:\nfirst headline\nsecond headline");
        assert_eq!(tail.map(|t| t.line), Some(1));
    }

    #[test]
    fn link_line_mid_article_is_boilerplate() {
        let (tail, marks) = run("body one\nاقرأ أيضا: headline of another\nbody goes on\nand on");
        assert_eq!(tail, None);
        assert_eq!(marks[1], Some(Kind::LinkLine));
        assert_eq!(marks[2], None);
    }

    #[test]
    fn trailing_link_lines_are_a_tail() {
        let (tail, _) = run("body one\nbody two\nRead also: one\nRelated: two\nTags: x");
        assert_eq!(tail.map(|t| t.line), Some(2));
    }

    #[test]
    fn marker_at_the_very_end_is_no_tail() {
        let (tail, marks) = run("body one\nbody two\nاقرأ أيضا");
        assert_eq!(tail, None);
        assert_eq!(marks[2], Some(Kind::LinkLine));
    }

    fn lines(lens: &[u32], continues: &[usize]) -> Vec<BodyLine> {
        let mut at = 0;
        lens.iter()
            .enumerate()
            .map(|(i, &n)| {
                at += n;
                BodyLine {
                    line: i + 1,
                    start: at - n,
                    end: at,
                    continues: continues.contains(&i),
                    headline: n <= 5,
                    announces: n == 29,
                }
            })
            .collect()
    }

    #[test]
    fn trailing_copy_takes_whole_lines_to_the_end() {
        // Lines of 30, 30, 20, 40 words; the copy runs from word 62 (two
        // words into the third line) to the end, with a small gap.
        let ls = lines(&[30, 30, 20, 40], &[]);
        assert_eq!(trailing(&ls, &[[62, 90], [95, 120]], 8), Some(2));
        // Starting further into the line, the tail begins at the next.
        assert_eq!(trailing(&ls, &[[70, 120]], 8), Some(3));
        // A copy that stops before the end is no tail.
        assert_eq!(trailing(&ls, &[[60, 100]], 8), None);
        // Too little before it: no body of its own.
        assert_eq!(trailing(&ls, &[[30, 120]], 8), None);
        // A line opening with a connective continues the article.
        let ls = lines(&[30, 30, 20, 40], &[2]);
        assert_eq!(trailing(&ls, &[[60, 120]], 8), None);
        // So does a subheading followed by one.
        let ls = lines(&[30, 30, 4, 40], &[3]);
        assert_eq!(trailing(&ls, &[[60, 104]], 8), None);
        let ls = lines(&[30, 30, 4, 40], &[]);
        assert_eq!(trailing(&ls, &[[60, 104]], 8), Some(2));
        // A line ending with a colon announces the lines after it.
        let ls = lines(&[30, 29, 4, 40], &[]);
        assert_eq!(trailing(&ls, &[[59, 103]], 8), None);
    }
}
