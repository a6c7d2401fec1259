//! Analysis segments (format 2): what the pipeline learned about the
//! indexed documents, stored so that a query relates new documents to
//! them by looking things up instead of re-analysing the archive.
//!
//! Each documents segment is followed by an analysis segment. A
//! *snapshot* describes every document up to it (`index build`,
//! `index compact`); a *delta* describes what one `index add` changed:
//! the added documents, the indexed documents whose bodies the added ones
//! changed (lines that became boilerplate), and the corpus-wide facts that
//! moved. Opening an index folds the last snapshot and the deltas after it
//! (see `archive.rs`).
//!
//! Payload: `u64 LE` length of the header, the header (`codec::pack`),
//! then raw fixed-width little-endian columns (see `columns.rs`) that the
//! header locates. What is stored:
//!
//! | part | contents |
//! |---|---|
//! | header | recurring line hashes (snapshot) or those that flipped (delta); boilerplate list entries (all, or those that changed) |
//! | ids | the added documents' ids |
//! | records | per (re)described document: body words, shingle count, shingle-set fingerprint, has a tail |
//! | line sets, line table | the added documents' distinct lines, by document and by hash; their boilerplate sketches (format 4: 32 minima and 32 tags each; the columns are left out when every sketch is empty) |
//! | bands | LSH band keys of every new shingle set |
//! | postings | body anchors, tail anchors and rare words (`key40 \| document`) |
//! | common keys | anchor and rare-word keys held by more documents than count as evidence (or those that flipped) |
//! | pairs | verified LSH pairs of shingle sets, passage-level joins, passage candidates, tail copies (added, and removed) |

use serde::{Deserialize, Serialize};

use super::codec;
use super::columns::{put_all, run_table, table_bits, Fixed};

mod read;

use crate::boilerplate::{Kind, LineSet, Sketch};
use crate::verify::Relation;
pub(crate) use read::Part;

/// One described document (the latest record of a document wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// The document.
    pub doc: u32,
    /// Words of its body.
    pub words: u32,
    /// Shingles of its body (0: empty body, in no group).
    pub shingles: u32,
    /// Fingerprint of its shingle set (its exact-duplicate group).
    pub set: u64,
    /// Whether it has a tail.
    pub tail: bool,
}

/// A verified LSH pair of shingle sets (`a < b`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct VPair {
    /// The first set's fingerprint.
    pub a: u64,
    /// The second set's fingerprint.
    pub b: u64,
    /// Their relation.
    pub relation: Relation,
    /// Exact Jaccard.
    pub jaccard: f64,
    /// Exact containment.
    pub containment: f64,
}

/// A join of the passage level between indexed documents: the pair's
/// edge joins duplicate clusters (and story clusters).
pub(crate) const JOIN_DUPLICATE: u8 = 1;
/// A join of story clusters only.
pub(crate) const JOIN_STORY: u8 = 2;

/// One boilerplate list entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Boiler {
    /// Line hash, or marker index for link lines.
    pub key: u64,
    /// [`Kind`] code.
    pub kind: u8,
    /// Documents carrying it (0: the entry is gone).
    pub documents: u64,
    /// Documents per source.
    pub sources: Vec<(String, u64)>,
    /// The line's text where it first appears.
    pub text: String,
    /// The document it first appears in.
    pub first: u32,
}

/// Code of a boilerplate kind.
pub(crate) fn kind_code(k: Kind) -> u8 {
    match k {
        Kind::Recurring => 0,
        Kind::Shortcode => 1,
        Kind::Label => 2,
        Kind::LinkLine => 3,
    }
}

/// Boilerplate kind of a code.
pub(crate) fn kind_of(code: u8) -> Option<Kind> {
    Some(match code {
        0 => Kind::Recurring,
        1 => Kind::Shortcode,
        2 => Kind::Label,
        3 => Kind::LinkLine,
        _ => return None,
    })
}

pub(crate) fn relation_code(r: Relation) -> u8 {
    match r {
        Relation::Duplicate => 0,
        Relation::NearDuplicate => 1,
        Relation::Contains => 2,
        Relation::SharedPassages => 3,
        Relation::TailCopy => 4,
    }
}

