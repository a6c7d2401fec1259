//! Gold text-reuse cases in the PAN layout used by `AraPlagDet`:
//!
//! ```text
//! DIR/plagiarism-annotation/suspicious-documentNNNN.xml
//! DIR/suspicious-documents/suspicious-documentNNNN.txt
//! DIR/source-documents/source-documentNNNNN.txt
//! ```
//!
//! Each XML file has a `<document reference="suspicious-documentNNNN.txt">`
//! root holding `<feature name="plagiarism" this_offset this_length
//! source_reference source_offset source_length obfuscation/>` elements, with
//! offsets and lengths in Unicode code points.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::EvalError;

/// The annotation sub-folder of a PAN corpus.
pub const ANNOTATION_DIR: &str = "plagiarism-annotation";
/// The suspicious-documents sub-folder of a PAN corpus.
pub const SUSPICIOUS_DIR: &str = "suspicious-documents";
/// The source-documents sub-folder of a PAN corpus.
pub const SOURCE_DIR: &str = "source-documents";

/// A half-open range `[start, end)` of code points in one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Span {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
}

impl Span {
    /// The number of code points covered.
    #[must_use]
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// True when the span covers nothing.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// True when the two spans share at least one code point.
    #[must_use]
    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The common part of the two spans, empty if they do not overlap.
    #[must_use]
    pub fn clip(self, other: Span) -> Span {
        let start = self.start.max(other.start);
        Span {
            start,
            end: self.end.min(other.end).max(start),
        }
    }
}

/// One text-reuse case: a passage of a suspicious document taken from a
/// passage of a source document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanCase {
    /// File name of the suspicious document.
    pub suspicious: String,
    /// The reused passage in the suspicious document.
    pub suspicious_span: Span,
    /// File name of the source document.
    pub source: String,
    /// The original passage in the source document.
    pub source_span: Span,
    /// The XML `obfuscation` value (`unspecified` when absent).
    pub obfuscation: String,
}

/// The gold cases of a PAN corpus folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PanGold {
    /// The corpus folder (parent of `plagiarism-annotation`).
    pub root: PathBuf,
    /// Every case, in file-name then document order.
    pub cases: Vec<PanCase>,
    /// File names of the suspicious documents (the `.txt` files present
    /// plus every case's document).
    pub suspicious: BTreeSet<String>,
    /// File names of the source documents (likewise).
    pub sources: BTreeSet<String>,
}

impl PanGold {
    /// Loads the corpus at `dir`, or at its parent when `dir` is the
    /// `plagiarism-annotation` folder itself.
    ///
    /// # Errors
    ///
    /// [`EvalError::Io`] on unreadable folders or files,
    /// [`EvalError::GoldLine`] for an invalid XML file or feature (with its
    /// line), [`EvalError::Gold`] when `dir` has no annotation folder.
    pub fn load(dir: &Path) -> Result<Self, EvalError> {
        let root = if dir.file_name().is_some_and(|n| n == ANNOTATION_DIR) {
            dir.parent().unwrap_or(dir).to_path_buf()
        } else {
            dir.to_path_buf()
        };
        let annotations = root.join(ANNOTATION_DIR);
        if !annotations.is_dir() {
            return Err(EvalError::Gold {
                path: dir.to_path_buf(),
                message: format!("not a PAN corpus folder: no {ANNOTATION_DIR}/ inside"),
            });
        }
        let mut gold = PanGold {
            suspicious: list_files(&root.join(SUSPICIOUS_DIR), "txt")?,
            sources: list_files(&root.join(SOURCE_DIR), "txt")?,
            root,
            cases: Vec::new(),
        };
        for name in list_files(&annotations, "xml")? {
            let path = annotations.join(&name);
            let text = std::fs::read_to_string(&path).map_err(|e| EvalError::io(&path, e))?;
            let fallback = format!("{}.txt", name.trim_end_matches(".xml"));
            gold.cases
                .extend(parse_annotation(&text, &path, &fallback)?);
        }
        for case in &gold.cases {
            gold.suspicious.insert(case.suspicious.clone());
            gold.sources.insert(case.source.clone());
        }
        Ok(gold)
    }

    /// The path of the text of document `name`, if it is a known one.
    #[must_use]
    pub fn text_path(&self, name: &str) -> Option<PathBuf> {
        if self.suspicious.contains(name) {
            Some(self.root.join(SUSPICIOUS_DIR).join(name))
        } else if self.sources.contains(name) {
            Some(self.root.join(SOURCE_DIR).join(name))
        } else {
            None
        }
    }
}

/// The sorted names of the files in `dir` ending in `.ext`; empty when `dir`
/// does not exist.
fn list_files(dir: &Path, ext: &str) -> Result<BTreeSet<String>, EvalError> {
    if !dir.is_dir() {
        return Ok(BTreeSet::new());
    }
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir).map_err(|e| EvalError::io(dir, e))? {
        let entry = entry.map_err(|e| EvalError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if Path::new(&name).extension().is_some_and(|e| e == ext) {
            names.insert(name);
        }
    }
    Ok(names)
}

