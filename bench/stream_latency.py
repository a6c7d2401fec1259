#!/usr/bin/env python3
"""Per-article latency of streaming queries, as a scraper sees it.

Starts `neardup query INDEX -`, waits until it has loaded the index (its
first answer to a warm-up article), then writes one JSONL article at a
time and waits for its answer line before sending the next. Prints the
load time and the median, p90, p99 and maximum latency.

    python3 bench/stream_latency.py BIN INDEX ARTICLES.jsonl -- ARGS...
"""

import statistics
import subprocess
import sys
import time


def main():
    sep = sys.argv.index("--")
    binary, index, articles = sys.argv[1:4]
    extra = sys.argv[sep + 1:]
    with open(articles, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "query", index, "-", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        bufsize=1,
    )
    # The first article also waits for the index to load: timed apart.
    proc.stdin.write(lines[0])
    proc.stdin.flush()
    proc.stdout.readline()
    load = time.perf_counter() - start
    lat = []
    for line in lines[1:]:
        t = time.perf_counter()
        proc.stdin.write(line)
        proc.stdin.flush()
        answer = proc.stdout.readline()
        lat.append((time.perf_counter() - t) * 1000)
        if not answer:
            sys.exit("neardup stopped answering")
    proc.stdin.close()
    proc.wait()
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print(
        f"streaming {len(lat)} articles: first answer (incl. loading) {load:.2f} s; "
        f"latency median {statistics.median(lat):.2f} ms, p90 {q(0.90):.2f} ms, "
        f"p99 {q(0.99):.2f} ms, max {lat[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