pub(crate) fn relation_of(code: u8) -> Option<Relation> {
    Some(match code {
        0 => Relation::Duplicate,
        1 => Relation::NearDuplicate,
        2 => Relation::Contains,
        3 => Relation::SharedPassages,
        4 => Relation::TailCopy,
        _ => return None,
    })
}

/// Everything one analysis segment says, in memory.
#[derive(Clone, Debug, Default)]
pub(crate) struct Delta {
    /// Describes the whole index.
    pub snapshot: bool,
    /// First document it adds.
    pub first: u32,
    /// Documents once it is applied.
    pub docs: u32,
    /// Snapshot: recurring line hashes; delta: hashes whose status flips.
    pub recurring: Vec<u64>,
    /// Boilerplate entries: all, or those that changed.
    pub boilerplate: Vec<Boiler>,
    /// Ids of the added documents.
    pub ids: Vec<String>,
    /// Records, sorted by document.
    pub records: Vec<Record>,
    /// Line sets of the added documents.
    pub line_sets: Vec<LineSet>,
    /// Band entries `(key, band, set)`, sorted.
    pub bands: Vec<(u64, u8, u64)>,
    /// Body anchor postings, sorted.
    pub anchors: Vec<u64>,
    /// Tail anchor postings, sorted.
    pub tails: Vec<u64>,
    /// Rare-word postings, sorted.
    pub words: Vec<u64>,
    /// Snapshot: anchor keys held by more than `anchor_max_docs` items;
    /// delta: keys whose status flips. Sorted.
    pub common_anchors: Vec<u64>,
    /// The same for rare-word keys and `word_max_docs`.
    pub common_words: Vec<u64>,
    /// Verified set pairs added.
    pub vpairs: Vec<VPair>,
    /// Verified set pairs removed.
    pub vpairs_gone: Vec<(u64, u64)>,
    /// Passage-level joins `(a, b, JOIN_*)` added (`a < b`).
    pub joins: Vec<(u32, u32, u8)>,
    /// Joins removed.
    pub joins_gone: Vec<(u32, u32)>,
    /// Passage candidates added (`a < b`), with whether their bodies'
    /// scores reach a document-level relation (then an alignment makes
    /// the pair join duplicate clusters).
    pub cands: Vec<(u32, u32, bool)>,
    /// Candidates removed.
    pub cands_gone: Vec<(u32, u32)>,
    /// Tail copies `(host, other, share)` added.
    pub links: Vec<(u32, u32, f64)>,
    /// Tail copies removed.
    pub links_gone: Vec<(u32, u32)>,
}

/// The small part of a payload.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Header {
    snapshot: bool,
    first: u32,
    docs: u32,
    recurring: Vec<u64>,
    boilerplate: Vec<Boiler>,
    /// (column, byte offset, byte length) in the raw part.
    columns: Vec<(u8, u64, u64)>,
    /// Run-table bits of keyed columns.
    bits: Vec<(u8, u32)>,
}

/// Column codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Column {
    IdEnds = 1,
    IdBytes,
    RecDoc,
    RecWords,
    RecShingles,
    RecSet,
    RecTail,
    LsEnds,
    LsHash,
    LsWords,
    LtHash,
    LtTable,
    LtDoc,
    LtWords,
    BandKey,
    BandTable,
    BandBand,
    BandSet,
    Anchors,
    AnchorsTable,
    Tails,
    TailsTable,
    Words,
    WordsTable,
    CommonA,
    CommonATable,
    CommonW,
    CommonWTable,
    VpA,
    VpB,
    VpRel,
    VpJ,
    VpC,
    VpGoneA,
    VpGoneB,
    JA,
    JB,
    JKind,
    JGoneA,
    JGoneB,
    CA,
    CB,
    CFlag,
    CGoneA,
    CGoneB,
    LH,
    LO,
    LS,
    LGoneH,
    LGoneO,
    /// Sketch minima of the line sets, [`SKETCH_BINS`] per document
    /// (format 4; absent when every sketch is empty).
    LsMins,
    /// Their tags.
    LsTags,
}

struct Out {
    header: Header,
    raw: Vec<u8>,
}

