//! Text normalization (SPEC §2) and tokenization with a map back to the
//! original bytes.
//!
//! One pass over the characters: ASCII and the Arabic block go through
//! lookup tables; a token holding any other character is normalized as a
//! whole with NFKC, lower-casing and NFKC again, then the same tables. A
//! token is a maximal run of alphanumeric characters and combining marks
//! (Unicode properties, not ASCII rules); everything else — punctuation
//! such as ، ؛ ؟ « » “ ”, zero-width and bidi controls, spaces — separates
//! tokens. Each token carries the byte span of the original text it came
//! from, so every offset reported refers to the original document.

use std::sync::LazyLock;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::config::NormalizeConfig;

/// What the fast tables make of one character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fast {
    /// Part of a token, written as this character.
    Keep(char),
    /// Part of a token, written as nothing (diacritics, tatweel).
    Drop,
    /// Separates tokens.
    Sep,
    /// Part of a token that needs the full Unicode path.
    Slow,
}

/// Classifies one character through the fast tables.
#[inline]
fn fast(c: char, ta_marbuta: bool) -> Fast {
    fast_with(c, &ARABIC[usize::from(ta_marbuta)])
}

/// [`fast`] with the Arabic table already chosen (hot loops look it up
/// once, not once per character).
#[inline]
fn fast_with(c: char, arabic_table: &[Fast; 256]) -> Fast {
    let u = c as u32;
    if u < 0x80 {
        let b = u as u8;
        return if b.is_ascii_alphanumeric() {
            Fast::Keep(b.to_ascii_lowercase() as char)
        } else {
            Fast::Sep
        };
    }
    if (0x0600..=0x06FF).contains(&u) {
        return arabic_table[(u - 0x0600) as usize];
    }
    if c.is_alphanumeric() || is_combining_mark(c) {
        Fast::Slow
    } else {
        Fast::Sep
    }
}

/// [`arabic`] tabulated, without and with ta marbuta folding.
static ARABIC: LazyLock<[[Fast; 256]; 2]> = LazyLock::new(|| {
    let mut t = [[Fast::Sep; 256]; 2];
    for (fold, table) in t.iter_mut().enumerate() {
        for (i, slot) in table.iter_mut().enumerate() {
            if let Some(c) = char::from_u32(0x0600 + i as u32) {
                *slot = arabic(c, fold == 1);
            }
        }
    }
    t
});

/// A byte-table entry: the bytes a character is written as in a token
/// (`b0 | b1 << 8`) and how many of them (`<< 16`: 0 for a dropped
/// character, 1 for ASCII, 2 for an Arabic-block character), or [`SEP`].
type Entry = u32;

/// The entry of a separator.
const SEP: Entry = u32::MAX;

fn entry(f: Fast) -> Entry {
    match f {
        Fast::Sep => SEP,
        Fast::Drop => 0,
        Fast::Keep(k) => {
            let mut utf8 = [0u8; 4];
            match *k.encode_utf8(&mut utf8).as_bytes() {
                [x] => u32::from(x) | 1 << 16,
                [x, y] => u32::from(x) | u32::from(y) << 8 | 2 << 16,
                _ => unreachable!("the fast tables keep ASCII or Arabic-block characters"),
            }
        }
        Fast::Slow => unreachable!("ASCII and the Arabic block never take the slow path"),
    }
}

/// [`ARABIC`] as entries, by the low six bits of each UTF-8 byte pair:
/// index `(lead & 3) << 6 | (continuation & 0x3F)` for lead bytes
/// 0xD8–0xDB.
static ARABIC_BYTES: LazyLock<[[Entry; 256]; 2]> = LazyLock::new(|| {
    let mut t = [[SEP; 256]; 2];
    for (fold, table) in t.iter_mut().enumerate() {
        for (slot, &f) in table.iter_mut().zip(ARABIC[fold].iter()) {
            *slot = entry(f);
        }
    }
    t
});

/// ASCII bytes as entries: letters lower-cased, digits kept, the rest
/// separators (what [`fast_with`] makes of them; a test checks it).
static ASCII: [Entry; 128] = {
    let mut t = [SEP; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase() as u32 | 1 << 16;
        }
        b += 1;
    }
    t
};

