"""Paired trials: every ratio to PyTorch measured as a ratio, its two sides side by side in time.

Long-lived workers (`benchmarks.measure.worker --serve`) import, build and pass the parity gate once, then take
short trials on request. For each step and inference call of each cell the runner takes a trial of it and
a trial of PyTorch's same call as shipped (a worker of its own, the *baseline*), next to each other in a
random order, round after round, the calls of a round in a fresh random order (Randomized Multiple
Interleaved Trials: Abedi and Brecht, ICPE 2017). A slow spell of the host lands on both sides of a pair,
and the ratio and its interval come from the pairs (stats.paired_ratio). PyTorch's own cells are measured
by a second PyTorch worker against the baseline: an A/A test in every run. A worker waiting for its next
trial is stopped (SIGSTOP), so that runtimes that spin between calls cost the other side nothing.
"""
from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import psutil

from benchmarks import REPO_ROOT
from benchmarks.measure import guard
from benchmarks.measure.envs import EnvSpec, load_spec, worker_env
from benchmarks.core.plan import BASELINE, Cell, Profile
from benchmarks.measure.process_group import end_group

TRIAL_SAMPLES = 20  # at most per trial: at one thread a fast call's fastest of 20 scatters half as much as of 5
TRIAL_BUDGET_S = 0.1  # a trial stops sampling once it has taken this long (one sample at least)
TRIAL_ALONE_S = 0.2  # a call slower than this is its own trial: its settling call is its one sample
READY_TIMEOUT_S = 900.0  # import, build and parity of every cell of one worker
TRIAL_TIMEOUT_S = 120.0
CALL_BUDGET_S, MIN_PAIRS = 3.0, 3  # per call and worker set: pairs past both sit out (spent_enough)
DUET_THREADS: Tuple[int, ...] = ()  # thread settings a paired run takes as duets: what results/aa-methods supports


@dataclass(frozen=True)
class Call:
    """One timed call of one cell, and the baseline's same call it is paired with."""
    cell: Cell
    task: str
    baseline_framework: str = BASELINE

    @property
    def baseline(self) -> Cell:
        return baseline_cell(self.cell, self.baseline_framework)


def baseline_cell(cell: Cell, framework: str = BASELINE) -> Cell:
    """PyTorch as shipped (or the given baseline framework as shipped), the same model and thread setting."""
    from benchmarks.frameworks import default_mode

    return Cell(framework, cell.model, default_mode(framework), cell.threads, cell.suite)


def schedule(calls: Sequence[Call], rounds: int, rng: random.Random) -> Iterator[Tuple[int, Call, bool]]:
    """RMIT order: each round every call once, in a fresh random order; each yields (round, call, baseline
    first?). The side that goes first is counterbalanced: over each two rounds a call goes once each way, in a
    random order, so any run of its first rounds is within one pair of balanced (a side that goes second runs
    a few percent faster or slower, by framework: docs/experiments/2026-12-08-pair-order.md)."""
    firsts = {call: balanced_firsts(rounds, rng) for call in calls}
    for number in range(rounds):
        order = list(calls)
        rng.shuffle(order)
        for call in order:
            yield number, call, firsts[call][number]


def balanced_firsts(rounds: int, rng: random.Random) -> List[bool]:
    """Whether the baseline goes first, per round: each two rounds one of each, in a random order."""
    firsts: List[bool] = []
    while len(firsts) < rounds:
        first = rng.random() < 0.5
        firsts += [first, not first]
    return firsts[:rounds]


def trial_estimate(samples: Sequence[float]) -> float:
    """A trial's figure: its fastest sample (the run's headline estimator, per trial)."""
    return min(samples)


