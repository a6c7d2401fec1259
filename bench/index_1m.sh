#!/usr/bin/env bash
# A million-article index with the default settings (tails without a
# marker on): the generated 1M corpus of bench/scale.sh split into ten
# parts of 100,000, `index build` of the first, `index add` of the nine
# others, then `index add` of 5,000 articles (copies of the first 5,000
# indexed ones under new ids) and `query` of 1,000 more generated
# articles (another seed, new ids). Prints wall time, CPU time and peak
# memory of each step and the index's size.
#   bash bench/index_1m.sh      # needs bash bench/scale.sh's 1M corpus
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-target/scale/1000000/docs.jsonl}
OUT=${OUT:-target/index1m}
DATA=${DATA:-../shared/data}
cargo build --release --quiet --example gencorpus
cargo build --release --quiet
BIN=$PWD/target/release/neardup
mkdir -p "$OUT"
if [ ! -s "$OUT/part9.jsonl" ]; then
  split -l 100000 -d -a 1 --additional-suffix=.jsonl "$CORPUS" "$OUT/part"
fi
if [ ! -s "$OUT/today.jsonl" ]; then
  head -n 5000 "$OUT/part0.jsonl" |
    python3 -c 'import json, sys
for i, line in enumerate(sys.stdin):
    d = json.loads(line); d["id"] = "today-%05d" % i; print(json.dumps(d, ensure_ascii=False))' > "$OUT/today.jsonl"
fi
if [ ! -s "$OUT/query.jsonl" ]; then
  target/release/examples/gencorpus --data "$DATA" --docs 1000 --seed 7 --out "$OUT/q" > /dev/null 2>&1
  python3 -c 'import json, sys
for i, line in enumerate(open(sys.argv[1])):
    d = json.loads(line); d["id"] = "q-%05d" % i; print(json.dumps(d, ensure_ascii=False))' "$OUT/q/docs.jsonl" > "$OUT/query.jsonl"
fi
ix="$OUT/m.ndx"
rm -f "$ix" "$ix.lock"
# Each step's summary (how it was answered) goes to $OUT/steps.log.
: > "$OUT/steps.log"
t() { /usr/bin/time -f "$1: %e s wall, %U s user, %S s sys, %M KB peak" "${@:2}" >> "$OUT/steps.log"; }
t "build part0" "$BIN" index build "$OUT/part0.jsonl" --index "$ix" -q
for i in 1 2 3 4 5 6 7 8 9; do
  t "add part$i" "$BIN" index add "$ix" "$OUT/part$i.jsonl" --report /dev/null
done
echo "size: $(stat -c %s "$ix") bytes"
"$BIN" index info "$ix" | grep tails
before=$(stat -c %s "$ix")
t "add 5,000" "$BIN" index add "$ix" "$OUT/today.jsonl" --report "$OUT/add.json"
echo "add 5,000: file $before -> $(stat -c %s "$ix") bytes"
t "query 1,000" "$BIN" query "$ix" "$OUT/query.jsonl" --report "$OUT/query.json"
grep -E "^(added|against)" "$OUT/steps.log"