impl Out {
    fn col<T: Fixed>(&mut self, c: Column, values: impl IntoIterator<Item = T>) {
        let at = self.raw.len();
        put_all(&mut self.raw, values);
        self.header
            .columns
            .push((c as u8, at as u64, (self.raw.len() - at) as u64));
    }

    fn keyed(&mut self, c: Column, table: Column, keys: &[u64]) {
        let bits = table_bits(keys.len());
        self.col(c, keys.iter().copied());
        self.col(table, run_table(keys, bits));
        self.header.bits.push((c as u8, bits));
    }
}

impl Delta {
    /// The payload of this delta.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        let mut o = Out {
            header: Header {
                snapshot: self.snapshot,
                first: self.first,
                docs: self.docs,
                recurring: self.recurring.clone(),
                boilerplate: self.boilerplate.clone(),
                ..Header::default()
            },
            raw: Vec::new(),
        };
        let mut end = 0u64;
        o.col(
            Column::IdEnds,
            self.ids.iter().map(|s| {
                end += s.len() as u64;
                end
            }),
        );
        o.col(Column::IdBytes, self.ids.iter().flat_map(|s| s.bytes()));
        let r = &self.records;
        o.col(Column::RecDoc, r.iter().map(|x| x.doc));
        o.col(Column::RecWords, r.iter().map(|x| x.words));
        o.col(Column::RecShingles, r.iter().map(|x| x.shingles));
        o.col(Column::RecSet, r.iter().map(|x| x.set));
        o.col(Column::RecTail, r.iter().map(|x| u8::from(x.tail)));
        let mut end = 0u32;
        o.col(
            Column::LsEnds,
            self.line_sets.iter().map(|s| {
                end += s.lines.len() as u32;
                end
            }),
        );
        let lines = || self.line_sets.iter().flat_map(|s| &s.lines);
        o.col(Column::LsHash, lines().map(|x| x.0));
        o.col(Column::LsWords, lines().map(|x| x.1));
        let empty = Sketch::default();
        if self.line_sets.iter().any(|s| s.sketch != empty) {
            let sketches = || self.line_sets.iter().map(|s| &s.sketch);
            o.col(Column::LsMins, sketches().flat_map(|s| s.mins));
            o.col(Column::LsTags, sketches().flat_map(|s| s.tags));
        }
        let mut table: Vec<(u64, u32, u32)> = self
            .line_sets
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                let d = self.first + i as u32;
                s.lines.iter().map(move |&(h, w)| (h, d, w))
            })
            .collect();
        table.sort_unstable();
        let hashes: Vec<u64> = table.iter().map(|x| x.0).collect();
        o.keyed(Column::LtHash, Column::LtTable, &hashes);
        o.col(Column::LtDoc, table.iter().map(|x| x.1));
        o.col(Column::LtWords, table.iter().map(|x| x.2));
        let keys: Vec<u64> = self.bands.iter().map(|x| x.0).collect();
        o.keyed(Column::BandKey, Column::BandTable, &keys);
        o.col(Column::BandBand, self.bands.iter().map(|x| x.1));
        o.col(Column::BandSet, self.bands.iter().map(|x| x.2));
        o.keyed(Column::Anchors, Column::AnchorsTable, &self.anchors);
        o.keyed(Column::Tails, Column::TailsTable, &self.tails);
        o.keyed(Column::Words, Column::WordsTable, &self.words);
        o.keyed(Column::CommonA, Column::CommonATable, &self.common_anchors);
        o.keyed(Column::CommonW, Column::CommonWTable, &self.common_words);
        let v = &self.vpairs;
        o.col(Column::VpA, v.iter().map(|x| x.a));
        o.col(Column::VpB, v.iter().map(|x| x.b));
        o.col(Column::VpRel, v.iter().map(|x| relation_code(x.relation)));
        o.col(Column::VpJ, v.iter().map(|x| x.jaccard));
        o.col(Column::VpC, v.iter().map(|x| x.containment));
        o.col(Column::VpGoneA, self.vpairs_gone.iter().map(|x| x.0));
        o.col(Column::VpGoneB, self.vpairs_gone.iter().map(|x| x.1));
        o.col(Column::JA, self.joins.iter().map(|x| x.0));
        o.col(Column::JB, self.joins.iter().map(|x| x.1));
        o.col(Column::JKind, self.joins.iter().map(|x| x.2));
        o.col(Column::JGoneA, self.joins_gone.iter().map(|x| x.0));
        o.col(Column::JGoneB, self.joins_gone.iter().map(|x| x.1));
        o.col(Column::CA, self.cands.iter().map(|x| x.0));
        o.col(Column::CB, self.cands.iter().map(|x| x.1));
        o.col(Column::CFlag, self.cands.iter().map(|x| u8::from(x.2)));
        o.col(Column::CGoneA, self.cands_gone.iter().map(|x| x.0));
        o.col(Column::CGoneB, self.cands_gone.iter().map(|x| x.1));
        o.col(Column::LH, self.links.iter().map(|x| x.0));
        o.col(Column::LO, self.links.iter().map(|x| x.1));
        o.col(Column::LS, self.links.iter().map(|x| x.2));
        o.col(Column::LGoneH, self.links_gone.iter().map(|x| x.0));
        o.col(Column::LGoneO, self.links_gone.iter().map(|x| x.1));
        let head = codec::pack(&o.header)?;
        let mut out = Vec::with_capacity(8 + head.len() + o.raw.len());
        out.extend_from_slice(&(head.len() as u64).to_le_bytes());
        out.extend_from_slice(&head);
        out.extend_from_slice(&o.raw);
        Ok(out)
    }
}

