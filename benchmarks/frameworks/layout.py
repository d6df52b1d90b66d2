"""How a framework lays out and names the canonical weights and inputs (the weight-loading audience):
dense and conv layouts, image layout, label type, parameter names, and which convention it loads for
each grouped layer kind (an LSTM's gates, attention projections), whose arrays the model's own
models/<model>/weights.py maps. Pure numpy: no framework is imported here."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Dict, Tuple

import numpy as np

BASIC_KINDS = ("dense", "conv", "bias")


@dataclass(frozen=True)
class WeightLayout:
    dense_layout: str = "in_out"  # "out_in" frameworks store Linear weights transposed
    image_layout: str = "NCHW"  # "NHWC" frameworks get images (and conv kernels) transposed
    label_dtype: str = "int64"  # integer class labels as the framework's cross-entropy takes them
    # the framework's last name part -> canonical (e.g. BatchNorm gamma -> weight)
    param_names: Dict[str, str] = field(default_factory=dict)
    # parts of its parameter names that differ from PyTorch's (old, new), e.g. MindSpore's ".dense1." for ".linear1."
    renames: Tuple[Tuple[str, str], ...] = ()
    # grouped kinds: the convention it loads, one of those in models/lstm/weights.py and models/transformer/weights.py
    lstm: str = "torch"
    attention: str = "separate"

    def rename(self, name: str) -> str:
        """Replace the last dotted part by its canonical name (`param_names`)."""
        head, _, tail = name.rpartition(".")
        tail = self.param_names.get(tail, tail)
        return f"{head}.{tail}" if head else tail

    def canonical(self, name: str) -> str:
        """A parameter name as PyTorch would spell it (`renames`)."""
        for old, new in self.renames:
            name = name.replace(old, new)
        return name

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

    def images(self, array: np.ndarray) -> np.ndarray:
        """A canonical NCHW batch in this framework's image layout (other inputs as they are)."""
        if array.ndim == 4 and self.image_layout == "NHWC":
            return np.ascontiguousarray(array.transpose(0, 2, 3, 1))
        return array

    def expand(self, params: Dict[str, np.ndarray], kinds: Dict[str, Any], weights=None) -> Dict[str, np.ndarray]:
        """Canonical parameters -> {canonical name: array in this layout}. Kinds this class does not
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


def model_weights(model: str):
    """The model's weights module (models/<model>/weights.py), or None when all its kinds are basic."""
    try:
        return importlib.import_module(f"models.{model}.weights")
    except ModuleNotFoundError as exc:
        if exc.name != f"models.{model}.weights":
            raise
        return None
