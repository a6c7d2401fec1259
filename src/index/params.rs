//! The parameters stored in an index, and whether they can answer a run.
//!
//! [`Settings`] is a frozen copy of the analysis fields of
//! [`Config`] as of format 1, so that a later change to `Config` cannot
//! silently change how old index files decode.

use serde::{Deserialize, Serialize};

use crate::config::{Config, PassageConfig};
use crate::hash;

/// The named seeds of [`crate::hash`], in declaration order.
pub const SEEDS: [u64; 6] = [
    hash::TOKEN_SEED,
    hash::SHINGLE_SEED,
    hash::LINE_SEED,
    hash::BAND_SEED,
    hash::MINHASH_SEED,
    hash::SET_SEED,
];

/// The first segment of an index: who built it, with what.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Params {
    /// The neardup version that built the index.
    pub tool_version: String,
    /// The hash seeds (see [`SEEDS`]).
    pub seeds: [u64; 6],
    /// The analysis settings of the build.
    pub settings: Settings,
    /// The file's format version (not stored in this segment: set from
    /// the file header when the index is opened). Some analysis choices
    /// follow it rather than a stored setting: see [`Params::config`].
    #[serde(skip)]
    pub format: u32,
}

/// The analysis fields of [`Config`] (everything but the input field
/// names and the thread count), as stored in format 1.
#[allow(missing_docs, clippy::struct_excessive_bools)]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Settings {
    pub ta_marbuta: bool,
    pub threshold: f64,
    pub duplicate_threshold: f64,
    pub containment_threshold: f64,
    pub min_contains_shingles: u64,
    pub shingle_words: u64,
    pub permutations: u64,
    pub bands: Option<u64>,
    pub rows: Option<u64>,
    pub max_bucket: u64,
    pub large_bucket_window: u64,
    pub passages: bool,
    pub boilerplate_min_docs: u64,
    pub short_line_words: u64,
    pub tail_markers: Vec<String>,
    pub label_lines: Vec<String>,
    pub anchor_words: u64,
    pub anchor_max_docs: u64,
    pub min_shared_anchors: u64,
    pub word_max_docs: u64,
    pub min_shared_words: u64,
    pub gap: u64,
    pub min_words: u64,
    pub bag_min_words: u64,
    /// No longer used (bags of words are found by clustering); kept at
    /// its old default so that format 1 decodes unchanged.
    pub bag_density: f64,
    pub bag_min_overlap: f64,
    pub tail_min_containment: f64,
    pub story_min_coverage: f64,
}

impl Params {
    /// The parameters of an index built with `cfg` by this neardup.
    pub fn new(cfg: &Config) -> Self {
        Params {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            seeds: SEEDS,
            settings: Settings::from_config(cfg),
            format: crate::index::format::VERSION,
        }
    }

    /// The index's configuration: its settings on top of `base`, which
    /// supplies the input field names and thread count.
    pub fn config(&self, base: &Config) -> Config {
        let s = &self.settings;
        let u = |x: u64| x as usize;
        let mut cfg = base.clone();
        cfg.normalize.ta_marbuta = s.ta_marbuta;
        cfg.threshold = s.threshold;
        cfg.duplicate_threshold = s.duplicate_threshold;
        cfg.containment_threshold = s.containment_threshold;
        cfg.min_contains_shingles = u(s.min_contains_shingles);
        cfg.shingle_words = u(s.shingle_words);
        cfg.permutations = u(s.permutations);
        cfg.bands = s.bands.map(u);
        cfg.rows = s.rows.map(u);
        cfg.max_bucket = u(s.max_bucket);
        cfg.large_bucket_window = u(s.large_bucket_window);
        cfg.passages = s.passages;
        cfg.boilerplate_min_docs = u(s.boilerplate_min_docs);
        cfg.short_line_words = u(s.short_line_words);
        cfg.tail_markers.clone_from(&s.tail_markers);
        cfg.label_lines.clone_from(&s.label_lines);
        cfg.passage = PassageConfig {
            anchor_words: u(s.anchor_words),
            anchor_max_docs: u(s.anchor_max_docs),
            min_shared_anchors: u(s.min_shared_anchors),
            word_max_docs: u(s.word_max_docs),
            min_shared_words: u(s.min_shared_words),
            gap: u(s.gap),
            min_words: u(s.min_words),
            bag_min_words: u(s.bag_min_words),
            bag_min_overlap: s.bag_min_overlap,
            tail_min_containment: s.tail_min_containment,
        };
        cfg.story_min_coverage = s.story_min_coverage;
        // Formats 1 to 3 predate the relatedness sketch.
        cfg.boilerplate_sketch = self.format >= 4;
        cfg
    }

