#!/usr/bin/env python3
"""Whether a `query` (or `index add`) report says what a `scan` of the
indexed and the new documents says about the new ones: their pairs, the
clusters holding one, every document the query lists, the boilerplate
list. Exits 1 when something differs.

    python3 bench/same_as_scan.py QUERY.json SCAN.json NEW.jsonl [ID_FIELD]

ID_FIELD names the new documents' id field (default "id").
"""

import json
import sys


def main():
    query_path, scan_path, new_path = sys.argv[1:4]
    field = sys.argv[4] if len(sys.argv) > 4 else "id"
    with open(query_path, encoding="utf-8") as f:
        q = json.load(f)
    with open(scan_path, encoding="utf-8") as f:
        s = json.load(f)
    with open(new_path, encoding="utf-8") as f:
        new = {json.loads(line)[field] for line in f if line.strip()}

    def pairs(r):
        return sorted(json.dumps(p, sort_keys=True) for p in r["pairs"]
                      if p["a"] in new or p["b"] in new)

    def clusters(r):
        return sorted(json.dumps([c["kind"], c["representative"], sorted(c["members"])])
                      for c in r["clusters"] if any(m in new for m in c["members"]))

    scanned = {d["id"]: d for d in s["documents"]}
    listed = [d["id"] for d in q["documents"] if scanned.get(d["id"]) != d]
    checks = [
        ("pairs", len(pairs(q)), pairs(q) == pairs(s)),
        ("clusters", len(clusters(q)), clusters(q) == clusters(s)),
        ("listed documents", len(q["documents"]), not listed),
        ("boilerplate lines", len(q["boilerplate"]), q["boilerplate"] == s["boilerplate"]),
    ]
    for name, n, same in checks:
        print(f"{name}: {n}, {'same' if same else 'DIFFERENT'}")
    cut = sum(1 for d in q["documents"] if any(t.get("marker") is None for t in d["tails"]))
    print(f"documents with a tail without a marker listed: {cut}")
    sys.exit(0 if all(c[2] for c in checks) else 1)


if __name__ == "__main__":
    main()
