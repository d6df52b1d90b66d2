"""PNG plots from records alone (matplotlib, no display)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from benchmarks.core import records as rec
from benchmarks.analysis import views
from benchmarks.frameworks import all_frameworks
from benchmarks.core.plan import BASELINE
from benchmarks.frameworks import default_mode
from benchmarks.analysis.views import thread_settings

MODES = ("eager", "compiled", "xla")
MODEL_NAMES = {"mlp": "MLP", "lenet5": "LeNet-5", "resnet": "ResNet", "lstm": "LSTM", "transformer": "Transformer"}


def _threads(threads: int) -> str:
    return f"{threads} thread{'s' if threads > 1 else ''}"


def _times_axis(ax, axis: str) -> None:
    """A log axis of ratios, its ticks read as 0.5×, 1×, 2×, 10×, with the 1× line drawn."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    getattr(ax, f"set_{axis}scale")("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    target.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    (ax.axhline if axis == "y" else ax.axvline)(1.0, color="black", lw=0.8)
COLORS = {"eager": "#4C72B0", "compiled": "#DD8452", "xla": "#55A868"}


def _footer(fig, meta: Dict) -> None:
    fig.text(0.01, 0.01, f"{meta.get('cpu_model', '?')}, {meta.get('cores', '?')} cores · {meta.get('date', '?')[:10]}"
             f" · fwbench {str(meta.get('git_commit', ''))[:8]}", fontsize=7, color="#555")


def _frameworks(records: List[Dict]) -> List[str]:
    present = {r["framework"] for r in records}
    return [k for k in all_frameworks() if k in present]


