"""Plans the matrix, launches one worker process at a time, aggregates and stores records."""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import time
from dataclasses import asdict, astuple, dataclass, replace  # noqa: F401 (replace used by the CLI)
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from benchmarks import REPO_ROOT, records
from benchmarks.envs import load_spec, worker_env
from benchmarks.loc import metrics as code_metrics
from benchmarks.reference import reference, variant_for
from benchmarks.stats import summarize

TASKS = ("train", "infer_b1", "infer_b64")
TTA_TASKS = ("tta",)  # time to accuracy on the digits data (benchmarks/tta.py)


@dataclass(frozen=True)
class Cell:
    framework: str
    model: str
    mode: str
    threads: int
    suite: str = "speed"  # "speed": TASKS; "tta": time to accuracy

    @property
    def tasks(self) -> tuple:
        return TTA_TASKS if self.suite == "tta" else TASKS

    @staticmethod
    def of(record: Dict) -> "Cell":
        suite = "tta" if record["task"] == "tta" else "speed"
        return Cell(record["framework"], record["model"], record["mode"], record["threads"], suite)


@dataclass(frozen=True)
class Profile:
    processes: int  # worker processes per cell
    samples: int  # most samples per task per process
    min_samples: int
    max_seconds: float  # time budget per task per process, once min_samples are in
    warmup: int
    min_sample_ms: float  # fast calls are looped so one sample lasts at least this long
    timeout_s: float  # per worker process


PROFILES = {
    "quick": Profile(processes=1, samples=20, min_samples=5, max_seconds=0.5, warmup=3, min_sample_ms=1.0, timeout_s=900),
    "default": Profile(processes=3, samples=50, min_samples=10, max_seconds=1.0, warmup=5, min_sample_ms=1.0, timeout_s=900),
}


def plan(cells: Sequence[Cell], processes: int) -> List[tuple]:
    """(cell, process index) jobs, interleaved: each round visits every cell, rotated."""
    jobs = []
    for rep in range(processes):
        shift = rep % max(len(cells), 1)
        jobs += [(cell, rep) for cell in list(cells[shift:]) + list(cells[:shift])]
    return jobs


def cpus_for(threads: int) -> List[int]:
    available = sorted(os.sched_getaffinity(0))
    return available[:threads]


def failure_records(cell: Cell, status: str, reason: str, tasks: Sequence[str]) -> List[Dict]:
    return [dict(asdict(cell), task=t, status=status, reason=reason) for t in tasks]


def parse_worker_output(out: str, tasks: Sequence[str]) -> tuple:
    """Task records and the worker's error from its stdout; lines that are not records are ignored."""
    found, error = {}, None
    for line in out.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and "error" in obj:
            error = str(obj["error"])
        elif isinstance(obj, dict) and obj.get("task") in tasks and isinstance(obj.get("status"), str):
            found[obj["task"]] = obj
    return found, error


