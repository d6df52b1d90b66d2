"""The scoreboard: one row per framework, every figure relative to PyTorch where it can be.

Per model: the training step's and the batch-64 inference's time over PyTorch's, each framework as
shipped (benchmarks/analysis/views.py); then the costs beyond the step (first step, import, memory, code,
install) and the geometric means last. Every cell carries the number it is coloured by (its
ratio to PyTorch's same figure), so the HTML heat map and the tests read one source.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from benchmarks.analysis import views
from benchmarks.frameworks import default_mode
from benchmarks.core.document import Cell, Paragraph, Section, Table, ratio_cell
from benchmarks.core.plan import BASELINE, TASKS

TASKS_SHOWN = ("train", "infer_b1", "infer_b64")  # per model: the step, batch-1 latency, batch-64 throughput
VIEW = "as shipped"
SUMMARY = ["Geomean all tasks", "Geomean train", "Geomean infer b1", "Geomean infer b64", "Best view, all tasks"]
TEXT = ("Time relative to PyTorch as shipped (below 1.00× is faster), each framework as it ships: the mode its own "
        "getting-started guide trains in, no tuning (the mode column). Ranked by the geometric mean over every "
        "model and task; `=k` marks a framework whose interval overlaps that of rank k (the run cannot tell the "
        "two apart). Ratios of each cell's headline time (docs/method.md: the minimum) in this run, with conservative "
        "95% intervals. *Best view*: each framework at its fastest mode and tuning per model and task, against "
        "PyTorch at its best. The last row gives PyTorch's own times, for scale. First steps: the first training "
        "call of every model summed (tracing, compilation). Import: median seconds to import the framework. Peak "
        "RSS: the largest worker memory. LOC: code lines over the model files. Install: environment size on disk. "
        "Colours: green faster than PyTorch, red slower (log scale, full at 8×).")

PAIRED_TEXT = ("Ratios from paired trials (docs/method.md, *Paired trials*): each call timed in short trials next to "
               "PyTorch's same call, round after round; the interval is where a rerun's ratio falls 95% of the time. "
               "PyTorch's own row is its A/A test: a second PyTorch worker against the baseline's.")


def text_for(records: List[Dict]) -> str:
    """The scoreboard's legend; a paired run's ratios and intervals are described as what they are."""
    if not any(r.get("paired_ratio") is not None for r in records):
        return TEXT
    return TEXT.replace("Ratios of each cell's headline time (docs/method.md: the minimum) in this run, with conservative "
                        "95% intervals.", PAIRED_TEXT)


Entry = Cell  # a scoreboard cell: text, the ratio it is coloured by, its interval


def _figure(value: Optional[float], base: Optional[float], fmt: str) -> Entry:
    if value is None:
        return Entry("–")
    return Entry(format(value, fmt), value / base if base else None)


def task_label(task: str) -> str:
    return "train" if task == "train" else f"infer b{TASKS[task].batch}"


def models_of(records: List[Dict]) -> List[str]:
    return sorted({r["model"] for r in records if r["task"] in TASKS_SHOWN})


def header(records: List[Dict]) -> List[str]:
    per_model = [f"{m} {task_label(t)}" for m in models_of(records) for t in TASKS_SHOWN]
    from benchmarks.analysis.scaling import sweep_records

    sweep = ["Overhead µs/step (size sweep)", "GFLOP/s (size sweep)"] if sweep_records(records) else []
    return (["#", "Framework", "Mode"] + SUMMARY + per_model
            + ["First steps s (train, all models)", "Import s", "Peak RSS MB", "LOC", "Install MB"] + sweep)


def _sweep_entries(records: List[Dict], fw: str, mode: str) -> List[Entry]:
    """The size sweep's fitted overhead and throughput of this framework as shipped, coloured against
    PyTorch's (for throughput, higher is better: the colour ratio is PyTorch's over this one's)."""
    from benchmarks.analysis.scaling import fits, sweep_records

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


def _summary(shipped: List[Dict], best: List[Dict]) -> List[Optional[tuple]]:
    return ([views.geomean_of(shipped, task) for task in (None,) + TASKS_SHOWN]
            + [views.geomean_of(best, None)])


