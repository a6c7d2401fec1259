//! Streaming queries: one JSONL document in, one JSON line out, each
//! document answered on its own against the index (as a scan of the
//! indexed documents plus that one document would answer).

use std::io::{BufRead, Write};
use std::path::Path;

use serde::Serialize;

use super::fast;
use super::input::Ids;
use super::state::State;
use crate::config::Config;
use crate::corpus::{self, Compression, Document, FileKind, InputFile, Origin, Record};
use crate::error::{Error, Result};
use crate::pipeline::{self, Doc};
use crate::progress::{Progress, Silent};
use crate::segment::{segment, Markers, Segmented};
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

/// The indexed documents, analysed once, answering one document at a
/// time: by looking up the indexed structures when it can, else by running
/// the whole pipeline over the indexed documents plus that one.
pub struct Streamer {
    state: State,
    ids: Ids,
    markers: Markers,
    fast: u64,
    slow: u64,
}

impl Streamer {
    /// Prepares the indexed documents `indexed` (call inside a thread
    /// pool of `cfg.threads`).
    pub fn new(indexed: Vec<Document>, cfg: &Config, progress: &dyn Progress) -> Self {
        let ids = Ids::new(indexed.iter().map(|d| d.id.as_str()));
        let corpus = pipeline::from_documents(indexed, cfg);
        Streamer {
            state: State::new(corpus, cfg, progress),
            ids,
            markers: Markers::new(cfg),
            fast: 0,
            slow: 0,
        }
    }

    /// How many documents were answered by the fast path and by the
    /// whole pipeline.
    pub fn counts(&self) -> (u64, u64) {
        (self.fast, self.slow)
    }

    fn prepare(&self, mut doc: Document) -> (Document, Segmented) {
        doc.id = self.ids.peek(&doc.id);
        let seg = segment(&doc.text, &mut self.markers.normalizer(), &self.markers);
        (doc, seg)
    }

    /// The indexed documents related to `doc`, and `doc`'s id (renamed
    /// `id#2`… when an indexed document has it).
    pub fn answer(&mut self, doc: Document) -> (String, Vec<Match>) {
        let (doc, seg) = self.prepare(doc);
        if let Some(found) = fast::relate(&self.state, &seg) {
            self.fast += 1;
            return (doc.id, fast::matches(&self.state, found));
        }
        self.slow += 1;
        self.whole_pipeline(doc, seg)
    }

    /// The answer of the whole pipeline over the indexed documents plus
    /// `doc`: the reference the fast path must equal.
    pub fn answer_slowly(&mut self, doc: Document) -> (String, Vec<Match>) {
        let (doc, seg) = self.prepare(doc);
        self.whole_pipeline(doc, seg)
    }

    fn whole_pipeline(&mut self, doc: Document, seg: Segmented) -> (String, Vec<Match>) {
        let mut corpus = std::mem::take(&mut self.state.corpus);
        let n = corpus.docs.len();
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
        let scan = pipeline::analyze(corpus, &self.state.cfg, &Silent, pipeline::timer());
        let mut corpus = scan.corpus;
        corpus.records -= 1;
        let id = corpus.docs.pop().map(|d| d.doc.id).unwrap_or_default();
        self.state.corpus = corpus;
        let mut matches: Vec<Match> = scan
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
        matches.sort_by(|a, b| a.id.cmp(&b.id));
        (id, matches)
    }
}

/// What a streaming query did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Streamed {
    /// Lines written (one per record).
    pub lines: u64,
    /// Documents answered by looking up the indexed structures.
    pub fast: u64,
    /// Documents answered by running the whole pipeline.
    pub slow: u64,
}

/// Answers every JSONL record of `input` with one line on `output`,
/// flushed as soon as it is written, working on `pool`.
pub fn run(
    streamer: &mut Streamer,
    pool: &rayon::ThreadPool,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    cfg: &Config,
) -> Result<Streamed> {
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
            offset: 0,
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
    let (fast, slow) = streamer.counts();
    Ok(Streamed {
        lines: answered,
        fast,
        slow,
    })
}
