"""Run metadata: the machine, the software and the moment."""
from __future__ import annotations

import gzip
import os
import platform
import re
import subprocess
import time
from functools import lru_cache
from typing import Dict, List, Optional

from benchmarks import REPO_ROOT, __version__


@lru_cache(maxsize=None)
def cpu_info() -> Dict[str, str]:
    fields = {}
    try:
        for line in open("/proc/cpuinfo"):
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return {"cpu_model": fields.get("model name", platform.processor()), "cpu_vendor": fields.get("vendor_id", "")}


# Instruction sets that decide which kernels a framework's CPU back-end can use.
VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16",
                "amx_int8", "asimd", "asimddp", "sve", "sve2", "bf16", "i8mm")


def cpu_flags() -> list:
    """The vector and matrix extensions this CPU reports (x86 'flags', Arm 'Features' as NEON=asimd, SVE)."""
    found = _first_group("/proc/cpuinfo", r"^(?:flags|Features)\s*:(.*)$") or ""
    return [f for f in VECTOR_FLAGS if f in found.split()]


def cpu_traits() -> Dict:
    """What decides which tuning knobs apply here: the CPU's vendor and its vector flags."""
    return {**cpu_info(), "cpu_flags": cpu_flags()}


def numpy_blas() -> str:
    """The BLAS numpy is built against (which library the GEMM peak measures)."""
    try:
        import numpy as np

        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:  # older numpy has no dict mode
        return "unknown"


def changed_files() -> List[str]:
    """Tracked files of this checkout that differ from its commit (`git status`, untracked files left out), but
    the run folders under results/, which hold outputs the run does not execute: what a run's `-dirty` commit
    ran with besides the commit."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=10)
    except OSError:
        return []
    if out.returncode != 0:
        return []
    return [path for path in (line[3:] for line in out.stdout.splitlines() if line.strip()) if not is_output(path)]


def is_output(path: str) -> bool:
    """A run folder's file (results/): a checkout that differs from its commit only there ran the commit's code."""
    return path.startswith("results/")


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
    except OSError:
        return ""
    return out.stdout.strip() + ("-dirty" if changed_files() else "") if out.returncode == 0 else ""


def kernel_config() -> Dict[str, str]:
    """The running kernel's build options, from /proc/config.gz or /boot/config-<release> (empty if neither)."""
    text = ""
    try:
        text = gzip.open("/proc/config.gz", "rt").read()
    except OSError:
        try:
            text = open(f"/boot/config-{platform.release()}").read()
        except OSError:
            pass
    return dict(re.findall(r"^(CONFIG_\w+)=(.*)$", text, re.M))


def _first_group(path: str, pattern: str) -> Optional[str]:
    """The first group of `pattern` in the file at `path`, or None when unreadable or absent."""
    try:
        with open(path) as f:
            found = re.search(pattern, f.read(), re.M)
    except OSError:
        return None
    return found.group(1) if found else None


def preempt_model(config: Dict[str, str]) -> Optional[str]:
    """none / voluntary / full / lazy: debugfs, else the boot command line, else the build default."""
    active = (_first_group("/sys/kernel/debug/sched/preempt", r"\((\w+)\)")
              or _first_group("/proc/cmdline", r"\bpreempt=(\w+)"))
    if active:
        return active
    for model in ("NONE", "VOLUNTARY", "LAZY"):
        if config.get(f"CONFIG_PREEMPT_{model}") == "y":
            return model.lower()
    return "full" if config.get("CONFIG_PREEMPT") == "y" else None


def scheduler_facts() -> Dict:
    """What decides how long a busy-waiting thread keeps its core: preemption model and tick rate."""
    config = kernel_config()
    flags = _first_group("/proc/cpuinfo", r"^flags\s*:(.*)$")
    preempt = preempt_model(config)
    hz = int(config["CONFIG_HZ"]) if config.get("CONFIG_HZ", "").isdigit() else None
    return {"kernel": platform.release(), "preempt_model": preempt, "tick_hz": hz,
            "virtual_machine": None if flags is None else "hypervisor" in flags.split(),
            "spinning_penalised": preempt in ("none", "voluntary") and (os.cpu_count() or 1) <= 4}


def machine_label(meta: Dict) -> str:
    """How tables name a machine: its CPU model and usable cores."""
    return f"{meta.get('cpu_model') or '?'} ×{meta.get('usable_cores') or meta.get('cores') or '?'}"


def machine_meta() -> Dict:
    return {
        **cpu_traits(),
        "machine": platform.machine(),
        "numpy_blas": numpy_blas(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "harness_python": platform.python_version(),
        "fwbench_version": __version__,
        "git_commit": git_commit(),
        "changed_files": changed_files(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "loadavg_before": list(os.getloadavg()),
        "scheduler": scheduler_facts(),
    }
