//! Serialized payloads of the index file: the one module that uses bincode
//! (pinned to 1.3.3, see STYLE.md) and zstd.
//!
//! A payload is `zstd(bincode(value))`, with bincode's default options
//! (variable-length integers, little-endian, trailing bytes rejected).
//! Decoding never trusts a length it has not checked: bincode reads from
//! a slice and fails on lengths past its end, and the decompressed size is
//! capped by [`MAX_DECOMPRESSED`].

use bincode::Options;
use serde::{de::DeserializeOwned, Serialize};

/// zstd level of stored payloads: fast to write, and still about a third
/// of Arabic news text.
const LEVEL: i32 = 3;

/// Largest decompressed payload accepted (4 GiB): a corrupted frame size
/// must not make us allocate without bound.
const MAX_DECOMPRESSED: u64 = 4 << 30;

fn options() -> impl Options {
    bincode::DefaultOptions::new()
}

/// Serializes `value` (uncompressed).
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    options()
        .serialize(value)
        .map_err(|e| format!("cannot encode: {e}"))
}

/// Deserializes a value written by [`encode`], borrowing from `bytes`
/// where the value's type does.
pub fn decode<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    options()
        .deserialize(bytes)
        .map_err(|e| format!("cannot decode: {e}"))
}

/// Serializes and compresses `value`.
pub fn pack<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    let raw = encode(value)?;
    zstd::bulk::compress(&raw, LEVEL).map_err(|e| format!("cannot compress: {e}"))
}

/// The decompressed size a zstd frame declares, refused when missing or
/// implausible (a corrupted header must not make us allocate gigabytes).
fn frame_size(bytes: &[u8]) -> Result<u64, String> {
    let size = zstd::zstd_safe::get_frame_content_size(bytes)
        .ok()
        .flatten()
        .ok_or("not a complete zstd frame")?;
    if size > MAX_DECOMPRESSED {
        return Err(format!("implausible decompressed size {size}"));
    }
    Ok(size)
}

/// Decompresses and deserializes a value written by [`pack`].
pub fn unpack<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let size = frame_size(bytes)?;
    let raw = zstd::bulk::decompress(bytes, size as usize)
        .map_err(|e| format!("cannot decompress: {e}"))?;
    decode(&raw)
}

/// The largest dictionary trained for a documents segment.
const DICT_BYTES: usize = 112 << 10;
/// Documents sampled to train it.
const DICT_SAMPLES: usize = 2000;
/// Fewer documents than this are compressed without a dictionary.
const DICT_MIN_DOCS: usize = 256;

/// A zstd dictionary trained on (evenly spread) `values`, or an empty one
/// when there are too few or training fails: each value is then
/// compressed on its own almost as well as in large blocks.
pub fn train(values: &[Vec<u8>]) -> Vec<u8> {
    if values.len() < DICT_MIN_DOCS {
        return Vec::new();
    }
    let step = values.len().div_ceil(DICT_SAMPLES);
    let samples: Vec<&[u8]> = values.iter().step_by(step).map(Vec::as_slice).collect();
    zstd::dict::from_samples(&samples, DICT_BYTES).unwrap_or_default()
}

/// Compresses each of `raw` (already encoded) with `dict`, in parallel.
pub fn compress_all(raw: &[Vec<u8>], dict: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use rayon::prelude::*;
    let prepared = zstd::dict::EncoderDictionary::copy(dict, LEVEL);
    raw.par_iter()
        .map_init(
            || {
                let mut c = zstd::bulk::Compressor::with_prepared_dictionary(&prepared)?;
                // Each frame carries its own checksum: it is read alone.
                c.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))?;
                Ok::<_, std::io::Error>(c)
            },
            |c, r| match c {
                Ok(c) => c.compress(r).map_err(|e| format!("cannot compress: {e}")),
                Err(e) => Err(format!("cannot compress: {e}")),
            },
        )
        .collect()
}

/// A decompressor for values compressed with one dictionary.
pub struct Unpacker {
    dict: zstd::dict::DecoderDictionary<'static>,
}

impl Unpacker {
    /// For values compressed with `dict` (empty: none).
    pub fn new(dict: &[u8]) -> Self {
        Unpacker {
            dict: zstd::dict::DecoderDictionary::copy(dict),
        }
    }

    /// A decompression context with the dictionary (one per thread).
    pub fn context(&self) -> Result<zstd::bulk::Decompressor<'_>, String> {
        zstd::bulk::Decompressor::with_prepared_dictionary(&self.dict)
            .map_err(|e| format!("cannot decompress: {e}"))
    }
}

/// Decompresses (with `d`'s dictionary) one value, to be decoded by the
/// caller.
pub fn decompress_with(
    d: &mut zstd::bulk::Decompressor<'_>,
    bytes: &[u8],
) -> Result<Vec<u8>, String> {
    let size = frame_size(bytes)?;
    d.decompress(bytes, size as usize)
        .map_err(|e| format!("cannot decompress: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_round_trip() {
        let values: Vec<Vec<u8>> = (0..600)
            .map(|i| {
                encode(&format!(
                    "خبر رقم {i} عن الطقس في الرياض والمنطقة الشرقية اليوم"
                ))
            })
            .collect::<Result<_, _>>()
            .expect("encode");
        let dict = train(&values);
        assert!(!dict.is_empty());
        let packed = compress_all(&values, &dict).expect("compress");
        let u = Unpacker::new(&dict);
        let mut ctx = u.context().expect("context");
        assert_eq!(
            decode::<String>(&decompress_with(&mut ctx, &packed[7]).expect("decompress"))
                .expect("unpack"),
            "خبر رقم 7 عن الطقس في الرياض والمنطقة الشرقية اليوم"
        );
        let none = Unpacker::new(&[]);
        let mut plain_ctx = none.context().expect("context");
        assert!(decompress_with(&mut plain_ctx, &packed[7]).is_err());
        assert!(train(&values[..10]).is_empty(), "too few to train");
        let plain = compress_all(&values[..2], &[]).expect("compress");
        assert_eq!(
            decode::<String>(&decompress_with(&mut plain_ctx, &plain[1]).expect("decompress"))
                .expect("unpack"),
            "خبر رقم 1 عن الطقس في الرياض والمنطقة الشرقية اليوم"
        );
    }

    #[test]
    fn round_trip_and_garbage() {
        let v: Vec<(String, Option<u32>)> = vec![("أ".into(), Some(7)), ("b".into(), None)];
        let packed = pack(&v).expect("pack");
        assert_eq!(unpack::<Vec<(String, Option<u32>)>>(&packed), Ok(v));
        assert!(unpack::<Vec<String>>(b"not zstd").is_err());
        assert!(decode::<Vec<String>>(&[0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
    }
}
