"""Install facts of each framework's environment: what `fwbench setup` needs beyond `pip install -r
envs/<framework>.txt`, what the worker's environment gets, and what is recorded about the install.
The runtime side of each framework (import, threads, tensors) is its back-end in benchmarks/adapters.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

from benchmarks import REPO_ROOT


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
    spec_file: Path = Path()  # the pinned requirements (default envs/<framework>.txt)

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


PY39 = "Python 3.9 (no wheels past CPython 3.10)"
INSTALLS: Dict[str, Install] = {
    # A private Inductor cache (not the shared /tmp/torchinductor_<user>), reused across runs.
    "torch": Install("torch", worker_env={"TORCHINDUCTOR_CACHE_DIR": "{cache}/torchinductor"}, warm_modes=("compiled",)),
    "tensorflow": Install("tensorflow-cpu", worker_env={"KERAS_HOME": "{cache}/keras"}),
    "jax": Install("jaxlib"),  # the binary part; jax itself is pure Python
    "mxnet": Install("mxnet", notes=("numpy<1.24 (MXNet 1.9.1 uses np.bool, removed in numpy 1.24)",)),
    "paddle": Install("paddlepaddle"),
    "mindspore": Install("mindspore", notes=("numpy<2 (numpy 2 breaks its PyNative mode)",)),
    "jittor": Install(
        "jittor",
        notes=("numpy<2", "oneDNN archive from the PyPI package jittor-offline (Jittor downloads it from its own server)",
               "nvcc_path='' so that it does not try CUDA", "compiles its core at first import (minutes)"),
        deviations=("Jittor's oneDNN 2.2.0 comes from the PyPI package jittor-offline instead of Jittor's "
                    "own download server (same archive); CUDA detection is off (nvcc_path='').",),
        worker_env={"nvcc_path": "", "cc_path": "g++"},
        cache_dirs=("~/.cache/jittor",),
        warm_modes=("eager",),
        # Jittor compiles its core at first import (minutes): do it at setup, with its output shown.
        post_install=("import jittor; jittor.flags.use_cuda = 0; print('jittor core compiled')",)),
    "oneflow": Install(
        "oneflow",
        notes=(PY39, "CUDA build only: cuDNN and cuBLAS wheels from PyPI on LD_LIBRARY_PATH", "numpy<2"),
        deviations=("OneFlow 0.9.0 runs on Python 3.9 (no wheels past CPython 3.10).",
                    "OneFlow's PyPI wheel is a CUDA build; it runs on the CPU with cuDNN/cuBLAS from PyPI "
                    "on its library path."),
        worker_env={"ONEFLOW_DEBUG_MODE": "0", "GLOG_minloglevel": "2"},
        library_globs=("lib/python3*/site-packages/nvidia/*/lib",)),
    "megengine": Install(
        "megengine", notes=(PY39, "setuptools<70 (imports pkg_resources)", "numpy<2"),
        deviations=("MegEngine 1.13.0 runs on Python 3.9 (no wheels past CPython 3.10).",)),
}


def install_of(framework: str) -> Install:
    """The framework's install facts; test-only frameworks bring theirs (an INSTALLS dict in their module)."""
    from dataclasses import replace

    from benchmarks.adapters import discovered

    found = INSTALLS.get(framework) or discovered("INSTALLS").get(framework)
    if found is None:
        raise KeyError(f"no install facts for {framework}")
    if found.spec_file == Path():
        found = replace(found, spec_file=REPO_ROOT / "envs" / f"{framework}.txt")
    return found