/// The character starting at byte `i` of `text` (a character boundary).
#[inline]
fn char_at(text: &str, i: usize) -> char {
    text[i..]
        .chars()
        .next()
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// `buf` as text: [`Normalizer`] only ever pushes whole UTF-8 sequences.
#[inline]
fn buf_str(buf: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(buf).is_ok());
    #[allow(unsafe_code)]
    // SAFETY: `Normalizer::tokens` counts in the entries' bytes (ASCII
    // bytes and the two bytes of Arabic-block characters, from
    // `char::encode_utf8`) and `char::encode_utf8` output, never a
    // partial sequence.
    unsafe {
        std::str::from_utf8_unchecked(buf)
    }
}

/// The Arabic block, U+0600–U+06FF.
fn arabic(c: char, ta_marbuta: bool) -> Fast {
    match c {
        // Alef with hamza above/below, madda, wasla → bare alef.
        'أ' | 'إ' | 'آ' | 'ٱ' => Fast::Keep('ا'),
        'ى' | 'ی' => Fast::Keep('ي'),
        'ة' if ta_marbuta => Fast::Keep('ه'),
        'ۃ' => Fast::Keep(if ta_marbuta { 'ه' } else { 'ة' }),
        'ک' | 'ڪ' => Fast::Keep('ك'),
        'ھ' | 'ۀ' => Fast::Keep('ه'),
        // Tatweel, tashkeel, superscript alef, Quranic annotation marks.
        '\u{0640}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{0610}'..='\u{061A}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E8}'
        | '\u{06EA}'..='\u{06ED}' => Fast::Drop,
        // Arabic-Indic and Persian digits.
        '\u{0660}'..='\u{0669}' => Fast::Keep(digit(c as u32 - 0x0660)),
        '\u{06F0}'..='\u{06F9}' => Fast::Keep(digit(c as u32 - 0x06F0)),
        _ if c.is_alphanumeric() => Fast::Keep(c),
        // Number signs, ، ؛ ؟ ٪ ۔ and the other punctuation and symbols.
        _ => Fast::Sep,
    }
}

fn digit(d: u32) -> char {
    char::from_digit(d, 10).unwrap_or('0')
}

/// The end of the token starting at byte `start` of `text`: where the run
/// of word characters that [`Normalizer::tokens`] found there stops. (A
/// token that NFKC splits, such as `½`, shares its span with its parts.)
pub fn token_end(text: &str, start: usize) -> usize {
    text[start..]
        .char_indices()
        .find(|&(_, c)| fast(c, true) == Fast::Sep)
        .map_or(text.len(), |(i, _)| start + i)
}

/// A token: its normalized text and the byte span it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The normalized token.
    pub norm: &'a str,
    /// Start byte in the original text.
    pub start: usize,
    /// End byte (exclusive) in the original text.
    pub end: usize,
}

/// Largest token buffer a [`Normalizer`] keeps between texts.
const KEPT_BUFFER: usize = 1 << 20;

/// Tokenizes and normalizes text. Cheap to build; reuse its buffers by
/// keeping one per thread.
#[derive(Debug, Default)]
pub struct Normalizer {
    cfg: NormalizeConfig,
    /// Scratch space for the current token, normalized into its first
    /// bytes: only whole UTF-8 sequences are counted in (ASCII bytes,
    /// two-byte Arabic-block characters, encoded characters).
    buf: Vec<u8>,
    slow: String,
}

impl Normalizer {
    /// A normalizer with these switches.
    pub fn new(cfg: NormalizeConfig) -> Self {
        Normalizer {
            cfg,
            buf: Vec::new(),
            slow: String::new(),
        }
    }

