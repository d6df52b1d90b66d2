"""Where a run's time went, per framework: import, build and parity steps (first step and compilation
included), warm-up, samples, waiting for a quiet machine, and the rest (process start and exit,
inference first calls, references)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from benchmarks.core.document import Paragraph, Section, Table
from benchmarks.core.plan import Cell

PHASES = ("import", "build + parity", "warm-up", "samples", "waiting for quiet", "other")


def of_run(run_dir: Path) -> Dict[str, Dict[str, float]]:
    """The breakdown of a run folder, from its raw.jsonl (empty when it has none)."""
    from benchmarks.core.run_folder import RunFolder

    return breakdown(RunFolder(run_dir).raw())


def breakdown(raw: List[Dict]) -> Dict[str, Dict[str, float]]:
    """Seconds per phase per framework, from raw.jsonl's per-process records."""
    processes: Dict[tuple, List[Dict]] = {}
    for r in raw:  # a worker process is its launch (older runs: its cell, process index and attempt)
        key = (r["launch"],) if r.get("launch") else (Cell.of(r), r.get("process", 0), r.get("attempt", 0))
        processes.setdefault(key, []).append(r)
    out: Dict[str, Dict[str, float]] = {}
    for recs in processes.values():
        first = recs[0]
        # build + parity once per cell; in a sweep, once per model size
        sizes = {(r["model"], r.get("hidden"), r.get("batch") if r.get("hidden") else None): r.get("parity_s") or 0.0
                 for r in recs}
        phases = {"import": first.get("import_s") or 0.0, "build + parity": sum(sizes.values()),
                  "warm-up": sum(r.get("warmup_s") or 0.0 for r in recs),
                  "samples": sum(r.get("sampling_s") or 0.0 for r in recs),
                  "waiting for quiet": first.get("waited_s") or 0.0}
        phases["other"] = max(0.0, (first.get("worker_s") or 0.0) - sum(phases.values()) + phases["waiting for quiet"])
        mine = out.setdefault(first["framework"], dict.fromkeys(PHASES, 0.0))
        for name, seconds in phases.items():
            mine[name] += seconds
    return out


def section(found: Dict[str, Dict[str, float]], title: str = "Where the run's time went") -> Section:
    """The breakdown as a document: what the phases are, and the table."""
    return Section(title, [Paragraph("Worker-process minutes per phase (build + parity includes the first step's "
                                     "compilation; other: process start and exit, inference first calls)."),
                           Table(*table(found))])


def table(found: Dict[str, Dict[str, float]]) -> Tuple[List[str], List[List[str]]]:
    """Minutes per phase, one row per framework (slowest first) and a total row."""
    from benchmarks.frameworks import all_frameworks

    names = {k: a.display for k, a in all_frameworks().items()}
    total = {p: sum(f[p] for f in found.values()) for p in PHASES}
    grand = sum(total.values()) or 1.0
    ordered = sorted(found.items(), key=lambda kv: -sum(kv[1].values()))
    rows = [[names.get(fw, fw)] + [f"{phases[p] / 60:.1f}" for p in PHASES] + [f"{sum(phases.values()) / 60:.1f}"]
            for fw, phases in ordered]
    rows.append(["All"] + [f"{total[p] / 60:.1f} ({total[p] / grand:.0%})" for p in PHASES] + [f"{grand / 60:.1f}"])
    return ["Framework"] + [f"{p} min" for p in PHASES] + ["Total min"], rows
