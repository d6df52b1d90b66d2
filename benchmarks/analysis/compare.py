"""Two sets of records side by side: two runs (before and after an upgrade; a run and its repeat), or two
machines of one merged run. Per cell, B over A; over all cells, how well the ratios to PyTorch agree."""
from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np

from benchmarks.core import records as rec
from benchmarks.core.plan import BASELINE, suite_of
from benchmarks.core.run_folder import RunFolder
from benchmarks.core.stats import (ESTIMATOR, ESTIMATORS, UNSTEADY_SPREAD, geomean, minimum_of_k, process_spread,
                              ratio_ci)
from benchmarks.frameworks import default_mode


def compare_records(a_records: List[Dict], b_records: List[Dict]) -> List[Dict]:
    """For each cell timed in both: B/A ratio of headline times, its interval, and whether it excludes 1."""
    a, b = rec.by_cell(a_records), rec.by_cell(b_records)
    rows = []
    for key in sorted(set(a) & set(b), key=str):
        ra, rb = a[key], b[key]
        row = {"cell": "/".join(map(str, key)), "a_ms": ra.get("time_ms"), "b_ms": rb.get("time_ms"),
               "a_version": ra.get("framework_version"), "b_version": rb.get("framework_version")}
        if ra.get("time_ms") and rb.get("time_ms"):
            lo, hi = ratio_ci(rb, ra)
            row.update(ratio=rb["time_ms"] / ra["time_ms"], ratio_ci=[lo, hi],
                       verdict="slower" if lo > 1 else "faster" if hi < 1 else "same")
        else:
            row.update(ratio=None, ratio_ci=None, verdict=f"{ra['status']} → {rb['status']}")
        rows.append(row)
    return rows


HOST_SPEED_TOL = 0.10  # the yardstick may differ this much between two runs before they count as different hosts


def host_speed_text(a_meta: Dict, b_meta: Dict, rows: List[Dict], names: tuple = ("A", "B")) -> str:
    """When the two runs' hosts ran at different speeds (numpy's sgemm yardstick, `peak_gflops`, differs by
    more than HOST_SPEED_TOL at a thread setting both have): both yardsticks and B's time over A's, as a
    geometric mean over every measurement both timed. Empty when they ran alike, or either lacks it."""
    a_peak, b_peak = a_meta.get("peak_gflops") or {}, b_meta.get("peak_gflops") or {}
    speeds = [(t, a_peak[t], b_peak[t]) for t in sorted(set(a_peak) & set(b_peak), key=int)]
    if all(abs(b / a - 1) <= HOST_SPEED_TOL for _, a, b in speeds):
        return ""
    a_name, b_name = names
    ratios = [r["ratio"] for r in rows if r.get("ratio")]
    return ("The two hosts ran at different speeds: numpy's sgemm yardstick gave "
            + ", ".join(f"{a:.0f} ({a_name}) and {b:.0f} ({b_name}) GFLOP/s at {t} thread(s)" for t, a, b in speeds)
            + (f"; over the {len(ratios)} measurements both timed, {b_name} took {geomean(ratios):.2f}× "
               f"{a_name}'s time (geometric mean)" if ratios else "")
            + ". Compare times only between runs on equally fast hosts; ratios to PyTorch cancel a uniform "
              "slowdown, and how far they still moved is given with them.")


def is_paired(records: List[Dict]) -> bool:
    return any(r.get("paired_ratio") is not None for r in records)


def run_ratios(records: List[Dict]) -> Dict[tuple, tuple]:
    """Per step or inference cell: (its ratio to PyTorch, low, high). In a paired run, the paired ratio to
    PyTorch as shipped (PyTorch's own cells: their A/A ratio); else over PyTorch's same-mode cell, with the
    conservative interval of the two headline times (PyTorch's own cells left out)."""
    cells = rec.by_cell(records)
    out = {}
    for key, r in cells.items():
        if suite_of(r["task"]) != "speed":
            continue
        if is_paired(records):
            if r.get("paired_ratio") is not None:
                out[key] = (r["paired_ratio"], *r["paired_ci"])
            continue
        base = rec.baseline_record(r, cells)
        if r["framework"] == BASELINE or not base or not (r.get("time_ms") and base.get("time_ms")
                                                          and r.get("time_ci95_ms") and base.get("time_ci95_ms")):
            continue
        out[key] = (r["time_ms"] / base["time_ms"], *ratio_ci(r, base))
    return out