/// Parses one annotation XML file; `fallback` names the suspicious document
/// when the root has no `reference` attribute.
pub(crate) fn parse_annotation(
    text: &str,
    path: &Path,
    fallback: &str,
) -> Result<Vec<PanCase>, EvalError> {
    let bad = |line: u32, message: String| EvalError::GoldLine {
        path: path.to_path_buf(),
        line: line as usize,
        message,
    };
    let doc = roxmltree::Document::parse(text).map_err(|e| bad(e.pos().row, e.to_string()))?;
    let root = doc.root_element();
    let suspicious = root.attribute("reference").unwrap_or(fallback).to_owned();
    let mut cases = Vec::new();
    for node in root.children().filter(roxmltree::Node::is_element) {
        if !node
            .attribute("name")
            .is_some_and(|n| n.ends_with("plagiarism"))
        {
            continue;
        }
        let line = doc.text_pos_at(node.range().start).row;
        let number = |attr: &str| -> Result<usize, EvalError> {
            let value = node
                .attribute(attr)
                .ok_or_else(|| bad(line, format!("missing attribute {attr}")))?;
            value
                .trim()
                .parse()
                .map_err(|_| bad(line, format!("{attr}={value:?} is not a whole number")))
        };
        let span = |offset: &str, length: &str| -> Result<Span, EvalError> {
            let start = number(offset)?;
            let len = number(length)?;
            if len == 0 {
                return Err(bad(line, format!("{length} is 0")));
            }
            Ok(Span {
                start,
                end: start + len,
            })
        };
        let suspicious_span = span("this_offset", "this_length")?;
        let source = node
            .attribute("source_reference")
            .ok_or_else(|| bad(line, "missing attribute source_reference".to_owned()))?;
        cases.push(PanCase {
            suspicious: suspicious.clone(),
            suspicious_span,
            source: source.to_owned(),
            source_span: span("source_offset", "source_length")?,
            obfuscation: node
                .attribute("obfuscation")
                .unwrap_or("unspecified")
                .to_owned(),
        });
    }
    Ok(cases)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn parses_features_and_skips_other_elements() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<document reference="suspicious-document0001.txt">
<feature name="about" authors="x"/>
<feature name="plagiarism" this_offset="119" this_length="316" source_reference="source-document00402.txt" source_offset="19259" source_length="300" obfuscation="none" type="artificial"/>
</document>"#;
        let cases = parse_annotation(xml, Path::new("a.xml"), "fallback.txt").unwrap();
        assert_eq!(
            cases,
            [PanCase {
                suspicious: "suspicious-document0001.txt".into(),
                suspicious_span: Span {
                    start: 119,
                    end: 435
                },
                source: "source-document00402.txt".into(),
                source_span: Span {
                    start: 19259,
                    end: 19559
                },
                obfuscation: "none".into(),
            }]
        );
        let empty = parse_annotation("<document/>", Path::new("b.xml"), "b.txt").unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn bad_features_name_file_and_line() {
        let xml = "<document reference=\"s.txt\">\n\
                   <feature name=\"plagiarism\" this_offset=\"x\" this_length=\"3\"/>\n</document>";
        let err = parse_annotation(xml, Path::new("a.xml"), "s.txt").unwrap_err();
        assert_eq!(
            err.to_string(),
            "a.xml:2: this_offset=\"x\" is not a whole number"
        );
        let err =
            parse_annotation("<document>\n<oops></document>", Path::new("a.xml"), "").unwrap_err();
        assert!(err.to_string().starts_with("a.xml:2: "), "{err}");
    }

    #[test]
    fn span_arithmetic() {
        let a = Span { start: 0, end: 10 };
        let b = Span { start: 10, end: 20 };
        assert!(!a.overlaps(b));
        assert!(a.clip(b).is_empty());
        assert_eq!(
            a.clip(Span { start: 5, end: 15 }),
            Span { start: 5, end: 10 }
        );
    }

    #[test]
    #[ignore = "needs ../shared/data"]
    fn loads_the_real_araplagdet_folder() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let Some(dir) = ["../shared/data/araplagdet", "../../shared/data/araplagdet"]
            .iter()
            .map(|p| here.join(p))
            .find(|p| p.is_dir())
        else {
            eprintln!("skipped: no ../shared/data/araplagdet");
            return;
        };
        let gold = PanGold::load(&dir).unwrap();
        assert_eq!(gold.cases.len(), 1727);
        assert_eq!(gold.suspicious.len(), 601);
        assert_eq!(gold.sources.len(), 570);
        let mut counts = BTreeMap::new();
        for case in &gold.cases {
            *counts.entry(case.obfuscation.as_str()).or_insert(0) += 1;
        }
        let expected = [
            ("manual paraphrasing", 22),
            ("manual synonym substitution", 169),
            ("none", 696),
            ("phrase shuffling", 180),
            ("word shuffling", 660),
        ];
        assert_eq!(counts, BTreeMap::from(expected));
        // The first case of the corpus: its text is the same in both documents.
        let first = &gold.cases[0];
        let read = |name: &str| std::fs::read_to_string(gold.text_path(name).unwrap()).unwrap();
        let cut = |text: &str, span: Span| -> String {
            text.chars().skip(span.start).take(span.len()).collect()
        };
        assert_eq!(first.suspicious, "suspicious-document0001.txt");
        assert_eq!(
            cut(&read(&first.suspicious), first.suspicious_span),
            cut(&read(&first.source), first.source_span)
        );
    }
}
