//! Unique document ids.

use ahash::AHashMap;

use super::{Document, Warning};

/// Ids seen so far, for making them unique: the second `x` becomes
/// `x#2`, the third `x#3` (or the next number whose name is free), with
/// a warning. Scans and indexes rename alike.
#[derive(Clone, Debug, Default)]
pub struct Ids(AHashMap<String, u32>);

impl Ids {
    /// The ids of documents already taken (the indexed ones).
    pub fn new<'a>(taken: impl IntoIterator<Item = &'a str>) -> Self {
        let mut ids = Ids::default();
        for id in taken {
            *ids.0.entry(id.to_string()).or_insert(0) += 1;
        }
        ids
    }

    /// The id [`claim`](Ids::claim) would give `id`, without claiming it.
    pub fn peek(&self, id: &str) -> String {
        let n = self.0.get(id).copied().unwrap_or(0) + 1;
        if n == 1 {
            return id.to_string();
        }
        self.free(id, n).1
    }

    /// The first free name `id#k`, `k` from `n` on, with its `k`.
    fn free(&self, id: &str, n: u32) -> (u32, String) {
        let mut k = n;
        let mut renamed = format!("{id}#{k}");
        while self.0.contains_key(&renamed) {
            k += 1;
            renamed = format!("{id}#{k}");
        }
        (k, renamed)
    }

    /// Makes `doc.id` unique, warning (with `path` and `line`) when it is
    /// renamed.
    pub fn claim(
        &mut self,
        doc: &mut Document,
        path: &str,
        line: u64,
        warnings: &mut Vec<Warning>,
    ) {
        let n = self.0.entry(doc.id.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            return;
        }
        let n = *n;
        let (k, renamed) = self.free(&doc.id, n);
        if let Some(n) = self.0.get_mut(&doc.id) {
            *n = k;
        }
        warnings.push(Warning {
            path: path.to_string(),
            line: (line > 0).then_some(line),
            message: format!("duplicate id {:?}: renamed {renamed:?}", doc.id),
        });
        self.0.insert(renamed.clone(), 1);
        doc.id = renamed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim_all(ids: &mut Ids, given: &[&str]) -> (Vec<String>, Vec<Warning>) {
        let mut warnings = Vec::new();
        let out = given
            .iter()
            .enumerate()
            .map(|(k, id)| {
                let mut doc = Document {
                    id: id.to_string(),
                    source: None,
                    text: String::new(),
                };
                ids.claim(&mut doc, "in.jsonl", k as u64 + 1, &mut warnings);
                doc.id
            })
            .collect();
        (out, warnings)
    }

    #[test]
    fn repeats_are_numbered_past_taken_names() {
        let (out, warnings) = claim_all(&mut Ids::default(), &["a", "b", "a", "a#2", "a"]);
        assert_eq!(out, ["a", "b", "a#2", "a#2#2", "a#3"]);
        assert_eq!(warnings.len(), 3);
        assert_eq!(warnings[0].line, Some(3));
        assert_eq!(warnings[0].message, r#"duplicate id "a": renamed "a#2""#);
        // A name already given is skipped, and so is it next time.
        let (out, _) = claim_all(&mut Ids::default(), &["a#2", "a", "a", "a"]);
        assert_eq!(out, ["a#2", "a", "a#3", "a#4"]);
    }

    #[test]
    fn taken_ids_and_peek() {
        let mut ids = Ids::new(["x", "x#2"]);
        assert_eq!(ids.peek("x"), "x#3");
        assert_eq!(ids.peek("y"), "y");
        let (out, _) = claim_all(&mut ids, &["x", "y"]);
        assert_eq!(out, ["x#3", "y"]);
    }
}
