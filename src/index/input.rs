//! Reading new documents for an index: the same files, records, warnings
//! and id renaming as [`pipeline::load`](crate::pipeline::load), but
//! without segmenting (the index segments them together with the indexed
//! documents) and with ids made unique against the indexed ones.

use rayon::prelude::*;

use crate::config::InputConfig;
pub use crate::corpus::Ids;
use crate::corpus::{self, Document, InputFile, Warning};
use crate::error::Result;
use crate::progress::Progress;

/// Documents read from input paths.
#[derive(Debug, Default)]
pub struct Input {
    /// The files read.
    pub files: Vec<InputFile>,
    /// The documents, ids made unique.
    pub docs: Vec<Document>,
    /// Problems met while reading.
    pub warnings: Vec<Warning>,
    /// Records read, usable or not.
    pub records: u64,
}

/// Reads every document under `paths`, making ids unique with `ids`.
pub fn read(
    paths: &[std::path::PathBuf],
    cfg: &InputConfig,
    ids: &mut Ids,
    progress: &dyn Progress,
) -> Result<Input> {
    let (files, warnings) = corpus::discover(paths)?;
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum();
    progress.start("reading", Some(total));
    let mut out = Input {
        files,
        warnings,
        ..Input::default()
    };
    let mut late = Vec::new();
    {
        let files = &out.files;
        let docs = &mut out.docs;
        let warnings = &mut out.warnings;
        let records = &mut out.records;
        corpus::read_records(
            files,
            4 << 20,
            |batch| {
                let size: u64 = batch.iter().map(|r| r.bytes.len() as u64).sum();
                let parsed: Vec<_> = batch
                    .par_iter()
                    .map(|rec| {
                        let file = &files[rec.file as usize];
                        let (doc, warns) = corpus::parse_record(rec, file, cfg);
                        (rec.file, rec.line, doc, warns)
                    })
                    .collect();
                for (file, line, doc, warns) in parsed {
                    warnings.extend(warns);
                    *records += 1;
                    if let Some(mut d) = doc {
                        ids.claim(&mut d, &files[file as usize].display, line, warnings);
                        docs.push(d);
                    }
                }
                progress.advance(size);
                true
            },
            |w| late.push(w),
        );
    }
    out.warnings.extend(late);
    progress.finish();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str) -> Document {
        Document {
            id: id.into(),
            source: None,
            text: "x".into(),
        }
    }

    #[test]
    fn renames_like_a_scan() {
        let mut ids = Ids::new(["x", "x#2"]);
        let mut w = Vec::new();
        let mut d = doc("x");
        ids.claim(&mut d, "f", 3, &mut w);
        assert_eq!(d.id, "x#3");
        let mut d = doc("x");
        ids.claim(&mut d, "f", 4, &mut w);
        assert_eq!(d.id, "x#4");
        assert_eq!(ids.peek("x"), "x#5");
        assert_eq!(ids.peek("z"), "z");
        let mut d = doc("y");
        ids.claim(&mut d, "f", 5, &mut w);
        assert_eq!(d.id, "y");
        assert_eq!(w.len(), 2);
    }
}
