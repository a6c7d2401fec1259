//! Appended tails: where the article proper ends and appended content
//! ("read also" blocks carrying other articles) begins.
//!
//! A marker followed by a linked headline on the same line ("اقرأ أيضا:
//! <headline>") opens a tail only when nothing but boilerplate and other
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
//! * at most one headline and then text that continues the article (its
//!   first word opens with the Arabic connective و, "and", as paragraphs
//!   inside an article do and a new article's first line does not): the
//!   same;
//! * otherwise the headline and what follows are another article
//!   appended: a tail.

use crate::boilerplate::Kind;
use crate::segment::{Line, LineKind, Segmented};

/// A tail found from a marker line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkerTail {
    /// Index of the marker line.
    pub line: usize,
    /// Index of the marker in the configured list.
    pub marker: u16,
}

/// Longest line, in words, that can be a linked headline.
const HEADLINE_WORDS: usize = 20;

fn is_headline(text: &str, line: &Line) -> bool {
    let raw = &text[line.start as usize..line.end as usize];
    line.words() <= HEADLINE_WORDS && !raw.ends_with(['.', '۔'])
}

fn continues_article(text: &str, line: &Line) -> bool {
    text[line.start as usize..line.end as usize]
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .starts_with('و')
}

/// Finds the tail of one document and marks its link lines as
/// boilerplate in `marks`.
pub fn find(text: &str, seg: &Segmented, marks: &mut [Option<Kind>]) -> Option<MarkerTail> {
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
                .take_while(|&j| marks[j].is_some() || is_headline(text, &seg.lines[j]))
                .collect();
            let linked = block
                .first()
                .is_some_and(|&j| marks[j] == Some(Kind::Recurring));
            let headlines = block
                .iter()
                .filter(|&&j| is_headline(text, &seg.lines[j]) && (marks[j].is_none() || linked))
                .count();
            let Some(next) = (i + 1 + block.len() < seg.lines.len()).then_some(i + 1 + block.len())
            else {
                if headlines > 0 {
                    return Some(MarkerTail { line: i, marker });
                }
                marks[i] = Some(Kind::LinkLine);
                continue;
            };
            if headlines >= 2 || continues_article(text, &seg.lines[next]) {
                for &j in std::iter::once(&i).chain(&block) {
                    marks[j].get_or_insert(Kind::LinkLine);
                }
                continue;
            }
            return Some(MarkerTail { line: i, marker });
        } else if rest
            .clone()
            .all(|(l, m)| m.is_some() || matches!(l.kind, LineKind::TailMarker { .. }))
        {
            return Some(MarkerTail { line: i, marker });
        }
        marks[i] = Some(Kind::LinkLine);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boilerplate::{mark, Stats};
    use crate::config::Config;
    use crate::segment::{segment, Markers};

    fn run(text: &str) -> (Option<MarkerTail>, Vec<Option<Kind>>) {
        let cfg = Config::default();
        let m = Markers::new(&cfg);
        let seg = segment(text, &mut m.normalizer(), &m);
        let mut marks = mark(&seg, &Stats::default());
        (find(text, &seg, &mut marks), marks)
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
        assert_eq!(find(text, &seg, &mut marks), None);
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
        assert_eq!(find(text, &seg, &mut marks).map(|t| t.line), Some(1));
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
}
