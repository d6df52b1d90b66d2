"""Which way of measuring a ratio holds up on this host: an A/A test of the measuring methods.

PyTorch against PyTorch (the true ratio is 1.00), every model and task, at each thread setting, under:
- **sequential**, the way a default run measures: each side's trials in a block of its own, one block after
  the other, so the two sides of a ratio meet the host at different times; the ratio of their fastest
  samples and the conservative interval a default run prints (stats.summarize, stats.ratio_ci);
- **paired**: the two sides' trials next to each other, in a fresh random order each round (paired.measure);
- **duet**: the two trials of a pair at the same time, each side pinned to its own core (Bulej et al., ICPE
  2020); only where both sides fit on the machine's cores at once.
Every method runs on the same long-lived workers (paired.Server) with the same trials, so only the order
differs. The whole comparison is taken REPEATS times (the methods in a fresh order each time), so that each
method's ratio agreement and interval coverage read like those of pairs of full runs (methods_report.py).
"""
from __future__ import annotations

import random
import time
from typing import Callable, Dict, List, Optional, Sequence

from benchmarks.core import stats
from benchmarks.measure import paired
from benchmarks.core.plan import BASELINE, Cell, Profile

METHODS = ("sequential", "paired", "duet")
ROUNDS, WORKER_SETS, REPEATS = 6, 2, 4  # --rounds, the worker sets per side of each method, and the takings


def aa_cells(models: Sequence[str], threads: Sequence[int]) -> List[Cell]:
    """PyTorch as shipped, each model at each thread setting: one side of every A/A ratio."""
    from benchmarks.frameworks import default_mode

    return [Cell(BASELINE, m, default_mode(BASELINE), t) for t in threads for m in models]


def methods_for(threads: int, cores: int) -> List[str]:
    """The methods that can run at this thread setting: a duet needs a core set per side."""
    return [m for m in METHODS if m != "duet" or 2 * threads <= cores]


def sequential(cells: Sequence[Cell], profile: Profile, rounds: int, worker_set: int, seed: int,
               launch: Callable[..., paired.Server]) -> Dict[tuple, Dict[str, List[float]]]:
    """One worker set of each side, the sides one after the other: per (model, task), each side's samples."""
    calls = [paired.Call(c, t) for c in cells for t in c.tasks]
    taken: Dict[tuple, Dict[str, List[float]]] = {(c.cell.model, c.task): {"a": [], "b": []} for c in calls}
    rng = random.Random(f"{seed}:sequential:{worker_set}:{cells[0].threads}")
    for side in ("a", "b"):
        server = launch(list(cells), profile, seed)
        server.wait_ready()
        try:
            for number, (_, call, _) in enumerate(paired.schedule(calls, rounds, rng)):
                key = server.call_key(call.cell, call.task)
                samples = server.trial(key, number) if key else None
                if samples:
                    taken[(call.cell.model, call.task)][side].extend(samples)
        finally:
            server.stop()
    return taken


def sequential_record(a_groups: List[List[float]], b_groups: List[List[float]]) -> Optional[Dict]:
    """The A/A ratio and interval a default run would print from these samples (None without both sides)."""
    a_groups, b_groups = [g for g in a_groups if g], [g for g in b_groups if g]
    if not a_groups or not b_groups:
        return None
    a, b = stats.summarize(a_groups), stats.summarize(b_groups)
    return {"ratio": a["time_ms"] / b["time_ms"], "ci": stats.ratio_ci(a, b), "a_ms": a["time_ms"],
            "b_ms": b["time_ms"], "trials": sum(len(g) for g in a_groups)}


def paired_records(raw: List[Dict]) -> Dict[tuple, Dict]:
    """From paired.measure's raw records of every worker set: per (model, task), the A/A ratio and interval a
    paired run would print (the settling between worker sets pooled over the calls, as runner.pooled_intervals
    does over a framework's cells)."""
    by_call: Dict[tuple, List[Dict]] = {}
    for r in raw:
        if r.get("role") != "baseline" and r.get("pair_ms"):
            by_call.setdefault((r["model"], r["task"]), []).append(r)
    between = stats.pooled_settling([[r["pair_ms"] for r in rs] for rs in by_call.values()])
    out = {}
    for key, rs in by_call.items():
        ratio, lo, hi = stats.paired_ratio([r["pair_ms"] for r in rs], between)
        out[key] = {"ratio": ratio, "ci": [lo, hi], "trials": sum(len(r["pair_ms"]) for r in rs),
                    "a_ms": stats.geomean([a for r in rs for a, _ in r["pair_ms"]]),
                    "b_ms": stats.geomean([b for r in rs for _, b in r["pair_ms"]]),
                    "background_cpu": max(r.get("background_cpu") or 0.0 for r in rs)}
    return out


def measure(method: str, cells: Sequence[Cell], profile: Profile, rounds: int, worker_sets: int, seed: int,
            launch: Callable[..., paired.Server] = paired.launch_server) -> Dict[tuple, Dict]:
    """One method at one thread setting, over `worker_sets` worker sets: per (model, task), its A/A record."""
    if method == "sequential":
        sets = [sequential(cells, profile, rounds, n, seed, launch) for n in range(worker_sets)]
        found = {key: sequential_record([s[key]["a"] for s in sets], [s[key]["b"] for s in sets]) for key in sets[0]}
        return {key: record for key, record in found.items() if record}
    raw = [r for n in range(worker_sets)
           for r in paired.measure(cells, profile, rounds, n, seed, launch, duet=method == "duet")]
    return paired_records(raw)


def compare(cells: Sequence[Cell], profile: Profile, rounds: int = ROUNDS, worker_sets: int = WORKER_SETS,
            repeats: int = REPEATS, seed: int = 0, cores: int = 2,
            launch: Callable[..., paired.Server] = paired.launch_server, done: Sequence[tuple] = (),
            on_record: Callable[[Dict], None] = lambda record: None,
            on_progress: Callable[[str], None] = lambda text: None) -> None:
    """Every method at every thread setting, `repeats` times, the methods in a fresh random order each repeat;
    each (model, task)'s record handed to `on_record` as its method finishes. (repeat, threads, method) in
    `done` were taken before (a resumed comparison)."""
    from benchmarks.measure import guard
    from benchmarks.measure.runner import USABLE, cpus_for

    rng = random.Random(f"{seed}:methods")
    for repeat in range(1, repeats + 1):
        for threads in sorted({c.threads for c in cells}):
            mine = [c for c in cells if c.threads == threads]
            order = methods_for(threads, cores)
            rng.shuffle(order)
            for method in order:
                if (repeat, threads, method) in done:
                    continue
                on_progress(f"repeat {repeat} of {repeats}, {threads} thread(s): {method}")
                guard.stay_off([] if method == "duet" else cpus_for(threads), USABLE)
                began = time.monotonic()
                found = measure(method, mine, profile, rounds, worker_sets, seed, launch)
                wall = round(time.monotonic() - began, 1)
                for (model, task), record in found.items():
                    on_record(dict(record, method=method, repeat=repeat, threads=threads, model=model, task=task,
                                   worker_sets=worker_sets, rounds=rounds, wall_s=wall))
    guard.stay_off([], USABLE)
