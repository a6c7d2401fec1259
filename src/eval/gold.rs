//! Gold labels in JSONL: pairs (`{"a": id, "b": id, "relation": ...}`) or
//! clusters (`{"members": [id, ...]}`), one object per line.
//!
//! The first non-blank line decides the format; every other line must follow
//! it. Ids are strings (integers are accepted and written in decimal). Blank
//! lines are skipped; unknown fields are ignored. Any other problem is an
//! error naming the file and the 1-based line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::EvalError;

/// The relations a report (SPEC §3) and a gold pair may carry.
pub const RELATIONS: [&str; 5] = [
    "duplicate",
    "near_duplicate",
    "contains",
    "shared_passages",
    "tail_copy",
];

/// An unordered document pair, stored with the smaller id first.
pub type PairKey = (String, String);

/// Builds the [`PairKey`] of `a` and `b`, whatever their order.
#[must_use]
pub fn pair_key(a: &str, b: &str) -> PairKey {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

/// Gold pairs with their optional relation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoldPairs {
    /// Each unordered pair once, mapped to its relation if the gold gives one.
    pub pairs: BTreeMap<PairKey, Option<String>>,
}

impl GoldPairs {
    /// True when at least one gold pair carries a relation.
    pub fn has_relations(&self) -> bool {
        self.pairs.values().any(Option::is_some)
    }
}

/// Gold clusters: disjoint sets of documents. Documents in no cluster are
/// singletons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoldClusters {
    /// The clusters, each sorted, in file order.
    pub clusters: Vec<Vec<String>>,
}

impl GoldClusters {
    /// Every pair of documents that share a cluster.
    #[must_use]
    pub fn to_pairs(&self) -> GoldPairs {
        let mut pairs = BTreeMap::new();
        for members in &self.clusters {
            for (i, a) in members.iter().enumerate() {
                for b in &members[i + 1..] {
                    pairs.insert(pair_key(a, b), None);
                }
            }
        }
        GoldPairs { pairs }
    }
}

/// A parsed JSONL gold file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonlGold {
    /// One pair per line.
    Pairs(GoldPairs),
    /// One cluster per line.
    Clusters(GoldClusters),
}

/// Parses JSONL gold text; `path` only names the file in errors.
pub(crate) fn parse_jsonl(text: &str, path: &Path) -> Result<JsonlGold, EvalError> {
    let mut pairs: Option<GoldPairs> = None;
    let mut clusters: Option<(GoldClusters, BTreeMap<String, usize>)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| EvalError::GoldLine {
            path: path.to_path_buf(),
            line: number,
            message,
        };
        let value: Value =
            serde_json::from_str(line).map_err(|e| bad(format!("invalid JSON: {e}")))?;
        let Value::Object(object) = &value else {
            return Err(bad("expected a JSON object".to_owned()));
        };
        if pairs.is_none() && clusters.is_none() {
            if object.contains_key("members") {
                clusters = Some(Default::default());
            } else if object.contains_key("a") || object.contains_key("b") {
                pairs = Some(GoldPairs::default());
            } else {
                return Err(bad(
                    "expected {\"a\": id, \"b\": id} or {\"members\": [ids]}".to_owned(),
                ));
            }
        }
        if let Some(gold) = pairs.as_mut() {
            add_pair_line(gold, object).map_err(bad)?;
        } else if let Some((gold, seen)) = clusters.as_mut() {
            add_cluster_line(gold, seen, object, number).map_err(bad)?;
        }
    }
    match (pairs, clusters) {
        (Some(p), _) => Ok(JsonlGold::Pairs(p)),
        (None, Some((c, _))) => Ok(JsonlGold::Clusters(c)),
        (None, None) => Err(EvalError::Gold {
            path: path.to_path_buf(),
            message: "no gold labels (the file is empty)".to_owned(),
        }),
    }
}

type Object = serde_json::Map<String, Value>;

fn id_field(object: &Object, field: &str) -> Result<String, String> {
    match object.get(field) {
        Some(value) => id_value(value).ok_or_else(|| format!("\"{field}\" must be a string id")),
        None => Err(format!("missing \"{field}\" (this is a pairs file)")),
    }
}

fn id_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

