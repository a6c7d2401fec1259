//! The JSON report, schema 1 (SPEC §5), and the human summary.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::boilerplate::Kind;
pub use crate::corpus::Warning;
use crate::verify::Relation;

/// The report's schema version.
pub const SCHEMA: u32 = 1;

/// The tool that wrote a report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tool {
    /// Always `neardup`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

impl Tool {
    /// This build of neardup.
    pub fn this() -> Tool {
        Tool {
            name: "neardup".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// The parameters a report was made with.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Params {
    /// Jaccard threshold for `near_duplicate`.
    pub threshold: f64,
    /// Jaccard threshold for `duplicate`.
    pub duplicate_threshold: f64,
    /// Containment threshold for `contains`.
    pub containment_threshold: f64,
    /// Words per shingle.
    pub shingle_words: usize,
    /// MinHash bins.
    pub permutations: usize,
    /// LSH bands.
    pub bands: usize,
    /// LSH rows per band.
    pub rows: usize,
    /// Whether the passage level ran.
    pub passages: bool,
    /// Whether ta marbuta was folded into ha.
    pub ta_marbuta: bool,
    /// The hash every signature uses.
    pub hash: String,
}

/// Corpus-wide counts.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    /// Documents compared.
    pub documents: usize,
    /// Bytes of document text.
    pub bytes: u64,
    /// Wall time of the run (the one field that changes between runs).
    pub seconds: f64,
    /// Input files read.
    pub files: usize,
    /// Records read (documents plus records that could not be used).
    pub records: u64,
    /// Warnings issued.
    pub warnings: usize,
    /// Pairs reported, by relation.
    pub pairs: std::collections::BTreeMap<String, usize>,
    /// Documents that `dedup` would remove.
    pub removable: usize,
}

/// A tail of a document.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TailOut {
    /// Start byte.
    pub start: u32,
    /// End byte (exclusive).
    pub end: u32,
    /// The marker that opens it, or `null` for trailing lines that copy
    /// another document without one.
    #[serde(default)]
    pub marker: Option<String>,
    /// The document whose body it copies, when the corpus holds one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<String>,
}

/// One document's spans.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DocumentOut {
    /// The document id.
    pub id: String,
    /// Its source, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The body span: the text before any tail.
    pub body: [u32; 2],
    /// Appended tails.
    pub tails: Vec<TailOut>,
    /// Boilerplate line spans.
    pub boilerplate: Vec<[u32; 2]>,
}

/// A shared passage of a pair.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PassageOut {
    /// Span in document `a`.
    pub a: [u32; 2],
    /// Span in document `b`.
    pub b: [u32; 2],
    /// Words of `a`'s span.
    pub words: u32,
}

/// One related pair, `a < b` by id.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PairOut {
    /// The smaller id.
    pub a: String,
    /// The larger id.
    pub b: String,
    /// The strongest relation.
    pub relation: Relation,
    /// Exact body Jaccard of word shingles.
    pub jaccard: f64,
    /// Exact containment of the smaller body in the larger.
    pub containment: f64,
    /// For `contains`: the id of the document inside the other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contained: Option<String>,
    /// Shared passages (passage level only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passages: Vec<PassageOut>,
}

/// Cluster kinds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ClusterKind {
    /// Joined by duplicate, near_duplicate and contains.
    Duplicate,
    /// Joined also by shared_passages.
    Story,
}

/// A cluster.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClusterOut {
    /// Sequential id in report order.
    pub id: usize,
    /// Its kind.
    pub kind: ClusterKind,
    /// The member `dedup` keeps: the longest body, then the smallest id.
    pub representative: String,
    /// Members, sorted.
    pub members: Vec<String>,
}

/// A boilerplate line as listed in the report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BoilerplateOut {
    /// The line as it first appears.
    pub text: String,
    /// Documents carrying it.
    pub documents: usize,
    /// Their sources.
    pub sources: Vec<String>,
    /// Why it is boilerplate.
    pub kind: Kind,
}

/// Puts a boilerplate list in the report's order: most documents first,
/// then by text, then by kind.
pub fn sort_boilerplate(list: &mut [BoilerplateOut]) {
    list.sort_by(|x, y| {
        y.documents
            .cmp(&x.documents)
            .then_with(|| x.text.cmp(&y.text))
            .then(x.kind.cmp(&y.kind))
    });
}

/// The whole report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: u32,
    /// The tool.
    pub tool: Tool,
    /// The parameters.
    pub params: Params,
    /// Counts.
    pub stats: Stats,
    /// Problems with the input.
    pub warnings: Vec<Warning>,
    /// Documents with a tail, boilerplate or a pair, sorted by id.
    pub documents: Vec<DocumentOut>,
    /// Related pairs, sorted.
    pub pairs: Vec<PairOut>,
    /// Clusters of two or more documents.
    pub clusters: Vec<ClusterOut>,
    /// Boilerplate lines, most frequent first.
    pub boilerplate: Vec<BoilerplateOut>,
}

