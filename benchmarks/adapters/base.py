"""What is the same for every model within one framework: threads, tensors, weight layouts."""
from __future__ import annotations

import importlib
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
    module: str = ""  # the framework's import name

    def load(self, threads: int) -> Any:
        """Import the framework, apply its own settings (configure), return the module."""
        self.fw = importlib.import_module(self.module)
        self.configure(threads)
        return self.fw

    def configure(self, threads: int) -> None:
        """The framework's own device and thread settings, right after its import."""

    def version(self) -> str:
        return self.fw.__version__

    def tensor(self, array: np.ndarray) -> Any:
        raise NotImplementedError

    image_layout: str = "NCHW"  # "NHWC" frameworks get images (and conv kernels) transposed
    lstm_biases: int = 2  # LSTM bias vectors per layer (PyTorch's convention: b_ih and b_hh)

    def inputs(self, array: np.ndarray) -> Any:
        """A model input: canonical images are NCHW; NHWC frameworks get them transposed."""
        if array.ndim == 4 and self.image_layout == "NHWC":
            array = np.ascontiguousarray(array.transpose(0, 2, 3, 1))
        return self.tensor(array)

    def labels(self, array: np.ndarray) -> Any:
        return self.tensor(array)

    def to_numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value.numpy())

    def named_parameters(self, model: Any) -> Dict[str, Any]:
        return dict(model.named_parameters())

    def assign(self, model: Any, name: str, param: Any, array: np.ndarray) -> None:
        raise NotImplementedError

    @staticmethod
    def rename(name: str, last: Dict[str, str]) -> str:
        """Replace the last dotted part by its canonical name (e.g. BatchNorm gamma -> weight)."""
        head, _, tail = name.rpartition(".")
        return f"{head}.{last.get(tail, tail)}" if head else last.get(tail, tail)

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

    def lstm_params(self, prefix: str, w_ih: np.ndarray, w_hh: np.ndarray, bias: np.ndarray) -> Dict[str, np.ndarray]:
        """Canonical LSTM weights (see models/lstm/spec.py) under this framework's names and layout.

        Default: PyTorch's convention, which Paddle, MindSpore, Jittor and OneFlow share: gates
        i, f, g, o; weights [4H, in]; two biases (the canonical one goes to the input side)."""
        return {f"{prefix}.weight_ih_l0": w_ih.T, f"{prefix}.weight_hh_l0": w_hh.T,
                f"{prefix}.bias_ih_l0": bias, f"{prefix}.bias_hh_l0": np.zeros_like(bias)}

    mha_layout: str = "packed"  # "packed" (in_proj [3D, D]), "separate" (q_proj...), "per_head" (Keras/flax)
    mha_names = ("query", "key", "value", "out")  # per_head sub-layer names

    def mha_params(self, prefix: str, p: Dict[str, np.ndarray], heads: int) -> Dict[str, np.ndarray]:
        """Canonical attention projections (q, k, v, out: weight [in, out], bias) under this
        framework's names and layout (see models/transformer/spec.py)."""
        w = {n: p[f"{prefix}.{n}.weight"] for n in ("q", "k", "v", "out")}
        b = {n: p[f"{prefix}.{n}.bias"] for n in ("q", "k", "v", "out")}
        if self.mha_layout == "packed":
            return {f"{prefix}.in_proj_weight": np.concatenate([w[n].T for n in "qkv"]),
                    f"{prefix}.in_proj_bias": np.concatenate([b[n] for n in "qkv"]),
                    f"{prefix}.out_proj.weight": w["out"].T, f"{prefix}.out_proj.bias": b["out"]}
        if self.mha_layout == "separate":
            return {**{f"{prefix}.{n}_proj.weight": self.convert("dense", w[n]) for n in w},
                    **{f"{prefix}.{n}_proj.bias": b[n] for n in b}}
        d = w["q"].shape[0]
        out = {}
        for n, name in zip(("q", "k", "v"), self.mha_names[:3]):
            out[f"{prefix}.{name}.weight"] = w[n].reshape(d, heads, d // heads)
            out[f"{prefix}.{name}.bias"] = b[n].reshape(heads, d // heads)
        out[f"{prefix}.{self.mha_names[3]}.weight"] = w["out"].reshape(heads, d // heads, d)
        out[f"{prefix}.{self.mha_names[3]}.bias"] = b["out"]
        return out

    def expand(self, params: Dict[str, np.ndarray], kinds: Dict[str, Any]) -> Dict[str, tuple]:
        """Canonical parameters -> {framework name: (kind, array)}; grouped kinds map many to many."""
        out: Dict[str, tuple] = {}
        for name, array in params.items():
            kind = kinds[name]
            if isinstance(kind, tuple) and kind[0] == "mha":  # ("mha", heads)
                prefix = name.rsplit(".", 2)[0]
                if f"{prefix}.q.weight" == name:
                    group = self.mha_params(prefix, params, kind[1])
                    out.update({k: ("final", np.ascontiguousarray(v, dtype=np.float32)) for k, v in group.items()})
            elif kind != "lstm":
                out[name] = (kind, array)
            elif name.endswith(".weight_ih"):
                prefix = name[: -len(".weight_ih")]
                group = self.lstm_params(prefix, array, params[f"{prefix}.weight_hh"], params[f"{prefix}.bias"])
                out.update({k: ("final", np.ascontiguousarray(v, dtype=np.float32)) for k, v in group.items()})
        return out

    def load_params(self, model: Any, params: Dict[str, np.ndarray], kinds: Dict[str, Any]) -> Any:
        """Copy canonical numpy weights into the model; every parameter must be matched."""
        targets = self.named_parameters(model)
        expanded = self.expand(params, kinds)
        if set(targets) != set(expanded):
            raise ValueError(f"parameter names differ: model {sorted(targets)} vs spec {sorted(expanded)}")
        for name, (kind, array) in expanded.items():
            value = array if kind == "final" else self.convert(kind, array)
            target_shape = tuple(targets[name].shape)
            if value.ndim == 1 and target_shape != value.shape and int(np.prod(target_shape)) == value.size:
                value = value.reshape(target_shape)  # e.g. MegEngine keeps conv biases as [1, O, 1, 1]
            if target_shape != value.shape:
                raise ValueError(f"{name}: model shape {tuple(targets[name].shape)} vs {value.shape}")
            self.assign(model, name, targets[name], value)
        return model
