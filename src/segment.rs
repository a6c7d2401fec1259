//! Splitting a document into lines with their tokens, and recognizing the
//! lines whose form alone says what they are: "read also" markers, label
//! lines ("Tags:", "المصدر:"), plugin shortcodes (`[ad_1]`), and lines
//! that continue an article (opening with "و", "إلى ذلك", "من جهة أخرى"…).

use crate::config::{Config, NormalizeConfig};
use crate::hash;
use crate::normalize::Normalizer;

/// What a line is, judged from its own text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Ordinary text.
    Text,
    /// Ordinary text that continues the article before it: it opens with
    /// the connective و ("and") or another discourse connective of
    /// [`CONNECTIVES`], as paragraphs inside an article do and the first
    /// line of a new article does not.
    Continuing,
    /// Starts with a "read also" marker (index into the configured list).
    /// `alone` when nothing but the marker is on the line; otherwise a
    /// colon follows it and then, usually, a linked headline.
    TailMarker {
        /// Index of the marker in [`Config::tail_markers`].
        marker: u16,
        /// The marker stands alone on its line.
        alone: bool,
    },
    /// A label line such as "Tags: …" or "المصدر: …".
    Label,
    /// A plugin shortcode alone on its line, such as `[ad_1]`.
    Shortcode,
}

/// How a line ends: its last character, white space trimmed. It tells a
/// headline (no full stop) and a line announcing the lines after it (a
/// colon) without the text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ending {
    /// A full stop (`.` or the Urdu `۔`).
    FullStop,
    /// A colon (`:` or the full-width `：`).
    Colon,
    /// Anything else.
    #[default]
    Other,
}

impl Ending {
    /// How `line` (white space trimmed) ends.
    pub fn of(line: &str) -> Ending {
        if line.ends_with(['.', '۔']) {
            Ending::FullStop
        } else if line.ends_with([':', '：']) {
            Ending::Colon
        } else {
            Ending::Other
        }
    }
}

/// One non-empty line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// Start byte of the line, leading white space trimmed.
    pub start: u32,
    /// End byte of the line, trailing white space trimmed.
    pub end: u32,
    /// First token of the line in [`Segmented::tokens`].
    pub tok_start: u32,
    /// One past its last token.
    pub tok_end: u32,
    /// Hash of the line's normalized tokens.
    pub hash: u64,
    /// What the line is.
    pub kind: LineKind,
    /// How it ends.
    pub ending: Ending,
}

impl Line {
    /// Number of tokens on the line.
    pub fn words(&self) -> usize {
        (self.tok_end - self.tok_start) as usize
    }
}

/// A document cut into tokens and lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Segmented {
    /// Hash of every normalized token, in order.
    pub tokens: Vec<u64>,
    /// Start byte of every token in the original text (kept only when
    /// [`Markers::with_spans`] asks for them: the passage level needs them;
    /// [`crate::normalize::token_end`] finds where each ends).
    pub starts: Vec<u32>,
    /// Every line holding at least one token.
    pub lines: Vec<Line>,
}

/// Arabic discourse connectives that open a paragraph continuing an
/// article ("besides that", "on the other hand", "for his part", "also",
/// "meanwhile"…); newspapers use them to add a second item to a report.
/// Lines opening with a word that starts with و count too.
pub const CONNECTIVES: &[&str] = &[
    "إلى ذلك",
    "من جهة أخرى",
    "من جهة ثانية",
    "من جهته",
    "من جهتها",
    "من جهتهم",
    "من ناحية أخرى",
    "من ناحيته",
    "من ناحيتها",
    "من جانب آخر",
    "من جانبه",
    "من جانبها",
    "من جانبهم",
    "في شأن آخر",
    "في سياق آخر",
    "في سياق متصل",
    "في السياق ذاته",
    "في السياق نفسه",
    "على صعيد آخر",
    "على صعيد متصل",
    "في غضون ذلك",
    "في الأثناء",
    "في هذه الأثناء",
    "في المقابل",
    "بالمقابل",
    "في حين",
    "كما",
    "فيما",
    "بدوره",
    "بدورها",
    "يأتي ذلك",
    "يأتي هذا",
    "جاء ذلك",
    "هذا",
    "يذكر",
    "يشار إلى",
    "تجدر الإشارة",
    "علما",
    "إلا أن",
    "إلا",
    "أما",
    "ميدانيا",
    "سياسيا",
    "اقتصاديا",
    "أمنيا",
];

/// The configured markers and labels, normalized and hashed once.
#[derive(Clone, Debug)]
pub struct Markers {
    /// (token hashes, original text) of each tail marker, by index.
    tail: Vec<(Vec<u64>, String)>,
    /// Token hashes of each label.
    labels: Vec<Vec<u64>>,
    /// Token hashes of each connective.
    connectives: Vec<Vec<u64>>,
    /// The first token of every marker, label and connective, sorted: a
    /// line opening with none of them is plain text (or opens with و).
    openers: Vec<u64>,
    /// Tokens in the longest marker or label: a line's classification
    /// needs the ends of its first tokens only.
    longest: usize,
    normalize: NormalizeConfig,
    /// Keep token spans.
    pub with_spans: bool,
}

