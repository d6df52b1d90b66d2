"""The Rosetta stone: each model's implementation files, for the report to show side by side.

This module gives each file as Pygments-highlighted lines (split per line, so the page can place
lines freely), its plain lines (for aligning) and its code metrics. The page aligns any two files
in the browser (assets/report.js: a dynamic programme over lines, similar lines matched, the rest
gaps) and marks each line against PyTorch's file: the same, changed, or added.
"""
from __future__ import annotations

import html
from typing import Dict, List, Optional, Sequence

from benchmarks import REPO_ROOT
from benchmarks.measure.loc import impl_path, metrics, read_source


def _css_class(ttype) -> str:
    from pygments.token import STANDARD_TYPES

    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return STANDARD_TYPES[ttype]


def highlight_lines(source: str) -> List[str]:
    """The source as HTML, one string per line (tokens that span lines are split at the newlines)."""
    from pygments import lex
    from pygments.lexers import PythonLexer

    lines, current = [], []
    for ttype, value in lex(source, PythonLexer()):
        cls = _css_class(ttype)
        for k, piece in enumerate(value.split("\n")):
            if k:
                lines.append("".join(current))
                current = []
            if piece:
                text = html.escape(piece)
                current.append(f'<span class="{cls}">{text}</span>' if cls else text)
    if current:
        lines.append("".join(current))
    return lines[:len(source.splitlines())]


def style_css(scope: str = ".hl") -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(scope)


def frameworks_with_files(model: str, frameworks: Sequence[str]) -> List[str]:
    """The frameworks whose implementation of `model` is a model file of this repository."""
    models = REPO_ROOT / "models"
    return [fw for fw in frameworks if models in impl_path(model, fw).parents and impl_path(model, fw).exists()]


def model_files(model: str, frameworks: Sequence[str], commit: Optional[str] = None) -> Dict[str, Dict]:
    """Per framework: the file's path, highlighted and plain lines, and code metrics, as the file was
    at `commit` (the code that was measured) when this clone has it."""
    out = {}
    for fw in frameworks_with_files(model, frameworks):
        path = impl_path(model, fw)
        source = (read_source(path, commit) if commit else None) or read_source(path)
        m = metrics(model, fw, commit)
        out[fw] = {"path": path.relative_to(REPO_ROOT).as_posix(), "lines": highlight_lines(source),
                   "text": source.splitlines(),
                   "metrics": {k: m.get(k) for k in ("loc", "tokens", "api_calls", "similarity_to_pytorch")}}
    return out
