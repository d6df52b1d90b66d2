"""Code metrics of the per-framework model files.

- loc: code lines, counted by pygount (no blank lines, comments or docstrings);
- tokens: Python tokenize tokens that carry code (names, operators, numbers, strings), so
  layout, comments and line breaks do not count;
- api_calls: distinct framework functions and classes called, resolved through the file's
  imports with the AST (`nn.Linear(...)` after `from torch import nn` is `torch.nn.Linear`);
- similarity_to_pytorch: difflib ratio of the token sequence against the PyTorch file's.
"""
from __future__ import annotations

import ast
import difflib
import io
import tokenize
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from benchmarks import REPO_ROOT

CODE_TOKENS = {tokenize.NAME, tokenize.OP, tokenize.NUMBER, tokenize.STRING}


def impl_path(model: str, framework: str) -> Path:
    from benchmarks.adapters import get_adapter

    return REPO_ROOT / (get_adapter(framework).impl_module(model).replace(".", "/") + ".py")


@lru_cache(maxsize=None)
def source_lines(path: Path) -> int:
    """Code lines: pygount's count, which excludes blank lines, comments and docstrings."""
    from pygount import SourceAnalysis

    return SourceAnalysis.from_file(str(path), "fwbench").code_count


def code_tokens(source: str) -> List[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t.string for t in tokens if t.type in CODE_TOKENS]


def api_calls(source: str, packages: Sequence[str]) -> List[str]:
    """Sorted distinct calls whose callee resolves into one of `packages` through the imports."""
    tree = ast.parse(source)
    aliases: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def dotted(expr: ast.expr) -> Optional[str]:
        if isinstance(expr, ast.Name):
            return aliases.get(expr.id)
        if isinstance(expr, ast.Attribute):
            base = dotted(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name and name.split(".")[0] in packages:
                found.add(name)
    return sorted(found)


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    return difflib.SequenceMatcher(None, list(a), list(b), autojunk=False).ratio()


@lru_cache(maxsize=None)
def metrics(model: str, framework: str) -> Dict:
    """loc, tokens, api_calls (count) and similarity_to_pytorch of one model file."""
    from benchmarks.adapters import get_adapter

    path = impl_path(model, framework)
    source = path.read_text()
    torch_path = impl_path(model, "torch")
    torch_tokens = code_tokens(torch_path.read_text()) if torch_path.exists() else []
    calls = api_calls(source, get_adapter(framework).api_packages)
    return {
        "loc": source_lines(path),
        "tokens": len(code_tokens(source)),
        "api_calls": len(calls),
        "api_call_names": calls,
        "similarity_to_pytorch": round(similarity(code_tokens(source), torch_tokens), 3) if torch_tokens else None,
    }
