//! Streaming raw records out of the input files, in batches.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use super::{Compression, FileKind, InputFile, Warning};

/// One raw record: a `.txt` file's bytes or one JSONL line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Index of its file in the input list.
    pub file: u32,
    /// 1-based line for JSONL, 0 for a `.txt` file.
    pub line: u64,
    /// Where the bytes start in the file (after decompression): the
    /// record is `bytes.len()` bytes from there.
    pub offset: u64,
    /// The bytes, without the line terminator.
    pub bytes: Vec<u8>,
}

fn open(file: &InputFile) -> std::io::Result<Box<dyn BufRead + Send>> {
    const BUF: usize = 1 << 20;
    let raw: Box<dyn Read + Send> = if file.is_stdin() {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(&file.path)?)
    };
    Ok(match &file.kind {
        FileKind::Jsonl(Compression::Gzip) => Box::new(BufReader::with_capacity(
            BUF,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(BUF, raw)),
        )),
        FileKind::Jsonl(Compression::Zstd) => {
            Box::new(BufReader::with_capacity(BUF, zstd::Decoder::new(raw)?))
        }
        _ => Box::new(BufReader::with_capacity(BUF, raw)),
    })
}

/// Reads every record of `files` in order, handing them to `sink` in
/// batches of about `batch_bytes`. Stops early when `sink` returns false.
/// A file that cannot be opened or breaks off (a truncated archive) is a
/// warning; the records read before the break are kept.
pub fn read_records(
    files: &[InputFile],
    batch_bytes: usize,
    mut sink: impl FnMut(Vec<Record>) -> bool,
    mut warn: impl FnMut(Warning),
) {
    let mut batch = Vec::new();
    let mut size = 0usize;
    for (idx, file) in files.iter().enumerate() {
        let idx = idx as u32;
        let mut reader = match open(file) {
            Ok(r) => r,
            Err(e) => {
                warn(Warning {
                    path: file.display.clone(),
                    line: None,
                    message: format!("cannot open: {e}; skipped"),
                });
                continue;
            }
        };
        if let FileKind::Txt { .. } = file.kind {
            let mut bytes = Vec::new();
            match reader.read_to_end(&mut bytes) {
                Ok(_) => {
                    size += bytes.len();
                    batch.push(Record {
                        file: idx,
                        line: 0,
                        offset: 0,
                        bytes,
                    });
                }
                Err(e) => warn(Warning {
                    path: file.display.clone(),
                    line: None,
                    message: format!("cannot read: {e}; skipped"),
                }),
            }
        } else {
            let mut line = 0u64;
            let mut pos = 0u64;
            loop {
                let mut bytes = Vec::new();
                match reader.read_until(b'\n', &mut bytes) {
                    Ok(0) => break,
                    Ok(n) => {
                        line += 1;
                        let mut offset = pos;
                        pos += n as u64;
                        trim_eol(&mut bytes);
                        if line == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
                            bytes.drain(..3);
                            offset += 3;
                        }
                        if bytes.iter().all(u8::is_ascii_whitespace) {
                            continue;
                        }
                        size += bytes.len();
                        batch.push(Record {
                            file: idx,
                            line,
                            offset,
                            bytes,
                        });
                    }
                    Err(e) => {
                        warn(Warning {
                            path: file.display.clone(),
                            line: Some(line + 1),
                            message: format!("read error: {e}; the rest of the file is skipped"),
                        });
                        break;
                    }
                }
                if size >= batch_bytes {
                    size = 0;
                    if !sink(std::mem::take(&mut batch)) {
                        return;
                    }
                }
            }
        }
        if size >= batch_bytes {
            size = 0;
            if !sink(std::mem::take(&mut batch)) {
                return;
            }
        }
    }
    if !batch.is_empty() {
        sink(batch);
    }
}

fn trim_eol(bytes: &mut Vec<u8>) {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn collect(files: &[InputFile]) -> (Vec<Record>, Vec<Warning>) {
        let mut recs = Vec::new();
        let mut warns = Vec::new();
        read_records(
            files,
            10,
            |b| {
                recs.extend(b);
                true
            },
            |w| warns.push(w),
        );
        (recs, warns)
    }

    #[test]
    fn reads_plain_gzip_and_zstd_jsonl() {
        let dir = tempfile::tempdir().expect("tempdir");
        let body = b"{\"id\":1}\r\n\n{\"id\":2}\n{\"id\":3}";
        let plain = dir.path().join("a.jsonl");
        std::fs::write(&plain, body).expect("write");
        let gz = dir.path().join("b.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(body).expect("gz");
        std::fs::write(&gz, enc.finish().expect("gz")).expect("write");
        let zst = dir.path().join("c.jsonl.zst");
        std::fs::write(&zst, zstd::encode_all(&body[..], 1).expect("zstd")).expect("write");
        let (files, _) = super::super::discover(&[dir.path().to_path_buf()]).expect("discover");
        let (recs, warns) = collect(&files);
        assert!(warns.is_empty(), "{warns:?}");
        let got: Vec<(u32, u64, u64, &[u8])> = recs
            .iter()
            .map(|r| (r.file, r.line, r.offset, r.bytes.as_slice()))
            .collect();
        let mut want = Vec::new();
        for f in 0..3 {
            want.extend([
                (f, 1, 0, &b"{\"id\":1}"[..]),
                (f, 3, 11, &b"{\"id\":2}"[..]),
                (f, 4, 20, &b"{\"id\":3}"[..]),
            ]);
        }
        assert_eq!(got, want);
        // Each offset points at the record in the (decompressed) file.
        for r in recs.iter().filter(|r| r.file == 0) {
            let at = r.offset as usize;
            assert_eq!(&body[at..at + r.bytes.len()], r.bytes.as_slice());
        }
    }

    #[test]
    fn truncated_gzip_keeps_what_was_read_and_warns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut body = Vec::new();
        for i in 0..5000 {
            body.extend_from_slice(format!("{{\"id\":{i},\"text\":\"word {i}\"}}\n").as_bytes());
        }
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&body).expect("gz");
        let full = enc.finish().expect("gz");
        let gz = dir.path().join("t.jsonl.gz");
        std::fs::write(&gz, &full[..full.len() / 2]).expect("write");
        let (files, _) = super::super::discover(&[gz]).expect("discover");
        let (recs, warns) = collect(&files);
        assert_eq!(warns.len(), 1, "{warns:?}");
        assert!(warns[0].line.is_some());
        assert!(!recs.is_empty() && recs.len() < 5000);
    }
}
