"""Prepare the peer-comparison inputs.

prepare.py corpus GZ OUT.jsonl      decompress SaudiNewsNet, keep url/content/source
prepare.py sample IN.jsonl OUT.jsonl --mode stride|head [--n 3000] [--step 10]

Sample modes (deterministic, no randomness):
  stride: lines 0, step, 2*step, ... (every step-th line) until n lines
  head:   the first n lines
"""

import argparse
import gzip
import json
import sys


def corpus(src, dst):
    n = 0
    tmp = dst + ".tmp"
    with gzip.open(src, "rt", encoding="utf-8") as fin, \
            open(tmp, "w", encoding="utf-8") as fout:
        for line in fin:
            if not line.strip():
                continue
            rec = json.loads(line)
            out = {"url": rec["url"], "content": rec.get("content") or "",
                   "source": rec.get("source")}
            fout.write(json.dumps(out, ensure_ascii=False) + "\n")
            n += 1
    import os
    os.replace(tmp, dst)
    print("prepare: %d documents -> %s" % (n, dst), file=sys.stderr)


def sample(src, dst, mode, n, step):
    kept = 0
    with open(src, encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
        for i, line in enumerate(fin):
            if kept >= n:
                break
            if mode == "head" or (mode == "stride" and i % step == 0):
                fout.write(line)
                kept += 1
    print("prepare: sample (%s, n=%d%s) %d documents -> %s"
          % (mode, n, ", step=%d" % step if mode == "stride" else "", kept, dst),
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("src")
    c.add_argument("dst")
    s = sub.add_parser("sample")
    s.add_argument("src")
    s.add_argument("dst")
    s.add_argument("--mode", choices=["stride", "head"], default="stride")
    s.add_argument("--n", type=int, default=3000)
    s.add_argument("--step", type=int, default=10)
    args = ap.parse_args()
    if args.cmd == "corpus":
        corpus(args.src, args.dst)
    else:
        sample(args.src, args.dst, args.mode, args.n, args.step)


if __name__ == "__main__":
    main()
