"""One self-contained HTML page: tables (sortable), plots (embedded), method, run metadata.

No network: images are data URIs, the sort script is inline, every string is escaped.
"""
from __future__ import annotations

import html
import json
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Sequence

from benchmarks.analysis import porting, rosetta, scoreboard
from benchmarks.outputs import report
from benchmarks.core.document import Figure, Paragraph, Section, Table
from benchmarks.outputs.render import html as blocks_html
from benchmarks.outputs.render import html_image, html_table, inline

ASSETS = Path(__file__).parent / "assets"


def _table(header: Sequence[str], rows: List[Sequence[str]], cls: str = "results") -> str:
    return html_table(Table(header, rows, css=cls))


def _rosetta(records: List[Dict], meta: Dict) -> str:
    from benchmarks.frameworks import all_frameworks
    from benchmarks.core.run_folder import run_commit

    names = {k: a.display for k, a in all_frameworks().items()}
    models = sorted({r["model"] for r in records if r["task"] != "tta"} or {r["model"] for r in records})
    data = {m: rosetta.model_files(m, list(names), run_commit(meta)) for m in models}
    parts = ["<h2 id=rosetta>Rosetta stone: the implementations side by side</h2>", f"<p>{html.escape(ROSETTA_TEXT)}</p>",
             "<p class=legend><span style='background:#fff4cc'>changed from PyTorch's line</span>"
             "<span style='background:#ddf7e2'>no counterpart in PyTorch's file</span></p>"]
    for model, files in data.items():
        right = next((fw for fw in files if fw != "torch"), "torch")

        def select(label: str, chosen: str) -> str:
            options = "".join(f'<option value="{fw}"{" selected" if fw == chosen else ""}>{html.escape(names[fw])}</option>'
                              for fw in files)
            return f"<select aria-label={label}>{options}</select>"

        parts.append(f"<details class=rosetta-model open><summary>{html.escape(model)}</summary>"
                     f'<div class=rosetta data-model="{html.escape(model)}">{select("left", "torch")}'
                     f"{select('right', right)}<div class=wide><table class=side></table></div></div></details>")
    payload = json.dumps(data).replace("</", "<\\/")
    parts.append(f'<script type="application/json" id="rosetta-data">{payload}</script>')
    return "\n".join(parts)


def _api_tables(records: List[Dict], meta: Dict) -> str:
    names, table = porting.for_run(records, meta)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ["Concept", *names.values()])
    body = []
    for concept, by_fw in table.items():
        cells = []
        for fw in names:
            links = ", ".join(
                f'<a href="#rosetta={u.model}:torch,{fw}:L{u.line}" title="{html.escape(u.path)}:{u.line}: '
                f'{html.escape(u.code)}"><code>{html.escape(porting.display_name(u.name))}</code></a>' if u.model else
                f'<code title="{html.escape(u.path)}:{u.line}: {html.escape(u.code)}">{html.escape(u.name)}</code>'
                for u in by_fw.get(fw, []))
            cells.append(f"<td>{links or '–'}</td>")
        body.append(f"<tr><th>{html.escape(concept)}</th>{''.join(cells)}</tr>")
    layout_rows = [[name, *(by_fw.get(fw, "") for fw in names)] for name, by_fw in porting.layouts(list(names))]
    return ("<h2 id=api>The same concept in each framework</h2>"
            f"<p>{html.escape(porting.API_TEXT)}</p>"
            f'<div class=wide><table class="api"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            "<h3>Layout conventions the harness converts</h3>"
            f"<p>{html.escape(porting.LAYOUT_TEXT)}</p>"
            + _table(["Convention", *names.values()], layout_rows, cls="layouts"))


def _pitfalls() -> str:
    rows = [[p["framework"], p["differs"], p["symptom"], p["remedy"], p["where"]] for p in porting.pitfalls()]
    return ("<h2 id=pitfalls>Porting pitfalls the parity gate caught</h2>"
            f"<p>{html.escape(porting.PITFALL_TEXT)}</p>" + _table(porting.PITFALL_HEADER, rows, cls="pitfalls"))


def render(records: List[Dict], meta: Dict, verdicts: List[Dict], plots: List[Path]) -> str:
    """The page as a string."""
    return _head() + body(records, meta, verdicts, plots) + "\n</body></html>"


def _head() -> str:
    style = (ASSETS / "report.css").read_text() + rosetta.style_css(".side")
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>fwbench report</title>"
            f"<style>{style}</style><script>{(ASSETS / 'report.js').read_text()}</script></head><body>\n"
            "<h1>fwbench: nine frameworks, identical models, CPU</h1>\n")


def render_machines(parts: List[tuple], meta: Dict, verdicts: Dict[str, List[Dict]], plots: Dict[str, List[Path]]) -> str:
    """A run from several machines: the machines side by side, then each machine's report in turn."""
    from benchmarks.analysis import machines

    out = [_head(), f"<p>{html.escape(report.merged_text(meta))}</p>",
           "<h2>Machines side by side</h2>", f"<p>{html.escape(report.MACHINES_TEXT)}</p>",
           _table(*machines.side_by_side(parts)), _table(*machines.facts_table(parts), cls="meta")]
    for i, (label, recs, machine_meta) in enumerate(parts):  # the code sections once: they do not vary by machine
        out += [f"<section class=machine><h2 class=machine>On {html.escape(label)}</h2>",
                body(recs, machine_meta, verdicts[label], plots[label], code_sections=i == 0), "</section>"]
    return "\n".join(out) + "\n</body></html>"


