"""gaoya with its own tokenizer: the all-Rust fast path, for reference.

Not the benchmark's tokenization: gaoya's built-in 'word' analyzer (lowercase,
word 5-grams via ngram_range=(5, 5)) splits on whitespace and ASCII
punctuation only, so Arabic punctuation such as the comma U+060C stays glued
to the word before it. Everything else runs natively and multi-threaded
(par_bulk_insert_docs, par_bulk_query with return_similarity). Documents with
fewer than 5 whitespace-separated words (or no \\w character) are skipped: gaoya gives every one of them the same
signature (an empty shingle set), so they would all pair with each other.
Its sample quality is still judged against the \\w+ ground truth.
"""

from importlib.metadata import version

import re

import gaoya

import common
from peer_gaoya import describe

HAS_WORD = re.compile(r"\w")


def main():
    args = common.peer_args(__doc__.splitlines()[0])
    ph = common.Phases()
    index = gaoya.minhash.MinHashStringIndex(
        hash_size=32, jaccard_threshold=common.THRESHOLD, num_bands=None,
        band_size=None, num_hashes=common.NUM_PERM, analyzer="word",
        lowercase=True, ngram_range=(common.NGRAM, common.NGRAM), id_container="vec")
    ids, pairs = [], []
    skipped = 0
    for batch in common.batches(common.read_docs(args.input), args.batch):
        keys, docs = [], []
        for doc_id, text in batch:
            # cheap stand-in for gaoya's own word count: no Python tokenizing
            if len(text.split(maxsplit=common.NGRAM)) < common.NGRAM or not HAS_WORD.search(text):
                skipped += 1
                continue
            keys.append(len(ids))
            ids.append(doc_id)
            docs.append(text)
        ph.mark("read")
        index.par_bulk_insert_docs(keys, docs)
        ph.mark("shingle+minhash+insert")
        for key, res in zip(keys, index.par_bulk_query(docs, return_similarity=True)):
            for other, _sim in res:
                if other < key:
                    pairs.append((ids[key], ids[other]))
        ph.mark("shingle+minhash+query")
    n = common.write_pairs(args.output, pairs)
    ph.mark("write")
    ph.dump(args.stats, tool="gaoya-native", version=version("gaoya"), documents=len(ids),
            skipped_short=skipped, pairs=n,
            params=describe(index) + "; gaoya's 'word' analyzer, not \\w+")


if __name__ == "__main__":
    main()
