"""What is the same for every model within one framework: threads, tensors, weight layouts."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from benchmarks import REPO_ROOT


class Adapter:
    key: str = ""  # short name: the env file, the impl file prefix, the CLI value
    display: str = ""  # name shown in tables
    order: int = 99  # display position
    package: str = ""  # distribution whose version is reported
    api_packages: tuple = ()  # top-level modules whose calls count as this framework's API
    install_notes: tuple = ()  # extra steps its install needed here, beyond `pip install <package>`
    registry_package: str = ""  # PyPI name for release and wheel facts (default: package)
    dense_layout: str = "in_out"  # "out_in" frameworks store Linear weights transposed
    deviations: tuple = ()  # ways this setup differs from what a user with internet gets
    # mode name -> what it means in this framework; "eager" is each framework's default
    modes: Dict[str, str] = {"eager": "eager (define-by-run)", "compiled": "compiled"}

    # ---- harness side: no framework import -------------------------------------------
    @property
    def spec_file(self) -> Path:
        """Pinned requirements of this framework's environment."""
        return REPO_ROOT / "envs" / f"{self.key}.txt"

    def impl_module(self, model: str) -> str:
        """The module holding this framework's implementation of `model`."""
        return f"models.{model}.{self.key}_impl"

    def thread_env(self, threads: int) -> Dict[str, str]:
        """Environment variables that cap the framework's thread pools before import."""
        n = str(threads)
        return {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n}

    def extra_env(self, env_dir: Path) -> Dict[str, str]:
        """Further variables the worker needs in this environment (library paths, flags)."""
        return {}

    def cache_dirs(self) -> List[str]:
        """Caches outside the environment that belong to its install (counted in its size)."""
        return []

    def post_install(self, python: Path) -> List[List[str]]:
        """Commands run once after pip install (e.g. a one-time compile)."""
        return []

    # ---- worker side: runs inside the framework's environment --------------------------
    def load(self, threads: int) -> Any:
        """Import the framework, apply its own thread setting, return the module."""
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def tensor(self, array: np.ndarray) -> Any:
        raise NotImplementedError

    def labels(self, array: np.ndarray) -> Any:
        return self.tensor(array)

    def to_numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value.numpy())

    def named_parameters(self, model: Any) -> Dict[str, Any]:
        return dict(model.named_parameters())

    def assign(self, model: Any, name: str, param: Any, array: np.ndarray) -> None:
        raise NotImplementedError

    def convert(self, kind: str, array: np.ndarray) -> np.ndarray:
        """Canonical layout -> this framework's layout, by parameter kind."""
        if kind == "dense" and self.dense_layout == "out_in":
            return np.ascontiguousarray(array.T)
        return array

    def load_params(self, model: Any, params: Dict[str, np.ndarray], kinds: Dict[str, str]) -> Any:
        """Copy canonical numpy weights into the model; every parameter must be matched."""
        targets = self.named_parameters(model)
        if set(targets) != set(params):
            raise ValueError(f"parameter names differ: model {sorted(targets)} vs spec {sorted(params)}")
        for name, array in params.items():
            value = self.convert(kinds[name], array)
            if tuple(targets[name].shape) != value.shape:
                raise ValueError(f"{name}: model shape {tuple(targets[name].shape)} vs {value.shape}")
            self.assign(model, name, targets[name], value)
        return model
