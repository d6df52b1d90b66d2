"""Paired trials (benchmarks/measure/paired.py): the interleaving order, the pairing, the interval, and a drifting
host that paired trials cancel and sequential ones do not. In-process fakes on an injected clock; one test
runs a real long-lived worker of the fake framework."""
from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import threading
from collections import Counter

import numpy as np
import psutil
import pytest

from benchmarks import REPO_ROOT
from benchmarks.core import plan, records, stats
from benchmarks.measure import paired, runner
from benchmarks.core.plan import Cell

PROFILE = plan.with_options(plan.PROFILES["quick"], processes=1, baseline_factor=1)


class Host:
    """A drifting host: a call's time is its own times this, which swings by +-60% over a few seconds."""

    def __init__(self):
        self.now = 0.0
        self.log = []  # ("ask" | "answer", trial number), in the order the harness did them

    def speed(self, at=None) -> float:
        return 1.0 + 0.6 * math.sin((self.now if at is None else at) / 3.0)


class FakeServer(paired.Server):
    """A long-lived worker without a process: each call takes `ms` on the host's clock."""

    def __init__(self, cells, host: Host, ms: dict):
        self.cells, self.host, self.ms = list(cells), host, ms
        self.errors, self.peak_rss_mb, self.prepared_s = {}, 100.0, 1.0
        self.ready = {f"{i}:{t}": {"framework": c.framework, "model": c.model, "mode": c.mode, "threads": c.threads,
                                   "tuning": c.tuning, "task": t, "batch": 32, "status": "ok", "reason": "",
                                   "python": "3", "framework_version": "0", "first_step_ms": 1.0,
                                   "parity_forward_max_abs": 0.0, "parity_loss_max_rel": 0.0}
                      for i, c in enumerate(self.cells) for t in c.tasks}
        self.trials = []

    def wait_ready(self, timeout=0):
        pass

    def trial(self, key, number):
        return self.answer() if self.ask(key, number) else None

    def ask(self, key, number):
        """A trial starts now on the host's clock (two asked before either answers run at the same time)."""
        self.asked = (key, number, self.host.now)
        self.host.log.append(("ask", number))
        return self.alive

    def answer(self):
        key, number, now = self.asked
        model = self.cells[int(key.split(":")[0])].model
        samples, began = [], now
        while len(samples) < paired.TRIAL_SAMPLES and now - began <= paired.TRIAL_BUDGET_S:  # as worker.trial
            samples.append(self.ms[model] * self.host.speed(now))
            now += samples[-1] / 1000 * 50  # the host drifts while it runs
        self.host.now = max(self.host.now, now)
        self.trials.append((number, key))
        self.host.log.append(("answer", number))
        return samples

    def stop(self):
        pass

    def repin(self, cpus):
        self.cpus = cpus

    def fail(self, reason):
        self.errors.setdefault(None, reason)


def fake_launcher(host, speeds):
    """launch(cells, profile, seed[, cpus]): a FakeServer whose calls take speeds[framework][model] ms."""
    servers = []

    def launch(cells, profile, seed, cpus=None, process=0):
        servers.append(FakeServer(cells, host, speeds[cells[0].framework]))
        servers[-1].cpus, servers[-1].process, servers[-1].launched_on = cpus, process, cpus
        return servers[-1]

    return launch, servers


def test_each_round_takes_every_call_once_in_a_fresh_order_and_either_side_may_go_first():
    calls = [paired.Call(Cell("paddle", m, "eager", 1), t) for m in ("mlp", "lenet5", "lstm") for t in ("train", "infer_b1")]
    order = list(paired.schedule(calls, 8, random.Random(1)))
    assert len(order) == 8 * len(calls)
    for number in range(8):
        assert Counter(c for r, c, _ in order if r == number) == Counter(calls)  # every call once a round
    rounds = [[c for r, c, _ in order if r == number] for number in range(8)]
    assert len({tuple(r) for r in rounds}) > 1  # reshuffled
    for call in calls:  # each two rounds a call goes once each way, in a drawn order
        firsts = [first for _, c, first in order if c == call]
        assert all(firsts[i] != firsts[i + 1] for i in range(0, 8, 2))
    assert len({tuple(first for _, c, first in order if c == call) for call in calls}) > 1
    assert order == list(paired.schedule(calls, 8, random.Random(1)))  # a seed gives the same order


