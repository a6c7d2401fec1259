"""gaoya peer: MinHashStringIndex, batch API (threshold 0.5, 128 hashes asked).

The benchmark's tokenization (Python \\w+ words, word 5-grams) differs from
gaoya's built-in 'word' analyzer, which splits on whitespace only and so keeps
punctuation glued to words. The shingles are therefore made in Python and fed
to the index's native batch calls (par_bulk_insert_tokens and
par_bulk_query_tokens_return_similarity, multi-threaded in Rust), the same
calls the Python wrapper makes for a callable analyzer, minus its double
tokenization. gaoya filters LSH candidates by its own MinHash Jaccard estimate
(>= jaccard_threshold) before returning them: those are the reported pairs.
"""

import re
from importlib.metadata import version

import gaoya

import common


def main():
    args = common.peer_args(__doc__.splitlines()[0])
    ph = common.Phases()
    # num_bands/band_size None => gaoya derives (bands, rows) from num_hashes
    # and the threshold along its S-curve.
    index = gaoya.minhash.MinHashStringIndex(
        hash_size=32, jaccard_threshold=common.THRESHOLD, num_bands=None,
        band_size=None, num_hashes=common.NUM_PERM, id_container="vec")
    native = index.minhash_index
    ids, pairs = [], []
    min_sim = None
    for batch in common.batches(common.read_docs(args.input), args.batch):
        keys, toks = [], []
        for doc_id, text in batch:
            s = common.shingles(text)
            if s:
                keys.append(len(ids))
                ids.append(doc_id)
                toks.append(list(s))
        ph.mark("read+shingle")
        native.par_bulk_insert_tokens(keys, toks)
        ph.mark("minhash+insert")
        results = native.par_bulk_query_tokens_return_similarity(toks)
        for key, res in zip(keys, results):
            for other, sim in res:
                if other < key:
                    pairs.append((ids[key], ids[other]))
                    min_sim = sim if min_sim is None else min(min_sim, sim)
        del toks
        ph.mark("minhash+query")
    n = common.write_pairs(args.output, pairs)
    ph.mark("write")
    ph.dump(args.stats, tool="gaoya", version=version("gaoya"), documents=len(ids),
            pairs=n, min_reported_similarity=min_sim, params=describe(index))


def describe(index):
    # str(index) also names the built-in analyzer (unused here: tokens are
    # passed in), so only the LSH shape is kept.
    m = re.search(r"num_hashes = (\d+), bands = (\d+), rows_per_band = (\d+)", str(index))
    if not m:
        return str(index)
    return ("b=%s r=%s (%s hashes, derived by gaoya from num_hashes=%d), hash_size=32"
            % (m.group(2), m.group(3), m.group(1), common.NUM_PERM))


if __name__ == "__main__":
    main()
