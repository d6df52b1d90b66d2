"""Tables from records alone: the terminal table and summary.md."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

from benchmarks import REPO_ROOT
from benchmarks import records as rec
from benchmarks.adapters import all_adapters

COLUMNS = ("Framework", "Version", "Model", "Task", "Mode", "Thr", "Median ms [95% CI]",
           "Time vs PyTorch", "First step ms", "Parity fwd / loss", "Status", "LOC")


def _fmt(value: Optional[float], digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def baseline_mode(mode: str) -> str:
    """PyTorch's counterpart of a mode: XLA compares with torch.compile."""
    return "compiled" if mode == "xla" else mode


def baseline_ratio(record: Dict, by_cell: Dict[tuple, Dict]) -> Optional[float]:
    """This cell's median over PyTorch's median for the same model, task, mode and threads."""
    base = by_cell.get(("torch", record["model"], baseline_mode(record["mode"]), record["threads"], record["task"]))
    if not base or not base.get("median_ms") or not record.get("median_ms"):
        return None
    return record["median_ms"] / base["median_ms"]


def sort_key(record: Dict) -> tuple:
    order = list(all_adapters())
    fw = order.index(record["framework"]) if record["framework"] in order else len(order)
    return (record["model"], record["task"], record["mode"], record["threads"], fw)


def median_text(r: Dict) -> str:
    if r.get("median_ms") is None:
        return f"{r['status']}: {r.get('reason', '')}"[:60]
    lo, hi = r["ci95_ms"]
    text = f"{r['median_ms']:.3g} [{lo:.3g}, {hi:.3g}]" + (" noisy" if r.get("noisy") else "")
    if r.get("threads_verified") is False:
        text += f" ⚠ cpu×{r['cpu_wall_ratio']:.1f}"
    return text


def table_rows(records: List[Dict]) -> List[List[str]]:
    """Every cell, one row each (the long table)."""
    cells = rec.by_cell(records)
    names = {k: a.display for k, a in all_adapters().items()}
    rows = []
    for r in sorted(records, key=sort_key):
        ratio = baseline_ratio(r, cells)
        parity = "–" if r.get("parity_forward_max_abs") is None else (
            f"{r['parity_forward_max_abs']:.1e} / {r['parity_loss_max_rel']:.1e}")
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {r.get('reason', '')}"[:80]
        rows.append([names.get(r["framework"], r["framework"]), str(r.get("framework_version") or "–"),
                     r["model"], r["task"], r["mode"], str(r["threads"]), median_text(r) if r.get("median_ms") else "–",
                     "–" if ratio is None else f"{ratio:.2f}×", _fmt(r.get("first_step_ms")), parity,
                     status, str(r.get("loc", "–"))])
    return rows


def pivot_groups(records: List[Dict]) -> List[tuple]:
    """(model, task, threads) groups in reading order: train first, 1 thread first."""
    task_order = {"train": 0, "infer_b1": 1, "infer_b64": 2}
    keys = {(r["model"], r["task"], r["threads"]) for r in records}
    return sorted(keys, key=lambda k: (k[0], task_order.get(k[1], 9), k[2]))


def pivot(records: List[Dict], model: str, task: str, threads: int, compact: bool = False) -> tuple:
    """Header and rows: one row per framework, one column per mode, ratios against PyTorch."""
    chosen = [r for r in records if (r["model"], r["task"], r["threads"]) == (model, task, threads)]
    cells = rec.by_cell(records)
    modes = [m for m in ("eager", "compiled", "xla") if any(r["mode"] == m for r in chosen)]
    header = (["Framework", "Version"] + [f"{m} ms [95% CI]" for m in modes]
              + ([] if compact else [f"{m} vs PyTorch" for m in modes])
              + ["First step ms (" + " / ".join(modes) + ")", "Peak RSS MB", "LOC"])
    rows = []
    for key, adapter in all_adapters().items():
        mine = {r["mode"]: r for r in chosen if r["framework"] == key}
        if not mine:
            continue
        any_r = next(iter(mine.values()))
        ratios = [baseline_ratio(mine[m], cells) if m in mine else None for m in modes]
        rss = [r["peak_rss_mb"] for r in mine.values() if r.get("peak_rss_mb")]
        ratio_texts = ["–" if x is None else f"{x:.2f}×" for x in ratios]
        medians = [median_text(mine[m]) if m in mine else "n/a" for m in modes]
        if compact:
            medians = [f"{m} {r}" if m != "n/a" else m for m, r in zip(medians, ratio_texts)]
        rows.append([adapter.display, str(any_r.get("framework_version") or "–")] + medians
                    + ([] if compact else ratio_texts)
                    + [" / ".join(_fmt(mine[m].get("first_step_ms")) if m in mine else "n/a" for m in modes),
                       _fmt(max(rss)) if rss else "–", str(any_r.get("loc", "–"))])
    return header, rows


