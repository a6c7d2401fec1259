use std::process::Command;

use crate::util::repo;

fn neardup() -> Command {
    Command::new(env!("CARGO_BIN_EXE_neardup"))
}

#[test]
fn scan_prints_a_summary_and_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let out = neardup()
        .args(["scan", "--quiet", "--report"])
        .arg(&report)
        .arg(repo().join("data"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("5 documents"), "{stdout}");
    assert!(stdout.contains("story clusters: 1"), "{stdout}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["schema"], 1);
    assert_eq!(r["tool"]["name"], "neardup");
    assert!(
        out.stderr.is_empty(),
        "no progress bars when not a terminal"
    );
}

#[test]
fn errors_exit_with_2_and_a_message() {
    let out = neardup().args(["scan", "/no/such/path"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/path"));
    let out = neardup()
        .args(["scan", "--threshold", "1.5"])
        .arg(repo().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = neardup()
        .args(["scan", "--threshold", "0.95"])
        .arg(repo().join("data"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "threshold above the duplicate threshold"
    );
}

#[test]
fn stdin_jsonl_scan() {
    use std::io::Write;
    let mut child = neardup()
        .args(["scan", "-", "--quiet", "--no-passages"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let doc = "كلمات كثيرة في نص طويل بما يكفي لصنع عدة شرائح من خمس كلمات متتالية";
    let body =
        format!("{{\"id\":\"x\",\"text\":\"{doc}\"}}\n{{\"id\":\"y\",\"text\":\"{doc}\"}}\n");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("duplicate 1"));
}