/// Low bits of a posting that hold the document.
pub(crate) const ITEM_BITS: u32 = 24;
/// Mask of the document bits.
pub(crate) const ITEM_MASK: u64 = (1 << ITEM_BITS) - 1;
/// Mask of the key bits (`key40`).
pub(crate) const KEY_MASK: u64 = !ITEM_MASK;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boilerplate::SKETCH_BINS;

    fn sketch() -> Sketch {
        let mut s = Sketch::default();
        for b in 0..SKETCH_BINS {
            s.mins[b] = 1000 + b as u32;
            s.tags[b] = b as u8;
        }
        s
    }

    #[test]
    fn delta_round_trips_and_damage_is_an_error() {
        let d = Delta {
            snapshot: true,
            first: 0,
            docs: 2,
            recurring: vec![7, 9],
            ids: vec!["a".into(), "بـ".into()],
            records: vec![Record {
                doc: 1,
                words: 30,
                shingles: 26,
                set: 99,
                tail: true,
            }],
            line_sets: vec![
                LineSet {
                    lines: vec![(5, 3), (8, 2)],
                    sketch: Sketch::default(),
                },
                LineSet {
                    lines: vec![(5, 3)],
                    sketch: sketch(),
                },
            ],
            anchors: vec![(1 << 40) | 1, (2 << 40)],
            joins: vec![(0, 1, JOIN_STORY)],
            ..Delta::default()
        };
        let bytes = d.encode().expect("encode");
        let p = Part::decode(&bytes).expect("decode");
        assert_eq!((p.id(0), p.id(1)), (Ok("a"), Ok("بـ")));
        assert_eq!(p.record(0), d.records[0]);
        assert_eq!(p.line_set(0), d.line_sets[0]);
        assert_eq!(p.line_set(1), d.line_sets[1]);
        let run = p.lines.run(5, u64::MAX);
        assert_eq!(run.len(), 2);
        assert_eq!(p.lt_doc.get(run.start + 1), 1);
        assert_eq!(p.anchors.run(2 << 40, KEY_MASK).len(), 1);
        assert_eq!(p.j_kind.get(0), JOIN_STORY);
        for cut in [0, 5, 12, bytes.len() - 1] {
            assert!(Part::decode(&bytes[..cut]).is_err(), "{cut}");
        }
        assert!(Part::is_snapshot(&bytes));
        // A record past the last document.
        let bad = Delta {
            records: vec![Record {
                doc: 5,
                ..d.records[0]
            }],
            ..d
        };
        assert!(Part::decode(&bad.encode().expect("encode")).is_err());
    }
}
