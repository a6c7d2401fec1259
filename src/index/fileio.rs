//! Reading parts of an index file: the committed part mapped into
//! memory, positioned reads, large ranges read and checksummed in
//! parallel chunks (the kernel's page faults and copies then run on every
//! core).

use std::fs::File;
use std::io;

use rayon::prelude::*;

/// Bytes per chunk of a parallel read.
const CHUNK: usize = 4 << 20;

/// Reads exactly `buf.len()` bytes at offset `at` of `file`.
#[cfg(unix)]
pub(crate) fn read_at(file: &File, at: u64, buf: &mut [u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

/// Reads exactly `buf.len()` bytes at offset `at` of `file`.
#[cfg(windows)]
pub(crate) fn read_at(file: &File, at: u64, buf: &mut [u8]) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let n = std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], at + done as u64)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        done += n;
    }
    Ok(())
}

/// The first `len` bytes of `file` (its committed part) mapped read-only,
/// or `None` where mapping is not available (the caller then reads).
///
/// Only unix: elsewhere a mapped file cannot be replaced while mapped,
/// which `index compact` does.
#[cfg(unix)]
pub(crate) fn map(file: &File, len: u64) -> Option<memmap2::Mmap> {
    if len == 0 {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    // SAFETY: the mapping is read-only and covers the committed part of
    // the file only. neardup never changes committed bytes in place:
    // an append writes past the committed end (after truncating what a
    // crashed append left past it, never before it) and then rewrites a
    // commit slot of the header, whose bytes are read with positioned
    // reads, never through the map; `index compact` writes a new file and renames it into place, which leaves
    // this mapping on the old one. The lock keeps writers apart, not
    // readers; another program truncating the file under a reader would
    // make its reads fault, as with any mapped file.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::MmapOptions::new().len(len).map(file) };
    map.ok()
}

/// The first `len` bytes of `file` mapped: not available here.
#[cfg(not(unix))]
pub(crate) fn map(_: &File, _: u64) -> Option<memmap2::Mmap> {
    None
}

/// Reads `len` bytes at offset `at` of `file`, in parallel chunks.
pub(crate) fn read_range(file: &File, at: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut out = vec![0u8; len];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .try_for_each(|(i, c)| read_at(file, at + (i * CHUNK) as u64, c))?;
    Ok(out)
}

/// The CRC-32 of `bytes`, computed in parallel chunks.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let parts: Vec<crc32fast::Hasher> = bytes
        .par_chunks(CHUNK)
        .map(|c| {
            let mut h = crc32fast::Hasher::new();
            h.update(c);
            h
        })
        .collect();
    let mut all = crc32fast::Hasher::new();
    for p in &parts {
        all.combine(p);
    }
    all.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_crc_and_read_agree_with_plain_ones() {
        let bytes: Vec<u8> = (0..(CHUNK * 2 + 12345))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        assert_eq!(crc32(&bytes), crc32fast::hash(&bytes));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, &bytes).expect("write");
        let f = File::open(&path).expect("open");
        assert_eq!(
            read_range(&f, 3, bytes.len() - 3).expect("read"),
            bytes[3..]
        );
        let mut short = vec![0u8; 10];
        assert!(read_at(&f, bytes.len() as u64 - 5, &mut short).is_err());
    }
}
