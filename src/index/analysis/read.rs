//! Reading an analysis segment in place: its columns are slices of the
//! payload, located by the header.

use super::{kind_of, relation_of, Boiler, Column, Header, Record};
use crate::boilerplate::{LineSet, Sketch, SKETCH_BINS};
use crate::index::codec;
use crate::index::columns::{Col, Fixed, Keys};

/// An analysis segment read in place.
#[derive(Debug)]
pub(crate) struct Part<'a> {
    pub snapshot: bool,
    pub first: u32,
    pub docs: u32,
    pub recurring: Vec<u64>,
    pub boilerplate: Vec<Boiler>,
    pub id_ends: Col<'a, u64>,
    pub id_bytes: &'a [u8],
    pub rec_doc: Col<'a, u32>,
    pub rec_words: Col<'a, u32>,
    pub rec_shingles: Col<'a, u32>,
    pub rec_set: Col<'a, u64>,
    pub rec_tail: Col<'a, u8>,
    pub ls_ends: Col<'a, u32>,
    pub ls_hash: Col<'a, u64>,
    pub ls_words: Col<'a, u32>,
    pub ls_mins: Col<'a, u32>,
    pub ls_tags: Col<'a, u8>,
    pub lines: Keys<'a>,
    pub lt_doc: Col<'a, u32>,
    pub lt_words: Col<'a, u32>,
    pub bands: Keys<'a>,
    pub band_band: Col<'a, u8>,
    pub band_set: Col<'a, u64>,
    pub anchors: Keys<'a>,
    pub tails: Keys<'a>,
    pub words: Keys<'a>,
    pub common_anchors: Keys<'a>,
    pub common_words: Keys<'a>,
    pub vp_a: Col<'a, u64>,
    pub vp_b: Col<'a, u64>,
    pub vp_rel: Col<'a, u8>,
    pub vp_j: Col<'a, f64>,
    pub vp_c: Col<'a, f64>,
    pub vp_gone: (Col<'a, u64>, Col<'a, u64>),
    pub j_a: Col<'a, u32>,
    pub j_b: Col<'a, u32>,
    pub j_kind: Col<'a, u8>,
    pub j_gone: (Col<'a, u32>, Col<'a, u32>),
    pub c_a: Col<'a, u32>,
    pub c_b: Col<'a, u32>,
    pub c_flag: Col<'a, u8>,
    pub c_gone: (Col<'a, u32>, Col<'a, u32>),
    pub l_h: Col<'a, u32>,
    pub l_o: Col<'a, u32>,
    pub l_s: Col<'a, f64>,
    pub l_gone: (Col<'a, u32>, Col<'a, u32>),
}

struct In<'a> {
    header: Header,
    raw: &'a [u8],
}

impl<'a> In<'a> {
    fn bytes(&self, c: Column) -> Result<&'a [u8], String> {
        match self.header.columns.iter().find(|x| x.0 == c as u8) {
            None => Ok(&[]),
            Some(&(_, at, len)) => {
                let end = at.checked_add(len).ok_or("column past the end")?;
                if end > self.raw.len() as u64 {
                    return Err(format!("column {} runs past the segment", c as u8));
                }
                Ok(&self.raw[at as usize..end as usize])
            }
        }
    }

    fn col<T: Fixed + 'a>(&self, c: Column) -> Result<Col<'a, T>, String> {
        Col::new(self.bytes(c)?).ok_or_else(|| format!("column {} has a partial value", c as u8))
    }

    fn keys(&self, c: Column, table: Column) -> Result<Keys<'a>, String> {
        let bits = self
            .header
            .bits
            .iter()
            .find(|x| x.0 == c as u8)
            .map_or(0, |x| x.1);
        Keys::new(self.col(c)?, self.col(table)?, bits)
    }
}

impl<'a> Part<'a> {
    /// Whether a payload written by [`Delta::encode`] is a snapshot (its
    /// header alone is read).
    pub fn is_snapshot(payload: &[u8]) -> bool {
        if payload.len() < 8 {
            return false;
        }
        let len = u64::read(payload);
        payload[8..]
            .get(..usize::try_from(len).unwrap_or(usize::MAX))
            .and_then(|h| codec::unpack::<Header>(h).ok())
            .is_some_and(|h| h.snapshot)
    }