def baseline_ratios(records: List[Dict], field: str) -> Dict[tuple, float]:
    """Per step or inference cell: its `field` over PyTorch's same cell (PyTorch's own left out); by the
    headline (`time_ms`) in a paired run, the paired ratio (PyTorch's own cells: A/A)."""
    if field == "time_ms" and is_paired(records):
        return {key: found[0] for key, found in run_ratios(records).items()}
    cells = rec.by_cell(records)
    out = {}
    for key, r in cells.items():
        if r["framework"] == BASELINE or suite_of(r["task"]) != "speed" or not r.get(field):
            continue
        ratio = rec.baseline_ratio(r, cells, field)
        if ratio:
            out[key] = ratio
    return out


def agreement(a_records: List[Dict], b_records: List[Dict], field: str = "time_ms") -> Optional[Dict]:
    """How far the ratios to PyTorch moved between A and B, over every cell both have: the median, 90th
    percentile and largest relative difference |ratio_B / ratio_A - 1|, and the cells that moved most."""
    a, b = baseline_ratios(a_records, field), baseline_ratios(b_records, field)
    shared = sorted(set(a) & set(b), key=str)
    if not shared:
        return None
    diffs = np.array([abs(b[k] / a[k] - 1) for k in shared])
    worst = sorted(zip(diffs, shared), key=lambda x: -x[0])[:5]
    unsteady = unsteady_cells(a_records) | unsteady_cells(b_records)
    steady = np.array([d for d, k in zip(diffs, shared) if k not in unsteady])
    return {"cells": len(shared), "median": float(np.median(diffs)), "p90": float(np.quantile(diffs, 0.9)),
            "max": float(diffs.max()), "worst": [("/".join(map(str, k)), float(d)) for d, k in worst],
            "steady": None if not len(steady) else {"cells": len(steady), "median": float(np.median(steady)),
                                                     "p90": float(np.quantile(steady, 0.9))}}


def agreement_where(a_records: List[Dict], b_records: List[Dict], keep: Callable[[Dict], bool]) -> Optional[Dict]:
    """`agreement` by the headline estimator over the records `keep` selects in both runs."""
    return agreement([r for r in a_records if keep(r)], [r for r in b_records if keep(r)])


def thread_agreement(a_records: List[Dict], b_records: List[Dict]) -> Dict[int, Dict]:
    """`agreement` by the headline estimator at each thread setting apart (what the second core adds to the
    noise shows at 2 threads alone)."""
    settings = sorted({r["threads"] for r in a_records if r.get("threads")})
    found = {t: agreement_where(a_records, b_records, lambda r, t=t: r.get("threads") == t) for t in settings}
    return {t: f for t, f in found.items() if f}


def thread_agreement_text(found: Dict[int, Dict]) -> str:
    """One sentence on `thread_agreement` ('' with fewer than two thread settings)."""
    if len(found) < 2:
        return ""
    return ("By thread setting, the ratios to PyTorch by the headline estimator moved by (median / 90th percentile): "
            + "; ".join(f"{t} thread{'s' if t > 1 else ''}: {f['median']:.1%} / {f['p90']:.1%} ({f['cells']} cells)"
                        for t, f in found.items()) + ".")


def framework_agreement(a_records: List[Dict], b_records: List[Dict]) -> Dict[str, Dict[int, Dict]]:
    """`thread_agreement` over each framework's cells apart: which frameworks reproduce, at which setting."""
    found = {}
    for framework in sorted({r["framework"] for r in a_records} - {BASELINE}):
        own = [r for r in a_records if r["framework"] in (framework, BASELINE)]
        per_thread = thread_agreement(own, [r for r in b_records if r["framework"] in (framework, BASELINE)])
        if per_thread:
            found[framework] = per_thread
    return found


def framework_agreement_table(found: Dict[str, Dict[int, Dict]]) -> tuple:
    """(header, rows) of `framework_agreement`: per framework and thread setting, median / 90th percentile
    (cells), and the cell that moved most; best reproduced first."""
    from benchmarks.frameworks import framework_display

    settings = sorted({t for per_thread in found.values() for t in per_thread})
    header = (["Framework"] + [f"{t} thread{'s' if t > 1 else ''}: median / 90th percentile" for t in settings]
              + ["Moved most"])

    def worst_p90(framework: str) -> float:
        return max(f["p90"] for f in found[framework].values())

    rows = []
    for framework in sorted(found, key=worst_p90):
        per_thread = found[framework]
        cells = [f"{per_thread[t]['median']:.1%} / {per_thread[t]['p90']:.1%} ({per_thread[t]['cells']})"
                 if t in per_thread else "–" for t in settings]
        cell, moved = max((f["worst"][0] for f in per_thread.values()), key=lambda w: w[1])
        rows.append([framework_display(framework)] + cells + [f"{cell} {moved:.0%}"])
    return header, rows


