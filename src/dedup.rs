//! `dedup`: writing one kept document per duplicate cluster plus every
//! other record, and the removed documents with what they duplicate.
//!
//! The inputs are read a second time, record by record, so JSONL records
//! keep all their fields; a record that is not a duplicate is copied byte
//! for byte unless its text is stripped. Records that could not be
//! compared (malformed lines, missing text) are kept as they are: kept
//! plus removed is always the whole input.

use std::io::Write;

use serde_json::{Map, Value};

use crate::config::Config;
use crate::corpus::{self, FileKind};
use crate::error::{Error, Result};
use crate::pipeline::{removals, Scan};

/// What `--strip` removes from kept texts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Strip {
    /// Remove boilerplate lines.
    pub boilerplate: bool,
    /// Remove appended tails.
    pub tails: bool,
}

/// Counts of a dedup run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DedupStats {
    /// Records written to the kept output.
    pub kept: u64,
    /// Records written to the removed output.
    pub removed: u64,
}

/// The text of document `i` with the parts `strip` names cut out.
pub fn stripped(scan: &Scan, i: usize, strip: Strip) -> String {
    let content = scan.corpus.content(i);
    let body = &scan.bodies[i];
    let text = content.text();
    let end = if strip.tails {
        body.end as usize
    } else {
        text.len()
    };
    let mut out = String::with_capacity(end);
    let mut pos = 0usize;
    if strip.boilerplate {
        for (line, mark) in content.seg().lines.iter().zip(&body.marks) {
            let (s, mut e) = (line.start as usize, line.end as usize);
            if mark.is_none() || s >= end {
                continue;
            }
            if text[e..].starts_with('\n') {
                e += 1;
            }
            out.push_str(&text[pos..s.max(pos)]);
            pos = e.min(end);
        }
    }
    if pos < end {
        out.push_str(&text[pos..end]);
    }
    if strip.tails && body.tail.is_some() {
        out.truncate(out.trim_end().len());
    }
    out
}

/// Writes the kept and removed records.
pub fn write<'w>(
    scan: &Scan,
    cfg: &Config,
    strip: Strip,
    kept: &'w mut dyn Write,
    mut removed: Option<&'w mut dyn Write>,
) -> Result<DedupStats> {
    let gone = removals(&scan.clusters, &scan.edges, scan.corpus.docs.len());
    let mut stats = DedupStats::default();
    let mut next_doc = 0usize;
    let mut record = 0u64;
    let mut failure: Option<Error> = None;
    let files = &scan.corpus.files;
    corpus::read_records(
        files,
        4 << 20,
        |batch| {
            for rec in batch {
                let docs = &scan.corpus.docs;
                let doc =
                    (next_doc < docs.len() && docs[next_doc].record == record).then_some(next_doc);
                record += 1;
                let Some(i) = doc else {
                    if let Err(e) = kept
                        .write_all(&rec.bytes)
                        .and_then(|()| kept.write_all(b"\n"))
                    {
                        failure = Some(Error::io("kept output", e));
                        return false;
                    }
                    stats.kept += 1;
                    continue;
                };
                next_doc += 1;
                let file = &files[rec.file as usize];
                let line = match gone[i] {
                    Some((rep, via, rel)) => {
                        let mut obj = record_object(scan, i, &rec.bytes, &file.kind, cfg, None);
                        let note = serde_json::json!({
                            "kept": scan.corpus.docs[rep as usize].doc.id,
                            "relation": rel.as_str(),
                            "matched": scan.corpus.docs[via as usize].doc.id,
                        });
                        obj.insert("neardup".into(), note);
                        stats.removed += 1;
                        Some((true, Value::Object(obj).to_string().into_bytes()))
                    }
                    None if strip != Strip::default()
                        || matches!(file.kind, FileKind::Txt { .. }) =>
                    {
                        let text = stripped(scan, i, strip);
                        let obj = record_object(scan, i, &rec.bytes, &file.kind, cfg, Some(text));
                        stats.kept += 1;
                        Some((false, Value::Object(obj).to_string().into_bytes()))
                    }
                    None => {
                        stats.kept += 1;
                        None
                    }
                };
                let (to_removed, bytes) = line.unwrap_or((false, rec.bytes.clone()));
                let out: Option<&mut dyn Write> = if to_removed {
                    removed.as_deref_mut()
                } else {
                    Some(&mut *kept)
                };
                if let Some(out) = out {
                    if let Err(e) = out.write_all(&bytes).and_then(|()| out.write_all(b"\n")) {
                        failure = Some(Error::io(
                            if to_removed {
                                "removed output"
                            } else {
                                "kept output"
                            },
                            e,
                        ));
                        return false;
                    }
                }
            }
            true
        },
        |_| {},
    );
    match failure {
        Some(e) => Err(e),
        None => Ok(stats),
    }
}

/// The record as a JSON object: the original JSONL object, or for a
/// `.txt` file `{"id", "source", "text"}`; `text` replaces the text field.
fn record_object(
    scan: &Scan,
    i: usize,
    bytes: &[u8],
    kind: &FileKind,
    cfg: &Config,
    text: Option<String>,
) -> Map<String, Value> {
    let d = &scan.corpus.docs[i].doc;
    let mut obj = match kind {
        FileKind::Jsonl(_) => match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        },
        FileKind::Txt { .. } => Map::new(),
    };
    if obj.is_empty() {
        obj.insert(cfg.input.id_field.clone(), Value::String(d.id.clone()));
        if let Some(s) = &d.source {
            obj.insert(cfg.input.source_field.clone(), Value::String(s.clone()));
        }
        let text = scan.corpus.content(i).text().to_string();
        obj.insert(cfg.input.text_field.clone(), Value::String(text));
    }
    if let Some(t) = text {
        obj.insert(cfg.input.text_field.clone(), Value::String(t));
    }
    obj
}
