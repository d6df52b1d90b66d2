"""Tables from records alone: the terminal table and summary.md."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

from benchmarks import records as rec
from benchmarks.adapters import all_adapters

COLUMNS = ("Framework", "Version", "Model", "Task", "Mode", "Thr", "Median ms [95% CI]",
           "Time vs PyTorch", "First step ms", "Parity fwd / loss", "Status", "LOC")


def _fmt(value: Optional[float], digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def baseline_ratio(record: Dict, by_cell: Dict[tuple, Dict]) -> Optional[float]:
    """This cell's median over PyTorch's median for the same model, task, mode and threads."""
    key = ("torch",) + rec.cell_key(record)[1:]
    base = by_cell.get(key) or by_cell.get(("torch", record["model"], "eager", record["threads"], record["task"]))
    if not base or not base.get("median_ms") or not record.get("median_ms"):
        return None
    return record["median_ms"] / base["median_ms"]


def sort_key(record: Dict) -> tuple:
    order = list(all_adapters())
    fw = order.index(record["framework"]) if record["framework"] in order else len(order)
    return (record["model"], record["task"], record["mode"], record["threads"], fw)


def table_rows(records: List[Dict]) -> List[List[str]]:
    cells = rec.by_cell(records)
    names = {k: a.display for k, a in all_adapters().items()}
    rows = []
    for r in sorted(records, key=sort_key):
        median = "–"
        if r.get("median_ms") is not None:
            lo, hi = r["ci95_ms"]
            median = f"{r['median_ms']:.3g} [{lo:.3g}, {hi:.3g}]" + (" noisy" if r.get("noisy") else "")
            if r.get("threads_verified") is False:
                median += f" ⚠ cpu×{r['cpu_wall_ratio']:.1f}"
        ratio = baseline_ratio(r, cells)
        parity = "–" if r.get("parity_forward_max_abs") is None else (
            f"{r['parity_forward_max_abs']:.1e} / {r['parity_loss_max_rel']:.1e}")
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {r.get('reason', '')}"[:80]
        rows.append([names.get(r["framework"], r["framework"]), str(r.get("framework_version") or "–"),
                     r["model"], r["task"], r["mode"], str(r["threads"]), median,
                     "–" if ratio is None else f"{ratio:.2f}×", _fmt(r.get("first_step_ms")), parity,
                     status, str(r.get("loc", "–"))])
    return rows


def print_table(records: List[Dict], console) -> None:
    from rich.table import Table

    table = Table(title="fwbench results (lower time is better; parity = max abs logits diff / max rel loss diff)")
    for name in COLUMNS:
        table.add_column(name, overflow="fold")
    for row in table_rows(records):
        table.add_row(*row, style=None if row[10] == "ok" else "red")
    console.print(table)


def markdown_table(records: List[Dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in table_rows(records):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def summary_markdown(records: List[Dict], meta: Dict) -> str:
    tols = sorted({(r.get("forward_tol"), r.get("loss_tol")) for r in records if r.get("forward_tol")})
    tol_text = "; ".join(f"forward ≤ {f:g}, loss ≤ {l:g}" for f, l in tols) or "see the model specs"
    return "\n".join([
        f"Run of {meta.get('date', '?')} on {meta.get('cpu_model', '?')} ({meta.get('cores', '?')} cores), "
        f"{meta.get('os', '?')}, commit `{meta.get('git_commit', '?')[:12]}`, profile `{meta.get('profile', '?')}`.",
        "",
        "Median time per call in ms with its 95% confidence interval; *time vs PyTorch* is the ratio of "
        "medians in this run (below 1.00× is faster than PyTorch). Train = forward + backward + SGD update "
        "with the loss read back; infer_b1/infer_b64 = a forward pass at batch 1/64 with the logits read back. "
        f"Parity tolerances: {tol_text}. LOC = code lines of the model file (pygount).",
        "",
        markdown_table(records),
        "",
    ])


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


def update_readme(readme: Path, run_dir: Path) -> None:
    """Replace README's results block with the summary of `run_dir` (never edited by hand)."""
    records, meta = load_run(run_dir)
    text = readme.read_text()
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    block = (f"\n<!-- generated by `fwbench report {run_dir.as_posix()} --readme`; do not edit -->\n"
             + summary_markdown(records, meta))
    rec.write_atomic(readme, text[:start] + block + text[end:])