def test_paired_trials_cancel_a_drifting_host_that_sequential_ones_do_not():
    host = Host()
    cells = [Cell("torch", "mlp", "eager", 1), Cell("paddle", "mlp", "eager", 1)]
    launch, servers = fake_launcher(host, {"torch": {"mlp": 1.0}, "paddle": {"mlp": 2.0}})
    raw = paired.measure(cells, PROFILE, 12, 0, launch=launch)
    by = {(r["framework"], r["task"], r.get("role")): r for r in raw}
    aa = stats.paired_ratio([by[("torch", "train", None)]["pair_ms"]])
    assert aa[0] == pytest.approx(1.0, abs=0.03) and aa[1] <= 1.0 <= aa[2]  # A/A: the same worker twice
    two = stats.paired_ratio([by[("paddle", "train", None)]["pair_ms"]])
    assert two[0] == pytest.approx(2.0, rel=0.03) and two[1] <= 2.0 <= two[2]
    assert by[("torch", "train", "baseline")]["samples_ms"]  # the baseline worker's own samples are kept
    for record in (by[("torch", "train", None)], by[("paddle", "train", None)]):  # the order of each pair, recorded
        firsts = record["baseline_first"]
        assert len(firsts) == len(record["pair_ms"]) == 12 and sum(firsts) == 6
    # the same host, sequentially: all of one side's trials, then all of the other's
    host.now, side = 0.0, FakeServer(cells[:1], host, {"mlp": 1.0})
    first = [min(side.trial("0:train", i)) for i in range(12)]
    second = [min(side.trial("0:train", i)) for i in range(12)]
    sequential = min(second) / min(first)
    assert abs(sequential - 1) > 5 * abs(aa[0] - 1)
    # the pairs were taken next to each other: paddle's trial and the baseline's share a number
    numbers = [n for n, _ in servers[0].trials]
    assert sorted(numbers) == sorted(n for s in servers[1:] for n, _ in s.trials)


def test_a_call_that_failed_parity_or_a_dead_worker_is_a_failed_record_and_the_others_run():
    host = Host()
    cells = [Cell("paddle", "mlp", "eager", 1), Cell("jittor", "mlp", "eager", 1)]
    launch, servers = fake_launcher(host, {"torch": {"mlp": 1.0}, "paddle": {"mlp": 2.0}, "jittor": {"mlp": 0.5}})

    def launch_broken(cells_, profile, seed, **pinning):
        server = launch(cells_, profile, seed, **pinning)
        if cells_[0].framework == "paddle":
            server.errors[None] = "worker killed by signal 11: Segmentation fault"
        return server

    raw = paired.measure(cells, PROFILE, 3, 0, launch=launch_broken)
    paddle = [r for r in raw if r["framework"] == "paddle"]
    jittor = [r for r in raw if r["framework"] == "jittor"]
    assert {r["status"] for r in paddle} == {"failed"} and "signal 11" in paddle[0]["reason"]
    assert {r["status"] for r in jittor} == {"ok"} and all(len(r["pair_ms"]) == 3 for r in jittor)


@pytest.mark.parametrize("settle, scatter, stray", [(0.05, 0.15, 0), (0.10, 0.05, 0), (0.02, 0.03, 0),
                                                    (0.02, 0.03, 0.1), (0.0, 0.08, 0.2)])
