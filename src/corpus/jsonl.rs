//! Parsing one JSONL record, picking out the id, text and source fields
//! and skipping every other field without building it.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::decode;
use crate::config::InputConfig;

/// The fields of one record that neardup uses.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The id (a string, or a number written as a string).
    pub id: Option<String>,
    /// The text, when the field is a string.
    pub text: Option<String>,
    /// The source, when present and a string or number.
    pub source: Option<String>,
    /// Set when the line was not UTF-8 and had to be decoded.
    pub encoding: Option<&'static str>,
}

/// Parses one JSONL line. Bytes that are not UTF-8 are decoded with the
/// fallback of [`decode`] first, and `encoding` says so.
pub fn parse_jsonl(bytes: &[u8], cfg: &InputConfig) -> Result<Parsed, serde_json::Error> {
    // The whole line is checked as UTF-8 at SIMD speed first (Arabic text
    // is mostly two-byte characters, slow for the standard check that
    // serde_json would run string by string); a valid line is parsed as
    // `&str`, which serde_json does not check again.
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        let mut de = serde_json::Deserializer::from_str(s);
        let parsed = Fields(cfg).deserialize(&mut de)?;
        de.end()?;
        return Ok(parsed);
    }
    let (s, enc) = decode(bytes);
    let mut de = serde_json::Deserializer::from_str(&s);
    let mut parsed = Fields(cfg).deserialize(&mut de)?;
    de.end()?;
    parsed.encoding = enc;
    Ok(parsed)
}

struct Fields<'c>(&'c InputConfig);

impl<'de> DeserializeSeed<'de> for Fields<'_> {
    type Value = Parsed;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        d.deserialize_map(self)
    }
}

/// A scalar as a string: strings as they are, numbers written out
/// (ids are often numbers); anything else is `None`. Parsed in place,
/// without buffering the value.
struct Scalar(Option<String>);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor { numbers: true })
            .map(Scalar)
    }
}

struct ScalarVisitor {
    numbers: bool,
}

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.numbers.then(|| v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.numbers.then(|| v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.numbers.then(|| v.to_string()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// A string field; any other JSON value is `None`.
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor { numbers: false })
            .map(Text)
    }
}

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let cfg = self.0;
        let mut out = Parsed::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == cfg.text_field {
                out.text = map.next_value::<Text>()?.0;
            } else if key == cfg.id_field {
                out.id = map.next_value::<Scalar>()?.0;
            } else if key == cfg.source_field {
                out.source = map.next_value::<Scalar>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Result<Parsed, serde_json::Error> {
        parse_jsonl(s, &InputConfig::default())
    }

    #[test]
    fn picks_fields_and_ignores_others() {
        let p =
            parse(br#"{"x":[1,{"y":2}],"id":7,"text":"\u0633 a","source":"sky"}"#).expect("parse");
        assert_eq!(p.id.as_deref(), Some("7"));
        assert_eq!(p.text.as_deref(), Some("س a"));
        assert_eq!(p.source.as_deref(), Some("sky"));
        assert_eq!(p.encoding, None);
    }

    #[test]
    fn custom_field_names() {
        let cfg = InputConfig {
            id_field: "url".into(),
            text_field: "content".into(),
            source_field: "src".into(),
        };
        let p = parse_jsonl(br#"{"url":"u","content":"c","src":null}"#, &cfg).expect("parse");
        assert_eq!(
            (p.id.as_deref(), p.text.as_deref(), p.source),
            (Some("u"), Some("c"), None)
        );
    }

    #[test]
    fn missing_or_wrong_type_text_is_none() {
        assert_eq!(parse(br#"{"id":"a"}"#).expect("parse").text, None);
        assert_eq!(parse(br#"{"id":"a","text":3}"#).expect("parse").text, None);
    }

    #[test]
    fn malformed_is_an_error() {
        for bad in [
            &b"{\"id\":"[..],
            b"[1,2]",
            b"{\"id\":1} trailing",
            b"not json",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn latin1_line_is_decoded() {
        let p = parse(b"{\"id\":\"a\",\"text\":\"caf\xe9\"}").expect("parse");
        assert_eq!(p.text.as_deref(), Some("café"));
        assert!(p.encoding.is_some());
    }
}
