//! Streaming queries: one JSONL document in, one JSON line out, each
//! document answered on its own against the index (as a scan of the
//! indexed documents plus that one document would answer).

use std::io::{BufRead, Write};
use std::path::Path;

use serde::Serialize;

use super::input::Ids;
use crate::config::Config;
use crate::corpus::{self, Compression, Document, FileKind, InputFile, Origin, Record};
use crate::error::{Error, Result};
use crate::pipeline::{self, Corpus, Doc};
use crate::progress::Silent;
use crate::segment::{segment, Markers};
use crate::verify::Relation;

/// One indexed document related to a streamed one.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Match {
    /// The indexed document's id.
    pub id: String,
    /// The strongest relation.
    pub relation: Relation,
    /// Exact body Jaccard.
    pub jaccard: f64,
    /// Exact containment of the smaller body.
    pub containment: f64,
}

/// The answer for one streamed record.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Line {
    /// The document's id (renamed `id#2`… when an indexed document has
    /// it), or `null` for a record that is no document.
    pub id: Option<String>,
    /// The record's 1-based line on the input.
    pub line: u64,
    /// Related indexed documents, by id.
    pub matches: Vec<Match>,
    /// Problems with the record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The indexed documents, segmented once, answering one document at a
/// time.
pub struct Streamer {
    corpus: Option<Corpus>,
    ids: Ids,
    markers: Markers,
    cfg: Config,
}

impl Streamer {
    /// Prepares the indexed documents `indexed` (call inside
    /// [`pipeline::in_pool`]).
    pub fn new(indexed: Vec<Document>, cfg: &Config) -> Self {
        let ids = Ids::new(indexed.iter().map(|d| d.id.as_str()));
        Streamer {
            corpus: Some(pipeline::from_documents(indexed, cfg)),
            ids,
            markers: Markers::new(cfg),
            cfg: cfg.clone(),
        }
    }

    /// The indexed documents related to `doc`.
    pub fn answer(&mut self, mut doc: Document) -> (String, Vec<Match>) {
        let mut ids = self.ids.clone();
        ids.claim(&mut doc, "-", 0, &mut Vec::new());
        let mut corpus = self.corpus.take().unwrap_or_default();
        let n = corpus.docs.len();
        let seg = segment(&doc.text, &mut self.markers.normalizer(), &self.markers);
        corpus.docs.push(Doc {
            doc,
            origin: Origin {
                file: 0,
                line: n as u64 + 1,
            },
            record: n as u64,
            seg,
        });
        corpus.records += 1;
        let scan = pipeline::analyze(corpus, &self.cfg, &Silent, pipeline::timer());
        let mut corpus = scan.corpus;
        corpus.records -= 1;
        let id = corpus.docs.pop().map(|d| d.doc.id).unwrap_or_default();
        self.corpus = Some(corpus);
        let matches = scan
            .report
            .pairs
            .into_iter()
            .filter_map(|p| {
                let other = if p.a == id {
                    p.b
                } else if p.b == id {
                    p.a
                } else {
                    return None;
                };
                Some(Match {
                    id: other,
                    relation: p.relation,
                    jaccard: p.jaccard,
                    containment: p.containment,
                })
            })
            .collect();
        (id, matches)
    }
}

/// Answers every JSONL record of `input` with one line on `output`,
/// flushed as soon as it is written, working on `pool`.
pub fn run(
    streamer: &mut Streamer,
    pool: &rayon::ThreadPool,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    cfg: &Config,
) -> Result<u64> {
    let file = InputFile {
        path: "-".into(),
        display: "-".into(),
        kind: FileKind::Jsonl(Compression::None),
    };
    let io = |e| Error::io(Path::new("-"), e);
    let mut line = 0u64;
    let mut answered = 0;
    loop {
        let mut bytes = Vec::new();
        if input.read_until(b'\n', &mut bytes).map_err(io)? == 0 {
            break;
        }
        line += 1;
        while matches!(bytes.last(), Some(b'\n' | b'\r')) {
            bytes.pop();
        }
        if line == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let rec = Record {
            file: 0,
            line,
            bytes,
        };
        let (doc, warns) = corpus::parse_record(&rec, &file, &cfg.input);
        let warnings = warns.into_iter().map(|w| w.message).collect();
        let out = match doc {
            Some(d) => {
                let (id, matches) = pool.install(|| streamer.answer(d));
                Line {
                    id: Some(id),
                    line,
                    matches,
                    warnings,
                }
            }
            None => Line {
                id: None,
                line,
                matches: Vec::new(),
                warnings,
            },
        };
        let mut s = serde_json::to_string(&out).unwrap_or_default();
        s.push('\n');
        output.write_all(s.as_bytes()).map_err(io)?;
        output.flush().map_err(io)?;
        answered += 1;
    }
    Ok(answered)
}
