from __future__ import annotations

import multiprocessing
import os
import random
import signal
import threading
import time
from typing import Optional
from pathlib import Path

import numpy as np

from benchmarks.frameworks.framework import Framework, Knob
from benchmarks.frameworks.install import Install
from benchmarks.frameworks.runtime import Runtime

HERE = Path(__file__).resolve().parent


def _burn(name: str = "", named: Optional[threading.Event] = None) -> None:
    if name:  # the name the kernel shows for this thread, as a framework's helper threads have
        with open(f"/proc/self/task/{threading.get_native_id()}/comm", "w") as f:
            f.write(name)
    if named:
        named.set()
    a = np.ones((256, 256), dtype=np.float32)
    while True:
        a @ a  # numpy releases the GIL: this runs beside the timed calls


def _slow_to_die() -> None:
    """A pool worker that takes a moment to end: while the worker waits for one, another lies dead long
    enough for the pool's own thread to see it and fork a replacement."""
    def end(*_):
        time.sleep(random.uniform(0.0, 0.4))
        os._exit(0)

    signal.signal(signal.SIGTERM, end)


def start_pool(workers: int = 4):
    """A multiprocessing pool that forks a replacement for each worker it sees die, as Jittor's compile pool does."""
    global POOL
    POOL = multiprocessing.get_context("fork").Pool(workers, initializer=_slow_to_die)
    POOL.map(abs, range(workers))  # its workers are up
    return POOL


class FakeFramework(Framework):
    """numpy as a framework, with one fault injected by name."""

    def __init__(self, fault: str, order: int):
        self.fault = fault
        # every fake shares one environment, numpy only
        install = Install("", spec_file=HERE / "fake.txt", releases_dir=HERE / "releases" / f"fake_{fault}", env_name="fake",
                          worker_env={"FAKE_SLOW_S": os.environ.get("FAKE_SLOW_S", "3")},
                          warm_modes=("eager",) if fault == "model_cached" else ())  # as if it kept kernels on disk
        # fake_ok has a tuning knob whose only effect is to be seen by the worker
        knobs = (Knob({"FAKE_KNOB": "on"}, "documented", "tests/fakefw", "none"),) if fault == "ok" else ()
        super().__init__(f"fake_{fault}", f"fake_{fault}", 100 + order, FakeRuntime, install, knobs=knobs)

    def impl_module(self, model: str) -> str:
        if model == "lenet5" and self.fault.startswith("model_"):  # one model broken, the MLP healthy
            return "tests.fakefw.broken_impl"
        return "tests.fakefw.numpy_impl"


class FakeRuntime(Runtime):
    module = "numpy"

    def __init__(self, framework: FakeFramework):
        super().__init__(framework)
        self.fault = framework.fault

    def load(self, threads: int):
        os.environ["FAKE_FAULT"] = self.fault
        if self.fault == "segfault":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif self.fault == "abort":
            os.abort()
        elif self.fault == "hang":
            time.sleep(3600)
        elif self.fault == "import":
            raise ModuleNotFoundError("No module named 'fakeflow'")
        elif self.fault == "garbage":
            print("{not json", flush=True)
            os.write(1, b"\x00\xff garbage on stdout\n[1, 2\n")
        elif self.fault == "oversubscribe":  # undoes the pinning and burns a second core
            os.sched_setaffinity(0, range(os.cpu_count()))
            threading.Thread(target=_burn, daemon=True).start()
        elif self.fault == "flaky":  # killed as the OOM killer would, on its first launch in this FWBENCH_HOME only
            marker = Path(os.environ["FWBENCH_HOME"]) / "flaky-launched"
            if not marker.exists():
                marker.touch()
                os.kill(os.getpid(), signal.SIGKILL)
        elif self.fault == "helper":  # a named helper thread that burns CPU beside the main thread
            named = threading.Event()  # running under its name before the first timed call, however busy the host
            threading.Thread(target=_burn, args=("fakehelper", named), daemon=True).start()
            named.wait(10)
        elif self.fault == "pool":
            start_pool()
        elif self.fault == "slow":
            time.sleep(float(os.environ.get("FAKE_SLOW_S", "3")))
        return np

    def version(self) -> str:
        return np.__version__

    def tensor(self, array: np.ndarray):
        return array

    def to_numpy(self, value) -> np.ndarray:
        return np.asarray(value)

    def named_parameters(self, model):
        return model

    def assign(self, model, name, param, array) -> None:
        param[...] = array + (0.01 if self.fault == "parity" else 0.0)


FAULTS = ("ok", "segfault", "abort", "hang", "import", "garbage", "parity", "slow", "oversubscribe", "flaky", "helper", "pool", "model_raises",
          "model_segfault", "model_cached")
FRAMEWORKS = [FakeFramework(fault, i) for i, fault in enumerate(FAULTS)]
