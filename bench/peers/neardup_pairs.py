"""Convert a neardup JSON report (schema 1, SPEC section 5) to a pairs file.

Keeps pairs whose relation is duplicate or near_duplicate (the document-level
near-duplicate job the peers do; contains/shared_passages/tail_copy are left
out), writes {"a", "b"} with a < b, and a stats JSON like the peers' one.
"""

import argparse
import json
import sys

import common

KEEP = {"duplicate", "near_duplicate"}


def describe(params):
    try:
        return ("b=%d r=%d, %d permutations, %d-word shingles, Arabic normalization%s"
                % (params["bands"], params["rows"], params["permutations"],
                   params["shingle_words"], "" if params.get("ta_marbuta", True) else " (ة kept)"))
    except (KeyError, TypeError):
        return json.dumps(params, ensure_ascii=False, sort_keys=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("output")
    ap.add_argument("--stats")
    args = ap.parse_args()
    with open(args.report, encoding="utf-8") as fh:
        rep = json.load(fh)
    if rep.get("schema") != 1:
        print("neardup_pairs: warning: report schema is %r, expected 1"
              % rep.get("schema"), file=sys.stderr)
    relations = {}
    pairs = []
    for p in rep.get("pairs", []):
        rel = p.get("relation")
        relations[rel] = relations.get(rel, 0) + 1
        if rel in KEEP:
            pairs.append((str(p["a"]), str(p["b"])))
    n = common.write_pairs(args.output, pairs)
    tool = rep.get("tool", {})
    stats = {"tool": "neardup", "version": tool.get("version", "?"), "pairs": n,
             "relations": relations, "documents": rep.get("stats", {}).get("documents"),
             "params": describe(rep.get("params", {}))}
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as fh:
            json.dump(stats, fh, indent=1)
    print(json.dumps(stats, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()
