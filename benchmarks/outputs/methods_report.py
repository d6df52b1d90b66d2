"""The A/A comparison of measuring methods (methods.py) as a document: each method's bias, spread, interval
width, ratio agreement and coverage between the two repeats, its time, and the method the evidence picks
at each thread setting."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from benchmarks.outputs import render
from benchmarks.core.document import Block, Paragraph, Section, Table
from benchmarks.measure.methods import METHODS
from benchmarks.core.run_folder import RunFolder
from benchmarks.core.stats import geomean

COVERAGE_GOAL = 0.90  # a rerun's ratio inside the interval at least this often, both ways
WIDTH_TIE = 0.02  # median widths closer than this are a tie: the faster method wins it


def width(ci: List[float]) -> float:
    return ci[1] / ci[0] - 1


def figures(records: List[Dict], method: str, threads: int) -> Optional[Dict]:
    """One method at one thread setting: over both repeats, the A/A bias (geometric mean), |A/A - 1| median and
    90th percentile, the share of intervals holding 1.00 and their median width; between the repeats, how far
    each call's ratio moved (median, 90th percentile) and how often each repeat's ratio lies in the other's
    interval (over every pair of repeats, the earlier one's interval and the later one's); the minutes one
    repeat took."""
    mine = [r for r in records if r["method"] == method and r["threads"] == threads]
    if not mine:
        return None
    repeats = sorted({r["repeat"] for r in mine})
    by = {n: {(r["model"], r["task"]): r for r in mine if r["repeat"] == n} for n in repeats}
    ratios = np.array([r["ratio"] for r in mine])
    moved = np.abs(ratios - 1)
    out = {"method": method, "threads": threads, "cells": len(by[repeats[0]]), "bias": geomean(list(ratios)),
           "median": float(np.median(moved)), "p90": float(np.quantile(moved, 0.9)),
           "holds_one": float(np.mean([r["ci"][0] <= 1 <= r["ci"][1] for r in mine])),
           "width": float(np.median([width(r["ci"]) for r in mine])),
           "minutes": float(np.mean([next(r["wall_s"] for r in by[n].values()) for n in repeats])) / 60,
           "a_ms": {key: r["a_ms"] for n in repeats for key, r in by[n].items()}}
    if len(repeats) > 1:  # every repeat against every later one, each way
        agree, forward, backward = [], [], []
        for i, n in enumerate(repeats):
            for m in repeats[i + 1:]:
                x, y = by[n], by[m]
                for k in sorted(set(x) & set(y)):
                    agree.append(abs(y[k]["ratio"] / x[k]["ratio"] - 1))
                    forward.append(x[k]["ci"][0] <= y[k]["ratio"] <= x[k]["ci"][1])
                    backward.append(y[k]["ci"][0] <= x[k]["ratio"] <= y[k]["ci"][1])
        out.update(agree_median=float(np.median(agree)), agree_p90=float(np.quantile(agree, 0.9)),
                   coverage=(float(np.mean(forward)), float(np.mean(backward))))
    return out


def qualifies(f: Dict) -> bool:
    """Intervals a reader can take at their word: they hold 1.00 and a rerun's ratio 90% of the time or more."""
    return f["holds_one"] >= COVERAGE_GOAL and min(f.get("coverage", (0.0, 0.0))) >= COVERAGE_GOAL


def choose(found: List[Dict]) -> Optional[Dict]:
    """The method the evidence picks at one thread setting: of those whose intervals hold, the one with the
    narrowest (the faster on a tie); if none holds, the one whose intervals come nearest to holding."""
    if not found:
        return None
    holding = [f for f in found if qualifies(f)]
    if not holding:
        return max(found, key=lambda f: min(f["holds_one"], *f.get("coverage", (0.0,))))
    narrowest = min(f["width"] for f in holding)
    return min((f for f in holding if f["width"] <= narrowest + WIDTH_TIE), key=lambda f: f["minutes"])


def chosen(records: List[Dict]) -> Dict[int, str]:
    """Per thread setting, the method the evidence picks."""
    out = {}
    for threads in sorted({r["threads"] for r in records}):
        best = choose([f for f in (figures(records, m, threads) for m in METHODS) if f])
        if best:
            out[threads] = best["method"]
    return out