SKEW_BOUNDS = (1.1, 1.25, 1.5, 2.0)  # a cell's median sample over its fastest: where its group ends


def skew_agreement(a_records: List[Dict], b_records: List[Dict]) -> List[Dict]:
    """`agreement` over the cells grouped by how far their median sample lay above their fastest (`skew`, the
    larger of the two runs'): a host that varies within a process spreads every cell's samples."""
    a, b = rec.by_cell(a_records), rec.by_cell(b_records)

    def skew(key: tuple) -> float:
        return max(r[key]["median_ms"] / r[key]["min_ms"] for r in (a, b))

    timed = [k for k in set(a) & set(b) if k[0] != BASELINE and all(r[k].get("min_ms") and r[k].get("median_ms")
                                                                     for r in (a, b))]
    found, lower = [], 1.0
    for upper in SKEW_BOUNDS + (float("inf"),):
        group = {k for k in timed if lower <= skew(k) < upper}
        within = group and agreement_where(a_records, b_records,
                                           lambda r: r["framework"] == BASELINE or rec.cell_key(r) in group)
        if within:
            found.append(dict(within, lower=lower, upper=upper))
        lower = upper
    return found


def skew_agreement_text(found: List[Dict]) -> str:
    """One sentence on `skew_agreement` ('' without it)."""
    if not found:
        return ""

    def span(f: Dict) -> str:
        return f"{f['lower']:g}–{f['upper']:g}×" if f["upper"] < float("inf") else f"{f['lower']:g}× and more"

    return ("By how far a cell's median sample lay above its fastest (the larger of the two runs'), its ratio to "
            "PyTorch moved by (median / 90th percentile): "
            + "; ".join(f"{span(f)}: {f['median']:.1%} / {f['p90']:.1%} ({f['cells']} cells)" for f in found) + ".")


def no_steady_text(a_records: List[Dict], b_records: List[Dict], names: tuple = ("A", "B")) -> str:
    """Why the steady-cell figures are empty, when no cell was steady in both runs: the median spread between
    a cell's processes in each ('' when some cell was steady, or the records carry no spread)."""
    found = agreement(a_records, b_records)
    spreads = [[r["process_spread"] for r in rs if r.get("process_spread") is not None] for rs in (a_records, b_records)]
    if not found or found["steady"] or not all(spreads):
        return ""
    return (f"No cell was steady in both runs (its processes' estimates within {UNSTEADY_SPREAD:.0%} of each other, "
            f"and its PyTorch cell's too), so the steady-cell figures are empty: the median spread between a cell's "
            f"processes was " + " and ".join(f"{np.median(s):.0%} in {n}" for s, n in zip(spreads, names)) + ".")


def baseline_share(a_records: List[Dict], b_records: List[Dict]) -> Optional[Dict]:
    """How much of the ratios' movement between A and B is PyTorch's own: how far its cells moved (B over A;
    median and 90th percentile of |move - 1|, and `common`, their geometric mean: the host's drift), how far
    the ratios would have moved had every PyTorch cell moved by `common` alone (`held`), and the PyTorch cells
    that moved most against `common`, with the number of ratios that divide by each."""
    a, b = rec.by_cell(a_records), rec.by_cell(b_records)
    moves = {k: b[k]["time_ms"] / r["time_ms"] for k, r in a.items() if r["framework"] == BASELINE and k in b
             and suite_of(r["task"]) == "speed" and r.get("time_ms") and b[k].get("time_ms")}
    a_ratios, b_ratios = baseline_ratios(a_records, "time_ms"), baseline_ratios(b_records, "time_ms")
    shared = [k for k in a_ratios if k in b_ratios]
    if not moves or not shared:
        return None
    common = geomean(list(moves.values()))
    held = np.array([abs(b[k]["time_ms"] / a[k]["time_ms"] / common - 1) for k in shared])
    carried = {k: sum(rec.baseline_record(a[s], a) is a[k] for s in shared) for k in moves}
    own = np.abs(np.array(list(moves.values())) - 1)
    worst = sorted(moves, key=lambda k: -abs(np.log(moves[k] / common)))[:3]
    return {"cells": len(moves), "median": float(np.median(own)), "p90": float(np.quantile(own, 0.9)), "common": common,
            "held": {"cells": len(held), "median": float(np.median(held)), "p90": float(np.quantile(held, 0.9))},
            "worst": [("/".join(map(str, k[1:])), moves[k] / common - 1, carried[k]) for k in worst]}


