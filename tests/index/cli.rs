use super::*;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn neardup(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_neardup"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or_default())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn build_query_add_info_compact() {
    let dir = tempdir();
    let archive = dir.path().join("a.ndx");
    let report = dir.path().join("q.json");
    ok(&neardup(
        &[
            "index",
            "build",
            s(&indexed()),
            "--index",
            s(&archive),
            "-q",
        ],
        None,
    ));
    let out = ok(&neardup(
        &[
            "query",
            s(&archive),
            s(&new_docs()),
            "--report",
            s(&report),
            "-q",
        ],
        None,
    ));
    assert!(out.contains("against 8 indexed documents"), "{out}");
    let got: Report =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("json");
    assert_eq!(got.pairs, query(&archive, &[new_docs()], &cfg(0)).pairs);
    ok(&neardup(
        &["index", "add", s(&archive), s(&new_docs()), "-q"],
        None,
    ));
    let info = ok(&neardup(&["index", "info", s(&archive)], None));
    assert!(
        info.contains("documents: 17")
            && info.contains("2 document segments")
            && info.contains("analysis: 2 segments"),
        "{info}"
    );
    assert!(info.contains("\"shingle_words\": 5"), "{info}");
    // Built and added with tails without a marker (the default).
    assert!(
        info.contains("tails without a marker: state of all 17 documents"),
        "{info}"
    );
    ok(&neardup(
        &[
            "index",
            "add",
            s(&archive),
            s(&new_docs()),
            "--no-trailing-tails",
            "-q",
        ],
        None,
    ));
    let info = ok(&neardup(&["index", "info", s(&archive)], None));
    assert!(
        info.contains("tails without a marker: stale (state of the first 17 documents"),
        "{info}"
    );
    ok(&neardup(&["index", "compact", s(&archive)], None));
    let info = ok(&neardup(&["index", "info", s(&archive)], None));
    assert!(
        info.contains("documents: 26")
            && info.contains("1 document segments")
            && info.contains("analysis: 1 segments")
            && info.contains("tails without a marker: none"),
        "{info}"
    );
}

#[test]
fn index_parameters_are_the_default_and_conflicts_fail() {
    let dir = tempdir();
    let archive = dir.path().join("a.ndx");
    ok(&neardup(
        &[
            "index",
            "build",
            s(&indexed()),
            "--index",
            s(&archive),
            "--shingle-words",
            "4",
            "-q",
        ],
        None,
    ));
    // Without --shingle-words the index's 4 is used ...
    let report = dir.path().join("q.json");
    ok(&neardup(
        &[
            "query",
            s(&archive),
            s(&new_docs()),
            "--report",
            s(&report),
            "-q",
        ],
        None,
    ));
    let got: Report =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("json");
    assert_eq!(got.params.shingle_words, 4);
    // ... and asking for another is an error, exit code 2.
    let out = neardup(
        &["query", s(&archive), s(&new_docs()), "--shingle-words", "5"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--shingle-words") && err.contains("index 4, asked 5"),
        "{err}"
    );
}

#[test]
fn streaming_answers_each_document_on_its_own() {
    let dir = tempdir();
    let archive = dir.path().join("a.ndx");
    ok(&neardup(
        &[
            "index",
            "build",
            s(&indexed()),
            "--index",
            s(&archive),
            "-q",
        ],
        None,
    ));
    let input = std::fs::read(new_docs()).expect("read");
    // Tails without a marker only with --trailing-tails (each document
    // then runs the whole pipeline).
    for trailing in [false, true] {
        let mut args = vec!["query", s(&archive), "-", "--threads", "2"];
        if trailing {
            args.push("--trailing-tails");
        }
        let out = ok(&neardup(&args, Some(&input)));
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(
            lines.len(),
            10,
            "one line per record, the broken one included"
        );
        assert!(
            lines[5]["id"].is_null()
                && lines[5]["warnings"][0]
                    .as_str()
                    .is_some_and(|w| w.contains("invalid JSON"))
        );
        // Each answer is a scan of the indexed documents plus that one.
        for (i, raw) in String::from_utf8_lossy(&input).lines().enumerate() {
            if i == 5 {
                continue;
            }
            let one = dir.path().join(format!("one-{i}.jsonl"));
            std::fs::write(&one, format!("{raw}\n")).expect("write");
            let cfg = Config {
                trailing_tails: trailing,
                ..cfg(1)
            };
            let (full, ids) = scan(&[indexed()], &[one], &cfg);
            let mut want: Vec<(String, String, f64)> = about(&full, &ids)
                .pairs
                .iter()
                .map(|p| {
                    let other = if ids.contains(&p.a) { &p.b } else { &p.a };
                    (other.clone(), p.relation.as_str().to_string(), p.jaccard)
                })
                .collect();
            want.sort_by(|x, y| x.0.cmp(&y.0));
            let got: Vec<(String, String, f64)> = lines[i]["matches"]
                .as_array()
                .expect("matches")
                .iter()
                .map(|m| {
                    (
                        m["id"].as_str().unwrap_or_default().to_string(),
                        m["relation"].as_str().unwrap_or_default().to_string(),
                        m["jaccard"].as_f64().unwrap_or(-1.0),
                    )
                })
                .collect();
            assert_eq!(got, want, "line {} (trailing tails: {trailing})", i + 1);
        }
    }
}

#[test]
fn damaged_index_is_a_clear_error() {
    let dir = tempdir();
    let archive = dir.path().join("a.ndx");
    std::fs::write(&archive, b"\x89NDX\r\n\x1a\n").expect("write");
    let out = neardup(&["query", s(&archive), s(&new_docs())], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.ndx") && err.contains("truncated"), "{err}");
}
