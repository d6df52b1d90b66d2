"""The scoreboard: one row per framework, every figure relative to PyTorch where it can be.

Per model: the training step's and the batch-64 inference's time over PyTorch's, each framework as
shipped (benchmarks/views.py); then the costs beyond the step (first step, import, memory, code,
install) and the geometric means last. Every cell carries the number it is coloured by (its
ratio to PyTorch's same figure), so the HTML heat map and the tests read one source.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

from benchmarks import views
from benchmarks.plan import BASELINE, TASKS

TASKS_SHOWN = ("train", "infer_b64")  # per model; batch-1 latency is in the per-task tables
VIEW = "as shipped"
TEXT = ("Time relative to PyTorch (below 1.00× is faster), each framework as it ships: the mode its own "
        "getting-started guide trains in, no tuning (the mode column). Ratios of each cell's headline time (docs/method.md: the minimum) in this run, with "
        "conservative 95% intervals. First steps: the first training call of every model summed (tracing, "
        "compilation). Import: median seconds to import the framework. Peak RSS: the largest worker memory. "
        "LOC: code lines over the model files. Install: environment size on disk. Geometric means last; "
        "*best view*: each framework at its fastest mode and tuning per model and task. Colours: green faster "
        "than PyTorch, red slower (log scale, full at 8×).")


@dataclass
class Entry:
    text: str
    ratio: Optional[float] = None  # this figure over PyTorch's: what the heat map colours
    interval: str = ""  # "[lo, hi]" for ratios

    def __str__(self) -> str:
        return f"{self.text} {self.interval}" if self.interval else self.text


def _ratio_entry(ratio: float, lo: float, hi: float) -> Entry:
    return Entry(f"{ratio:.2f}×", ratio, f"[{lo:.2f}, {hi:.2f}]")


def _figure(value: Optional[float], base: Optional[float], fmt: str) -> Entry:
    if value is None:
        return Entry("–")
    return Entry(format(value, fmt), value / base if base else None)


def models_of(records: List[Dict]) -> List[str]:
    return sorted({r["model"] for r in records if r["task"] in TASKS_SHOWN})


def header(records: List[Dict]) -> List[str]:
    per_model = [f"{m} {'train' if t == 'train' else 'infer b' + str(TASKS[t].batch)}"
                 for m in models_of(records) for t in TASKS_SHOWN]
    from benchmarks.scaling import sweep_records

    sweep = ["Overhead µs/step (size sweep)", "GFLOP/s (size sweep)"] if sweep_records(records) else []
    return (["Framework", "Mode"] + per_model
            + ["First steps s (train, all models)", "Import s", "Peak RSS MB", "LOC", "Install MB"] + sweep
            + ["Geomean train", "Geomean infer b64", "Geomean all tasks", "Best view, all tasks"])


def _sweep_entries(records: List[Dict], fw: str, mode: str) -> List[Entry]:
    """The size sweep's fitted overhead and throughput of this framework as shipped, coloured against
    PyTorch's (for throughput, higher is better: the colour ratio is PyTorch's over this one's)."""
    from benchmarks.scaling import fits, sweep_records
    from benchmarks.views import default_mode

    if not sweep_records(records):
        return []
    found = fits(records)
    mine, base = found.get((fw, mode)), found.get((BASELINE, default_mode(BASELINE)))
    if mine is None:
        return [Entry("–"), Entry("–")]
    return [Entry(f"{mine.overhead_us:.3g}", mine.overhead_us / base.overhead_us if base and base.overhead_us else None,
                  f"[{mine.overhead_ci[0]:.3g}, {mine.overhead_ci[1]:.3g}]"),
            Entry(f"{mine.gflops:.3g}", base.gflops / mine.gflops if base else None,
                  f"[{mine.gflops_ci[0]:.3g}, {mine.gflops_ci[1]:.3g}]")]


