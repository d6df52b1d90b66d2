"""Launches one worker process at a time, retries transient deaths, aggregates and stores records."""
from __future__ import annotations

import json
import os
import statistics
import time
from collections import deque
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from benchmarks import REPO_ROOT
from benchmarks.core import records
from benchmarks.core.records import last_attempts
from benchmarks.core.run_folder import RunFolder, run_commit  # noqa: F401 (run_commit: cli's)
from benchmarks.measure.envs import load_spec, worker_env
from benchmarks.core.plan import TASKS, Cell, Profile, jobs
from benchmarks.measure.process_group import run_in_group
from benchmarks.measure.reference import reference, reference_path, variant_for
from benchmarks.core.stats import paired_ratio, summarize


USABLE = sorted(os.sched_getaffinity(0))  # at start: the harness later moves itself off the worker's cores


def cpus_for(threads: int) -> List[int]:
    return USABLE[:threads]


def failure_records(cell: Cell, status: str, reason: str, tasks: Sequence[str], **extra) -> List[Dict]:
    return [dict(asdict(cell), task=t, status=status, reason=reason, **extra) for t in tasks]


def is_transient(record: Dict) -> bool:
    """A process that timed out or was killed by a signal may pass when run again; an error will not."""
    return record["status"] == "timeout" or bool(record.get("signal"))


def parse_worker_output(out: str) -> tuple:
    """From a worker's stdout: its task records by (model, task), and its errors by model (None: the
    process's own, e.g. at import). Lines that are not records are ignored."""
    found, errors = {}, {}
    for line in out.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and "error" in obj:
            errors[obj.get("model")] = str(obj["error"])
        elif isinstance(obj, dict) and obj.get("task") in TASKS and isinstance(obj.get("status"), str):
            found[(obj.get("model"), obj["task"])] = obj
    return found, errors


def knob_env(cell: Cell) -> Dict[str, str]:
    """The environment variables of the knobs that the cell's tuning level applies on this CPU."""
    from benchmarks.frameworks import get_framework
    from benchmarks.core.hardware import cpu_traits

    knobs = get_framework(cell.framework).knobs_for(cell.tuning, cpu_traits())
    return {k: v for knob in knobs for k, v in knob.env.items()}


def model_request(cell: Cell, tasks: Sequence[str], seed: int) -> Dict:
    """What the worker needs for one model: its tasks and its reference (a file per size in the sweep,
    whose large batches' logits would make the request too long)."""
    request = {"model": cell.model, "tasks": list(tasks)}
    if cell.suite == "tta":
        from benchmarks.measure import tta

        request["tta"] = tta.request(cell.model)
    elif cell.suite == "scaling":
        request["references"] = {t: str(reference_path(cell.model, seed, variant_for(cell.model, cell.framework),
                                                       TASKS[t].hidden, TASKS[t].batch)) for t in tasks}
    else:
        request["reference"] = reference(cell.model, seed, variant_for(cell.model, cell.framework))
    return request


def worker_request(cells: Sequence[Cell], profile: Profile, tasks: Optional[Sequence[str]], seed: int,
                   process: int = 0) -> Dict:
    """Everything one worker process needs, as JSON: the cells' common settings and each model's part
    (`tasks`: all of a cell's when None). A cell's first process checks parity over the spec's full
    PARITY_STEPS (or profile.first_parity_steps); its later ones over profile.later_parity_steps (their
    training warm-up)."""
    first = asdict(cells[0])
    first.pop("model")
    request = dict(first, **asdict(profile), seed=seed, cpus=cpus_for(cells[0].threads), knobs=knob_env(cells[0]),
                   parity_steps=(profile.first_parity_steps or None) if process == 0 else profile.later_parity_steps,
                   cells=[model_request(c, tasks or c.tasks, seed) for c in cells])
    request["launched_at"] = time.time()  # after the references, which may take a moment to compute
    return request


def launch(cell: Cell, profile: Profile, tasks: Optional[Sequence[str]] = None, seed: int = 0,
           process: int = 0) -> List[Dict]:
    """Run one worker process for one cell; always returns one record per task, failed ones included."""
    return launch_cells([cell], profile, tasks, seed, process)


