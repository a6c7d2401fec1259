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
# The two modes alternate, so that a slow spell of the machine (this VM
# varies by 20-40% from one minute to the next) weighs on both alike; the
# ratio is the median of the runs' ratios.
log=target/bench/scan.times
: > "$log"
for _ in $(seq "$RUNS"); do
  for mode in --no-passages full; do
    args=("${fields[@]}" --quiet)
    [ "$mode" = full ] || args+=("$mode")
    /usr/bin/time -f "$mode %e s wall, %U s user, %M KB peak" -o target/bench/time.txt \
      target/release/neardup scan "$plain" "${args[@]}" --report target/bench/report.json > /dev/null
    cat target/bench/time.txt | tee -a "$log"
  done
done
python3 - "$log" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
doc = [float(r[1]) for r in rows if r[0] == "--no-passages"]
full = [float(r[1]) for r in rows if r[0] == "full"]
ratios = sorted(f / d for d, f in zip(doc, full))
print(f"median: --no-passages {statistics.median(doc):.2f} s, full {statistics.median(full):.2f} s; "
      f"ratio of each run: median {statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})")
PY
