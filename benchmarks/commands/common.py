"""What every subcommand shares: choosing names, the console, a rich table."""
from __future__ import annotations

import difflib
import os
import sys
from typing import List, Optional, Sequence

from benchmarks import REPO_ROOT
from benchmarks.core.errors import UserError


RESULTS = REPO_ROOT / "results"


def choose(kind: str, given: Optional[Sequence[str]], valid: Sequence[str]) -> List[str]:
    """Validate names (comma-separated or repeated); unknown ones name the valid choices."""
    if not given:
        return list(valid)
    names = [n.strip() for item in given for n in item.split(",") if n.strip()]
    for name in names:
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UserError(f"unknown {kind} '{name}'{hint}; valid: {', '.join(valid)}")
    return list(dict.fromkeys(names))


def console():
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200)


def print_table(title: str, header: List[str], rows: List[List[str]]) -> None:
    from rich.table import Table

    if rows:
        table = Table(*header, title=title)
        for row in rows:
            table.add_row(*row)
        console().print(table)


def thread_settings() -> List[str]:
    """1 thread pinned to one core, and all usable cores."""
    return list(dict.fromkeys(["1", str(len(os.sched_getaffinity(0)))]))
