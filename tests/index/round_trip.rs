use super::*;

fn read_jsonl(path: &Path) -> Vec<Document> {
    let scan = pipeline::scan(&[path.to_path_buf()], &cfg(1), &Silent).expect("scan");
    scan.corpus.docs.into_iter().map(|d| d.doc).collect()
}

#[test]
fn build_add_compact_keep_every_document() {
    let dir = tempdir();
    let archive = build(dir.path(), &[indexed()], &cfg(1));
    let first = read_jsonl(&indexed());
    assert_eq!(documents(&archive), first);
    let report = index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect("add");
    let opened = Index::open(&archive).expect("open");
    assert_eq!(opened.segments().len(), 2);
    let all = opened.documents().expect("documents");
    assert_eq!(&all[..first.len()], &first[..]);
    let added: Vec<&str> = all[first.len()..].iter().map(|d| d.id.as_str()).collect();
    assert!(added.contains(&"s001#2"), "{added:?}");
    assert_eq!(
        added.len(),
        9,
        "every document of new.jsonl, the broken line excepted"
    );
    assert_eq!(report.stats.documents, 9);
    let len_before = std::fs::metadata(&archive).expect("meta").len();
    let w = index::compact(&archive).expect("compact");
    let compacted = Index::open(&archive).expect("open");
    assert_eq!(compacted.segments().len(), 1);
    assert_eq!(compacted.documents().expect("documents"), all);
    assert_eq!(w.documents, all.len());
    assert!(w.bytes < len_before);
}

#[test]
fn empty_input_builds_an_empty_index() {
    let dir = tempdir();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").expect("write");
    let archive = build(dir.path(), &[empty], &cfg(1));
    let opened = Index::open(&archive).expect("open");
    assert!(opened.is_empty());
    let r = index::query(&opened, &[new_docs()], &cfg(1), &Silent).expect("query");
    assert!(r.pairs.iter().all(|p| p.a != "s003" && p.b != "s003"));
}
