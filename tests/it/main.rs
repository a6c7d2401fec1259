//! Integration tests, one binary.
//!
//! - `seeds`: the five seed articles in `data/` (SPEC §1, issue 3).
//! - `input`: bad and unusual input becomes warnings, never lost data.
//! - `dedup`: kept + removed = input; strip.
//! - `determinism`: 1 and 4 threads give the same report.
//! - `trailing`: tails without a marker (copies of other bodies).
//! - `bags`: bags of words rest on rare words.
//! - `cli`: the command line, exit codes and summary.
//! - `corpora`: the big corpora in `../shared/data` (ignored by default).

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::format_collect
)]

mod bags;
mod cli;
mod corpora;
mod dedup;
mod determinism;
mod input;
mod seeds;
mod trailing;
mod util;
