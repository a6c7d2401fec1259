//! The spill record of a document: its segmentation (and text) as
//! bytes, written by [`encode`] (which gives the layout) and read back
//! whole or only its front part (the lines, or the lines and tokens). A
//! record was written by this process moments ago, so a malformed one is
//! a bug, not bad input.

use integer_encoding::VarInt;

use crate::segment::{Ending, Line, LineKind, Segmented};

fn put(out: &mut Vec<u8>, x: u32) {
    out.extend_from_slice(&x.to_le_bytes());
}

/// Appends `x` as a LEB128 varint (seven bits a byte, low bits first, the
/// high bit set on all bytes but the last), byte by byte: appending its
/// bytes as a slice called `memcpy` once per token start.
#[inline]
fn put_var(out: &mut Vec<u8>, mut x: u32) {
    while x >= 0x80 {
        out.push(x as u8 | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

/// Appends the record of (`text`, `seg`) to `out` and returns the lengths
/// of its lines part (what [`Corpus::lines`](super::Corpus::lines) reads) and of its hot part
/// (what [`Corpus::tokens_and_lines`](super::Corpus::tokens_and_lines) reads): four counts
/// (text bytes, tokens, starts, lines) as `u32`, then the lines (gaps and
/// lengths as varints, the hash, the kind and ending), the token hashes as `u64`,
/// then the cold part: the token starts (gaps as varints) and, when
/// `with_text`, the text. Fixed-width values are little-endian.
pub(super) fn encode(
    text: &str,
    seg: &Segmented,
    with_text: bool,
    out: &mut Vec<u8>,
) -> (usize, usize) {
    let from = out.len();
    // At most: the counts, five varints and a marker per line, the token
    // hashes, a varint per start, the text.
    out.reserve(
        16 + seg.lines.len() * 34
            + seg.tokens.len() * 8
            + seg.starts.len() * 5
            + if with_text { text.len() } else { 0 },
    );
    for n in [
        text.len(),
        seg.tokens.len(),
        seg.starts.len(),
        seg.lines.len(),
    ] {
        put(out, n as u32);
    }
    let (mut end, mut tok_end) = (0u32, 0u32);
    for l in &seg.lines {
        put_var(out, l.start - end);
        put_var(out, l.end - l.start);
        put_var(out, l.tok_start - tok_end);
        put_var(out, l.tok_end - l.tok_start);
        (end, tok_end) = (l.end, l.tok_end);
        out.extend_from_slice(&l.hash.to_le_bytes());
        // The kind in the low four bits, the ending in the high four.
        let ending = match l.ending {
            Ending::Other => 0,
            Ending::FullStop => 1 << 4,
            Ending::Colon => 2 << 4,
        };
        match l.kind {
            LineKind::Text => out.push(ending),
            LineKind::TailMarker { marker, alone } => {
                out.push(ending | 1);
                out.push(u8::from(alone));
                out.extend_from_slice(&marker.to_le_bytes());
            }
            LineKind::Label => out.push(ending | 2),
            LineKind::Shortcode => out.push(ending | 3),
            LineKind::Continuing => out.push(ending | 4),
        }
    }
    let lines = out.len() - from;
    if cfg!(target_endian = "little") {
        out.extend_from_slice(bytemuck::cast_slice(&seg.tokens));
    } else {
        for t in &seg.tokens {
            out.extend_from_slice(&t.to_le_bytes());
        }
    }
    let hot = out.len() - from;
    let mut last = 0u32;
    for &s in &seg.starts {
        put_var(out, s - last);
        last = s;
    }
    if with_text {
        out.extend_from_slice(text.as_bytes());
    }
    (lines, hot)
}

/// Reads values off the front of a slice.
pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes"))
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }
    fn var(&mut self) -> u32 {
        let (x, n) = u32::decode_var(self.0).expect("a varint");
        self.0 = &self.0[n..];
        x
    }
}

/// The segmentation of a record (all of [`encode`]'s output but the
/// text, which may be missing).
pub(super) fn decode_segmentation(bytes: &[u8]) -> Segmented {
    let mut r = Reader(bytes);
    let ((_, nstart), mut seg) = decode_hot(&mut r);
    let mut last = 0u32;
    seg.starts.extend((0..nstart).map(|_| {
        last += r.var();
        last
    }));
    seg
}

/// The counts, lines and tokens at the front of a record: the text length
/// and number of token starts, and the segmentation without its starts.
pub(super) fn decode_hot(r: &mut Reader<'_>) -> ((usize, usize), Segmented) {
    let ((text_len, ntok, nstart), mut seg) = decode_lines(r);
    seg.tokens.reserve_exact(ntok);
    seg.tokens.extend(
        r.take(ntok * 8)
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))),
    );
    ((text_len, nstart), seg)
}

