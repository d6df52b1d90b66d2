"""MLP 784-256-10 with ReLU: the framework-neutral definition every implementation must match.

Canonical layout: dense weights are [in, out] (y = x @ W + b); biases are [out].
Parameter kinds tell each framework adapter how to convert a canonical array.
"""
from __future__ import annotations

import numpy as np

from models.common import Params, cross_entropy, cross_entropy_grad, sgd_losses

SIZES = (784, 256, 10)
BATCH = 64
LR = 0.1
PARITY_STEPS = 10
# float32 frameworks vs a float64 reference: observed differences are ~1e-6.
FORWARD_TOL = 1e-4  # max |logits - reference|
LOSS_TOL = 1e-4  # max |loss - reference| / |reference| over the first PARITY_STEPS steps

PARAM_KINDS = {"fc1.weight": "dense", "fc1.bias": "bias", "fc2.weight": "dense", "fc2.bias": "bias"}


def param_kinds(sizes: tuple = SIZES) -> dict:
    """The same for any sizes (the digits MLP is 64-128-10)."""
    return PARAM_KINDS


def init_params(seed: int = 0, sizes: tuple = SIZES) -> Params:
    """He-normal weights and small random biases, float32, canonical layout."""
    rng = np.random.default_rng(seed)
    (n_in, n_hidden, n_out) = sizes
    return {
        "fc1.weight": (rng.standard_normal((n_in, n_hidden)) * np.sqrt(2.0 / n_in)).astype(np.float32),
        "fc1.bias": (rng.standard_normal(n_hidden) * 0.01).astype(np.float32),
        "fc2.weight": (rng.standard_normal((n_hidden, n_out)) * np.sqrt(1.0 / n_hidden)).astype(np.float32),
        "fc2.bias": (rng.standard_normal(n_out) * 0.01).astype(np.float32),
    }


def make_batch(batch: int = BATCH, seed: int = 1) -> tuple:
    """Inputs x [batch, 784] float32 and integer labels y [batch] int64."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], size=batch).astype(np.int64)
    return x, y


def forward(params: Params, x: np.ndarray) -> np.ndarray:
    """Float64 reference logits."""
    h = np.maximum(x.astype(np.float64) @ params["fc1.weight"] + params["fc1.bias"], 0.0)
    return h @ params["fc2.weight"] + params["fc2.bias"]


def loss_and_grads(params: Params, x: np.ndarray, y: np.ndarray) -> tuple:
    """Mean cross-entropy and its analytic gradients (float64 backprop)."""
    x = x.astype(np.float64)
    pre = x @ params["fc1.weight"] + params["fc1.bias"]
    h = np.maximum(pre, 0.0)
    logits = h @ params["fc2.weight"] + params["fc2.bias"]
    d_logits = cross_entropy_grad(logits, y)
    d_h = (d_logits @ params["fc2.weight"].T) * (pre > 0)
    grads = {
        "fc2.weight": h.T @ d_logits,
        "fc2.bias": d_logits.sum(axis=0),
        "fc1.weight": x.T @ d_h,
        "fc1.bias": d_h.sum(axis=0),
    }
    return cross_entropy(logits, y), grads


def reference_losses(params: Params, x: np.ndarray, y: np.ndarray, lr: float = LR, steps: int = PARITY_STEPS) -> list:
    """Loss before each of the first `steps` SGD updates."""
    return sgd_losses(loss_and_grads, params, x, y, lr, steps)


def flops(batch: int) -> dict:
    """Multiply-adds counted as 2 FLOPs; backward ~ 2x forward (grads of inputs and weights)."""
    forward_flops = 2 * batch * sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:]))
    return {"forward": forward_flops, "train": 3 * forward_flops}
