#!/usr/bin/env bash
# Index measurements on SaudiNewsNet + ANT (62,555 articles): build, add,
# query, streaming. SaudiNewsNet is split by `date_extracted`: the first
# 25,030 articles are indexed, ANT's 31,525 added, then the next 5,000;
# the last 1,000 are queried (batch and streaming).
#   bash bench/index.sh            # release build, 3 query runs
#   EXTRA=--no-trailing-tails bash bench/index.sh   # options for every command
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
RUNS=${RUNS:-3}
OUT=${OUT:-target/bench/index}
mkdir -p "$OUT"
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/neardup
if [ ! -s "$OUT/snn_q.jsonl" ]; then
  python3 - "$DATA/saudinewsnet/docs.jsonl.gz" "$OUT" <<'PY'
import gzip, json, sys
rows = []
with gzip.open(sys.argv[1], "rt") as f:
    for line in f:
        line = line.rstrip("\n")
        if line.strip():
            rows.append((json.loads(line).get("date_extracted", ""), line))
rows.sort(key=lambda r: r[0])
for name, part in [("snn_a", rows[:25030]), ("snn_b", rows[25030:30030]), ("snn_q", rows[30030:])]:
    with open(f"{sys.argv[2]}/{name}.jsonl", "w") as out:
        out.writelines(r[1] + "\n" for r in part)
PY
fi
read -r -a extra <<< "${EXTRA:-}"
snn=(--id-field url --text-field content --source-field source "${extra[@]}")
ant=(--id-field docno --text-field text --source-field src "${extra[@]}")
t() { /usr/bin/time -f "$1: %e s wall, %U s user, %M KB peak" "${@:2}" > /dev/null; }
ix="$OUT/archive.ndx"
t "build 25,030" "$BIN" index build "$OUT/snn_a.jsonl" --index "$ix" "${snn[@]}" -q
t "add ANT 31,525" "$BIN" index add "$ix" "$DATA/antcorpus/docs.jsonl.gz" "${ant[@]}" -q
before=$(stat -c %s "$ix")
t "add 5,000" "$BIN" index add "$ix" "$OUT/snn_b.jsonl" "${snn[@]}" -q
echo "add 5,000: file $before -> $(stat -c %s "$ix") bytes"
for _ in $(seq "$RUNS"); do
  t "query 1,000" "$BIN" query "$ix" "$OUT/snn_q.jsonl" "${snn[@]}" -q --report "$OUT/query.json"
done
t "compact" "$BIN" index compact "$ix"
echo "compacted: $(stat -c %s "$ix") bytes"
for _ in $(seq "$RUNS"); do
  t "query 1,000 (compacted)" "$BIN" query "$ix" "$OUT/snn_q.jsonl" "${snn[@]}" -q --report "$OUT/query.json"
done
# STREAM_N: articles streamed (default 1,000).
jq -c '{url: .url, content: .content, source: .source}' "$OUT/snn_q.jsonl" | head -n "${STREAM_N:-1000}" > "$OUT/stream.jsonl"
t "streaming ${STREAM_N:-1000}" "$BIN" query "$ix" - "${snn[@]}" < "$OUT/stream.jsonl"
python3 bench/stream_latency.py "$BIN" "$ix" "$OUT/stream.jsonl" -- "${snn[@]}"