def baseline_share_text(found: Optional[Dict]) -> str:
    """Two sentences on `baseline_share` ('' without it)."""
    if not found:
        return ""
    held = found["held"]
    return (f"Every ratio divides by a PyTorch cell, and PyTorch's {found['cells']} cells moved too: by "
            f"{found['median']:.1%} / {found['p90']:.1%} (median / 90th percentile; {found['common']:.3f}× together, "
            f"the host's drift). Had each moved by that common factor alone, the ratios would have moved by "
            f"{held['median']:.1%} / {held['p90']:.1%}. PyTorch's cells that moved most against it: "
            + ", ".join(f"{cell} {move:+.1%} ({count} ratios)".replace("-", "−") for cell, move, count in found["worst"])
            + ".")


CELL_FIELDS = ("framework", "model", "mode", "threads", "task", "tuning")  # records.cell_key's parts


def read_raw(run_dir: Path) -> Optional[List[Dict]]:
    """A run folder's per-process records (raw.jsonl), or None when it has none."""
    folder = RunFolder(run_dir)
    return folder.raw() if folder.has_raw() else None


def final_processes(raw: List[Dict]) -> Dict[tuple, List[Dict]]:
    """Per cell, the ok record of each worker process that counts (records.last_attempts) with samples."""
    by_cell: Dict[tuple, List[Dict]] = {}
    for r in raw:
        if r["status"] == "ok" and r.get("samples_ms"):
            by_cell.setdefault(rec.cell_key(r), []).append(r)
    return {key: rec.last_attempts(rs) for key, rs in by_cell.items()}


def estimated(key: tuple, processes: List[Dict], estimate: Optional[Callable] = None, over: Optional[int] = None) -> Dict:
    """A record for the cell `key`: `estimate` of its processes' samples (a list per process; default the
    headline: their minimum, or the minimum `over` of them would show, as a cell with more processes than the
    others takes it: stats.minimum_of_k), and whether the processes disagreed (stats.process_spread)."""
    groups = [r["samples_ms"] for r in processes]
    value = estimate(groups) if estimate else minimum_of_k(groups, over or len(groups))
    return dict(zip(CELL_FIELDS, key), time_ms=float(value), unsteady=process_spread(groups, k=over) > UNSTEADY_SPREAD)


def plain_count(cells: Dict[tuple, List[Dict]]) -> int:
    """The processes a cell has in a run (the fewest of any cell: PyTorch's may have more, Profile.baseline_factor)."""
    return min((len(p) for p in cells.values()), default=0)


# Estimators of a cell's time from its per-process samples that the records do not carry, tried against
# the headline one by how well they reproduce (docs/method.md)
RAW_ESTIMATORS: Dict[str, Callable] = {
    "pooled 5th percentile": lambda g: np.quantile(np.concatenate(g), 0.05),
    "pooled 25th percentile": lambda g: np.quantile(np.concatenate(g), 0.25),
    "lowest process median": lambda g: min(np.median(x) for x in g),
    "mean of process minima": lambda g: np.mean([np.min(x) for x in g]),
    "median of process minima": lambda g: np.median([np.min(x) for x in g]),
}


def raw_estimator_agreement(a_raw: List[Dict], b_raw: List[Dict]) -> Dict[str, Dict]:
    """`agreement` for the headline estimator and each of RAW_ESTIMATORS, from two runs' raw samples."""
    a, b = final_processes(a_raw), final_processes(b_raw)
    a_count, b_count = plain_count(a), plain_count(b)
    out = {}
    for name, estimate in [(ESTIMATOR, None)] + list(RAW_ESTIMATORS.items()):
        found = agreement([estimated(k, p, estimate, a_count) for k, p in a.items()],
                          [estimated(k, p, estimate, b_count) for k, p in b.items()])
        if found:
            out[name] = found
    return out


