//! `dedup`: kept + removed = input, and stripping.

use std::process::Command;

use crate::util::{repo, write};

const STORY: &str = "قال وزير الخارجية الأميركي أنتوني بلينكن اليوم الخميس إنه ونظيره الكوري الجنوبي \
                     بارك جين لديهما مخاوف بالغة إزاء التعاون العسكري المتنامي بين كوريا الشمالية وروسيا";

fn lines(p: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or(serde_json::Value::String(l.to_string())))
        .collect()
}

#[test]
fn kept_plus_removed_is_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = [
        format!(r#"{{"id":"a","text":"{STORY}","extra":[1,2]}}"#),
        format!(r#"{{"id":"b","text":"{STORY}."}}"#),
        format!(r#"{{"id":"c","text":"{STORY} وأضاف أن اللقاء كان مثمرا"}}"#),
        r#"{"id":"d","text":"شيء آخر تماما لا علاقة له بما سبق"}"#.to_string(),
        r#"{"id":"e","text": not json"#.to_string(),
    ];
    let inp = write(dir.path(), "in.jsonl", input.join("\n").as_bytes());
    let (kept, removed) = (
        dir.path().join("kept.jsonl"),
        dir.path().join("removed.jsonl"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_neardup"))
        .args(["dedup", "--quiet", "--out"])
        .arg(&kept)
        .arg("--removed")
        .arg(&removed)
        .arg(&inp)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (k, r) = (lines(&kept), lines(&removed));
    assert_eq!(k.len() + r.len(), input.len());
    let kept_text = std::fs::read_to_string(&kept).unwrap();
    // Untouched records are copied byte for byte, the malformed one too.
    assert!(kept_text.contains(&input[3]) && kept_text.contains(&input[4]));
    assert_eq!(r.len(), 2, "{r:?}");
    for rec in &r {
        assert_eq!(
            rec["neardup"]["kept"], "c",
            "the longest body is kept: {rec}"
        );
    }
    assert!(r
        .iter()
        .any(|x| x["id"] == "a" && x["extra"] == serde_json::json!([1, 2])));
}

#[test]
fn strip_removes_tails_and_boilerplate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kept.jsonl");
    let status = Command::new(env!("CARGO_BIN_EXE_neardup"))
        .args(["dedup", "--quiet", "--strip", "boilerplate,tails", "--out"])
        .arg(&out)
        .arg(repo().join("data"))
        .status()
        .unwrap();
    assert!(status.success());
    let k = lines(&out);
    assert_eq!(k.len(), 5);
    for rec in &k {
        let t = rec["text"].as_str().unwrap();
        assert!(
            !t.contains("إقرأ أيضاً") && !t.contains("[ad_1]"),
            "{}",
            rec["id"]
        );
        assert!(t.chars().count() > 500);
    }
}

#[test]
fn stdin_is_read_for_dedup() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kept.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_neardup"))
        .args(["dedup", "--quiet", "-", "--out"])
        .arg(&out)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let body =
        format!("{{\"id\":\"x\",\"text\":\"{STORY}\"}}\n{{\"id\":\"y\",\"text\":\"{STORY}\"}}\n");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(lines(&out).len(), 1);
}
