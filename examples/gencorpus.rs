//! `gencorpus`: deterministic generator of large Arabic news corpora with gold labels.
//!
//! `cargo run --release --example gencorpus -- --data ../shared/data --docs 100000
//! --seed 42 --out DIR` writes `docs.jsonl` (`id`, `source`, `text`), `gold_pairs.jsonl`
//! (`a` < `b`, `relation`), `gold_clusters.jsonl` (`members`), `gold_tails.jsonl` (`id`,
//! `start`: byte offset of the tail's marker line, `marker`, `copies`: the document whose
//! body the tail carries) and `manifest.json`. Same arguments, byte-identical output.
//!
//! Bases (SaudiNewsNet + ANT): lines seen 3+ times (site boilerplate) and "read also"
//! lines removed; articles under 60 or over 4000 words or with characters that NFKC
//! rewrites (presentation forms) dropped. An article is dropped if its token sequence
//! equals an earlier one or if 3+ (or 5%+) of its sampled word 8-grams (hash = 0 mod 4)
//! occur in earlier kept articles; a line already kept is removed. Residual risk: bases
//! may share a sentence inside a paragraph.
//!
//! Originals: each base once, shuffled; then the bases again in "epochs", each under its
//! own word cipher (the 50 most frequent word types kept, the others permuted within bands
//! of 64 neighbouring frequency ranks): real paragraph, sentence and frequency structure,
//! no 5-gram shared across epochs. (Splicing verbatim paragraphs would make them recur in
//! many unrelated documents: boilerplate to `neardup`, and a flood of shared passages.)
//!
//! Gold relations are measured on bodies (no boilerplate lines, no tails): sets of word
//! 5-grams (split on non-alphanumeric chars, lowercased, Arabic marks skipped, alef, ya,
//! ta marbuta, Persian letters and digits folded as in SPEC section 2); a Jaccard of 0.9+
//! is duplicate, 0.5+ near_duplicate, else a containment (of the smaller) of 0.8+ is
//! contains, else unrelated. A copy within 0.02-0.03 of a threshold is drawn again.
#![allow(clippy::print_stderr)]

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::fmt::Display;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

type Res<T> = Result<T, String>;
fn ctx<T, E: Display>(r: Result<T, E>, what: impl Display) -> Res<T> {
    r.map_err(|e| format!("{what}: {e}"))
}
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
fn fnv(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(0x0100_0000_01b3)
}
fn combine(w: &[u64]) -> u64 {
    mix(w.iter().fold(7, |h, &t| fnv(h.rotate_left(23), t)))
}

/// FNV-1a, for the word-keyed maps (std's SipHash is needlessly slow here).
#[derive(Default)]
struct Fnv(u64);
impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        mix(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes.iter().fold(self.0, |h, &b| fnv(h, u64::from(b)));
    }
}
type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
fn fold(c: char) -> char {
    match c {
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ى' | 'ی' => 'ي',
        'ة' | 'ھ' => 'ه',
        'ک' => 'ك',
        '٠'..='٩' => char::from(b'0' + (c as u32 - 0x660) as u8),
        '۰'..='۹' => char::from(b'0' + (c as u32 - 0x6F0) as u8),
        _ => c,
    }
}
fn is_word(c: char) -> bool {
    let fast = matches!(c, 'ء'..='ي' | '0'..='9' | 'a'..='z' | 'A'..='Z');
    fast || !c.is_ascii() && c.is_alphanumeric()
}

/// Appends one hash per token: runs of alphanumeric chars, lowercased, letter variants and
/// digits folded as in SPEC section 2; Arabic marks and tatweel are skipped.
fn tokens(text: &str, out: &mut Vec<u64>) {
    const SEED: u64 = 0xcbf2_9ce4_8422_2325;
    let (mut h, mut len) = (SEED, 0);
    for c in text.chars().map(fold) {
        match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => continue,
            'ء'..='ي' | '0'..='9' | 'a'..='z' => h = fnv(h, u64::from(c)),
            c if c.is_alphanumeric() => h = c.to_lowercase().fold(h, |h, l| fnv(h, l.into())),
            _ => {
                out.extend((len > 0).then(|| mix(h)));
                (h, len) = (SEED, 0);
                continue;
            }
        }
        len += 1;
    }
    out.extend((len > 0).then(|| mix(h)));
}

