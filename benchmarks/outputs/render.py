"""The renderers: one each for Markdown, HTML and the terminal, walking benchmarks/core/document.py's blocks.

Also the formatting helpers every output shares (a Markdown table, inline Markdown as HTML, the heat colour).
"""
from __future__ import annotations

import base64
import html as html_lib
import math
import os
import re
from pathlib import Path
from typing import List, Optional, Sequence

from benchmarks.core.document import Block, Bullets, Cell, Figure, Paragraph, Section, Table


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(blocks: List[Block], base: Path, level: int = 3) -> str:
    """The blocks as Markdown; figures linked relative to `base`, the folder of the page they go in."""
    out: List[str] = []
    for block in blocks:
        if isinstance(block, Section):
            out.append(f"{'#' * level} {block.title}\n\n" + markdown(block.blocks, base, level + 1))
        elif isinstance(block, Paragraph):
            out.append(block.text + "\n")
        elif isinstance(block, Bullets):
            out.append("".join(f"- {item}\n" for item in block.items))
        elif isinstance(block, Table):
            out.append(markdown_table(block.header, block.rows) + "\n")
        elif isinstance(block, Figure):
            out.append(f"![{block.name}]({Path(os.path.relpath(block.path, base)).as_posix()})\n")
    return "\n".join(out)


def inline(text: str) -> str:
    """Prose written for Markdown as HTML: escaped, with its **bold**, *italics* and `code` kept."""
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html_lib.escape(text))
    escaped = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", escaped)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def heat(ratio: Optional[float]) -> str:
    """Background for a time ratio against PyTorch: white at 1x, greener when faster, redder when
    slower, saturating at 8x either way (log scale)."""
    if not ratio or ratio <= 0:
        return ""
    t = max(-1.0, min(1.0, math.log2(ratio) / 3))
    r, g, b = (255 - 25 * t, 255 - 165 * t, 255 - 175 * t) if t >= 0 else (255 + 165 * t, 255 + 65 * t, 255 + 145 * t)
    return f"background:rgb({r:.0f},{g:.0f},{b:.0f})"


def _html_cell(cell, heat_map: bool) -> str:
    if not isinstance(cell, Cell):
        return f"<td>{inline(str(cell))}</td>"
    small = f"<br><small>{html_lib.escape(cell.interval)}</small>" if cell.interval else ""
    if heat_map and cell.ratio:
        return f'<td data-ratio="{cell.ratio:.4g}" style="{heat(cell.ratio)}">{inline(cell.text)}{small}</td>'
    return f"<td>{inline(cell.text)}{small}</td>"


def html_table(table: Table) -> str:
    head = "".join(f'<th onclick="sortTable(this)">{html_lib.escape(h)}</th>' for h in table.header)
    body = "".join("<tr>" + "".join(_html_cell(c, table.heat) for c in row) + "</tr>" for row in table.rows)
    return f'<div class=wide><table class="{table.css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def html_image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<figure><img alt="{html_lib.escape(path.stem)}" src="data:image/png;base64,{data}"></figure>'


def html(blocks: List[Block], level: int = 2) -> str:
    """The blocks as HTML: a section with an anchor can be reached from the contents bar, a folded one opens
    on a click."""
    out: List[str] = []
    for block in blocks:
        if isinstance(block, Section):
            anchor = f" id={block.anchor}" if block.anchor else ""
            inner = html(block.blocks, level + 1)
            if block.folded:
                out.append(f"<details{anchor}><summary>{html_lib.escape(block.title)}</summary>\n{inner}\n</details>")
            else:
                out.append(f"<section{anchor}><h{level}>{html_lib.escape(block.title)}</h{level}>\n{inner}\n</section>")
        elif isinstance(block, Paragraph):
            out.append(f"<p{' class=lead' if block.lead else ''}>{inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Table):
            out.append(html_table(block))
        elif isinstance(block, Figure):
            out.append(html_image(block.path))
    return "\n".join(out)


def plain(text: str) -> str:
    """Markdown inline as terminal text: emphasis and code marks dropped."""
    return re.sub(r"\*\*(.+?)\*\*|(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])|`([^`]+)`",
                  lambda m: next(g for g in m.groups() if g is not None), text)


def terminal(blocks: List[Block], console) -> None:
    """The blocks on a rich console: sections as rules, tables as rich tables."""
    from rich.table import Table as RichTable
    from rich.text import Text

    for block in blocks:
        if isinstance(block, Section):
            console.rule(Text(block.title, style="bold"), align="left")
            terminal(block.blocks, console)
        elif isinstance(block, Paragraph):
            console.print(plain(block.text), highlight=False, markup=False)
        elif isinstance(block, Bullets):
            for item in block.items:
                console.print("- " + plain(item), highlight=False, markup=False)
        elif isinstance(block, Table):
            table = RichTable()
            for h in block.header:
                table.add_column(Text(h))
            for row in block.rows:
                table.add_row(*(Text(plain(str(c))) for c in row))
            console.print(table)
        elif isinstance(block, Figure):
            console.print(f"Figure: {block.path}", highlight=False, markup=False)
