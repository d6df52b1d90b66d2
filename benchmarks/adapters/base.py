"""What is the same for every model within one framework: threads, tensors, weight layouts."""
from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from benchmarks.plan import TUNINGS  # each level adds its knobs to the lower ones


KERNEL_LIBRARY = re.compile(r"mkl|dnnl|openblas|blis|xnnpack|libxsmm|armpl|kleidi|acl|eigen", re.I)


def knob_text(env: Dict[str, str]) -> str:
    """Knob variables as a user would set them: 'NAME=value NAME2=value2'."""
    return " ".join(f"{k}={v}" for k, v in env.items())


@dataclass(frozen=True)
class Knob:
    """A setting that makes a framework faster here without changing its results (the parity gate
    still applies), with where it comes from and what it does."""
    env: Dict[str, str]  # environment variables set before the framework is imported
    level: str  # "documented": the framework's own documentation lists it; "all": undocumented too
    source: str
    effect: str
    cpu_vendor: Optional[str] = None  # applies only on this vendor's CPUs (e.g. "AuthenticAMD")
    cpu_flag: Optional[str] = None  # applies only on CPUs that report this flag (e.g. "avx512f")

    def label(self) -> str:
        return knob_text(self.env)

    def where(self) -> str:
        """On which CPUs it applies, as tables say it ("" for every CPU)."""
        return (f" on {self.cpu_vendor}" if self.cpu_vendor else "") + (f" on CPUs with {self.cpu_flag}"
                                                                         if self.cpu_flag else "")

    def applies_on(self, cpu: Mapping) -> bool:
        """Whether it applies on a CPU described as hardware.cpu_traits() does."""
        return (self.cpu_vendor in (None, cpu.get("cpu_vendor"))
                and (self.cpu_flag is None or self.cpu_flag in cpu.get("cpu_flags", ())))


class Adapter:
    """One framework's runtime back-end: import and thread settings, tensors in and out, and loading
    canonical weights (generic layouts here; a model's own groups, such as LSTM and attention
    weights, are mapped by its models/<model>/weights.py)."""

    key: str = ""  # short name: the env file, the impl file prefix, the CLI value
    display: str = ""  # name shown in tables
    order: int = 99  # display position
    module: str = ""  # the framework's import name
    api_packages: tuple = ()  # top-level modules whose calls count as this framework's API
    # mode name -> what it means in this framework
    modes: Dict[str, str] = {"eager": "eager (define-by-run)", "compiled": "compiled"}
    default_mode: str = "eager"  # the mode its own getting-started guide trains in
    # why its cells settle into different speeds from one worker process to the next, where that was found
    # (tables name it beside the cells flagged unsteady); "" where no cause is known
    unsteady_cause: str = ""
    default_mode_source: str = ""  # that guide
    knobs: Tuple[Knob, ...] = ()  # tuning beyond the defaults, by level (see TUNINGS)
    dense_layout: str = "in_out"  # "out_in" frameworks store Linear weights transposed
    image_layout: str = "NCHW"  # "NHWC" frameworks get images (and conv kernels) transposed
    label_dtype: str = "int64"  # integer class labels as the framework's cross-entropy takes them
    param_names: Dict[str, str] = {}  # framework's last name part -> canonical (e.g. BatchNorm gamma -> weight)

    def knobs_for(self, tuning: str, cpu: Mapping = {}) -> Tuple[Knob, ...]:
        """The knobs a tuning level applies on this CPU (hardware.cpu_traits()): "documented" ones, and
        with "all" the rest."""
        levels = TUNINGS[1:TUNINGS.index(tuning) + 1]
        return tuple(k for k in self.knobs if k.level in levels and k.applies_on(cpu))

    def impl_module(self, model: str) -> str:
        """The module holding this framework's implementation of `model`."""
        return f"models.{model}.{self.key}_impl"

    def thread_env(self, threads: int) -> Dict[str, str]:
        """Environment variables that cap the framework's thread pools before import."""
        n = str(threads)
        return {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n}

    # ---- worker side: runs inside the framework's environment --------------------------
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
        if array.ndim == 4 and self.image_layout == "NHWC":
            array = np.ascontiguousarray(array.transpose(0, 2, 3, 1))
        return self.tensor(array)

    def labels(self, array: np.ndarray) -> Any:
        return self.tensor(array.astype(self.label_dtype, copy=False))

    def to_numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value.numpy())

    def named_parameters(self, model: Any) -> Dict[str, Any]:
        return dict(model.named_parameters())

    def assign(self, model: Any, name: str, param: Any, array: np.ndarray) -> None:
        raise NotImplementedError

    def rename(self, name: str) -> str:
        """Replace the last dotted part by its canonical name (`param_names`)."""
        head, _, tail = name.rpartition(".")
        tail = self.param_names.get(tail, tail)
        return f"{head}.{tail}" if head else tail

    def convert(self, kind, array: np.ndarray) -> np.ndarray:
        """Canonical layout -> this framework's layout, by parameter kind.

        Kinds: "dense" [in, out]; "conv" OIHW; "bias" and other vectors as they are;
        ("flatten_dense", (C, H, W)): a dense layer after flattening a C,H,W feature map, whose
        rows NHWC frameworks see in H,W,C order."""
        if isinstance(kind, (tuple, list)) and kind[0] == "flatten_dense":
            if self.image_layout == "NHWC":
                c, h, w = kind[1]
                array = array.reshape(c, h, w, -1).transpose(1, 2, 0, 3).reshape(c * h * w, -1)
            kind = "dense"
        if kind == "dense" and self.dense_layout == "out_in":
            return np.ascontiguousarray(array.T)
        if kind == "conv" and self.image_layout == "NHWC":
            return np.ascontiguousarray(array.transpose(2, 3, 1, 0))  # OIHW -> HWIO
        return np.ascontiguousarray(array)

    def expand(self, params: Dict[str, np.ndarray], kinds: Dict[str, Any], weights=None) -> Dict[str, np.ndarray]:
        """Canonical parameters -> {framework name: array in its layout}. Kinds this class does not
        know (a model's grouped kinds) go to the model's weights module, which maps them together."""
        out, grouped = {}, {}
        for name, array in params.items():
            kind = kinds[name]
            if kind in BASIC_KINDS or (isinstance(kind, tuple) and kind[0] == "flatten_dense"):
                out[name] = self.convert(kind, array)
            else:
                grouped[name] = array
        if grouped:
            if weights is None:
                raise ValueError(f"parameters {sorted(grouped)} need the model's weights module")
            out.update({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.expand(self, grouped).items()})
        return out

    def load_params(self, model: Any, params: Dict[str, np.ndarray], kinds: Dict[str, Any], weights=None) -> Any:
        """Copy canonical numpy weights into the model; every parameter must be matched."""
        targets = self.named_parameters(model)
        if weights is not None and hasattr(weights, "rename"):
            targets = {weights.rename(self.key, name): p for name, p in targets.items()}
        expanded = self.expand(params, kinds, weights)
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


BASIC_KINDS = ("dense", "conv", "bias")


def model_weights(model: str):
    """The model's weights module (models/<model>/weights.py), or None when all its kinds are basic."""
    try:
        return importlib.import_module(f"models.{model}.weights")
    except ModuleNotFoundError as exc:
        if exc.name != f"models.{model}.weights":
            raise
        return None
