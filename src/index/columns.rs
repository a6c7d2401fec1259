//! Fixed-width little-endian columns: how an analysis segment stores its
//! large arrays (postings, line tables, band entries, pair lists), so that
//! opening an index reads them in place instead of decoding them.
//!
//! A [`Col`] is a view over bytes of the index file; [`Keys`] adds a table
//! of where each run of top bits starts to a sorted `u64` column, so that
//! a key is found among a few neighbouring entries.

use std::marker::PhantomData;

/// A value stored in a fixed number of little-endian bytes.
pub(crate) trait Fixed: Copy {
    /// Bytes per value.
    const WIDTH: usize;
    /// Reads one value from exactly `WIDTH` bytes.
    fn read(b: &[u8]) -> Self;
    /// Appends the value's bytes.
    fn put(self, out: &mut Vec<u8>);
}

macro_rules! fixed {
    ($t:ty, $w:expr) => {
        impl Fixed for $t {
            const WIDTH: usize = $w;
            #[inline]
            fn read(b: &[u8]) -> Self {
                let mut x = [0u8; $w];
                x.copy_from_slice(&b[..$w]);
                <$t>::from_le_bytes(x)
            }
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    };
}

fixed!(u8, 1);
fixed!(u32, 4);
fixed!(u64, 8);
fixed!(f64, 8);

/// A column of `T` over bytes.
#[derive(Debug)]
pub(crate) struct Col<'a, T> {
    bytes: &'a [u8],
    _t: PhantomData<T>,
}

impl<T> Clone for Col<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Col<'_, T> {}

impl<T: Fixed> Default for Col<'_, T> {
    fn default() -> Self {
        Col {
            bytes: &[],
            _t: PhantomData,
        }
    }
}

impl<'a, T: Fixed + 'a> Col<'a, T> {
    /// The column over `bytes`, or `None` when their length is not a
    /// whole number of values.
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        (bytes.len() % T::WIDTH == 0).then_some(Col {
            bytes,
            _t: PhantomData,
        })
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.bytes.len() / T::WIDTH
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Value `i` (`i < len()`).
    #[inline]
    pub fn get(&self, i: usize) -> T {
        T::read(&self.bytes[i * T::WIDTH..(i + 1) * T::WIDTH])
    }

    /// Every value, in order.
    pub fn iter(&self) -> impl Iterator<Item = T> + 'a {
        self.bytes.chunks_exact(T::WIDTH).map(T::read)
    }

    /// Values `range`, as a column.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Col<'a, T> {
        Col {
            bytes: &self.bytes[range.start * T::WIDTH..range.end * T::WIDTH],
            _t: PhantomData,
        }
    }

    /// The first index in `lo..hi` whose value fails `pred`, when the
    /// values there that pass it all come first.
    pub fn partition_point(&self, lo: usize, hi: usize, pred: impl Fn(T) -> bool) -> usize {
        let (mut lo, mut hi) = (lo, hi);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.get(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

/// Appends `values` as a column.
pub(crate) fn put_all<T: Fixed>(out: &mut Vec<u8>, values: impl IntoIterator<Item = T>) {
    for v in values {
        v.put(out);
    }
}

/// Top bits of a key that index a [`Keys`] table, for `n` keys.
pub(crate) fn table_bits(n: usize) -> u32 {
    (n.max(1).ilog2().saturating_sub(2)).clamp(4, 24)
}

/// The run table of sorted keys `keys`: entry `p` is the first key whose
/// top `bits` bits are at least `p`, and the table ends with `keys.len()`.
pub(crate) fn run_table(keys: &[u64], bits: u32) -> Vec<u32> {
    let shift = 64 - bits;
    let mut table = Vec::with_capacity((1 << bits) + 1);
    let mut at = 0usize;
    for p in 0..=(1u64 << bits) {
        while at < keys.len() && (keys[at] >> shift) < p {
            at += 1;
        }
        table.push(at as u32);
    }
    table
}

/// A sorted `u64` column with its run table.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Keys<'a> {
    /// The sorted keys.
    pub sorted: Col<'a, u64>,
    table: Col<'a, u32>,
    bits: u32,
}

impl<'a> Keys<'a> {
    /// `keys` with `table` of `bits`, checked: the table has the right
    /// length, never decreases and stays within the keys.
    pub fn new(keys: Col<'a, u64>, table: Col<'a, u32>, bits: u32) -> Result<Self, String> {
        if keys.is_empty() && table.is_empty() {
            return Ok(Keys::default());
        }
        if bits > 30 || table.len() != (1usize << bits) + 1 {
            return Err("a run table has the wrong length".into());
        }
        let mut last = 0u32;
        for t in table.iter() {
            if t < last || t as usize > keys.len() {
                return Err("a run table is out of order".into());
            }
            last = t;
        }
        if last as usize != keys.len() {
            return Err("a run table does not cover its keys".into());
        }
        Ok(Keys {
            sorted: keys,
            table,
            bits,
        })
    }

    /// The index range of the keys `k` with `k & mask == key`, where
    /// `mask` keeps at least the table's top bits.
    pub fn run(&self, key: u64, mask: u64) -> std::ops::Range<usize> {
        if self.sorted.is_empty() {
            return 0..0;
        }
        let p = (key >> (64 - self.bits)) as usize;
        let (lo, hi) = (self.table.get(p) as usize, self.table.get(p + 1) as usize);
        let lo = self.sorted.partition_point(lo, hi, |x| x & mask < key);
        let hi = self.sorted.partition_point(lo, hi, |x| x & mask == key);
        lo..hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash;

    #[test]
    fn keys_find_every_run() {
        let mask = !((1u64 << 24) - 1);
        let mut keys: Vec<u64> = (0..5000u64)
            .map(|i| (hash::mix(i % 1700, 3) & mask) | (i % 300))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let bits = table_bits(keys.len());
        let mut kb = Vec::new();
        put_all(&mut kb, keys.iter().copied());
        let mut tb = Vec::new();
        put_all(&mut tb, run_table(&keys, bits));
        let k = Keys::new(
            Col::new(&kb).expect("keys"),
            Col::new(&tb).expect("table"),
            bits,
        )
        .expect("valid");
        for i in 0..1800u64 {
            let key = hash::mix(i, 3) & mask;
            let want: Vec<u64> = keys.iter().copied().filter(|x| x & mask == key).collect();
            let got: Vec<u64> = k.run(key, mask).map(|j| k.sorted.get(j)).collect();
            assert_eq!(got, want, "{i}");
        }
        assert!(Keys::default().run(7, mask).is_empty());
        let short = Col::new(&tb[..tb.len() - 4]).expect("table");
        assert!(Keys::new(Col::new(&kb).expect("keys"), short, bits).is_err());
    }

    #[test]
    fn columns_round_trip() {
        let mut b = Vec::new();
        put_all(&mut b, [1.5f64, -2.0]);
        let c: Col<f64> = Col::new(&b).expect("whole values");
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![1.5, -2.0]);
        assert!(Col::<u32>::new(&b[..7]).is_none());
    }
}
