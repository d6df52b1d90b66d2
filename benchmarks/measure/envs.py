"""One environment per framework, outside the repo: locate, create, verify.

`benchmarks/frameworks/<framework>/requirements.txt` is a pip requirements file whose first line names the Python
(`# python: 3.11`). An environment lives in `~/.cache/fwbench/envs/<framework>-<hash>`; the hash
covers the spec, so an edited spec builds a new one. An environment counts as ready only once
its marker file exists, written last and atomically: a half-built one is never used.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

from benchmarks import REPO_ROOT
from benchmarks.frameworks import EXTRA_ENV, get_framework
from benchmarks.core.errors import UserError

MARKER = ".fwbench-ready.json"
SETUP_REVISION = "1"  # bump when the way environments are built changes
MIN_FREE_GB = 6.0


def cache_root() -> Path:
    return Path(os.environ.get("FWBENCH_HOME", Path.home() / ".cache" / "fwbench"))


@dataclass(frozen=True)
class EnvSpec:
    framework: str
    python: str  # "3.11"
    file: Path  # its pinned requirements
    release: str = ""  # a past release's recipe (its folder's releases/<version>.txt); "" for today's pin
    env_name: str = ""  # frameworks giving the same name share one environment (default: the framework)

    @property
    def name(self) -> str:
        return f"{self.framework}-{self.release}" if self.release else (self.env_name or self.framework)

    @property
    def digest(self) -> str:
        text = self.file.read_bytes() + SETUP_REVISION.encode()
        return hashlib.sha256(text).hexdigest()[:12]

    @property
    def path(self) -> Path:
        return cache_root() / ("releases" if self.release else "envs") / f"{self.name}-{self.digest}"

    @property
    def interpreter(self) -> Path:
        return self.path / "bin" / "python"

    def marker(self) -> Optional[Dict]:
        """The ready marker's contents, or None when the environment is missing or half-built."""
        try:
            return json.loads((self.path / MARKER).read_text())
        except (OSError, ValueError):
            return None


def load_spec(framework: str) -> EnvSpec:
    described = get_framework(framework)
    return parse_spec(framework, described.spec_file(), name=described.env_name())


def parse_spec(framework: str, file: Path, release: str = "", name: str = "") -> EnvSpec:
    """The recipe in `file`: a pip requirements file whose first line names the Python."""
    match = re.match(r"#\s*python:\s*(\d+\.\d+)", file.read_text())
    if not match:
        raise UserError(f"{file} must start with a line '# python: 3.X'")
    return EnvSpec(framework, match.group(1), file, release, name)


def stale_envs(spec: EnvSpec) -> List[Path]:
    """Earlier builds of the same recipe (another digest); never another recipe's."""
    pattern = re.compile(re.escape(spec.name) + r"-[0-9a-f]{12}")
    return [p for p in spec.path.parent.glob(f"{spec.name}-*") if p != spec.path and pattern.fullmatch(p.name)]


