"""The run vocabulary in one place: tasks, suites, modes, cells, profiles, and the plan of a run.

A *cell* is one framework x model x mode x thread setting in one suite; each cell yields one
record per task of its suite (the speed suite: train, infer_b1, infer_b64; the tta suite: tta).
Standard library only: the worker imports it too.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

BASELINE = "torch"  # ratios are taken against PyTorch in the same run


@dataclass(frozen=True)
class Task:
    name: str
    suite: str
    batch: Optional[int]  # None: the model spec's training batch
    title: str
    kind: str = ""  # "train" or "infer" for the scaling suite's tasks
    hidden: Optional[int] = None  # the MLP's hidden width, scaling suite


# The size sweep (scaling suite): the MLP from overhead-bound to compute-bound, widths at batch 64
# and batch sizes at width 512; a training step and an inference call at each size.
SWEEP = tuple((h, 64) for h in (32, 128, 512, 2048, 4096)) + tuple((512, b) for b in (1, 8, 256, 1024))
SCALING_TASKS = tuple(Task(f"scale_{kind}_h{h}_b{b}", "scaling", b, f"{kind} at hidden {h}, batch {b}", kind, h)
                      for h, b in SWEEP for kind in ("train", "infer"))
TASKS: Dict[str, Task] = {t.name: t for t in (
    Task("train", "speed", None, "training step"),
    Task("infer_b1", "speed", 1, "inference latency (batch 1)"),
    Task("infer_b64", "speed", 64, "inference (batch 64)"),
    Task("tta", "tta", None, "time to target test accuracy on scikit-learn digits (training ms)"),
    *SCALING_TASKS,
)}
SUITES: Dict[str, tuple] = {s: tuple(t.name for t in TASKS.values() if t.suite == s) for s in ("speed", "tta", "scaling")}
MODES = ("eager", "compiled", "xla")  # display order; which a framework has is in its folder (benchmarks/frameworks)
TUNINGS = ("default", "documented", "all")  # knobs a framework's documentation lists; and undocumented ones


def task_order(task: str) -> int:
    return list(TASKS).index(task) if task in TASKS else len(TASKS)


def suite_of(task: str) -> str:
    return TASKS[task].suite if task in TASKS else "speed"


def baseline_mode(mode: str) -> str:
    """PyTorch's counterpart of a mode: XLA compares with torch.compile."""
    return "compiled" if mode == "xla" else mode


@dataclass(frozen=True)
class Cell:
    framework: str
    model: str
    mode: str
    threads: int
    suite: str = "speed"
    tuning: str = "default"  # which framework knobs are set (TUNINGS)

    @property
    def tasks(self) -> tuple:
        return SUITES[self.suite]

    @staticmethod
    def of(record: Dict) -> "Cell":
        return Cell(record["framework"], record["model"], record["mode"], record["threads"], suite_of(record["task"]),
                    record.get("tuning", "default"))


@dataclass(frozen=True)
class Profile:
    processes: int  # worker processes per cell
    samples: int  # most samples per task per process
    min_samples: int  # the fewest samples, even past the budget (a step may take seconds)
    max_seconds: float  # time budget per task per process, once min_samples are in
    warmup: int  # most warm-up calls before inference (within half the budget); training: the parity steps
    min_sample_ms: float  # fast calls are looped so one sample lasts at least this long
    timeout_s: float  # per worker process
    retries: int = 1  # relaunches of a process that died by a signal or timed out
    target_ci: float = 0.02  # stop once the median's 95% interval half-width is within this fraction of it
    tight_after: int = 10  # ... and at least this many samples are in
    later_parity_steps: int = 2  # a cell's processes after its first check parity over this many steps (their warm-up)
    first_parity_steps: int = 0  # ... and its first process over this many (0: the spec's PARITY_STEPS, 4 or 10)
    rounds: int = 4  # the size sweep times its sizes in this many interleaved rounds, sharing max_seconds
    host_retries: int = 1  # relaunches of a process taken while the host ran its cores slow (guard.HOST_SLOW)
    host_wait_s: float = 10.0  # before a worker starts, wait while the host runs its cores slow, no longer than this
    host_retry_share: float = 0.25  # slow-host retakes, worst first, may use this share of the first pass's time
    busy_cores: float = 0.25  # before a worker starts, wait while other processes use more than this many cores
    max_wait_s: float = 120.0  # ... but no longer than this
    shared_processes: bool = True  # a cell's later processes each measure every model of its framework x mode x
    # threads x tuning in turn (rotated): one import for several cells. Its first process stays alone (cold facts)
    baseline_factor: int = 1  # PyTorch's cells, the denominator of every ratio, take this many times the processes

    def processes_for(self, cell: "Cell") -> int:
        return processes_of(cell, self.processes, self.baseline_factor)


def processes_of(cell: Cell, processes: int, baseline_factor: int = 1) -> int:
    """Worker processes of `cell`: `processes`, and `baseline_factor` times as many for PyTorch's cells (whose
    headline is still the minimum `processes` of them would show: stats.minimum_of_k)."""
    return processes * (baseline_factor if cell.framework == BASELINE else 1)


PROFILES = {
    # a first look: a slow host noted only; a two-step parity gate and two samples of a slow call (MindSpore's ResNet
    # steps take seconds) keep it within 5 minutes
    "quick": Profile(processes=1, samples=100, min_samples=2, max_seconds=0.25, warmup=3, min_sample_ms=1.0,
                     timeout_s=900, max_wait_s=30.0, host_retries=0, host_wait_s=0.0, first_parity_steps=2),
    "default": Profile(processes=3, samples=200, min_samples=2, max_seconds=0.6, warmup=5, min_sample_ms=1.0,
                       timeout_s=900, baseline_factor=2),
}