def test_a_reruns_ratio_falls_in_the_interval_at_least_nine_times_in_ten(settle, scatter, stray):
    """Simulated runs of 20 cells of one framework, two worker processes each, whose processes settle apart
    by `settle` and whose trial pairs scatter by `scatter` (log sd), a `stray` share of them caught by a
    burst of other work on one side (1.5x): with the settling pooled over the cells
    (paired.pooled_intervals), one run's intervals hold the next run's ratios >= 90% of the time."""
    rng = np.random.default_rng(7)

    def burst() -> float:
        return math.log(1.5) * (1 if rng.random() < 0.5 else -1) if rng.random() < stray else 0.0

    def run():
        raw, records = [], []
        for c in range(20):
            for process in range(2):
                settled = rng.normal(0, settle)
                raw.append({"framework": "paddle", "model": f"m{c}", "mode": "eager", "threads": 1, "task": "train",
                            "tuning": "default", "status": "ok", "process": process,
                            "pair_ms": [[2.0 * math.exp(settled + rng.normal(0, scatter) + burst()), 1.0]
                                        for _ in range(6)]})
            records.append(dict(raw[-1], paired_ratio=2.0, paired_ci=[2.0, 2.0]))
        return [(r["paired_ratio"], *r["paired_ci"]) for r in runner.pooled_intervals(records, raw)]

    runs = [run() for _ in range(40)]
    held = np.mean([a[1] <= b[0] <= a[2] for first, again in zip(runs, runs[1:]) for a, b in zip(first, again)])
    assert held >= 0.9, held
    if not stray:
        t = 2.45  # Student's t, 6 df: the 8 of 12 pairs a 20% trimmed mean keeps, less the 2 processes
        ideal = t * math.sqrt(2 * (settle ** 2 / 2 + scatter ** 2 / 12))  # the half-width that would just do
        width = np.median([math.log(hi / lo) / 2 for r in runs for _, lo, hi in r])
        assert width < 1.3 * ideal  # and no wider than that needs


def test_a_long_lived_worker_prepares_once_takes_trials_on_request_and_is_stopped_between_them(tmp_path):
    """The real worker of the fake framework (`benchmarks.measure.worker --serve`) in its own process."""
    home = tmp_path / "home"
    env = dict(os.environ, FWBENCH_HOME=str(home), FWBENCH_EXTRA_FRAMEWORKS="tests.fakefw")
    script = """
import json, os, sys, time, psutil
from benchmarks.core import plan
from benchmarks.measure import paired
from benchmarks.core.plan import Cell
cells = [Cell("fake_ok", "mlp", "eager", 1)]
usable = sorted(os.sched_getaffinity(0))
server = paired.launch_server(cells, plan.with_options(plan.PROFILES["quick"], processes=1), 0, cpus=usable[-1:])
server.wait_ready()
cores = lambda: sorted({c for t in psutil.Process(server.proc.pid).threads() for c in os.sched_getaffinity(t.id)})
prepared_on = cores()
server.repin(usable[:1])  # prepared beside another worker, it moves to its own core
pins = [usable, prepared_on, cores()]
for _ in range(500):  # the stop signal lands a moment after it is sent
    state = psutil.Process(server.proc.pid).status()
    if state == psutil.STATUS_STOPPED:
        break
    time.sleep(0.01)
key = server.call_key(cells[0], "train")
samples = [server.trial(key, i) for i in range(3)]
anatomy = server.last
server.stop()
print(json.dumps({"ready": sorted(server.ready), "state": state, "pins": pins, "samples": samples, "errors": server.errors,
                  "anatomy": anatomy,
                  "rss": server.peak_rss_mb, "alive": psutil.pid_exists(server.proc.pid)}))
"""
    setup = subprocess.run([sys.executable, "-m", "benchmarks.cli", "setup", "fake_ok"], env=env, cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=600)
    assert setup.returncode == 0, setup.stderr
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["ready"] == ["0:infer_b1", "0:infer_b64", "0:train"] and not found["errors"]
    assert found["state"] == psutil.STATUS_STOPPED  # waiting for its first trial, it costs nothing
    usable, prepared_on, moved = found["pins"]
    assert prepared_on == usable[-1:] and moved == usable[:1]  # every thread of it
    assert all(1 <= len(s) <= paired.TRIAL_SAMPLES and min(s) > 0 for s in found["samples"])
    assert found["rss"] > 10 and not found["alive"]
    anatomy = found["anatomy"]  # where the trial's CPU went, as the sequential worker records it
    assert anatomy["thread_cpu_ms_per_step"]["main"] > 0 and anatomy["cpu_wall_ratio"] > 0
    assert set(anatomy["ctx_switches_per_step"]) == {"voluntary", "involuntary"}