def raw_estimators_text(a_raw: Optional[List[Dict]], b_raw: Optional[List[Dict]]) -> str:
    """One line: the agreement of each estimator from two runs' raw samples (empty without both)."""
    if a_raw is None or b_raw is None:
        return ""
    found = raw_estimator_agreement(a_raw, b_raw)
    return ("From the raw samples, by estimator (median / 90th percentile; in brackets, the steady cells'): "
            + "; ".join(f"{name} {f['median']:.1%} / {f['p90']:.1%} ({steady_text(f)})" for name, f in found.items()) + ".")


def process_count_agreement(a_raw: List[Dict], b_raw: List[Dict], baseline_all: bool = False) -> List[Dict]:
    """How well the ratios to PyTorch would have agreed with fewer worker processes per cell: for each
    count k, the headline estimator over only k of each cell's processes (the same process indices in both
    runs), its `agreement` averaged over every choice of k indices (and the range of the 90th percentile).
    A cell with more processes than the others (PyTorch's, Profile.baseline_factor), or with `baseline_all`
    every PyTorch cell, keeps them all, its minimum the one k of them would show (stats.minimum_of_k)."""
    a, b = final_processes(a_raw), final_processes(b_raw)
    count = min(plain_count(a), plain_count(b))

    def records(cells: Dict[tuple, List[Dict]], chosen: tuple) -> List[Dict]:
        picked = {key: processes if len(processes) > count or (baseline_all and key[0] == BASELINE)
                  else [r for r in processes if r["process"] in chosen] for key, processes in cells.items()}
        return [estimated(key, processes, over=len(chosen)) for key, processes in picked.items() if processes]

    rows = []
    for k in range(1, count + (0 if baseline_all else 1)):
        found = [agreement(records(a, chosen), records(b, chosen)) for chosen in combinations(range(count), k)]
        found = [f for f in found if f]
        if found:
            p90s = [f["p90"] for f in found]
            rows.append({"processes": k, "choices": len(found), "median": float(np.mean([f["median"] for f in found])),
                         "p90": float(np.mean(p90s)), "p90_range": [min(p90s), max(p90s)]})
    return rows


def process_count_text(a_raw: Optional[List[Dict]], b_raw: Optional[List[Dict]]) -> str:
    """One line: how the agreement between two runs' raw samples depends on the number of processes per
    cell (empty without both, or when their cells had one process)."""
    if a_raw is None or b_raw is None:
        return ""
    rows = process_count_agreement(a_raw, b_raw)
    if len(rows) < 2:
        return ""

    def listed(rows: List[Dict]) -> str:
        return "; ".join(f"{r['processes']} process{'es' if r['processes'] > 1 else ''}: {r['median']:.1%} / {r['p90']:.1%}"
                         + (f" (90th percentile {r['p90_range'][0]:.1%}–{r['p90_range'][1]:.1%})" if r["choices"] > 1 else "")
                         for r in rows)

    text = ("With fewer worker processes per cell (the same ones in both runs, averaged over every choice), "
            f"the ratios to PyTorch by the {ESTIMATOR} would have moved by: {listed(rows)} (median / 90th percentile).")
    a, b = final_processes(a_raw), final_processes(b_raw)
    if max(len(p) for p in list(a.values()) + list(b.values())) == rows[-1]["processes"]:  # PyTorch's: as many
        held = process_count_agreement(a_raw, b_raw, baseline_all=True)
        text += (" With PyTorch's cells, the denominator of every ratio, at all their processes each time (the "
                 f"minimum k of them would show: the median over every k): {listed(held)}.")
    return text


def later_shift(raw: List[Dict]) -> Optional[Dict]:
    """Whether a cell's later processes agree with its first, within one run: per cell, its ratio to PyTorch
    from its later processes alone over the same ratio from its first process (the headline estimator each);
    the median and 10th and 90th percentiles over cells, and whether the later processes were shared (each
    measured several cells). Taken with and without sharing, it shows whether sharing moves the numbers.
    None for a run with one process per cell."""
    first: List[Dict] = []
    later: List[Dict] = []
    shared = False
    cells = final_processes(raw)
    count = plain_count(cells)  # a cell with more later processes: the minimum count - 1 of them would show
    for key, final in cells.items():
        shared = shared or any((r.get("shared_with") or 1) > 1 for r in final)
        for part, chosen in ((first, [r for r in final if r["process"] == 0]), (later, [r for r in final if r["process"]])):
            if chosen:
                part.append(estimated(key, chosen, over=max(count - 1, 1)))
    solo, again = baseline_ratios(first, "time_ms"), baseline_ratios(later, "time_ms")
    shifts = [again[k] / solo[k] for k in set(solo) & set(again)]
    if not shifts:
        return None
    return {"cells": len(shifts), "shared": shared, "median": float(np.median(shifts)),
            "p10": float(np.quantile(shifts, 0.1)), "p90": float(np.quantile(shifts, 0.9))}