def launch_cells(cells: Sequence[Cell], profile: Profile, tasks: Optional[Sequence[str]] = None, seed: int = 0,
                 process: int = 0) -> List[Dict]:
    """Run one worker process (the `process`-th of each cell) that measures the cells in turn, at most
    profile.timeout_s per cell; always returns one record per cell and task, failed ones included."""
    wanted = [(c, t) for c in cells for t in (tasks or c.tasks)]

    def filled(found: Dict, status: str, why: Callable[[Cell], tuple]) -> List[Dict]:
        """The worker's record of each wanted task where it wrote one, else a failure: why(cell) -> (reason, extra)."""
        return [found.get((c.model, t)) or failure_records(c, status, why(c)[0], [t], **why(c)[1])[0] for c, t in wanted]

    spec = load_spec(cells[0].framework)
    request = worker_request(cells, profile, tasks, seed, process)
    cmd = [str(spec.interpreter), "-m", "benchmarks.measure.worker", "-"]  # the request on stdin: it may be long
    timeout = profile.timeout_s * len(cells)
    try:  # its own session: whatever it leaves running is ended with it, and a stray never holds its output
        done = run_in_group(cmd, json.dumps(request), timeout, dict(worker_env(spec, cells[0].threads), **request["knobs"]),
                            REPO_ROOT)
    except OSError as exc:
        reason = f"cannot start worker: {exc} (run `fwbench setup {cells[0].framework}`)"
        return filled({}, "failed", lambda c: (reason, {}))
    if done.timed_out:
        return filled(parse_worker_output(done.stdout)[0], "timeout", lambda c: (f"worker exceeded {timeout:g} s", {}))
    found, errors = parse_worker_output(done.stdout)
    if None not in errors:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        how = f"killed by signal {-done.returncode}" if done.returncode < 0 else f"exit {done.returncode}"
        errors[None] = f"worker {how}: {tail}"[:500]
    died = {"signal": -done.returncode} if done.returncode < 0 else {}
    # a cell that raised failed on its own; the others the process's end took down
    final = filled(found, "failed", lambda c: (errors[c.model], {}) if c.model in errors else (errors[None], died))
    # processes it left that it could not end itself, ended by run_in_group: raw.jsonl keeps how many
    return [dict(r, strays_ended=done.strays) for r in final] if done.strays else final


WARM_PROFILE = Profile(processes=1, samples=1, min_samples=1, max_seconds=0.0, warmup=0, min_sample_ms=0.0,
                       timeout_s=900, later_parity_steps=1)  # one step and one call of each task


def warm_caches(framework: str, modes: Sequence[str], threads: Sequence[int]) -> Dict:
    """Run every model of `framework` once in each of `modes` and `threads` (a worker process per mode and
    thread setting, one parity step and one call per task), so that the kernels it compiles and keeps on
    disk are there before a run. Returns the seconds that took (`warm_pass_s`) and any failures."""
    from benchmarks.core.plan import available_models

    started, failed = time.time(), {}
    for mode in modes:
        for count in threads:
            cells = [Cell(framework, model, mode, count) for model in available_models()]
            for r in launch_cells(cells, WARM_PROFILE, process=1):
                if r["status"] != "ok":  # a cell's first failing task says why
                    failed.setdefault(f"{r['model']} {mode} t{count}", r["reason"])
    return {"warm_pass_s": round(time.time() - started, 1),
            "warm_pass_failures": [f"{cell}: {reason}" for cell, reason in failed.items()]}


# What a fresh worker process shows of a cell, and one that measured other cells first would not:
# taken from the processes that measured the cell alone (its first one at least).
COLD_FACTS = ("first_step_ms", "import_s", "time_to_first_step_s", "worker_s")


def threads_verified(cpu_wall_ratio: float, threads: int) -> bool:
    """False when the worker burned more CPU than its thread setting allows (oversubscription)."""
    return cpu_wall_ratio <= threads * 1.1 + 0.05


def cell_status(final: List[Dict], processes: int) -> tuple:
    """(status, reason, warnings): a lost process is tolerated while min(2, processes) good ones remain,
    and only when it was lost to a transient cause (a signal, a timeout)."""
    ok = [r for r in final if r["status"] == "ok"]
    bad = [r for r in final if r["status"] != "ok"]
    if not bad:
        return "ok", "", []
    reason = bad[0]["reason"] if len(bad) == len(final) else f"{len(bad)} of {len(final)} processes: {bad[0]['reason']}"
    if all(is_transient(r) for r in bad) and len(ok) >= min(2, processes):
        return "ok", "", [f"lost {reason}"]
    return bad[0]["status"], reason, []


