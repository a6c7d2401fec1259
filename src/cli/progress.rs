//! Progress bars on standard error (indicatif), hidden when standard
//! error is not a terminal or with `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::Progress;

/// indicatif bars, one per stage.
pub struct Bars {
    enabled: bool,
    bar: Mutex<Option<ProgressBar>>,
    timings: bool,
    stage: Mutex<Option<(&'static str, Option<u64>, Instant)>>,
}

impl Bars {
    /// Bars unless `quiet`; with `timings`, each stage's wall time is
    /// printed on standard error when it ends.
    pub fn new(quiet: bool, timings: bool) -> Self {
        Bars {
            enabled: !quiet && std::io::stderr().is_terminal(),
            bar: Mutex::new(None),
            timings,
            stage: Mutex::new(None),
        }
    }
}

impl Progress for Bars {
    fn start(&self, stage: &'static str, total: Option<u64>) {
        if let Ok(mut slot) = self.stage.lock() {
            *slot = Some((stage, total, Instant::now()));
        }
        if !self.enabled {
            return;
        }
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template("{prefix:>12} [{bar:30}] {percent:>3}% {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{prefix:>12} {spinner} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_prefix(stage);
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        if !self.enabled {
            return;
        }
        if let Ok(slot) = self.bar.lock() {
            if let Some(b) = slot.as_ref() {
                b.inc(n);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.stage.lock() {
            if let (true, Some((stage, total, t))) = (self.timings, slot.take()) {
                let n = total.map(|n| format!(" ({n})")).unwrap_or_default();
                let peak = peak_mb()
                    .map(|m| format!(", peak {m} MiB"))
                    .unwrap_or_default();
                eprintln!("{stage:>12}: {:.3} s{n}{peak}", t.elapsed().as_secs_f64());
            }
        }
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(b) = slot.take() {
                b.finish_and_clear();
            }
        }
    }
}

/// The process's peak resident memory so far, in MiB (Linux's `VmHWM`;
/// none elsewhere): printed with `--timings`, it tells which stage set the
/// peak.
fn peak_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}
