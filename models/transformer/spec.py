"""Transformer encoder classifier: input [batch, 32, 64] -> 2 post-norm encoder layers (d_model 64,
4 heads, feed-forward 128, ReLU, LayerNorm eps 1e-5, no dropout) -> mean over the sequence -> fc10.

Each layer: x = LN1(x + SelfAttention(x)); x = LN2(x + W2 relu(W1 x)). Attention: q, k, v and output
projections, each dense [in, out] with bias; 4 heads of 16; softmax(q k^T / 4) v. Canonical names
follow PyTorch's module tree (encoder.layers.N.self_attn / linear1 / linear2 / norm1 / norm2); the
attention group is stored as separate q, k, v, out projections, which weights.py packs (PyTorch,
MindSpore: in_proj [3D, D]), split per head (Keras, flax: [D, heads, 16]) or keep (Paddle and the
implementations that compose attention from dense layers).
"""
from __future__ import annotations

import numpy as np

from models.common import Params, autograd_sgd_losses

CONFIG = {"d_model": 64, "heads": 4, "ffn": 128, "layers": 2, "classes": 10}
SEQ = 32
BATCH = 32
LR = 0.05
PARITY_STEPS = 10
EPS = 1e-5
# softmax and LayerNorm in float32 over two layers: differences observed are ~1e-6.
FORWARD_TOL = 1e-4
LOSS_TOL = 1e-4


def _layout() -> dict:
    d, f = CONFIG["d_model"], CONFIG["ffn"]
    shapes = {}
    for n in range(CONFIG["layers"]):
        p = f"encoder.layers.{n}"
        for proj in ("q", "k", "v", "out"):
            shapes[f"{p}.self_attn.{proj}.weight"] = (d, d)
            shapes[f"{p}.self_attn.{proj}.bias"] = (d,)
        shapes.update({f"{p}.linear1.weight": (d, f), f"{p}.linear1.bias": (f,), f"{p}.linear2.weight": (f, d),
                       f"{p}.linear2.bias": (d,), f"{p}.norm1.weight": (d,), f"{p}.norm1.bias": (d,),
                       f"{p}.norm2.weight": (d,), f"{p}.norm2.bias": (d,)})
    shapes.update({"fc.weight": (d, CONFIG["classes"]), "fc.bias": (CONFIG["classes"],)})
    return shapes


PARAM_KINDS = {name: ("mha", CONFIG["heads"]) if ".self_attn." in name else "dense" if len(shape) == 2 else "bias"
               for name, shape in _layout().items()}


def init_params(seed: int = 0) -> Params:
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in _layout().items():
        if len(shape) == 2:
            value = rng.standard_normal(shape) * np.sqrt(1.0 / shape[0])
        elif ".norm" in name and name.endswith("weight"):
            value = 1.0 + 0.1 * rng.standard_normal(shape)
        else:
            value = 0.02 * rng.standard_normal(shape)
        params[name] = value.astype(np.float32)
    return params


def make_batch(batch: int = BATCH, seed: int = 1) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, SEQ, CONFIG["d_model"])).astype(np.float32)
    return x, rng.integers(0, CONFIG["classes"], size=batch).astype(np.int64)


def _layer_norm(xp, x, gamma, beta):
    mean = xp.mean(x, axis=-1, keepdims=True)
    var = xp.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return gamma * (x - mean) / xp.sqrt(var + EPS) + beta


def _attention(xp, p: Params, prefix: str, x):
    b, t, d = x.shape
    h = CONFIG["heads"]

    def heads(name):
        y = x @ p[f"{prefix}.{name}.weight"] + p[f"{prefix}.{name}.bias"]
        return xp.transpose(xp.reshape(y, (b, t, h, d // h)), (0, 2, 1, 3))

    scores = heads("q") @ xp.transpose(heads("k"), (0, 1, 3, 2)) / np.sqrt(d // h)
    scores = xp.exp(scores - xp.max(scores, axis=-1, keepdims=True))
    weights = scores / xp.sum(scores, axis=-1, keepdims=True)
    out = xp.reshape(xp.transpose(weights @ heads("v"), (0, 2, 1, 3)), (b, t, d))
    return out @ p[f"{prefix}.out.weight"] + p[f"{prefix}.out.bias"]


def forward_xp(xp, p: Params, x):
    for n in range(CONFIG["layers"]):
        q = f"encoder.layers.{n}"
        x = _layer_norm(xp, x + _attention(xp, p, f"{q}.self_attn", x), p[f"{q}.norm1.weight"], p[f"{q}.norm1.bias"])
        ff = xp.maximum(x @ p[f"{q}.linear1.weight"] + p[f"{q}.linear1.bias"], 0) @ p[f"{q}.linear2.weight"]
        x = _layer_norm(xp, x + ff + p[f"{q}.linear2.bias"], p[f"{q}.norm2.weight"], p[f"{q}.norm2.bias"])
    return xp.mean(x, axis=1) @ p["fc.weight"] + p["fc.bias"]


def forward(params: Params, x: np.ndarray) -> np.ndarray:
    return forward_xp(np, {k: v.astype(np.float64) for k, v in params.items()}, x.astype(np.float64))


def reference_losses(params: Params, x, y, lr: float = LR, steps: int = PARITY_STEPS) -> list:
    return autograd_sgd_losses(forward_xp, params, x, y, lr, steps)


def flops(batch: int) -> dict:
    d, f, t = CONFIG["d_model"], CONFIG["ffn"], SEQ
    per_layer = 4 * t * d * d + 2 * t * t * d + 2 * t * d * f
    forward_flops = 2 * batch * (CONFIG["layers"] * per_layer + d * CONFIG["classes"])
    return {"forward": forward_flops, "train": 3 * forward_flops}