class Server:
    """One long-lived worker: its cells prepared once, then trials on request; stopped between them."""
    signal: Optional[int] = None  # the signal that ended it, if one did
    attempt = 0  # relaunches before this one (`prepared`: a worker lost while preparing)
    is_baseline = False  # the baseline's worker, whose records are kept, never aggregated
    prepared_beside = False  # prepared while another worker prepared on the other core (`side_by_side`)
    serving = False  # prepared: it has answered "serving"
    trials_taken = 0

    def __init__(self, cells: Sequence[Cell], request: Dict, env: Dict[str, str], interpreter: str):
        self.cells = list(cells)
        self.ready: Dict[str, Dict] = {}  # "position:task" -> the worker's record of that call, before timing
        self.errors: Dict[Optional[str], str] = {}  # model (None: the worker) -> why it failed
        self.error_lines: Dict[Optional[str], Dict] = {}  # the worker's error lines (where it raised, too)
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.stderr = tempfile.TemporaryFile()
        self.peak_rss_mb: Optional[float] = None
        self.prepared_s = 0.0  # import, build and parity of every cell, once it serves
        self.last: Optional[Dict] = None  # the last trial's answer: its samples and its CPU anatomy
        self.started = time.monotonic()
        self.proc = subprocess.Popen([interpreter, "-m", "benchmarks.measure.worker", "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, env=env, cwd=REPO_ROOT,
                                     start_new_session=True, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if '"serving"' in line:
                self.prepared_s = time.monotonic() - self.started  # when it served, whenever it is read
            self.lines.put(line)
        self.lines.put(None)

    def _next(self, timeout: float) -> Optional[Dict]:
        """The worker's next JSON line; None when it ended or timed out (and then it is ended)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.fail(f"worker exceeded {timeout:g} s")
                self.signal = signal.SIGKILL  # ended by the harness: a relaunch may pass, as after a timeout
                return None
            if line is None:
                self.fail(self._death())
                return None
            try:
                return json.loads(line)
            except ValueError:
                continue  # framework chatter that reached stdout

    def _death(self) -> str:
        code = self.proc.wait()
        self.signal = -code if code < 0 else None
        self.stderr.seek(0)
        tail = " | ".join(self.stderr.read().decode(errors="replace").strip().splitlines()[-3:])
        how = f"killed by signal {-code}" if code < 0 else f"exit {code}"
        when = f"after {self.trials_taken} trials" if self.serving else "while preparing"
        return f"worker {how} {when}: {tail}"[:500]

    def fail(self, reason: str) -> None:
        self.errors.setdefault(None, reason)
        end_group(self.proc.pid)

    @property
    def alive(self) -> bool:
        return None not in self.errors

    @property
    def transient(self) -> bool:
        """It died by a signal or timed out: a relaunch may pass (runner.is_transient); an error will not."""
        return not self.alive and self.signal is not None

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Read the ready lines until the worker serves (then stop it until its first trial)."""
        while self.alive:
            line = self._next(timeout)
            if line is None:
                return
            if "serving" in line:
                self.serving = True
                self.pause()
                return
            if "error" in line:
                self.errors[line.get("model")] = line["error"]
                self.error_lines[line.get("model")] = line
            elif "ready" in line:
                self.ready[line["ready"]] = line

    def call_key(self, cell: Cell, task: str) -> Optional[str]:
        position = next((i for i, c in enumerate(self.cells) if c.model == cell.model), None)
        key = None if position is None else f"{position}:{task}"
        return key if key in self.ready and self.ready[key].get("status") == "ok" else None

    def trial(self, key: str, number: int) -> Optional[List[float]]:
        """One trial's samples (ms), or None when the worker failed."""
        return self.answer() if self.ask(key, number) else None

    def ask(self, key: str, number: int) -> bool:
        """Wake the worker and ask for one trial (False when it has failed); `answer` reads it."""
        if not self.alive:
            return False
        self.resume()
        self.proc.stdin.write(json.dumps({"trial": number, "call": key, "samples": TRIAL_SAMPLES,
                                          "budget_s": TRIAL_BUDGET_S, "alone_s": TRIAL_ALONE_S}) + "\n")
        self.proc.stdin.flush()
        return True

    def answer(self) -> Optional[List[float]]:
        """The asked trial's samples (ms), the worker stopped again; None when it failed."""
        line = self._next(TRIAL_TIMEOUT_S)
        if line is not None:
            self.pause()
            self.trials_taken += 1
        self.last = line if line and "samples_ms" in line else None  # with the trial's CPU anatomy
        return self.last["samples_ms"] if self.last else None

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)

    def repin(self, cpus: List[int]) -> None:
        """Move the worker, every thread it started and its helper processes, onto `cpus`."""
        try:
            procs = [psutil.Process(self.proc.pid)]
            procs += procs[0].children(recursive=True)
        except psutil.Error:
            return
        for proc in procs:
            try:
                for thread in proc.threads():
                    os.sched_setaffinity(thread.id, cpus)
            except (psutil.Error, OSError):
                pass  # it ended meanwhile

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, sig: int) -> None:
        """To the worker alone, all its threads: not to its process group, whose helpers (Jittor's compile
        pool) sit idle, and whose stopping would send the worker a SIGCHLD (Jittor exits on any)."""
        try:
            os.kill(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        """Ask it to stop (its peak memory comes back), then end its whole group."""
        if self.alive:
            self.resume()
            try:
                self.proc.stdin.write(json.dumps({"stop": True}) + "\n")
                self.proc.stdin.flush()
                line = self._next(30.0)
                self.peak_rss_mb = (line or {}).get("peak_rss_mb")
            except (BrokenPipeError, OSError):
                pass
        end_group(self.proc.pid)
        self.proc.wait()


@dataclass
class Generation:
    """One set of servers at one thread setting: a worker per framework x mode x tuning, and the baseline's."""
    servers: Dict[tuple, Server] = field(default_factory=dict)
    baseline: Optional[Server] = None
    lost: List[Server] = field(default_factory=list)  # died by a signal or timed out, and were relaunched
    launchers: Dict[Optional[tuple], Callable[[], Server]] = field(default_factory=dict)  # None: the baseline's
    launched: List[Server] = field(default_factory=list)  # every worker started, to end them all if interrupted
    closing: bool = False  # interrupted: a worker started now is ended at once
    lock: threading.Lock = field(default_factory=threading.Lock)

    def revive(self, key: Optional[tuple], retries: int) -> bool:
        """Relaunch the worker of `key` (None: the baseline) if it died by a signal or timed out while taking
        trials and has relaunches left; the pairs it took stay, the new worker takes the later rounds."""
        dead = self.baseline if key is None else self.servers[key]
        if dead.alive or not dead.transient or dead.attempt >= retries:
            return False
        self.lost.append(dead)
        new = prepared(self.launchers[key], retries, self.lost, dead.is_baseline, dead.attempt + 1)
        if key is None:
            self.baseline = new
        else:
            self.servers[key] = new
        return True


def prepared(launch_one: Callable[[], Server], retries: int, lost: List[Server], baseline: bool = False,
             attempt: int = 0) -> Server:
    """A server that came up, relaunched up to `retries` times in all when it died by a signal or timed out
    while preparing (as a sequential run queues a lost worker again); the ones that died go to `lost`."""
    while True:
        server = launch_one()
        server.attempt, server.is_baseline = attempt, baseline
        server.wait_ready()
        if not server.transient or attempt >= retries:
            return server
        lost.append(server)
        attempt += 1


def group_of(cell: Cell) -> tuple:
    return cell.framework, cell.mode, cell.threads, cell.tuning


def duet_cores(usable: Sequence[int]) -> Tuple[List[int], List[int]]:
    """A duet's cores: the baseline's first, the other side's second (each side 1 thread)."""
    return [usable[0]], [usable[-1]]


def start(cells: Sequence[Cell], profile: Profile, seed: int, launch: Callable[..., Server],
          baseline: str = BASELINE, duet: bool = False, later: bool = False) -> Generation:
    """Start every server of these cells (all at one thread setting) and the baseline's. Each is stopped once
    ready, so that no worker runs while another prepares on its cores: at two threads one after the other;
    at one thread two at a time, one per core (`side_by_side`). In a duet the baseline is pinned to one core
    and the others to the other (`duet_cores`). A `later` set checks parity over the profile's later steps,
    as a cell's later processes do in a sequential run (the first set checked them all)."""
    from benchmarks.measure.runner import USABLE, cpus_for

    groups: Dict[tuple, List[Cell]] = {}
    for cell in cells:
        groups.setdefault(group_of(cell), []).append(cell)
    base_cells = list(dict.fromkeys(baseline_cell(c, baseline) for c in cells))
    base_cpus, other_cpus = duet_cores(USABLE)
    process = {"process": 1} if later else {}
    generation = Generation()

    def registered(make: Callable[[], Server]) -> Callable[[], Server]:
        def launch_one() -> Server:
            server = make()
            with generation.lock:
                generation.launched.append(server)
                closing = generation.closing
            if closing:  # a lane launched it as the run was interrupted
                server.fail("interrupted")
            return server
        return launch_one

    generation.launchers[None] = registered(lambda: launch(base_cells, profile, seed, **process, **(
        {"cpus": base_cpus} if duet else {})))
    for key, group in groups.items():  # a relaunch prepares alone, on the workers' own cores
        generation.launchers[key] = registered(lambda group=group: launch(group, profile, seed, **process, **(
            {"cpus": other_cpus} if duet else {})))

    def prepare(key: tuple, cpus: Optional[List[int]]) -> Server:
        """`key`'s server, on its own cores (cpus None) or, prepared beside another, on `cpus`."""
        launcher = generation.launchers[key] if cpus is None else registered(
            lambda: launch(groups[key], profile, seed, **process, cpus=cpus))
        return prepared(launcher, profile.retries, generation.lost)

    try:
        generation.baseline = prepared(generation.launchers[None], profile.retries, generation.lost, baseline=True)
        prepare_all(generation, list(groups), prepare, cpus_for(cells[0].threads), USABLE, duet)
    except BaseException:  # interrupted (SIGINT, SIGTERM): no worker outlives the run, stopped or preparing
        with generation.lock:
            generation.closing, launched = True, list(generation.launched)
        for server in launched:
            server.fail("interrupted")
        raise
    return generation


def prepare_all(generation: Generation, keys: List[tuple], prepare: Callable[..., Server],
                home: List[int], usable: Sequence[int], duet: bool) -> None:
    """Every group's server into `generation.servers`, in the plan's order: one after the other, or at one
    thread two at a time (`side_by_side`), each moved to the workers' core once ready."""
    lanes = side_by_side(home, usable) if not duet else []
    if not lanes:
        for key in keys:
            generation.servers[key] = prepare(key, None)
        return
    waiting, raised = list(keys), []

    def lane(cpus: List[int]) -> None:
        try:
            while True:
                with generation.lock:
                    if not waiting or generation.closing:
                        return
                    key = waiting.pop(0)
                server = prepare(key, None if cpus == home else cpus)  # None: the workers' own pinning
                server.prepared_beside = True
                if cpus != home:
                    server.repin(home)
                generation.servers[key] = server
        except BaseException as exc:  # raised again in the harness's own thread
            raised.append(exc)

    workers = [threading.Thread(target=lane, args=(cpus,), daemon=True) for cpus in lanes]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if raised:
        raise raised[0]
    generation.servers = {key: generation.servers[key] for key in keys}


def side_by_side(home: List[int], usable: Sequence[int]) -> List[List[int]]:
    """The cores to prepare one-thread workers on two at a time: the workers' own core and another (each
    moves to its own core once ready); none at more threads, where each worker needs every core."""
    spare = [c for c in usable if c not in home]
    return [home, spare[:1]] if len(home) == 1 and spare else []


def launch_server(cells: Sequence[Cell], profile: Profile, seed: int, spec: Optional[EnvSpec] = None,
                  tasks: Optional[Sequence[str]] = None, cpus: Optional[List[int]] = None, process: int = 0) -> Server:
    """A real worker in the cells' framework environment (or `spec`'s: a past release's), with the runner's
    request, knobs and pinning (or pinned to `cpus`); every task of the cells, or `tasks`; `process` > 0: a
    later worker, whose parity gate covers the profile's later steps."""
    from benchmarks.measure.runner import worker_request

    spec = spec or load_spec(cells[0].framework)
    request = worker_request(cells, profile, tasks, seed, process=process)
    if cpus is not None:
        request["cpus"] = list(cpus)
    env = dict(worker_env(spec, cells[0].threads), **request["knobs"])
    return Server(cells, request, env, str(spec.interpreter))


def workers_cpu(servers: Sequence[Server]) -> float:
    """CPU seconds the servers' worker processes (and the children they waited for) have used."""
    total = 0.0
    for server in servers:
        proc = getattr(server, "proc", None)
        try:
            t = psutil.Process(proc.pid).cpu_times() if proc else None
        except psutil.Error:
            t = None
        total += (t.user + t.system + t.children_user + t.children_system) if t else 0.0
    return total


def pair_window(servers: Sequence[Server]) -> guard.Window:
    """The machine's CPU use by anything but the harness and these two workers, while one pair is taken."""
    return guard.Window(own=lambda: guard.own_cpu() + workers_cpu(servers))


def take_pair(server: Server, mine: str, base: Server, theirs: str, number: int, baseline_first: bool,
              window: Callable[[Sequence[Server]], guard.Window] = pair_window, together: bool = False) -> Optional[tuple]:
    """A trial of `server`'s call `mine` and one of the baseline's `theirs`, next to each other in the drawn
    order (`together`: at the same time, a duet), inside a busy-machine window: (this side's samples, the
    baseline's, the window's figures with its wall time, this side's trial as the worker gave it: its CPU
    anatomy), or None when either worker failed."""
    sides = [(base, theirs), (server, mine)] if baseline_first else [(server, mine), (base, theirs)]
    watch, began = window([base, server]), time.monotonic()
    if together:
        asked = [s for s, key in sides if s.ask(key, number)]
        taken = {id(s): s.answer() if s in asked else None for s, _ in sides}
    else:
        taken = {id(s): s.trial(key, number) for s, key in sides}
    load = dict({"wall_s": time.monotonic() - began}, **watch.stop())
    if not (taken[id(server)] and taken[id(base)]):
        return None
    return taken[id(server)], taken[id(base)], load, getattr(server, "last", None)


def measure(cells: Sequence[Cell], profile: Profile, rounds: int, generation_number: int, seed: int = 0,
            launch: Callable[..., Server] = launch_server,
            on_trial: Optional[Callable[[int, int], None]] = None, baseline: str = BASELINE,
            window: Callable[[Sequence[Server]], guard.Window] = pair_window, duet: bool = False) -> List[Dict]:
    """One generation at one thread setting: start the servers, take `rounds` RMIT rounds of paired trials
    (`duet`: each pair's two trials at once, each side on its own core), stop them. Returns a raw record per
    cell and task (its trials' samples and its pairs, and how busy the machine was with other work while they
    were taken), and the baseline server's own (role "baseline", kept for the record, never aggregated)."""
    generation = start(cells, profile, seed, launch, baseline, duet, later=generation_number > 0)
    base = generation.baseline
    calls = [Call(c, t, baseline) for c in cells for t in c.tasks]
    trials: Dict[Call, List[tuple]] = {call: [] for call in calls}
    loads: Dict[Call, List[Dict[str, float]]] = {call: [] for call in calls}
    anatomies: Dict[Call, List[Dict]] = {call: [] for call in calls}
    base_samples: Dict[str, List[float]] = {}
    base_anatomies: Dict[str, List[Dict]] = {}  # the baseline's trials, per call: its step anatomy
    rng = random.Random(f"{seed}:{generation_number}:{cells[0].threads}")
    plan = list(schedule(calls, rounds, rng))
    try:
        for number, (_, call, baseline_first) in enumerate(plan):
            server = generation.servers[group_of(call.cell)]
            mine, theirs = server.call_key(call.cell, call.task), base.call_key(call.baseline, call.task)
            if mine is None or theirs is None or spent_enough(trials[call], loads[call]):
                continue
            pair = take_pair(server, mine, base, theirs, number, baseline_first, window, together=duet)
            if pair is None:  # a worker died: relaunched, it takes the later rounds
                generation.revive(group_of(call.cell), profile.retries)
                if generation.revive(None, profile.retries):
                    base = generation.baseline
            if pair:
                trials[call].append((*pair[:2], baseline_first))
                loads[call].append(pair[2])
                if pair[3] and "cpu_wall_ratio" in pair[3]:
                    anatomies[call].append(pair[3])
                base_samples.setdefault(theirs, []).extend(pair[1])
                base_trial = getattr(base, "last", None)
                if base_trial and "cpu_wall_ratio" in base_trial:
                    base_anatomies.setdefault(theirs, []).append(base_trial)
            if on_trial:
                on_trial(number + 1, len(plan))
    finally:
        for server in [base, *generation.servers.values()]:
            server.stop()
    out = [dict(raw_record(call, generation.servers[group_of(call.cell)], trials[call], generation_number),
                **machine_load(loads[call]), **step_anatomy(anatomies[call])) for call in calls]
    out += [dict(record, samples_ms=base_samples.get(key, []), role="baseline", process=generation_number,
                 attempt=base.attempt, peak_rss_mb=base.peak_rss_mb, **step_anatomy(base_anatomies.get(key, [])))
            for key, record in base.ready.items()]
    return out + [record for server in generation.lost for record in lost_records(server, generation_number)]


def lost_records(server: Server, generation_number: int) -> List[Dict]:
    """The failure records of a worker that died while preparing and was relaunched (runner.aggregate counts
    it as retried, as it counts a sequential run's lost process)."""
    from benchmarks.measure.runner import failure_records

    role = {"role": "baseline"} if server.is_baseline else {}
    return [dict(record, process=generation_number, attempt=server.attempt, signal=server.signal, **role)
            for cell in server.cells
            for record in failure_records(cell, "failed", server.errors[None], cell.tasks)]


def spent_enough(pairs: List[tuple], loads: List[Dict[str, float]]) -> bool:
    """A call that has taken MIN_PAIRS pairs and CALL_BUDGET_S of time in this worker set sits out its later
    rounds: a step of seconds is steady over a few pairs, and twelve of them would take half the run."""
    spent = sum(max(load["wall_s"], (sum(mine) + sum(theirs)) / 1000) for (mine, theirs, *_), load in zip(pairs, loads))
    return len(pairs) >= MIN_PAIRS and spent >= CALL_BUDGET_S


def step_anatomy(trials: List[Dict]) -> Dict:
    """Where a call's CPU went over its trials (main thread, helper threads, context switches, CPU over wall),
    weighted by their calls as the sequential worker merges its rounds ({} without trials)."""
    if not trials:
        return {}
    from benchmarks.measure.worker import merge_rounds

    merged = merge_rounds(trials)
    keys = ("cpu_wall_ratio", "thread_cpu_ms_per_step", "ctx_switches_per_step", "page_faults_per_step")
    return {key: merged[key] for key in keys if key in merged}


BUSY_WINDOW_S = 0.5  # /proc/stat counts in 10 ms ticks: a shorter pair's own figure cannot tell busy from quiet


def machine_load(loads: List[Dict[str, float]]) -> Dict:
    """A call's busy-machine figures over its pairs: background CPU and steal in cores, as the sequential
    runner records per process, over all its pairs together (weighted by their wall time: a pair of a fast
    call lasts a few ticks, too short on its own; and before clipping at zero, since a tick counted to a
    worker in one short pair is counted to the background in another), and how many pairs long enough to
    tell were taken while others used more than guard.BUSY_CORES."""
    if not loads:
        return {}
    wall = sum(load["wall_s"] for load in loads) or 1e-9
    mean = lambda key: sum(load[key] * load["wall_s"] for load in loads) / wall  # noqa: E731
    background = mean("background_raw" if all("background_raw" in load for load in loads) else "background_cpu")
    return {"background_cpu": round(max(0.0, background), 3), "steal": round(mean("steal"), 3),
            "busy_pairs": sum(guard.busy(load) for load in loads if load["wall_s"] >= BUSY_WINDOW_S)}


def raw_record(call: Call, server: Server, pairs: List[tuple], generation_number: int) -> Dict:
    """The per-process record of one call: the worker's facts, every trial's samples, and the pairs."""
    from benchmarks.measure.runner import failure_records

    ready = next((r for r in server.ready.values() if r.get("model") == call.cell.model
                  and r.get("task") == call.task), None)
    if ready is None or ready.get("status") != "ok" or not pairs or not server.alive:  # a dead worker took its cells
        if ready and ready.get("status") == "parity-failed":
            return dict(ready, process=generation_number, attempt=server.attempt)
        reason = server.errors.get(call.cell.model) or server.errors.get(None) or "no trial was taken"
        return dict(failure_records(call.cell, "failed", reason, [call.task])[0], process=generation_number,
                    attempt=server.attempt, **({"signal": server.signal} if server.signal else {}))
    record = {k: v for k, v in ready.items() if k not in ("ready", "position", "loops")}  # the worker's bookkeeping
    return dict(record, samples_ms=[s for mine, *_ in pairs for s in mine], process=generation_number,
                attempt=server.attempt,
                pair_ms=[[trial_estimate(mine), trial_estimate(theirs)] for mine, theirs, *_ in pairs],
                baseline_first=[bool(first) for *_, first in pairs],
                trials=len(pairs), peak_rss_mb=server.peak_rss_mb or record.get("peak_rss_mb"),
                worker_prepare_s=round(server.prepared_s, 2), prepared_beside=server.prepared_beside)


def run(run_dir: Path, cells: Sequence[Cell], profile: Profile, rounds: int, seed: int = 0,
        launch: Callable[..., Server] = launch_server, on_progress: Optional[Callable[[str], None]] = None,
        baseline: str = BASELINE, duet_threads: Sequence[int] = ()) -> None:
    """The paired protocol over a plan's speed cells: per thread setting, `profile.processes` generations of
    servers, each taking `rounds` rounds (at a setting in `duet_threads`, as duets); raw records to raw.jsonl
    as each worker set ends (a resumed run takes only the sets it lacks), aggregated records to records.jsonl."""
    from benchmarks.core.run_folder import RunFolder
    from benchmarks.measure.runner import aggregate, pooled_intervals

    from benchmarks.measure.runner import USABLE, cpus_for

    folder = RunFolder(run_dir)
    finished = {(r["threads"], r["process"]) for r in folder.raw()}  # worker sets of an interrupted run, resumed
    for threads in sorted({c.threads for c in cells}):
        mine = [c for c in cells if c.threads == threads]
        duet = threads in duet_threads
        guard.stay_off([] if duet else cpus_for(threads), USABLE)  # off the worker's cores, unless both are used
        for number in range(profile.processes):
            if (threads, number) in finished:
                continue
            if on_progress:
                on_progress(f"{threads} thread(s), worker set {number + 1} of {profile.processes}: preparing")

            def progress(done: int, total: int) -> None:
                if on_progress:
                    on_progress(f"{threads} thread(s), worker set {number + 1} of {profile.processes}: "
                                f"trial pair {done} of {total}")

            for record in measure(mine, profile, rounds, number, seed, launch, progress, baseline, duet=duet):
                folder.append_raw(record)
    guard.stay_off([], USABLE)
    raw = [r for r in folder.raw() if r.get("role") != "baseline"]
    found = []
    for cell in cells:
        for task in cell.tasks:
            group = [r for r in raw if Cell.of(r) == cell and r["task"] == task]
            if group:
                found.append(aggregate(group, profile.processes))
    folder.write_records(pooled_intervals(found, raw))
