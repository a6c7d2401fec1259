//! Tails without a marker (issue 3): a document's last lines that copy
//! another document's body, after an unrelated article of its own. The
//! articles are in `tests/fixtures/trailing/` (see its README), written
//! for these tests.

use std::path::{Path, PathBuf};

use neardup::report::Report;
use neardup::Config;

use crate::util::{relation, scan};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trailing")
}

/// The fixture articles copied to `dir` (without `leave_out`).
fn corpus(dir: &Path, leave_out: &[&str]) -> PathBuf {
    for e in std::fs::read_dir(fixtures()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let txt = p.extension().is_some_and(|e| e == "txt");
        if txt && !leave_out.contains(&name.as_str()) {
            std::fs::copy(&p, dir.join(&name)).unwrap();
        }
    }
    dir.to_path_buf()
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

fn clustered(r: &Report, a: &str, b: &str) -> bool {
    r.clusters
        .iter()
        .any(|c| c.members.iter().any(|m| m == a) && c.members.iter().any(|m| m == b))
}

#[test]
fn trailing_copy_of_another_body_is_a_tail() {
    let dir = tempfile::tempdir().unwrap();
    let s = scan(&[corpus(dir.path(), &[])], &Config::default());
    let r = &s.report;
    for host in ["water.txt", "weather.txt"] {
        let text = text(host);
        let d = r.documents.iter().find(|d| d.id == host).unwrap();
        assert_eq!(d.tails.len(), 1, "{host}: {d:?}");
        let t = &d.tails[0];
        // The tail starts at the copied article's first line and runs to
        // the end; the body is the host's own article.
        assert_eq!(t.start as usize, text.find("تأهل فريق").unwrap(), "{host}");
        assert_eq!(t.end as usize, text.trim_end().len(), "{host}");
        assert_eq!(t.marker, None);
        assert_eq!(t.copies.as_deref(), Some("match.txt"));
        assert_eq!(d.body[1], t.start);
        assert!(
            text[..t.start as usize]
                .trim_end()
                .ends_with("خلال مراحل التشغيل المختلفة.")
                || text[..t.start as usize]
                    .trim_end()
                    .ends_with("بسبب الغبار الكثيف.")
        );
        assert_eq!(relation(r, host, "match.txt").as_deref(), Some("tail_copy"));
    }
    // The copied article itself keeps its whole body.
    assert!(r
        .documents
        .iter()
        .find(|d| d.id == "match.txt")
        .is_none_or(|d| d.tails.is_empty()));
    assert!(
        r.to_json().contains("\"marker\": null"),
        "marker-less tails say so"
    );
}

#[test]
fn hosts_of_one_tail_are_not_clustered() {
    let dir = tempfile::tempdir().unwrap();
    let s = scan(&[corpus(dir.path(), &[])], &Config::default());
    let r = &s.report;
    // Without the cut, the two hosts (and the copied article) would be a
    // story through the shared text; with it, their pair is a tail copy,
    // which joins no cluster.
    assert_eq!(
        relation(r, "water.txt", "weather.txt").as_deref(),
        Some("tail_copy"),
        "the same tail"
    );
    for (a, b) in [
        ("water.txt", "weather.txt"),
        ("water.txt", "match.txt"),
        ("weather.txt", "match.txt"),
    ] {
        assert!(!clustered(r, a, b), "{a} {b}: {:?}", r.clusters);
    }
    // Without the match report in the corpus, the block that ends both
    // unrelated hosts is still their tail, linked to no copied document.
    let dir = tempfile::tempdir().unwrap();
    let s = scan(&[corpus(dir.path(), &["match.txt"])], &Config::default());
    let r = &s.report;
    for host in ["water.txt", "weather.txt"] {
        let d = r.documents.iter().find(|d| d.id == host).unwrap();
        assert_eq!(d.tails.len(), 1, "{host}: {d:?}");
        assert_eq!(d.tails[0].copies, None);
        assert_eq!(d.tails[0].marker, None);
    }
    assert_eq!(
        relation(r, "water.txt", "weather.txt").as_deref(),
        Some("tail_copy")
    );
    assert!(!clustered(r, "water.txt", "weather.txt"));
}

#[test]
fn related_closing_paragraph_stays_in_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let s = scan(&[corpus(dir.path(), &[])], &Config::default());
    let r = &s.report;
    // The excerpt is the conference report's last paragraph, printed on
    // its own by another outlet; the report before it is about the same
    // event: no tail, and the pair is an excerpt (`contains`), clustered.
    let d = r.documents.iter().find(|d| d.id == "conference.txt");
    assert!(d.is_none_or(|d| d.tails.is_empty()), "{d:?}");
    if let Some(d) = d {
        assert_eq!(d.body[1] as usize, text("conference.txt").len());
    }
    assert_eq!(
        relation(r, "conference.txt", "excerpt.txt").as_deref(),
        Some("contains")
    );
    assert!(clustered(r, "conference.txt", "excerpt.txt"));
}

