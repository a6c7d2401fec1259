#!/usr/bin/env bash
# The scale curve: full `neardup scan` (documents + passages) of generated
# corpora of 100k, 300k and 1M articles, with wall time, CPU time, peak
# memory and precision/recall against the generator's gold pairs.
#   bash bench/scale.sh                 # all three sizes
#   SIZES="100000" bash bench/scale.sh  # one size
# Corpora are generated once into $OUT (default target/scale; 1M articles
# take 3.7 GB and about 4 minutes to generate).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
OUT=${OUT:-target/scale}
SIZES=${SIZES:-"100000 300000 1000000"}
cargo build --release --quiet --example gencorpus
cargo build --release --quiet
mkdir -p "$OUT"
printf '%-9s %8s %8s %9s %7s %7s\n' docs wall_s cpu_s peak_MB P R
for n in $SIZES; do
  dir="$OUT/$n"
  if [ ! -s "$dir/manifest.json" ]; then
    target/release/examples/gencorpus --data "$DATA" --docs "$n" --seed 42 --out "$dir" > "$dir.gen.log" 2>&1
  fi
  /usr/bin/time -f '%e %U %S %M' -o "$dir.time" \
    target/release/neardup scan "$dir/docs.jsonl" --quiet --timings --report "$dir.report.json" \
    > "$dir.scan.log" 2> "$dir.timings"
  read -r wall user sys peak < "$dir.time"
  pr=$(target/release/neardup eval --report "$dir.report.json" --gold "$dir/gold_pairs.jsonl" \
         --relation duplicate,near_duplicate,contains | awk '$1 == "all" { print $5, $6 }')
  printf '%-9s %8s %8.1f %9d %7s %7s\n' "$n" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$((peak / 1024))" $pr
done