def test_a_trial_settles_takes_samples_within_its_budget_and_a_slow_call_is_its_own_trial():
    from benchmarks.measure.worker import trial

    now = [0.0]
    calls = []

    def clock():
        return now[0]

    def call(seconds):
        def fn():
            calls.append(seconds)
            now[0] += seconds
        return fn

    fast = trial(call(0.001), 2, 5, 0.2, clock)  # settle, then 5 samples of 2 calls
    assert fast["samples_ms"] == pytest.approx([1.0] * 5) and len(calls) == 1 + 10
    calls.clear()
    budgeted = trial(call(0.05), 1, 5, 0.12, clock)  # the budget ends it after 3 samples
    assert len(budgeted["samples_ms"]) == 3 and len(calls) == 1 + 3
    calls.clear()
    slow = trial(call(0.5), 1, 5, 0.2, clock)  # slower than the budget: its one call is the trial
    assert slow["samples_ms"] == pytest.approx([500.0]) and len(calls) == 1
    calls.clear()
    settled = trial(call(0.15), 1, 20, 0.1, clock, alone_s=0.2)  # past the budget, not alone: settle, then one
    assert settled["samples_ms"] == pytest.approx([150.0]) and len(calls) == 2
    calls.clear()
    alone = trial(call(0.25), 1, 20, 0.1, clock, alone_s=0.2)
    assert alone["samples_ms"] == pytest.approx([250.0]) and len(calls) == 1


def test_each_call_records_how_busy_the_machine_was_while_its_pairs_were_taken():
    """Per pair, a window over the machine's CPU less the harness's and the two workers' own (fake readings here):
    the raw record keeps the mean background and steal over its pairs and how many pairs were taken busy."""
    readings = iter([0.5 if i % 3 == 0 else 0.0 for i in range(1000)])

    class FakeWindow:
        def __init__(self, servers):
            assert len(servers) == 2  # the baseline's worker and this call's
            self.background = next(readings)

        def stop(self):
            return {"background_cpu": self.background, "steal": 0.0, "wall_s": paired.BUSY_WINDOW_S}  # within the call budget

    host = Host()
    cells = [Cell("paddle", "mlp", "eager", 1)]
    launch, _ = fake_launcher(host, {"torch": {"mlp": 1.0}, "paddle": {"mlp": 2.0}})
    raw = [r for r in paired.measure(cells, PROFILE, 6, 0, launch=launch, window=FakeWindow) if r.get("role") is None]
    assert sum(r["busy_pairs"] for r in raw) == sum(1 for i in range(6 * len(raw)) if i % 3 == 0)
    assert all(0.0 <= r["background_cpu"] <= 0.5 and r["steal"] == 0.0 for r in raw)
    record = runner.aggregate([r for r in raw if r["task"] == "train"], 1)
    assert record["background_cpu"] == max(r["background_cpu"] for r in raw if r["task"] == "train")


