"""LeNet-5 (ReLU variant): conv(6, 5x5) - pool - conv(16, 5x5) - pool - fc120 - fc84 - fc10.

Input 1x28x28, no padding: 28 -> conv 24 -> pool 12 -> conv 8 -> pool 4, so the first dense layer
sees 16*4*4 = 256 features flattened in C,H,W order. Canonical layouts: conv weights OIHW, dense
[in, out], images NCHW. The same network definition, with CONFIG changed, is the small CNN that
trains on scikit-learn's 8x8 digits (TTA below; benchmarks/measure/tta.py).
"""
from __future__ import annotations

import numpy as np

from models.common import Params, autograd_sgd_losses, xp_conv2d, xp_maxpool2

CONFIG = {"in_channels": 1, "hw": 28, "kernel": 5, "padding": 0, "channels": (6, 16), "hidden": (120, 84),
          "classes": 10}
BATCH = 64
LR = 0.02
PARITY_STEPS = 10
FORWARD_TOL = 1e-4  # float32 convolutions (im2col, Winograd, oneDNN) land near 1e-6
LOSS_TOL = 1e-4


def feature_hw(config: dict) -> int:
    hw = config["hw"]
    for _ in range(2):
        hw = (hw + 2 * config["padding"] - config["kernel"] + 1) // 2
    return hw


def param_kinds(config: dict = CONFIG) -> dict:
    c2, hw = config["channels"][1], feature_hw(config)
    kinds = {"conv1.weight": "conv", "conv1.bias": "bias", "conv2.weight": "conv", "conv2.bias": "bias",
             "fc1.weight": ("flatten_dense", (c2, hw, hw)), "fc1.bias": "bias"}
    kinds.update({f"fc{i}.{p}": ("dense" if p == "weight" else "bias") for i in (2, 3) for p in ("weight", "bias")})
    return kinds


PARAM_KINDS = param_kinds()
# Time to accuracy on scikit-learn's 8x8 digits (benchmarks/measure/tta.py): the same network, 3x3 kernels, padding 1.
TTA = {"config": {"in_channels": 1, "hw": 8, "kernel": 3, "padding": 1, "channels": (8, 16), "hidden": (64, 32),
                  "classes": 10},
       "input_shape": (1, 8, 8)}


def init_params(seed: int = 0, config: dict = CONFIG) -> Params:
    """He-normal weights, small random biases, float32."""
    rng = np.random.default_rng(seed)
    (c1, c2), (f1, f2), k = config["channels"], config["hidden"], config["kernel"]
    flat = c2 * feature_hw(config) ** 2
    shapes = {"conv1.weight": (c1, config["in_channels"], k, k), "conv2.weight": (c2, c1, k, k),
              "fc1.weight": (flat, f1), "fc2.weight": (f1, f2), "fc3.weight": (f2, config["classes"])}
    params = {}
    for name, shape in shapes.items():
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
        params[name] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        params[name.replace("weight", "bias")] = (rng.standard_normal(shape[0] if len(shape) == 4 else shape[1])
                                                  * 0.01).astype(np.float32)
    return {name: params[name] for name in param_kinds(config)}


def make_batch(batch: int = BATCH, seed: int = 1, config: dict = CONFIG) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, config["in_channels"], config["hw"], config["hw"])).astype(np.float32)
    return x, rng.integers(0, config["classes"], size=batch).astype(np.int64)


def forward_xp(xp, params: Params, x, config: dict = CONFIG):
    """Logits; `xp` is numpy or autograd.numpy."""
    pad = config["padding"]
    h = xp_maxpool2(xp, xp.maximum(xp_conv2d(xp, x, params["conv1.weight"], params["conv1.bias"], pad=pad), 0.0))
    h = xp_maxpool2(xp, xp.maximum(xp_conv2d(xp, h, params["conv2.weight"], params["conv2.bias"], pad=pad), 0.0))
    h = xp.reshape(h, (h.shape[0], -1))  # C,H,W order
    h = xp.maximum(h @ params["fc1.weight"] + params["fc1.bias"], 0.0)
    h = xp.maximum(h @ params["fc2.weight"] + params["fc2.bias"], 0.0)
    return h @ params["fc3.weight"] + params["fc3.bias"]


def forward(params: Params, x: np.ndarray, config: dict = CONFIG) -> np.ndarray:
    p = {k: v.astype(np.float64) for k, v in params.items()}
    return forward_xp(np, p, x.astype(np.float64), config)


def reference_losses(params: Params, x, y, lr: float = LR, steps: int = PARITY_STEPS) -> list:
    return autograd_sgd_losses(lambda xp, p, xx: forward_xp(xp, p, xx), params, x, y, lr, steps)


def flops(batch: int, config: dict = CONFIG) -> dict:
    (c1, c2), (f1, f2), k = config["channels"], config["hidden"], config["kernel"]
    hw1 = config["hw"] + 2 * config["padding"] - k + 1
    hw2 = hw1 // 2 + 2 * config["padding"] - k + 1
    macs = (c1 * hw1 * hw1 * config["in_channels"] * k * k + c2 * hw2 * hw2 * c1 * k * k
            + c2 * feature_hw(config) ** 2 * f1 + f1 * f2 + f2 * config["classes"])
    forward_flops = 2 * batch * macs
    return {"forward": forward_flops, "train": 3 * forward_flops}