/// Sorted, deduplicated word 5-gram hashes of a body (one shingle if shorter).
fn shingles(body: &[Cow<str>]) -> Vec<u64> {
    let mut toks = Vec::new();
    for p in body {
        tokens(p, &mut toks);
    }
    let n = toks.len().clamp(1, 5);
    let mut v: Vec<u64> = toks.windows(n).map(combine).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// (Jaccard, containment of the smaller set) of two sorted sets.
fn sim(a: &[u64], b: &[u64]) -> (f64, f64) {
    let n = a.iter().filter(|x| b.binary_search(x).is_ok()).count() as f64;
    let union = (a.len() + b.len()).max(1) as f64 - n;
    (n / union, n / a.len().min(b.len()).max(1) as f64)
}
const RELATIONS: [&str; 3] = ["duplicate", "near_duplicate", "contains"];
fn label((j, c): (f64, f64)) -> Option<usize> {
    [j >= 0.9, j >= 0.5, c >= 0.8].iter().position(|&x| x)
}
fn borderline(&(j, c): &(f64, f64)) -> bool {
    (j - 0.9).abs() < 0.02 || (j - 0.5).abs() < 0.03 || (j < 0.5 && (c - 0.8).abs() < 0.03)
}

/// Cleaned, deduplicated base articles as ranges of one paragraph pool.
#[derive(Default)]
struct Pool {
    paras: Vec<String>,
    words: Vec<u32>,
    bases: Vec<(u32, u32)>,
}
/// Marker lines of "read also" links and tails, dropped from base articles.
const BASE_MARKERS: &str = "اقرأ أيضا|إقرأ أيضا|اقرا ايضا|للمزيد|Read also|Read more";

fn load_pool(data: &Path, stats: &mut BTreeMap<&'static str, u64>) -> Res<Pool> {
    let nfkc = |c: char| matches!(c, '\u{FB00}'..='\u{FDFF}' | '\u{FE70}'..='\u{FFEF}');
    let trim = |c: char| c.is_whitespace() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{feff}');
    let (mut line_count, mut keyed) = (HashMap::<u64, u32>::new(), Vec::new());
    for file in ["saudinewsnet/docs.jsonl.gz", "antcorpus/docs.jsonl.gz"] {
        let path = data.join(file);
        let f = ctx(File::open(&path), path.display())?;
        for (n, line) in BufReader::new(MultiGzDecoder::new(f)).lines().enumerate() {
            let at = format!("{}:{}", path.display(), n + 1);
            let v: Value = ctx(serde_json::from_str(&ctx(line, &at)?), &at)?;
            let text = v.get("content").or(v.get("text")).and_then(Value::as_str);
            let text = text.filter(|t| !t.contains(nfkc)); // such articles count as short
            let mut lines = Vec::new();
            for l in text.unwrap_or("").split('\n').map(|l| l.trim_matches(trim)) {
                let mut toks = Vec::new();
                tokens(l, &mut toks);
                if toks.is_empty() || BASE_MARKERS.split('|').any(|m| l.starts_with(m)) {
                    *stats.entry("lines_dropped_marker_or_empty").or_default() += 1;
                    continue;
                }
                *line_count.entry(combine(&toks)).or_default() += 1;
                lines.push((l.to_string(), toks));
            }
            keyed.push(lines);
        }
    }
    stats.insert("articles_read", keyed.len() as u64);
    let mut pool = Pool::default();
    let (mut seen_exact, mut seen8, mut toks) = (HashSet::new(), HashSet::new(), Vec::new());
    let mut seen_lines = HashSet::new();
    for doc in keyed {
        toks.clear();
        let mut kept = Vec::new();
        for (l, t) in doc {
            if line_count[&combine(&t)] >= 3 {
                *stats.entry("lines_dropped_repeated").or_default() += 1;
            } else {
                toks.extend(&t);
                kept.push((l, t.len() as u32, combine(&t)));
            }
        }
        let drop = if toks.len() < 60 || toks.len() > 4000 {
            Some("dropped_short_or_long")
        } else if !seen_exact.insert(combine(&toks) ^ toks.len() as u64) {
            Some("dropped_exact_dup")
        } else {
            let samples = toks
                .windows(8)
                .map(combine)
                .filter(|h| h.trailing_zeros() >= 2);
            let samples: Vec<u64> = samples.collect();
            let shared = samples.iter().filter(|h| seen8.contains(*h)).count();
            let near = shared >= 3 || shared > 0 && shared * 20 >= samples.len();
            seen8.extend(samples.into_iter().filter(|_| !near));
            near.then_some("dropped_near_dup")
        };
        if let Some(why) = drop {
            *stats.entry(why).or_default() += 1;
            continue;
        }
        // A line kept once is not kept again (shared bylines, datelines, short quotes).
        kept.retain(|k| seen_lines.insert(k.2));
        let start = pool.paras.len() as u32;
        pool.words.extend(kept.iter().map(|k| k.1));
        pool.paras.extend(kept.into_iter().map(|k| k.0));
        pool.bases.push((start, pool.paras.len() as u32));
    }
    stats.insert("articles_kept", pool.bases.len() as u64);
    stats.insert("paragraphs", pool.paras.len() as u64);
    Ok(pool)
}

/// A whitespace token as (prefix, word, suffix); the word spans its alphanumeric chars.
fn split_word(t: &str) -> (&str, &str, &str) {
    let s = t.find(is_word).unwrap_or(t.len());
    let e = t.char_indices().rev().find(|c| is_word(c.1));
    let e = e.map_or(s, |(i, c)| i + c.len_utf8()).max(s);
    (&t[..s], &t[s..e], &t[e..])
}

/// Word cipher: keeps the `FIXED` most frequent word types and permutes the others
/// within bands of 64 neighbouring frequency ranks, by a key-dependent affine map.
struct Cipher<'a> {
    ranked: Vec<&'a str>,
    rank: FnvMap<&'a str, u32>,
}
const FIXED: usize = 50;