def test_a_workers_cpu_counts_as_its_own_not_as_background():
    proc = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
                             "time.sleep(30)"])
    try:
        server = type("S", (), {"proc": proc})()
        for _ in range(100):
            if paired.workers_cpu([server]) >= 0.25:
                break
            psutil.Process(proc.pid).cpu_times()
            __import__("time").sleep(0.05)
        assert paired.workers_cpu([server]) >= 0.25
    finally:
        proc.kill()
        proc.wait()
    assert paired.workers_cpu([type("S", (), {"proc": proc})()]) == 0.0  # a worker that is gone: nothing


def test_machine_load_weighs_pairs_by_their_length_and_flags_only_pairs_long_enough_to_tell():
    """/proc/stat counts 10 ms ticks: one tick in a 20 ms pair reads as half a core busy. Over many short pairs
    the ticks average out; a short pair alone never flags the call."""
    short = [{"background_cpu": 0.5 if i % 2 else 0.0, "steal": 0.0, "wall_s": 0.02} for i in range(10)]
    load = paired.machine_load(short)
    assert load["busy_pairs"] == 0 and load["background_cpu"] == pytest.approx(0.25)
    long = [{"background_cpu": 0.4, "steal": 0.0, "wall_s": 2.0}, {"background_cpu": 0.0, "steal": 0.0, "wall_s": 6.0}]
    load = paired.machine_load(long)
    assert load["busy_pairs"] == 1 and load["background_cpu"] == pytest.approx(0.1)


def test_short_pairs_ticks_average_out_before_clipping():
    """A tick that falls to a worker reads as background in one short pair and as less than none in the next:
    clipped one by one they would add up to a busy machine that was quiet."""
    ticks = [{"background_cpu": max(0.0, raw), "background_raw": raw, "steal": 0.0, "wall_s": 0.02}
             for raw in [0.5, -0.5] * 10]
    assert paired.machine_load(ticks)["background_cpu"] == 0.0
    assert paired.machine_load([dict(t, background_raw=0.5) for t in ticks])["background_cpu"] == pytest.approx(0.5)


def test_a_slow_call_sits_out_once_it_has_its_pairs_and_its_time_and_a_fast_one_takes_every_round():
    host = Host()
    cells = [Cell("paddle", "mlp", "eager", 1), Cell("paddle", "resnet", "eager", 1)]
    slow_ms = paired.CALL_BUDGET_S * 1000  # one pair of it spends the budget twice over
    launch, _ = fake_launcher(host, {"torch": {"mlp": 1.0, "resnet": slow_ms / 10}, "paddle": {"mlp": 2.0, "resnet": slow_ms}})
    raw = [r for r in paired.measure(cells, PROFILE, 8, 0, launch=launch) if r.get("role") is None]
    pairs = {(r["model"], r["task"]): r["trials"] for r in raw}
    assert all(n == paired.MIN_PAIRS for (model, _), n in pairs.items() if model == "resnet")
    assert all(n == 8 for (model, _), n in pairs.items() if model == "mlp")


def test_a_trial_counts_the_pages_its_samples_map_afresh_and_not_its_settling_calls():
    import mmap

    from benchmarks.measure.worker import trial

    pages, first = 512, [True]

    def fresh_pages():  # every call maps and touches `pages` new pages, as an allocator that gives memory back
        region = mmap.mmap(-1, pages * mmap.PAGESIZE)
        for offset in range(0, pages * mmap.PAGESIZE, mmap.PAGESIZE):
            region[offset] = 1
        region.close()

    def settling_only():  # maps pages in its first call only: the settling call
        if first.pop() if first else False:
            fresh_pages()

    faulting = trial(fresh_pages, 1, 4, 10.0)["page_faults_per_step"]
    assert pages <= faulting["minor"] < 2 * pages and faulting["major"] == 0
    assert trial(settling_only, 1, 4, 10.0)["page_faults_per_step"]["minor"] < pages / 4
    assert trial(fresh_pages, 1, 4, 0.0, alone_s=0.0)["page_faults_per_step"]["minor"] >= pages  # its own trial