    /// Calls `f` with each token of `text`, in order. Spans are offset by
    /// `base` (the position of `text` in a larger document).
    ///
    /// Works on bytes: ASCII and the two-byte Arabic block (lead bytes
    /// 0xD8–0xDB) go through byte tables without decoding characters;
    /// any other character is decoded and classified by the character
    /// tables. The result is that of a character scan (the tests check it
    /// against one).
    pub fn tokens(&mut self, text: &str, base: usize, mut f: impl FnMut(Token<'_>)) {
        let table = &ARABIC_BYTES[usize::from(self.cfg.ta_marbuta)];
        let ascii = &ASCII;
        let chars = &ARABIC[usize::from(self.cfg.ta_marbuta)];
        let bytes = text.as_bytes();
        let n = bytes.len();
        // The entry of the character at `i` and its length in bytes; `None`
        // for a character outside ASCII and the Arabic block.
        let at = |i: usize| -> Option<(Entry, usize)> {
            let b = bytes[i];
            if b < 0x80 {
                Some((ascii[b as usize], 1))
            } else if b & 0xFC == 0xD8 {
                let next = bytes.get(i + 1).copied().unwrap_or(0x80);
                Some((table[usize::from(b & 3) << 6 | usize::from(next & 0x3F)], 2))
            } else {
                None
            }
        };
        // A token's normalized bytes never outnumber its own, and a write
        // reaches at most four bytes past them: sized once to the text's
        // length plus four, the buffer needs no check in the loop below.
        if self.buf.len() < n + 4 {
            self.buf.resize(n + 4, 0);
        }
        let mut i = 0;
        'tokens: while i < n {
            // Separators up to the token's first character.
            let start = loop {
                if i >= n {
                    break 'tokens;
                }
                if let Some((e, len)) = at(i) {
                    if e != SEP {
                        break i;
                    }
                    i += len;
                } else {
                    let c = char_at(text, i);
                    if fast_with(c, chars) != Fast::Sep {
                        break i;
                    }
                    i += c.len_utf8();
                }
            };
            // The token's characters, written into `buf[..len]`.
            let mut len = 0;
            let mut slow = false;
            while i < n {
                if let Some((e, step)) = at(i) {
                    if e == SEP {
                        break;
                    }
                    // Both bytes are written; only `e >> 16` count.
                    self.buf[len] = e as u8;
                    self.buf[len + 1] = (e >> 8) as u8;
                    len += (e >> 16) as usize;
                    i += step;
                } else {
                    let c = char_at(text, i);
                    match fast_with(c, chars) {
                        Fast::Sep => break,
                        Fast::Drop => {}
                        Fast::Keep(k) => {
                            len += k.encode_utf8(&mut self.buf[len..]).len();
                        }
                        Fast::Slow => slow = true,
                    }
                    i += c.len_utf8();
                }
            }
            self.emit(text, start..i, base, slow, len, &mut f);
        }
        // A huge line (a document without line breaks) does not leave a
        // buffer of its size behind.
        if self.buf.len() > KEPT_BUFFER {
            self.buf = Vec::new();
        }
    }

