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

/// Tokenizes and normalizes text. Cheap to build; reuse its buffers by
/// keeping one per thread.
#[derive(Debug, Default)]
pub struct Normalizer {
    cfg: NormalizeConfig,
    buf: String,
    slow: String,
}

impl Normalizer {
    /// A normalizer with these switches.
    pub fn new(cfg: NormalizeConfig) -> Self {
        Normalizer {
            cfg,
            buf: String::new(),
            slow: String::new(),
        }
    }

    /// Calls `f` with each token of `text`, in order. Spans are offset by
    /// `base` (the position of `text` in a larger document).
    pub fn tokens(&mut self, text: &str, base: usize, mut f: impl FnMut(Token<'_>)) {
        let table: &[Fast; 256] = &ARABIC[usize::from(self.cfg.ta_marbuta)];
        let mut start: Option<usize> = None;
        let mut slow = false;
        self.buf.clear();
        for (i, c) in text.char_indices() {
            match fast_with(c, table) {
                Fast::Keep(k) => {
                    start.get_or_insert(i);
                    self.buf.push(k);
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
                        self.emit(text, s, i, base, slow, &mut f);
                        slow = false;
                    }
                }
            }
        }
        if let Some(s) = start {
            self.emit(text, s, text.len(), base, slow, &mut f);
        }
    }

    fn emit(
        &mut self,
        text: &str,
        s: usize,
        e: usize,
        base: usize,
        slow: bool,
        f: &mut impl FnMut(Token<'_>),
    ) {
        if slow {
            self.emit_slow(&text[s..e], base + s, base + e, f);
        } else if !self.buf.is_empty() {
            f(Token {
                norm: &self.buf,
                start: base + s,
                end: base + e,
            });
        }
        self.buf.clear();
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
