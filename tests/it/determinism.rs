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
fn streamed_report_equals_the_report_text() {
    let s = crate::util::scan_seeds();
    let mut streamed = Vec::new();
    s.report.write_json(&mut streamed).unwrap();
    assert!(s.report.pairs.iter().any(|p| !p.passages.is_empty()));
    assert_eq!(String::from_utf8(streamed).unwrap(), s.report.to_json());
}
