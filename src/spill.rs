//! Spilling to disk: what a corpus too large for memory keeps in
//! anonymous temporary files (deleted when dropped, even on a crash)
//! instead of on the heap.
//!
//! Two shapes are needed: [`Records`], variable-length byte records
//! appended once and then read back by index from any thread; and
//! [`Buckets`], many append-only runs of `u64` that are read back whole,
//! one at a time (the external sort of [`crate::passage::co_occurring`]).

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

fn io_error(dir: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::Io {
        path: dir.to_path_buf(),
        error: std::io::Error::new(
            e.kind(),
            format!("spill file ({what}): {e}; --spill-dir names a folder with free space"),
        ),
    }
}

fn temp_file(dir: &Path) -> Result<File> {
    tempfile::tempfile_in(dir).map_err(|e| io_error(dir, "create", &e))
}

/// Where spill files go: `dir`, or the system temporary folder.
pub fn folder(dir: Option<&Path>) -> PathBuf {
    dir.map_or_else(std::env::temp_dir, Path::to_path_buf)
}

/// Byte records appended in order, then read by number.
#[derive(Debug)]
pub struct Records {
    dir: PathBuf,
    writer: Option<BufWriter<File>>,
    file: Option<File>,
    /// Start of every record, then the end of the last.
    offsets: Vec<u64>,
}

impl Records {
    /// An empty store in `dir`.
    pub fn new(dir: &Path) -> Result<Records> {
        Ok(Records {
            dir: dir.to_path_buf(),
            writer: Some(BufWriter::with_capacity(1 << 20, temp_file(dir)?)),
            file: None,
            offsets: vec![0],
        })
    }

    /// Appends one record; records are numbered from 0 in order.
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        let w = self.writer.as_mut().expect("push before finish");
        w.write_all(bytes)
            .map_err(|e| io_error(&self.dir, "write", &e))?;
        let end = self.offsets.last().copied().unwrap_or(0) + bytes.len() as u64;
        self.offsets.push(end);
        Ok(())
    }

    /// Ends writing; records can be read from now on.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            let file = w
                .into_inner()
                .map_err(|e| io_error(&self.dir, "flush", e.error()))?;
            self.file = Some(file);
        }
        Ok(())
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes written.
    pub fn bytes(&self) -> u64 {
        self.offsets.last().copied().unwrap_or(0)
    }

    /// Length of record `i` in bytes.
    pub fn record_len(&self, i: usize) -> usize {
        (self.offsets[i + 1] - self.offsets[i]) as usize
    }

    /// Reads the last `len` bytes of record `i` (all of it if shorter)
    /// into `buf` (replacing its contents).
    ///
    /// # Panics
    /// Before [`Records::finish`], or when the operating system cannot
    /// read back what it accepted moments ago (the file is private to
    /// this process): there is no answer to give without the data.
    pub fn read_suffix(&self, i: usize, len: usize, buf: &mut Vec<u8>) {
        let (start, end) = (self.offsets[i], self.offsets[i + 1]);
        let from = end.saturating_sub(len as u64).max(start);
        self.read_span(from, end, buf);
    }

    /// Reads the first `len` bytes of record `i` (all of it if shorter)
    /// into `buf`. Panics as [`Records::read_suffix`] does.
    pub fn read_prefix(&self, i: usize, len: usize, buf: &mut Vec<u8>) {
        let (start, end) = (self.offsets[i], self.offsets[i + 1]);
        self.read_span(start, end.min(start.saturating_add(len as u64)), buf);
    }

    /// Reads bytes `start..end` of the file into `buf`.
    fn read_span(&self, start: u64, end: u64, buf: &mut Vec<u8>) {
        let file = self.file.as_ref().expect("read before finish");
        buf.clear();
        buf.resize((end - start) as usize, 0);
        read_exact_at(file, buf, start)
            .unwrap_or_else(|e| panic!("reading back spill file in {}: {e}", self.dir.display()));
    }
}

/// Reads `buf.len()` bytes of `file` at byte `at`.
#[cfg(unix)]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

