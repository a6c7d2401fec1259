//! The command line: argument parsing, progress bars and exit codes. All
//! work is done by the library; this module only turns arguments into one
//! [`Config`] and calls it.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod index;
mod progress;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::Config;
use crate::dedup::{self, Strip};
use crate::pipeline;
use crate::progress::Progress;
use progress::Bars;

/// Find near-duplicate and reused text in scraped news corpora.
#[derive(Parser, Debug)]
#[command(name = "neardup", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Report duplicates, shared passages, tails and boilerplate.
    Scan {
        #[command(flatten)]
        common: Common,
        /// Write the full JSON report here.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Write one document per duplicate cluster plus all others.
    Dedup {
        #[command(flatten)]
        common: Common,
        /// Kept documents (JSONL).
        #[arg(long)]
        out: PathBuf,
        /// Removed documents (JSONL), each with the id it duplicates.
        #[arg(long)]
        removed: Option<PathBuf>,
        /// Cut these from kept texts: `boilerplate`, `tails` or both.
        #[arg(long, value_delimiter = ',')]
        strip: Vec<String>,
        /// Also write the JSON report here.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Score a report against gold labels: pairs JSONL, clusters JSONL or
    /// a PAN-style annotation folder (AraPlagDet).
    Eval {
        /// The report to score.
        #[arg(long)]
        report: PathBuf,
        /// The gold labels.
        #[arg(long)]
        gold: PathBuf,
        /// Only these report relations (comma-separated).
        #[arg(long, value_delimiter = ',')]
        relation: Vec<String>,
        /// Cluster kind compared with clusters gold: duplicate or story.
        #[arg(long, default_value = "duplicate")]
        cluster_kind: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Build, extend, inspect or compact a persistent index.
    #[command(subcommand)]
    Index(index::IndexCommand),
    /// Report the relations of new documents to an index's documents and
    /// to each other, without adding them (`-`: stream JSONL).
    Query(index::QueryArgs),
}

#[derive(Args, Debug)]
struct Common {
    /// Folders, files (*.txt, *.jsonl, *.jsonl.gz, *.jsonl.zst) or `-` for
    /// JSONL on standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Jaccard threshold for near duplicates.
    #[arg(long, default_value_t = 0.5)]
    threshold: f64,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Document level only: duplicate, near_duplicate, contains.
    #[arg(long)]
    no_passages: bool,
    /// No tails without a marker (trailing copies of other documents):
    /// lets `query` and `index add` answer from the index's stored
    /// analysis.
    #[arg(long, conflicts_with = "trailing_tails")]
    no_trailing_tails: bool,
    /// Tails without a marker in streaming queries (`query INDEX -`),
    /// which leave them out by default: each document then needs the
    /// whole pipeline (seconds per document instead of milliseconds).
    #[arg(long)]
    trailing_tails: bool,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
    /// Print each stage's wall time on standard error.
    #[arg(long)]
    timings: bool,
    /// JSONL field holding the id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// JSONL field holding the text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// JSONL field holding the source.
    #[arg(long, default_value = "source")]
    source_field: String,
    /// Words per shingle.
    #[arg(long, default_value_t = 5)]
    shingle_words: usize,
    /// MinHash permutations (bins).
    #[arg(long, default_value_t = 128)]
    permutations: usize,
    /// LSH bands (with --rows; default: chosen from the threshold).
    #[arg(long, requires = "rows")]
    bands: Option<usize>,
    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands")]
    rows: Option<usize>,
    /// Keep ta marbuta (ة) distinct from ha (ه).
    #[arg(long)]
    keep_ta_marbuta: bool,
    /// MiB of texts and token data held in memory; beyond it they are
    /// spilled to a temporary file (same results, bounded memory).
    #[arg(long, default_value_t = 1024, value_name = "MIB")]
    spill_above: u64,
    /// Folder for spill files (default: the system temporary folder).
    #[arg(long, value_name = "DIR")]
    spill_dir: Option<PathBuf>,
}

impl Common {
    fn config(&self) -> Config {
        let mut cfg = Config {
            threshold: self.threshold,
            threads: self.threads,
            passages: !self.no_passages,
            trailing_tails: !self.no_trailing_tails,
            shingle_words: self.shingle_words,
            permutations: self.permutations,
            bands: self.bands,
            rows: self.rows,
            spill_above: self.spill_above.saturating_mul(1 << 20),
            spill_dir: self.spill_dir.clone(),
            ..Config::default()
        };
        cfg.input.id_field.clone_from(&self.id_field);
        cfg.input.text_field.clone_from(&self.text_field);
        cfg.input.source_field.clone_from(&self.source_field);
        cfg.normalize.ta_marbuta = !self.keep_ta_marbuta;
        cfg
    }
}

/// Parses the arguments, runs, and maps the outcome to an exit code:
/// 0 on success, 2 on error. A closed standard output exits quietly.
pub fn run() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match dispatch(cli, &matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let broken = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(broken)
                    || matches!(c.downcast_ref::<crate::Error>(),
                        Some(crate::Error::Io { error, .. }) if broken(error))
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("neardup: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli, matches: &clap::ArgMatches) -> Result<()> {
    match cli.command {
        Command::Index(cmd) => {
            let sub = matches
                .subcommand_matches("index")
                .and_then(|m| m.subcommand().map(|(_, m)| m));
            index::run_index(cmd, sub)
        }
        Command::Query(args) => index::run_query(args, matches.subcommand_matches("query")),
        Command::Scan { common, report } => {
            let cfg = common.config();
            let bars = Bars::new(common.quiet, common.timings);
            let scan = pipeline::scan(&common.paths, &cfg, &bars)?;
            if let Some(path) = &report {
                bars.start("writing report", None);
                write_report(path, &scan.report)?;
                bars.finish();
            }
            let printed = print_summary(&scan.report.summary());
            // The process ends here: freeing the scan piece by piece (a
            // million documents' ids, bodies and pairs) would only delay
            // the exit, by seconds at a million documents.
            std::mem::forget(scan);
            printed
        }
        Command::Eval {
            report,
            gold,
            relation,
            cluster_kind,
            json,
        } => eval(&report, &gold, relation, &cluster_kind, json),
        Command::Dedup {
            common,
            out,
            removed,
            strip,
            report,
        } => {
            let strip = parse_strip(&strip)?;
            let cfg = common.config();
            let (_spool, paths) = spool_stdin(&common.paths)?;
            let scan = pipeline::scan(&paths, &cfg, &Bars::new(common.quiet, common.timings))?;
            if let Some(path) = &report {
                write_report(path, &scan.report)?;
            }
            let mut kept = BufWriter::new(create(&out)?);
            let mut rem = removed
                .as_ref()
                .map(|p| create(p).map(BufWriter::new))
                .transpose()?;
            let stats = dedup::write(
                &scan,
                &cfg,
                strip,
                &mut kept,
                rem.as_mut().map(|w| w as &mut dyn Write),
            )?;
            kept.flush().with_context(|| out.display().to_string())?;
            if let Some(w) = rem.as_mut() {
                w.flush().context("removed output")?;
            }
            print_summary(&format!(
                "{}kept {} records in {}, removed {}{}\n",
                scan.report.summary(),
                stats.kept,
                out.display(),
                stats.removed,
                removed
                    .map(|p| format!(" into {}", p.display()))
                    .unwrap_or_default()
            ))
        }
    }
}

fn eval(report: &Path, gold: &Path, relation: Vec<String>, kind: &str, json: bool) -> Result<()> {
    let options = crate::eval::EvalOptions {
        relations: relation,
        cluster_kind: kind.parse().map_err(|e: String| anyhow::anyhow!(e))?,
    };
    let result = crate::eval::run(report, gold, &options)?;
    if json {
        print_summary(&format!("{}\n", result.to_json()?))
    } else {
        print_summary(&result.render_text())
    }
}

fn parse_strip(items: &[String]) -> Result<Strip> {
    let mut s = Strip::default();
    for it in items {
        match it.trim() {
            "boilerplate" => s.boilerplate = true,
            "tails" => s.tails = true,
            other => anyhow::bail!("--strip takes boilerplate and/or tails, not {other:?}"),
        }
    }
    Ok(s)
}

/// `dedup` reads its input twice, so standard input is saved to a
/// temporary file first.
fn spool_stdin(paths: &[PathBuf]) -> Result<(Option<tempfile::TempDir>, Vec<PathBuf>)> {
    if !paths.iter().any(|p| p.as_os_str() == "-") {
        return Ok((None, paths.to_vec()));
    }
    let dir = tempfile::tempdir().context("temporary folder for standard input")?;
    let file = dir.path().join("stdin.jsonl");
    let mut w = BufWriter::new(create(&file)?);
    std::io::copy(&mut std::io::stdin().lock(), &mut w).context("reading standard input")?;
    w.flush().context("spooling standard input")?;
    let paths = paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                file.clone()
            } else {
                p.clone()
            }
        })
        .collect();
    Ok((Some(dir), paths))
}

fn create(path: &Path) -> Result<File> {
    File::create(path).with_context(|| format!("cannot create {}", path.display()))
}

/// Writes `report` to `path` as JSON, streamed.
fn write_report(path: &Path, report: &crate::report::Report) -> Result<()> {
    let mut out = BufWriter::new(create(path)?);
    report
        .write_json(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn print_summary(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(())
}
