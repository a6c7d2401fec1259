#!/usr/bin/env bash
# Peer comparison for document-level near-duplicate detection on SaudiNewsNet.
#
#   bash bench/peers/run.sh                # full corpus + 3,000-doc sample
#   bash bench/peers/run.sh --sample-only  # sample only (quick)
#
# Same job for every tool: lowercase, Python \w+ words, word 5-gram shingles,
# MinHash with 128 permutations, LSH at Jaccard 0.5, pairs verified by the
# tool's own Jaccard estimate. Each tool runs in its own process under
# /usr/bin/time -v. Outputs go to target/peers/ (see bench/peers/README.md).
#
# Environment:
#   NEARDUP_PEERS_VENV  virtualenv for the Python peers (default target/peers-venv)
#   NEARDUP_PEERS_OUT   output folder (default target/peers)
#   DATA                data folder (default ../shared/data)
#   NEARDUP             neardup binary (default target/release/neardup)
#   PYTHON              interpreter used to create the venv (default python3)
#   RUNS                full-corpus runs of each tool, alternating tools in each
#                       round; the median run's time is kept (default 1)
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

SAMPLE_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --sample-only) SAMPLE_ONLY=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
  esac
done

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

VENV="${NEARDUP_PEERS_VENV:-target/peers-venv}"
OUT="${NEARDUP_PEERS_OUT:-target/peers}"
DATA="${DATA:-../shared/data}"
NEARDUP="${NEARDUP:-target/release/neardup}"
PYTHON="${PYTHON:-python3}"
RUNS="${RUNS:-1}"

# gaoya-native: gaoya's own Rust tokenizer (not \w+), shown for reference only
PEERS=(datasketch gaoya rensa gaoya-native)
PINS=("datasketch==2.0.0" "gaoya==0.2.2" "rensa==0.5.0")
SAMPLE_N=3000
SAMPLE_MODE=head   # first 3,000 lines: 291 pairs with J >= 0.5 vs 73 for every 10th line
SAMPLE_DESC="first 3,000 lines of SaudiNewsNet (deterministic; 291 pairs with J ≥ 0.5 there vs 73 in every 10th line)"

log() { printf '\n== %s\n' "$*" >&2; }

# --- prerequisites ----------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
  echo "run.sh: /usr/bin/time is missing (Debian: apt-get install time)" >&2
  exit 2
fi
GZ="$DATA/saudinewsnet/docs.jsonl.gz"
if [[ ! -s "$OUT/saudinewsnet.jsonl" && ! -s "$GZ" ]]; then
  echo "run.sh: $GZ not found (set DATA to the shared data folder)" >&2
  exit 2
fi

# --- 1. virtualenv with the pinned peers --------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating virtualenv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
if ! "$PY" - "${PINS[@]}" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    if version(name) != want:
        sys.exit(1)
import datasketch, gaoya, rensa  # noqa: F401  (the wheels load)
EOF
then
  log "installing ${PINS[*]} into $VENV"
  "$PY" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
fi

# --- 2. inputs ----------------------------------------------------------------
mkdir -p "$OUT/sample"
CORPUS="$OUT/saudinewsnet.jsonl"
if [[ ! -s "$CORPUS" ]]; then
  log "decompressing $GZ -> $CORPUS"
  "$PY" "$HERE/prepare.py" corpus "$GZ" "$CORPUS"
fi
SAMPLE="$OUT/sample/sample.jsonl"
GT="$OUT/sample/groundtruth.jsonl"
GT_NORM="$OUT/sample/groundtruth.normalized.jsonl"
if [[ ! -s "$SAMPLE" || "$CORPUS" -nt "$SAMPLE" ]]; then
  "$PY" "$HERE/prepare.py" sample "$CORPUS" "$SAMPLE" --mode "$SAMPLE_MODE" --n "$SAMPLE_N"
fi
if [[ ! -s "$GT" || "$SAMPLE" -nt "$GT" || "$HERE/groundtruth.py" -nt "$GT" \
      || "$HERE/common.py" -nt "$GT" ]]; then
  log "exact Jaccard ground truth on the sample"
  "$PY" "$HERE/groundtruth.py" "$SAMPLE" "$GT"
fi
if [[ ! -s "$GT_NORM" || "$SAMPLE" -nt "$GT_NORM" || "$HERE/groundtruth.py" -nt "$GT_NORM" \
      || "$HERE/common.py" -nt "$GT_NORM" ]]; then
  log "secondary ground truth: same, after Arabic normalization"
  "$PY" "$HERE/groundtruth.py" --normalize "$SAMPLE" "$GT_NORM"
fi

