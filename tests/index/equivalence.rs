use super::*;

/// Query reports exactly the scan's pairs, clusters and documents
/// involving the new documents, and nothing else.
fn check(archive: &Path, indexed: &[PathBuf], new: &[PathBuf], cfg: &Config) -> Report {
    let (full, ids) = scan(indexed, new, cfg);
    let got = query(archive, new, cfg);
    let want = about(&full, &ids);
    assert!(!want.pairs.is_empty(), "the fixture relates new documents");
    assert_eq!(about(&got, &ids), want);
    assert_eq!(got.pairs, want.pairs, "no pair without a new document");
    assert_eq!(clusters_with(&got.clusters, &ids).len(), got.clusters.len());
    assert_eq!(got.stats.documents, ids.len());
    got
}

fn strip_time(mut r: Report) -> String {
    r.stats.seconds = 0.0;
    r.to_json()
}

#[test]
fn query_equals_scan_with_1_and_4_threads() {
    let dir = tempdir();
    let mut reports = Vec::new();
    for threads in [1, 4] {
        let cfg = cfg(threads);
        let archive = build(dir.path(), &[indexed()], &cfg);
        reports.push(strip_time(check(
            &archive,
            &[indexed()],
            &[new_docs()],
            &cfg,
        )));
    }
    assert_eq!(
        reports[0], reports[1],
        "byte-identical across thread counts"
    );
}

#[test]
fn every_relation_is_covered() {
    let dir = tempdir();
    let archive = build(dir.path(), &[indexed()], &cfg(2));
    let r = query(&archive, &[new_docs()], &cfg(2));
    let kinds: BTreeSet<&str> = r.pairs.iter().map(|p| p.relation.as_str()).collect();
    let all = [
        "contains",
        "duplicate",
        "near_duplicate",
        "shared_passages",
        "tail_copy",
    ];
    assert_eq!(kinds, all.into_iter().collect());
    assert!(
        r.pairs.iter().any(|p| p.a == "s001" && p.b == "s001#2"),
        "renamed id"
    );
    assert!(r
        .warnings
        .iter()
        .any(|w| w.message.contains("invalid JSON")));
}

#[test]
fn document_level_only() {
    let dir = tempdir();
    let cfg = Config {
        passages: false,
        ..cfg(2)
    };
    let archive = build(dir.path(), &[indexed()], &Config::default());
    check(&archive, &[indexed()], &[new_docs()], &cfg);
}

#[test]
fn after_add_and_compact() {
    let dir = tempdir();
    let cfg = cfg(2);
    let archive = build(dir.path(), &[indexed()], &cfg);
    index::add(&archive, &[new_docs()], &cfg, &Silent).expect("add");
    let third = dir.path().join("third.jsonl");
    let line = |id: &str, seed: &str| {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("data")
                .join(seed),
        )
        .expect("seed");
        serde_json::json!({"id": id, "text": text, "source": "third"}).to_string()
    };
    std::fs::write(
        &third,
        format!(
            "{}\n{}\n",
            line("s002", "002_d6c21662765e2803.txt"),
            line("t-001", "001_a8ae4d22489fa304.txt")
        ),
    )
    .expect("write");
    let before = check(
        &archive,
        &[indexed(), new_docs()],
        std::slice::from_ref(&third),
        &cfg,
    );
    assert!(before.pairs.iter().any(|p| p.b == "s002#2"));
    index::compact(&archive).expect("compact");
    let after = check(&archive, &[indexed(), new_docs()], &[third], &cfg);
    assert_eq!(before.pairs, after.pairs);
}

/// A few thousand SaudiNewsNet articles split by date: the later ones
/// queried against an index of the earlier ones.
#[test]
#[ignore = "needs ../shared/data"]
fn saudinewsnet_split_by_date() {
    let rows = saudinewsnet_by_date();
    // 3,000 indexed articles, then the 600 extracted after them.
    let start = rows.len() / 3;
    let dir = tempdir();
    let a = write_rows(&dir.path().join("a.jsonl"), &rows[start..start + 3000]);
    let b = write_rows(
        &dir.path().join("b.jsonl"),
        &rows[start + 3000..start + 3600],
    );
    let mut cfg = cfg(0);
    cfg.input.id_field = "url".into();
    cfg.input.text_field = "content".into();
    cfg.input.source_field = "source".into();
    let archive = build(dir.path(), std::slice::from_ref(&a), &cfg);
    let r = check(
        &archive,
        std::slice::from_ref(&a),
        std::slice::from_ref(&b),
        &cfg,
    );
    eprintln!(
        "{} pairs involving the new articles: {:?}",
        r.pairs.len(),
        r.stats.pairs
    );
    let nopass = Config {
        passages: false,
        ..cfg
    };
    check(&archive, &[a], &[b], &nopass);
}
