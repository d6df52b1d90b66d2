"""MLP 784-256-10 with ReLU: the framework-neutral definition every implementation must match.

Canonical layout: dense weights are [in, out] (y = x @ W + b); biases are [out].
Parameter kinds tell each framework's weight layout how to convert a canonical array.
"""
from __future__ import annotations

import numpy as np

from models.common import Params, cross_entropy, cross_entropy_grad, sgd_losses

CONFIG = {"n_in": 784, "n_hidden": 256, "n_out": 10}
BATCH = 64
LR = 0.1
PARITY_STEPS = 10
# float32 frameworks vs a float64 reference: observed differences are ~1e-6.
FORWARD_TOL = 1e-4  # max |logits - reference|
LOSS_TOL = 1e-4  # max |loss - reference| / |reference| over the first PARITY_STEPS steps

PARAM_KINDS = {"fc1.weight": "dense", "fc1.bias": "bias", "fc2.weight": "dense", "fc2.bias": "bias"}


# Time to accuracy on scikit-learn's 8x8 digits (benchmarks/measure/tta.py): the same network, 64-128-10.
TTA = {"config": {"n_in": 64, "n_hidden": 128, "n_out": 10}, "input_shape": (64,)}


def param_kinds(config: dict = CONFIG) -> dict:
    """The same for any sizes."""
    return PARAM_KINDS


def init_params(seed: int = 0, config: dict = CONFIG) -> Params:
    """He-normal weights and small random biases, float32, canonical layout."""
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = config["n_in"], config["n_hidden"], config["n_out"]
    return {
        "fc1.weight": (rng.standard_normal((n_in, n_hidden)) * np.sqrt(2.0 / n_in)).astype(np.float32),
        "fc1.bias": (rng.standard_normal(n_hidden) * 0.01).astype(np.float32),
        "fc2.weight": (rng.standard_normal((n_hidden, n_out)) * np.sqrt(1.0 / n_hidden)).astype(np.float32),
        "fc2.bias": (rng.standard_normal(n_out) * 0.01).astype(np.float32),
    }


def lr_for(config: dict, batch: int) -> float:
    """The SGD rate at another width and batch (the size sweep): LR scaled down for wider layers and
    smaller batches, so that the parity steps neither diverge (hidden 4096 at LR: loss 2.5 -> 15) nor
    memorise the batch (batch 1 at LR: loss exactly 0, where a relative tolerance means nothing)."""
    return LR * min(1.0, CONFIG["n_hidden"] / config["n_hidden"]) * min(1.0, batch / BATCH)


def make_batch(batch: int = BATCH, seed: int = 1) -> tuple:
    """Inputs x [batch, 784] float32 and integer labels y [batch] int64."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, CONFIG["n_in"])).astype(np.float32)
    y = rng.integers(0, CONFIG["n_out"], size=batch).astype(np.int64)
    return x, y


def forward_xp(xp, p: Params, x, config: dict = CONFIG):
    """Logits, written once for numpy and for autograd.numpy (`xp`)."""
    return xp.maximum(x @ p["fc1.weight"] + p["fc1.bias"], 0.0) @ p["fc2.weight"] + p["fc2.bias"]


def forward(params: Params, x: np.ndarray, config: dict = CONFIG) -> np.ndarray:
    """Float64 reference logits."""
    return forward_xp(np, {k: v.astype(np.float64) for k, v in params.items()}, x.astype(np.float64), config)


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


def flops(batch: int, config: dict = CONFIG) -> dict:
    """Multiply-adds counted as 2 FLOPs; backward ~ 2x forward (grads of inputs and weights)."""
    forward_flops = 2 * batch * (config["n_in"] * config["n_hidden"] + config["n_hidden"] * config["n_out"])
    return {"forward": forward_flops, "train": 3 * forward_flops}