    fn emit(
        &mut self,
        text: &str,
        span: std::ops::Range<usize>,
        base: usize,
        slow: bool,
        len: usize,
        f: &mut impl FnMut(Token<'_>),
    ) {
        let (s, e) = (span.start, span.end);
        if slow {
            self.emit_slow(&text[s..e], base + s, base + e, f);
        } else if len > 0 {
            f(Token {
                norm: buf_str(&self.buf[..len]),
                start: base + s,
                end: base + e,
            });
        }
    }

    /// Full path for a token with characters outside ASCII and Arabic:
    /// NFKC, lower case, NFKC, then the fast tables. NFKC may split it
    /// (`½` → `1⁄2`); the parts share the original span.
    fn emit_slow(&mut self, raw: &str, start: usize, end: usize, f: &mut impl FnMut(Token<'_>)) {
        let ta = self.cfg.ta_marbuta;
        let folded: String = raw.nfkc().flat_map(char::to_lowercase).collect();
        self.slow.clear();
        for c in folded.nfkc() {
            match fast(c, ta) {
                Fast::Keep(k) => self.slow.push(k),
                Fast::Drop => {}
                Fast::Slow => self.slow.push(c),
                Fast::Sep => {
                    if !self.slow.is_empty() {
                        f(Token {
                            norm: &self.slow,
                            start,
                            end,
                        });
                        self.slow.clear();
                    }
                }
            }
        }
        if !self.slow.is_empty() {
            f(Token {
                norm: &self.slow,
                start,
                end,
            });
        }
    }

    /// The normalized form of `text`: its tokens joined by single spaces.
    pub fn normalize(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.tokens(text, 0, |t| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(t.norm);
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn norm(s: &str) -> String {
        Normalizer::new(NormalizeConfig::default()).normalize(s)
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "hamza on alef",
                "أحمد إلى آخر ٱلكتاب",
                "احمد الي اخر الكتاب",
            ),
            ("tashkeel", "مُحَمَّدٌ كَتَبَ", "محمد كتب"),
            ("tanween", "أيضاً", "ايضا"),
            ("superscript alef", "هٰذا", "هذا"),
            ("tatweel", "بـــلينكن الـكـبـيـر", "بلينكن الكبير"),
            ("alef maqsura", "على مستشفى", "علي مستشفي"),
            ("ta marbuta", "الشمالية", "الشماليه"),
            (
                "persian letters",
                "کوریا الشمالیة ھذا",
                "كوريا الشماليه هذا",
            ),
            ("arabic-indic digits", "٢٠٢٣ و۱۴۰۲", "2023 و1402"),
            ("arabic punctuation", "قال، ثم؛ لماذا؟", "قال ثم لماذا"),
            ("guillemets and quotes", "«جنة» “بلينكن”", "جنه بلينكن"),
            ("mixed latin", "NK PRO، Falcon-9", "nk pro falcon 9"),
            (
                "zero width and bidi",
                "كيم\u{200B}جونغ\u{200F}أون\u{FEFF}",
                "كيم جونغ اون",
            ),
            ("zwnj separates", "می\u{200C}خواهم", "مي خواهم"),
            ("nbsp and tabs", "a\u{00A0}b\tc\n\nd", "a b c d"),
            ("presentation forms", "ﻻ ﺃﺣﻤﺪ", "لا احمد"),
            ("fullwidth", "ＡＢＣ１２", "abc12"),
            ("case folding", "Blinken SEOUL", "blinken seoul"),
            ("combining accent composes", "cafe\u{301} café", "café café"),
            ("ligature", "ﬁne", "fine"),
            ("devanagari stays one word", "हिन्दी", "हिन्दी"),
            ("empty", "", ""),
            ("only punctuation", " ،؛… ", ""),
        ];
        for (name, input, want) in cases {
            assert_eq!(norm(input), *want, "{name}: {input:?}");
        }
    }

    #[test]
    fn huge_tokens_and_lines() {
        // One token longer than the buffer kept between texts, then a
        // short text with the same normalizer.
        let mut n = Normalizer::new(NormalizeConfig::default());
        let long = "أ".repeat(KEPT_BUFFER);
        let text = format!("x {long} y");
        let mut got = Vec::new();
        n.tokens(&text, 0, |t| got.push((t.norm.len(), t.start, t.end)));
        assert_eq!(
            got,
            [
                (1, 0, 1),
                (2 * KEPT_BUFFER, 2, 2 + 2 * KEPT_BUFFER),
                (1, text.len() - 1, text.len())
            ]
        );
        assert!(n.buf.is_empty(), "the huge buffer is not kept");
        assert_eq!(n.normalize("Qui  VA"), "qui va");
    }

    #[test]
    fn ta_marbuta_is_configurable() {
        let mut n = Normalizer::new(NormalizeConfig { ta_marbuta: false });
        assert_eq!(n.normalize("الشمالية"), "الشمالية");
    }

    #[test]
    fn spans_point_into_the_original() {
        let text = "قال «بلينكن»، اليوم: ٢٠٢٣";
        let mut n = Normalizer::new(NormalizeConfig::default());
        let mut got = Vec::new();
        n.tokens(text, 0, |t| {
            got.push((t.norm.to_string(), &text[t.start..t.end]));
        });
        let want = [
            ("قال", "قال"),
            ("بلينكن", "بلينكن"),
            ("اليوم", "اليوم"),
            ("2023", "٢٠٢٣"),
        ];
        assert_eq!(got.len(), want.len());
        for ((g, raw), (wn, wr)) in got.iter().zip(want) {
            assert_eq!((g.as_str(), *raw), (wn, wr));
        }
    }

    /// The character scan that [`Normalizer::tokens`] replaced: every
    /// character decoded and classified by [`fast_with`]; (normalized,
    /// start, end) of each token.
    fn char_scan(text: &str, cfg: NormalizeConfig) -> Vec<(String, usize, usize)> {
        let table = &ARABIC[usize::from(cfg.ta_marbuta)];
        let mut n = Normalizer::new(cfg);
        let mut out = Vec::new();
        let mut start: Option<usize> = None;
        let mut slow = false;
        let mut buf = String::new();
        let mut flush = |n: &mut Normalizer, s: usize, e: usize, slow: bool, buf: &mut String| {
            if slow {
                n.emit_slow(&text[s..e], s, e, &mut |t: Token<'_>| {
                    out.push((t.norm.to_string(), t.start, t.end));
                });
            } else if !buf.is_empty() {
                out.push((buf.clone(), s, e));
            }
            buf.clear();
        };
        for (i, c) in text.char_indices() {
            match fast_with(c, table) {
                Fast::Keep(k) => {
                    start.get_or_insert(i);
                    buf.push(k);
                }
                Fast::Drop => {
                    start.get_or_insert(i);
                }
                Fast::Slow => {
                    start.get_or_insert(i);
                    slow = true;
                }
                Fast::Sep => {
                    if let Some(s) = start.take() {
                        flush(&mut n, s, i, slow, &mut buf);
                        slow = false;
                    }
                }
            }
        }
        if let Some(s) = start {
            flush(&mut n, s, text.len(), slow, &mut buf);
        }
        out
    }

    fn byte_scan(text: &str, cfg: NormalizeConfig) -> Vec<(String, usize, usize)> {
        let mut n = Normalizer::new(cfg);
        let mut out = Vec::new();
        n.tokens(text, 0, |t| out.push((t.norm.to_string(), t.start, t.end)));
        out
    }

    #[test]
    fn ascii_entries_are_the_fast_tables() {
        for (b, &e) in ASCII.iter().enumerate() {
            assert_eq!(e, entry(fast_with(char::from(b as u8), &ARABIC[0])), "{b}");
        }
    }

    #[test]
    fn byte_scan_is_the_char_scan_on_the_seed_articles() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("data/") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
            for ta_marbuta in [false, true] {
                let cfg = NormalizeConfig { ta_marbuta };
                let want = char_scan(&text, cfg);
                assert!(!want.is_empty());
                assert_eq!(byte_scan(&text, cfg), want);
            }
            seen += 1;
        }
        assert!(seen >= 5);
    }

    proptest! {
        #[test]
        fn idempotent(s in "\\PC{0,40}") {
            let once = norm(&s);
            prop_assert_eq!(norm(&once), once.clone());
        }

        #[test]
        fn idempotent_arabic(s in "[\u{0600}-\u{06FF}\u{FB50}-\u{FDFF}\u{FE70}-\u{FEFF} a-zA-Z0-9.،]{0,60}") {
            let once = norm(&s);
            prop_assert_eq!(norm(&once), once.clone());
        }

        #[test]
        fn byte_scan_is_the_char_scan(s in "\\PC{0,60}", ta_marbuta in any::<bool>()) {
            let cfg = NormalizeConfig { ta_marbuta };
            prop_assert_eq!(byte_scan(&s, cfg), char_scan(&s, cfg));
        }

        #[test]
        fn byte_scan_is_the_char_scan_on_arabic(
            s in "[\u{0600}-\u{06FF}\u{0750}-\u{077F}\u{FB50}-\u{FDFF}\u{FE70}-\u{FEFF}\u{200B}-\u{200F}\u{00C0}-\u{00FF} a-zA-Z0-9.،\n]{0,80}",
            ta_marbuta in any::<bool>(),
        ) {
            let cfg = NormalizeConfig { ta_marbuta };
            prop_assert_eq!(byte_scan(&s, cfg), char_scan(&s, cfg));
        }

        #[test]
        fn spans_are_char_boundaries(s in "\\PC{0,40}") {
            let mut n = Normalizer::new(NormalizeConfig::default());
            let mut last = 0;
            n.tokens(&s, 0, |t| {
                assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end));
                assert_eq!(token_end(&s, t.start), t.end);
                assert!(t.start < t.end && t.start >= last);
                last = t.start;
            });
        }
    }
}