/// Reads `buf.len()` bytes of `file` at byte `at`.
#[cfg(not(unix))]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    // Without positioned reads, a cloned handle seeks privately.
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(at))?;
    f.read_exact(buf)
}

/// `n` append-only runs of `u64`, each read back whole.
#[derive(Debug)]
pub struct Buckets {
    dir: PathBuf,
    files: Vec<BufWriter<File>>,
    counts: Vec<u64>,
}

impl Buckets {
    /// `n` empty runs in `dir`.
    pub fn new(dir: &Path, n: usize) -> Result<Buckets> {
        Ok(Buckets {
            dir: dir.to_path_buf(),
            files: (0..n)
                .map(|_| Ok(BufWriter::with_capacity(1 << 18, temp_file(dir)?)))
                .collect::<Result<_>>()?,
            counts: vec![0; n],
        })
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no runs.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Values held in all runs.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Appends `values` to run `b`.
    pub fn extend(&mut self, b: usize, values: &[u64]) -> Result<()> {
        let w = &mut self.files[b];
        let written = if cfg!(target_endian = "little") {
            // The values' memory already is their little-endian bytes.
            w.write_all(bytemuck::cast_slice(values))
        } else {
            values.chunks(1 << 14).try_for_each(|chunk| {
                let bytes: Vec<u8> = chunk.iter().flat_map(|v| v.to_le_bytes()).collect();
                w.write_all(&bytes)
            })
        };
        written.map_err(|e| io_error(&self.dir, "write", &e))?;
        self.counts[b] += values.len() as u64;
        Ok(())
    }

    /// Reads run `b` whole and empties it (its file is closed).
    pub fn take(&mut self, b: usize) -> Result<Vec<u64>> {
        self.take_map(b, |v| v)
    }

    /// [`Buckets::take`], each value mapped by `f` as it is read.
    pub fn take_map<T>(&mut self, b: usize, f: impl Fn(u64) -> T) -> Result<Vec<T>> {
        let w = std::mem::replace(
            &mut self.files[b],
            BufWriter::with_capacity(0, temp_file(&self.dir)?),
        );
        let mut file = w
            .into_inner()
            .map_err(|e| io_error(&self.dir, "flush", e.error()))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| io_error(&self.dir, "seek", &e))?;
        let n = std::mem::take(&mut self.counts[b]) as usize;
        let mut out = Vec::with_capacity(n);
        let mut chunk = vec![0u8; 1 << 20];
        while out.len() < n {
            let want = ((n - out.len()) * 8).min(chunk.len());
            file.read_exact(&mut chunk[..want])
                .map_err(|e| io_error(&self.dir, "read", &e))?;
            out.extend(
                chunk[..want]
                    .chunks_exact(8)
                    .map(|w| f(u64::from_le_bytes(w.try_into().expect("8 bytes")))),
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_by_number() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut r = Records::new(dir.path()).expect("records");
        let items: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; i as usize]).collect();
        for it in &items {
            r.push(it).expect("push");
        }
        r.finish().expect("finish");
        assert_eq!(r.len(), 100);
        let mut buf = Vec::new();
        for i in [99, 0, 42, 1] {
            r.read_prefix(i, usize::MAX, &mut buf);
            assert_eq!(buf, items[i]);
            r.read_prefix(i, 10, &mut buf);
            assert_eq!(buf, items[i][..i.min(10)]);
            r.read_suffix(i, 10, &mut buf);
            assert_eq!(buf, items[i][i - i.min(10)..]);
            assert_eq!(r.record_len(i), i);
        }
    }

    #[test]
    fn buckets_keep_their_runs_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut b = Buckets::new(dir.path(), 3).expect("buckets");
        b.extend(0, &[1, 2]).expect("extend");
        b.extend(2, &[u64::MAX]).expect("extend");
        b.extend(0, &[3]).expect("extend");
        assert_eq!(b.total(), 4);
        assert_eq!(b.take(0).expect("take"), vec![1, 2, 3]);
        assert_eq!(b.take(1).expect("take"), Vec::<u64>::new());
        assert_eq!(b.take(2).expect("take"), vec![u64::MAX]);
        assert_eq!(b.total(), 0);
    }
}
