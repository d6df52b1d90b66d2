"""Per-cell ratios between two runs, e.g. before and after a framework upgrade."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from benchmarks import records as rec
from benchmarks.stats import ratio_ci


def compare_runs(run_a: Path, run_b: Path) -> List[Dict]:
    """For each cell timed in both runs: B/A ratio of medians, its interval, and whether it excludes 1."""
    a = rec.by_cell(rec.read(run_a / "records.jsonl"))
    b = rec.by_cell(rec.read(run_b / "records.jsonl"))
    rows = []
    for key in sorted(set(a) & set(b)):
        ra, rb = a[key], b[key]
        row = {"cell": "/".join(map(str, key)), "a_ms": ra.get("median_ms"), "b_ms": rb.get("median_ms"),
               "a_version": ra.get("framework_version"), "b_version": rb.get("framework_version")}
        if ra.get("median_ms") and rb.get("median_ms"):
            lo, hi = ratio_ci(rb, ra)
            row.update(ratio=rb["median_ms"] / ra["median_ms"], ratio_ci=[lo, hi],
                       verdict="slower" if lo > 1 else "faster" if hi < 1 else "same")
        else:
            row.update(ratio=None, ratio_ci=None, verdict=f"{ra['status']} → {rb['status']}")
        rows.append(row)
    return rows
