use super::*;

#[test]
fn one_writer_at_a_time() {
    let dir = tempdir();
    let archive = build(dir.path(), &[indexed()], &cfg(1));
    let held = index::Lock::acquire(&archive).expect("lock");
    let e = index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect_err("locked");
    assert!(is_index_error(&e, "locked"), "{e}");
    let e = index::compact(&archive).expect_err("locked");
    assert!(is_index_error(&e, "locked"), "{e}");
    let e = index::build(&archive, &[indexed()], &cfg(1), &Silent).expect_err("locked");
    assert!(is_index_error(&e, "locked"), "{e}");
    // Readers need no lock.
    assert_eq!(query(&archive, &[new_docs()], &cfg(1)).stats.documents, 9);
    drop(held);
    index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect("unlocked");
    assert!(!index::lock_path(&archive).exists());
}

#[test]
fn stale_lock_says_how_to_remove_it() {
    let dir = tempdir();
    let archive = build(dir.path(), &[indexed()], &cfg(1));
    std::fs::write(index::lock_path(&archive), "pid 4242 since 0\n").expect("write");
    let e = index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect_err("stale");
    let msg = e.to_string();
    assert!(msg.contains("pid 4242") && msg.contains("rm '"), "{msg}");
    assert_eq!(documents(&archive).len(), 8, "nothing written");
}
