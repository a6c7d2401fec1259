use super::*;
use neardup::index::Streamer;

fn jsonl_docs(path: &Path, fields: [&str; 3]) -> Vec<Document> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| Document {
            id: v[fields[0]].as_str().unwrap_or_default().to_string(),
            source: v[fields[2]].as_str().map(str::to_string),
            text: v[fields[1]].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

/// Answers every document of `queries` both ways; returns how many the
/// fast path answered.
fn fast_equals_slow(indexed: Vec<Document>, queries: &[Document], cfg: &Config) -> u64 {
    let mut s = Streamer::new(indexed, cfg, &Silent);
    let mut related = 0;
    for q in queries {
        let fast = s.answer(q.clone());
        let slow = s.answer_slowly(q.clone());
        assert_eq!(fast, slow, "{}", q.id);
        related += usize::from(!slow.1.is_empty());
    }
    assert!(related > 0, "some queries relate to the index");
    s.counts().0
}

fn fixture_queries() -> Vec<Document> {
    let mut q = jsonl_docs(&new_docs(), ["id", "text", "source"]);
    // Indexed documents sent again, and one carrying an indexed
    // document's line that alone would become boilerplate.
    q.extend(jsonl_docs(&indexed(), ["id", "text", "source"]));
    let filler = q
        .iter()
        .find(|d| d.id == "a-filler-1")
        .expect("filler")
        .text
        .clone();
    let first_line = filler.lines().next().unwrap_or_default().to_string();
    q.push(Document {
        id: "shares-a-line".into(),
        source: None,
        text: format!("{first_line}\nكلمات أخرى لا علاقة لها بأي شيء آخر هنا"),
    });
    q
}

#[test]
fn fast_path_equals_whole_pipeline() {
    let indexed_docs = jsonl_docs(&indexed(), ["id", "text", "source"]);
    for cfg in [
        cfg(1),
        Config {
            passages: false,
            ..cfg(2)
        },
        Config {
            threshold: 0.3,
            max_bucket: 2,
            large_bucket_window: 1,
            ..cfg(2)
        },
    ] {
        let fast = fast_equals_slow(indexed_docs.clone(), &fixture_queries(), &cfg);
        eprintln!("fast {fast} of {}", fixture_queries().len());
        assert!(fast >= 10, "most answers are fast: {fast}");
    }
}

/// Pages that carry an indexed article after their own, without a
/// marker (`tests/fixtures/trailing`): with tails without a marker on,
/// the fast path leaves every query to the whole pipeline, which finds
/// their tails.
#[test]
fn tails_without_a_marker_stream_like_the_whole_pipeline() {
    let dir = fixtures().join("trailing");
    let doc = |name: &str| Document {
        id: name.to_string(),
        source: None,
        text: std::fs::read_to_string(dir.join(name)).expect("fixture"),
    };
    let indexed: Vec<Document> = [
        "match.txt",
        "conference.txt",
        "excerpt.txt",
        "other0.txt",
        "other1.txt",
    ]
    .iter()
    .map(|n| doc(n))
    .collect();
    let queries: Vec<Document> = ["water.txt", "weather.txt", "other2.txt", "excerpt.txt"]
        .iter()
        .map(|n| doc(n))
        .collect();
    let cfg = Config {
        trailing_tails: true,
        ..cfg(2)
    };
    let mut s = Streamer::new(indexed, &cfg, &Silent);
    for q in &queries {
        let fast = s.answer(q.clone());
        let slow = s.answer_slowly(q.clone());
        assert_eq!(fast, slow, "{}", q.id);
        if q.id == "water.txt" {
            assert!(
                slow.1
                    .iter()
                    .any(|m| m.id == "match.txt"
                        && m.relation == neardup::verify::Relation::TailCopy),
                "{slow:?}"
            );
        }
    }
    assert_eq!(s.counts().0, 0, "with tails without a marker, no fast path");
}

#[test]
fn fast_path_equals_whole_pipeline_on_random_corpora() {
    let mut fast = 0;
    let mut total = 0;
    for seed in 0..16 {
        let docs = random_corpus(seed, 60);
        let cfg = Config {
            max_bucket: if seed % 2 == 0 { 200 } else { 3 },
            large_bucket_window: 2,
            threshold: if seed % 3 == 0 { 0.3 } else { 0.5 },
            ..cfg(2)
        };
        let (indexed, queries) = docs.split_at(45);
        fast += fast_equals_slow(indexed.to_vec(), queries, &cfg);
        total += queries.len() as u64;
    }
    eprintln!("fast {fast} of {total}");
    assert!(fast * 2 > total, "fast {fast} of {total}");
}

/// 500 SaudiNewsNet articles streamed against an index of the 3,000
/// extracted before them.
#[test]
#[ignore = "needs ../shared/data"]
fn saudinewsnet_fast_path_equals_whole_pipeline() {
    use std::io::BufRead;
    let data =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/saudinewsnet/docs.jsonl.gz");
    let file = std::fs::File::open(&data).expect("../shared/data/saudinewsnet");
    let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
    let mut rows: Vec<(String, Document)> = reader
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(&l.expect("line")).expect("json"))
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            let doc = Document {
                id: s("url"),
                source: Some(s("source")),
                text: s("content"),
            };
            (s("date_extracted"), doc)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let start = rows.len() / 2;
    let indexed: Vec<Document> = rows[start..start + 3000]
        .iter()
        .map(|r| r.1.clone())
        .collect();
    let queries: Vec<Document> = rows[start + 3000..start + 3500]
        .iter()
        .map(|r| r.1.clone())
        .collect();
    let fast = fast_equals_slow(indexed, &queries, &cfg(0));
    eprintln!("{fast} of {} answered by the fast path", queries.len());
}
