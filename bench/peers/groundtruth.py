"""Exact word-5-gram Jaccard over ALL document pairs of a (small) JSONL file.

The shingle/document incidence matrix X (documents x distinct shingles, 0/1)
is built from exact shingle strings; X @ X.T (sparse) then holds the exact
intersection size of every pair of documents that shares at least one
shingle -- an inverted index walked by sparse matrix product, with no hashing
and no sampling. Pairs sharing nothing have Jaccard 0 and cannot be near
duplicates.

Usage: groundtruth.py SAMPLE.jsonl OUT.jsonl [--min 0.5] [--normalize]
Writes {"a", "b", "jaccard", "inter", "size_a", "size_b"} for pairs with
exact Jaccard >= --min, a < b, sorted by (a, b).
"""

import argparse
import json
import sys

import numpy as np
import scipy.sparse as sp

import common


def shingle_sets(path, normalize=False):
    ids, sets = [], []
    for doc_id, text in common.read_docs(path):
        ids.append(doc_id)
        sets.append(common.shingles(text, normalize=normalize))
    return ids, sets


def exact_pairs(ids, sets, min_j):
    vocab = {}
    indptr, indices = [0], []
    for s in sets:
        for sh in s:
            indices.append(vocab.setdefault(sh, len(vocab)))
        indptr.append(len(indices))
    n = len(sets)
    x = sp.csr_matrix((np.ones(len(indices), dtype=np.int32),
                       np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                      shape=(n, max(1, len(vocab))))
    sizes = np.diff(x.indptr).astype(np.int64)
    inter = sp.triu(x @ x.T, k=1).tocoo()
    rows, cols, vals = inter.row, inter.col, inter.data.astype(np.int64)
    union = sizes[rows] + sizes[cols] - vals
    jac = vals / np.maximum(union, 1)
    keep = jac >= min_j
    out = []
    for i, j, c, jj in zip(rows[keep], cols[keep], vals[keep], jac[keep]):
        a, b = ids[i], ids[j]
        sa, sb = int(sizes[i]), int(sizes[j])
        if b < a:
            a, b, sa, sb = b, a, sb, sa
        out.append({"a": a, "b": b, "jaccard": round(float(jj), 6),
                    "inter": int(c), "size_a": sa, "size_b": sb})
    out.sort(key=lambda r: (r["a"], r["b"]))
    return out, len(vocab)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--min", type=float, default=common.THRESHOLD)
    ap.add_argument("--normalize", action="store_true",
                    help="Arabic normalization (common.normalize_arabic) before tokenizing: "
                         "a secondary ground truth closer to what neardup compares")
    args = ap.parse_args()
    ids, sets = shingle_sets(args.input, args.normalize)
    if len(set(ids)) != len(ids):
        sys.exit("groundtruth: duplicate ids in %s" % args.input)
    pairs, nvocab = exact_pairs(ids, sets, args.min)
    with open(args.output, "w", encoding="utf-8") as fh:
        for rec in pairs:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    empty = sum(1 for s in sets if not s)
    print("groundtruth%s: %d docs (%d without words), %d distinct shingles, "
          "%d pairs with exact J >= %.2f (%d with J >= 0.6)"
          % (" (normalized)" if args.normalize else "", len(ids), empty, nvocab, len(pairs), args.min,
             sum(1 for p in pairs if p["jaccard"] >= 0.6)), file=sys.stderr)


if __name__ == "__main__":
    main()