fn add_pair_line(gold: &mut GoldPairs, object: &Object) -> Result<(), String> {
    let a = id_field(object, "a")?;
    let b = id_field(object, "b")?;
    if a == b {
        return Err(format!("a pair of a document with itself ({a})"));
    }
    let relation = match object.get("relation") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) if RELATIONS.contains(&r.as_str()) => Some(r.clone()),
        Some(other) => {
            return Err(format!(
                "unknown relation {other}; expected one of {}",
                RELATIONS.join(", ")
            ))
        }
    };
    let key = pair_key(&a, &b);
    match gold.pairs.get(&key) {
        Some(previous) if *previous != relation => Err(format!(
            "pair ({a}, {b}) given again with another relation ({} then {})",
            previous.as_deref().unwrap_or("none"),
            relation.as_deref().unwrap_or("none"),
        )),
        _ => {
            gold.pairs.insert(key, relation);
            Ok(())
        }
    }
}

fn add_cluster_line(
    gold: &mut GoldClusters,
    seen: &mut BTreeMap<String, usize>,
    object: &Object,
    number: usize,
) -> Result<(), String> {
    let Some(Value::Array(values)) = object.get("members") else {
        return Err("missing \"members\" array (this is a clusters file)".to_owned());
    };
    let mut members = BTreeSet::new();
    for value in values {
        let id = id_value(value).ok_or("\"members\" must hold string ids")?;
        if let Some(first) = seen.get(&id) {
            return Err(format!(
                "document {id} is already in the cluster of line {first}"
            ));
        }
        members.insert(id);
    }
    if members.is_empty() {
        return Err("empty cluster".to_owned());
    }
    for id in &members {
        seen.insert(id.clone(), number);
    }
    gold.clusters.push(members.into_iter().collect());
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<JsonlGold, EvalError> {
        parse_jsonl(text, Path::new("gold.jsonl"))
    }

    #[test]
    fn pairs_are_unordered_and_keep_relations() {
        let text = "{\"a\": \"2\", \"b\": \"1\", \"relation\": \"duplicate\"}\n\n\
                    {\"a\": 3, \"b\": \"4\", \"note\": \"x\"}\n\
                    {\"a\": \"1\", \"b\": \"2\", \"relation\": \"duplicate\"}\n";
        let JsonlGold::Pairs(gold) = parse(text).unwrap() else {
            panic!("expected pairs")
        };
        assert_eq!(gold.pairs.len(), 2);
        assert_eq!(
            gold.pairs[&pair_key("1", "2")].as_deref(),
            Some("duplicate")
        );
        assert_eq!(gold.pairs[&pair_key("4", "3")], None);
        assert!(gold.has_relations());
    }

    #[test]
    fn clusters_expand_to_pairs() {
        let text = "{\"members\": [\"c\", \"a\", \"b\"]}\n{\"members\": [\"d\"]}\n";
        let JsonlGold::Clusters(gold) = parse(text).unwrap() else {
            panic!("expected clusters")
        };
        assert_eq!(gold.clusters, [vec!["a", "b", "c"], vec!["d"]]);
        // 3 members give 3 pairs; the singleton gives none.
        let pairs: Vec<_> = gold.to_pairs().pairs.into_keys().collect();
        assert_eq!(
            pairs,
            [pair_key("a", "b"), pair_key("a", "c"), pair_key("b", "c")]
        );
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let cases = [
            ("{\"a\": \"1\", \"b\": \"2\"}\n{\"a\": \"1\"}\n", "gold.jsonl:2: missing \"b\""),
            ("{\"a\": \"1\", \"b\": \"2\"}\nnot json\n", "gold.jsonl:2: invalid JSON"),
            ("\n{\"a\": \"1\", \"b\": \"1\"}\n", "gold.jsonl:2: a pair of a document with itself"),
            ("{\"a\": \"1\", \"b\": \"2\", \"relation\": \"same\"}", "gold.jsonl:1: unknown relation"),
            (
                "{\"a\": \"1\", \"b\": \"2\", \"relation\": \"duplicate\"}\n{\"a\": \"2\", \"b\": \"1\"}",
                "gold.jsonl:2: pair (2, 1) given again",
            ),
            ("{\"members\": [\"x\"]}\n{\"members\": [\"y\", \"x\"]}", "gold.jsonl:2: document x is already in the cluster of line 1"),
            ("{\"members\": []}", "gold.jsonl:1: empty cluster"),
            ("{\"members\": [\"x\"]}\n{\"a\": \"1\", \"b\": \"2\"}", "gold.jsonl:2: missing \"members\""),
            ("[1, 2]", "gold.jsonl:1: expected a JSON object"),
            ("{\"id\": 1}", "gold.jsonl:1: expected {"),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with(expected),
                "{err:?} should start with {expected:?}"
            );
        }
        assert!(parse("\n\n")
            .unwrap_err()
            .to_string()
            .contains("no gold labels"));
    }
}