/// Tails without a marker are found alike on 1 and 4 threads and with
/// the corpus spilled to disk.
#[test]
fn trailing_tails_are_deterministic_and_spill_alike() {
    let dir = tempfile::tempdir().unwrap();
    let path = corpus(dir.path(), &[]);
    let spill = tempfile::tempdir().unwrap();
    let json = |cfg: Config| {
        let mut r = scan(std::slice::from_ref(&path), &cfg).report;
        r.stats.seconds = 0.0;
        r.to_json()
    };
    let one = json(Config {
        threads: 1,
        ..Config::default()
    });
    assert!(one.contains("\"marker\": null"));
    assert_eq!(
        one,
        json(Config {
            threads: 4,
            ..Config::default()
        })
    );
    assert_eq!(
        one,
        json(Config {
            threads: 2,
            spill_above: 0,
            spill_dir: Some(spill.path().to_path_buf()),
            ..Config::default()
        })
    );
}

/// The front of a body read on its own (what "does the host open with
/// its source?" reads) is the front of the whole body, for documents
/// held in memory and spilled alike, boilerplate and tails left out.
#[test]
fn body_heads_are_the_fronts_of_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let path = corpus(dir.path(), &[]);
    // Articles that open with their site's header line and a recurring
    // notice in the middle (boilerplate before and inside the body's
    // front), and end with a "read also" tail.
    for i in 0..12 {
        let words = |from: usize, n: usize| -> String {
            (from..from + n)
                .map(|k| format!("كلمة{i}م{k}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let text = format!(
            "موقع الأخبار اليومية الأول في المنطقة\n{}\nتابعونا على تويتر وفيسبوك لآخر الأخبار\n{}\nاقرأ أيضا:\nعنوان خبر آخر\nعنوان خبر ثالث\n",
            words(0, 20),
            words(20, 40)
        );
        std::fs::write(dir.path().join(format!("site{i:02}.txt")), text).unwrap();
    }
    let spill = tempfile::tempdir().unwrap();
    for spill_above in [u64::MAX, 0] {
        let s = scan(
            std::slice::from_ref(&path),
            &Config {
                spill_above,
                spill_dir: Some(spill.path().to_path_buf()),
                ..Config::default()
            },
        );
        assert_eq!(s.corpus.is_spilled(), spill_above == 0);
        let mut cut = 0;
        let mut opens_marked = 0;
        for (i, b) in s.bodies.iter().enumerate() {
            opens_marked += usize::from(b.marks.first().is_some_and(Option::is_some));
            let c = s.corpus.tokens_and_lines(i);
            let body = neardup::pipeline::body_tokens_of(c.seg(), &b.marks, b.tail.as_ref());
            cut += usize::from(body.len() < c.seg().tokens.len());
            for n in [0, 1, 7, 36, body.len(), body.len() + 5] {
                let head = s.corpus.body_head(i, &b.marks, b.tail.as_ref(), n);
                assert_eq!(head, body[..n.min(body.len())], "document {i}, {n} tokens");
            }
        }
        // Some bodies leave boilerplate or a tail out, some at their start.
        assert!(cut > 0);
        assert!(opens_marked >= 12, "{opens_marked}");
    }
}