def _ranks(summaries: List[Optional[tuple]]) -> List[str]:
    """Rank labels in the given (sorted) order: '=k' where a row's interval overlaps that of rank k's row,
    the first of its group (the run cannot tell the two apart)."""
    labels, leader = [], None
    for i, g in enumerate(summaries):
        if g is None:
            labels.append("")
        elif leader is not None and g[1] <= leader[1][2]:
            labels.append(f"={leader[0]}")
        else:
            leader = (i + 1, g)
            labels.append(str(i + 1))
    return labels


def rows(records: List[Dict], meta: Dict, threads: int) -> List[List[Entry]]:
    """One row of Entries per framework that has timed records at this thread setting, fastest first,
    then a row of PyTorch's own milliseconds."""
    from benchmarks.frameworks import all_frameworks

    shipped = views.ratios(records, VIEW, threads)
    best = views.ratios(records, "best", threads)
    models = models_of(records)
    base = _costs(records, BASELINE, threads, meta)
    found = []
    for key, framework in all_frameworks().items():
        if key not in shipped:
            continue
        entries = {(e["model"], e["task"]): e for e in shipped[key]}
        summary = _summary(shipped[key], best.get(key, []))
        row = [Entry(framework.display), Entry(framework.default_mode)]
        row += [Entry("–") if g is None else ratio_cell(*g) for g in summary]
        for model in models:
            for task in TASKS_SHOWN:
                e = entries.get((model, task))
                row.append(Entry("–") if e is None else ratio_cell(e["ratio"], *e["ci"]))
        costs = _costs(records, key, threads, meta)
        row += [_figure(costs["first"], base["first"], ".3g"), _figure(costs["import"], base["import"], ".2g"),
                _figure(costs["rss"], base["rss"], ".0f"), _figure(costs["loc"], base["loc"], "d"),
                _figure(costs["install"], base["install"], ".0f")] + _sweep_entries(records, key, framework.default_mode)
        found.append((summary[0], row))
    found.sort(key=lambda item: (item[0] is None, item[0][0] if item[0] else 0))
    out = [[Entry(rank)] + row for rank, (_, row) in zip(_ranks([g for g, _ in found]), found)]
    return out + ([_baseline_times(records, threads, models, len(out[0]))] if out else [])


def _baseline_times(records: List[Dict], threads: int, models: List[str], width: int) -> List[Entry]:
    """PyTorch's own headline times as shipped, in the per-model columns."""
    picked = views.chosen(records, VIEW, threads)
    row = [Entry(""), Entry("PyTorch, ms"), Entry(default_mode(BASELINE))] + [Entry("")] * len(SUMMARY)
    for model in models:
        for task in TASKS_SHOWN:
            r = picked.get((BASELINE, model, task))
            row.append(Entry(f"{r['time_ms']:.3g} ms") if r else Entry("–"))
    return row + [Entry("")] * (width - len(row))


def fastest_grid(records: List[Dict], threads: int) -> Table:
    """Who is fastest at each model and task, as shipped: the fastest framework with its time relative to
    PyTorch, and the runner-up when the run cannot tell them apart (intervals overlap)."""
    from benchmarks.frameworks import framework_display

    shipped = views.ratios(records, VIEW, threads)
    cells: Dict[tuple, List[Dict]] = {}
    for fw, entries in shipped.items():
        for e in entries:
            cells.setdefault((e["model"], e["task"]), []).append(dict(e, framework=fw))
    rows = []
    for model in models_of(records):
        row = [model]
        for task in TASKS_SHOWN:
            ranked = sorted(cells.get((model, task), []), key=lambda e: e["ratio"])
            if not ranked:
                row.append("–")
                continue
            first = ranked[0]
            text = f"{framework_display(first['framework'])} {first['ratio']:.2f}×"
            ties = [e for e in ranked[1:] if e["ci"][0] <= first["ci"][1]]
            if ties:
                text += " (level with " + ", ".join(framework_display(e["framework"]) for e in ties) + ")"
            row.append(text)
        rows.append(row)
    return Table(["Model"] + [task_label(t) for t in TASKS_SHOWN], rows)


def markdown_rows(rows_: List[List[Entry]]) -> List[List[str]]:
    return [[str(e) for e in row] for row in rows_]