impl<'a> Cipher<'a> {
    #[allow(clippy::iter_over_hash_type)] // sorted right after
    fn new(pool: &'a Pool) -> Self {
        let mut freq: FnvMap<&str, u32> = FnvMap::default();
        for t in pool.paras.iter().flat_map(|p| p.split_whitespace()) {
            *freq.entry(split_word(t).1).or_default() += 1;
        }
        freq.remove("");
        let mut ranked: Vec<(&str, u32)> = freq.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let ranked: Vec<&str> = ranked.into_iter().map(|x| x.0).collect();
        let rank = ranked.iter().enumerate().map(|(i, &w)| (w, i as u32));
        let rank = rank.collect();
        Cipher { ranked, rank }
    }
    fn para(&self, p: &'a str, key: u32) -> Cow<'a, str> {
        if key == 0 {
            return Cow::Borrowed(p);
        }
        let mut out = String::with_capacity(p.len());
        for t in p.split_whitespace() {
            let (pre, w, suf) = split_word(t);
            let r = self.rank.get(w).map_or(0, |&r| r as usize);
            let band = (r.max(FIXED) - FIXED) / 64;
            let b0 = FIXED + band * 64;
            let w = if r < FIXED || b0 + 64 > self.ranked.len() {
                w
            } else {
                let h = mix(u64::from(key) << 32 ^ band as u64) as usize;
                self.ranked[b0 + (((h | 1) & 63) * (r - b0) + (h >> 8)) % 64]
            };
            let sep = &" "[..usize::from(!out.is_empty())];
            out.extend([sep, pre, w, suf]);
        }
        Cow::Owned(out)
    }
}

/// 20 invented sites: `slug=display name`.
const SITES: &str = "akhbar-alkhaleej=أخبار الخليج;sada-alarab=صدى العرب;watan-now=الوطن الآن;\
masdar-online=المصدر أونلاين;nabd-alsharq=نبض الشرق;yawm24=اليوم 24;arab-now=عرب ناو;\
rai-alaam=الرأي العام;sawt-alumma=صوت الأمة;mustaqbal-news=المستقبل نيوز;hadath-press=الحدث برس;\
jazira-daily=الجزيرة اليومية;nahar-net=النهار نت;maghreb-voice=صوت المغرب;nile-times=تايمز النيل;\
sham-post=بريد الشام;asima-news=العاصمة نيوز;rafidain-today=الرافدين اليوم;sahil-info=الساحل إنفو;\
bawaba-24=البوابة 24";
/// Boilerplate templates, one a line: `top|middle|bottom`, `{}` = site name.
const TEMPLATES: &str = "[ad_1]||[ad_2]
||تابع أحدث الأخبار عبر تطبيق {}
||المقالات والآراء المنشورة تعبر عن رأي كتابها ولا تعبر بالضرورة عن رأي {}
||شارك هذا الخبر عبر فيسبوك وتويتر وواتساب
||جميع الحقوق محفوظة لموقع {} © 2024
|اشترك في نشرتنا البريدية لتصلك أهم الأخبار يومياً|
||اترك تعليقاً: لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *
|تابعونا على قناة {} في تيليجرام|
الرئيسية » أخبار » {}||
||للاشتراك في خدمة الرسائل القصيرة أرسل كلمة أخبار إلى 88888";
/// Tail marker lines (chosen uniformly).
const MARKERS: [&str; 3] = ["إقرأ أيضاً:", "اقرأ أيضا:", "اقرأ أيضاً:"];
/// Copy kinds and their weights.
#[rustfmt::skip]
const KINDS: [(&str, f64); 7] = [("exact", 12.0), ("light_edit", 10.0), ("word_edits", 28.0),
    ("truncate", 15.0), ("extra_paragraphs", 15.0), ("read_also_tail", 12.0), ("edits_and_tail", 8.0)];
/// Generated cluster sizes and their probabilities.
const SIZES: [(u32, f64); 5] = [(2, 0.40), (3, 0.25), (4, 0.15), (5, 0.12), (6, 0.08)];
const COPY_FRACTION: f64 = 0.3;
/// Output files; docs.jsonl and gold_tails.jsonl are streamed.
#[rustfmt::skip]
const FILES: [&str; 4] = ["docs.jsonl", "gold_tails.jsonl", "gold_pairs.jsonl", "gold_clusters.jsonl"];

/// A site: slug, and boilerplate (top, middle, bottom line; "" = none) with its rate.
type Site = (String, Vec<([String; 3], f64)>);
/// A paragraph of the pool and the cipher key it is written with (0 = as is).
type Unit = (u32, u32);
/// A "read also" tail: the document it copies and its paragraphs.
type Tail = Option<(u32, Vec<Unit>)>;
/// The writers of docs.jsonl and gold_tails.jsonl.
type Out = [BufWriter<File>; 2];
/// An open generated cluster: the original's units, members' shingles, copies to come.
type Cluster = (Vec<Unit>, Vec<(u32, Vec<u64>)>, u32);

struct Gen<'a> {
    rng: ChaCha8Rng,
    pool: &'a Pool,
    cipher: Cipher<'a>,
    vocab: Vec<&'a str>,
    sites: Vec<Site>,
    originals: Vec<(u32, Vec<Unit>)>,
    clusters: BTreeMap<u32, Cluster>,
    pairs: Vec<(u32, u32, usize)>,
    counts: BTreeMap<String, u64>,
}

