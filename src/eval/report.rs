//! The part of a schema-1 `neardup` report (SPEC §5) that evaluation reads.
//!
//! Deserialization is lenient: unknown fields are ignored, missing
//! `documents`, `pairs` and `clusters` arrays are empty, and a missing
//! `schema` field is accepted. A `schema` other than 1 is an error.

use std::path::Path;

use serde::Deserialize;

use super::EvalError;

/// The fields of a report that the evaluation needs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ReportView {
    /// The ids of `documents[]`, in report order.
    #[serde(default, deserialize_with = "document_ids")]
    pub documents: Vec<String>,
    /// `pairs[]`: each unordered pair once, with its strongest relation.
    #[serde(default)]
    pub pairs: Vec<ReportPair>,
    /// `clusters[]`, of every kind.
    #[serde(default)]
    pub clusters: Vec<ReportCluster>,
}

/// One entry of `pairs[]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReportPair {
    /// Id of the first document.
    pub a: String,
    /// Id of the second document.
    pub b: String,
    /// The relation: `duplicate`, `near_duplicate`, `contains`,
    /// `shared_passages` or `tail_copy`.
    pub relation: String,
    /// Shared passages, as byte ranges into each document's text.
    #[serde(default)]
    pub passages: Vec<ReportPassage>,
}

/// One shared passage of a pair: `[start, end)` UTF-8 byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ReportPassage {
    /// Byte range in document `a`.
    pub a: [usize; 2],
    /// Byte range in document `b`.
    pub b: [usize; 2],
}

/// One entry of `clusters[]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReportCluster {
    /// `duplicate` or `story`.
    pub kind: String,
    /// The member document ids.
    pub members: Vec<String>,
}

#[derive(Deserialize)]
struct DocumentId {
    id: String,
}

#[derive(Deserialize)]
struct SchemaProbe {
    #[serde(default)]
    schema: Option<serde_json::Value>,
}

fn document_ids<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let docs = Vec::<DocumentId>::deserialize(deserializer)?;
    Ok(docs.into_iter().map(|d| d.id).collect())
}

/// Reads the report at `path`.
///
/// # Errors
///
/// [`EvalError::Io`] when the file cannot be read, [`EvalError::Report`]
/// when it is not a schema-1 report.
pub fn load_report(path: &Path) -> Result<ReportView, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|e| EvalError::io(path, e))?;
    parse_report(&text, path)
}

/// Parses report JSON text; `path` only names the report in errors.
///
/// # Errors
///
/// [`EvalError::Report`] when the text is not a schema-1 report.
pub fn parse_report(text: &str, path: &Path) -> Result<ReportView, EvalError> {
    let invalid = |message: String| EvalError::Report {
        path: path.to_path_buf(),
        message,
    };
    let probe: SchemaProbe = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    if let Some(schema) = probe.schema {
        if schema.as_u64() != Some(1) {
            return Err(invalid(format!("unsupported schema {schema}, expected 1")));
        }
    }
    serde_json::from_str(text).map_err(|e| invalid(e.to_string()))
}

/// The file name of a document id: the part after the last `/` or `\`.
///
/// Report ids of `.txt` files are paths relative to the scanned folder, so
/// PAN evaluation matches documents by this name.
pub(crate) fn basename(id: &str) -> &str {
    id.rsplit(['/', '\\']).next().unwrap_or(id)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_needed_fields_and_ignores_the_rest() {
        let json = r#"{
          "schema": 1, "tool": {"name": "neardup"}, "stats": {"documents": 3},
          "documents": [{"id": "001", "source": "x", "body": [0, 5]}, {"id": "002"}],
          "pairs": [{"a": "001", "b": "002", "relation": "shared_passages", "jaccard": 0.1,
                     "passages": [{"a": [1, 4], "b": [2, 5], "words": 3}]},
                    {"a": "001", "b": "003", "relation": "duplicate"}],
          "clusters": [{"id": 0, "kind": "story", "representative": "001",
                        "members": ["001", "002"]}],
          "boilerplate": []
        }"#;
        let report = parse_report(json, Path::new("r.json")).unwrap();
        assert_eq!(report.documents, ["001", "002"]);
        assert_eq!(report.pairs.len(), 2);
        assert_eq!(report.pairs[0].passages[0].a, [1, 4]);
        assert!(report.pairs[1].passages.is_empty());
        assert_eq!(report.clusters[0].kind, "story");
    }

    #[test]
    fn missing_arrays_are_empty_and_wrong_schema_fails() {
        let report = parse_report("{}", Path::new("r.json")).unwrap();
        assert_eq!(report, ReportView::default());
        let err = parse_report(r#"{"schema": 2}"#, Path::new("r.json")).unwrap_err();
        assert!(err.to_string().contains("unsupported schema 2"), "{err}");
        let err = parse_report(r#"{"pairs": [{"a": "x"}]}"#, Path::new("r.json")).unwrap_err();
        assert!(
            err.to_string().starts_with("r.json: invalid report"),
            "{err}"
        );
    }

    #[test]
    fn basename_strips_folders() {
        assert_eq!(
            basename("araplagdet/source-documents/source-document00402.txt"),
            "source-document00402.txt"
        );
        assert_eq!(basename("a\\b.txt"), "b.txt");
        assert_eq!(basename("plain"), "plain");
    }
}