/// The counts and lines at the front of a record: the text length and
/// numbers of tokens and token starts, and the segmentation's lines
/// (with no tokens).
pub(super) fn decode_lines(r: &mut Reader<'_>) -> ((usize, usize, usize), Segmented) {
    let (text_len, ntok, nstart, nline) = (
        r.u32() as usize,
        r.u32() as usize,
        r.u32() as usize,
        r.u32() as usize,
    );
    let mut seg = Segmented {
        tokens: Vec::new(),
        starts: Vec::new(),
        lines: Vec::with_capacity(nline),
    };
    let (mut end, mut tok_end) = (0u32, 0u32);
    for _ in 0..nline {
        let start = end + r.var();
        end = start + r.var();
        let tok_start = tok_end + r.var();
        tok_end = tok_start + r.var();
        let hash = r.u64();
        let code = r.u8();
        let ending = match code >> 4 {
            0 => Ending::Other,
            1 => Ending::FullStop,
            _ => Ending::Colon,
        };
        let kind = match code & 0x0F {
            0 => LineKind::Text,
            1 => {
                let alone = r.u8() != 0;
                let m = r.take(2);
                LineKind::TailMarker {
                    marker: u16::from_le_bytes([m[0], m[1]]),
                    alone,
                }
            }
            2 => LineKind::Label,
            4 => LineKind::Continuing,
            _ => LineKind::Shortcode,
        };
        seg.lines.push(Line {
            start,
            end,
            tok_start,
            tok_end,
            hash,
            kind,
            ending,
        });
    }
    ((text_len, ntok, nstart), seg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::segment::{segment, Markers};

    #[test]
    fn records_round_trip() {
        let cfg = Config::default();
        let m = Markers::new(&cfg);
        let mut n = m.normalizer();
        for text in [
            "",
            "سطر أول\n[ad_1]\nإقرأ أيضاً:\nعنوان مرتبط\nTags: a, b",
            "one line only",
        ] {
            let seg = segment(text, &mut n, &m);
            let mut out = vec![7u8];
            let (lines, hot) = encode(text, &seg, true, &mut out);
            assert!(out.ends_with(text.as_bytes()), "the text comes last");
            let mut r = Reader(&out[1..=lines]);
            let ((text_len, ntok, nstart), only) = decode_lines(&mut r);
            assert!(r.0.is_empty(), "the lines part ends where its length says");
            assert_eq!(
                (text_len, ntok, nstart),
                (text.len(), seg.tokens.len(), seg.starts.len())
            );
            assert_eq!((only.lines, only.tokens.len()), (seg.lines.clone(), 0));
            let s = decode_segmentation(&out[1..out.len() - text.len()]);
            assert_eq!(s, seg);
            let mut r = Reader(&out[1..=hot]);
            let ((text_len, nstart), hot) = decode_hot(&mut r);
            assert!(r.0.is_empty(), "the hot part ends where its length says");
            assert_eq!((text_len, nstart), (text.len(), seg.starts.len()));
            assert_eq!(
                (hot.tokens, hot.lines),
                (seg.tokens.clone(), seg.lines.clone())
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn records_round_trip_any_text(text in "[\u{0600}-\u{06FF} a-z0-9.:\\[\\]_\n]{0,300}") {
            let cfg = Config::default();
            let m = Markers::new(&cfg);
            let seg = segment(&text, &mut m.normalizer(), &m);
            let mut out = Vec::new();
            let (lines, hot) = encode(&text, &seg, true, &mut out);
            proptest::prop_assert!(out.ends_with(text.as_bytes()));
            let (_, only) = decode_lines(&mut Reader(&out[..lines]));
            proptest::prop_assert_eq!(&only.lines, &seg.lines);
            let s = decode_segmentation(&out[..out.len() - text.len()]);
            proptest::prop_assert_eq!(&s, &seg);
            let ((_, nstart), h) = decode_hot(&mut Reader(&out[..hot]));
            proptest::prop_assert_eq!(nstart, seg.starts.len());
            proptest::prop_assert_eq!((h.tokens, h.lines), (seg.tokens, seg.lines));
        }
    }
}
