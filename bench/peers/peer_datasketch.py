"""datasketch peer: MinHash.bulk + MinHashLSH (threshold 0.5, 128 permutations).

Documents stream through in batches: each batch is hashed with MinHash.bulk,
inserted with an insertion session, then queried; every candidate is kept only
if datasketch's own MinHash Jaccard estimate is >= 0.5 (MinHashLSH returns
unverified candidates). Querying after inserting the batch sees every earlier
document, so each similar pair is found exactly once overall.
"""

from datasketch import MinHash, MinHashLSH
import datasketch

import common


def main():
    args = common.peer_args(__doc__.splitlines()[0])
    ph = common.Phases()
    lsh = MinHashLSH(threshold=common.THRESHOLD, num_perm=common.NUM_PERM)
    ids, minhashes, pairs = [], [], []
    candidates = 0
    for batch in common.batches(common.read_docs(args.input), args.batch):
        keys, sets = [], []
        for doc_id, text in batch:
            s = common.shingles(text)
            if s:
                keys.append(len(ids))
                ids.append(doc_id)
                sets.append([sh.encode("utf-8") for sh in s])
        ph.mark("read+shingle")
        mhs = MinHash.bulk(sets, num_perm=common.NUM_PERM)
        minhashes.extend(mhs)
        del sets
        ph.mark("minhash")
        with lsh.insertion_session() as session:
            for key, m in zip(keys, mhs):
                session.insert(key, m)
        ph.mark("lsh insert")
        for key, m in zip(keys, mhs):
            for other in lsh.query(m):
                # Keys grow with input order and a batch is inserted before
                # it is queried, so each candidate pair is seen from its
                # larger key with the smaller one already indexed.
                if other >= key:
                    continue
                candidates += 1
                if m.jaccard(minhashes[other]) >= common.THRESHOLD:
                    pairs.append((ids[key], ids[other]))
        ph.mark("lsh query+verify")
    n = common.write_pairs(args.output, pairs)
    ph.mark("write")
    b, r = lsh.b, lsh.r
    ph.dump(args.stats, tool="datasketch", version=datasketch.__version__,
            documents=len(ids), candidates=candidates, pairs=n,
            params="b=%d r=%d (MinHashLSH optimum), scheme=%s"
                   % (b, r, getattr(minhashes[0], "scheme", "?") if minhashes else "?"))


if __name__ == "__main__":
    main()
