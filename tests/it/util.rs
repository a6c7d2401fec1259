use std::path::{Path, PathBuf};

use neardup::pipeline::{self, Scan};
use neardup::progress::Silent;
use neardup::report::Report;
use neardup::Config;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn shared_data() -> PathBuf {
    repo().join("../shared/data")
}

pub fn scan(paths: &[PathBuf], cfg: &Config) -> Scan {
    pipeline::scan(paths, cfg, &Silent).unwrap()
}

pub fn scan_seeds() -> Scan {
    scan(&[repo().join("data")], &Config::default())
}

/// The report as JSON with the wall time zeroed: the one field that may
/// differ between runs.
pub fn stable_json(report: &Report) -> String {
    let mut r = report.clone();
    r.stats.seconds = 0.0;
    r.to_json()
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The relation the report gives the pair `a`, `b`, if any.
pub fn relation(r: &Report, a: &str, b: &str) -> Option<String> {
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    r.pairs
        .iter()
        .find(|p| p.a == a && p.b == b)
        .map(|p| p.relation.as_str().to_string())
}
