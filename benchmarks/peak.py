"""This machine's fp32 GEMM rate, the yardstick for `peak_fraction`.

Runs numpy's sgemm in a child process pinned to the same cores, and with the same BLAS thread
cap, as a worker of that thread setting; best of several large products.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import List


def measure(size: int = 2048, repeats: int = 5) -> float:
    import numpy as np

    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    b = a.T.copy()
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * size**3 / best / 1e9


def peak_gflops(cpus: List[int]) -> float:
    """GFLOP/s of numpy sgemm on exactly these cores."""
    n = str(len(cpus))
    env = dict(os.environ, OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n, MKL_NUM_THREADS=n)
    code = f"import os; os.sched_setaffinity(0, {cpus!r}); from benchmarks.peak import measure; print(measure())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, check=True)
    return float(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps({"peak_gflops_1_thread": peak_gflops([sorted(os.sched_getaffinity(0))[0]])}))
