//! Turns report pairs into PAN detections.
//!
//! Report ids are paths relative to some scanned folder, so documents are
//! matched by file name. A pair counts when one document is a suspicious
//! document and the other a source document of the gold corpus; its `a`
//! may be either. Each passage becomes one detection, its UTF-8 byte
//! offsets converted to code points with the corpus `.txt` files. Pairs
//! without passages (document-level relations) give no detection and are
//! counted; empty passages are skipped and counted.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use serde::Serialize;

use super::pan::Alignment;
use super::pan_gold::{PanGold, Span};
use super::report::{basename, ReportPair};
use super::EvalError;

/// How the report's pairs were used for PAN scoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PanInput {
    /// Report pairs between a suspicious and a source document.
    pub pairs: usize,
    /// Of those, pairs that list no passage.
    pub pairs_without_passages: usize,
    /// Report pairs not between a suspicious and a source document
    /// (ignored).
    pub other_pairs: usize,
    /// Detections: non-empty passages of the pairs used.
    pub detections: usize,
    /// Passages skipped because they are empty on one side.
    pub empty_passages: usize,
}

/// A suspicious–source pair from the report, by file name.
pub(crate) struct Oriented<'a> {
    /// The report pair.
    pub pair: &'a ReportPair,
    /// True when the report's `a` is the suspicious document.
    pub a_is_suspicious: bool,
}

impl Oriented<'_> {
    /// `(suspicious, source)` file names.
    pub fn names(&self) -> (&str, &str) {
        let (a, b) = (basename(&self.pair.a), basename(&self.pair.b));
        if self.a_is_suspicious {
            (a, b)
        } else {
            (b, a)
        }
    }
}

/// Orients `pair` as suspicious–source, or `None` when it is not one.
pub(crate) fn orient<'a>(pair: &'a ReportPair, gold: &PanGold) -> Option<Oriented<'a>> {
    let (a, b) = (basename(&pair.a), basename(&pair.b));
    let a_is_suspicious = if gold.suspicious.contains(a) && gold.sources.contains(b) {
        true
    } else if gold.sources.contains(a) && gold.suspicious.contains(b) {
        false
    } else {
        return None;
    };
    Some(Oriented {
        pair,
        a_is_suspicious,
    })
}

/// Maps UTF-8 byte offsets of one text to code-point offsets.
struct CodePoints {
    /// Byte offset of each code point.
    starts: Vec<usize>,
    /// Byte length of the text.
    len: usize,
}

impl CodePoints {
    fn new(text: &str) -> Self {
        Self {
            starts: text.char_indices().map(|(i, _)| i).collect(),
            len: text.len(),
        }
    }

    fn convert(&self, byte: usize) -> Option<usize> {
        if byte == self.len {
            return Some(self.starts.len());
        }
        self.starts.binary_search(&byte).ok()
    }
}

/// Reads and indexes corpus texts on first use.
struct Texts<'g> {
    gold: &'g PanGold,
    cache: BTreeMap<String, CodePoints>,
}

impl Texts<'_> {
    fn span(&mut self, name: &str, range: [usize; 2]) -> Result<Span, EvalError> {
        let index = match self.cache.entry(name.to_owned()) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => entry.insert(load(self.gold, name)?),
        };
        let bad = |message: String| EvalError::Offset {
            document: name.to_owned(),
            message,
        };
        let [start, end] = range;
        if start > end {
            return Err(bad(format!(
                "passage [{start}, {end}) ends before it starts"
            )));
        }
        let convert = |byte: usize| {
            index.convert(byte).ok_or_else(|| {
                bad(format!(
                    "byte offset {byte} of passage [{start}, {end}) is {} the text ({} bytes)",
                    if byte > index.len {
                        "past the end of"
                    } else {
                        "not at a character boundary in"
                    },
                    index.len
                ))
            })
        };
        Ok(Span {
            start: convert(start)?,
            end: convert(end)?,
        })
    }
}

/// Reads and indexes the text of corpus document `name`.
fn load(gold: &PanGold, name: &str) -> Result<CodePoints, EvalError> {
    let path = gold.text_path(name).ok_or_else(|| EvalError::Offset {
        document: name.to_owned(),
        message: "not a document of the gold corpus".to_owned(),
    })?;
    let bytes = std::fs::read(&path).map_err(|e| EvalError::io(&path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| EvalError::Gold {
        path: path.clone(),
        message: format!("not UTF-8: {e}"),
    })?;
    Ok(CodePoints::new(&text))
}

/// The detections of `pairs` against `gold`, in report order.
///
/// # Errors
///
/// [`EvalError::Offset`] when a passage does not fit its document's text,
/// [`EvalError::Io`] or [`EvalError::Gold`] when a text cannot be read.
pub(crate) fn detections<'a>(
    pairs: impl Iterator<Item = &'a ReportPair>,
    gold: &PanGold,
) -> Result<(Vec<Alignment>, PanInput), EvalError> {
    let mut texts = Texts {
        gold,
        cache: BTreeMap::new(),
    };
    let mut input = PanInput::default();
    let mut found = Vec::new();
    for pair in pairs {
        let Some(oriented) = orient(pair, gold) else {
            input.other_pairs += 1;
            continue;
        };
        input.pairs += 1;
        if pair.passages.is_empty() {
            input.pairs_without_passages += 1;
        }
        let (suspicious, source) = oriented.names();
        for passage in &pair.passages {
            let (s, r) = if oriented.a_is_suspicious {
                (passage.a, passage.b)
            } else {
                (passage.b, passage.a)
            };
            let suspicious_span = texts.span(suspicious, s)?;
            let source_span = texts.span(source, r)?;
            if suspicious_span.is_empty() || source_span.is_empty() {
                input.empty_passages += 1;
                continue;
            }
            found.push(Alignment {
                suspicious: suspicious.to_owned(),
                suspicious_span,
                source: source.to_owned(),
                source_span,
            });
        }
    }
    input.detections = found.len();
    Ok((found, input))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn code_points_from_bytes() {
        // "سلام x": four 2-byte letters, a space and an ASCII letter.
        let index = CodePoints::new("سلام x");
        assert_eq!(index.convert(0), Some(0));
        assert_eq!(index.convert(8), Some(4));
        assert_eq!(index.convert(10), Some(6));
        assert_eq!(index.convert(1), None);
        assert_eq!(index.convert(11), None);
    }
}