CONTENTS = (("answer", "The answer"), ("scoreboard-t1", "Scoreboard, 1 thread"), ("scoreboard-t2", "2 threads"),
            ("claims", "Claims"), ("upkeep", "Upkeep"), ("rosetta", "Code side by side"), ("plots", "Plots"), ("tables", "Every table"),
            ("method", "Method"))


def _contents(present: str) -> str:
    links = "".join(f'<a href="#{anchor}">{html.escape(title)}</a>' for anchor, title in CONTENTS
                    if f"id={anchor}" in present)
    return f"<nav class=contents>{links}</nav>"


def _answer(records: List[Dict], meta: Dict, verdicts: List[Dict], plots: List[Path]) -> str:
    """The headline picture and sentences, then a one-line data quality summary that opens to the detail."""
    answer = [p for p in plots if p.name.startswith("answer_")]
    detail = "".join(f"<p>{inline(t)}</p>" for t in (report.run_context(meta), report.completeness(records, meta),
                                                     *report.aa_lines(records, meta)) if t)
    return (f"<section id=answer><h2>The answer</h2>{blocks_html([Figure(p) for p in answer])}"
            f"{blocks_html([Paragraph(scoreboard.headline(records, verdicts), lead=True)])}"
            f"<details class=quality><summary>{inline(report.data_quality_line(records, meta))}</summary>{detail}"
            "</details></section>")


def _claims(verdicts: List[Dict]) -> str:
    return blocks_html([Section("The published claims", report.claims_document(verdicts), anchor="claims")])


def _upkeep(meta: Dict) -> str:
    """The release sweep C4 is judged on, where the run names one."""
    from benchmarks.analysis import releases
    from benchmarks.outputs import release_report

    folder = releases.linked_sweep(meta)
    if folder is None:
        return ""
    return blocks_html([Section("Upkeep: today's code on earlier releases", release_report.document(folder),
                                anchor="upkeep")])


def _tables(records: List[Dict], meta: Dict) -> List[str]:
    """Every table beyond the scoreboard, the same sections as summary.md's, each folded; the per-task tables
    folded together."""
    sections = report.detail_sections(records, meta)
    pivots = {report.pivot_title(m, t, n) for m, t, n in report.pivot_groups(records)}
    views = len(report.view_sections(records))
    others = [replace(sec, folded=True) for sec in sections if sec.title not in pivots]
    grouped = Section("Every task, per model", [sec for sec in sections if sec.title in pivots], folded=True)
    return [blocks_html([Section("Every table", others[:views] + [grouped] + others[views:], anchor="tables")])]


def body(records: List[Dict], meta: Dict, verdicts: List[Dict], plots: List[Path], code_sections: bool = True) -> str:
    """One machine's report, in reading order: the answer, the scoreboards, the claims, the code side by
    side, then the detail folded (plots, every table, the method)."""
    from benchmarks.analysis.views import thread_settings

    parts = [_answer(records, meta, verdicts, plots)]
    parts += [blocks_html([scoreboard.section(records, meta, verdicts, t)]) for t in thread_settings(records)]
    parts.append(_claims(verdicts))
    parts.append(_upkeep(meta))
    if code_sections:
        parts += [_rosetta(records, meta), _api_tables(records, meta), _pitfalls()]
    others = [p for p in plots if not p.name.startswith("answer_")]
    parts += ["<details id=plots><summary>Plots</summary>"] + [html_image(p) for p in others] + ["</details>"]
    parts += _tables(records, meta)
    meta_rows = [[k, json.dumps(v) if not isinstance(v, str) else v] for k, v in meta.items() if k != "plan"]
    parts += ["<section id=method><h2>Method</h2>",
              f"<p>{html.escape(METHOD.format(processes=report.processes_text(meta)))}</p>",
              "<details><summary>Run metadata</summary>", _table(["key", "value"], meta_rows, cls="meta"),
              "</details></section>"]
    text = "\n".join(parts)
    return _contents(text) + "\n" + text


ROSETTA_TEXT = ("Each model's files, as they were at the run's commit, two at a time: pick any two frameworks. "
                "Lines are aligned where the two files' structure allows (similar lines side by side), and each line "
                "is marked against PyTorch's file. Every pair computes the same function: the parity gate checked "
                "each file's forward output and first training steps against the same numpy reference.")


METHOD = (
    "Every framework loads the same float32 weights drawn from numpy and must match a float64 numpy "
    "reference (forward logits and the loss over the first SGD steps) before it is timed. This run took "
    "{processes}, each pinned to its cores before the framework is imported; the first call is "
    "reported apart (tracing, compilation), then warm-up calls are discarded and samples taken. A cell's time "
    "is the minimum over its samples, with a 95% bootstrap confidence interval over processes and samples; "
    "ratios against PyTorch are taken in the same run. At these model sizes a step lasts about a millisecond, "
    "so framework overhead weighs as much as arithmetic: that is what users of small models feel, not a "
    "statement about large models."
)


def write(run_dir: Path, text: str) -> Path:
    from benchmarks.core.records import write_atomic

    path = run_dir / "report.html"
    write_atomic(path, text)
    return path