def _works(candidate: str, version: str, need_ensurepip: bool = True) -> bool:
    """True when `candidate` runs, is Python `version`, and (unless told) can make a venv with pip."""
    code = "import sys%s; print('%%d.%%d' %% sys.version_info[:2])" % (", venv, ensurepip" if need_ensurepip else "")
    try:
        out = subprocess.run([candidate, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def find_python(version: str) -> Optional[str]:
    """A working interpreter for `version`: PATH, then pyenv, uv and system locations."""
    home = Path.home()
    candidates = [shutil.which(f"python{version}") or ""]
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        candidates.insert(0, sys.executable)
    for pattern in (
        f"{os.environ.get('PYENV_ROOT', home / '.pyenv')}/versions/{version}.*/bin/python{version}",
        f"{home}/.local/share/uv/python/cpython-{version}.*/bin/python{version}",
        f"/usr/local/bin/python{version}",
        f"/usr/bin/python{version}",
    ):
        candidates += sorted(glob.glob(pattern), reverse=True)
    return next((c for c in candidates if c and _works(c, version)), None)


def _bare_python(spec: EnvSpec, on_line: Callable[[str], None]) -> str:
    """A Python without ensurepip (Debian's), provisioned from Debian bullseye when root allows."""
    from benchmarks.measure import provision

    bare = f"/usr/bin/python{spec.python}"
    if _works(bare, spec.python, need_ensurepip=False):
        return bare
    if provision.can_provision(spec.python):
        found = provision.provision_python39(on_line)
        if found and _works(found, spec.python, need_ensurepip=False):
            return found
    raise UserError(
        f"{spec.framework} needs Python {spec.python} and none was found: install python{spec.python} "
        f"on PATH (e.g. `pyenv install {spec.python}` or `uv python install {spec.python}`), "
        f"or run `fwbench setup {spec.framework}` as root on Debian to provision one")


def dir_size_mb(path: Path) -> float:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total / 2**20


def _stream(cmd: List[str], on_line: Callable[[str], None], env: Optional[Dict[str, str]] = None) -> None:
    """Run a command, passing each output line to `on_line`; raise with its tail on failure."""
    tail: List[str] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                tail = (tail + [line])[-15:]
                on_line(line)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} … failed ({proc.returncode}):\n" + "\n".join(tail))


def worker_env(spec: EnvSpec, threads: int = 1) -> Dict[str, str]:
    """The complete, explicit environment a worker process gets."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "FWBENCH_HOME": str(cache_root()),
    }
    if os.environ.get(EXTRA_ENV):
        env[EXTRA_ENV] = os.environ[EXTRA_ENV]
    env.update(get_framework(spec.framework).runtime.thread_env(threads))
    env.update(get_framework(spec.framework).install.extra_env(spec.path))
    return env


def probe(spec: EnvSpec) -> Dict:
    """Import the framework in its environment; return its version and Python."""
    out = subprocess.run(
        [str(spec.interpreter), "-m", "benchmarks.measure.worker", "--probe", spec.framework],
        capture_output=True, text=True, env=worker_env(spec), cwd=REPO_ROOT, timeout=3600,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"{spec.framework} does not import:\n" + "\n".join(out.stderr.splitlines()[-10:]))
    return json.loads(lines[-1])


def friction(spec: EnvSpec) -> Dict:
    """Install-friction facts stored with the environment (registry facts fetched now, if reachable)."""
    from benchmarks.core.friction import registry_facts

    install = get_framework(spec.framework).install
    cache = sum(dir_size_mb(Path(d).expanduser()) for d in install.cache_dirs)
    return {"install_notes": list(install.notes), "cache_mb": round(cache, 1),
            "registry": registry_facts(install.package)}


def update_marker(spec: EnvSpec, facts: Dict) -> None:
    """Add facts to a ready environment's marker."""
    marker = spec.marker()
    if marker is not None:
        tmp = spec.path / (MARKER + ".tmp")
        tmp.write_text(json.dumps(dict(marker, **facts), indent=1))
        tmp.replace(spec.path / MARKER)


def backfill_friction(spec: EnvSpec) -> None:
    """Add friction facts to a ready environment made before they were recorded."""
    marker = spec.marker()
    if marker is not None and "registry" not in marker:
        update_marker(spec, friction(spec))


def check_free_space(path: Path, need_gb: float = MIN_FREE_GB) -> None:
    path.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(path).free / 2**30
    if free < need_gb:
        raise UserError(f"only {free:.1f} GB free under {path}; setup needs {need_gb:.0f} GB: free space or set FWBENCH_HOME")


def create(spec: EnvSpec, on_line: Callable[[str], None]) -> Dict:
    """Build the environment from scratch and mark it ready; returns the marker."""
    install = get_framework(spec.framework).install
    check_free_space(cache_root())
    started = time.time()
    python = find_python(spec.python)
    make_venv = [python, "-m", "venv"]
    if python is None:
        python = _bare_python(spec, on_line)
        make_venv = [sys.executable, "-m", "virtualenv", "-p", python]
    shutil.rmtree(spec.path, ignore_errors=True)
    on_line(f"creating venv with {python}")
    _stream(make_venv + [str(spec.path)], on_line)
    pip = [str(spec.interpreter), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    _stream(pip + ["-r", str(spec.file)], on_line)
    for cmd in install.post_install_commands(spec.interpreter):
        _stream(cmd, on_line, env=worker_env(spec))
    on_line("checking the import")
    info = probe(spec)
    marker = {
        "framework": spec.framework,
        "framework_version": info["version"],
        "python": info["python"],
        "spec_digest": spec.digest,
        "install_s": round(time.time() - started, 1),
        "size_mb": round(dir_size_mb(spec.path), 1),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "deviations": list(install.deviations),
    }
    marker.update(friction(spec))
    tmp = spec.path / (MARKER + ".tmp")
    tmp.write_text(json.dumps(marker, indent=1))
    tmp.replace(spec.path / MARKER)
    for stale in stale_envs(spec):
        shutil.rmtree(stale, ignore_errors=True)
    return marker
