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

/// Deserializes a value written by [`encode`].
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    options()
        .deserialize(bytes)
        .map_err(|e| format!("cannot decode: {e}"))
}

/// Serializes and compresses `value`.
pub fn pack<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    let raw = encode(value)?;
    zstd::bulk::compress(&raw, LEVEL).map_err(|e| format!("cannot compress: {e}"))
}

/// Decompresses and deserializes a value written by [`pack`].
pub fn unpack<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let size = zstd::zstd_safe::get_frame_content_size(bytes)
        .ok()
        .flatten()
        .ok_or("not a complete zstd frame")?;
    if size > MAX_DECOMPRESSED {
        return Err(format!("implausible decompressed size {size}"));
    }
    let raw = zstd::bulk::decompress(bytes, size as usize)
        .map_err(|e| format!("cannot decompress: {e}"))?;
    decode(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let v: Vec<(String, Option<u32>)> = vec![("أ".into(), Some(7)), ("b".into(), None)];
        let packed = pack(&v).expect("pack");
        assert_eq!(unpack::<Vec<(String, Option<u32>)>>(&packed), Ok(v));
        assert!(unpack::<Vec<String>>(b"not zstd").is_err());
        assert!(decode::<Vec<String>>(&[0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
    }
}