def aggregate(raw: List[Dict], processes: int, peak_gflops: Optional[float] = None,
              commit: Optional[str] = None, over_processes: Optional[int] = None) -> Dict:
    """One record for one cell and task from its per-process records; code metrics of the model file
    at `commit` (the run's; None: the working tree). With `over_processes` fewer than the cell's
    `processes` (PyTorch's cells), its headline is the minimum that many would show (stats.minimum_of_k)."""
    from benchmarks.measure.loc import metrics as code_metrics

    final = last_attempts(raw)
    ok = [r for r in final if r["status"] == "ok"]
    base = dict(ok[0] if ok else final[0])
    for key in ("loops", "attempt", "signal", "position", "launch", "shared_with", "strays_ended", "pair_ms",
                "baseline_first", "trials", "worker_prepare_s", "role", "ready"):
        base.pop(key, None)
    base["processes"] = len(final)
    base["shared_processes"] = sum((r.get("shared_with") or 1) > 1 for r in final)  # measured other cells too
    status, reason, warnings = cell_status(final, processes)
    base.update(status=status, reason=reason)
    relaunched = {r.get("process") for r in raw if r.get("attempt", 0) > 0}
    first = [r for r in raw if r.get("attempt", 0) == 0 and r.get("process") in relaunched]
    retried = [r for r in first if r["status"] != "ok"]  # lost; the others were taken again on a slow host
    if retried:
        base["retried"] = len(retried)
        warnings.append(f"retried {len(retried)} process(es): {retried[0]['reason']}")
    base["host_retried"] = len(first) - len(retried)
    if warnings:
        base["warnings"] = warnings
    groups = [r["samples_ms"] for r in ok if r.get("samples_ms")]
    base["samples_ms"] = [s for g in groups for s in g]
    base["process_medians_ms"] = [statistics.median(g) for g in groups]
    faults = [r["page_faults_per_step"]["minor"] for r in ok if r.get("samples_ms") and r.get("page_faults_per_step")]
    if len(faults) == len(groups):  # each process's pages mapped afresh per call, beside its median
        base["process_page_faults"] = [round(f, 1) for f in faults]
    if groups and status == "ok":
        base.update(summarize(groups, over_processes))
        alone = [r for r in ok if (r.get("shared_with") or 1) == 1] or ok
        for key in ("cpu_wall_ratio", "seconds_to_target"):
            values = [r[key] for r in ok if r.get(key) is not None]
            base[key] = statistics.median(values) if values else None
        for key in COLD_FACTS:  # a process that measured other cells first would bend them
            values = [r[key] for r in alone if r.get(key) is not None]
            base[key] = statistics.median(values) if values else None
        base["peak_rss_mb"] = max(r["peak_rss_mb"] for r in alone)
        for key in ("background_cpu", "steal", "host_slowdown"):  # the busiest process: a busy machine taints the cell
            values = [r[key] for r in ok if r.get(key) is not None]
            base[key] = max(values) if values else None
        base["waited_s"] = round(sum(r.get("waited_s") or 0 for r in ok), 1)
        for key in ("thread_cpu_ms_per_step", "ctx_switches_per_step", "page_faults_per_step"):
            per_process = [r[key] for r in ok if r.get(key)]
            if per_process:  # the median over processes, name by name
                names = dict.fromkeys(n for d in per_process for n in d)
                base[key] = {n: statistics.median(d.get(n, 0.0) for d in per_process) for n in names}
        if base.get("flops_per_step"):
            base["achieved_gflops"] = base["flops_per_step"] / (base["time_ms"] / 1000) / 1e9
            base["peak_gflops"] = peak_gflops
            base["peak_fraction"] = base["achieved_gflops"] / peak_gflops if peak_gflops else None
        if base.get("cpu_wall_ratio") is not None:
            base["threads_verified"] = threads_verified(base["cpu_wall_ratio"], base["threads"])
        paired = paired_ratio([r["pair_ms"] for r in ok if r.get("pair_ms")])
        if paired:  # paired trials (benchmarks/measure/paired.py): the ratio measured as a ratio
            base.update(paired_ratio=paired[0], paired_ci=list(paired[1:]),
                        pairs=sum(len(r["pair_ms"]) for r in ok if r.get("pair_ms")))
    else:
        base.update(median_ms=None, ci95_ms=None, cv=None, noisy=None, time_ms=None, time_ci95_ms=None,
                    unsteady=None)
    for key in ("framework_version", "python", "first_step_ms", "parity_forward_max_abs",
                "parity_loss_max_rel", "batch"):
        base.setdefault(key, None)
    code = code_metrics(base["model"], base["framework"], commit)
    base.update({k: v for k, v in code.items() if k != "api_call_names"})
    base["schema_version"] = records.SCHEMA_VERSION
    return base