def sharing_cost(records: List[Dict], threads: int) -> Optional[float]:
    """How much slower a side runs in a duet than alone beside its pair (geometric mean of the duet's times over
    the paired method's, call by call): what the other core's work costs through shared caches and memory."""
    duet, alone = figures(records, "duet", threads), figures(records, "paired", threads)
    if not duet or not alone:
        return None
    common = sorted(set(duet["a_ms"]) & set(alone["a_ms"]))
    return geomean([duet["a_ms"][k] / alone["a_ms"][k] for k in common]) if common else None


def pct(x: float) -> str:
    return f"{x:.1%}"


def table(found: List[Dict]) -> Table:
    rows = []
    for f in found:
        cover = f.get("coverage")
        rows.append([f["method"], f"{f['bias']:.3f}×", f"{pct(f['median'])} / {pct(f['p90'])}", f"{f['holds_one']:.0%}",
                     pct(f["width"]),
                     f"{pct(f['agree_median'])} / {pct(f['agree_p90'])}" if cover else "–",
                     f"{cover[0]:.0%} / {cover[1]:.0%}" if cover else "–", f"{f['minutes']:.1f}"])
    return Table(["Method", "A/A bias (geo. mean)", "|A/A − 1| median / p90", "Intervals holding 1.00",
                  "Median interval width", "Rerun moved, median / p90", "Rerun inside interval (later in earlier's / earlier in later's)",
                  "Minutes per repeat"], rows)


def document(records: List[Dict], meta: Dict) -> List[Block]:
    setup = meta.get("methods_comparison", {})
    blocks: List[Block] = [Paragraph(
        f"PyTorch against PyTorch (the true ratio is 1.00), {len({(r['model'], r['task']) for r in records})} "
        f"model × task calls, under each method: {setup.get('worker_sets', '?')} worker sets per side, "
        f"{setup.get('rounds', '?')} rounds of trials each, the whole comparison taken {setup.get('repeats', '?')} times "
        "(the methods in a fresh order each time). *Sequential*: each side's trials in a block of its own, one after "
        "the other, the interval a default run prints. *Paired*: the two sides' trials next to each other in a random "
        "order. *Duet*: the two trials of a pair at once, each side pinned to its own core. A method's intervals hold "
        f"when they contain 1.00, and the other repeat's ratio, {COVERAGE_GOAL:.0%} of the time or more; of those that "
        f"hold, the narrowest wins (within {WIDTH_TIE:.0%}: the faster).")]
    blocks.append(Paragraph(quality_text(records, meta)))
    picks = chosen(records)
    for threads in sorted({r["threads"] for r in records}):
        found = [f for f in (figures(records, m, threads) for m in METHODS) if f]
        cost = sharing_cost(records, threads)
        best = next(f for f in found if f["method"] == picks[threads])
        why = ("its intervals hold and are the narrowest" if qualifies(best)
               else "no method's intervals hold; its come nearest")
        text = f"Chosen at {threads} thread{'s' if threads > 1 else ''}: **{best['method']}** ({why})."
        if cost:
            text += (f" In a duet each side ran {cost:.2f}× its time beside its pair alone (the other core's work, "
                     "through shared caches and memory), the same for both sides of an A/A pair.")
        blocks.append(Section(f"{threads} thread{'s' if threads > 1 else ''}", [table(found), Paragraph(text)]))
    return blocks


def quality_text(records: List[Dict], meta: Dict) -> str:
    """How quiet the machine was: the noise check before and after, and the CPU others used while the paired
    and duet methods' trials were taken (per call and worker set, the most)."""
    noise = lambda key: (f"{meta[key]['cv']:.1%} ({meta[key].get('verdict', '?')})"  # noqa: E731
                         if isinstance(meta.get(key), dict) and "cv" in meta[key] else "not taken")
    busy = [r["background_cpu"] for r in records if r.get("background_cpu") is not None]
    text = f"The machine's noise check (CV of a fixed kernel): {noise('noise')} before, {noise('noise_after')} after."
    if busy:
        text += (f" Others used {float(np.median(busy)):.2f} cores at the median call while pairs were taken, at most "
                 f"{max(busy):.2f}; every method met the same machine, in a fresh order each taking.")
    return text


def write(folder: RunFolder) -> Path:
    """summary.md of a methods comparison's folder."""
    blocks = document(folder.aa(), folder.meta())
    path = folder.path / "summary.md"
    path.write_text("# Measuring methods, A/A\n\n" + render.markdown(blocks, folder.path, level=2))
    return path
