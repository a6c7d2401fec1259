//! Spilling to disk: what a corpus too large for memory keeps in
//! anonymous temporary files (deleted when dropped, even on a crash)
//! instead of on the heap.
//!
//! Two shapes are needed: [`Records`], variable-length byte records
//! appended once and then read back by index from any thread; and
//! [`Buckets`], many append-only runs of `u64` that are read back whole,
//! one at a time (the external sort of [`crate::passage::co_occurring`]).

use std::fs::File;
use std::io::{BufWriter, Write};
#[cfg(not(unix))]
use std::io::{Read, Seek, SeekFrom};
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
        self.read_range(i, 0, len, buf);
    }

    /// Reads bytes `from..to` of record `i` (as far as the record goes)
    /// into `buf`. Panics as [`Records::read_suffix`] does.
    pub fn read_range(&self, i: usize, from: usize, to: usize, buf: &mut Vec<u8>) {
        let (start, end) = (self.offsets[i], self.offsets[i + 1]);
        let at = |x: usize| end.min(start.saturating_add(x as u64));
        self.read_span(at(from), at(to.max(from)), buf);
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
///
/// A run is written to its file in whole blocks of `BLOCK` bytes (1 MiB) with
/// direct I/O where the file system allows it (Linux `O_DIRECT`): the
/// values are written once and read once, so going through the page cache
/// only cost the kernel a copy into fresh pages (on this kind of virtual
/// machine, slower than the disk). The part of a run not yet a whole
/// block stays in memory.
#[derive(Debug)]
pub struct Buckets {
    dir: PathBuf,
    runs: Vec<Run>,
}

/// Bytes of a [`Buckets`] block.
const BLOCK: usize = 1 << 20;
/// Alignment direct I/O asks of memory, file offsets and lengths.
const ALIGN: usize = 4096;

#[derive(Debug)]
struct Run {
    file: File,
    /// The same file opened for direct I/O, while that works.
    direct: Option<File>,
    /// `BLOCK + ALIGN` bytes; the block is the aligned `BLOCK` inside.
    buf: Vec<u8>,
    /// Bytes of the block in use.
    filled: usize,
    /// Bytes written to the file.
    written: u64,
}

impl Run {
    fn new(dir: &Path) -> Result<Run> {
        let file = temp_file(dir)?;
        Ok(Run {
            direct: open_direct(&file),
            file,
            buf: Vec::new(),
            filled: 0,
            written: 0,
        })
    }

    /// The aligned block inside `buf`.
    fn block(buf: &mut [u8]) -> &mut [u8] {
        let at = buf.as_ptr().align_offset(ALIGN);
        &mut buf[at..at + BLOCK]
    }

    fn push(&mut self, dir: &Path, mut bytes: &[u8]) -> Result<()> {
        if self.buf.is_empty() {
            self.buf = vec![0; BLOCK + ALIGN];
        }
        while !bytes.is_empty() {
            let n = (BLOCK - self.filled).min(bytes.len());
            Run::block(&mut self.buf)[self.filled..self.filled + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == BLOCK {
                self.flush(dir)?;
            }
        }
        Ok(())
    }

    /// Writes the full block at the end of the file.
    fn flush(&mut self, dir: &Path) -> Result<()> {
        let block = Run::block(&mut self.buf);
        if let Some(d) = &self.direct {
            if write_all_at(d, block, self.written).is_err() {
                // The file system refused direct I/O: go through the
                // page cache from now on.
                self.direct = None;
            }
        }
        if self.direct.is_none() {
            write_all_at(&self.file, block, self.written)
                .map_err(|e| io_error(dir, "write", &e))?;
        }
        self.written += BLOCK as u64;
        self.filled = 0;
        Ok(())
    }

    /// Every value of the run, mapped by `f`.
    fn read<T>(&mut self, dir: &Path, f: impl Fn(u64) -> T) -> Result<Vec<T>> {
        let n = (self.written as usize + self.filled) / 8;
        let mut out = Vec::with_capacity(n);
        let mut chunk = vec![0u8; BLOCK + ALIGN];
        let mut at = 0u64;
        let mut map = |bytes: &[u8]| {
            out.extend(
                bytes
                    .chunks_exact(8)
                    .map(|w| f(u64::from_le_bytes(w.try_into().expect("8 bytes")))),
            );
        };
        while at < self.written {
            let block = Run::block(&mut chunk);
            let read = match &self.direct {
                Some(d) => {
                    read_exact_at(d, block, at).or_else(|_| read_exact_at(&self.file, block, at))
                }
                None => read_exact_at(&self.file, block, at),
            };
            read.map_err(|e| io_error(dir, "read", &e))?;
            map(block);
            at += BLOCK as u64;
        }
        if self.filled > 0 {
            map(&Run::block(&mut self.buf)[..self.filled]);
        }
        Ok(out)
    }
}

/// `file` opened again for direct I/O (Linux), if the file system allows it.
#[cfg(target_os = "linux")]
fn open_direct(file: &File) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_: &File) -> Option<File> {
    None
}

/// Writes `buf` at byte `at` of `file`.
#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, at)
}