def later_shift_text(shift: Optional[Dict]) -> str:
    """One sentence on `later_shift` ('' without it)."""
    if not shift:
        return ""
    how = "which were shared (each measured every model of its framework, mode and threads)" if shift["shared"] \
        else "which measured one cell each, like the first"
    return (f"First process against later ones, {how}: over {shift['cells']} cells, a cell's ratio to PyTorch from "
            f"its later processes alone was {shift['median']:.3f}× the ratio from its first process (median; "
            f"{shift['p10']:.2f}–{shift['p90']:.2f}× from the 10th to the 90th percentile). Near 1 when neither the "
            "process layout nor the run's drift over time (first processes come first) moved the numbers.")


def unsteady_cells(records: List[Dict]) -> set:
    """Keys of the cells whose processes disagreed, or whose PyTorch baseline's did (a ratio over an
    unsteady baseline is unsteady too)."""
    cells = rec.by_cell(records)
    return {key for key, r in cells.items()
            if r.get("unsteady") or (rec.baseline_record(r, cells) or {}).get("unsteady")}


def estimator_agreement(a_records: List[Dict], b_records: List[Dict]) -> Dict[str, Dict]:
    """`agreement` for each estimator both sets of records carry."""
    out = {}
    for name, (field, _) in ESTIMATORS.items():
        found = agreement(a_records, b_records, field)
        if found:
            out[name] = found
    return out


def verdicts_match(a_verdicts: List[Dict], b_verdicts: List[Dict]) -> List[tuple]:
    """(claim id, verdict in A, verdict in B, same?) per claim."""
    b = {v["id"]: v["verdict"] for v in b_verdicts}
    return [(v["id"], v["verdict"], b.get(v["id"], "–"), v["verdict"] == b.get(v["id"])) for v in a_verdicts]


REPRO_HEADER = ["Estimator", "Cells", "Median difference", "90th percentile", "Largest",
                "Steady cells: median / 90th percentile", "Largest differences"]


def steady_text(found: Dict) -> str:
    """'1.8% / 4.7% (136 cells)': the agreement over cells whose processes agreed in both runs."""
    steady = found.get("steady")
    return "–" if not steady else f"{steady['median']:.1%} / {steady['p90']:.1%} ({steady['cells']} cells)"


def reproducibility_rows(a_records: List[Dict], b_records: List[Dict]) -> List[List[str]]:
    """One row per estimator: how far each cell's ratio to PyTorch moved between the two runs. Two paired
    runs add their paired ratios first (what their tables show); the estimators' rows are then the ratios of
    absolute times to PyTorch's cell in the same mode, for comparison."""
    paired = is_paired(a_records) and is_paired(b_records)
    found = list(estimator_agreement(a_records, b_records).items())
    if paired:
        found.insert(0, ("paired ratio", agreement(a_records, b_records)))
    return [[name + (" (tables)" if name == ("paired ratio" if paired else ESTIMATOR) else ""), str(f["cells"]),
             f"{f['median']:.1%}", f"{f['p90']:.1%}", f"{f['max']:.1%}", steady_text(f),
             ", ".join(f"{cell} {d:.0%}" for cell, d in f["worst"][:3])]
            for name, f in found if f]


COVERAGE_GOAL = 0.90  # a rerun's ratio should fall inside an interval at least this often


def coverage(a_records: List[Dict], b_records: List[Dict]) -> Optional[Dict]:
    """How often B's ratio to PyTorch lies inside A's interval for it (`run_ratios`), over the step and
    inference cells both have: `share`, with the median interval width (hi/lo - 1) of A's intervals."""
    a, b = run_ratios(a_records), run_ratios(b_records)
    shared = [k for k in a if k in b]
    if not shared:
        return None
    inside = [a[k][1] <= b[k][0] <= a[k][2] for k in shared]
    widths = [a[k][2] / a[k][1] - 1 for k in shared]
    return {"cells": len(shared), "share": float(np.mean(inside)), "width": float(np.median(widths))}


