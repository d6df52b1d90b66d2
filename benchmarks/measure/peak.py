"""This machine's fp32 GEMM rate, the yardstick for `peak_fraction`, and its noise level.

Runs numpy's sgemm in a child process pinned to the same cores, and with the same BLAS thread
cap, as a worker of that thread setting; best of several large products.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Dict, List


def measure(size: int = 2048, repeats: int = 5, seconds: float = 2.0) -> float:
    """GFLOP/s of the fastest of at least `repeats` products, taken for at least `seconds` (a busy host
    slows some of them; the best is the machine's rate)."""
    import numpy as np

    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    b = a.T.copy()
    a @ b  # warm-up
    best, done, end = float("inf"), 0, time.perf_counter() + seconds
    while done < repeats or time.perf_counter() < end:
        t = time.perf_counter()
        a @ b
        best, done = min(best, time.perf_counter() - t), done + 1
    return 2 * size**3 / best / 1e9


QUIET_CV = 0.03  # a fixed kernel on one pinned core varies less than this on a quiet machine


def kernel_samples(seconds: float = 3.0, size: int = 128, loops: int = 100) -> List[float]:
    """Milliseconds per sample of a fixed single-threaded sgemm loop, sampled for `seconds`."""
    import numpy as np

    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    samples: List[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        for _ in range(loops):
            a @ a
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def _in_child(code: str, cpus: List[int]) -> str:
    """Run `code` (which prints one line) in a child pinned to `cpus`, with BLAS capped to them."""
    n = str(len(cpus))
    env = dict(os.environ, OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n, MKL_NUM_THREADS=n)
    code = f"import os; os.sched_setaffinity(0, {cpus!r}); {code}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, check=True)
    return out.stdout.strip().splitlines()[-1]


def noise(seconds: float = 3.0) -> Dict:
    """This machine's own noise: the coefficient of variation of a fixed numpy kernel pinned to the last
    usable core for a few seconds (the core a one-thread worker does not use), with a verdict."""
    import numpy as np

    cpu = sorted(os.sched_getaffinity(0))[-1]
    samples = np.asarray(json.loads(_in_child(f"import json; from benchmarks.measure.peak import kernel_samples; "
                                              f"print(json.dumps(kernel_samples({seconds})))", [cpu])))
    cv = float(samples.std(ddof=1) / samples.mean())
    return {"cv": round(cv, 4), "p90_over_p10": round(float(np.quantile(samples, 0.9) / np.quantile(samples, 0.1)), 3),
            "samples": len(samples), "cpu": cpu, "verdict": "quiet" if cv < QUIET_CV else "noisy"}


def peak_gflops(cpus: List[int]) -> float:
    """GFLOP/s of numpy sgemm on exactly these cores."""
    return float(_in_child("from benchmarks.measure.peak import measure; print(measure())", cpus))


if __name__ == "__main__":
    print(json.dumps({"peak_gflops_1_thread": peak_gflops([sorted(os.sched_getaffinity(0))[0]])}))