def code_friction_table(records: List[Dict], meta: Dict) -> tuple:
    """Per framework: code metrics summed over models, and its environment's install friction."""
    header = ["Framework", "LOC", "Tokens", "API calls", "Similarity to PyTorch", "Env MB", "Install s",
              "Newest release", "Wheels (newest)", "Extra install steps"]
    rows = []
    for key, adapter in all_adapters().items():
        mine = {r["model"]: r for r in records if r["framework"] == key}
        if not mine:
            continue
        env = (meta.get("environments") or {}).get(key) or {}
        reg = env.get("registry") or {}
        total = lambda k: sum(r.get(k) or 0 for r in mine.values())  # noqa: E731
        sims = [r["similarity_to_pytorch"] for r in mine.values() if r.get("similarity_to_pytorch") is not None]
        size = (env.get("size_mb") or 0) + (env.get("cache_mb") or 0)
        rows.append([adapter.display, str(total("loc")), str(total("tokens")), str(total("api_calls")),
                     f"{sum(sims) / len(sims):.2f}" if sims else "–", f"{size:.0f}" if size else "–",
                     _fmt(env.get("install_s")),
                     f"{reg.get('newest_release', '?')} ({reg.get('newest_release_date', '?')})" if reg else "–",
                     ", ".join(reg.get("wheels_newest_release") or []) or ("source only" if reg else "–"),
                     "; ".join(env.get("install_notes") or []) or "none"])
    return header, rows


def tta_table(records: List[Dict]) -> tuple:
    header = ["Framework", "Model", "Mode", "Threads", "Seconds to target [95% CI]", "Epochs", "Final accuracy",
              "Curve vs reference (max abs)", "Status"]
    rows = []
    for r in sorted((r for r in records if r["task"] == "tta"), key=sort_key):
        ci = r.get("ci95_ms")
        seconds = "–" if not r.get("median_ms") else f"{r['median_ms'] / 1000:.3g} [{ci[0] / 1000:.3g}, {ci[1] / 1000:.3g}]"
        rows.append([all_adapters()[r["framework"]].display if r["framework"] in all_adapters() else r["framework"],
                     r["model"], r["mode"], str(r["threads"]), seconds, str(r.get("epochs_to_target") or "–"),
                     _fmt(r.get("final_accuracy")), _fmt(r.get("parity_accuracy_max_abs")),
                     r["status"] if r["status"] == "ok" else f"{r['status']}: {r.get('reason', '')}"])
    return header, rows


def pivot_title(model: str, task: str, threads: int) -> str:
    what = {"train": "training step", "infer_b1": "inference latency (batch 1)",
            "infer_b64": "inference (batch 64)",
            "tta": "time to target test accuracy on scikit-learn digits (training ms)"}.get(task, task)
    return f"{model}: {what}, {threads} thread{'s' if threads > 1 else ''}"


def print_table(records: List[Dict], console) -> None:
    """The per-task pivots, as rich tables."""
    from rich.table import Table

    for model, task, threads in pivot_groups(records):
        header, rows = pivot(records, model, task, threads, compact=True)
        table = Table(title=pivot_title(model, task, threads) + " — ms, lower is better; × = vs PyTorch")
        for name in header:
            table.add_column(name, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)


def print_claims(records: List[Dict], meta: Dict, console) -> None:
    from benchmarks import claims

    for c in claims.evaluate(records, meta):
        color = {"supported": "green", "refuted": "red", "mixed": "yellow"}.get(c["verdict"], "white")
        console.print(f"[bold]{c['id']}[/] {c['claim']} → [{color}]{c['verdict']}[/]")
        for line in c["evidence"]:
            console.print(f"    {line}", highlight=False)