def both_ways(a_records: List[Dict], b_records: List[Dict]) -> Optional[tuple]:
    """(A's intervals holding B's ratios, B's holding A's), each as `coverage` gives it; None where either has none."""
    found = coverage(a_records, b_records), coverage(b_records, a_records)
    return found if all(found) else None


def coverage_text(a_records: List[Dict], b_records: List[Dict], names: tuple = ("A", "B")) -> str:
    """One sentence: how often each run's intervals hold the other run's ratios, against the goal."""
    covers = both_ways(a_records, b_records)
    if not covers:
        return ""
    found = [(covers[0], names[0], names[1]), (covers[1], names[1], names[0])]
    parts = [f"{ny}'s ratio in {nx}'s interval for {f['share']:.0%} of {f['cells']} cells (their median width "
             f"{f['width']:.0%})" for f, nx, ny in found]
    short = min(f["share"] for f, _, _ in found) < COVERAGE_GOAL
    return ("How often a rerun's ratio to PyTorch falls inside the other run's printed 95% interval: "
            + "; ".join(parts) + ". "
            + (f"Below the {COVERAGE_GOAL:.0%} a reader may expect: the printed 95% intervals are narrower than what "
               "a rerun does, so take them as a lower bound on the uncertainty." if short else
               f"Both at or above {COVERAGE_GOAL:.0%}."))


def sequential_aa(raw: List[Dict]) -> Optional[Dict]:
    """PyTorch against itself under the sequential method: its cells' worker processes split in two halves in
    launch order (processes 0..k-1 and k..2k-1), each half's fastest sample, and the first's over the
    second's. Over the cells: the geometric mean (the bias) and the median and 90th percentile of |ratio - 1|."""
    cells = final_processes([r for r in raw if r["framework"] == BASELINE])
    ratios = []
    for processes in cells.values():
        mins = [min(p["samples_ms"]) for p in sorted(processes, key=lambda p: p["process"]) if p.get("samples_ms")]
        half = len(mins) // 2
        if half:
            ratios.append(min(mins[:half]) / min(mins[half:2 * half]))
    if not ratios:
        return None
    moved = np.abs(np.array(ratios) - 1)
    return {"cells": len(ratios), "bias": geomean(ratios), "median": float(np.median(moved)),
            "p90": float(np.quantile(moved, 0.9))}


def paired_aa(records: List[Dict]) -> Optional[Dict]:
    """PyTorch against itself in a paired run (its own cells against the baseline worker): the geometric
    mean of the A/A ratios (the bias), the median and 90th percentile of |ratio - 1|, and the share of their
    intervals that contain 1."""
    found = [r for r in records if r["framework"] == BASELINE and r.get("paired_ratio") is not None
             and r["mode"] == default_mode(BASELINE) and r.get("tuning", "default") == "default"]  # compiled: not A/A
    if not found:
        return None
    ratios = np.array([r["paired_ratio"] for r in found])
    moved = np.abs(ratios - 1)
    return {"cells": len(found), "bias": geomean(list(ratios)), "median": float(np.median(moved)),
            "p90": float(np.quantile(moved, 0.9)),
            "holds_one": float(np.mean([r["paired_ci"][0] <= 1 <= r["paired_ci"][1] for r in found]))}


def aa_text(records: List[Dict], raw: Optional[List[Dict]]) -> str:
    """One sentence: how far PyTorch measured against itself lies from 1.00 in this run ('' without it)."""
    found = paired_aa(records)
    if found:
        return (f"A/A test (PyTorch against a second PyTorch worker, paired): {found['bias']:.3f}× over "
                f"{found['cells']} cells (geometric mean), |A/A − 1| {found['median']:.1%} / {found['p90']:.1%} "
                f"(median / 90th percentile); {found['holds_one']:.0%} of their intervals contain 1.00.")
    found = sequential_aa(raw or [])
    if found:
        return (f"A/A test (PyTorch's processes of each cell, first half against second half, sequential): "
                f"{found['bias']:.3f}× over {found['cells']} cells (geometric mean), |A/A − 1| {found['median']:.1%} "
                f"/ {found['p90']:.1%} (median / 90th percentile).")
    return ""