def test_a_calls_step_anatomy_is_its_trials_weighted_by_their_calls():
    trials = [{"samples_ms": [1.0] * 4, "loops": 1, "cpu_wall_ratio": 1.0, "stop": "trial", "warmup_s": 0.0,
               "sampling_s": 0.1, "thread_cpu_ms_per_step": {"main": 1.0},
               "ctx_switches_per_step": {"voluntary": 0.0, "involuntary": 1.0}},
              {"samples_ms": [1.0] * 12, "loops": 1, "cpu_wall_ratio": 2.0, "stop": "trial", "warmup_s": 0.0,
               "sampling_s": 0.3, "thread_cpu_ms_per_step": {"main": 1.0, "pool": 2.0},
               "ctx_switches_per_step": {"voluntary": 4.0, "involuntary": 1.0}}]
    for trial, minor in zip(trials, (100.0, 0.0)):
        trial["page_faults_per_step"] = {"minor": minor, "major": 0.0}
    found = paired.step_anatomy(trials)
    assert found["page_faults_per_step"] == {"minor": 25.0, "major": 0.0}
    assert found["cpu_wall_ratio"] == pytest.approx(1.75)  # weighted by sampling time
    assert found["thread_cpu_ms_per_step"] == {"main": 1.0, "pool": 1.5}  # by calls: 12 of 16 had the pool
    assert found["ctx_switches_per_step"]["voluntary"] == pytest.approx(3.0)
    assert paired.step_anatomy([]) == {}


def test_a_later_worker_set_checks_parity_over_the_later_steps_as_a_later_process_does():
    host = Host()
    launch, servers = fake_launcher(host, {"torch": {"mlp": 1.0}, "paddle": {"mlp": 2.0}})
    cells = [Cell("paddle", "mlp", "eager", 1)]
    paired.measure(cells, PROFILE, 1, 0, launch=launch)
    paired.measure(cells, PROFILE, 1, 1, launch=launch)
    assert [s.process for s in servers] == [0, 0, 1, 1]  # the first set's baseline and worker, then the second's
    full = plan.PROFILES["default"]
    requests = [runner.worker_request(cells, full, None, 0, process=n) for n in (0, 1)]
    assert requests[1]["parity_steps"] == full.later_parity_steps and requests[0]["parity_steps"] is None  # all steps


def test_a_worker_lost_by_a_signal_while_preparing_is_relaunched_once_and_counted_as_retried():
    """As a sequential run queues a lost worker again: the relaunch measures the cells, the aggregated record
    says it was retried and why; a worker that dies every time stays failed, and an error is not retried."""
    host = Host()
    deaths = {"paddle": 1, "jittor": 5, "mxnet": 0}  # times each dies before it serves
    launch, servers = fake_launcher(host, {"torch": {"mlp": 1.0}, "paddle": {"mlp": 2.0}, "jittor": {"mlp": 0.5},
                                           "mxnet": {"mlp": 1.0}})

    def launch_dying(cells_, profile, seed, **pinning):
        server = launch(cells_, profile, seed, **pinning)
        framework = cells_[0].framework
        if framework == "mxnet" and len([s for s in servers if s.cells == server.cells]) == 1:
            server.errors[None] = "worker exit 1: ImportError"  # not transient
        elif deaths.get(framework, 0) > 0:
            deaths[framework] -= 1
            server.errors[None], server.signal = "worker killed by signal 6: free(): invalid pointer", 6
        return server

    cells = [Cell(f, "mlp", "eager", 1) for f in ("paddle", "jittor", "mxnet")]
    raw = paired.measure(cells, PROFILE, 3, 0, launch=launch_dying)
    launched = Counter(s.cells[0].framework for s in servers)
    assert launched == {"torch": 1, "paddle": 2, "jittor": 1 + PROFILE.retries, "mxnet": 1}
    train = {(r["framework"], r["attempt"]): r for r in raw if r["task"] == "train" and r.get("role") is None}
    assert train[("paddle", 0)]["status"] == "failed" and train[("paddle", 0)]["signal"] == 6
    assert train[("paddle", 1)]["status"] == "ok" and len(train[("paddle", 1)]["pair_ms"]) == 3
    record = runner.aggregate([r for (f, _), r in train.items() if f == "paddle"], 1)
    assert record["status"] == "ok" and record["retried"] == 1 and "invalid pointer" in record["warnings"][0]
    assert train[("jittor", PROFILE.retries)]["status"] == "failed"
    assert train[("mxnet", 0)]["status"] == "failed" and ("mxnet", 1) not in train


