use super::*;

fn built() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = tempdir();
    let archive = build(dir.path(), &[indexed()], &cfg(1));
    let bytes = std::fs::read(&archive).expect("read");
    (dir, archive, bytes)
}

fn open_err(path: &Path) -> Error {
    match Index::open(path).and_then(|i| i.documents().map(|_| ())) {
        Ok(()) => panic!("{} opened", path.display()),
        Err(e) => e,
    }
}

#[test]
fn truncated_files_are_reported() {
    let (_dir, archive, bytes) = built();
    let cuts = [
        0,
        5,
        8,
        100,
        127,
        128,
        140,
        bytes.len() / 2,
        bytes.len() - 1,
    ];
    for n in cuts {
        std::fs::write(&archive, &bytes[..n]).expect("write");
        let e = open_err(&archive);
        assert!(is_index_error(&e, "truncated"), "{n}: {e}");
    }
}

#[test]
fn flipped_bytes_are_caught_or_harmless() {
    let (_dir, archive, bytes) = built();
    let want = documents_of(&bytes, &archive).expect("intact");
    for i in (0..bytes.len()).step_by(11) {
        let mut c = bytes.clone();
        c[i] ^= 0x20;
        match documents_of(&c, &archive) {
            Ok(docs) => assert_eq!(docs, want, "byte {i} changed the documents"),
            Err(e) => assert!(matches!(e, Error::Index { .. }), "byte {i}: {e}"),
        }
    }
}

fn documents_of(bytes: &[u8], path: &Path) -> neardup::Result<Vec<Document>> {
    std::fs::write(path, bytes).expect("write");
    Index::open(path)?.documents()
}

#[test]
fn wrong_magic_and_version() {
    let (_dir, archive, bytes) = built();
    let mut c = bytes.clone();
    c[1] = b'X';
    std::fs::write(&archive, &c).expect("write");
    assert!(is_index_error(&open_err(&archive), "not a neardup index"));
    std::fs::write(&archive, b"{\"id\": 1}\n").expect("write");
    assert!(is_index_error(&open_err(&archive), "not a neardup index"));
    let mut c = bytes;
    c[8] = (index::format::VERSION + 1) as u8;
    std::fs::write(&archive, &c).expect("write");
    let e = open_err(&archive);
    let newer = format!("format version {}", index::format::VERSION + 1);
    assert!(is_index_error(&e, &newer), "{e}");
    assert!(e.to_string().contains("newer neardup"), "{e}");
    c[8] = 0;
    std::fs::write(&archive, &c).expect("write");
    assert!(is_index_error(&open_err(&archive), "format version 0"));
}

#[test]
fn unfinished_append_is_ignored_then_replaced() {
    let (dir, archive, bytes) = built();
    // Half of a real segment, as a crash during `add` leaves it.
    std::fs::create_dir(dir.path().join("x")).expect("mkdir");
    let other = build(&dir.path().join("x"), &[new_docs()], &cfg(1));
    let seg = std::fs::read(&other).expect("read");
    let mut c = bytes.clone();
    c.extend_from_slice(&seg[128..128 + (seg.len() - 128) / 2]);
    std::fs::write(&archive, &c).expect("write");
    let opened = Index::open(&archive).expect("still readable");
    assert_eq!(opened.len(), 8);
    assert_eq!(
        opened.file_len() - opened.committed_len(),
        ((seg.len() - 128) / 2) as u64
    );
    index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect("add after crash");
    let opened = Index::open(&archive).expect("open");
    assert_eq!(opened.len(), 17);
    assert_eq!(opened.file_len(), opened.committed_len());
}

#[test]
fn torn_commit_falls_back_to_the_previous_state() {
    let (_dir, archive, before) = built();
    index::add(&archive, &[new_docs()], &cfg(1), &Silent).expect("add");
    let mut c = std::fs::read(&archive).expect("read");
    // The add wrote commit slot 1 (bytes 48..80); tear it.
    c[60] ^= 0xff;
    std::fs::write(&archive, &c).expect("write");
    let opened = Index::open(&archive).expect("previous state");
    assert_eq!(opened.len(), 8);
    assert_eq!(
        opened.documents().expect("documents"),
        documents_of(&before, &archive.with_extension("copy")).expect("before")
    );
    // Both slots torn: no state to fall back to.
    c[20] ^= 0xff;
    std::fs::write(&archive, &c).expect("write");
    assert!(is_index_error(&open_err(&archive), "commit records"));
}

