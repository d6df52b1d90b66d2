"""Records: one JSON object per line, appended and flushed as each one exists."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from benchmarks.core.errors import UserError
from benchmarks.core.plan import BASELINE, baseline_mode
from benchmarks.core.stats import headline

from benchmarks.core.schema import REQUIRED_KEYS, SCHEMA_VERSION  # noqa: F401 (declared in schema.py; SCHEMA_VERSION: the runner's)


def append(path: Path, record: Dict) -> None:
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read(path: Path) -> List[Dict]:
    """All records; a torn last line (a killed run) is skipped with a warning."""
    if not path.exists():
        raise UserError(f"no records at {path}: run `fwbench run` first, or name a run folder")
    lines = path.read_text().splitlines()
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            if number == len(lines):
                print(f"warning: {path}:{number} is a torn last line; skipped", file=sys.stderr)
                continue
            raise UserError(f"{path}:{number} is not a JSON record: is this a fwbench records.jsonl?")
        if not isinstance(obj, dict):
            raise UserError(f"{path}:{number} is not a JSON object")
        out.append(headline(obj))
    return out


def missing_keys(record: Dict) -> List[str]:
    return [k for k in REQUIRED_KEYS if k not in record]


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def cell_key(record: Dict) -> tuple:
    """(framework, model, mode, threads, task), and the tuning level when it is not the default."""
    tuning = record.get("tuning", "default")
    return (record["framework"], record["model"], record["mode"], record["threads"], record["task"]) + (
        () if tuning == "default" else (tuning,))


def by_cell(records: Iterable[Dict]) -> Dict[tuple, Dict]:
    return {cell_key(r): r for r in records}


def baseline_record(record: Dict, cells: Dict[tuple, Dict]) -> Optional[Dict]:
    """PyTorch's record for the same model, task, mode (XLA: torch.compile) and threads (from `by_cell`)."""
    return cells.get((BASELINE, record["model"], baseline_mode(record["mode"]), record["threads"], record["task"]))


def baseline_ratio(record: Dict, cells: Dict[tuple, Dict], field: str = "time_ms") -> Optional[float]:
    """This cell's headline time (or another estimator's `field`) over PyTorch's for the same model, task, mode
    and threads (from `by_cell`)."""
    base = baseline_record(record, cells)
    if not base or not base.get(field) or not record.get(field):
        return None
    return record[field] / base[field]


def shipped_ratio(record: Dict, cells: Dict[tuple, Dict]) -> Optional[float]:
    """This cell's time over PyTorch as shipped (eager, no tuning) for the same model, task and threads: the
    one baseline of every table. A paired record's own paired ratio is that already."""
    if record.get("paired_ratio") is not None:
        return record["paired_ratio"]
    base = cells.get((BASELINE, record["model"], "eager", record["threads"], record["task"]))
    if not base or not base.get("time_ms") or not record.get("time_ms"):
        return None
    return record["time_ms"] / base["time_ms"]


def last_attempts(raw: List[Dict]) -> List[Dict]:
    """Per process, the record of the attempt that counts (the others stay in raw.jsonl): of its ok
    attempts, the one taken on the fastest host (the later on a tie); with none ok, its last attempt."""
    def rank(r: Dict) -> tuple:
        return r["status"] == "ok", -(r.get("host_slowdown") or 1.0), r.get("attempt", 0)

    best: Dict[int, Dict] = {}
    for r in raw:
        p = r.get("process", 0)
        if p not in best or rank(r) >= rank(best[p]):
            best[p] = r
    return [best[p] for p in sorted(best)]
