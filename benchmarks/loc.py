"""Lines of code of the per-framework model files, counted by pygount (code lines only)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from benchmarks import REPO_ROOT


def impl_path(model: str, framework: str) -> Path:
    from benchmarks.adapters import get_adapter

    return REPO_ROOT / (get_adapter(framework).impl_module(model).replace(".", "/") + ".py")


@lru_cache(maxsize=None)
def source_lines(path: Path) -> int:
    """Code lines: pygount's count, which excludes blank lines, comments and docstrings."""
    from pygount import SourceAnalysis

    return SourceAnalysis.from_file(str(path), "fwbench").code_count
