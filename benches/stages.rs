//! Per-stage throughput (bytes of document text per second). Reads the
//! first 3,000 SaudiNewsNet articles from `../shared/data` when present,
//! else the seed articles in `data/`. Each bench asserts the count it
//! expects, so a fast but wrong change fails.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::io::BufRead;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use neardup::config::Config;
use neardup::passage;
use neardup::pipeline::{self, Corpus};
use neardup::progress::Silent;
use neardup::segment::{segment, Markers};
use neardup::{lsh, minhash, shingle, verify};

fn corpus() -> Corpus {
    let cfg = Config::default();
    let gz = std::path::Path::new("../shared/data/saudinewsnet/docs.jsonl.gz");
    if gz.exists() {
        let r = std::io::BufReader::new(flate2::read::GzDecoder::new(
            std::fs::File::open(gz).unwrap(),
        ));
        let docs = r
            .lines()
            .take(3000)
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
                neardup::corpus::Document {
                    id: v["url"].as_str().unwrap().to_string(),
                    source: v["source"].as_str().map(str::to_string),
                    text: v["content"].as_str().unwrap().to_string(),
                }
            })
            .collect();
        pipeline::from_documents(docs, &cfg)
    } else {
        pipeline::load(&["data".into()], &cfg, &Silent).unwrap()
    }
}

fn stages(c: &mut Criterion) {
    let cfg = Config::default();
    let corpus = corpus();
    let n = corpus.docs.len();
    let bytes: u64 = corpus.docs.iter().map(|d| d.doc.text.len() as u64).sum();
    let tokens: usize = corpus.docs.iter().map(|d| d.seg.tokens.len()).sum();
    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);

    let markers = Markers::new(&cfg);
    g.bench_function("normalize+segment", |b| {
        b.iter(|| {
            let mut norm = markers.normalizer();
            let t: usize = corpus
                .docs
                .iter()
                .map(|d| segment(&d.doc.text, &mut norm, &markers).tokens.len())
                .sum();
            assert_eq!(t, tokens);
        });
    });
    let bodies = pipeline::bodies(&corpus, &cfg, &Silent);
    let body_toks: Vec<Vec<u64>> = corpus
        .docs
        .iter()
        .zip(&bodies)
        .map(|(d, b)| {
            pipeline::body_positions(&d.seg, &b.marks, b.tail.as_ref())
                .iter()
                .map(|&p| d.seg.tokens[p as usize])
                .collect()
        })
        .collect();
    g.bench_function("shingle", |b| {
        b.iter(|| {
            let s: usize = body_toks
                .iter()
                .map(|t| shingle::shingles(t, 5).len())
                .sum();
            assert_eq!(s, bodies.iter().map(|b| b.shingles.len()).sum::<usize>());
        });
    });
    g.bench_function("minhash", |b| {
        b.iter(|| {
            for body in &bodies {
                assert_eq!(
                    minhash::signature(black_box(&body.shingles), 128).len(),
                    128
                );
            }
        });
    });
    let groups = pipeline::exact_groups(&bodies);
    let reps: Vec<u32> = groups.iter().map(|g| g[0]).collect();
    let signatures: Vec<Vec<u64>> = bodies
        .iter()
        .map(|b| minhash::signature(&b.shingles, 128))
        .collect();
    let sigs: Vec<&[u64]> = signatures.iter().map(Vec::as_slice).collect();
    let shape = lsh::choose(0.5, 128);
    let cands = lsh::candidates(&sigs, &reps, shape, 200, 16);
    g.bench_function("lsh", |b| {
        b.iter(|| {
            assert_eq!(
                lsh::candidates(&sigs, &reps, shape, 200, 16).len(),
                cands.len()
            );
        });
    });
    let verify_all = || {
        cands
            .iter()
            .filter(|&&(x, y)| {
                let s = verify::score(&bodies[x as usize].shingles, &bodies[y as usize].shingles);
                verify::classify(s, &cfg).is_some()
            })
            .count()
    };
    let verified = verify_all();
    g.bench_function("verify", |b| b.iter(|| assert_eq!(verify_all(), verified)));
    let body = |i: usize| body_toks[i].clone();
    // Candidate generation plus alignment; returns the pairs with passages.
    let passages = || {
        let p = passage::candidates(n, &body, &[], &cfg.passage, None).expect("in memory");
        p.pairs
            .iter()
            .filter(|&&(x, y)| {
                let (a, b) = (&body_toks[x as usize], &body_toks[y as usize]);
                !passage::align(a, b, &p.common, &cfg.passage).is_empty()
            })
            .count()
    };
    let aligned = passages();
    g.bench_function("passages", |b| b.iter(|| assert_eq!(passages(), aligned)));
    g.finish();
    eprintln!(
        "{n} documents, {bytes} bytes, {} candidates, {verified} verified, {aligned} aligned pairs",
        cands.len()
    );
}

criterion_group!(benches, stages);
criterion_main!(benches);
