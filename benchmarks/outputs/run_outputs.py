"""Everything derived from a run's records: summary.md, summary.csv, plots/*.png, report.html."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Dict, List

from benchmarks import REPO_ROOT
from benchmarks.analysis import claims, compare
from benchmarks.core import run_folder, schema
from benchmarks.outputs import html_report, plots, report
from benchmarks.core.records import write_atomic

CSV_COLUMNS = schema.csv_columns()


def summary_csv(records: List[Dict]) -> str:
    out = io.StringIO()
    several = any(r.get("machine") for r in records)
    writer = csv.DictWriter(out, fieldnames=("machine",) * several + CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in sorted(records, key=report.sort_key):
        writer.writerow(schema.csv_row(r))
    return out.getvalue()


def link_root(run_dir: Path) -> str:
    """The path from a run folder to the repository, for links to model files ('../../' for results/<run>)."""
    try:
        return Path(os.path.relpath(REPO_ROOT, Path(run_dir).resolve())).as_posix() + "/"
    except ValueError:  # another drive
        return REPO_ROOT.as_posix() + "/"


def build(run_dir: Path) -> tuple:
    """Write every derived file of `run_dir` from its records and meta alone; returns the records and
    the claims' verdicts (computed once, here, for every output)."""
    from benchmarks.analysis import machines

    from benchmarks.analysis.breakdown import breakdown

    records, meta = run_folder.load_run(run_dir)
    raw = compare.read_raw(run_dir) or []  # derived from raw.jsonl with today's rules:
    meta = dict(meta, time_breakdown_s=breakdown(raw), later_shift=compare.later_shift(raw) if raw else None,
                aa_test=compare.aa_text(records, raw))
    write_atomic(run_dir / "summary.csv", summary_csv(records))
    parts = machines.split(records, meta)
    if len(parts) == 1:
        verdicts = claims.evaluate(records, meta)
        write_atomic(run_dir / "summary.md", report.summary_markdown(records, meta, verdicts, link_root=link_root(run_dir)))
        pngs = plots.make_plots(records, meta, run_dir / "plots")
        html_report.write(run_dir, html_report.render(records, meta, verdicts, pngs))
        return records, verdicts
    by_machine = {label: claims.evaluate(recs, dict(m, release_sweep_run=meta.get("release_sweep_run")))
                  for label, recs, m in parts}
    pngs_by = {label: plots.make_plots(recs, m, run_dir / "plots" / machine_slug(label)) for label, recs, m in parts}
    write_atomic(run_dir / "summary.md", report.machines_markdown(parts, meta, by_machine, link_root(run_dir)))
    html_report.write(run_dir, html_report.render_machines(parts, meta, by_machine, pngs_by))
    return records, [dict(v, id=f"{v['id']} on {label}") for label, vs in by_machine.items() for v in vs]


def machine_slug(label: str) -> str:
    """A folder name for a machine's plots."""
    return "".join(c if c.isalnum() else "-" for c in label).strip("-").lower()