def remaining_jobs(run_dir: Path, cells: Sequence[Cell], profile: Profile) -> List[tuple]:
    """The planned (cells, process) jobs, less the cells of each that have a record in raw.jsonl (all of
    them for a new run)."""
    done = {(Cell.of(r), r["process"]) for r in RunFolder(run_dir).raw()}
    planned = jobs(cells, profile.processes, profile.shared_processes, profile.baseline_factor)
    todo = [(tuple(c for c in group if (c, rep) not in done), rep) for group, rep in planned]
    return [job for job in todo if job[0]]


def failed_jobs(run_dir: Path, cells: Sequence[Cell]) -> List[tuple]:
    """((cell,), process, next attempt) of every planned process whose last attempt failed or timed out;
    each runs alone."""
    planned = set(cells)
    latest: Dict[tuple, tuple] = {}  # (cell, process) -> (attempt, its records)
    for r in RunFolder(run_dir).raw():
        key, attempt = (Cell.of(r), r["process"]), r.get("attempt", 0)
        if key[0] not in planned:
            continue
        if key not in latest or attempt > latest[key][0]:
            latest[key] = (attempt, [r])
        elif attempt == latest[key][0]:
            latest[key][1].append(r)
    return [((cell,), p, attempt + 1) for (cell, p), (attempt, rs) in latest.items()
            if any(r["status"] in ("failed", "timeout") for r in rs)]


def run_matrix(
    run_dir: Path,
    profile: Profile,
    todo: Sequence[tuple],
    on_job: Optional[Callable[[Sequence[Cell], int, int, int], None]] = None,
    peaks: Optional[Dict[str, float]] = None,
    commit: Optional[str] = None,
    on_busy: Optional[Callable[[float, float], None]] = None,
    host: Optional["guard.HostSpeed"] = None,
) -> Dict:
    """Run the (cells, process[, attempt]) jobs, one worker process each; per-process records go to
    raw.jsonl at once. Before each worker the machine must be quiet (a bounded wait); while it runs, this
    process stays off its cores and idle, and the CPU used by everything else is recorded with it, and
    how fast the host ran its cores just before and after it (`host_slowdown`). A cell lost to a signal
    or a timeout is queued again at the end (a later round), alone, up to profile.retries times. A
    process taken while the host ran its cores slow (guard.HOST_SLOW) is taken again, whole, up to
    profile.host_retries times, once the rest is done: worst first, within guard.RetakeBudget; the attempt
    on the fastest host counts. A cell's aggregated records go to records.jsonl once all its processes are
    final. Returns the retake budget's summary."""
    from benchmarks.measure import guard

    host = host or guard.HostSpeed(USABLE)
    budget = guard.RetakeBudget(profile.host_retry_share)
    folder = RunFolder(run_dir)
    queue = deque((job + (0,))[:3] for job in todo)
    slow: List[tuple] = []  # (slowdown, worker seconds, job) of processes to take again on a faster host
    retakes = set()
    total, number, last, started_run = len(queue), 0, None, time.monotonic()

    def pending(cell: Cell) -> bool:
        return any(cell in job[0] for job in list(queue) + [job for _, _, job in slow])

    try:
        while queue or slow:
            if not queue:  # the first pass is done: the slowest host's process first, while the budget lasts
                budget.first_pass_s = budget.first_pass_s or time.monotonic() - started_run
                slow.sort(key=lambda item: -item[0])
                _, cost, job = slow.pop(0)
                if budget.allows(cost):
                    queue.append(job)
                    retakes.add(job)
                    total += 1
                else:
                    skipped = [job] + [j for _, _, j in slow]
                    budget.skipped, slow = budget.skipped + len(skipped), []
                    for cell in dict.fromkeys(c for j in skipped for c in j[0]):
                        if not pending(cell):
                            write_cell(run_dir, cell, profile, peaks, commit)
                continue
            job = queue.popleft()
            cells, rep, attempt = job
            cpus = cpus_for(cells[0].threads)
            if on_job:
                on_job(cells, rep, number, total)
            number += 1
            guard.stay_off(cpus, USABLE)
            quiet = {"waited_s": 0.0}
            if last is None or last["background_cpu"] > profile.busy_cores:  # else it was quiet a moment ago
                quiet = guard.wait_for_quiet(profile.busy_cores, profile.max_wait_s, on_busy)
            slowdown, host_waited = host.wait(cpus, profile.host_wait_s)
            quiet["waited_s"] = round(quiet["waited_s"] + host_waited, 1)
            window, started = guard.Window(), time.time()
            outcome = launch_cells(cells, profile, process=rep)
            last = window.stop()
            worker_s = round(time.time() - started, 2)  # import to exit
            slowdown = max(slowdown, host.slowdown(cpus))
            if job in retakes:
                budget.took(worker_s, slowdown)
            facts = dict(last, **quiet, host_slowdown=slowdown, worker_s=worker_s, launch=f"{started:.6f}")
            for raw in outcome:
                folder.append_raw(dict(raw, process=rep, attempt=attempt, **facts))
            lost = [c for c in cells if any(is_transient(r) and Cell.of(r) == c for r in outcome)]
            if lost and attempt < profile.retries:
                queue.extend(((c,), rep, attempt + 1) for c in lost)
                total += len(lost)
            elif not lost and attempt < profile.host_retries and slowdown > guard.HOST_SLOW:
                slow.append((slowdown, worker_s, (cells, rep, attempt + 1)))
            for cell in cells:
                if not pending(cell):
                    write_cell(run_dir, cell, profile, peaks, commit)
    finally:
        guard.stay_off([], USABLE)
    return budget.summary()


