//! `neardup index build|add|info|compact` and `neardup query`.
//!
//! Against an index, a run uses the index's parameters; a parameter given
//! on the command line overrides it, and the library refuses (with
//! `Error::Index`) one the index cannot answer, such as another shingle
//! size.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Subcommand};

use super::progress::Bars;
use super::{print_summary, write_report, Common};
use crate::config::Config;
use crate::index::{self, Index};
use crate::progress::Progress;

/// `neardup index …`
#[derive(Subcommand, Debug)]
pub(super) enum IndexCommand {
    /// Build an index of the documents under PATH.
    Build {
        #[command(flatten)]
        common: Common,
        /// The index file to write (replaced if it exists).
        #[arg(long)]
        index: PathBuf,
    },
    /// Add documents to an index, reporting their relations to the
    /// indexed documents and to each other.
    Add {
        /// The index file.
        index: PathBuf,
        #[command(flatten)]
        common: Common,
        /// Write the full JSON report here.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Print an index's parameters, counts and sizes.
    Info {
        /// The index file.
        index: PathBuf,
    },
    /// Merge an index's segments into one.
    Compact {
        /// The index file.
        index: PathBuf,
    },
}

/// `neardup query …`
#[derive(Args, Debug)]
pub(super) struct QueryArgs {
    /// The index file.
    index: PathBuf,
    #[command(flatten)]
    common: Common,
    /// Write the full JSON report here (not with `-`, which streams).
    #[arg(long)]
    report: Option<PathBuf>,
}

/// Runs `neardup index …`; `matches` are the subcommand's own.
pub(super) fn run_index(cmd: IndexCommand, matches: Option<&ArgMatches>) -> Result<()> {
    match cmd {
        IndexCommand::Build { common, index } => {
            let cfg = common.config();
            let bars = Bars::new(common.quiet, common.timings);
            let w = index::build(&index, &common.paths, &cfg, &bars)?;
            let mut s = format!(
                "indexed {} documents into {} ({} bytes), {} warnings\n",
                w.documents,
                index.display(),
                w.bytes,
                w.warnings.len()
            );
            for warning in w.warnings.iter().take(5) {
                let line = warning.line.map(|l| format!(":{l}")).unwrap_or_default();
                let _ = writeln!(s, "  {}{line}: {}", warning.path, warning.message);
            }
            print_summary(&s)
        }
        IndexCommand::Add {
            index,
            common,
            report,
        } => {
            let opened = Index::open(&index)?;
            let cfg = resolve(&common, matches, &opened);
            drop(opened);
            let bars = Bars::new(common.quiet, common.timings);
            let (r, route) = index::add_route(&index, &common.paths, &cfg, &bars)?;
            if let Some(path) = &report {
                write_report(path, &r)?;
            }
            print_summary(&format!(
                "added to {}, {route}:\n{}",
                index.display(),
                r.summary()
            ))
        }
        IndexCommand::Info { index } => info(&index),
        IndexCommand::Compact { index } => {
            let w = index::compact(&index)?;
            print_summary(&format!(
                "compacted {}: {} documents in one segment, {} bytes\n",
                index.display(),
                w.documents,
                w.bytes
            ))
        }
    }
}

/// Runs `neardup query …`; `matches` are the subcommand's own.
pub(super) fn run_query(args: QueryArgs, matches: Option<&ArgMatches>) -> Result<()> {
    let QueryArgs {
        index: path,
        common,
        report,
    } = args;
    let bars = Bars::new(common.quiet, common.timings);
    bars.start("opening", None);
    let opened = Index::open(&path)?;
    bars.finish();
    let mut cfg = resolve(&common, matches, &opened);
    if common.paths.len() == 1 && common.paths[0].as_os_str() == "-" {
        // A scraper pipes one article at a time and waits: tails without
        // a marker (whole-corpus statistics, so the whole pipeline for
        // every document) only when asked for.
        cfg.trailing_tails = common.trailing_tails;
        anyhow::ensure!(
            report.is_none(),
            "`query INDEX -` streams one JSON line per document; --report is not available"
        );
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut output = BufWriter::new(std::io::stdout().lock());
        let done = index::stream(&opened, &mut input, &mut output, &cfg, &bars)?;
        output.flush()?;
        if !common.quiet {
            eprintln!(
                "streamed {} records against {} indexed documents: {} answered by lookup, {} by \
                 the whole pipeline",
                done.lines,
                opened.len(),
                done.fast,
                done.slow
            );
        }
        return Ok(());
    }
    let (r, route) = index::query_route(&opened, &common.paths, &cfg, &bars)?;
    if let Some(path) = &report {
        write_report(path, &r)?;
    }
    print_summary(&format!(
        "against {} indexed documents, {route}:\n{}",
        opened.len(),
        r.summary()
    ))
}

/// The index's parameters, with those given on the command line instead.
fn resolve(common: &Common, matches: Option<&ArgMatches>, index: &Index) -> Config {
    let given = common.config();
    let mut cfg = index.params().config(&given);
    let explicit =
        |id: &str| matches.is_some_and(|m| m.value_source(id) == Some(ValueSource::CommandLine));
    if explicit("threshold") {
        cfg.threshold = given.threshold;
    }
    if explicit("shingle_words") {
        cfg.shingle_words = given.shingle_words;
    }
    if explicit("permutations") {
        cfg.permutations = given.permutations;
    }
    if explicit("bands") {
        cfg.bands = given.bands;
        cfg.rows = given.rows;
    }
    if explicit("keep_ta_marbuta") {
        cfg.normalize.ta_marbuta = given.normalize.ta_marbuta;
    }
    if explicit("no_passages") {
        cfg.passages = false;
    }
    cfg
}

fn info(path: &Path) -> Result<()> {
    let index = Index::open(path)?;
    let p = index.params();
    let segments = index.segments();
    let text: u64 = segments.iter().map(|s| s.text_bytes).sum();
    let stored: u64 = segments.iter().map(|s| s.stored_bytes).sum();
    let mut s = format!(
        "index: {}\nformat: {} (built by neardup {})\nfile: {} bytes",
        path.display(),
        index::format::VERSION,
        p.tool_version,
        index.file_len()
    );
    let trailing = index.file_len() - index.committed_len();
    if trailing > 0 {
        let _ = write!(
            s,
            " ({trailing} bytes of an unfinished write past the committed end, ignored)"
        );
    }
    let _ = write!(
        s,
        "\ndocuments: {} ({} of text, {} stored)\nsegments: {} document segments\n",
        index.len(),
        human(text),
        human(stored),
        segments.len()
    );
    for (i, seg) in segments.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {:>3}: {} documents, {} of text, {} stored, added at {} (Unix time), \
             fields {}/{}/{}",
            i + 1,
            seg.documents,
            human(seg.text_bytes),
            human(seg.stored_bytes),
            seg.added,
            seg.fields[0],
            seg.fields[1],
            seg.fields[2]
        );
    }
    let analysis = index.analysis_sizes();
    if analysis.is_empty() {
        let _ = writeln!(
            s,
            "analysis: none (queries run the whole pipeline; `neardup index compact` adds one)"
        );
    } else {
        let _ = writeln!(
            s,
            "analysis: {} segments, {} stored",
            analysis.len(),
            human(analysis.iter().sum())
        );
    }
    let tails = match index.tails_state()? {
        None => "none (queries with them run the whole pipeline; an `index add` \
                 with them stores one)"
            .to_string(),
        Some((bytes, docs)) if docs == index.len() as u64 => {
            format!("state of all {docs} documents, {} stored", human(bytes))
        }
        Some((bytes, docs)) => format!(
            "stale (state of the first {docs} documents, {} stored; queries with them \
             run the whole pipeline until an `index add` with them)",
            human(bytes)
        ),
    };
    let _ = writeln!(s, "tails without a marker: {tails}");
    let settings = serde_json::to_string_pretty(&p.settings).context("parameters")?;
    let _ = writeln!(s, "parameters: {settings}");
    let _ = writeln!(
        s,
        "hash seeds: {}",
        p.seeds
            .iter()
            .map(|x| format!("{x:#018x}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    print_summary(&s)
}

/// `bytes` for people: B, kB, MB or GB (powers of 1000).
fn human(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.2} GB", bytes as f64 / 1e9),
    }
}
