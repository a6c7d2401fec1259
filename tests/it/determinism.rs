use neardup::Config;

use crate::util::{repo, scan, stable_json, write};

/// Seeds plus copies with edits (so every relation kind shows up) in
/// `dir/c.jsonl`; returns the paths to scan.
fn varied_corpus(dir: &std::path::Path) -> [std::path::PathBuf; 2] {
    // Seeds plus copies with edits, so every relation kind shows up.
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(repo().join("data")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "txt") {
            let t = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let mut half = t.len() / 2;
            while !t.is_char_boundary(half) {
                half -= 1;
            }
            let variants = [
                t.clone(),
                t.replace("كوريا", "كوريا الشمالية"),
                t[..half].to_string(),
            ];
            for (k, cut) in variants.into_iter().enumerate() {
                lines.push(
                    serde_json::json!({"id": format!("{name}#{k}"), "text": cut, "source": "s"})
                        .to_string(),
                );
            }
        }
    }
    lines.sort();
    write(dir, "c.jsonl", lines.join("\n").as_bytes());
    [dir.to_path_buf(), repo().join("data")]
}

#[test]
fn one_and_four_threads_give_identical_reports() {
    let dir = tempfile::tempdir().unwrap();
    let paths = varied_corpus(dir.path());
    let one = scan(
        &paths,
        &Config {
            threads: 1,
            ..Config::default()
        },
    );
    let four = scan(
        &paths,
        &Config {
            threads: 4,
            ..Config::default()
        },
    );
    assert!(one.report.pairs.len() > 10, "the corpus has relations");
    assert_eq!(stable_json(&one.report), stable_json(&four.report));
    let again = scan(
        &paths,
        &Config {
            threads: 4,
            ..Config::default()
        },
    );
    assert_eq!(stable_json(&four.report), stable_json(&again.report));
}

/// Bytes of text of a scan's documents.
fn text_bytes(s: &neardup::pipeline::Scan) -> u64 {
    s.corpus.docs.iter().map(|d| d.doc.text.len() as u64).sum()
}

#[test]
fn spilling_to_disk_gives_the_same_report_and_dedup() {
    let dir = tempfile::tempdir().unwrap();
    let paths = varied_corpus(dir.path());
    let held = scan(&paths, &Config::default());
    assert!(!held.corpus.is_spilled());
    // Spilled from the start, and spilled part-way through reading.
    for spill_above in [0, 30_000] {
        let spill_dir = tempfile::tempdir().unwrap();
        let cfg = Config {
            spill_above,
            spill_dir: Some(spill_dir.path().to_path_buf()),
            ..Config::default()
        };
        let spilled = scan(&paths, &cfg);
        assert!(spilled.corpus.is_spilled(), "{spill_above}");
        assert!(spilled.report.pairs.len() > 10);
        assert_eq!(stable_json(&held.report), stable_json(&spilled.report));
        // Plain files are read again for their texts, which the spill
        // file then does not hold.
        let texts = text_bytes(&held);
        assert!(spilled.corpus.spilled_bytes() < texts, "{spill_above}");
        let strip = neardup::dedup::Strip {
            boilerplate: true,
            tails: true,
        };
        for i in 0..held.corpus.docs.len() {
            assert_eq!(
                neardup::dedup::stripped(&held, i, strip),
                neardup::dedup::stripped(&spilled, i, strip)
            );
        }
    }
}

#[test]
fn spilled_texts_of_compressed_input_are_spilled_and_give_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let paths = varied_corpus(dir.path());
    let held = scan(&paths, &Config::default());
    // The same records gzipped: they cannot be read again at an offset,
    // so their texts go to the spill file.
    let plain = std::fs::read(dir.path().join("c.jsonl")).unwrap();
    let gz_dir = tempfile::tempdir().unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &plain).unwrap();
    write(gz_dir.path(), "c.jsonl.gz", &enc.finish().unwrap());
    let gz_paths = [gz_dir.path().to_path_buf(), paths[1].clone()];
    let spill_dir = tempfile::tempdir().unwrap();
    let spilled = scan(
        &gz_paths,
        &Config {
            spill_above: 0,
            spill_dir: Some(spill_dir.path().to_path_buf()),
            ..Config::default()
        },
    );
    assert!(spilled.corpus.is_spilled());
    assert!(spilled.corpus.spilled_bytes() > text_bytes(&held));
    let mut want = stable_json(&held.report);
    let mut got = stable_json(&spilled.report);
    // Only the file names differ.
    for s in [&mut want, &mut got] {
        *s = s.replace("c.jsonl.gz", "c.jsonl");
    }
    assert_eq!(want, got);
}

#[test]
fn a_plain_input_that_changes_while_spilled_is_not_misreported() {
    let dir = tempfile::tempdir().unwrap();
    let line = serde_json::json!({"id": "a", "text": "نص أول للمقال\nسطر ثان"}).to_string();
    let path = write(dir.path(), "c.jsonl", line.as_bytes());
    let spill_dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        spill_above: 0,
        spill_dir: Some(spill_dir.path().to_path_buf()),
        ..Config::default()
    };
    let corpus = neardup::pipeline::load(
        std::slice::from_ref(&path),
        &cfg,
        &neardup::progress::Silent,
    )
    .unwrap();
    assert!(corpus.is_spilled());
    assert_eq!(corpus.content(0).text(), "نص أول للمقال\nسطر ثان");
    // Same length, other words: the text read back would not be the one
    // compared.
    std::fs::write(&path, line.replace("أول", "ثان")).unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        corpus.content(0).text().to_string()
    }))
    .unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("changed while it was scanned"), "{msg}");
    assert!(msg.contains("c.jsonl"), "{msg}");
}

#[test]
fn streamed_report_equals_the_report_text() {
    let s = crate::util::scan_seeds();
    let mut streamed = Vec::new();
    s.report.write_json(&mut streamed).unwrap();
    assert!(s.report.pairs.iter().any(|p| !p.passages.is_empty()));
    assert_eq!(String::from_utf8(streamed).unwrap(), s.report.to_json());
}

#[test]
fn streamed_report_equals_the_report_text_for_long_and_empty_lists() {
    // Lists longer than one parallel window (16,384) and than one chunk,
    // empty lists, and strings with escapes: the parallel rendering must
    // still be serde_json's text byte for byte.
    let mut r = crate::util::scan_seeds().report;
    assert!(!r.documents.is_empty() && !r.pairs.is_empty());
    let docs = r.documents.clone();
    r.documents = (0..16_384 + 300)
        .map(|i| {
            let mut d = docs[i % docs.len()].clone();
            d.id = format!("{i:06} \"سطر\"\n\t{}", d.id);
            d
        })
        .collect();
    let pairs = r.pairs.clone();
    r.pairs = (0..300).map(|i| pairs[i % pairs.len()].clone()).collect();
    r.clusters.clear();
    r.warnings.clear();
    let mut streamed = Vec::new();
    r.write_json(&mut streamed).unwrap();
    let text = r.to_json();
    assert!(text.contains("\"clusters\": []"));
    assert_eq!(String::from_utf8(streamed).unwrap(), text);
}