@pytest.mark.skipif(len(runner.USABLE) < 2, reason="needs a second core to prepare on")
def test_one_thread_workers_prepare_two_at_a_time_one_per_core_then_each_moves_to_its_own():
    """Preparing is not timed (its cold figures say they were taken beside another), so at one thread two
    workers prepare at once; each is then moved to the workers' core. At two threads each needs both cores."""
    assert paired.side_by_side([0], [0, 1]) == [[0], [1]]
    assert paired.side_by_side([0, 1], [0, 1]) == [] and paired.side_by_side([0], [0]) == []
    host = Host()
    frameworks = ("paddle", "jittor", "mxnet", "oneflow")
    launch_fake, servers = fake_launcher(host, {f: {"mlp": 1.0} for f in ("torch",) + frameworks})
    both_preparing = threading.Barrier(2, timeout=30)  # the first two workers prepare at the same time

    def launch(cells_, profile, seed, **pinning):
        server = launch_fake(cells_, profile, seed, **pinning)
        if len(servers) in (2, 3) and cells_[0].threads == 1:
            server.wait_ready = both_preparing.wait
        return server

    cells = [Cell(f, "mlp", "eager", 1) for f in frameworks]
    generation = paired.start(cells, PROFILE, 0, launch)
    home, spare = runner.USABLE[:1], runner.USABLE[-1:]
    assert servers[0] is generation.baseline and servers[0].cpus is None  # the baseline first, on its own
    assert [s.cpus for s in servers[1:]].count(spare) == 0  # moved home once ready
    assert {tuple(s.launched_on or home) for s in servers[1:]} == {tuple(home), tuple(spare)}
    assert all(s.prepared_beside for s in servers[1:]) and not generation.baseline.prepared_beside
    assert [key[0] for key in generation.servers] == list(frameworks)  # the plan's order
    servers.clear()
    generation = paired.start([Cell(f, "mlp", "eager", 2) for f in frameworks], PROFILE, 0, launch)
    assert all(s.cpus is None and not s.prepared_beside for s in servers)


def test_a_resumed_paired_run_takes_only_the_worker_sets_it_lacks(tmp_path):
    """raw.jsonl gains a worker set's records as the set ends; `fwbench run --resume` of a paired run takes
    the sets that are missing and aggregates over all of them."""
    host = Host()
    launch, servers = fake_launcher(host, {"torch": {"mlp": 1.0}, "paddle": {"mlp": 2.0}})
    cells = [Cell("paddle", "mlp", "eager", 1)]
    two_sets = plan.with_options(PROFILE, processes=2)
    paired.run(tmp_path, cells, two_sets, 2, launch=launch)
    raw = records.read(tmp_path / "raw.jsonl")
    assert {r["process"] for r in raw} == {0, 1} and len(servers) == 4
    first = [r for r in raw if r["process"] == 0]
    (tmp_path / "raw.jsonl").write_text("".join(json.dumps(r) + "\n" for r in first))  # cut short in the second set
    servers.clear()
    paired.run(tmp_path, cells, two_sets, 2, launch=launch)
    raw = records.read(tmp_path / "raw.jsonl")
    assert raw[: len(first)] == first and {r["process"] for r in raw[len(first):]} == {1}
    assert [s.process for s in servers] == [1, 1]  # the second set's baseline and worker only
    found = {r["task"]: r for r in records.read(tmp_path / "records.jsonl")}
    assert found["train"]["processes"] == 2 and found["train"]["paired_ratio"] == pytest.approx(2.0, rel=0.1)


