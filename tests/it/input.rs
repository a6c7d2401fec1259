//! Bad and unusual input: every problem is a warning naming the file and
//! line, and no usable document is lost.

use std::io::Write;

use neardup::Config;

use crate::util::{scan, write};

const STORY: &str = "قال وزير الخارجية الأميركي أنتوني بلينكن اليوم الخميس إنه ونظيره الكوري الجنوبي \
                     بارك جين لديهما مخاوف بالغة إزاء التعاون العسكري المتنامي بين كوريا الشمالية وروسيا";

#[test]
fn malformed_records_are_warnings_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        format!(r#"{{"id":"a","text":"{STORY}","source":"x"}}"#),
        r#"{"id":"b","text": broken"#.to_string(),
        r#"{"id":"c"}"#.to_string(),
        r#"{"id":"d","text":""}"#.to_string(),
        format!(r#"{{"id":"a","text":"{STORY} و"}}"#),
        format!(r#"{{"text":"{STORY} ثم"}}"#),
        String::new(),
        format!(r#"{{"id":7,"text":"{STORY} أيضا"}}"#),
    ];
    write(dir.path(), "in.jsonl", lines.join("\n").as_bytes());
    let s = scan(&[dir.path().to_path_buf()], &Config::default());
    let w = &s.report.warnings;
    let at = |line: u64| {
        w.iter()
            .filter(|x| x.line == Some(line))
            .map(|x| x.message.as_str())
            .collect::<Vec<_>>()
    };
    assert!(at(2)[0].contains("invalid JSON"), "{w:?}");
    assert!(at(3)[0].contains("no string `text` field"), "{w:?}");
    assert!(at(4)[0].contains("empty"), "{w:?}");
    assert!(at(5)[0].contains("duplicate id"), "{w:?}");
    assert!(at(6)[0].contains("no `id` field"), "{w:?}");
    assert!(w.iter().all(|x| x.path.ends_with("in.jsonl")));
    let ids: Vec<&str> = s.corpus.docs.iter().map(|d| d.doc.id.as_str()).collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(ids.contains(&"a#2") && ids.contains(&"7"), "{ids:?}");
    assert_eq!(s.report.stats.records, 7);
    // The renamed duplicate is still compared: it is a near copy of "a".
    assert!(s.report.pairs.iter().any(|p| p.a == "a" && p.b == "a#2"));
}

#[test]
fn other_encodings_are_decoded_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "latin1.txt",
        b"Caf\xe9 cr\xe8me and the na\xefve r\xe9sum\xe9 of the season",
    );
    let (cp1256, _, _) = encoding_rs::WINDOWS_1256.encode(STORY);
    write(dir.path(), "arabic.txt", &cp1256);
    write(dir.path(), "utf8.txt", STORY.as_bytes());
    write(dir.path(), "skip.md", b"not an input");
    let s = scan(&[dir.path().to_path_buf()], &Config::default());
    assert_eq!(s.corpus.docs.len(), 3);
    let warned: Vec<&str> = s.report.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(warned.len(), 2, "{:?}", s.report.warnings);
    assert!(s
        .report
        .warnings
        .iter()
        .any(|w| w.path.ends_with("latin1.txt") && w.message.contains("windows-1252")));
    let latin = s
        .corpus
        .docs
        .iter()
        .find(|d| d.doc.id == "latin1.txt")
        .unwrap();
    assert!(latin.doc.text.starts_with("Café crème"));
    // The cp1256 file decodes to the same text as the UTF-8 one.
    let pair = s
        .report
        .pairs
        .iter()
        .find(|p| p.a == "arabic.txt" && p.b == "utf8.txt")
        .unwrap();
    assert!((pair.jaccard - 1.0).abs() < 1e-9);
}

#[test]
fn compressed_inputs_and_truncated_archives() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..50)
        .map(|i| format!("{{\"id\":\"g{i}\",\"text\":\"{STORY} {i}\"}}\n"))
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    write(dir.path(), "a.jsonl.gz", &gz);
    write(
        dir.path(),
        "b.jsonl.zst",
        &zstd::encode_all(body.replace("\"g", "\"z").as_bytes(), 3).unwrap(),
    );
    write(dir.path(), "c.jsonl.gz", &gz[..gz.len() - 20]);
    let s = scan(&[dir.path().to_path_buf()], &Config::default());
    let from = |p: &str| {
        s.corpus
            .docs
            .iter()
            .filter(|d| d.doc.id.starts_with(p))
            .count()
    };
    let renamed = s
        .corpus
        .docs
        .iter()
        .filter(|d| d.doc.id.contains('#'))
        .count();
    assert_eq!(
        from("g"),
        50 + renamed,
        "the truncated copy repeats a's ids"
    );
    assert!(renamed < 50, "the truncated archive broke off early");
    assert_eq!(from("z"), 50);
    let broken: Vec<_> = s
        .report
        .warnings
        .iter()
        .filter(|w| w.path.ends_with("c.jsonl.gz"))
        .collect();
    assert!(
        broken.iter().any(|w| w.message.contains("read error")),
        "{broken:?}"
    );
}

#[test]
fn huge_and_empty_documents() {
    let dir = tempfile::tempdir().unwrap();
    let huge = STORY.repeat(20_000);
    write(dir.path(), "huge.txt", huge.as_bytes());
    write(dir.path(), "huge2.txt", huge.as_bytes());
    write(dir.path(), "empty.txt", b"");
    write(dir.path(), "blank.txt", b"  \n\t ");
    let s = scan(&[dir.path().to_path_buf()], &Config::default());
    assert_eq!(s.corpus.docs.len(), 4);
    assert_eq!(
        s.report
            .warnings
            .iter()
            .filter(|w| w.message.contains("empty"))
            .count(),
        2
    );
    assert!(s
        .report
        .pairs
        .iter()
        .any(|p| p.a == "huge.txt" && p.b == "huge2.txt"));
    assert!(s
        .report
        .pairs
        .iter()
        .all(|p| !p.a.contains("empty") && !p.a.contains("blank")));
}