impl Report {
    /// The report as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Writes [`Report::to_json`] to `out`, byte for byte, without
    /// holding the whole text (half a gigabyte for a million articles).
    /// The long lists are rendered in parallel, a window of elements at a
    /// time, each element as serde_json renders it alone and then indented
    /// to its depth: raw newlines in pretty JSON are all indentation (a
    /// string's newline is escaped), so the result is what rendering the
    /// whole report at once gives.
    pub fn write_json(&self, out: &mut (impl std::io::Write + Send)) -> std::io::Result<()> {
        out.write_all(b"{")?;
        json_field(out, true, "schema", &self.schema)?;
        json_field(out, false, "tool", &self.tool)?;
        json_field(out, false, "params", &self.params)?;
        json_field(out, false, "stats", &self.stats)?;
        json_list(out, "warnings", &self.warnings)?;
        json_list(out, "documents", &self.documents)?;
        json_list(out, "pairs", &self.pairs)?;
        json_list(out, "clusters", &self.clusters)?;
        json_list(out, "boilerplate", &self.boilerplate)?;
        out.write_all(b"\n}\n")
    }

    /// A short human summary: counts, largest clusters, top boilerplate.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let st = &self.stats;
        let _ = writeln!(
            s,
            "{} documents ({:.1} MB) from {} files in {:.2} s, {} warnings",
            st.documents,
            st.bytes as f64 / 1e6,
            st.files,
            st.seconds,
            st.warnings
        );
        let pairs: Vec<String> = st.pairs.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(
            s,
            "pairs: {}",
            if pairs.is_empty() {
                "none".to_string()
            } else {
                pairs.join(", ")
            }
        );
        for kind in [ClusterKind::Duplicate, ClusterKind::Story] {
            let mut cl: Vec<&ClusterOut> =
                self.clusters.iter().filter(|c| c.kind == kind).collect();
            let name = if kind == ClusterKind::Duplicate {
                "duplicate"
            } else {
                "story"
            };
            let _ = writeln!(
                s,
                "{name} clusters: {} ({} documents)",
                cl.len(),
                cl.iter().map(|c| c.members.len()).sum::<usize>()
            );
            cl.sort_by(|a, b| b.members.len().cmp(&a.members.len()).then(a.id.cmp(&b.id)));
            for c in cl.iter().take(5) {
                let _ = writeln!(s, "  {:>5} × keep {}", c.members.len(), c.representative);
            }
        }
        let _ = writeln!(s, "removable by dedup: {}", st.removable);
        let with_tails = self
            .documents
            .iter()
            .filter(|d| !d.tails.is_empty())
            .count();
        let _ = writeln!(s, "documents with appended tails: {with_tails}");
        let _ = writeln!(s, "boilerplate lines: {}", self.boilerplate.len());
        for b in self.boilerplate.iter().take(5) {
            let text: String = b.text.chars().take(60).collect();
            let _ = writeln!(s, "  {:>5} docs  {}", b.documents, text);
        }
        s
    }
}

/// Writes a member of the report's top-level object: its key and its
/// value rendered pretty at depth 1.
fn json_field<T: Serialize + ?Sized>(
    out: &mut impl std::io::Write,
    first: bool,
    key: &str,
    value: &T,
) -> std::io::Result<()> {
    json_key(out, first, key)?;
    let mut buf = Vec::new();
    indented(&serde_json::to_vec_pretty(value)?, b"\n  ", &mut buf);
    out.write_all(&buf)
}

/// Writes the key of a member of the report's top-level object.
fn json_key(out: &mut impl std::io::Write, first: bool, key: &str) -> std::io::Result<()> {
    out.write_all(if first { b"\n  \"" } else { b",\n  \"" })?;
    out.write_all(key.as_bytes())?;
    out.write_all(b"\": ")
}

/// Elements of a list [`json_list`] renders in one parallel window.
const LIST_WINDOW: usize = 1 << 14;

/// Writes a list member of the report's top-level object (never the
/// first member), its elements rendered in parallel: each window is
/// written while the next one is rendered.
fn json_list<T: Serialize + Sync>(
    out: &mut (impl std::io::Write + Send),
    key: &str,
    items: &[T],
) -> std::io::Result<()> {
    use rayon::prelude::*;
    json_key(out, false, key)?;
    out.write_all(b"[")?;
    if items.is_empty() {
        return out.write_all(b"]");
    }
    let render = |w: usize, window: &[T]| -> std::io::Result<Vec<Vec<u8>>> {
        window
            .par_chunks(256)
            .enumerate()
            .map(|(c, chunk)| {
                let mut buf = Vec::new();
                for (k, item) in chunk.iter().enumerate() {
                    let first = w == 0 && c == 0 && k == 0;
                    buf.extend_from_slice(if first { b"\n    " } else { b",\n    " });
                    let one = serde_json::to_vec_pretty(item).map_err(std::io::Error::from)?;
                    indented(&one, b"\n    ", &mut buf);
                }
                Ok(buf)
            })
            .collect()
    };
    let write = |out: &mut (dyn std::io::Write + Send), parts: Vec<Vec<u8>>| {
        parts.iter().try_for_each(|p| out.write_all(p))
    };
    let mut pending = Vec::new();
    for (w, window) in items.chunks(LIST_WINDOW).enumerate() {
        let (written, parts) = rayon::join(
            || write(&mut *out, std::mem::take(&mut pending)),
            || render(w, window),
        );
        written?;
        pending = parts?;
    }
    write(&mut *out, pending)?;
    out.write_all(b"\n  ]")
}

/// Appends `json` to `out` with every newline followed by `newline`'s
/// indentation (`newline` starts with the newline itself).
fn indented(json: &[u8], newline: &[u8], out: &mut Vec<u8>) {
    let mut rest = json;
    while let Some(at) = memchr::memchr(b'\n', rest) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(newline);
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
}
