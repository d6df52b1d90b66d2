"""The release sweep: today's model files, unchanged, on each framework's earlier releases (issue #39).

Each earlier release has a recipe, `benchmarks/frameworks/<framework>/releases/<version>.txt`, in the format of
the pinned `requirements.txt` beside it, and gets an environment of its own under ~/.cache/fwbench/releases. The newest
release is today's pinned environment. On each release a long-lived worker (benchmarks.measure.worker --serve)
takes every model through the parity gate: the model *runs*, or meets an *API break* (the exception and
the line of the model file that raised it), a *numeric change* (runs, fails parity: by how much), or the
release *cannot install*. For the models that run, the MLP's and the ResNet's training step and batch-64
inference are timed in paired trials against the pinned release (paired.py's method: RMIT rounds, each
pair side by side in time), as shipped, on one thread: time relative to the newest release.

Environments of past releases are large (PyPI's Linux wheels of PyTorch and OneFlow are CUDA builds): the
sweep builds one, measures it, and removes it when the releases' environments hold more than `cap_gb`.
Each release's record is appended as soon as it is measured, so an interrupted sweep resumes where it
stopped.
"""
from __future__ import annotations

import random
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from benchmarks import REPO_ROOT
from benchmarks.core import plan, stats
from benchmarks.measure import envs
from benchmarks.measure.envs import EnvSpec
from benchmarks.core.errors import UserError
from benchmarks.frameworks import get_framework
from benchmarks.core.plan import Cell

SPEED_MODELS = ("mlp", "resnet")
SPEED_TASKS = ("train", "infer_b64")
ROUNDS = 6
CAP_GB = 30.0
PROFILE = plan.with_options(plan.PROFILES["default"], processes=1)  # the full parity gate, once per worker
OUTCOMES = ("runs", "numeric change", "API break", "harness break", "cannot import", "cannot install")


@dataclass(frozen=True)
class Release:
    framework: str
    version: str
    spec: EnvSpec
    newest: bool = False  # today's pinned environment


def releases_of(framework: str) -> List[Release]:
    """The framework's earlier releases with a recipe, oldest first, then its pinned (newest) release."""
    from packaging.version import Version

    folder = get_framework(framework).releases_dir()
    files = sorted(folder.glob("*.txt"), key=lambda f: Version(f.stem))
    pinned = envs.load_spec(framework)
    return [Release(framework, f.stem, envs.parse_spec(framework, f, f.stem)) for f in files] + \
        [Release(framework, "pinned", pinned, newest=True)]


