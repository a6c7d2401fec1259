//! Decoding bytes that should be UTF-8 but may not be.

use encoding_rs::{WINDOWS_1252, WINDOWS_1256};

/// Decodes `bytes` as UTF-8, or — when they are not valid UTF-8 — as
/// windows-1256 (Arabic) if that yields mostly Arabic letters, else as
/// windows-1252 (a superset of Latin-1). Returns the text and, when a
/// fallback was used, its name. A UTF-8 byte-order mark is kept: offsets
/// count it.
pub fn decode(bytes: &[u8]) -> (String, Option<&'static str>) {
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        return (s.to_string(), None);
    }
    let (arabic, _, _) = WINDOWS_1256.decode(bytes);
    let non_ascii = arabic.chars().filter(|c| !c.is_ascii()).count();
    let arabic_letters = arabic
        .chars()
        .filter(|c| ('\u{0600}'..='\u{06FF}').contains(c) && c.is_alphabetic())
        .count();
    if non_ascii > 0 && arabic_letters * 10 >= non_ascii * 7 {
        return (arabic.into_owned(), Some("windows-1256"));
    }
    let (latin, _, _) = WINDOWS_1252.decode(bytes);
    (latin.into_owned(), Some("windows-1252 (Latin-1)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_through() {
        assert_eq!(decode("سلام é".as_bytes()), ("سلام é".to_string(), None));
    }

    #[test]
    fn latin1_is_decoded() {
        let (s, enc) = decode(b"caf\xe9 cr\xe8me \xa3100");
        assert_eq!(s, "café crème £100");
        assert_eq!(enc, Some("windows-1252 (Latin-1)"));
    }

    #[test]
    fn cp1256_is_decoded() {
        let (bytes, _, _) = WINDOWS_1256.encode("كوريا الشمالية وروسيا");
        let (s, enc) = decode(&bytes);
        assert_eq!(s, "كوريا الشمالية وروسيا");
        assert_eq!(enc, Some("windows-1256"));
    }
}
