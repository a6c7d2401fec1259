#!/usr/bin/env bash
# The scale curve: full `neardup scan` (documents + passages) of generated
# corpora of 100k, 300k and 1M articles, with wall time, CPU time, peak
# memory and precision/recall against the generator's gold pairs.
#   bash bench/scale.sh                          # all three sizes, one run each
#   SIZES="100000" bash bench/scale.sh           # one size
#   RUNS=3 bash bench/scale.sh                   # sizes alternate, 3 rounds; medians
#   SCAN_ARGS="--spill-above 0" bash bench/scale.sh   # extra scan options
# Corpora are generated once into $OUT (default target/scale; 1M articles
# take 3.7 GB and about 4 minutes to generate). Each run's stage timings
# (with the peak memory so far) are kept in $OUT/<size>.<run>.timings.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
OUT=${OUT:-target/scale}
SIZES=${SIZES:-"100000 300000 1000000"}
RUNS=${RUNS:-1}
read -r -a extra <<< "${SCAN_ARGS:-}"
cargo build --release --quiet --example gencorpus
cargo build --release --quiet
mkdir -p "$OUT"
for n in $SIZES; do
  dir="$OUT/$n"
  if [ ! -s "$dir/manifest.json" ]; then
    target/release/examples/gencorpus --data "$DATA" --docs "$n" --seed 42 --out "$dir" > "$dir.gen.log" 2>&1
  fi
done
rows="$OUT/runs.txt"
: > "$rows"
printf '%-9s %4s %8s %8s %9s %7s %7s\n' docs run wall_s cpu_s peak_MB P R
# Sizes alternate within a round, so that a slow spell of this VM (which
# drifts by 10-40% from one minute to the next) weighs on all of them.
for r in $(seq "$RUNS"); do
  for n in $SIZES; do
    dir="$OUT/$n"
    /usr/bin/time -f '%e %U %S %M' -o "$dir.time" \
      target/release/neardup scan "$dir/docs.jsonl" --quiet --timings "${extra[@]}" \
        --report "$dir.report.json" > "$dir.scan.log" 2> "$dir.$r.timings"
    cp "$dir.$r.timings" "$dir.timings"
    read -r wall user sys peak < "$dir.time"
    pr=$(target/release/neardup eval --report "$dir.report.json" --gold "$dir/gold_pairs.jsonl" \
           --relation duplicate,near_duplicate,contains | awk '$1 == "all" { print $5, $6 }')
    row=$(printf '%-9s %4s %8s %8.1f %9d %7s %7s' "$n" "$r" "$wall" \
      "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$((peak / 1024))" $pr)
    echo "$row" | tee -a "$rows"
  done
done
if [ "$RUNS" -gt 1 ]; then
  echo "medians:"
  python3 - "$rows" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
sizes = list(dict.fromkeys(r[0] for r in rows))
med = {}
for n in sizes:
    mine = [r for r in rows if r[0] == n]
    wall = statistics.median(float(r[2]) for r in mine)
    med[n] = wall
    print(f"{n:<9} wall {wall:.2f} s ({min(float(r[2]) for r in mine):.2f}-{max(float(r[2]) for r in mine):.2f}), "
          f"CPU {statistics.median(float(r[3]) for r in mine):.1f} s, "
          f"peak {statistics.median(int(r[4]) for r in mine)} MB (max {max(int(r[4]) for r in mine)})")
first = sizes[0]
for n in sizes[1:]:
    print(f"{first} -> {n}: {med[n] / med[first]:.2f}x the time for {int(n) / int(first):.0f}x the articles")
PY
fi
