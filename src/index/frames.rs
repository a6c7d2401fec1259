//! Documents segments of format 2: one zstd frame per document, so that a
//! query decompresses only the indexed documents it reads, compressed with
//! a dictionary trained on the segment's documents (about as small as
//! compressing them in large blocks) and with zstd's own checksum, which
//! guards a frame read on its own.
//!
//! ```text
//! payload: header length u64 LE | encode(Header) | frame, frame, ...
//! ```

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::codec;
use crate::corpus::Document;

/// A document as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoredDoc {
    pub id: String,
    pub source: Option<String>,
    pub text: String,
}

impl StoredDoc {
    pub fn of(d: &Document) -> Self {
        StoredDoc {
            id: d.id.clone(),
            source: d.source.clone(),
            text: d.text.clone(),
        }
    }

    pub fn document(self) -> Document {
        Document {
            id: self.id,
            source: self.source,
            text: self.text,
        }
    }

    /// The document encoded (`codec::encode`) in `raw`. The same as
    /// decoding a [`StoredDoc`], but faster: bincode writes a string as
    /// its length and bytes, as it writes bytes, so the fields are read
    /// as bytes and checked as UTF-8 with SIMD (the standard check is
    /// slow on Arabic text).
    pub fn decode(raw: &[u8]) -> Result<Document, String> {
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(borrow)]
            id: &'a [u8],
            #[serde(borrow)]
            source: Option<&'a [u8]>,
            #[serde(borrow)]
            text: &'a [u8],
        }
        let r: Raw<'_> = codec::decode(raw)?;
        let text = |b: &[u8]| {
            simdutf8::basic::from_utf8(b)
                .map(str::to_owned)
                .map_err(|_| "cannot decode: a stored string is not UTF-8".to_string())
        };
        Ok(Document {
            id: text(r.id)?,
            source: r.source.map(text).transpose()?,
            text: text(r.text)?,
        })
    }
}

/// What precedes the frames.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Header {
    /// When the batch was added, in seconds since the Unix epoch.
    pub added: u64,
    /// The JSONL id, text and source field names it was read with.
    pub fields: [String; 3],
    /// Number of documents.
    pub documents: u64,
    /// Bytes of text.
    pub bytes: u64,
    /// zstd dictionaries (an empty one: none).
    pub dicts: Vec<Vec<u8>>,
    /// Each document's dictionary (index into `dicts`) and where its frame
    /// ends, counted from the first frame.
    pub docs: Vec<(u32, u64)>,
}

impl Header {
    /// The byte range of document `i`'s frame, counted from the first.
    pub fn frame(&self, i: usize) -> std::ops::Range<u64> {
        let start = if i == 0 { 0 } else { self.docs[i - 1].1 };
        start..self.docs[i].1
    }

    /// Checks what reading frames relies on.
    fn check(&self, frames: u64) -> Result<(), String> {
        let mut last = 0;
        for &(dict, end) in &self.docs {
            if dict as usize >= self.dicts.len() || end < last || end > frames {
                return Err("documents and their frames disagree".into());
            }
            last = end;
        }
        if self.docs.len() as u64 != self.documents || last != frames {
            return Err("documents and their frames disagree".into());
        }
        Ok(())
    }
}

/// The payload of `docs` (compressed here) with `header`'s other fields.
pub(crate) fn encode(mut header: Header, docs: &[Document]) -> Result<Vec<u8>, String> {
    let raw = docs
        .par_iter()
        .map(|d| codec::encode(&StoredDoc::of(d)))
        .collect::<Result<Vec<_>, String>>()?;
    let dict = codec::train(&raw);
    let frames = codec::compress_all(&raw, &dict)?;
    header.dicts = vec![dict];
    let refs: Vec<(u32, &[u8])> = frames.iter().map(|f| (0, f.as_slice())).collect();
    assemble(header, &refs)
}

/// The payload of `frames` (each with its dictionary index).
pub(crate) fn assemble(mut header: Header, frames: &[(u32, &[u8])]) -> Result<Vec<u8>, String> {
    let mut end = 0u64;
    header.docs = frames
        .iter()
        .map(|&(d, f)| {
            end += f.len() as u64;
            (d, end)
        })
        .collect();
    header.documents = frames.len() as u64;
    let head = codec::encode(&header)?;
    let mut out = Vec::with_capacity(8 + head.len() + end as usize);
    out.extend_from_slice(&(head.len() as u64).to_le_bytes());
    out.extend_from_slice(&head);
    for (_, f) in frames {
        out.extend_from_slice(f);
    }
    Ok(out)
}

/// Reads payload bytes at an offset.
pub(crate) type Reader<'r> = dyn FnMut(u64, &mut [u8]) -> Result<(), String> + 'r;

/// Reads a header: `read(at, buf)` reads payload bytes, `len` is the
/// payload's length. Returns it with where the frames start.
pub(crate) fn read_header(len: u64, read: &mut Reader) -> Result<(Header, u64), String> {
    let mut n = [0u8; 8];
    if len < 8 {
        return Err("documents segment cut short".into());
    }
    read(0, &mut n)?;
    let n = u64::from_le_bytes(n);
    if n > len - 8 {
        return Err("documents header runs past the segment".into());
    }
    let mut head = vec![0u8; n as usize];
    read(8, &mut head)?;
    let header: Header = codec::decode(&head)?;
    header.check(len - 8 - n)?;
    Ok((header, 8 + n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let docs: Vec<Document> = (0..300)
            .map(|i| Document {
                id: format!("d{i}"),
                source: (i % 2 == 0).then(|| "s".to_string()),
                text: format!("نص الخبر رقم {i} عن الاقتصاد والطقس"),
            })
            .collect();
        let payload = encode(Header::default(), &docs).expect("encode");
        let mut read = |at: u64, buf: &mut [u8]| {
            buf.copy_from_slice(&payload[at as usize..at as usize + buf.len()]);
            Ok(())
        };
        let (h, at) = read_header(payload.len() as u64, &mut read).expect("header");
        assert_eq!(h.documents, 300);
        let r = h.frame(123);
        let frame = &payload[(at + r.start) as usize..(at + r.end) as usize];
        let u = codec::Unpacker::new(&h.dicts[0]);
        let mut ctx = u.context().expect("context");
        let raw = codec::decompress_with(&mut ctx, frame).expect("decompress");
        assert_eq!(StoredDoc::decode(&raw).expect("decode"), docs[123]);
        assert!(read_header(payload.len() as u64 - 1, &mut read).is_err());
    }

    #[test]
    fn decoding_reads_what_serde_reads_and_checks_utf8() {
        for source in [None, Some("مصدر".to_string())] {
            let d = StoredDoc {
                id: "خبر-1".into(),
                source,
                text: "نص الخبر\nسطر ثان".into(),
            };
            let raw = codec::encode(&d).expect("encode");
            let serde: StoredDoc = codec::decode(&raw).expect("serde");
            assert_eq!(StoredDoc::decode(&raw).expect("decode"), serde.document());
            // Cut short, or with trailing bytes: refused as serde does.
            assert!(StoredDoc::decode(&raw[..raw.len() - 1]).is_err());
            let mut more = raw.clone();
            more.push(0);
            assert!(StoredDoc::decode(&more).is_err());
        }
        let mut raw = codec::encode(&StoredDoc {
            id: "x".into(),
            source: None,
            text: "ab".into(),
        })
        .expect("encode");
        let last = raw.len() - 1;
        raw[last] = 0xff;
        let e = StoredDoc::decode(&raw).expect_err("not UTF-8");
        assert!(e.contains("UTF-8"), "{e}");
    }
}
