"""The quiet-machine guard: how much CPU everything outside this run used while a worker ran (from
/proc/stat, less this process and the children it has reaped), the hypervisor's steal time, a
bounded wait for a busy machine to calm down before a worker starts, and how fast the host let the
worker's cores run just before and after it (a busy host slows them with no process here to show for it)."""
from __future__ import annotations

import os
import resource
import time
from typing import Callable, Dict, List, Optional

TICK = os.sysconf("SC_CLK_TCK")
BUSY_CORES = 0.10  # a cell measured while others used more than this (in cores) is flagged
STEAL_CORES = 0.05
HOST_SLOW = 1.15  # a worker whose cores ran this much slower than the run's fastest probe of them is run again


def machine_cpu() -> tuple:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat's first line."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / TICK, steal / TICK  # guest time is inside user


def own_cpu() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class Window:
    """Background CPU and steal, in cores (CPU seconds per second), from now until stop(): the machine's
    busy time (/proc/stat) less this process's and its children's own. The readers and the clock are
    parameters so that tests can hand it fake readings."""

    def __init__(self, machine: Callable[[], tuple] = None, own: Callable[[], float] = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.machine, self.own_reader, self.clock = machine or machine_cpu, own or own_cpu, clock
        self.wall, (self.busy, self.steal), self.own = clock(), self.machine(), self.own_reader()

    def stop(self) -> Dict[str, float]:
        wall = max(self.clock() - self.wall, 1e-6)
        busy, steal = self.machine()
        raw = ((busy - self.busy) - (self.own_reader() - self.own)) / wall  # < 0 when ticks fell to us
        return {"background_cpu": round(max(0.0, raw), 3), "background_raw": round(raw, 3),
                "steal": round(max(0.0, steal - self.steal) / wall, 3)}


def wait_for_quiet(limit: float, max_wait_s: float, on_busy: Optional[Callable[[float, float], None]] = None,
                   probe_s: float = 0.5) -> Dict[str, float]:
    """Probe the machine; while others use more than `limit` cores, wait (at most max_wait_s), calling
    on_busy(cores, waited seconds). Returns the seconds waited and the last probe's figures."""
    start = time.monotonic()
    while True:
        window = Window()
        time.sleep(probe_s)
        found = window.stop()
        waited = time.monotonic() - start - probe_s
        if found["background_cpu"] <= limit or waited >= max_wait_s:
            return {"waited_s": round(max(waited, 0.0), 1), "background_before": found["background_cpu"]}
        if on_busy:
            on_busy(found["background_cpu"], waited)


def stay_off(cpus: List[int], usable: List[int]) -> None:
    """Move this process off the worker's cores where others are usable (so it never competes with it)."""
    others = [c for c in usable if c not in cpus]
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, others or usable)


def busy(record: Dict) -> bool:
    """Was this measurement taken while the machine was busy with other work? A paired call's record says it
    by its pairs long enough to tell (`busy_pairs`): its averages mix in pairs of a few 10 ms ticks, where one
    tick counted to the wrong side reads as 0.2-0.5 of a core."""
    if record.get("busy_pairs") is not None:
        return record["busy_pairs"] > 0
    return (record.get("background_cpu") or 0) > BUSY_CORES or (record.get("steal") or 0) > STEAL_CORES


def host_probe(cpu: int, seconds: float = 0.03, size: int = 64, loops: int = 20) -> float:
    """Milliseconds of a fixed small sgemm loop on core `cpu`, the fastest try in `seconds`: the speed the
    host gives that core now. The fastest try sees a slower core, not time shared with other processes."""
    import numpy as np

    previous = os.sched_getaffinity(0)
    a = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)
    best = float("inf")
    os.sched_setaffinity(0, [cpu])
    try:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            for _ in range(loops):
                a @ a
            best = min(best, time.perf_counter() - t)
    finally:
        os.sched_setaffinity(0, previous)
    return best * 1000


class HostSpeed:
    """How much slower than the fastest seen in this run (calibrated at the start, then the best of every
    probe) the host runs given cores now: 1.0 is full speed."""

    def __init__(self, cpus: List[int], probe: Callable[..., float] = host_probe, calibrate_s: float = 0.3) -> None:
        self.probe = probe  # (core, seconds of tries) -> ms
        self.best = {c: probe(c, calibrate_s) for c in cpus}

    def slowdown(self, cpus: List[int]) -> float:
        worst = 1.0
        for c in cpus:
            ms = self.probe(c)
            self.best[c] = min(self.best.get(c, ms), ms)
            worst = max(worst, ms / self.best[c])
        return round(worst, 3)

    def wait(self, cpus: List[int], max_wait_s: float, pause_s: float = 0.25) -> tuple:
        """Probe until the host runs these cores at full speed again (slow spells last seconds), at most
        max_wait_s: (the last slowdown, seconds waited)."""
        start = time.monotonic()
        while True:
            found = self.slowdown(cpus)
            waited = time.monotonic() - start
            if found <= HOST_SLOW or waited >= max_wait_s:
                return found, round(waited, 1)
            time.sleep(pause_s)


class RetakeBudget:
    """Which slow-host processes a run takes again once its first pass is done: at most `share` of the
    first pass's wall time, and none more once `futile_after` retakes have found the host at full speed
    less than a third of the time (a host slow throughout gains nothing from them)."""

    def __init__(self, share: float, futile_after: int = 6) -> None:
        self.share, self.futile_after = share, futile_after
        self.first_pass_s = self.spent_s = 0.0
        self.taken = self.full_speed = self.skipped = 0
        self.stopped = ""  # why retakes stopped: "budget" or "futile"

    def allows(self, cost_s: float) -> bool:
        """May a retake expected to take cost_s seconds run? Records why not."""
        if self.taken >= self.futile_after and self.full_speed * 3 < self.taken:
            self.stopped = "futile"
        elif self.spent_s + cost_s > self.share * self.first_pass_s:
            self.stopped = "budget"
        return not self.stopped

    def took(self, seconds: float, slowdown: float) -> None:
        self.taken += 1
        self.spent_s += seconds
        self.full_speed += slowdown <= HOST_SLOW

    def summary(self) -> Dict:
        return {"share": self.share, "first_pass_s": round(self.first_pass_s, 1), "spent_s": round(self.spent_s, 1),
                "taken": self.taken, "full_speed": self.full_speed, "skipped": self.skipped, "stopped": self.stopped}


def host_slow(record: Dict) -> bool:
    """Was this measurement taken while the host slowed the worker's cores?"""
    return (record.get("host_slowdown") or 1.0) > HOST_SLOW
