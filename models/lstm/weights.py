"""The conventions frameworks name and lay out the canonical LSTM weights of spec.py in; each framework
says which one it loads (`lstm` in its WeightLayout, benchmarks/frameworks/<name>/__init__.py).

Canonical: weight_ih [in, 4H], weight_hh [H, 4H], one bias [4H], gates i, f, g, o. Frameworks
with two biases get the canonical one on the input side and zeros on the hidden side; their SGD
trajectory differs (both biases get the same gradient), so the reference has a variant for them.
"""
from __future__ import annotations

from typing import Dict

import numpy as np

ONE_BIAS = ("keras", "flax")  # Keras and flax keep one bias per gate; the rest follow PyTorch's two


def reference_variant(layout) -> Dict[str, int]:
    """The keyword arguments of spec.reference_losses that this weight layout's convention needs."""
    return {"lstm_biases": 1 if layout.lstm in ONE_BIAS else 2}


def torch_like(prefix: str, w_ih, w_hh, bias) -> Dict[str, np.ndarray]:
    """Gates i, f, g, o; weight_ih [4H, in] and weight_hh [4H, H]; two biases (ih, hh)."""
    return {f"{prefix}.weight_ih_l0": w_ih.T, f"{prefix}.weight_hh_l0": w_hh.T,
            f"{prefix}.bias_ih_l0": bias, f"{prefix}.bias_hh_l0": np.zeros_like(bias)}


def keras(prefix: str, w_ih, w_hh, bias) -> Dict[str, np.ndarray]:
    """Gates i, f, c, o (= i, f, g, o); kernel [in, 4H], recurrent_kernel [H, 4H]; one bias."""
    return {f"{prefix}.weight": w_ih, f"{prefix}.recurrent_kernel": w_hh, f"{prefix}.bias": bias}


def flax(prefix: str, w_ih, w_hh, bias) -> Dict[str, np.ndarray]:
    """One dense layer per gate and side (nnx.LSTMCell in nnx.RNN): input side ii, if_, ig, io
    [in, H] without bias, hidden side hi, hf, hg, ho [H, H] with one bias each."""
    hidden = w_hh.shape[0]
    out = {}
    for k, gate in enumerate("ifgo"):
        cols = slice(k * hidden, (k + 1) * hidden)
        input_name = "if_" if gate == "f" else f"i{gate}"
        out[f"{prefix}.cell.{input_name}.weight"] = w_ih[:, cols]
        out[f"{prefix}.cell.h{gate}.weight"] = w_hh[:, cols]
        out[f"{prefix}.cell.h{gate}.bias"] = bias[cols]
    return out


def gluon(prefix: str, w_ih, w_hh, bias) -> Dict[str, np.ndarray]:
    """Gates i, f, c, o (= i, f, g, o); i2h_weight [4H, in], h2h_weight [4H, H] (in the per-layer
    cell `_unfused.<layer>` that shares the fused weights); two biases."""
    cell = f"{prefix}._unfused.0"
    return {f"{cell}.i2h_weight": w_ih.T, f"{cell}.h2h_weight": w_hh.T,
            f"{cell}.i2h_bias": bias, f"{cell}.h2h_bias": np.zeros_like(bias)}


def two_linear(prefix: str, w_ih, w_hh, bias) -> Dict[str, np.ndarray]:
    """Composed from two Linear layers, ih [4H, in] and hh [4H, H] (M.LSTM's gradients are wrong:
    see megengine_impl.py); gates i, f, g, o; two biases."""
    return {f"{prefix}.ih.weight": w_ih.T, f"{prefix}.ih.bias": bias,
            f"{prefix}.hh.weight": w_hh.T, f"{prefix}.hh.bias": np.zeros_like(bias)}


CONVENTIONS = {"torch": torch_like, "keras": keras, "flax": flax, "gluon": gluon, "two linear": two_linear}


def describe(layout) -> str:
    """A weight layout's LSTM convention, in words (the mapping's docstring)."""
    return " ".join(CONVENTIONS[layout.lstm].__doc__.split())


def expand(layout, params: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """The LSTM's canonical weights (kind "lstm" in the spec) under a weight layout's names and layout."""
    return CONVENTIONS[layout.lstm]("lstm", params["lstm.weight_ih"], params["lstm.weight_hh"], params["lstm.bias"])
