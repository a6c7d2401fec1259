//! Answering for new documents: the indexed documents and the new ones
//! go through the whole pipeline together, so every answer is exactly
//! that of a scan over both; the report then keeps what involves the new
//! documents.

use std::collections::BTreeMap;
use std::time::Instant;

use ahash::AHashSet;

use super::input::Input;
use crate::config::Config;
use crate::corpus::Document;
use crate::pipeline;
use crate::progress::Progress;
use crate::report::{ClusterKind, Report};

/// Runs the pipeline over `indexed` followed by `input`'s documents (ids
/// already unique) and returns the scan with the indexed count. Call
/// inside [`pipeline::in_pool`].
pub(crate) fn analyze(
    indexed: Vec<Document>,
    input: &Input,
    cfg: &Config,
    progress: &dyn Progress,
    start: Instant,
) -> (pipeline::Scan, usize) {
    let n = indexed.len();
    let mut docs = indexed;
    docs.extend(input.docs.iter().cloned());
    let corpus = pipeline::from_documents(docs, cfg);
    (pipeline::analyze(corpus, cfg, progress, start), n)
}

/// The report of `scan` restricted to the documents from index `first`
/// on (the new ones): their pairs, the clusters holding one of them, the
/// documents those pairs name, and the archive-wide boilerplate list.
/// Counts describe the new documents.
pub(crate) fn restrict(
    scan: &pipeline::Scan,
    first: usize,
    input: &Input,
    start: Instant,
) -> Report {
    let new: AHashSet<&str> = scan.corpus.docs[first..]
        .iter()
        .map(|d| d.doc.id.as_str())
        .collect();
    let full = &scan.report;
    let pairs: Vec<_> = full
        .pairs
        .iter()
        .filter(|p| new.contains(p.a.as_str()) || new.contains(p.b.as_str()))
        .cloned()
        .collect();
    let mut named: AHashSet<&str> = new.clone();
    for p in &pairs {
        named.insert(&p.a);
        named.insert(&p.b);
    }
    let documents = full
        .documents
        .iter()
        .filter(|d| named.contains(d.id.as_str()))
        .cloned()
        .collect();
    let mut clusters: Vec<_> = full
        .clusters
        .iter()
        .filter(|c| c.members.iter().any(|m| new.contains(m.as_str())))
        .cloned()
        .collect();
    for (i, c) in clusters.iter_mut().enumerate() {
        c.id = i;
    }
    let mut by_relation = BTreeMap::new();
    for p in &pairs {
        *by_relation
            .entry(p.relation.as_str().to_string())
            .or_insert(0) += 1;
    }
    let removable = clusters
        .iter()
        .filter(|c| c.kind == ClusterKind::Duplicate)
        .flat_map(|c| c.members.iter().filter(move |m| **m != c.representative))
        .filter(|m| new.contains(m.as_str()))
        .count();
    let mut warnings = input.warnings.clone();
    warnings.sort();
    let mut stats = full.stats.clone();
    stats.documents = new.len();
    stats.bytes = input.docs.iter().map(|d| d.text.len() as u64).sum();
    stats.seconds = (start.elapsed().as_secs_f64() * 10_000.0).round() / 10_000.0;
    stats.files = input.files.len();
    stats.records = input.records;
    stats.warnings = warnings.len();
    stats.pairs = by_relation;
    stats.removable = removable;
    Report {
        schema: full.schema,
        tool: full.tool.clone(),
        params: full.params.clone(),
        stats,
        warnings,
        documents,
        pairs,
        clusters,
        boilerplate: full.boilerplate.clone(),
    }
}