def test_a_worker_lost_by_a_signal_while_taking_trials_is_relaunched_once_and_takes_the_later_rounds():
    host = Host()
    launch_fake, servers = fake_launcher(host, {"torch": {"mlp": 1.0}, "paddle": {"mlp": 2.0}, "jittor": {"mlp": 0.5}})
    dies_after = {"paddle": [4], "jittor": [2, 2]}  # trials before each of its workers dies: paddle's first only

    def launch(cells_, profile, seed, **pinning):
        server = launch_fake(cells_, profile, seed, **pinning)
        left = dies_after.get(cells_[0].framework)
        if left:
            limit, ask = left.pop(0), server.ask

            def dying_ask(key, number):
                if len(server.trials) >= limit:
                    server.errors[None], server.signal = f"worker killed by signal 11 after {limit} trials", 11
                    return False
                return ask(key, number)
            server.ask = dying_ask
        return server

    cells = [Cell("paddle", "mlp", "eager", 1), Cell("jittor", "mlp", "eager", 1)]
    raw = paired.measure(cells, PROFILE, 6, 0, launch=launch)
    assert Counter(s.cells[0].framework for s in servers) == {"torch": 1, "paddle": 2, "jittor": 1 + PROFILE.retries}
    mine = [r for r in raw if r.get("role") is None]
    paddle = {(r["task"], r["attempt"]): r for r in mine if r["framework"] == "paddle"}
    assert all(paddle[(t, 0)]["status"] == "failed" and "after 4 trials" in paddle[(t, 0)]["reason"] for t in ("train", "infer_b1"))
    kept = [paddle[(t, 1)] for t in ("train", "infer_b1", "infer_b64")]
    assert all(r["status"] == "ok" for r in kept)
    assert sum(len(r["pair_ms"]) for r in kept) == 3 * 6 - 1  # the pairs before the death stay; only the lost one is missing
    record = runner.aggregate([r for (t, _), r in paddle.items() if t == "train"], 1)
    assert record["status"] == "ok" and record["retried"] == 1
    jittor = [r for r in mine if r["framework"] == "jittor" and r["attempt"] == PROFILE.retries]
    assert jittor and all(r["status"] == "failed" for r in jittor)  # it died again: no relaunch is left


@pytest.mark.parametrize("threads", [1, 2])
def test_an_interrupted_start_ends_every_worker_it_started(threads):
    """SIGINT or SIGTERM (the CLI raises KeyboardInterrupt for both) while workers prepare: none outlives the run,
    neither the stopped ones that are ready nor the ones still preparing."""
    host = Host()
    launch_fake, servers = fake_launcher(host, {f: {"mlp": 1.0} for f in ("torch", "paddle", "jittor", "mxnet")})

    def launch(cells_, profile, seed, **pinning):
        if len(servers) == 3:
            raise KeyboardInterrupt
        return launch_fake(cells_, profile, seed, **pinning)

    cells = [Cell(f, "mlp", "eager", threads) for f in ("paddle", "jittor", "mxnet")]
    with pytest.raises(KeyboardInterrupt):
        paired.start(cells, PROFILE, 0, launch)
    assert len(servers) == 3 and all(s.errors.get(None) == "interrupted" for s in servers)


def test_a_paired_call_is_busy_by_its_pairs_long_enough_to_tell_not_by_its_tick_averages():
    from benchmarks.measure import guard

    ticks_misread = {"background_cpu": 0.4, "steal": 0.0, "busy_pairs": 0}
    assert not guard.busy(ticks_misread) and guard.busy(dict(ticks_misread, busy_pairs=2))
    assert guard.busy({"background_cpu": 0.4, "steal": 0.0})  # a sequential process's window: its own figure