def _costs(records: List[Dict], fw: str, threads: int, meta: Dict) -> Dict[str, Optional[float]]:
    """First-step seconds summed over models (training, as shipped), median import seconds, peak
    memory, code lines over models, environment size."""
    shipped = [r for r in views.chosen(records, VIEW, threads).values() if r["framework"] == fw]
    mine = [r for r in records if r["framework"] == fw and r["threads"] == threads]
    firsts = [r["first_step_ms"] for r in shipped if r["task"] == "train" and r.get("first_step_ms") is not None]
    imports = sorted(r["import_s"] for r in mine if r.get("import_s") is not None)
    rss = [r["peak_rss_mb"] for r in shipped if r.get("peak_rss_mb")]
    loc = {r["model"]: r["loc"] for r in mine if r.get("loc")}
    env = (meta.get("environments") or {}).get(fw) or {}
    size = (env.get("size_mb") or 0) + (env.get("cache_mb") or 0)
    return {"first": sum(firsts) / 1000 if firsts else None, "import": imports[len(imports) // 2] if imports else None,
            "rss": max(rss) if rss else None, "loc": sum(loc.values()) if loc else None, "install": size or None}


def rows(records: List[Dict], meta: Dict, threads: int) -> List[List[Entry]]:
    """One row of Entries per framework that has timed records at this thread setting."""
    from benchmarks.adapters import all_adapters

    shipped = views.ratios(records, VIEW, threads)
    best = views.ratios(records, "best", threads)
    models = models_of(records)
    base = _costs(records, BASELINE, threads, meta)
    out = []
    for key, adapter in all_adapters().items():
        if key not in shipped:
            continue
        entries = {(e["model"], e["task"]): e for e in shipped[key]}
        row = [Entry(adapter.display), Entry(adapter.default_mode)]
        for model in models:
            for task in TASKS_SHOWN:
                e = entries.get((model, task))
                row.append(Entry("–") if e is None else _ratio_entry(e["ratio"], *e["ci"]))
        costs = _costs(records, key, threads, meta)
        row += [_figure(costs["first"], base["first"], ".3g"), _figure(costs["import"], base["import"], ".2g"),
                _figure(costs["rss"], base["rss"], ".0f"), _figure(costs["loc"], base["loc"], "d"),
                _figure(costs["install"], base["install"], ".0f")] + _sweep_entries(records, key, adapter.default_mode)
        for entries_, task in ((shipped[key], "train"), (shipped[key], "infer_b64"), (shipped[key], None),
                               (best.get(key, []), None)):
            g = views.geomean_of(entries_, task)
            row.append(Entry("–") if g is None else _ratio_entry(*g))
        out.append(row)
    return out


def markdown_rows(rows_: List[List[Entry]]) -> List[List[str]]:
    return [[str(e) for e in row] for row in rows_]


def lead_paragraph(records: List[Dict], verdicts: List[Dict], threads: int) -> str:
    """The answer in one paragraph, from the run: who is fast as shipped and at best, and the verdicts."""
    from benchmarks.adapters import all_adapters

    names = {k: a.display for k, a in all_adapters().items()}

    def ranking(view: str, task: Optional[str]) -> str:
        scores = {fw: views.geomean_of(e, task) for fw, e in views.ratios(records, view, threads).items()}
        ranked = sorted((g[0], fw) for fw, g in scores.items() if g)
        return ", ".join(f"{names.get(fw, fw)} {g:.2f}×" for g, fw in ranked)

    text = (f"At {threads} thread{'s' if threads > 1 else ''}, each framework as it ships (the mode its own "
            f"getting-started guide trains in, no tuning), a training step takes, relative to PyTorch and as a "
            f"geometric mean over the models: {ranking(VIEW, 'train')}. Over every step and inference task: "
            f"{ranking(VIEW, None)}. Each at its best (fastest mode and tuning per model and task): "
            f"{ranking('best', None)}.")
    if verdicts:
        text += " The published claims: " + "; ".join(f"{c['id']} {c['verdict']}" for c in verdicts) + "."
    return text

