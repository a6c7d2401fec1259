#!/usr/bin/env bash
# Wall time and peak memory of `neardup scan` on SaudiNewsNet as plain
# JSONL, document level alone and full (document + passage level).
#   bash bench/scan.sh            # 3 runs of each, release build
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
RUNS=${RUNS:-3}
mkdir -p target/bench
plain=target/bench/saudinewsnet.jsonl
[ -s "$plain" ] || zcat "$DATA/saudinewsnet/docs.jsonl.gz" > "$plain"
cargo build --release --quiet
fields=(--id-field url --text-field content --source-field source)
for mode in --no-passages full; do
  for _ in $(seq "$RUNS"); do
    args=("${fields[@]}" --quiet)
    [ "$mode" = full ] || args+=("$mode")
    /usr/bin/time -f "$mode %e s wall, %U s user, %M KB peak" \
      target/release/neardup scan "$plain" "${args[@]}" --report target/bench/report.json > /dev/null
  done
done
