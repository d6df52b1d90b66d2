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
from typing import Dict, List, Optional, Sequence, Tuple

from benchmarks import REPO_ROOT

CODE_TOKENS = {tokenize.NAME, tokenize.OP, tokenize.NUMBER, tokenize.STRING}


def impl_path(model: str, framework: str) -> Path:
    from benchmarks.frameworks import get_framework

    return REPO_ROOT / (get_framework(framework).impl_module(model).replace(".", "/") + ".py")


@lru_cache(maxsize=None)
def source_lines(source: str) -> int:
    """Code lines: pygount's count, which excludes blank lines, comments and docstrings."""
    import tempfile

    from pygount import SourceAnalysis

    with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
        f.write(source)
        f.flush()
        return SourceAnalysis.from_file(f.name, "fwbench").code_count


def read_source(path: Path, commit: Optional[str] = None) -> Optional[str]:
    """A file's text in the working tree, or at `commit` (None when it did not exist there)."""
    if commit is None:
        return path.read_text() if path.exists() else None
    import subprocess

    out = subprocess.run(["git", "show", f"{commit}:{path.relative_to(REPO_ROOT).as_posix()}"], cwd=REPO_ROOT,
                         capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else None


def code_tokens(source: str) -> List[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t.string for t in tokens if t.type in CODE_TOKENS]


def _resolver(tree: ast.AST):
    """A function that turns a Name/Attribute chain into its dotted import path (None if not imported)."""
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

    return dotted


def api_calls(source: str, packages: Sequence[str]) -> List[str]:
    """Sorted distinct calls whose callee resolves into one of `packages` through the imports."""
    tree = ast.parse(source)
    dotted = _resolver(tree)
    found = {dotted(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return sorted(name for name in found if name and name.split(".")[0] in packages)


def api_uses(source: str, packages: Sequence[str]) -> List[Tuple[str, int]]:
    """Every use of the framework's API with its line, in source order: names that resolve into
    `packages` (calls, decorators, base classes, references) and methods called on objects
    (`model.hybridize()` gives ".hybridize"), which no import resolves."""
    tree = ast.parse(source)
    dotted = _resolver(tree)
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in inner:
            name = dotted(node)
            if name and name.split(".")[0] in packages:
                uses.append((name, node.lineno))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not dotted(node.func)
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "self")):  # own layers
            uses.append(("." + node.func.attr, node.lineno))
    return sorted(uses, key=lambda u: u[1])


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    return difflib.SequenceMatcher(None, list(a), list(b), autojunk=False).ratio()


@lru_cache(maxsize=None)
def metrics(model: str, framework: str, commit: Optional[str] = None) -> Dict:
    """loc, tokens, api_calls (count) and similarity_to_pytorch of one model file, as it is in the
    working tree or, given a commit, as it was at that commit (so old timings meet their own code)."""
    from benchmarks.frameworks import get_framework

    source = read_source(impl_path(model, framework), commit) if commit else None
    if source is None:  # no commit, or one this clone does not hold (shallow): the working tree
        commit, source = None, read_source(impl_path(model, framework))
    if source is None:
        return {}
    torch_source = read_source(impl_path(model, "torch"), commit)
    torch_tokens = code_tokens(torch_source) if torch_source else []
    calls = api_calls(source, get_framework(framework).api_packages)
    return {
        "loc": source_lines(source),
        "tokens": len(code_tokens(source)),
        "api_calls": len(calls),
        "api_call_names": calls,
        "similarity_to_pytorch": round(similarity(code_tokens(source), torch_tokens), 3) if torch_tokens else None,
    }
