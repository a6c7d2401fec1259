//! One validated configuration for a run. The CLI builds it once; every
//! stage only sees `&Config`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the input is read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InputConfig {
    /// JSONL field holding the document id. Default `id`.
    pub id_field: String,
    /// JSONL field holding the text. Default `text`.
    pub text_field: String,
    /// JSONL field holding the source (site, outlet); optional in the data.
    /// Default `source`.
    pub source_field: String,
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            id_field: "id".into(),
            text_field: "text".into(),
            source_field: "source".into(),
        }
    }
}

/// Text normalization switches (SPEC §2).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NormalizeConfig {
    /// Fold ta marbuta (ة) into ha (ه). Default `true`.
    pub ta_marbuta: bool,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        NormalizeConfig { ta_marbuta: true }
    }
}

/// Every parameter of a run. Defaults are in each field's doc comment.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Config {
    /// Input field names.
    pub input: InputConfig,
    /// Normalization switches.
    pub normalize: NormalizeConfig,
    /// Jaccard threshold for `near_duplicate`. Default `0.5`.
    pub threshold: f64,
    /// Jaccard at or above which a pair is a `duplicate`. Default `0.9`.
    pub duplicate_threshold: f64,
    /// Containment at or above which a pair is `contains`. Default `0.8`.
    pub containment_threshold: f64,
    /// Fewest shingles the smaller body needs before `contains` is
    /// reported (a three-word body is "contained" in everything).
    /// Default `20`.
    pub min_contains_shingles: usize,
    /// Words per shingle. Default `5` (see README, "Choosing n").
    pub shingle_words: usize,
    /// MinHash bins (one-permutation hashing). Default `128`.
    pub permutations: usize,
    /// LSH bands; `None` chooses (bands, rows) from the threshold.
    /// Default `None`.
    pub bands: Option<usize>,
    /// LSH rows per band; set together with `bands`. Default `None`.
    pub rows: Option<usize>,
    /// Buckets larger than this are not expanded into all pairs: their
    /// members, in id order, are compared with the next
    /// `large_bucket_window` members only. Default `200`.
    pub max_bucket: usize,
    /// See `max_bucket`. Default `16`.
    pub large_bucket_window: usize,
    /// Run the passage level (shared passages, tail copies). Default `true`.
    pub passages: bool,
    /// With `passages`, also find tails without a marker: a document's
    /// last lines that copy another document's body or repeat another
    /// document's tail, after an unrelated article of its own
    /// (`pipeline::trailing`). The persistent index's stored analysis
    /// does not hold them: with this on, queries and adds are answered by
    /// the whole pipeline (and equal a scan). Default `true`.
    #[serde(default = "default_trailing_tails")]
    pub trailing_tails: bool,
    /// Fewest documents a line must recur in to be boilerplate. Lines of
    /// at most `short_line_words` words need 2. Default `3`.
    pub boilerplate_min_docs: usize,
    /// See `boilerplate_min_docs`. Default `8`.
    pub short_line_words: usize,
    /// Whether the boilerplate stage also judges two documents related
    /// by a sketch of their word pairs (`boilerplate::Sketch`), not only
    /// by the lines they share exactly, so that a paragraph of copies
    /// edited throughout is not taken for boilerplate. Indexes of formats
    /// 1 to 3 were built without it and are answered without it.
    /// Default `true`.
    #[serde(default = "default_true")]
    pub boilerplate_sketch: bool,
    /// Markers that open an appended tail ("read also" blocks), matched on
    /// normalized words at the start of a line. Default: Arabic, English
    /// and French variants, see [`DEFAULT_TAIL_MARKERS`].
    pub tail_markers: Vec<String>,
    /// Line prefixes, followed by a colon, that mark a boilerplate line
    /// ("Tags:", "المصدر:"). Default [`DEFAULT_LABEL_LINES`].
    pub label_lines: Vec<String>,
    /// Passage-level settings.
    pub passage: PassageConfig,
    /// Share of both bodies that shared passages must cover for the pair
    /// to join a `story` cluster. Default `0.1`.
    pub story_min_coverage: f64,
    /// Worker threads; `0` uses all cores. Default `0`.
    pub threads: usize,
    /// Bytes of document texts and segmentations held in memory before
    /// they are spilled to a temporary file (the corpus is then read back
    /// document by document, and the passage level sorts on disk).
    /// Results do not depend on it. Default 1 GiB.
    #[serde(skip, default = "default_spill_above")]
    pub spill_above: u64,
    /// Folder for spill files; `None`: the system temporary folder.
    /// Default `None`.
    #[serde(skip)]
    pub spill_dir: Option<std::path::PathBuf>,
}

fn default_trailing_tails() -> bool {
    true
}

fn default_true() -> bool {
    true
}

fn default_spill_above() -> u64 {
    1 << 30
}