#[test]
fn leftover_temp_file_is_ignored() {
    let (dir, archive, _) = built();
    let tmp = dir.path().join("archive.ndx.tmp-12345");
    std::fs::write(&tmp, b"half-written index").expect("write");
    assert_eq!(Index::open(&archive).expect("open").len(), 8);
    build(dir.path(), &[indexed(), new_docs()], &cfg(1));
    assert_eq!(Index::open(&archive).expect("open").len(), 17);
    assert!(tmp.exists(), "another process's temp file is left alone");
}

/// Copies of the index built from the fixture with `cfg` whose segment of
/// `kind` is damaged in ways its checksum cannot see (every `step`-th
/// byte changed, then framed again; truncations), each queried with
/// `cfg`: (answered, refused with an index error). Never panics.
fn tampered(kind: index::format::Kind, cfg: &Config, step: usize) -> (usize, usize) {
    use index::format;
    let dir = tempdir();
    let archive = build(dir.path(), &[indexed()], cfg);
    let bytes = std::fs::read(&archive).expect("read");
    let layout = format::parse(&archive, &bytes).expect("valid");
    let at = layout
        .segments
        .iter()
        .position(|s| s.kind == kind)
        .expect("a segment of that kind");
    let payload = &bytes[layout.segments[at].payload.clone()];
    let copy = dir.path().join("tampered.ndx");
    let (mut answered, mut refused) = (0, 0);
    let mut damaged: Vec<Vec<u8>> = (0..payload.len())
        .step_by(step)
        .map(|i| {
            let mut p = payload.to_vec();
            p[i] ^= 0x5a;
            p
        })
        .collect();
    damaged
        .extend([0, 17, 300, payload.len() / 2].map(|n| payload[..n.min(payload.len())].to_vec()));
    for p in damaged {
        let segments: Vec<Vec<u8>> = layout
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if i == at {
                    format::frame(kind, &p)
                } else {
                    bytes[s.offset as usize..s.payload.end].to_vec()
                }
            })
            .collect();
        format::write_new(&copy, &segments).expect("write");
        let run = std::panic::catch_unwind(|| {
            let index = Index::open(&copy)?;
            index::query(&index, &[new_docs()], cfg, &Silent)
        });
        match run {
            Ok(Ok(_)) => answered += 1,
            Ok(Err(e)) => {
                assert!(matches!(e, Error::Index { .. }), "{e}");
                refused += 1;
            }
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
    (answered, refused)
}

/// An analysis segment damaged in a way its checksum cannot see: opening
/// or answering may fail, with an index error, but never panics.
#[test]
fn tampered_analysis_never_panics() {
    let (answered, refused) = tampered(index::format::Kind::Analysis, &cfg(1), 61);
    eprintln!("{answered} tampered copies answered, {refused} refused");
}

/// The tails segment (format 3) damaged the same way, queried with tails
/// without a marker: an index error or an answer, never a panic.
#[test]
fn tampered_tails_never_panic() {
    let cfg = Config {
        threads: 1,
        ..Config::default()
    };
    let (answered, refused) = tampered(index::format::Kind::Tails, &cfg, 17);
    assert!(refused > 0);
    eprintln!("{answered} tampered copies answered, {refused} refused");
}

/// A flipped byte in the tails segment is caught by its checksum.
#[test]
fn flipped_tails_byte_is_caught() {
    use index::format::{self, Kind};
    let dir = tempdir();
    let archive = build(dir.path(), &[indexed()], &Config::default());
    let mut bytes = std::fs::read(&archive).expect("read");
    let layout = format::parse(&archive, &bytes).expect("valid");
    assert_eq!(layout.version, format::VERSION);
    let s = layout
        .segments
        .iter()
        .find(|s| s.kind == Kind::Tails)
        .expect("a tails segment");
    bytes[s.payload.start + s.payload.len() / 2] ^= 1;
    std::fs::write(&archive, &bytes).expect("write");
    let e = open_err(&archive);
    assert!(matches!(e, Error::Index { .. }), "{e}");
}
