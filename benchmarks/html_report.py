"""One self-contained HTML page: tables (sortable), plots (embedded), method, run metadata.

No network: images are data URIs, the sort script is inline, every string is escaped.
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Dict, List, Sequence

from benchmarks import report

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1300px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:12px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2;cursor:pointer;user-select:none}th:hover{background:#e4e4e4}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.meta td:first-child{font-weight:600}.verdict{font-weight:600}
"""
SCRIPT = """
function sortTable(th){const t=th.closest('table'),i=[...th.parentNode.children].indexOf(th),
 b=t.tBodies[0],rows=[...b.rows],asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
 const v=r=>{const s=r.cells[i].textContent.trim(),n=parseFloat(s);return isNaN(n)?s:n};
 rows.sort((a,c)=>{const x=v(a),y=v(c);return (x>y?1:x<y?-1:0)*(asc?1:-1)});rows.forEach(r=>b.appendChild(r));}
window.addEventListener('load',()=>{const imgs=[...document.images];
 document.body.dataset.imagesOk=String(imgs.length>0&&imgs.every(i=>i.complete&&i.naturalWidth>0));
 document.body.dataset.tables=String(document.querySelectorAll('table.results').length);});
"""


def _table(header: Sequence[str], rows: List[Sequence[str]], cls: str = "results") -> str:
    head = "".join(f'<th onclick="sortTable(this)">{html.escape(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<figure><img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}"></figure>'


def render(records: List[Dict], meta: Dict, verdicts: List[Dict], plots: List[Path]) -> str:
    """The page as a string."""
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>fwbench report</title>"
             f"<style>{STYLE}</style><script>{SCRIPT}</script></head><body>",
             "<h1>fwbench: nine frameworks, identical models, CPU</h1>",
             f"<p>{html.escape(report.run_context(meta))}</p>",
             "<h2>The published claims</h2>"]
    for c in verdicts:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in c["evidence"])
        parts += [f"<h3>{html.escape(c['id'])}: {html.escape(c['claim'])}</h3>",
                  f"<p class=verdict>Verdict: {html.escape(c['verdict'])}</p><p>Rule: {html.escape(c['rule'])}</p>"
                  f"<ul>{items}</ul>"]
    for title, text, header, rows in report.view_sections(records):
        parts += [f"<h2>{html.escape(title)}</h2>", f"<p>{html.escape(text)}</p>", _table(header, rows)]
    for model, task, threads in report.pivot_groups(records):
        header, rows = report.pivot(records, model, task, threads)
        parts += [f"<h2>{html.escape(report.pivot_title(model, task, threads))}</h2>", _table(header, rows)]
    for title, text, header, rows in report.anatomy_sections(records):
        parts += [f"<h2>{html.escape(title)}</h2>", f"<p>{html.escape(text)}</p>", _table(header, rows)]
    parts += ["<h2>Code metrics and install friction</h2>", _table(*report.code_friction_table(records, meta))]
    parts += ["<h2>Plots</h2>"] + [_image(p) for p in plots]
    parts += ["<h2>Modes</h2>", _table(report.MODES_HEADER, report.modes_rows(), cls="modes")]
    parts += ["<h2>Every cell</h2>", _table(list(report.COLUMNS), report.table_rows(records))]
    processes = meta.get("plan", {}).get("profile", {}).get("processes", "?")
    parts += ["<h2>Method</h2>", f"<p>{html.escape(METHOD.format(processes=processes))}</p>"]
    meta_rows = [[k, json.dumps(v) if not isinstance(v, str) else v] for k, v in meta.items() if k != "plan"]
    parts += ["<h2>Run metadata</h2>", _table(["key", "value"], meta_rows, cls="meta"), "</body></html>"]
    return "\n".join(parts)


METHOD = (
    "Every framework loads the same float32 weights drawn from numpy and must match a float64 numpy "
    "reference (forward logits and the loss over the first SGD steps) before it is timed. Each cell runs in "
    "{processes} worker process(es) in this run, each pinned to its cores before the framework is imported; the first call is "
    "reported apart (tracing, compilation), then warm-up calls are discarded and samples taken. Medians come "
    "with a 95% bootstrap confidence interval over processes and samples; ratios against PyTorch are taken in "
    "the same run. At these model sizes a step lasts about a millisecond, so framework overhead weighs as much "
    "as arithmetic: that is what users of small models feel, not a statement about large models."
)


def write(run_dir: Path, records: List[Dict], meta: Dict, verdicts: List[Dict], plots: List[Path]) -> Path:
    from benchmarks.records import write_atomic

    path = run_dir / "report.html"
    write_atomic(path, render(records, meta, verdicts, plots))
    return path
