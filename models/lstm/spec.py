"""Sequence classifier: input [batch, 32 steps, 16 features] -> one LSTM layer (hidden 64) -> last hidden
state -> fc10.

Canonical LSTM weights: weight_ih [features, 4*hidden], weight_hh [hidden, 4*hidden] and ONE bias
[4*hidden], gates stacked in the order i, f, g, o (input, forget, cell candidate, output):
    i, f, o = sigmoid(x W_ih + h W_hh + b)[gate blocks];  g = tanh(...);  c' = f*c + i*g;  h' = o*tanh(c')
with h = c = 0 at the start. Frameworks with two biases (PyTorch and its followers, MXNet) get the
bias in the input-side one and zeros in the other; Keras uses the canonical layout as it is (its
"i, f, c, o" is the same order); flax's LSTMCell keeps one dense layer per gate; the MegEngine
implementation composes its LSTM from two Linear layers. weights.py does these mappings.

Two biases are the same function but not the same SGD trajectory: both receive the same gradient,
so their sum moves twice as far per step. The reference therefore has a variant per convention
(`lstm_biases` = 1 or 2, per framework in weights.py); the forward pass is identical for both.
"""
from __future__ import annotations

import numpy as np

from models.common import Params, autograd_sgd_losses

CONFIG = {"features": 16, "hidden": 64, "classes": 10}
SEQ = 32
BATCH = 64
LR = 0.3
PARITY_STEPS = 10
# 32 recurrent steps in float32; differences observed are ~1e-6.
FORWARD_TOL = 1e-4
LOSS_TOL = 1e-4

PARAM_KINDS = {"lstm.weight_ih": "lstm", "lstm.weight_hh": "lstm", "lstm.bias": "lstm",
               "fc.weight": "dense", "fc.bias": "bias"}


def init_params(seed: int = 0) -> Params:
    rng = np.random.default_rng(seed)
    f, h, k = CONFIG["features"], CONFIG["hidden"], CONFIG["classes"]
    scale = 1.0 / np.sqrt(h)
    return {
        "lstm.weight_ih": rng.uniform(-scale, scale, (f, 4 * h)).astype(np.float32),
        "lstm.weight_hh": rng.uniform(-scale, scale, (h, 4 * h)).astype(np.float32),
        "lstm.bias": rng.uniform(-scale, scale, 4 * h).astype(np.float32),
        "fc.weight": (rng.standard_normal((h, k)) * np.sqrt(1.0 / h)).astype(np.float32),
        "fc.bias": (rng.standard_normal(k) * 0.01).astype(np.float32),
    }


def make_batch(batch: int = BATCH, seed: int = 1) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, SEQ, CONFIG["features"])).astype(np.float32)
    return x, rng.integers(0, CONFIG["classes"], size=batch).astype(np.int64)


def _sigmoid(xp, z):
    return 1.0 / (1.0 + xp.exp(-z))


def forward_xp(xp, p: Params, x):
    hidden = CONFIG["hidden"]
    h = c = xp.zeros((x.shape[0], hidden))
    bias = p["lstm.bias"] + p["lstm.bias_hh"] if "lstm.bias_hh" in p else p["lstm.bias"]
    for t in range(x.shape[1]):
        z = x[:, t, :] @ p["lstm.weight_ih"] + h @ p["lstm.weight_hh"] + bias
        i, f = _sigmoid(xp, z[:, :hidden]), _sigmoid(xp, z[:, hidden:2 * hidden])
        g, o = xp.tanh(z[:, 2 * hidden:3 * hidden]), _sigmoid(xp, z[:, 3 * hidden:])
        c = f * c + i * g
        h = o * xp.tanh(c)
    return h @ p["fc.weight"] + p["fc.bias"]


def forward(params: Params, x: np.ndarray) -> np.ndarray:
    return forward_xp(np, {k: v.astype(np.float64) for k, v in params.items()}, x.astype(np.float64))


def reference_losses(params: Params, x, y, lr: float = LR, steps: int = PARITY_STEPS, lstm_biases: int = 1) -> list:
    if lstm_biases == 2:  # a second, zero-initialised bias trained alongside the first
        params = dict(params, **{"lstm.bias_hh": np.zeros_like(params["lstm.bias"])})
    return autograd_sgd_losses(forward_xp, params, x, y, lr, steps)


def flops(batch: int) -> dict:
    f, h, k = CONFIG["features"], CONFIG["hidden"], CONFIG["classes"]
    forward_flops = 2 * batch * (SEQ * (f + h) * 4 * h + h * k)
    return {"forward": forward_flops, "train": 3 * forward_flops}
