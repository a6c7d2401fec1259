//! Bags of words rest on rare words (issue 3): a shuffled passage whose
//! words only two documents hold is a shared passage; a template whose
//! words many documents hold, shuffled differently in each, is not, even
//! when the documents are candidates through a short formula they share.

use std::path::Path;

use neardup::Config;

use crate::util::{relation, scan, write};

/// `n` distinct words `{tag}0 …`.
fn words(tag: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{tag}{i}")).collect()
}

/// `v` in an order fixed by `seed` that moves words far.
fn shuffled(v: &[String], seed: usize) -> Vec<String> {
    let mut out = v.to_vec();
    out.sort_by_key(|w| {
        // FNV-1a of the word and the seed, then the SplitMix64 finalizer.
        let mut h = w
            .bytes()
            .chain((seed as u64).to_le_bytes())
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    });
    out
}

/// A document: its own words around `middle`, in sentences.
fn document(tag: &str, middle: &[String]) -> String {
    let own = words(tag, 120);
    let mut all: Vec<String> = own[..60].to_vec();
    all.extend_from_slice(middle);
    all.extend_from_slice(&own[60..]);
    all.chunks(12)
        .map(|s| s.join(" ") + ".")
        .collect::<Vec<_>>()
        .join(" ")
}

/// Twelve reports of one template (its 60 words in 15 documents, more
/// than `word_max_docs`), each also holding one short formula (too short
/// for a passage, but enough shared anchors to make every two of them a
/// candidate pair); and two documents sharing a shuffled passage of
/// words no other document has.
fn corpus(dir: &Path) {
    let template = words("tpl", 60);
    let formula = words("frm", 10);
    for k in 0..15 {
        let mut middle = shuffled(&template, k);
        if k < 12 {
            // Inside a sentence of the document's own words, so that no
            // line repeats (a repeated line would be boilerplate).
            middle.splice(30..30, formula.iter().cloned());
        }
        let text = document(&format!("d{k}x"), &middle);
        write(dir, &format!("template{k:02}.txt"), text.as_bytes());
    }
    let passage = words("rare", 50);
    for (k, name) in ["reuse_a.txt", "reuse_b.txt"].into_iter().enumerate() {
        let text = document(&format!("r{k}x"), &shuffled(&passage, 100 + k));
        write(dir, name, text.as_bytes());
    }
}

#[test]
fn bags_of_words_need_rare_words() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let s = scan(&[dir.path().to_path_buf()], &Config::default());
    let r = &s.report;
    assert_eq!(
        relation(r, "reuse_a.txt", "reuse_b.txt").as_deref(),
        Some("shared_passages"),
        "{:?}",
        r.pairs
    );
    let templated: Vec<_> = r
        .pairs
        .iter()
        .filter(|p| p.a.starts_with("template") || p.b.starts_with("template"))
        .collect();
    assert!(templated.is_empty(), "{templated:?}");
}
