"""Shared helpers for the peer comparison (bench/peers).

Everything the peers have in common lives here so that each peer script only
differs in the library calls: reading the prepared JSONL, the tokenization
fixed by the benchmark (lowercase, Python ``\\w+`` words, space-joined word
5-grams), writing pair files and the small per-run stats file.
"""

import json
import re
import sys
import time
import unicodedata

NGRAM = 5
NUM_PERM = 128
THRESHOLD = 0.5

_WORD = re.compile(r"\w+")


def tokens(text):
    return _WORD.findall(text.lower())


# Secondary ground truth only (the peers never use it): roughly the Arabic
# normalization of SPEC section 2, applied before the same \w+ tokenization.
# Python's \w does not match Arabic combining marks, so without this a word
# carrying tanwin or shadda (جنديًا) splits into two tokens.
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                       "ک": "ك", "ی": "ي", "ھ": "ه",
                       **{chr(0x660 + d): str(d) for d in range(10)},
                       **{chr(0x6F0 + d): str(d) for d in range(10)}})


def normalize_arabic(text):
    text = unicodedata.normalize("NFKC", text).casefold()
    return _MARKS.sub("", text).translate(_FOLD)


def shingles(text, n=NGRAM, normalize=False):
    """Set of space-joined word n-grams of ``text``.

    A document with at least one but fewer than ``n`` words gets one shingle
    made of all its words; a document without words gets the empty set and is
    left out by every peer and by the ground truth.
    """
    toks = tokens(normalize_arabic(text) if normalize else text)
    if not toks:
        return set()
    if len(toks) < n:
        return {" ".join(toks)}
    return {" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def read_docs(path, id_field="url", text_field="content"):
    """Yield (id, text) for each line of a JSONL file."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            yield str(rec[id_field]), rec.get(text_field) or ""


def batches(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def ordered(a, b):
    return (a, b) if a < b else (b, a)


def write_pairs(path, pairs):
    """Write unordered pairs as sorted JSONL lines {"a": .., "b": ..}, a < b."""
    norm = sorted({ordered(a, b) for a, b in pairs if a != b})
    with open(path, "w", encoding="utf-8") as fh:
        for a, b in norm:
            fh.write(json.dumps({"a": a, "b": b}, ensure_ascii=False) + "\n")
    return len(norm)


def read_pairs(path):
    out = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                out.add(ordered(rec["a"], rec["b"]))
    return out


class Phases:
    """Wall-clock phase timer whose result goes to a small JSON stats file."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.last = self.t0
        self.phases = {}

    def mark(self, name):
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + (now - self.last)
        self.last = now

    def dump(self, path, **extra):
        rec = {"phases_s": {k: round(v, 3) for k, v in self.phases.items()},
               "total_s": round(time.perf_counter() - self.t0, 3)}
        rec.update(extra)
        if path:
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(rec, fh, indent=1)
        print(json.dumps(rec), file=sys.stderr)


def peer_args(description):
    import argparse
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("input", help="JSONL with url/content fields")
    ap.add_argument("output", help="pairs JSONL to write")
    ap.add_argument("--stats", help="JSON file for phase timings and parameters")
    ap.add_argument("--batch", type=int, default=1000,
                    help="documents per insert/query batch (default 1000)")
    return ap.parse_args()
