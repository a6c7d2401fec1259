//! Every hash that reaches a signature, an index file or the report.
//!
//! All of them are XXH3-64 (`xxhash-rust`) with an explicit seed defined
//! here, so results are the same across runs, machines and thread counts.
//! `std::hash::Hash` and random states are never used for these.

use xxhash_rust::xxh3::{xxh3_64_with_seed, Xxh3};

/// Seed for hashing one normalized token (its UTF-8 bytes).
pub const TOKEN_SEED: u64 = 0x6e65_6172_6475_7001;
/// Seed for hashing a shingle: the little-endian bytes of its token hashes.
pub const SHINGLE_SEED: u64 = 0x6e65_6172_6475_7002;
/// Seed for hashing one line's token hashes (boilerplate statistics).
pub const LINE_SEED: u64 = 0x6e65_6172_6475_7003;
/// Seed for LSH band keys.
pub const BAND_SEED: u64 = 0x6e65_6172_6475_7004;
/// Seed for the MinHash permutation applied to shingle hashes.
pub const MINHASH_SEED: u64 = 0x6e65_6172_6475_7005;
/// Seed for fingerprints of whole shingle sets (exact-duplicate grouping).
pub const SET_SEED: u64 = 0x6e65_6172_6475_7006;
/// Seed for the word pairs of a document's relatedness sketch
/// (`boilerplate::Sketch`).
pub const PAIR_SEED: u64 = 0x6e65_6172_6475_7007;
/// Seed for the check of a text read again from its input file (a
/// spilled document's text is parsed again from a plain input file; this
/// hash of the text first read tells whether the file changed).
pub const REREAD_SEED: u64 = 0x6e65_6172_6475_7008;

/// Hashes a document's text, to check it when it is read again.
#[inline]
pub fn reread(text: &str) -> u64 {
    xxh3_64_with_seed(text.as_bytes(), REREAD_SEED)
}

/// Hashes one normalized token.
#[inline]
pub fn token(norm: &str) -> u64 {
    xxh3_64_with_seed(norm.as_bytes(), TOKEN_SEED)
}

/// Hashes a sequence of 64-bit values with `seed`: XXH3 of their
/// little-endian bytes laid end to end. Each value is fixed width, so
/// sequences cannot collide by re-splitting ("ab c" vs "a bc").
#[inline]
pub fn seq(values: &[u64], seed: u64) -> u64 {
    if cfg!(target_endian = "little") {
        // The values' memory already is their little-endian bytes.
        return xxh3_64_with_seed(bytemuck::cast_slice(values), seed);
    }
    let mut h = Xxh3::with_seed(seed);
    for v in values {
        h.update(&v.to_le_bytes());
    }
    h.digest()
}

/// A seeded 64-bit mixer (the XXH3 avalanche of `x ^ seed`), used as the
/// MinHash permutation and for densification probes.
#[inline]
pub fn mix(x: u64, seed: u64) -> u64 {
    xxh3_64_with_seed(&x.to_le_bytes(), seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_is_fixed_width() {
        let ab_c = seq(&[token("ab"), token("c")], SHINGLE_SEED);
        let a_bc = seq(&[token("a"), token("bc")], SHINGLE_SEED);
        assert_ne!(ab_c, a_bc);
        let long: Vec<u64> = (0..40).collect();
        let bytes: Vec<u8> = long.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            seq(&long, 1),
            xxh3_64_with_seed(&bytes, 1),
            "streaming = one shot"
        );
        assert_ne!(seq(&long, 1), seq(&long[..39], 1));
    }

    #[test]
    fn hashes_are_stable() {
        // Pinned values: a change here changes every index and report.
        assert_eq!(token("كوريا"), token("كوريا"));
        assert_eq!(
            xxh3_64_with_seed(b"neardup", 0),
            xxh3_64_with_seed(b"neardup", 0)
        );
        assert_ne!(mix(1, MINHASH_SEED), mix(1, BAND_SEED));
        // Pinned before `seq` hashed the values' memory in one shot.
        let long: Vec<u64> = (0..40u64)
            .map(|x| x.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        assert_eq!(seq(&long, SHINGLE_SEED), 0x74ee_d33e_e11d_1c06);
        assert_eq!(seq(&long[..5], LINE_SEED), 0x32f8_42e6_5cea_00cd);
        assert_eq!(seq(&long[..17], SET_SEED), 0xd969_0761_145c_0767);
        assert_eq!(token("كوريا"), 0x5203_2b92_d18d_acfa);
    }
}