def _grouped_bars(ax, records, frameworks, value, errors=None):
    """Bars per framework, one per mode, side by side; returns nothing, draws on ax."""
    import numpy as np

    width = 0.8 / len(MODES)
    x = np.arange(len(frameworks))
    for i, mode in enumerate(MODES):
        vals, lo, hi = [], [], []
        for fw in frameworks:
            r = next((r for r in records if r["framework"] == fw and r["mode"] == mode), None)
            v = value(r) if r else None
            vals.append(v if v else np.nan)
            e = errors(r) if (errors and r and v) else (v, v)
            lo.append((v - e[0]) if v else 0)
            hi.append((e[1] - v) if v else 0)
        if all(np.isnan(vals)):
            continue
        ax.bar(x + (i - 1) * width, vals, width, label=mode, color=COLORS[mode],
               yerr=[lo, hi] if errors else None, capsize=2, error_kw={"elinewidth": 0.8})
    names = {k: a.display for k, a in all_frameworks().items()}
    ax.set_xticks(x, [names[f] for f in frameworks], rotation=30, ha="right")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def _save(fig, path: Path, meta: Dict) -> Path:
    _footer(fig, meta)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def make_plots(records: List[Dict], meta: Dict, out_dir: Path) -> List[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    ok = [r for r in records if r.get("time_ms")]
    cells = rec.by_cell(records)
    paths = []
    paths += answer_plots(records, meta, out_dir)
    for model in sorted({r["model"] for r in ok}):
        for threads in sorted({r["threads"] for r in ok}):
            chosen = [r for r in ok if r["model"] == model and r["threads"] == threads and r["task"] == "train"
                      and r.get("tuning", "default") == "default"]
            base = cells.get((BASELINE, model, default_mode(BASELINE), threads, "train"))
            if not chosen or not base:
                continue

            def ratio(r):
                return r["time_ms"] / base["time_ms"]

            def ratio_ci(r):
                return r["time_ci95_ms"][0] / base["time_ci95_ms"][1], r["time_ci95_ms"][1] / base["time_ci95_ms"][0]

            fig, ax = plt.subplots(figsize=(9, 4.5))
            _grouped_bars(ax, chosen, _frameworks(chosen), ratio, ratio_ci)
            _times_axis(ax, "y")
            ax.set_ylabel("time relative to PyTorch as shipped\n(lower is faster)")
            ax.set_title(f"{MODEL_NAMES.get(model, model)}: training step time relative to PyTorch as shipped, "
                         f"{_threads(threads)}, 95% intervals")
            paths.append(_save(fig, out_dir / f"speed_{model}_t{threads}.png", meta))

    paths += accuracy_plots(records, meta, out_dir) + scaling_plots(records, meta, out_dir)
    ok = [r for r in ok if r["task"] != "tta"]
    t1 = [r for r in ok if r["threads"] == min(x["threads"] for x in ok)] if ok else []
    train = [r for r in t1 if r["task"] == "train"]
    for name, value, label, log in (
        ("first_step", lambda r: r.get("first_step_ms"), "First training step (ms, log scale)", True),
        ("peak_fraction", lambda r: 100 * r["peak_fraction"] if r.get("peak_fraction") else None,
         "% of numpy's sgemm peak (training step)", False),
    ):
        for model in sorted({r["model"] for r in train}):
            chosen = [r for r in train if r["model"] == model]
            fig, ax = plt.subplots(figsize=(9, 4.5))
            _grouped_bars(ax, chosen, _frameworks(chosen), value)
            if log:
                ax.set_yscale("log")
            ax.set_ylabel(label)
            threads = chosen[0]["threads"]
            ax.set_title(f"{MODEL_NAMES.get(model, model)}: {label.split(' (')[0]}, {_threads(threads)}")
            paths.append(_save(fig, out_dir / f"{name}_{model}.png", meta))

    for name, key, label in (("memory", "peak_rss_mb", "Peak RSS of the worker, MB"), ("loc", "loc", "Lines of code")):
        frameworks = _frameworks(ok)
        models = sorted({r["model"] for r in ok})
        fig, ax = plt.subplots(figsize=(9, 4.5))
        import numpy as np

        width = 0.8 / max(len(models), 1)
        for i, model in enumerate(models):
            vals = [max((r.get(key) or 0 for r in ok if r["framework"] == fw and r["model"] == model), default=0)
                    or np.nan for fw in frameworks]
            ax.bar(np.arange(len(frameworks)) + (i - (len(models) - 1) / 2) * width, vals, width, label=model)
        names = {k: a.display for k, a in all_frameworks().items()}
        ax.set_xticks(np.arange(len(frameworks)), [names[f] for f in frameworks], rotation=30, ha="right")
        ax.set_ylabel(label)
        ax.set_title(f"{label} per framework and model")
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        paths.append(_save(fig, out_dir / f"{name}.png", meta))
    return paths


def answer_plots(records: List[Dict], meta: Dict, out_dir: Path) -> List[Path]:
    """The answer in one picture per thread setting: each framework's geometric-mean time over every model and
    task relative to PyTorch, as shipped and at its best, with intervals, fastest first."""
    import matplotlib.pyplot as plt
    import numpy as np

    paths = []
    for threads in thread_settings(records):
        scores = {view: {fw: views.geomean_of(e) for fw, e in views.ratios(records, view, threads).items()}
                  for view in views.VIEWS}
        order = sorted(scores["as shipped"], key=lambda fw: scores["as shipped"][fw][0], reverse=True)
        if len(order) < 2:
            continue
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(order) + 1.6))
        y = np.arange(len(order))
        for offset, view, color in ((0.2, "as shipped", "#4C72B0"), (-0.2, "best", "#DD8452")):
            got = [scores[view].get(fw) for fw in order]
            vals = np.array([g[0] if g else np.nan for g in got])
            err = np.array([[g[0] - g[1], g[2] - g[0]] if g else [0, 0] for g in got]).T
            ax.barh(y + offset, vals, 0.38, xerr=err, color=color, capsize=2, label=f"{view} (PyTorch {view} = 1×)",
                    error_kw={"elinewidth": 0.8})
        names = {k: a.display for k, a in all_frameworks().items()}
        ax.set_yticks(y, [names.get(fw, fw) for fw in order])
        _times_axis(ax, "x")
        ax.set_xlabel("time relative to PyTorch, geometric mean over every model and task (lower is faster)")
        ax.set_title(f"Who is fast: {_threads(threads)}, 95% intervals")
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(axis="x", alpha=0.3)
        paths.append(_save(fig, out_dir / f"answer_t{threads}.png", meta))
    return paths


