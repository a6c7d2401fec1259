"""Sample quality and the results table of the peer comparison.

report.py OUT_DIR --tools t1,t2,... [--sample-only]

Reads, for each tool:
  OUT_DIR/<tool>.{time.txt,stats.json,pairs.jsonl}          full corpus run
  OUT_DIR/sample/<tool>.{time.txt,stats.json,pairs.jsonl}   sample run
and OUT_DIR/sample/groundtruth.jsonl (exact J >= 0.5) with the sample itself
OUT_DIR/sample/sample.jsonl. Prints a Markdown table and writes it to
OUT_DIR/results.md (and details to OUT_DIR/results.json).

Recall = found ground-truth pairs / ground-truth pairs (J >= 0.5, and the
subset with J >= 0.6). Precision = found pairs with exact J >= 0.5 / found
pairs; pairs naming a document without any word (no shingles, outside the
ground truth) are left out of precision and counted apart.
"""

import argparse
import json
import os
import re
import statistics

import common

TIME_FIELDS = {
    "wall": re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)"),
    "rss_kb": re.compile(r"Maximum resident set size \(kbytes\): (\d+)"),
    "user": re.compile(r"User time \(seconds\): ([\d.]+)"),
    "sys": re.compile(r"System time \(seconds\): ([\d.]+)"),
    "exit": re.compile(r"Exit status: (\d+)"),
}


def parse_time(path):
    if not os.path.exists(path):
        return None
    text = open(path, encoding="utf-8", errors="replace").read()
    out = {}
    for key, rx in TIME_FIELDS.items():
        m = rx.search(text)
        if m:
            out[key] = m.group(1)
    if "wall" not in out:
        return None
    secs = 0.0
    for part in out["wall"].split(":"):
        secs = secs * 60 + float(part)
    return {"wall_s": secs,
            "rss_mb": int(out.get("rss_kb", 0)) / 1024.0,
            "cpu_s": float(out.get("user", 0)) + float(out.get("sys", 0)),
            "exit": int(out.get("exit", 0))}


def other_cpu_s(prefix, tool_cpu_s):
    """CPU seconds the rest of the machine used while the tool ran.

    PREFIX.cpustat holds the aggregate 'cpu' line of /proc/stat before and
    after the run (USER_HZ ticks); busy = all but idle and iowait.
    """
    path = prefix + ".cpustat"
    if not os.path.exists(path):
        return None
    lines = [l.split() for l in open(path) if l.startswith("cpu ")]
    if len(lines) != 2:
        return None
    hz = os.sysconf("SC_CLK_TCK")

    def busy(f):
        v = [int(x) for x in f[1:9]]
        return sum(v) - v[3] - v[4]
    return max(0.0, (busy(lines[1]) - busy(lines[0])) / hz - tool_cpu_s)


def timing(prefix):
    t = parse_time(prefix + ".time.txt")
    if t:
        t["other_cpu_s"] = other_cpu_s(prefix, t["cpu_s"])
    return t


def run_walls(prefix):
    """Wall times of the rounds kept as PREFIX.time.rK.txt (K = 1, 2, ...)."""
    walls, k = [], 1
    while True:
        t = parse_time("%s.time.r%d.txt" % (prefix, k))
        if t is None:
            return walls
        walls.append(t["wall_s"])
        k += 1


