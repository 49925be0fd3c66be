"""What metrics cost: an increment and a job's observations, in memory and in shared files.

Each mode runs in its own interpreter (prometheus-client chooses it at import);
then one scrape of the shared files is timed.

    python -m bench.metrics_cost
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

CALLS = 200_000


def _per_call(work, calls: int = CALLS) -> float:
    work()
    started = time.perf_counter()
    for _ in range(calls):
        work()
    return (time.perf_counter() - started) / calls * 1e6


def measure(mode: str) -> None:
    """Print the cost of one increment and of one job's observations in ``mode``."""
    from b2a.lib import metrics

    directory = Path(tempfile.mkdtemp())
    if mode == "shared":
        metrics.configure(directory)
    counter = _per_call(lambda: metrics.send_done("cloud", "ok"))
    job = _per_call(lambda: metrics.job_done("send_message", "complete", 0.1, 0.2))
    print(f"{mode}: counter {counter:.1f} µs, a job's two histograms {job:.1f} µs")
    if mode == "shared":
        for route in range(40):
            metrics.get().http_seconds.labels(f"/r{route}", "GET", "2xx").observe(0.01)
        scrape = _per_call(lambda: metrics.exposition([]), calls=50) / 1000
        print(f"scrape of {len(list(directory.glob('*.db')))} files, 40 routes: {scrape:.1f} ms")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        measure(sys.argv[1])
    else:
        for mode in ("memory", "shared"):
            subprocess.run([sys.executable, "-m", "bench.metrics_cost", mode], check=True)
