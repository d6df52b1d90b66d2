"""Run metadata: the machine, the software and the moment."""
from __future__ import annotations

import os
import platform
import subprocess
import time
from typing import Dict

from benchmarks import REPO_ROOT, __version__


def cpu_info() -> Dict[str, str]:
    fields = {}
    try:
        for line in open("/proc/cpuinfo"):
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return {"cpu_model": fields.get("model name", platform.processor()), "cpu_vendor": fields.get("vendor_id", "")}


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "") if out.returncode == 0 else ""
    except OSError:
        return ""


def machine_meta() -> Dict:
    return {
        **cpu_info(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "harness_python": platform.python_version(),
        "fwbench_version": __version__,
        "git_commit": git_commit(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "loadavg_before": list(os.getloadavg()),
    }
