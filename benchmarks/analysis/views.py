"""Two views of a run that need no mode vocabulary: each framework *as shipped* (the mode its own
getting-started guide uses, no tuning) and at its *best* (its fastest mode and tuning level for each
model and task in this run). Ratios compare a framework's view with PyTorch's same view."""
from __future__ import annotations

from collections import Counter
from typing import Dict, List, Optional

from benchmarks.frameworks import default_mode
from benchmarks.core.plan import BASELINE, suite_of
from benchmarks.core.stats import geomean, ratio_ci

VIEWS = ("as shipped", "best")


def chosen(records: List[Dict], view: str, threads: int) -> Dict[tuple, Dict]:
    """(framework, model, task) -> the record this view takes, among timed step and inference records."""
    out: Dict[tuple, Dict] = {}
    for r in records:
        if r["threads"] != threads or not r.get("time_ms") or suite_of(r["task"]) != "speed":
            continue
        key = (r["framework"], r["model"], r["task"])
        if view == "as shipped":
            if r.get("tuning", "default") == "default" and r["mode"] == default_mode(r["framework"]):
                out[key] = r
        elif key not in out or r["time_ms"] < out[key]["time_ms"]:
            out[key] = r
    return out


def ratios(records: List[Dict], view: str, threads: int) -> Dict[str, List[Dict]]:
    """Per framework, per model and task: its view's time over PyTorch's same view, with an interval. From
    a paired run (benchmarks/measure/paired.py) the ratio is the paired one: against PyTorch as shipped directly
    (PyTorch's own row: its A/A test), against another PyTorch cell as the quotient of the two."""
    picked = chosen(records, view, threads)
    out: Dict[str, List[Dict]] = {}
    for (fw, model, task), r in sorted(picked.items()):
        base = picked.get((BASELINE, model, task))
        if base is None:
            continue
        ratio, (lo, hi) = paired_against(r, base) or (r["time_ms"] / base["time_ms"], ratio_ci(r, base))
        out.setdefault(fw, []).append({"model": model, "task": task, "ratio": ratio,
                                       "ci": [lo, hi], "mode": r["mode"], "tuning": r.get("tuning", "default")})
    return out


def paired_against(r: Dict, base: Dict) -> Optional[tuple]:
    """(ratio, [lo, hi]) of `r` over PyTorch's `base` from their paired ratios, or None when either has none."""
    if r.get("paired_ratio") is None or base.get("paired_ratio") is None:
        return None
    shipped = base["mode"] == default_mode(BASELINE) and base.get("tuning", "default") == "default"
    if shipped:  # PyTorch's own cell as well: its A/A ratio
        return r["paired_ratio"], list(r["paired_ci"])
    if r is base:
        return 1.0, [1.0, 1.0]
    (lo, hi), (b_lo, b_hi) = r["paired_ci"], base["paired_ci"]
    return r["paired_ratio"] / base["paired_ratio"], [lo / b_hi, hi / b_lo]


def settings_text(entries: List[Dict]) -> str:
    """Which modes and tuning levels a framework's view used, e.g. 'compiled ×8, eager ×2; tuning all ×10'."""
    def counts(key: str) -> str:
        return ", ".join(f"{k} ×{n}" for k, n in Counter(e[key] for e in entries).most_common())

    tunings = {e["tuning"] for e in entries}
    return counts("mode") + ("" if tunings == {"default"} else f"; tuning {counts('tuning')}")


def thread_settings(records: List[Dict]) -> List[int]:
    return sorted({r["threads"] for r in records if suite_of(r["task"]) == "speed"})


def geomean_of(entries: List[Dict], task: Optional[str] = None) -> Optional[tuple]:
    """Geometric mean of the ratios (and of their interval ends), optionally of one task only."""
    picked = [e for e in entries if task is None or e["task"] == task]
    if not picked:
        return None
    return (geomean([e["ratio"] for e in picked]), geomean([e["ci"][0] for e in picked]),
            geomean([e["ci"][1] for e in picked]))
