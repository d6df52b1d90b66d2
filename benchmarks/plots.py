"""PNG plots from records alone (matplotlib, no display)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from benchmarks import records as rec
from benchmarks.adapters import all_adapters
from benchmarks.plan import BASELINE, baseline_mode
from benchmarks.views import default_mode

MODES = ("eager", "compiled", "xla")
COLORS = {"eager": "#4C72B0", "compiled": "#DD8452", "xla": "#55A868"}


def _footer(fig, meta: Dict) -> None:
    fig.text(0.01, 0.01, f"{meta.get('cpu_model', '?')}, {meta.get('cores', '?')} cores · {meta.get('date', '?')[:10]}"
             f" · fwbench {str(meta.get('git_commit', ''))[:8]}", fontsize=7, color="#555")


def _frameworks(records: List[Dict]) -> List[str]:
    present = {r["framework"] for r in records}
    return [k for k in all_adapters() if k in present]


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
    names = {k: a.display for k, a in all_adapters().items()}
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
    for model in sorted({r["model"] for r in ok}):
        for threads in sorted({r["threads"] for r in ok}):
            chosen = [r for r in ok if r["model"] == model and r["threads"] == threads and r["task"] == "train"]
            if not chosen:
                continue
            base = {m: cells.get((BASELINE, model, baseline_mode(m), threads, "train")) for m in MODES}

            def speed(r):
                b = base.get(r["mode"])
                return b["time_ms"] / r["time_ms"] if b and b.get("time_ms") else None

            def speed_ci(r):
                b = base[r["mode"]]
                return (b["time_ci95_ms"][0] / r["time_ci95_ms"][1], b["time_ci95_ms"][1] / r["time_ci95_ms"][0])

            fig, ax = plt.subplots(figsize=(9, 4.5))
            _grouped_bars(ax, chosen, _frameworks(chosen), speed, speed_ci)
            ax.set_yscale("log")
            ax.axhline(1.0, color="black", lw=0.8)
            ax.set_ylabel("speed relative to PyTorch (same mode; >1 is faster)")
            ax.set_title(f"{model}: training step speed vs PyTorch, {threads} thread(s), 95% CI whiskers")
            paths.append(_save(fig, out_dir / f"speed_{model}_t{threads}.png", meta))

    paths += accuracy_plots(records, meta, out_dir) + scaling_plots(records, meta, out_dir)
    ok = [r for r in ok if r["task"] != "tta"]
    t1 = [r for r in ok if r["threads"] == min(x["threads"] for x in ok)] if ok else []
    train = [r for r in t1 if r["task"] == "train"]
    for name, value, label, log in (
        ("first_step", lambda r: r.get("first_step_ms"), "first training step (ms, log scale)", True),
        ("peak_fraction", lambda r: 100 * r["peak_fraction"] if r.get("peak_fraction") else None,
         "% of numpy sgemm peak (training step)", False),
    ):
        for model in sorted({r["model"] for r in train}):
            chosen = [r for r in train if r["model"] == model]
            fig, ax = plt.subplots(figsize=(9, 4.5))
            _grouped_bars(ax, chosen, _frameworks(chosen), value)
            if log:
                ax.set_yscale("log")
            ax.set_ylabel(label)
            threads = chosen[0]["threads"]
            ax.set_title(f"{model}: {label.split(' (')[0]}, {threads} thread{'s' if threads > 1 else ''}")
            paths.append(_save(fig, out_dir / f"{name}_{model}.png", meta))

    for name, key, label in (("memory", "peak_rss_mb", "peak RSS of the worker (MB)"), ("loc", "loc", "lines of code")):
        frameworks = _frameworks(ok)
        models = sorted({r["model"] for r in ok})
        fig, ax = plt.subplots(figsize=(9, 4.5))
        import numpy as np

        width = 0.8 / max(len(models), 1)
        for i, model in enumerate(models):
            vals = [max((r.get(key) or 0 for r in ok if r["framework"] == fw and r["model"] == model), default=0)
                    or np.nan for fw in frameworks]
            ax.bar(np.arange(len(frameworks)) + (i - (len(models) - 1) / 2) * width, vals, width, label=model)
        names = {k: a.display for k, a in all_adapters().items()}
        ax.set_xticks(np.arange(len(frameworks)), [names[f] for f in frameworks], rotation=30, ha="right")
        ax.set_ylabel(label)
        ax.set_title(f"{label.capitalize()} per framework and model")
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        paths.append(_save(fig, out_dir / f"{name}.png", meta))
    return paths


def accuracy_plots(records: List[Dict], meta: Dict, out_dir: Path) -> List[Path]:
    """Test accuracy against training seconds, one line per framework as shipped (its default mode, no
    tuning; fewest threads)."""
    import matplotlib.pyplot as plt

    tta = [r for r in records if r["task"] == "tta" and r.get("accuracy_curve")]
    paths = []
    names = {k: a.display for k, a in all_adapters().items()}
    for model in sorted({r["model"] for r in tta}):
        chosen = [r for r in tta if r["model"] == model and r["mode"] == default_mode(r["framework"])
                  and r.get("tuning", "default") == "default"]
        chosen = [r for r in chosen if r["threads"] == min(x["threads"] for x in chosen)]
        if not chosen:
            continue
        fig, ax = plt.subplots(figsize=(9, 4.5))
        for r in sorted(chosen, key=lambda r: list(all_adapters()).index(r["framework"])):
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

    from benchmarks import scaling
    from benchmarks.plan import TASKS

    points = [r for r in scaling.sweep_records(records) if TASKS[r["task"]].kind == "train"]
    if not points:
        return []
    fitted = scaling.fits(records, "train")
    names = {k: a.display for k, a in all_adapters().items()}
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
