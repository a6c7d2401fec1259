use super::*;

#[test]
fn unanswerable_parameters_are_refused() {
    let dir = tempdir();
    let archive = build(dir.path(), &[indexed()], &cfg(1));
    let index = Index::open(&archive).expect("open");
    let mut bad = vec![
        Config {
            shingle_words: 4,
            ..cfg(1)
        },
        Config {
            permutations: 64,
            ..cfg(1)
        },
    ];
    let mut kept = cfg(1);
    kept.normalize.ta_marbuta = false;
    bad.push(kept);
    for c in bad {
        let e = index::query(&index, &[new_docs()], &c, &Silent).expect_err("refused");
        assert!(is_index_error(&e, "cannot answer"), "{e}");
    }
    let looser = Config {
        threshold: 0.3,
        ..cfg(1)
    };
    let (full, ids) = scan(&[indexed()], &[new_docs()], &looser);
    let got = index::query(&index, &[new_docs()], &looser, &Silent).expect("threshold may differ");
    assert_eq!(about(&got, &ids), about(&full, &ids));
}

#[test]
fn document_level_index_cannot_answer_passages() {
    let dir = tempdir();
    let nopass = Config {
        passages: false,
        ..cfg(1)
    };
    let archive = build(dir.path(), &[indexed()], &nopass);
    let index = Index::open(&archive).expect("open");
    let e = index::query(&index, &[new_docs()], &cfg(1), &Silent).expect_err("passages");
    assert!(is_index_error(&e, "--no-passages"), "{e}");
    index::query(&index, &[new_docs()], &nopass, &Silent).expect("document level");
}
