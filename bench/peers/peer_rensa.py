"""rensa peer: RMinHash.from_token_sets + RMinHashLSH (threshold 0.5, 128 perms).

RMinHashLSH needs num_bands to divide num_perm: 32 bands x 4 rows is the only
split of 128 whose S-curve sits near 0.5 (16 x 8 would put it near 0.71), so
that is used. RMinHashLSH.query_all returns unverified candidates; each is kept
only if rensa's own RMinHash.jaccard estimate is >= 0.5.
"""

from importlib.metadata import version

from rensa import RMinHash, RMinHashLSH

import common

NUM_BANDS = 32
SEED = 42


def main():
    args = common.peer_args(__doc__.splitlines()[0])
    ph = common.Phases()
    lsh = RMinHashLSH(common.THRESHOLD, common.NUM_PERM, NUM_BANDS)
    ids, minhashes, pairs = [], [], []
    candidates = 0
    for batch in common.batches(common.read_docs(args.input), args.batch):
        toks = []
        start = len(ids)
        for doc_id, text in batch:
            s = common.shingles(text)
            if s:
                ids.append(doc_id)
                toks.append(list(s))
        ph.mark("read+shingle")
        mhs = RMinHash.from_token_sets(toks, common.NUM_PERM, SEED)
        minhashes.extend(mhs)
        del toks
        ph.mark("minhash")
        lsh.insert_many(mhs, start)
        ph.mark("lsh insert")
        for key, cands in enumerate(lsh.query_all(mhs), start):
            m = minhashes[key]
            for other in cands:
                if other < key:
                    candidates += 1
                    if m.jaccard(minhashes[other]) >= common.THRESHOLD:
                        pairs.append((ids[key], ids[other]))
        ph.mark("lsh query+verify")
    n = common.write_pairs(args.output, pairs)
    ph.mark("write")
    ph.dump(args.stats, tool="rensa", version=version("rensa"), documents=len(ids),
            candidates=candidates, pairs=n,
            params="RMinHashLSH num_perm=%d b=%d r=%d seed=%d"
                   % (common.NUM_PERM, NUM_BANDS, common.NUM_PERM // NUM_BANDS, SEED))


if __name__ == "__main__":
    main()