    /// Whether a run with `cfg` can be answered from this index: the
    /// settings that shape what is stored per document (normalization,
    /// line markers and labels, shingle size, signature size, anchor
    /// size, and the hash seeds) must be the index's; the passage level
    /// needs an index built with it. Thresholds and the band shape may
    /// differ. Returns what does not match.
    pub fn check(&self, cfg: &Config) -> Result<(), String> {
        if self.seeds != SEEDS {
            return Err(
                "the index was built with other hash seeds (another neardup version): \
                 rebuild it with `neardup index build`"
                    .into(),
            );
        }
        let mine = Settings::from_config(cfg);
        let s = &self.settings;
        let mut diffs = Vec::new();
        let mut differ = |name: &str, stored: String, asked: String| {
            if stored != asked {
                diffs.push(format!("{name}: index {stored}, asked {asked}"));
            }
        };
        differ(
            "ta marbuta folding (--keep-ta-marbuta)",
            s.ta_marbuta.to_string(),
            mine.ta_marbuta.to_string(),
        );
        differ(
            "words per shingle (--shingle-words)",
            s.shingle_words.to_string(),
            mine.shingle_words.to_string(),
        );
        differ(
            "MinHash permutations (--permutations)",
            s.permutations.to_string(),
            mine.permutations.to_string(),
        );
        differ(
            "tail markers",
            format!("{:?}", s.tail_markers),
            format!("{:?}", mine.tail_markers),
        );
        differ(
            "label lines",
            format!("{:?}", s.label_lines),
            format!("{:?}", mine.label_lines),
        );
        differ(
            "anchor words",
            s.anchor_words.to_string(),
            mine.anchor_words.to_string(),
        );
        if mine.passages && !s.passages {
            diffs.push(
                "the index was built with --no-passages and cannot answer the passage level \
                 (pass --no-passages)"
                    .into(),
            );
        }
        if diffs.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the index cannot answer with these parameters: {}",
                diffs.join("; ")
            ))
        }
    }
}

impl Settings {
    /// The analysis fields of `cfg`.
    pub fn from_config(cfg: &Config) -> Self {
        let p = &cfg.passage;
        let u = |x: usize| x as u64;
        Settings {
            ta_marbuta: cfg.normalize.ta_marbuta,
            threshold: cfg.threshold,
            duplicate_threshold: cfg.duplicate_threshold,
            containment_threshold: cfg.containment_threshold,
            min_contains_shingles: u(cfg.min_contains_shingles),
            shingle_words: u(cfg.shingle_words),
            permutations: u(cfg.permutations),
            bands: cfg.bands.map(u),
            rows: cfg.rows.map(u),
            max_bucket: u(cfg.max_bucket),
            large_bucket_window: u(cfg.large_bucket_window),
            passages: cfg.passages,
            boilerplate_min_docs: u(cfg.boilerplate_min_docs),
            short_line_words: u(cfg.short_line_words),
            tail_markers: cfg.tail_markers.clone(),
            label_lines: cfg.label_lines.clone(),
            anchor_words: u(p.anchor_words),
            anchor_max_docs: u(p.anchor_max_docs),
            min_shared_anchors: u(p.min_shared_anchors),
            word_max_docs: u(p.word_max_docs),
            min_shared_words: u(p.min_shared_words),
            gap: u(p.gap),
            min_words: u(p.min_words),
            bag_min_words: u(p.bag_min_words),
            bag_density: 0.8,
            bag_min_overlap: p.bag_min_overlap,
            tail_min_containment: p.tail_min_containment,
            story_min_coverage: cfg.story_min_coverage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_round_trips_and_checks() {
        let cfg = Config {
            threshold: 0.7,
            shingle_words: 4,
            ..Config::default()
        };
        let p = Params::new(&cfg);
        assert_eq!(p.config(&Config::default()), cfg);
        assert!(p.check(&cfg).is_ok());
        let looser = Config {
            threshold: 0.4,
            ..cfg.clone()
        };
        assert!(p.check(&looser).is_ok(), "thresholds may differ");
        let other = Config {
            shingle_words: 5,
            ..cfg.clone()
        };
        let e = p.check(&other).expect_err("shingle size is bound");
        assert!(e.contains("--shingle-words"), "{e}");
        let mut folded = cfg.clone();
        folded.normalize.ta_marbuta = false;
        assert!(p.check(&folded).is_err());
    }
}
