"""A framework's runtime (the worker's audience): import it, cap its threads, make its tensors, read
them back, and copy canonical weights into its parameters. Runtime modules import only the standard
library and numpy at top level; the framework itself is imported inside a worker."""
from __future__ import annotations

import importlib
import os
import re
from typing import TYPE_CHECKING, Any, Dict, List

import numpy as np

if TYPE_CHECKING:
    from benchmarks.frameworks.framework import Framework

KERNEL_LIBRARY = re.compile(r"mkl|dnnl|openblas|blis|xnnpack|libxsmm|armpl|kleidi|acl|eigen", re.I)


class Runtime:
    module: str = ""  # the framework's import name

    def __init__(self, framework: "Framework"):
        self.framework = framework
        self.layout = framework.layout

    def thread_env(self, threads: int) -> Dict[str, str]:
        """Environment variables that cap the framework's thread pools before import."""
        n = str(threads)
        return {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n}

    def load(self, threads: int) -> Any:
        """Import the framework, apply its own settings (configure), return the module."""
        self.fw = importlib.import_module(self.module)
        self.configure(threads)
        return self.fw

    def configure(self, threads: int) -> None:
        """The framework's own device and thread settings, right after its import."""

    def version(self) -> str:
        return self.fw.__version__

    def kernel_build(self) -> List[str]:
        """The math libraries the framework says it was built with, where it says so (e.g. oneDNN, MKL)."""
        return []

    def kernel_libraries(self) -> List[str]:
        """kernel_build() and the math libraries this process has mapped (oneDNN, MKL, OpenBLAS, ...):
        what runs the framework's CPU kernels here (numpy's own OpenBLAS left out)."""
        mapped = set()
        try:
            with open("/proc/self/maps") as f:
                for line in f:
                    name = os.path.basename(line.split()[-1]) if len(line.split()) > 5 else ""
                    if ".so" in name and KERNEL_LIBRARY.search(name) and not name.startswith("libscipy_openblas"):
                        mapped.add(name.split(".so")[0])
        except OSError:
            pass
        return self.kernel_build() + sorted(mapped)

    def tensor(self, array: np.ndarray) -> Any:
        raise NotImplementedError

    def inputs(self, array: np.ndarray) -> Any:
        """A model input: canonical images are NCHW; NHWC frameworks get them transposed."""
        return self.tensor(self.layout.images(array))

    def labels(self, array: np.ndarray) -> Any:
        return self.tensor(array.astype(self.layout.label_dtype, copy=False))

    def to_numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value.numpy())

    def named_parameters(self, model: Any) -> Dict[str, Any]:
        return dict(model.named_parameters())

    def assign(self, model: Any, name: str, param: Any, array: np.ndarray) -> None:
        raise NotImplementedError

    def load_params(self, model: Any, params: Dict[str, np.ndarray], kinds: Dict[str, Any], weights=None) -> Any:
        """Copy canonical numpy weights into the model; every parameter must be matched."""
        targets = {self.layout.canonical(name): p for name, p in self.named_parameters(model).items()}
        expanded = self.layout.expand(params, kinds, weights)
        if set(targets) != set(expanded):
            raise ValueError(f"parameter names differ: model {sorted(targets)} vs spec {sorted(expanded)}")
        for name, value in expanded.items():
            target_shape = tuple(targets[name].shape)
            if value.ndim == 1 and target_shape != value.shape and int(np.prod(target_shape)) == value.size:
                value = value.reshape(target_shape)  # e.g. MegEngine keeps conv biases as [1, O, 1, 1]
            if target_shape != value.shape:
                raise ValueError(f"{name}: model shape {tuple(targets[name].shape)} vs {value.shape}")
            self.assign(model, name, targets[name], value)
        return model