/// Passage-level settings (shared passages and tail copies).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PassageConfig {
    /// Words per anchor n-gram. Default `3`.
    pub anchor_words: usize,
    /// Anchors in more documents than this are formulaic, not evidence
    /// of reuse. Default `20`.
    pub anchor_max_docs: usize,
    /// Distinct shared anchors that make two documents a candidate pair.
    /// Default `5`.
    pub min_shared_anchors: usize,
    /// Words in at most this many documents count as rare. Default `10`.
    pub word_max_docs: usize,
    /// Distinct shared rare words that make two documents a candidate
    /// pair (for reuse with shuffled words). Default `6`.
    pub min_shared_words: usize,
    /// Words that may separate two matching runs of one passage. Default `8`.
    pub gap: usize,
    /// Fewest matched words in a reported passage. Default `15`.
    pub min_words: usize,
    /// Fewest words of a region matched as a bag of words (reordered
    /// reuse). Default `30`.
    pub bag_min_words: usize,
    /// Multiset overlap a bag region needs with its counterpart. Default
    /// `0.6`.
    pub bag_min_overlap: f64,
    /// Share of a tail's anchors found in another body for `tail_copy`.
    /// Default `0.5`.
    pub tail_min_containment: f64,
}

impl Default for PassageConfig {
    fn default() -> Self {
        PassageConfig {
            anchor_words: 3,
            anchor_max_docs: 20,
            min_shared_anchors: 5,
            word_max_docs: 10,
            min_shared_words: 6,
            gap: 8,
            min_words: 15,
            bag_min_words: 30,
            bag_min_overlap: 0.6,
            tail_min_containment: 0.5,
        }
    }
}

/// Default "read also" markers (before normalization).
pub const DEFAULT_TAIL_MARKERS: &[&str] = &[
    "إقرأ أيضاً",
    "اقرأ أيضا",
    "اقرأ كذلك",
    "إقرأ المزيد",
    "اقرأ المزيد",
    "للمزيد",
    "المزيد",
    "شاهد أيضا",
    "طالع أيضا",
    "قد يهمك أيضا",
    "اخبار ذات صله",
    "أخبار متعلقة",
    "مواضيع ذات صلة",
    "Read also",
    "Read more",
    "Also read",
    "See also",
    "Related",
    "Related articles",
    "Lire aussi",
    "À lire aussi",
];

/// Default label prefixes of boilerplate lines.
pub const DEFAULT_LABEL_LINES: &[&str] = &[
    "Tags",
    "الوسوم",
    "وسوم",
    "كلمات دلالية",
    "كلمات مفتاحية",
    "المصدر",
    "مصدر",
    "Source",
    "Sources",
    "آخر تحديث",
    "تاريخ النشر",
    "Follow us",
];

impl Default for Config {
    fn default() -> Self {
        Config {
            input: InputConfig::default(),
            normalize: NormalizeConfig::default(),
            threshold: 0.5,
            duplicate_threshold: 0.9,
            containment_threshold: 0.8,
            min_contains_shingles: 20,
            shingle_words: 5,
            permutations: 128,
            bands: None,
            rows: None,
            max_bucket: 200,
            large_bucket_window: 16,
            passages: true,
            trailing_tails: true,
            boilerplate_min_docs: 3,
            short_line_words: 8,
            boilerplate_sketch: true,
            tail_markers: DEFAULT_TAIL_MARKERS
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            label_lines: DEFAULT_LABEL_LINES
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            passage: PassageConfig::default(),
            story_min_coverage: 0.1,
            threads: 0,
            spill_above: default_spill_above(),
            spill_dir: None,
        }
    }
}

impl Config {
    /// Checks every value, returning a message naming the bad one.
    pub fn validate(&self) -> Result<()> {
        let unit = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) && v > 0.0 {
                Ok(())
            } else {
                Err(Error::Config(format!("{name} must be in (0, 1], got {v}")))
            }
        };
        unit("threshold", self.threshold)?;
        unit("duplicate threshold", self.duplicate_threshold)?;
        unit("containment threshold", self.containment_threshold)?;
        if self.threshold > self.duplicate_threshold {
            return Err(Error::Config(format!(
                "threshold {} is above the duplicate threshold {}",
                self.threshold, self.duplicate_threshold
            )));
        }
        if !(1..=16).contains(&self.shingle_words) {
            return Err(Error::Config(format!(
                "shingle words must be 1..=16, got {}",
                self.shingle_words
            )));
        }
        if !(8..=1024).contains(&self.permutations) {
            return Err(Error::Config(format!(
                "permutations must be 8..=1024, got {}",
                self.permutations
            )));
        }
        match (self.bands, self.rows) {
            (Some(b), Some(r)) if b >= 1 && r >= 1 && b * r <= self.permutations => {}
            (None, None) => {}
            (b, r) => {
                return Err(Error::Config(format!(
                    "bands {b:?} x rows {r:?} must both be set, >= 1, with bands*rows <= permutations ({})",
                    self.permutations
                )))
            }
        }
        if self.max_bucket < 2 || self.large_bucket_window < 1 {
            return Err(Error::Config(
                "max bucket must be >= 2 and window >= 1".into(),
            ));
        }
        if self.boilerplate_min_docs < 2 {
            return Err(Error::Config("boilerplate min docs must be >= 2".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        Config::default().validate().expect("default config");
    }

    #[test]
    fn rejects_bad_values() {
        let bad = [
            Config {
                threshold: 0.0,
                ..Config::default()
            },
            Config {
                threshold: 0.95,
                ..Config::default()
            },
            Config {
                shingle_words: 0,
                ..Config::default()
            },
            Config {
                bands: Some(64),
                rows: Some(4),
                ..Config::default()
            },
            Config {
                bands: Some(8),
                rows: None,
                ..Config::default()
            },
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