def median_run(prefix, runs):
    """The round (1-based) whose wall time is the median of `runs` rounds
    (the lower median for an even count)."""
    walls = [parse_time("%s.time.r%d.txt" % (prefix, k))["wall_s"] for k in range(1, runs + 1)]
    order = sorted(range(runs), key=lambda k: (walls[k], k))
    return order[(runs - 1) // 2] + 1


def load_json(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_sample(path, normalize=False):
    sets = {}
    for doc_id, text in common.read_docs(path):
        sets[doc_id] = common.shingles(text, normalize=normalize)
    return sets


def load_gt(path):
    gt = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                gt[(r["a"], r["b"])] = r["jaccard"]
    return gt


def exact_j(sets, a, b):
    sa, sb = sets.get(a), sets.get(b)
    if not sa or not sb:
        return None
    inter = len(sa & sb)
    return inter / (len(sa) + len(sb) - inter)


def quality(pairs, gt, sets):
    gt_all = set(gt)
    gt_06 = {p for p, j in gt.items() if j >= 0.6}
    unknown = {p for p in pairs if p[0] not in sets or p[1] not in sets}
    wordless = {p for p in pairs - unknown if not sets[p[0]] or not sets[p[1]]}
    judged = pairs - unknown - wordless
    tp = judged & gt_all
    fp = judged - gt_all
    fp_j = sorted(exact_j(sets, *p) for p in fp)
    missed = gt_all - judged
    return {
        "found": len(pairs),
        "judged": len(judged),
        "wordless_pairs": len(wordless),
        "unknown_id_pairs": len(unknown),
        "tp": len(tp),
        "fp": len(fp),
        "recall_05": len(tp) / len(gt_all) if gt_all else None,
        "recall_06": len(judged & gt_06) / len(gt_06) if gt_06 else None,
        "precision": len(tp) / len(judged) if judged else None,
        "fp_exact_j_min": round(fp_j[0], 3) if fp_j else None,
        "fp_exact_j_median": round(statistics.median(fp_j), 3) if fp_j else None,
        "fp_exact_j_max": round(fp_j[-1], 3) if fp_j else None,
        "missed": len(missed),
        "missed_exact_j_median": round(statistics.median(gt[p] for p in missed), 3) if missed else None,
        "missed_j_ge_0.9": sum(1 for p in missed if gt[p] >= 0.9),
    }


def fmt(x, spec):
    return "–" if x is None else format(x, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?")
    ap.add_argument("--time-line", metavar="PREFIX",
                    help="print one line about PREFIX.time.txt and exit")
    ap.add_argument("--median-run", nargs=2, metavar=("PREFIX", "RUNS"),
                    help="print the round whose PREFIX.time.rK.txt has the median wall time and exit")
    ap.add_argument("--tools")
    ap.add_argument("--sample-only", action="store_true")
    ap.add_argument("--sample-desc", default="sample")
    args = ap.parse_args()
    if args.median_run:
        print(median_run(args.median_run[0], int(args.median_run[1])))
        return
    if args.time_line:
        t = timing(args.time_line)
        print("   wall %.2f s, CPU %.2f s, peak RSS %.0f MB; other processes used %s CPU s meanwhile"
              % (t["wall_s"], t["cpu_s"], t["rss_mb"], fmt(t["other_cpu_s"], ".1f")))
        return
    if not args.out or not args.tools:
        ap.error("OUT and --tools are required")
    out, sdir = args.out, os.path.join(args.out, "sample")
    tools = [t for t in args.tools.split(",") if t]

    gt = load_gt(os.path.join(sdir, "groundtruth.jsonl"))
    sets = load_sample(os.path.join(sdir, "sample.jsonl"))
    gt_norm = load_gt(os.path.join(sdir, "groundtruth.normalized.jsonl"))
    sets_norm = load_sample(os.path.join(sdir, "sample.jsonl"), normalize=True) if gt_norm else None

    rows, details = [], {}
    for tool in tools:
        d = {"tool": tool}
        s_stats = load_json(os.path.join(sdir, tool + ".stats.json")) or {}
        s_time = timing(os.path.join(sdir, tool))
        s_pairs_path = os.path.join(sdir, tool + ".pairs.jsonl")
        if os.path.exists(s_pairs_path) and s_time and s_time["exit"] == 0:
            s_pairs = common.read_pairs(s_pairs_path)
            d["sample"] = quality(s_pairs, gt, sets)
            if gt_norm:
                d["sample_vs_normalized"] = quality(s_pairs, gt_norm, sets_norm)
            d["sample_time"] = s_time
        if not args.sample_only:
            f_stats = load_json(os.path.join(out, tool + ".stats.json")) or {}
            f_time = timing(os.path.join(out, tool))
            f_pairs = os.path.join(out, tool + ".pairs.jsonl")
            if f_time and f_time["exit"] == 0 and os.path.exists(f_pairs):
                d["full_time"] = f_time
                d["full_pairs"] = len(common.read_pairs(f_pairs))
            d["full_stats"] = f_stats
        d["sample_stats"] = s_stats
        d["version"] = (d.get("full_stats") or {}).get("version") or s_stats.get("version") or "?"
        d["params"] = (d.get("full_stats") or {}).get("params") or s_stats.get("params")
        details[tool] = d
        q = d.get("sample") or {}
        t = d.get("sample_time") if args.sample_only else d.get("full_time")
        st = s_stats if args.sample_only else (d.get("full_stats") or {})
        pairs = (q.get("found") if args.sample_only else d.get("full_pairs"))
        phases = st.get("phases_s") or {}
        shingling = phases.get("read+shingle", phases.get("read")) if t else None
        rows.append([tool, d["version"],
                     fmt(t and t["wall_s"], ".2f" if t and t["wall_s"] < 10 else ".1f"), fmt(shingling, ".1f"), fmt(t and t["cpu_s"], ".1f"),
                     fmt(t and t["rss_mb"], ".0f"), fmt(pairs, ",d"),
                     fmt(q.get("recall_05"), ".3f"), fmt(q.get("recall_06"), ".3f"),
                     fmt(q.get("precision"), ".3f")])

    scope = "3,000-doc sample" if args.sample_only else "full corpus, 31,030 docs"
    head = ["tool", "version", "wall s (%s)" % ("sample" if args.sample_only else "full"),
            "of which Python read(+shingle) s", "CPU s", "peak RSS MB", "pairs found (%s)" % ("sample" if args.sample_only else "full corpus"),
            "sample recall J≥0.5", "sample recall J≥0.6", "sample precision"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    n06 = sum(1 for j in gt.values() if j >= 0.6)
    notes = [
        "",
        "Timings: /usr/bin/time -v of one process per tool (%s), 2 cores; CPU s = user + sys; "
        "'Python read(+shingle)' is the part of the wall time the harness spends reading JSONL and "
        "making the \\w+ word 5-grams in Python (inside the tool's process, before the library "
        "is called). Other load on the machine during each run (CPU s used by other processes): %s."
        % (scope, ", ".join("%s %s" % (tool, fmt(((details[tool].get("sample_time") if args.sample_only
                                                     else details[tool].get("full_time")) or {}).get("other_cpu_s"), ".1f"))
                            for tool in tools)),
        ("" if args.sample_only or max((len(run_walls(os.path.join(out, t))) for t in tools), default=0) < 2
         else "Full-corpus wall times are the median of alternating rounds (all rounds: %s). "
         % "; ".join("%s %s" % (t, " / ".join("%.2f" % w for w in run_walls(os.path.join(out, t))))
                     for t in tools)) +
        "Sample: %s; ground truth = %d pairs with exact word-5-gram Jaccard ≥ 0.5 (%d with J ≥ 0.6)."
        % (args.sample_desc, len(gt), n06),
        "",
        "Normalized GT: the same exact computation after Arabic normalization (NFKC, case fold, "
        "tashkeel/tatweel removed, alef/ya/ta-marbuta/Persian letters folded, Arabic-Indic digits; "
        "roughly SPEC §2): %d pairs with J ≥ 0.5. No peer normalizes; neardup does."
        % len(gt_norm),
        "",
        "| tool | LSH / params | sample: found | TP | FP | FP exact J (min / median) | missed: median J, # with J≥0.9 "
        "| vs normalized GT: recall J≥0.5 / J≥0.6 / precision |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for tool in tools:
        d = details[tool]
        q = d.get("sample") or {}
        params = d.get("params") or "–"
        if tool == "neardup" and len(params) > 80:
            params = params[:77] + "..."
        qn = d.get("sample_vs_normalized") or {}
        notes.append("| %s | %s | %s | %s | %s | %s / %s | %s, %s | %s / %s / %s |" % (
            tool, params, fmt(q.get("found"), "d"), fmt(q.get("tp"), "d"), fmt(q.get("fp"), "d"),
            fmt(q.get("fp_exact_j_min"), ".3f"), fmt(q.get("fp_exact_j_median"), ".3f"),
            fmt(q.get("missed_exact_j_median"), ".3f"), fmt(q.get("missed_j_ge_0.9"), "d"),
            fmt(qn.get("recall_05"), ".3f"), fmt(qn.get("recall_06"), ".3f"), fmt(qn.get("precision"), ".3f")))
        rel = (d.get("full_stats") or {}).get("relations") or (d.get("sample_stats") or {}).get("relations")
        if rel:
            notes.append("|  | (%s report relations: %s; only duplicate + near_duplicate counted) ||||||" % (
                tool, ", ".join("%s %d" % kv for kv in sorted(rel.items()))))
        if q.get("wordless_pairs") or q.get("unknown_id_pairs"):
            notes.append("|  | (%s: %d pairs naming a document without words, %d naming an unknown id: not judged) ||||||" % (
                tool, q.get("wordless_pairs", 0), q.get("unknown_id_pairs", 0)))
    text = "\n".join(lines + notes) + "\n"
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as fh:
        fh.write(text)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(details, fh, indent=1, ensure_ascii=False)
    print(text)


if __name__ == "__main__":
    main()