@dataclass
class Plan:
    """What a run measures: its cells and the sampling profile, stored in meta.json as "plan"."""
    cells: List[Cell]
    profile: Profile
    name: str = "default"  # the profile's name

    @property
    def frameworks(self) -> List[str]:
        return list(dict.fromkeys(c.framework for c in self.cells))

    def to_meta(self) -> Dict:
        return {"cells": [asdict(c) for c in self.cells], "profile": asdict(self.profile)}

    @staticmethod
    def from_meta(meta: Dict) -> "Plan":
        p = meta["plan"]
        return Plan([Cell(**c) for c in p["cells"]], Profile(**p["profile"]), meta.get("profile", "default"))

    def extended(self, cells: Iterable[Cell]) -> "Plan":
        """This plan plus the given cells it does not hold yet (for --append), keeping its profile."""
        known = set(self.cells)
        return replace(self, cells=self.cells + [c for c in cells if c not in known])


def jobs(cells: Sequence[Cell], processes: int, shared: bool = False, baseline_factor: int = 1) -> List[tuple]:
    """(cells, process index) jobs, one worker process each, interleaved: each round visits every cell,
    rotated, and PyTorch's cells come back for `baseline_factor` times the rounds. A cell's first process
    (index 0) measures it alone: import, first step, time to first step and memory are a fresh process's.
    With `shared`, each later process measures every cell of one framework x mode x threads x suite x
    tuning in turn, their order rotated from process to process."""
    counts = {c: processes_of(c, processes, baseline_factor) for c in cells}
    out = []
    for rep in range(max(counts.values(), default=0)):
        shift = rep % len(cells)
        rotated = [c for c in list(cells[shift:]) + list(cells[:shift]) if rep < counts[c]]
        if rep == 0 or not shared:
            out += [((cell,), rep) for cell in rotated]
            continue
        groups: Dict[tuple, List[Cell]] = {}
        for cell in rotated:
            groups.setdefault(process_group(cell), []).append(cell)
        for members in groups.values():
            members.sort(key=cells.index)
            turn = rep % len(members)
            out.append((tuple(members[turn:] + members[:turn]), rep))
    return out


def process_group(cell: Cell) -> tuple:
    """What the cells that may share a worker process have in common: everything but the model."""
    return cell.framework, cell.mode, cell.threads, cell.suite, cell.tuning


def expected_cost(cell: Cell, previous: Optional[Dict[Cell, float]] = None) -> float:
    """Seconds a cell is expected to take: its worker seconds in a previous run when known, else a
    rough static estimate (ResNet and Transformer steps are the long ones, compilation doubles)."""
    if previous and cell in previous:
        return previous[cell]
    heavy = {"resnet": 3.0, "transformer": 1.5}.get(cell.model, 1.0)
    return (2.0 + len(cell.tasks)) * heavy * (1.0 if cell.mode == "eager" else 2.0)


def shard(cells: Sequence[Cell], index: int, count: int, cost: Callable[[Cell], float]) -> List[Cell]:
    """Shard `index` (1-based) of `count`: cells dealt longest first to the least-loaded shard
    (deterministic: ties go to the lower index), returned in plan order."""
    loads, owner = [0.0] * count, {}
    for i in sorted(range(len(cells)), key=lambda i: (-cost(cells[i]), i)):
        target = min(range(count), key=lambda s: (loads[s], s))
        owner[i], loads[target] = target, loads[target] + cost(cells[i])
    return [c for i, c in enumerate(cells) if owner[i] == index - 1]


def plan_digest(cells: Sequence[Cell]) -> str:
    """A short fingerprint of a whole plan's cells: shards of one plan share it."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps([asdict(c) for c in cells]).encode()).hexdigest()[:16]


def available_models(suite: str = "speed", root: Optional[Path] = None) -> List[str]:
    """Models with a spec; for the tta suite, those whose spec defines TTA settings."""
    import importlib

    from benchmarks import REPO_ROOT

    names = sorted(p.parent.name for p in ((root or REPO_ROOT) / "models").glob("*/spec.py"))
    if suite == "tta":
        names = [m for m in names if hasattr(importlib.import_module(f"models.{m}.spec"), "TTA")]
    if suite == "scaling":
        names = [m for m in names if m == "mlp"]  # the sweep varies the MLP's width and batch
    return names


def build_cells(frameworks: Sequence[str], models: Sequence[str], modes: Sequence[str], threads: Sequence[int],
                suite: str, modes_of: Callable[[str], Iterable[str]], tunings: Sequence[str] = ("default",),
                knobs_of: Callable[[str, str], tuple] = lambda fw, tuning: ()) -> List[Cell]:
    """Every selected framework x model x mode x thread setting that the framework has, in run order; a
    tuning level adds cells only for frameworks whose knobs at that level differ from the level below."""
    def differs(fw: str, tuning: str) -> bool:
        return tuning == "default" or knobs_of(fw, tuning) != knobs_of(fw, TUNINGS[TUNINGS.index(tuning) - 1])

    return [Cell(fw, m, mode, t, suite, tuning) for tuning in tunings for t in threads for m in models
            for mode in modes for fw in frameworks if mode in modes_of(fw) and differs(fw, tuning)]


def with_options(profile: Profile, **options) -> Profile:
    """The profile with the options that were given (None: keep the profile's value)."""
    return replace(profile, **{k: v for k, v in options.items() if v is not None})
