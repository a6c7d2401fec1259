use neardup::Config;

use crate::util::{repo, scan, stable_json, write};

#[test]
fn one_and_four_threads_give_identical_reports() {
    let dir = tempfile::tempdir().unwrap();
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
    write(dir.path(), "c.jsonl", lines.join("\n").as_bytes());
    let paths = [dir.path().to_path_buf(), repo().join("data")];
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