def write_cell(run_dir: Path, cell: Cell, profile: Profile, peaks: Optional[Dict[str, float]],
               commit: Optional[str] = None) -> None:
    """(Re)write a cell's aggregated records once every planned process of it has a record."""
    processes = profile.processes_for(cell)
    folder = RunFolder(run_dir)
    raw = [r for r in folder.raw() if Cell.of(r) == cell and r["process"] < processes]
    if len({r["process"] for r in raw}) < processes:
        return
    existing = folder.records() if folder.has_records() else []
    peak = (peaks or {}).get(str(cell.threads))
    mine = [aggregate([r for r in raw if r["task"] == task], processes, peak, commit, profile.processes)
            for task in cell.tasks]
    if any(Cell.of(r) == cell for r in existing):  # re-aggregated after a retry: replace its lines
        folder.write_records([r for r in existing if Cell.of(r) != cell] + mine)
    else:
        for record in mine:
            folder.append_record(record)


def reaggregate(run_dir: Path, meta: Dict) -> None:
    """Rebuild records.jsonl from raw.jsonl with the current aggregation (e.g. after adding a metric);
    code metrics come from the run's own commit, not today's working tree."""
    folder = RunFolder(run_dir)
    raw = folder.raw()
    profile = Profile(**meta["plan"]["profile"])
    groups: Dict[tuple, List[Dict]] = {}
    for r in raw:
        if r.get("role") == "baseline":  # a paired run's baseline worker: the other side of every pair, not a cell
            continue
        if r["process"] < profile.processes_for(Cell.of(r)):  # a plan cut down to fewer processes keeps its first ones
            groups.setdefault(records.cell_key(r), []).append(r)
    aggregated = []
    for key, group in groups.items():
        processes = profile.processes_for(Cell.of(group[0]))
        if len({r["process"] for r in group}) == processes:
            peak = (meta.get("peak_gflops") or {}).get(str(key[3]))
            aggregated.append(aggregate(group, processes, peak, run_commit(meta), profile.processes))
    if meta.get("paired"):
        aggregated = pooled_intervals(aggregated, raw)
    folder.write_records(aggregated)


def pooled_intervals(aggregated: List[Dict], raw: List[Dict]) -> List[Dict]:
    """Each paired ratio's interval again, with how far its framework's worker processes settle apart pooled
    over all its cells in the run (stats.paired_ratio's `between`): two processes of one cell say little
    about that, its dozens of cells together do."""
    from benchmarks.core.stats import pooled_settling

    pairs: Dict[tuple, List[List]] = {}
    for r in raw:
        if r.get("pair_ms") and r.get("status") == "ok":
            pairs.setdefault(records.cell_key(r), []).append(r["pair_ms"])
    between = {fw: pooled_settling([ps for key, ps in pairs.items() if key[0] == fw]) for fw in {k[0] for k in pairs}}
    out = []
    for r in aggregated:
        processes = pairs.get(records.cell_key(r))
        if processes and r.get("paired_ratio") is not None:
            ratio, lo, hi = paired_ratio(processes, between.get(r["framework"], 0.0))
            r = dict(r, paired_ratio=ratio, paired_ci=[lo, hi])
        out.append(r)
    return out