# --- 3./4. timed runs -----------------------------------------------------------
# run_timed PREFIX CMD...: one process under /usr/bin/time -v; PREFIX.time.txt
# gets the measurements, PREFIX.log the tool's own output.
run_timed() {
  local prefix="$1"; shift
  local rc=0
  rm -f "$prefix.time.txt" "$prefix.pairs.jsonl" "$prefix.stats.json" "$prefix.log" \
    "$prefix.report.json" "$prefix.cpustat"
  # Machine-wide CPU counters before and after: the busy time not spent by the
  # tool itself is other load on the machine, which skews the timing.
  head -n1 /proc/stat >"$prefix.cpustat"
  /usr/bin/time -v -o "$prefix.time.txt" "$@" >"$prefix.log" 2>&1 || rc=$?
  head -n1 /proc/stat >>"$prefix.cpustat"
  if [[ $rc == 0 ]]; then
    "$PY" "$HERE/report.py" --time-line "$prefix" >&2
    return 0
  fi
  echo "   FAILED (exit $rc): see $prefix.log" >&2
  tail -n 5 "$prefix.log" >&2 || true
  return 1
}

neardup_run() {  # neardup_run INPUT PREFIX
  local input="$1" prefix="$2"
  run_timed "$prefix" "$NEARDUP" scan "$input" --id-field url --text-field content \
    --source-field source --no-passages --threshold 0.5 --quiet \
    --report "$prefix.report.json" || return 1
  "$PY" "$HERE/neardup_pairs.py" "$prefix.report.json" "$prefix.pairs.jsonl" \
    --stats "$prefix.stats.json" 2>>"$prefix.log"
}

# run_tool TOOL INPUT PREFIX: one timed run of a peer or of neardup.
run_tool() {
  local tool="$1" input="$2" prefix="$3"
  if [[ $tool == neardup ]]; then
    neardup_run "$input" "$prefix"
  else
    local script="$HERE/peer_${tool//-/_}.py"
    run_timed "$prefix" "$PY" "$script" "$input" "$prefix.pairs.jsonl" --stats "$prefix.stats.json"
  fi
}

ALL=("${PEERS[@]}")
if [[ -x "$NEARDUP" ]]; then
  ALL+=(neardup)
else
  log "neardup: SKIPPED, no executable at $NEARDUP (build it with 'cargo build --release' or set NEARDUP=path)"
fi
declare -A FAILED=()
for tool in "${ALL[@]}"; do
  log "$tool: sample"
  run_tool "$tool" "$SAMPLE" "$OUT/sample/$tool" || FAILED[$tool]=1
done
if [[ $SAMPLE_ONLY == 0 ]]; then
  # The tools alternate within each round, so that a slow spell of the
  # machine weighs on all of them; each round's time is kept aside.
  for tool in "${ALL[@]}"; do
    rm -f "$OUT/$tool.time.r"*.txt "$OUT/$tool.cpustat.r"*
  done
  for r in $(seq "$RUNS"); do
    for tool in "${ALL[@]}"; do
      [[ -z ${FAILED[$tool]:-} ]] || continue
      log "$tool: full corpus (run $r of $RUNS)"
      if run_tool "$tool" "$CORPUS" "$OUT/$tool"; then
        cp "$OUT/$tool.time.txt" "$OUT/$tool.time.r$r.txt"
        cp "$OUT/$tool.cpustat" "$OUT/$tool.cpustat.r$r"
      else
        FAILED[$tool]=1
      fi
    done
  done
  # The run with the median wall time stands for each tool.
  for tool in "${ALL[@]}"; do
    [[ -z ${FAILED[$tool]:-} ]] || continue
    r=$("$PY" "$HERE/report.py" --median-run "$OUT/$tool" "$RUNS")
    cp "$OUT/$tool.time.r$r.txt" "$OUT/$tool.time.txt"
    cp "$OUT/$tool.cpustat.r$r" "$OUT/$tool.cpustat"
  done
fi
TOOLS=()
for tool in "${ALL[@]}"; do
  [[ -n ${FAILED[$tool]:-} ]] || TOOLS+=("$tool")
done

# --- 5./6. quality and table ----------------------------------------------------
if [[ ${#TOOLS[@]} == 0 ]]; then
  echo "run.sh: no tool ran successfully" >&2
  exit 1
fi
log "results ($OUT/results.md)"
REPORT_ARGS=("$OUT" --tools "$(IFS=,; echo "${TOOLS[*]}")" --sample-desc "$SAMPLE_DESC")
if [[ $SAMPLE_ONLY == 1 ]]; then REPORT_ARGS+=(--sample-only); fi
"$PY" "$HERE/report.py" "${REPORT_ARGS[@]}"
if [[ ${#TOOLS[@]} -lt $(( ${#PEERS[@]} + 1 )) ]]; then
  echo "run.sh: note: not every tool ran (see messages above)" >&2
fi