def accuracy_plots(records: List[Dict], meta: Dict, out_dir: Path) -> List[Path]:
    """Test accuracy against training seconds, one line per framework as shipped (its default mode, no
    tuning; fewest threads)."""
    import matplotlib.pyplot as plt

    tta = [r for r in records if r["task"] == "tta" and r.get("accuracy_curve")]
    paths = []
    names = {k: a.display for k, a in all_frameworks().items()}
    for model in sorted({r["model"] for r in tta}):
        chosen = [r for r in tta if r["model"] == model and r["mode"] == default_mode(r["framework"])
                  and r.get("tuning", "default") == "default"]
        chosen = [r for r in chosen if r["threads"] == min(x["threads"] for x in chosen)]
        if not chosen:
            continue
        fig, ax = plt.subplots(figsize=(9, 4.5))
        for r in sorted(chosen, key=lambda r: list(all_frameworks()).index(r["framework"])):
            curve = r["accuracy_curve"]
            ax.plot([p["seconds"] for p in curve], [100 * p["accuracy"] for p in curve], marker="o", ms=3,
                    label=names.get(r["framework"], r["framework"]))
        target = 100 * chosen[0]["target_accuracy"]
        ax.axhline(target, color="black", lw=0.8, ls="--")
        ax.set_xscale("log")
        ax.set_xlabel("training time (s, log scale; evaluation not counted)")
        ax.set_ylabel("test accuracy (%)")
        threads, processes = chosen[0]["threads"], chosen[0].get("processes", 1)
        ax.set_title(f"{model} on scikit-learn digits: accuracy vs training time (target {target:.0f}%, as shipped, "
                     f"{threads} thread{'s' if threads > 1 else ''}, first of {processes} process{'es' if processes > 1 else ''})")
        ax.legend(fontsize=8, ncol=3)
        ax.grid(alpha=0.3)
        paths.append(_save(fig, out_dir / f"accuracy_{model}.png", meta))
    return paths


def scaling_plots(records: List[Dict], meta: Dict, out_dir: Path) -> List[Path]:
    """Per mode kind (as shipped, compiled): training-step time against FLOPs per step, log-log, one
    line per framework with its fitted overhead + FLOPs/throughput model dashed, and the GEMM peak."""
    import matplotlib.pyplot as plt
    import numpy as np

    from benchmarks.analysis import scaling
    from benchmarks.core.plan import TASKS

    points = [r for r in scaling.sweep_records(records) if TASKS[r["task"]].kind == "train"]
    if not points:
        return []
    fitted = scaling.fits(records, "train")
    names = {k: a.display for k, a in all_frameworks().items()}
    peak = (meta.get("peak_gflops") or {}).get(str(points[0]["threads"]))
    span = np.logspace(np.log10(min(r["flops_per_step"] for r in points)),
                       np.log10(max(r["flops_per_step"] for r in points)), 50)
    paths = []
    for kind in ("as shipped", "compiled"):
        chosen = [r for r in points if scaling.mode_kind(r["framework"], r["mode"]) == kind]
        if not chosen:
            continue
        fig, ax = plt.subplots(figsize=(9, 5.5))
        for i, fw in enumerate(_frameworks(chosen)):
            mine = sorted((r for r in chosen if r["framework"] == fw), key=lambda r: r["flops_per_step"])
            color = plt.get_cmap("tab10")(i % 10)
            ax.plot([r["flops_per_step"] for r in mine], [r["time_ms"] for r in mine], "o-", ms=3, lw=1,
                    color=color, label=f"{names.get(fw, fw)} ({mine[0]['mode']})")
            f = fitted.get((fw, mine[0]["mode"]))
            if f:
                ax.plot(span, f.time_ms(span), "--", lw=0.8, color=color)
        if peak:
            ax.plot(span, span / (float(peak) * 1e6), color="black", lw=1.2, label=f"numpy sgemm ({float(peak):.0f} GFLOP/s; a yardstick, not the CPU's limit)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("FLOPs per training step (log)")
        ax.set_ylabel("ms per training step (log)")
        threads = chosen[0]["threads"]
        ax.set_title(f"MLP size sweep, {kind}: step time vs work, {threads} thread{'s' if threads > 1 else ''} "
                     "(dashed: overhead + FLOPs/throughput fit)")
        ax.legend(fontsize=7, ncol=2)
        ax.grid(alpha=0.3, which="both")
        paths.append(_save(fig, out_dir / f"scaling_{kind.replace(' ', '_')}.png", meta))
    return paths