fn hashed(norm: &mut Normalizer, s: &str) -> Vec<u64> {
    let mut v = Vec::new();
    norm.tokens(s, 0, |t| v.push(hash::token(t.norm)));
    v
}

impl Markers {
    /// Compiles the markers of `cfg`.
    pub fn new(cfg: &Config) -> Self {
        let mut norm = Normalizer::new(cfg.normalize);
        let mut markers = Markers {
            tail: cfg
                .tail_markers
                .iter()
                .map(|m| (hashed(&mut norm, m), m.clone()))
                .filter(|(h, _)| !h.is_empty())
                .collect(),
            labels: cfg
                .label_lines
                .iter()
                .map(|m| hashed(&mut norm, m))
                .filter(|h| !h.is_empty())
                .collect(),
            connectives: CONNECTIVES.iter().map(|m| hashed(&mut norm, m)).collect(),
            openers: Vec::new(),
            longest: 0,
            normalize: cfg.normalize,
            with_spans: cfg.passages,
        };
        let tails = markers.tail.iter().map(|(h, _)| h);
        let mut openers: Vec<u64> = tails
            .chain(&markers.labels)
            .chain(&markers.connectives)
            .filter_map(|h| h.first().copied())
            .collect();
        openers.sort_unstable();
        openers.dedup();
        markers.openers = openers;
        markers.longest = markers
            .tail
            .iter()
            .map(|(h, _)| h)
            .chain(&markers.labels)
            .map(Vec::len)
            .max()
            .unwrap_or(0);
        markers
    }

    /// The text of tail marker `i` as configured.
    pub fn tail_text(&self, i: u16) -> &str {
        self.tail.get(i as usize).map_or("", |m| m.1.as_str())
    }

    /// A normalizer with the switches these markers were compiled with.
    pub fn normalizer(&self) -> Normalizer {
        Normalizer::new(self.normalize)
    }
}

/// Splits `text` into lines and tokens.
pub fn segment(text: &str, norm: &mut Normalizer, markers: &Markers) -> Segmented {
    let mut out = Segmented {
        tokens: Vec::with_capacity(text.len() / 8 + 16),
        ..Segmented::default()
    };
    let mut ends: Vec<usize> = Vec::new();
    let mut pos = 0usize;
    while pos <= text.len() {
        let nl = memchr::memchr(b'\n', &text.as_bytes()[pos..]).map_or(text.len(), |i| pos + i);
        let raw = &text[pos..nl];
        let tok_start = out.tokens.len();
        ends.clear();
        norm.tokens(raw, pos, |t| {
            out.tokens.push(hash::token(t.norm));
            if markers.with_spans {
                out.starts.push(t.start as u32);
            }
            if ends.len() < markers.longest {
                ends.push(t.end);
            }
        });
        if out.tokens.len() > tok_start {
            let trimmed = raw.trim();
            let start = pos + (raw.len() - raw.trim_start().len());
            let end = start + trimmed.len();
            let toks = &out.tokens[tok_start..];
            out.lines.push(Line {
                start: start as u32,
                end: end as u32,
                tok_start: tok_start as u32,
                tok_end: out.tokens.len() as u32,
                hash: hash::seq(toks, hash::LINE_SEED),
                kind: classify(text, end, toks, &ends, trimmed, markers),
                ending: Ending::of(trimmed),
            });
        }
        pos = nl + 1;
    }
    out
}

/// What follows a phrase at the start of a line.
enum After {
    /// Nothing but punctuation and space.
    Nothing,
    /// A colon (or dash) and then more words.
    Colon,
    /// More words with no colon between.
    Words,
}

fn after(text: &str, phrase_end: usize, line_end: usize, more_tokens: bool) -> After {
    if !more_tokens {
        return After::Nothing;
    }
    let rest = text[phrase_end..line_end].trim_start();
    match rest.chars().next() {
        Some(':' | '：' | '-' | '–' | '—' | '|' | '»') => After::Colon,
        _ => After::Words,
    }
}