    /// Reads a payload written by [`Delta::encode`], checking that every
    /// column lies inside it and that parallel columns have equal lengths.
    pub fn decode(payload: &'a [u8]) -> Result<Part<'a>, String> {
        if payload.len() < 8 {
            return Err("analysis segment cut short".into());
        }
        let len = u64::read(payload);
        let rest = &payload[8..];
        if len > rest.len() as u64 {
            return Err("analysis header runs past the segment".into());
        }
        let header: Header = codec::unpack(&rest[..len as usize])?;
        let i = In {
            raw: &rest[len as usize..],
            header,
        };
        let p = Part {
            id_ends: i.col(Column::IdEnds)?,
            id_bytes: i.bytes(Column::IdBytes)?,
            rec_doc: i.col(Column::RecDoc)?,
            rec_words: i.col(Column::RecWords)?,
            rec_shingles: i.col(Column::RecShingles)?,
            rec_set: i.col(Column::RecSet)?,
            rec_tail: i.col(Column::RecTail)?,
            ls_ends: i.col(Column::LsEnds)?,
            ls_hash: i.col(Column::LsHash)?,
            ls_words: i.col(Column::LsWords)?,
            ls_mins: i.col(Column::LsMins)?,
            ls_tags: i.col(Column::LsTags)?,
            lines: i.keys(Column::LtHash, Column::LtTable)?,
            lt_doc: i.col(Column::LtDoc)?,
            lt_words: i.col(Column::LtWords)?,
            bands: i.keys(Column::BandKey, Column::BandTable)?,
            band_band: i.col(Column::BandBand)?,
            band_set: i.col(Column::BandSet)?,
            anchors: i.keys(Column::Anchors, Column::AnchorsTable)?,
            tails: i.keys(Column::Tails, Column::TailsTable)?,
            words: i.keys(Column::Words, Column::WordsTable)?,
            common_anchors: i.keys(Column::CommonA, Column::CommonATable)?,
            common_words: i.keys(Column::CommonW, Column::CommonWTable)?,
            vp_a: i.col(Column::VpA)?,
            vp_b: i.col(Column::VpB)?,
            vp_rel: i.col(Column::VpRel)?,
            vp_j: i.col(Column::VpJ)?,
            vp_c: i.col(Column::VpC)?,
            vp_gone: (i.col(Column::VpGoneA)?, i.col(Column::VpGoneB)?),
            j_a: i.col(Column::JA)?,
            j_b: i.col(Column::JB)?,
            j_kind: i.col(Column::JKind)?,
            j_gone: (i.col(Column::JGoneA)?, i.col(Column::JGoneB)?),
            c_a: i.col(Column::CA)?,
            c_b: i.col(Column::CB)?,
            c_flag: i.col(Column::CFlag)?,
            c_gone: (i.col(Column::CGoneA)?, i.col(Column::CGoneB)?),
            l_h: i.col(Column::LH)?,
            l_o: i.col(Column::LO)?,
            l_s: i.col(Column::LS)?,
            l_gone: (i.col(Column::LGoneH)?, i.col(Column::LGoneO)?),
            snapshot: i.header.snapshot,
            first: i.header.first,
            docs: i.header.docs,
            recurring: i.header.recurring,
            boilerplate: i.header.boilerplate,
        };
        p.check()?;
        Ok(p)
    }

    /// Lengths and ranges that indexing relies on.
    fn check(&self) -> Result<(), String> {
        let added = self
            .docs
            .checked_sub(self.first)
            .ok_or("documents go backwards")? as usize;
        let same = |what: &str, lens: &[usize]| {
            if lens.windows(2).all(|w| w[0] == w[1]) {
                Ok(())
            } else {
                Err(format!("{what} columns differ in length"))
            }
        };
        same("id", &[self.id_ends.len(), added])?;
        let mut last = 0;
        for e in self.id_ends.iter() {
            if e < last || e > self.id_bytes.len() as u64 {
                return Err("id offsets out of order".into());
            }
            last = e;
        }
        same(
            "record",
            &[
                self.rec_doc.len(),
                self.rec_words.len(),
                self.rec_shingles.len(),
                self.rec_set.len(),
                self.rec_tail.len(),
            ],
        )?;
        if self.rec_doc.iter().any(|d| d >= self.docs) {
            return Err("a record names a document past the end".into());
        }
        same("line set", &[self.ls_ends.len(), added])?;
        same("line set", &[self.ls_hash.len(), self.ls_words.len()])?;
        same("sketch", &[self.ls_mins.len(), self.ls_tags.len()])?;
        if !self.ls_mins.is_empty() {
            same("sketch", &[self.ls_mins.len(), added * SKETCH_BINS])?;
        }
        let mut last = 0;
        for e in self.ls_ends.iter() {
            if e < last || e as usize > self.ls_hash.len() {
                return Err("line set offsets out of order".into());
            }
            last = e;
        }
        same(
            "line table",
            &[
                self.lines.sorted.len(),
                self.lt_doc.len(),
                self.lt_words.len(),
            ],
        )?;
        if self.lt_doc.iter().any(|d| d < self.first || d >= self.docs) {
            return Err("a line names a document outside the segment".into());
        }
        same(
            "band",
            &[
                self.bands.sorted.len(),
                self.band_band.len(),
                self.band_set.len(),
            ],
        )?;
        // Postings are too many to check here: a posting naming a
        // document past the end is skipped where it is read.
        same(
            "set pair",
            &[
                self.vp_a.len(),
                self.vp_b.len(),
                self.vp_rel.len(),
                self.vp_j.len(),
                self.vp_c.len(),
            ],
        )?;
        same("set pair", &[self.vp_gone.0.len(), self.vp_gone.1.len()])?;
        if self.vp_rel.iter().any(|r| relation_of(r).is_none()) {
            return Err("unknown relation code".into());
        }
        let docs = |what: &str, a: &Col<u32>, b: &Col<u32>| {
            same(what, &[a.len(), b.len()])?;
            if a.iter().chain(b.iter()).any(|d| d >= self.docs) {
                return Err(format!("a {what} names a document past the end"));
            }
            Ok::<(), String>(())
        };
        docs("join", &self.j_a, &self.j_b)?;
        same("join", &[self.j_a.len(), self.j_kind.len()])?;
        docs("join", &self.j_gone.0, &self.j_gone.1)?;
        docs("candidate", &self.c_a, &self.c_b)?;
        same("candidate", &[self.c_a.len(), self.c_flag.len()])?;
        docs("candidate", &self.c_gone.0, &self.c_gone.1)?;
        docs("tail copy", &self.l_h, &self.l_o)?;
        same("tail copy", &[self.l_h.len(), self.l_s.len()])?;
        docs("tail copy", &self.l_gone.0, &self.l_gone.1)?;
        if self.boilerplate.iter().any(|b| kind_of(b.kind).is_none()) {
            return Err("unknown boilerplate kind".into());
        }
        Ok(())
    }

    /// Id of added document `d` (`first <= d < docs`).
    pub fn id(&self, d: u32) -> Result<&'a str, String> {
        let i = (d - self.first) as usize;
        let start = if i == 0 { 0 } else { self.id_ends.get(i - 1) };
        let end = self.id_ends.get(i);
        std::str::from_utf8(&self.id_bytes[start as usize..end as usize])
            .map_err(|_| "an id is not UTF-8".to_string())
    }

    /// The line set of added document `d` (`first <= d < docs`).
    pub fn line_set(&self, d: u32) -> LineSet {
        let i = (d - self.first) as usize;
        let start = if i == 0 {
            0
        } else {
            self.ls_ends.get(i - 1) as usize
        };
        let end = self.ls_ends.get(i) as usize;
        let hashes = self.ls_hash.slice(start..end);
        let words = self.ls_words.slice(start..end);
        let mut sketch = Sketch::default();
        if !self.ls_mins.is_empty() {
            for b in 0..SKETCH_BINS {
                sketch.mins[b] = self.ls_mins.get(i * SKETCH_BINS + b);
                sketch.tags[b] = self.ls_tags.get(i * SKETCH_BINS + b);
            }
        }
        LineSet {
            lines: hashes.iter().zip(words.iter()).collect(),
            sketch,
        }
    }

    /// Record `row`.
    pub fn record(&self, row: usize) -> Record {
        Record {
            doc: self.rec_doc.get(row),
            words: self.rec_words.get(row),
            shingles: self.rec_shingles.get(row),
            set: self.rec_set.get(row),
            tail: self.rec_tail.get(row) != 0,
        }
    }
}