def section(records: List[Dict], meta: Dict, verdicts: List[Dict], threads: int) -> Section:
    """One thread setting's answer: the lead paragraph, the scoreboard and who is fastest where."""
    t = f"{threads} thread{'s' if threads > 1 else ''}"
    return Section(f"Scoreboard, {t}", [
        Paragraph(lead_paragraph(records, verdicts, threads), lead=True), Paragraph(text_for(records)),
        Table(header(records), rows(records, meta, threads), heat=True, css="results scoreboard"),
        Paragraph(f"Fastest at each model and task, {t}, as shipped (time relative to PyTorch; *level with*: "
                  "the intervals overlap, so the run cannot say which is faster):"),
        fastest_grid(records, threads)], anchor=f"scoreboard-t{threads}")


def lead_paragraph(records: List[Dict], verdicts: List[Dict], threads: int) -> str:
    """The answer in one paragraph, from the run: who is fast as shipped and at best, and the verdicts."""
    from benchmarks.frameworks import all_frameworks

    names = {k: a.display for k, a in all_frameworks().items()}

    def ranking(view: str, task: Optional[str]) -> str:
        scores = {fw: views.geomean_of(e, task) for fw, e in views.ratios(records, view, threads).items()}
        ranked = sorted((g[0], fw) for fw, g in scores.items() if g)
        return ", ".join(f"{names.get(fw, fw)} {g:.2f}×" for g, fw in ranked)

    at = f"At {threads} thread{'s' if threads > 1 else ''}"
    if not ranking(VIEW, None) and not ranking("best", None):
        text = f"{at}, no framework has a ratio to PyTorch: the run has no PyTorch cell to divide by (add `-f torch`)."
    else:
        text = (f"{at}, each framework as it ships (the mode its own getting-started guide trains in, no tuning), "
                f"a training step takes, relative to PyTorch and as a geometric mean over the models: "
                f"{ranking(VIEW, 'train') or 'no training step'}. Over every step and inference task: "
                f"{ranking(VIEW, None)}. Each at its best (fastest mode and tuning per model and task): "
                f"{ranking('best', None)}.")
    if verdicts:
        text += " The published claims: " + "; ".join(f"{c['id']} {c['verdict']}" for c in verdicts) + "."
    return text



def _geomeans(records: List[Dict], view: str, threads: int) -> List[tuple]:
    """(geomean over every task, framework), fastest first."""
    scores = {fw: views.geomean_of(e) for fw, e in views.ratios(records, view, threads).items()}
    return sorted((g[0], fw) for fw, g in scores.items() if g)


def headline(records: List[Dict], verdicts: List[Dict]) -> str:
    """The answer in a few plain sentences: who is fastest as shipped, how far behind the others are, what
    tuning changes, and the claims' verdicts."""
    from benchmarks.frameworks import framework_display as name

    settings = views.thread_settings(records)
    if not settings:
        return "No timed step or inference cell in this run."
    fastest = {t: _geomeans(records, VIEW, t)[0][1] for t in settings if _geomeans(records, VIEW, t)}
    leaders = sorted(set(fastest.values()))
    where = " and ".join(f"{t} thread{'s' if t > 1 else ''}" for t in settings)
    first = (f"As each framework ships, {name(leaders[0])} runs these models fastest at {where}, as a geometric mean "
             f"over every model and task." if len(leaders) == 1 else
             "As each framework ships, the fastest over every model and task is "
             + " and ".join(f"{name(fw)} at {t} thread{'s' if t > 1 else ''}" for t, fw in fastest.items()) + ".")
    t = settings[0]
    shipped = _geomeans(records, VIEW, t)
    best = {fw: g for g, fw in _geomeans(records, "best", t)}
    text = (f"{first} At {t} thread{'s' if t > 1 else ''} the others take, relative to PyTorch (lower is faster): "
            + ", ".join(f"{name(fw)} {g:.2f}×" for g, fw in shipped if fw != BASELINE) + ".")
    tuned = [(fw, g, best[fw]) for g, fw in shipped if fw in best and g / best[fw] >= 1.5]
    if tuned:
        text += (" At their best (fastest mode and tuning, against PyTorch at its best) "
                 + ", ".join(f"{name(fw)} comes to {b:.2f}× (from {g:.2f}×)" for fw, g, b in tuned) + ".")
    if verdicts:
        text += " The published claims: " + "; ".join(f"{c['id']} {c['verdict']}" for c in verdicts) + "."
    return text
