"""Provision a Python 3.9 on Debian 12 (root) when no usable one exists (OneFlow, MegEngine).

The recipe measured in shared/design.md: Debian bullseye's python3.9, pinned low so nothing else
comes from bullseye; distutils/lib2to3 unpacked by hand (their dependency on python3<3.10 cannot
be met on bookworm); environments then made with virtualenv (Debian's 3.9 has no ensurepip).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Optional

from benchmarks.core.errors import UserError

SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
PACKAGES = ["python3.9/bullseye", "python3.9-minimal/bullseye", "libpython3.9-stdlib/bullseye",
            "libpython3.9-minimal/bullseye"]
UNPACKED = ["python3-distutils/bullseye", "python3-lib2to3/bullseye"]


def can_provision(version: str) -> bool:
    return (version == "3.9" and hasattr(os, "geteuid") and os.geteuid() == 0
            and Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None)


def debian_mirror() -> str:
    match = re.search(r"URIs:\s*(\S+/debian)\s*$", SOURCES.read_text(), re.M) if SOURCES.exists() else None
    return match.group(1) if match else "http://deb.debian.org/debian"


def provision_python39(on_line: Callable[[str], None]) -> Optional[str]:
    """Install python3.9 from bullseye; returns its path."""
    def run(cmd, cwd=None):
        on_line(" ".join(cmd[:4]))
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if out.returncode != 0:
            raise UserError(f"provisioning Python 3.9 failed at `{' '.join(cmd)}`: {out.stderr.strip().splitlines()[-1:]}")

    Path("/etc/apt/sources.list.d/fwbench-bullseye.list").write_text(f"deb {debian_mirror()} bullseye main\n")
    Path("/etc/apt/preferences.d/fwbench-bullseye").write_text(
        "Package: *\nPin: release n=bullseye\nPin-Priority: 100\n")
    run(["apt-get", "update"])
    run(["apt-get", "install", "-y", "--no-install-recommends"] + PACKAGES)
    with tempfile.TemporaryDirectory() as tmp:
        run(["apt-get", "download"] + UNPACKED, cwd=tmp)
        for deb in Path(tmp).glob("*.deb"):
            run(["dpkg", "-x", str(deb), "/"])
    return shutil.which("python3.9", path="/usr/bin")