def recipe_name(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return file.name


def install_error(text: str) -> str:
    """One line for a failed build: pip's own ERROR line where there is one, else the last line that names an
    exception (`AttributeError: ...`), else the last line."""
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR:")] or \
        [ln for ln in lines if re.match(r"[\w.]+(Error|Exception|Warning)\b.*:", ln)]
    return ((errors or lines or ["unknown failure"])[-1])[:300]


def build(release: Release, on_line: Callable[[str], None] = lambda line: None) -> Dict:
    """The release's environment, built when missing: its marker, or {"install_error": one line}."""
    marker = release.spec.marker()
    if marker:
        return marker
    try:
        return envs.create(release.spec, on_line)
    except (RuntimeError, OSError) as exc:
        if release.spec.path.exists() and not release.newest:
            shutil.rmtree(release.spec.path, ignore_errors=True)
        stage = "install"
        if "does not import" in str(exc):  # pip succeeded, the import failed: in the framework, or in fwbench's glue
            frames = re.findall(r'File "([^"]+)"', str(exc))
            stage = "harness" if frames and "/benchmarks/" in frames[-1] else "import"
        return {"install_error": install_error(str(exc)), "stage": stage}
    except UserError as exc:  # no Python of that version here
        return {"install_error": str(exc).splitlines()[0][:300]}


def releases_gb() -> float:
    root = envs.cache_root() / "releases"
    return envs.dir_size_mb(root) / 1024 if root.exists() else 0.0


def trim(release: Release, cap_gb: float = CAP_GB) -> bool:
    """Remove a measured release's environment when the releases' environments exceed the cap."""
    if release.newest or releases_gb() <= cap_gb:
        return False
    shutil.rmtree(release.spec.path, ignore_errors=True)
    return True


def outcome_of(server, model: str) -> Dict:
    """What happened to one model on a prepared server: runs, numeric change, an API break (or a break in
    fwbench's own glue), or the framework did not import."""
    ready = [r for r in server.ready.values() if r.get("model") == model]
    if ready and all(r.get("status") == "ok" for r in ready):
        r = ready[0]
        return {"outcome": "runs", "forward": r.get("parity_forward_max_abs"), "loss": r.get("parity_loss_max_rel")}
    failed = next((r for r in ready if r.get("status") == "parity-failed"), None)
    if failed:
        return {"outcome": "numeric change", "forward": failed.get("parity_forward_max_abs"),
                "loss": failed.get("parity_loss_max_rel"), "forward_tol": failed.get("forward_tol"),
                "loss_tol": failed.get("loss_tol"), "error": failed.get("reason", "")}
    line = server.error_lines.get(model) or server.error_lines.get(None) \
        or {"error": server.errors.get(model) or server.errors.get(None) or "no record came back"}
    at, where = line.get("error_at", ""), line.get("error_in")
    kind = "API break" if where == "model" else "harness break" if where else "cannot import"
    if model not in server.error_lines and where != "model":  # the worker itself failed: the import
        kind = "cannot import"
    return {"outcome": kind, "error": line.get("error", ""), "at": at, "code": line.get("error_code", "")}


def paired_speed(release_server, pinned_server, cells: Sequence[Cell], rounds: int, rng: random.Random,
                 on_trial: Optional[Callable[[int, int], None]] = None) -> Dict[str, Dict]:
    """Time on this release relative to the pinned one, per "model:task", from RMIT rounds of paired trials."""
    from benchmarks.measure.paired import Call, machine_load, schedule, take_pair, trial_estimate

    calls = [Call(c, t, c.framework) for c in cells for t in SPEED_TASKS]
    pairs: Dict[Call, List[tuple]] = {call: [] for call in calls}
    loads: Dict[Call, List[Dict]] = {call: [] for call in calls}
    order = list(schedule(calls, rounds, rng))
    for number, (_, call, pinned_first) in enumerate(order):
        mine, theirs = release_server.call_key(call.cell, call.task), pinned_server.call_key(call.cell, call.task)
        if mine is None or theirs is None:
            continue
        pair = take_pair(release_server, mine, pinned_server, theirs, number, pinned_first)
        if pair:
            pairs[call].append((trial_estimate(pair[0]), trial_estimate(pair[1])))
            loads[call].append(pair[2])
        if on_trial:
            on_trial(number + 1, len(order))
    out = {}
    for call, found in pairs.items():
        estimate = stats.paired_ratio([found])
        if estimate:
            out[f"{call.cell.model}:{call.task}"] = {"ratio": estimate[0], "ci": [estimate[1], estimate[2]],
                                                    "pairs": len(found),
                                                    "ms": stats.geomean([mine for mine, _ in found]),
                                                    **machine_load(loads[call])}
    return out


def sweep(folder, frameworks: Sequence[str], rounds: int = ROUNDS, cap_gb: float = CAP_GB, seed: int = 0,
          models: Optional[Sequence[str]] = None, launch: Optional[Callable] = None,
          on_progress: Callable[[str], None] = lambda text: None) -> None:
    """Every framework's releases, one at a time: build, check every model, time the speed calls against the
    pinned release, record, trim. Releases already in the folder's records are skipped (resume)."""
    from benchmarks.measure.paired import launch_server
    from benchmarks.frameworks import default_mode

    launch = launch or launch_server
    done = {(r["framework"], r["release"]) for r in folder.releases()}
    for framework in frameworks:
        todo = [r for r in releases_of(framework) if (framework, r.version) not in done]
        if not todo:
            continue
        cells = [Cell(framework, model, default_mode(framework), 1) for model in models or plan.available_models()]
        speed_cells = [c for c in cells if c.model in SPEED_MODELS]
        on_progress(f"{framework}: the pinned release, every model through parity")
        pinned = launch(cells, PROFILE, seed, tasks=SPEED_TASKS)
        pinned.wait_ready()
        try:
            for release in todo:
                folder.append_release(measure_release(release, pinned, cells, speed_cells, rounds, seed, launch,
                                                      on_progress))
                if trim(release, cap_gb):
                    on_progress(f"{framework} {release.version}: environment removed (releases over {cap_gb:g} GB)")
        finally:
            pinned.stop()


def measure_release(release: Release, pinned, cells: Sequence[Cell], speed_cells: Sequence[Cell], rounds: int,
                    seed: int, launch: Callable, on_progress: Callable[[str], None]) -> Dict:
    """One release's record: its install facts, each model's outcome, and (earlier releases) its paired speed."""
    name = f"{release.framework} {release.version}"
    record = {"framework": release.framework, "release": release.version, "newest": release.newest,
              "python": release.spec.python, "recipe": recipe_name(release.spec.file)}
    if release.newest:  # its server is the one every earlier release is timed against
        installed = (release.spec.marker() or {}).get("framework_version")
        return dict(record, installed=installed, **checked(pinned, cells, installed), measured_at=now())
    on_progress(f"{name}: building its environment")
    marker = build(release, lambda line: on_progress(f"{name}: {line[:90]}"))
    if "install_error" in marker:
        outcome = {"import": "cannot import", "harness": "harness break"}.get(marker.get("stage"), "cannot install")
        return dict(record, installed=None, install_error=marker["install_error"],
                    models={c.model: {"outcome": outcome, "error": marker["install_error"]} for c in cells})
    record.update(installed=marker.get("framework_version"), install_s=marker.get("install_s"),
                  size_mb=marker.get("size_mb"))
    on_progress(f"{name}: every model through parity")
    server = launch(cells, PROFILE, seed, spec=release.spec, tasks=SPEED_TASKS)
    try:
        server.wait_ready()
        record.update(checked(server, cells, record["installed"]))
        runs = [c for c in speed_cells if record["models"][c.model]["outcome"] == "runs"]
        rng = random.Random(f"{seed}:{release.framework}:{release.version}")
        record["speed"] = paired_speed(server, pinned, runs, rounds, rng,
                                       lambda done, total: on_progress(f"{name}: trial pair {done} of {total}"))
    finally:
        server.stop()
    return dict(record, measured_at=now())


def checked(server, cells: Sequence[Cell], installed: Optional[str]) -> Dict:
    """A prepared server's findings: each model's outcome, the version it reported, its kernel libraries."""
    first = next(iter(server.ready.values()), {})
    return {"models": {c.model: outcome_of(server, c.model) for c in cells},
            "framework_version": first.get("framework_version", installed),
            "kernel_libraries": first.get("kernel_libraries", [])}  # a speed change's first suspect


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def fix_hint(outcome: Dict) -> str:
    """For an API break that is a plain rename or a missing name, what the model file would need."""
    error = outcome.get("error", "")
    missing = re.search(r"has no attribute '([^']+)'", error)
    if missing:
        return f"`{missing.group(1)}` does not exist in this release: the model file needs an older spelling"
    keyword = re.search(r"unexpected keyword argument '([^']+)'", error)
    if keyword:
        return f"the keyword `{keyword.group(1)}` is newer than this release"
    call = re.search(r"(\S+)\(\) takes (\d+) positional arguments? but (\d+) (?:were|was) given", error)
    if call:
        return f"`{call.group(1)}` takes {int(call.group(2)) - 1} argument(s) here, not {int(call.group(3)) - 1}: its signature changed"
    return ""