fn classify(
    text: &str,
    line_end: usize,
    toks: &[u64],
    ends: &[usize],
    trimmed: &str,
    markers: &Markers,
) -> LineKind {
    if is_shortcode(trimmed) {
        return LineKind::Shortcode;
    }
    if markers.openers.binary_search(&toks[0]).is_err() {
        return if opens_with_wa(trimmed) {
            LineKind::Continuing
        } else {
            LineKind::Text
        };
    }
    let mut best: Option<(usize, u16, bool)> = None;
    for (i, (m, _)) in markers.tail.iter().enumerate() {
        if toks.starts_with(m) && best.is_none_or(|b| m.len() > b.0) {
            match after(text, ends[m.len() - 1], line_end, toks.len() > m.len()) {
                After::Nothing => best = Some((m.len(), i as u16, true)),
                After::Colon => best = Some((m.len(), i as u16, false)),
                After::Words => {}
            }
        }
    }
    if let Some((_, marker, alone)) = best {
        return LineKind::TailMarker { marker, alone };
    }
    for m in &markers.labels {
        if toks.starts_with(m) {
            let end = ends[m.len() - 1];
            if matches!(
                after(text, end, line_end, toks.len() > m.len()),
                After::Nothing
            ) || text[end..line_end].trim_start().starts_with([':', '：'])
            {
                return LineKind::Label;
            }
        }
    }
    if opens_with_wa(trimmed) || markers.connectives.iter().any(|m| toks.starts_with(m)) {
        return LineKind::Continuing;
    }
    LineKind::Text
}

/// The line's first word starts with و ("and").
fn opens_with_wa(trimmed: &str) -> bool {
    // Most lines open with an Arabic letter (U+0621–U+064A, all
    // alphanumeric): the answer without a Unicode property lookup.
    if let Some(c) = trimmed.chars().next() {
        if ('\u{0621}'..='\u{064A}').contains(&c) {
            return c == 'و';
        }
    }
    trimmed
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .starts_with('و')
}

/// `[ad_1]`, `[/caption]`, `[adsense id=3]`: a bracketed plugin code alone
/// on its line.
fn is_shortcode(line: &str) -> bool {
    let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
        return false;
    };
    let inner = inner.strip_prefix('/').unwrap_or(inner);
    inner.len() <= 40
        && inner.starts_with(|c: char| c.is_ascii_alphabetic())
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ' | '=' | '"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str) -> Segmented {
        let cfg = Config::default();
        let markers = Markers::new(&cfg);
        segment(text, &mut markers.normalizer(), &markers)
    }

    fn kinds(text: &str) -> Vec<LineKind> {
        seg(text).lines.iter().map(|l| l.kind).collect()
    }

    #[test]
    fn lines_know_how_they_end() {
        let text = "one two.\n  اقرأ أيضا:  \nخبر ۔\nFull width：\nno stop\n3.5 km\n...\n";
        let endings: Vec<Ending> = seg(text).lines.iter().map(|l| l.ending).collect();
        assert_eq!(
            endings,
            [
                Ending::FullStop,
                Ending::Colon,
                Ending::FullStop,
                Ending::Colon,
                Ending::Other,
                Ending::Other,
            ]
        );
        // The ending is the trimmed line's, as the text shows it.
        for l in seg(text).lines {
            let line = &text[l.start as usize..l.end as usize];
            assert_eq!(l.ending, Ending::of(line));
        }
    }

    #[test]
    fn lines_have_trimmed_spans_and_token_ranges() {
        let text = "  سطر أول  \n\n***\r\nsecond line here\n";
        let s = seg(text);
        assert_eq!(s.lines.len(), 2);
        assert_eq!(
            &text[s.lines[0].start as usize..s.lines[0].end as usize],
            "سطر أول"
        );
        assert_eq!(
            &text[s.lines[1].start as usize..s.lines[1].end as usize],
            "second line here"
        );
        assert_eq!((s.lines[1].tok_start, s.lines[1].tok_end), (2, 5));
        assert_eq!(s.tokens.len(), 5);
    }

    #[test]
    fn same_words_same_hash() {
        let a = seg("تابع أحدث الأخبار عبر تطبيق");
        let b = seg("  تابع  أحدث الأخبار، عبر تطبيق.");
        assert_eq!(a.lines[0].hash, b.lines[0].hash);
    }

    #[test]
    fn recognizes_markers_labels_and_shortcodes() {
        let text = "إقرأ أيضاً:\nاقرأ أيضا: عنوان مقال آخر\nللمزيد من المعلومات اتصل بنا\n\
                    [ad_1]\nTags: a b c\nالمصدر: الحرة\nالمصدر الأمني قال إن\nRead also\n[caption id=\"x\"]";
        let k = kinds(text);
        assert!(matches!(k[0], LineKind::TailMarker { alone: true, .. }));
        assert!(matches!(k[1], LineKind::TailMarker { alone: false, .. }));
        assert_eq!(
            k[2],
            LineKind::Text,
            "marker followed by words without colon"
        );
        assert_eq!(k[3], LineKind::Shortcode);
        assert_eq!(k[4], LineKind::Label);
        assert_eq!(k[5], LineKind::Label);
        assert_eq!(
            k[6],
            LineKind::Text,
            "a sentence starting with the label word"
        );
        assert!(matches!(k[7], LineKind::TailMarker { alone: true, .. }));
        assert_eq!(k[8], LineKind::Shortcode);
    }
}
