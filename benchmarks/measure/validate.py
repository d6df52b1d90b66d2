"""Method check: the harness's median for one cell against a bare hand-written loop, same env."""
from __future__ import annotations

import statistics
import subprocess
from typing import Dict

from benchmarks import REPO_ROOT
from benchmarks.measure.envs import load_spec, worker_env
from benchmarks.core.plan import PROFILES, Cell
from benchmarks.measure.runner import launch


def compare(rounds: int = 5, steps: int = 300) -> Dict:
    """Alternate harness and bare runs `rounds` times; ratio of the medians of their medians."""
    spec = load_spec("torch")
    harness, bare = [], []
    for _ in range(rounds):
        record = launch(Cell("torch", "mlp", "eager", 1), PROFILES["quick"], ["train"])[0]
        if record["status"] != "ok":
            raise RuntimeError(f"harness cell failed: {record['reason']}")
        harness.append(statistics.median(record["samples_ms"]))
        out = subprocess.run([str(spec.interpreter), str(REPO_ROOT / "benchmarks" / "bare_loop.py"), str(steps)],
                             capture_output=True, text=True, env=worker_env(spec), check=True, timeout=600)
        bare.append(float(out.stdout.strip().splitlines()[-1]))
    h, b = statistics.median(harness), statistics.median(bare)
    return {"cell": "torch/mlp/eager/1 thread/train", "harness_ms": h, "bare_ms": b, "ratio": h / b,
            "harness_runs_ms": harness, "bare_runs_ms": bare}