fn id(i: u32) -> String {
    format!("gen-{i:09}")
}

impl<'a> Gen<'a> {
    fn count(&mut self, key: &str, n: u64) {
        *self.counts.entry(key.to_string()).or_default() += n;
    }
    fn render(&self, units: &[Unit]) -> Vec<Cow<'a, str>> {
        let (pool, cipher) = (self.pool, &self.cipher);
        let para = |&(p, k): &Unit| cipher.para(&pool.paras[p as usize], k);
        units.iter().map(para).collect()
    }
    fn words(&self, units: &[Unit]) -> f64 {
        let n: u32 = units.iter().map(|u| self.pool.words[u.0 as usize]).sum();
        f64::from(n.max(1))
    }

    /// Deletes, substitutes or inserts after each word with probability `rate`.
    fn edited(&mut self, body: &[Cow<'a, str>], rate: f64) -> Vec<Cow<'a, str>> {
        let mut out = Vec::with_capacity(body.len());
        for p in body {
            let mut words = Vec::new();
            for w in p.split_whitespace() {
                let r: f64 = self.rng.gen();
                let v = self.vocab[self.rng.gen_range(0..self.vocab.len())];
                match ((r * 3.0 / rate) as u32).min(3) {
                    0 => {}
                    1 => words.push(v),
                    2 => words.extend([w, v]),
                    _ => words.push(w),
                }
            }
            out.push(Cow::Owned(words.join(" ")));
        }
        out
    }

    /// An earlier original outside cluster `cl`, all or the first half of it.
    fn pick_tail(&mut self, cl: u32) -> Tail {
        let (d, units) = self.originals.choose(&mut self.rng)?;
        let n = units.len().div_ceil(self.rng.gen_range(1..=2));
        (*d != cl).then(|| (*d, units[..n].to_vec()))
    }

    /// Appends to `all` random paragraph blocks, ciphered with a key of their own, up
    /// to `target` words; at the end or (40%) at random places.
    fn extra(&mut self, all: &mut Vec<Unit>, target: f64, key: u32) {
        let (append, max) = (self.rng.gen_bool(0.6), all.len() + 30);
        while self.words(all) < target && all.len() < max {
            let b = self.rng.gen_range(0..self.pool.bases.len());
            let (s, e) = self.pool.bases[b];
            let len = self.rng.gen_range(1..=3.min(e - s));
            let start = self.rng.gen_range(s..=e - len);
            let r = self.rng.gen_range(0..=all.len());
            let at = if append { all.len() } else { r };
            all.splice(at..at, (start..start + len).map(|p| (p, key)));
        }
    }

    /// A copy of cluster `cl`'s original; records its gold pairs.
    fn copy(&mut self, doc: u32, cl: u32) -> (Vec<Cow<'a, str>>, Tail) {
        let units = self.clusters[&cl].0.clone();
        let (orig, ow, n) = (self.render(&units), self.words(&units), units.len());
        let kind = KINDS.choose_weighted(&mut self.rng, |k| k.1);
        let mut kind = kind.map_or("exact", |k| k.0);
        if kind == "truncate" && n < 2 {
            kind = "word_edits";
        }
        for attempt in 0..=10 {
            if attempt == 10 {
                kind = "exact";
                self.count("copies_fallback_to_exact", 1);
            }
            let body = match kind {
                "light_edit" => self.edited(&orig, 2.0 / ow),
                "word_edits" | "edits_and_tail" => {
                    let rate = self.rng.gen_range(0.02..0.08);
                    self.edited(&orig, rate)
                }
                "truncate" => {
                    let target = ow * self.rng.gen_range(0.4..0.7);
                    let keep = (1..n).find(|&k| self.words(&units[..k]) >= target);
                    orig[..keep.unwrap_or(n - 1)].to_vec()
                }
                "extra_paragraphs" => {
                    let (mut all, target) = (units.clone(), ow * self.rng.gen_range(2.1..3.2));
                    self.extra(&mut all, target, 0x8000_0000 | doc);
                    self.render(&all)
                }
                _ => orig.clone(),
            };
            let sh = shingles(&body);
            let members = &self.clusters[&cl].1;
            let sims: Vec<_> = members.iter().map(|m| sim(&m.1, &sh)).collect();
            if attempt < 10 && sims.iter().any(borderline) {
                self.count("copies_redrawn_borderline", 1);
                continue;
            }
            let c = self.clusters.get_mut(&cl).expect("open cluster");
            let related = sims.into_iter().zip(&c.1);
            let related: Vec<_> = related
                .filter_map(|(s, m)| Some((m.0, doc, label(s)?)))
                .collect();
            let unrelated = (c.1.len() - related.len()) as u64;
            self.pairs.extend(related);
            c.1.push((doc, sh));
            c.2 -= 1;
            if c.2 == 0 {
                self.clusters.remove(&cl);
            }
            self.count("pairs_in_cluster_unrelated", unrelated);
            self.count(&format!("copies_{kind}"), 1);
            let tail = kind.ends_with("tail").then(|| self.pick_tail(cl));
            return (body, tail.flatten());
        }
        unreachable!("the last attempt is an exact copy, always accepted")
    }

    /// A new original: the next base, ciphered from the second epoch on.
    fn original(&mut self, doc: u32, order: &[u32]) -> Vec<Unit> {
        let (i, nb) = (self.originals.len(), order.len());
        let (s, e) = self.pool.bases[order[i % nb] as usize];
        let units: Vec<Unit> = (s..e).map(|p| (p, (i / nb) as u32)).collect();
        let what = ["originals_as_is", "originals_ciphered"][usize::from(i >= nb)];
        self.count(what, 1);
        self.originals.push((doc, units.clone()));
        units
    }

    /// Picks a site, adds its boilerplate lines and the tail, writes the document.
    fn write(&mut self, w: &mut Out, doc: u32, body: &[Cow<str>], tail: Tail) -> Res<()> {
        let (slug, bps) = &self.sites[self.rng.gen_range(0..self.sites.len())];
        let mut lines: [Vec<&str>; 3] = Default::default();
        for (bp, _) in bps.iter().filter(|bp| self.rng.gen_bool(bp.1)) {
            for k in (0..3).filter(|&k| !bp[k].is_empty()) {
                lines[k].push(&bp[k]);
            }
        }
        let at = self.rng.gen_range(1..=body.len().max(1));
        let mut all: Vec<&str> = lines[0].clone();
        for (i, p) in body.iter().enumerate() {
            all.push(p);
            all.extend(if i + 1 == at { &lines[1][..] } else { &[] });
        }
        all.extend(&lines[2]);
        let mut text = all.join("\n");
        let (did, nbp) = (id(doc), (all.len() - body.len()) as u64);
        if let Some((src, units)) = tail {
            let marker = MARKERS[self.rng.gen_range(0..3)];
            let start = text.len() + 1;
            text.extend(["\n", marker]);
            for &(p, k) in &units {
                text.extend(["\n", &self.cipher.para(&self.pool.paras[p as usize], k)]);
            }
            let rec = json!({"id": did, "start": start, "marker": marker, "copies": id(src)});
            ctx(writeln!(w[1], "{rec}"), "gold_tails.jsonl")?;
            *self.counts.entry("docs_with_tail".into()).or_default() += 1;
        }
        let rec = json!({"id": did, "source": slug, "text": text});
        ctx(writeln!(w[0], "{rec}"), "docs.jsonl")?;
        self.count("boilerplate_lines", nbp);
        Ok(())
    }
}

fn sites(rng: &mut ChaCha8Rng) -> Vec<Site> {
    let templates: Vec<Vec<&str>> = TEMPLATES.lines().map(|l| l.split('|').collect()).collect();
    let mut sites = Vec::new();
    for s in SITES.split(';') {
        let (slug, name) = s.split_once('=').unwrap_or((s, s));
        let k = rng.gen_range(2..=4);
        let picks = rand::seq::index::sample(rng, templates.len(), k).into_vec();
        let bp = picks.into_iter().map(|t| {
            let line = |k: usize| templates[t][k].replace("{}", name);
            ([line(0), line(1), line(2)], rng.gen_range(0.5..0.95))
        });
        sites.push((slug.to_string(), bp.collect()));
    }
    sites
}

fn run(data: &Path, ndocs: u32, seed: u64, out: &Path) -> Res<()> {
    let t0 = std::time::Instant::now();
    let mut base_stats = BTreeMap::new();
    let pool = load_pool(data, &mut base_stats)?;
    let cipher = Cipher::new(&pool);
    base_stats.insert("word_types", cipher.ranked.len() as u64);
    eprintln!("bases: {base_stats:?} ({:.1}s)", t0.elapsed().as_secs_f64());
    if pool.bases.len() < 100 {
        return Err(format!("{}: too few base articles", data.display()));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sites = sites(&mut rng);
    let vocab = (0..100_000).filter_map(|_| {
        let p = &pool.paras[rng.gen_range(0..pool.paras.len())];
        let words: Vec<&str> = p.split_whitespace().collect();
        words.choose(&mut rng).copied()
    });
    let vocab = vocab.collect();
    let mut order: Vec<u32> = (0..pool.bases.len() as u32).collect();
    order.shuffle(&mut rng);
    let (originals, clusters, pairs, counts) = Default::default();
    let pool = &pool;
    let mut g = Gen {
        rng,
        pool,
        cipher,
        vocab,
        sites,
        originals,
        clusters,
        pairs,
        counts,
    };
    let mean_copies: f64 = SIZES.iter().map(|&(s, p)| f64::from(s - 1) * p).sum();
    let p_cluster = COPY_FRACTION / (1.0 - COPY_FRACTION) / mean_copies;
    let window = (ndocs / 20).clamp(10, 20_000);
    ctx(std::fs::create_dir_all(out), out.display())?;
    let create = |n: &str| ctx(File::create(out.join(n)), n).map(BufWriter::new);
    let mut w = [create(FILES[0])?, create(FILES[1])?];
    let mut heap: BinaryHeap<Reverse<(u32, u64, u32)>> = BinaryHeap::new();
    for doc in 0..ndocs {
        let (body, tail) = if heap.peek().is_some_and(|r| r.0 .0 <= doc) {
            let cl = heap.pop().map_or(0, |r| r.0 .2);
            g.copy(doc, cl)
        } else {
            let units = g.original(doc, &order);
            let body = g.render(&units);
            if g.rng.gen_bool(p_cluster) {
                let size = SIZES.choose_weighted(&mut g.rng, |s| s.1);
                let size = size.map_or(2, |s| s.0);
                for k in 1..size {
                    let due = doc + g.rng.gen_range(1..=window);
                    heap.push(Reverse((due, u64::from(doc) * 8 + u64::from(k), doc)));
                }
                let members = vec![(doc, shingles(&body))];
                g.clusters.insert(doc, (units, members, size - 1));
            }
            let tail = g.rng.gen_bool(0.05).then(|| g.pick_tail(doc));
            (body, tail.flatten())
        };
        g.write(&mut w, doc, &body, tail)?;
        if doc % 100_000 == 99_999 {
            eprintln!("{} docs ({:.1}s)", doc + 1, t0.elapsed().as_secs_f64());
        }
    }
    g.count("copies_scheduled_not_emitted", heap.len() as u64);
    // Gold clusters: connected components of the gold pairs, rooted at their least id.
    g.pairs.sort_unstable();
    let mut root: Vec<u32> = (0..ndocs).collect();
    let find = |root: &[u32], mut x: u32| {
        while root[x as usize] != x {
            x = root[x as usize];
        }
        x
    };
    let mut pair_lines = Vec::new();
    for &(a, b, r) in &g.pairs {
        let (ra, rb) = (find(&root, a), find(&root, b));
        root[ra.max(rb) as usize] = ra.min(rb);
        let key = format!("gold_{}", RELATIONS[r]);
        *g.counts.entry(key).or_default() += 1;
        pair_lines.push(json!({"a": id(a), "b": id(b), "relation": RELATIONS[r]}));
    }
    let mut clusters: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for x in g.pairs.iter().flat_map(|p| [p.0, p.1]) {
        clusters.entry(find(&root, x)).or_default().push(x);
    }
    let mut cluster_lines = Vec::new();
    for mut m in clusters.into_values() {
        m.sort_unstable();
        m.dedup();
        g.count(&format!("cluster_size_{}", m.len()), 1);
        cluster_lines.push(json!({"members": m.into_iter().map(id).collect::<Vec<_>>()}));
    }
    g.count("gold_clusters", cluster_lines.len() as u64);
    for (f, name) in w.iter_mut().zip(FILES) {
        ctx(f.flush(), name)?;
    }
    for (lines, name) in [(pair_lines, FILES[2]), (cluster_lines, FILES[3])] {
        let text: String = lines.iter().map(|l| l.to_string() + "\n").collect();
        ctx(std::fs::write(out.join(name), text), name)?;
    }
    let mut bytes = BTreeMap::new();
    for name in FILES {
        bytes.insert(name, ctx(std::fs::metadata(out.join(name)), name)?.len());
    }
    let params = json!({"data": data.display().to_string(), "docs": ndocs, "seed": seed,
        "copy_fraction": COPY_FRACTION, "prng": "ChaCha8Rng::seed_from_u64(seed)",
        "kinds": BTreeMap::from(KINDS), "cluster_sizes": BTreeMap::from(SIZES),
        "shingles": "word 5-grams", "thresholds": [0.9, 0.5, 0.8], "margins": [0.02, 0.03, 0.03]});
    let manifest = json!({"generator": "gencorpus 1", "params": params, "base": base_stats,
        "counts": g.counts, "bytes": bytes});
    let text = ctx(serde_json::to_string_pretty(&manifest), "manifest.json")?;
    let path = out.join("manifest.json");
    ctx(std::fs::write(&path, text + "\n"), path.display())?;
    let secs = t0.elapsed().as_secs_f64();
    eprintln!("done: {ndocs} docs in {secs:.1}s: {:?}", g.counts);
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: &str| Some(args.iter().position(|a| a == k)? + 1).and_then(|i| args.get(i));
    let num = |k: &str, d: u64| arg(k).map_or(Ok(d), |v| ctx(v.parse::<u64>(), k));
    let result = (|| {
        let out = arg("--out").ok_or("--out DIR is required")?;
        let data = arg("--data").map_or("../shared/data", |d| d.as_str());
        let docs = u32::try_from(num("--docs", 100_000)?).map_err(|_| "--docs: too large")?;
        run(Path::new(data), docs, num("--seed", 42)?, Path::new(out))
    })();
    if let Err(e) = result {
        eprintln!("gencorpus: error: {e}");
        eprintln!("usage: gencorpus --out DIR [--data ../shared/data] [--docs 100000] [--seed 42]");
        std::process::exit(2);
    }
}