#[cfg(not(unix))]
fn write_all_at(file: &File, buf: &[u8], at: u64) -> std::io::Result<()> {
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(at))?;
    f.write_all(buf)
}

impl Buckets {
    /// `n` empty runs in `dir`.
    pub fn new(dir: &Path, n: usize) -> Result<Buckets> {
        Ok(Buckets {
            dir: dir.to_path_buf(),
            runs: (0..n).map(|_| Run::new(dir)).collect::<Result<_>>()?,
        })
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether there are no runs.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Values held in all runs.
    pub fn total(&self) -> u64 {
        self.runs
            .iter()
            .map(|r| (r.written + r.filled as u64) / 8)
            .sum()
    }

    /// Appends `values` to run `b`.
    pub fn extend(&mut self, b: usize, values: &[u64]) -> Result<()> {
        let run = &mut self.runs[b];
        if cfg!(target_endian = "little") {
            // The values' memory already is their little-endian bytes.
            run.push(&self.dir, bytemuck::cast_slice(values))
        } else {
            values.chunks(1 << 14).try_for_each(|chunk| {
                let bytes: Vec<u8> = chunk.iter().flat_map(|v| v.to_le_bytes()).collect();
                run.push(&self.dir, &bytes)
            })
        }
    }

    /// Reads run `b` whole and empties it (its file is closed).
    pub fn take(&mut self, b: usize) -> Result<Vec<u64>> {
        self.take_map(b, |v| v)
    }

    /// [`Buckets::take`], each value mapped by `f` as it is read.
    pub fn take_map<T>(&mut self, b: usize, f: impl Fn(u64) -> T) -> Result<Vec<T>> {
        let mut run = std::mem::replace(&mut self.runs[b], Run::new(&self.dir)?);
        run.read(&self.dir, f)
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

    /// Runs longer than a block go to their files (directly where the
    /// file system allows it, else through the page cache) and come back
    /// whole, in order, with the part not yet a block.
    #[test]
    fn buckets_write_whole_blocks_and_read_them_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut b = Buckets::new(dir.path(), 3).expect("buckets");
        // Run 2 goes through the page cache whatever the file system.
        b.runs[2].direct = None;
        let per_block = (BLOCK / 8) as u64;
        let mut want: Vec<Vec<u64>> = vec![Vec::new(); 3];
        for round in 0..7u64 {
            for (r, w) in want.iter_mut().enumerate() {
                let len = per_block / 3 + round * 1000 + r as u64;
                let values: Vec<u64> = (0..len).map(|i| i * 31 + round * 7 + r as u64).collect();
                b.extend(r, &values).expect("extend");
                w.extend_from_slice(&values);
            }
        }
        assert!(want[0].len() as u64 > 2 * per_block, "more than two blocks");
        assert!(b.runs.iter().all(|r| r.written >= 2 * BLOCK as u64));
        assert_eq!(b.total(), want.iter().map(|w| w.len() as u64).sum::<u64>());
        for (r, w) in want.iter().enumerate() {
            assert_eq!(&b.take(r).expect("take"), w, "run {r}");
        }
        assert_eq!(b.total(), 0);
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
