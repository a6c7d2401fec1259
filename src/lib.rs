//! # neardup
//!
//! Finds near-duplicate and reused text in scraped news corpora, Arabic
//! first. Each document is normalized (Arabic spelling variants folded,
//! offsets kept), cut into lines, stripped of boilerplate and appended
//! "read also" tails, shingled into word n-grams and signed with MinHash;
//! LSH bands propose candidate pairs, which are verified exactly and
//! clustered.
//!
//! ```
//! use neardup::{config::Config, pipeline, progress::Silent};
//!
//! let dir = tempfile::tempdir()?;
//! let story = "قال وزير الخارجية الأميركي أنتوني بلينكن اليوم الخميس إنه ونظيره \
//!              الكوري الجنوبي لديهما مخاوف بالغة إزاء التعاون العسكري المتنامي";
//! std::fs::write(dir.path().join("a.txt"), story)?;
//! std::fs::write(dir.path().join("b.txt"), format!("{story}.\n"))?;
//! let scan = pipeline::scan(&[dir.path().to_path_buf()], &Config::default(), &Silent)?;
//! assert_eq!(scan.report.pairs.len(), 1);
//! assert_eq!(scan.report.pairs[0].relation.as_str(), "duplicate");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The stages, in the order [`pipeline`] calls them: [`corpus`] →
//! [`normalize`] / [`segment`] → [`boilerplate`] → [`tails`] →
//! [`shingle`] → [`minhash`] → [`lsh`] → [`verify`] → [`cluster`] →
//! [`report`]; [`dedup`] writes the kept and removed documents.

#![deny(missing_docs)]

pub mod boilerplate;
pub mod cluster;
pub mod config;
pub mod corpus;
pub mod dedup;
pub mod error;
pub mod eval;
pub mod hash;
pub mod index;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod passage;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod segment;
pub mod shingle;
pub mod spill;
pub mod tails;
pub mod verify;

#[cfg(feature = "cli")]
pub mod cli;

pub use config::Config;
pub use error::{Error, Result};
