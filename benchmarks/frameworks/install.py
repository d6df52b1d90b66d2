"""A framework's install facts (setup's audience): what `fwbench setup` needs beyond `pip install -r` of
its pinned requirements, what the worker's environment gets, and what is recorded about the install."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

PY39 = "Python 3.9 (no wheels past CPython 3.10)"


@dataclass(frozen=True)
class Install:
    package: str  # the PyPI distribution, for release and wheel facts
    notes: Tuple[str, ...] = ()  # extra steps its install needed here, beyond `pip install <package>`
    deviations: Tuple[str, ...] = ()  # ways this setup differs from what a user with internet gets
    worker_env: Dict[str, str] = field(default_factory=dict)  # "{cache}": fwbench's cache folder
    library_globs: Tuple[str, ...] = ()  # folders under the environment put on LD_LIBRARY_PATH
    cache_dirs: Tuple[str, ...] = ()  # caches outside the environment that belong to its install
    post_install: Tuple[str, ...] = ()  # Python snippets run once in the environment after pip install
    # modes whose compiled kernels the framework keeps on disk across processes (Inductor's cache, Jittor's
    # kernel cache): setup runs every model once in them (runner.warm_caches), so a run's first steps are not
    # the machine's first-ever compilation. The seconds that pass took are an install fact (`warm_pass_s`):
    # on a machine whose caches were empty, what a first-ever run pays for compiling
    warm_modes: Tuple[str, ...] = ()
    # the pinned requirements and the earlier releases' recipes (default: requirements.txt and releases/ in the
    # framework's folder)
    spec_file: Path = Path()
    releases_dir: Path = Path()
    env_name: str = ""  # frameworks giving the same name share one environment (default: the framework's key)

    def extra_env(self, env_dir: Path) -> Dict[str, str]:
        """The variables this environment adds to a worker's environment."""
        cache = str(env_dir.parent.parent / "cache")
        env = {k: v.replace("{cache}", cache) for k, v in self.worker_env.items()}
        libs = [str(p) for pattern in self.library_globs for p in sorted(env_dir.glob(pattern))]
        if libs:
            env["LD_LIBRARY_PATH"] = ":".join(libs)
        return env

    def post_install_commands(self, python: Path) -> List[List[str]]:
        return [[str(python), "-c", code] for code in self.post_install]