def markdown(header: List[str], rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_table(records: List[Dict]) -> str:
    return markdown(list(COLUMNS), table_rows(records))


def modes_table() -> str:
    rows = [[a.display, "; ".join(f"**{m}**: {what}" for m, what in a.modes.items())] for a in all_adapters().values()]
    return markdown(["Framework", "Modes"], rows)


def summary_markdown(records: List[Dict], meta: Dict, full: bool = True) -> str:
    """The run as Markdown: context, one pivot per model × task × threads, and (full) every cell."""
    tols = sorted({(r.get("forward_tol"), r.get("loss_tol")) for r in records if r.get("forward_tol")})
    tol_text = "; ".join(f"forward ≤ {f:g}, loss ≤ {l:g}" for f, l in tols) or "see the model specs"
    peaks = ", ".join(f"{float(v):.0f} GFLOP/s at {k} thread(s)" for k, v in meta.get("peak_gflops", {}).items())
    bad = [r for r in records if r["status"] != "ok"]
    parts = [
        f"Run of {meta.get('date', '?')} on {meta.get('cpu_model', '?')} ({meta.get('cpu_vendor', '?')}, "
        f"{meta.get('cores', '?')} cores), {meta.get('os', '?')}; commit `{str(meta.get('git_commit', '?'))[:12]}`; "
        f"profile `{meta.get('profile', '?')}` ({meta.get('plan', {}).get('profile', {}).get('processes', '?')} "
        f"processes per cell); wall time {meta.get('wall_s', '?')} s; load average before/after "
        f"{_load(meta.get('loadavg_before'))} / {_load(meta.get('loadavg_after'))}; numpy sgemm peak {peaks or '?'}.",
        "",
        "Median time per call in ms with its 95% confidence interval (bootstrap over processes and samples). "
        "*vs PyTorch* is the ratio of medians in this run against PyTorch in the same mode (XLA against "
        "torch.compile): below 1.00× is faster. `noisy` marks a coefficient of variation ≥ 10%; "
        "`⚠ cpu×N` marks a worker that used more cores than its thread setting. Train = forward + backward + "
        "SGD update with the loss read back. "
        f"Every timed cell passed the parity gate ({tol_text}). LOC = code lines of the model file (pygount).",
        "",
        f"{len(records) - len(bad)} of {len(records)} cells ok" + (
            "; not ok: " + "; ".join(f"{r['framework']}/{r['model']}/{r['mode']}/t{r['threads']}/{r['task']}: "
                                     f"{r['status']}" for r in bad[:20]) if bad else "") + ".",
        "",
    ]
    for model, task, threads in pivot_groups(records):
        header, rows = pivot(records, model, task, threads)
        parts += [f"### {pivot_title(model, task, threads)}", "", markdown(header, rows), ""]
    tta_rows = tta_table(records)
    if tta_rows[1]:
        parts += ["### Time to accuracy (digits): epochs and final accuracy", "", markdown(*tta_rows), ""]
    parts += ["### Code metrics and install friction", "", markdown(*code_friction_table(records, meta)), ""]
    from benchmarks import claims

    parts += ["### The published claims", "", claims.markdown(claims.evaluate(records, meta)), ""]
    parts += ["### What each mode is", "", modes_table(), ""]
    if full:
        parts += ["### Every cell", "", markdown_table(records), ""]
    return "\n".join(parts)


def _load(values: Optional[List[float]]) -> str:
    return "?" if not values else " ".join(f"{v:.2f}" for v in values)


def load_run(run_dir: Path) -> tuple:
    records = rec.read(Path(run_dir) / "records.jsonl")
    meta_path = Path(run_dir) / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return records, meta


def write_summary(run_dir: Path) -> List[Dict]:
    records, meta = load_run(run_dir)
    rec.write_atomic(Path(run_dir) / "summary.md", summary_markdown(records, meta))
    return records


README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


def readme_plots(run_dir: Path) -> List[Path]:
    """The plots README shows: training speed of the MLP and ResNet, and the accuracy curves."""
    plots = REPO_ROOT / run_dir / "plots"
    names = ("speed_mlp_t1.png", "speed_resnet_t1.png", "accuracy_lenet5.png")
    return [plots / n for n in names if (plots / n).exists()]


def update_readme(readme: Path, run_dir: Path) -> None:
    """Replace README's results block with the summary of `run_dir` (never edited by hand)."""
    records, meta = load_run(run_dir)
    text = readme.read_text()
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    block = (f"\n<!-- generated by `fwbench report {run_dir.as_posix()} --readme`; do not edit -->\n"
             + summary_markdown(records, meta, full=False)
             + "".join(f"\n![{png.stem}]({png.relative_to(REPO_ROOT).as_posix()})\n" for png in readme_plots(run_dir))
             + f"\nEvery cell, with parity figures: [`{run_dir.as_posix()}/summary.md`]({run_dir.as_posix()}/summary.md).\n")
    rec.write_atomic(readme, text[:start] + block + text[end:])
