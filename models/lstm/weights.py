"""How each framework names and lays out the canonical LSTM weights of spec.py.

Canonical: weight_ih [in, 4H], weight_hh [H, 4H], one bias [4H], gates i, f, g, o. Frameworks
with two biases get the canonical one on the input side and zeros on the hidden side; their SGD
trajectory differs (both biases get the same gradient), so the reference has a variant for them.
"""
from __future__ import annotations

from typing import Dict

import numpy as np

ONE_BIAS = ("tensorflow", "jax")  # Keras and flax keep one bias per gate; the rest follow PyTorch's two


def reference_variant(framework: str) -> Dict[str, int]:
    """The keyword arguments of spec.reference_losses that this framework's convention needs."""
    return {"lstm_biases": 1 if framework in ONE_BIAS else 2}


def torch_like(prefix: str, w_ih, w_hh, bias) -> Dict[str, np.ndarray]:
    # PyTorch, Paddle, MindSpore, Jittor, OneFlow: gates i, f, g, o; weights [4H, in]; two biases.
    return {f"{prefix}.weight_ih_l0": w_ih.T, f"{prefix}.weight_hh_l0": w_hh.T,
            f"{prefix}.bias_ih_l0": bias, f"{prefix}.bias_hh_l0": np.zeros_like(bias)}


def keras(prefix: str, w_ih, w_hh, bias) -> Dict[str, np.ndarray]:
    # Keras: kernel [in, 4H], recurrent_kernel [H, 4H], one bias; gates i, f, c, o = canonical.
    return {f"{prefix}.weight": w_ih, f"{prefix}.recurrent_kernel": w_hh, f"{prefix}.bias": bias}


def flax(prefix: str, w_ih, w_hh, bias) -> Dict[str, np.ndarray]:
    # flax nnx.LSTMCell (wrapped in nnx.RNN as `.cell`): one dense layer per gate; the input side
    # (ii, if_, ig, io) has no bias, the hidden side (hi, hf, hg, ho) has it.
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
    # Gluon's LSTM shares its fused weights with per-layer cells named _unfused.<layer>;
    # gates i, f, c, o = canonical order; weights [4H, in]; two biases.
    cell = f"{prefix}._unfused.0"
    return {f"{cell}.i2h_weight": w_ih.T, f"{cell}.h2h_weight": w_hh.T,
            f"{cell}.i2h_bias": bias, f"{cell}.h2h_bias": np.zeros_like(bias)}


def megengine(prefix: str, w_ih, w_hh, bias) -> Dict[str, np.ndarray]:
    # The model composes its LSTM from two Linear layers, ih and hh (see megengine_impl.py for
    # why not M.LSTM); gates i, f, g, o.
    return {f"{prefix}.ih.weight": w_ih.T, f"{prefix}.ih.bias": bias,
            f"{prefix}.hh.weight": w_hh.T, f"{prefix}.hh.bias": np.zeros_like(bias)}


MAPS = {"tensorflow": keras, "jax": flax, "mxnet": gluon, "megengine": megengine}


def expand(backend, params: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """The LSTM's canonical weights (kind "lstm" in the spec) under `backend`'s names and layout."""
    mapping = MAPS.get(backend.key, torch_like)
    return mapping("lstm", params["lstm.weight_ih"], params["lstm.weight_hh"], params["lstm.bias"])
