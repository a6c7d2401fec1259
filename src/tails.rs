//! Appended tails: where the article proper ends and appended content
//! ("read also" blocks carrying other articles) begins.
//!
//! A marker alone on its line ("إقرأ أيضاً:") opens a tail when anything
//! but boilerplate follows it. A marker followed by a linked headline on
//! the same line ("اقرأ أيضا: <headline>") opens a tail only when nothing
//! but boilerplate and other markers follows; in the middle of an article
//! that goes on, it is a boilerplate link line and the body continues.

use crate::boilerplate::Kind;
use crate::segment::{LineKind, Segmented};

/// A tail found from a marker line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkerTail {
    /// Index of the marker line.
    pub line: usize,
    /// Index of the marker in the configured list.
    pub marker: u16,
}

/// Finds the tail of one document and marks its link lines as
/// boilerplate in `marks`.
pub fn find(seg: &Segmented, marks: &mut [Option<Kind>]) -> Option<MarkerTail> {
    for (i, line) in seg.lines.iter().enumerate() {
        let LineKind::TailMarker { marker, alone } = line.kind else {
            continue;
        };
        let rest = seg.lines[i + 1..].iter().zip(&marks[i + 1..]);
        if alone {
            if rest.clone().any(|(_, m)| m.is_none()) {
                return Some(MarkerTail { line: i, marker });
            }
            marks[i] = Some(Kind::LinkLine);
        } else if rest
            .clone()
            .all(|(l, m)| m.is_some() || matches!(l.kind, LineKind::TailMarker { .. }))
        {
            return Some(MarkerTail { line: i, marker });
        } else {
            marks[i] = Some(Kind::LinkLine);
        }
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
        (find(&seg, &mut marks), marks)
    }

    #[test]
    fn marker_alone_opens_a_tail() {
        let (tail, _) = run("body one\nbody two\nإقرأ أيضاً:\nanother headline\nanother body");
        assert_eq!(tail.map(|t| t.line), Some(2));
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