def launch(cell: Cell, profile: Profile, tasks: Optional[Sequence[str]] = None, seed: int = 0) -> List[Dict]:
    """Run one worker process; always returns one record per task, failed ones included."""
    tasks = list(tasks or cell.tasks)
    spec = load_spec(cell.framework)
    request = dict(asdict(cell), **asdict(profile), tasks=tasks, seed=seed,
                   cpus=cpus_for(cell.threads), launched_at=time.time())
    if tasks == ["tta"]:
        from benchmarks import tta

        request["tta"] = tta.request(cell.model)
    else:
        request["reference"] = reference(cell.model, seed, variant_for(cell.model, cell.framework))
    cmd = [str(spec.interpreter), "-m", "benchmarks.worker", json.dumps(request)]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                                cwd=REPO_ROOT, env=worker_env(spec, cell.threads), start_new_session=True)
    except OSError as exc:
        return failure_records(cell, "failed", f"cannot start worker: {exc} (run `fwbench setup {cell.framework}`)", tasks)
    try:
        out, err = proc.communicate(timeout=profile.timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return failure_records(cell, "timeout", f"worker exceeded {profile.timeout_s:.0f} s", tasks)
    except BaseException:  # Ctrl-C: leave no orphan behind
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    found, error = parse_worker_output(out, tasks)
    if proc.returncode != 0 or len(found) < len(tasks):
        if error is None:
            tail = " | ".join(err.strip().splitlines()[-3:])
            how = f"killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exit {proc.returncode}"
            error = f"worker {how}: {tail}"[:500]
        missing = [t for t in tasks if t not in found]
        return list(found.values()) + failure_records(cell, "failed", error, missing)
    return [found[t] for t in tasks]


def threads_verified(cpu_wall_ratio: float, threads: int) -> bool:
    """False when the worker burned more CPU than its thread setting allows (oversubscription)."""
    return cpu_wall_ratio <= threads * 1.1 + 0.05


def aggregate(raw: List[Dict], processes: int, peak_gflops: Optional[float] = None) -> Dict:
    """One record for one cell and task from its per-process records."""
    ok = [r for r in raw if r["status"] == "ok"]
    base = dict(ok[0] if ok else raw[0])
    base.pop("loops", None)
    base["processes"] = len(raw)
    bad = [r for r in raw if r["status"] != "ok"]
    if bad:
        base.update(status=bad[0]["status"], reason=bad[0]["reason"])
        if len(bad) < len(raw):
            base["reason"] = f"{len(bad)} of {len(raw)} processes: {base['reason']}"
    groups = [r["samples_ms"] for r in ok if r.get("samples_ms")]
    base["samples_ms"] = [s for g in groups for s in g]
    base["process_medians_ms"] = [statistics.median(g) for g in groups]
    if groups and not bad:
        base.update(summarize(groups))
        for key in ("first_step_ms", "import_s", "time_to_first_step_s", "cpu_wall_ratio", "seconds_to_target"):
            values = [r[key] for r in ok if r.get(key) is not None]
            base[key] = statistics.median(values) if values else None
        base["peak_rss_mb"] = max(r["peak_rss_mb"] for r in ok)
        if base.get("flops_per_step"):
            base["achieved_gflops"] = base["flops_per_step"] / (base["median_ms"] / 1000) / 1e9
            base["peak_gflops"] = peak_gflops
            base["peak_fraction"] = base["achieved_gflops"] / peak_gflops if peak_gflops else None
        if base.get("cpu_wall_ratio") is not None:
            base["threads_verified"] = threads_verified(base["cpu_wall_ratio"], base["threads"])
    else:
        base.update(median_ms=None, ci95_ms=None, cv=None, noisy=None)
    for key in ("framework_version", "python", "first_step_ms", "parity_forward_max_abs",
                "parity_loss_max_rel", "batch"):
        base.setdefault(key, None)
    base.update({k: v for k, v in code_metrics(base["model"], base["framework"]).items() if k != "api_call_names"})
    return base


def remaining_jobs(run_dir: Path, cells: Sequence[Cell], processes: int) -> List[tuple]:
    """The planned jobs whose per-process records are not yet in raw.jsonl (all of them for a new run)."""
    raw_path = run_dir / "raw.jsonl"
    done = set()
    if raw_path.exists():
        done = {(Cell.of(r), r["process"]) for r in records.read(raw_path)}
    return [job for job in plan(cells, processes) if job not in done]


def run_matrix(
    run_dir: Path,
    cells: Sequence[Cell],
    profile: Profile,
    jobs: Sequence[tuple],
    on_job: Optional[Callable[[Cell, int, int], None]] = None,
    peaks: Optional[Dict[str, float]] = None,
) -> None:
    """Run `jobs`; per-process records go to raw.jsonl at once, and a cell's aggregated records go
    to records.jsonl as soon as its last process is in."""
    raw_path, records_path = run_dir / "raw.jsonl", run_dir / "records.jsonl"
    finished = {Cell.of(r) for r in (records.read(records_path) if records_path.exists() else [])}
    for number, (cell, rep) in enumerate(jobs):
        if on_job:
            on_job(cell, rep, number)
        for raw in launch(cell, profile, cell.tasks):
            records.append(raw_path, dict(raw, process=rep))
        cell_raw = [r for r in records.read(raw_path) if Cell.of(r) == cell]
        if len({r["process"] for r in cell_raw}) == profile.processes and cell not in finished:
            for task in cell.tasks:
                cell_peak = (peaks or {}).get(str(cell.threads))
                records.append(records_path, aggregate([r for r in cell_raw if r["task"] == task], profile.processes, cell_peak))
            finished.add(cell)


def reaggregate(run_dir: Path, meta: Dict) -> None:
    """Rebuild records.jsonl from raw.jsonl with the current aggregation (e.g. after adding a metric)."""
    raw = records.read(run_dir / "raw.jsonl")
    processes = meta["plan"]["profile"]["processes"]
    groups: Dict[tuple, List[Dict]] = {}
    for r in raw:
        if r["process"] < processes:  # a plan cut down to fewer processes keeps its first ones
            groups.setdefault(records.cell_key(r), []).append(r)
    lines = []
    for key, group in groups.items():
        if len({r["process"] for r in group}) == processes:
            peak = (meta.get("peak_gflops") or {}).get(str(key[3]))
            lines.append(json.dumps(aggregate(group, processes, peak)))
    records.write_atomic(run_dir / "records.jsonl", "\n".join(lines) + "\n")
