"""How each framework names and lays out the canonical attention projections of spec.py.

Canonical: q, k, v and out projections per layer, each dense [in, out] with a bias. Three layouts:
packed (PyTorch, MindSpore, Jittor: in_proj [3D, D] and out_proj), separate (Paddle, and the frameworks
whose implementation composes attention from dense layers: q_proj, k_proj, v_proj, out_proj) and
per head (Keras and flax: query/key/value [D, heads, D/heads], output [heads, D/heads, D]) and
flat (MegEngine: every weight and bias in one buffer; its layout is not documented, and was found by
matching a numpy attention to 5e-7: weights [in, out] row-major in the order q, k, v, out, then the
four biases).
"""
from __future__ import annotations

from typing import Dict

import numpy as np

PACKED = ("torch", "mindspore", "jittor")
FLAT = ("megengine",)  # M.MultiHeadAttention: one [1, 4*D*D + 4*D] buffer, Wq Wk Wv Wo ([in, out], row-major), then biases
PER_HEAD = {"tensorflow": ("query", "key", "value", "attention_output"), "jax": ("query", "key", "value", "out")}
# MindSpore's TransformerEncoderLayer names the feed-forward layers dense1/dense2 where PyTorch says linear1/2.
RENAMES = {"mindspore": ((".dense1.", ".linear1."), (".dense2.", ".linear2."))}


LAYOUTS = {
    "packed": "in_proj_weight [3D, D] (q, k, v stacked, [out, in]) and out_proj",
    "flat": "one [1, 4D² + 4D] buffer: Wq, Wk, Wv, Wo [in, out] row-major, then the four biases (undocumented)",
    "per head": "query, key, value [D, heads, D/heads] and output [heads, D/heads, D]",
    "separate": "separate q, k, v and out projections, in its dense layout",
}


def layout(framework: str) -> str:
    """Which of the attention layouts this framework's implementation loads."""
    if framework in PACKED:
        return "packed"
    if framework in FLAT:
        return "flat"
    return "per head" if framework in PER_HEAD else "separate"


def describe(framework: str) -> str:
    renamed = "; ".join(f"{old.strip('.')} for {new.strip('.')}" for old, new in RENAMES.get(framework, ()))
    return f"{layout(framework)}: {LAYOUTS[layout(framework)]}" + (f"; names {renamed}" if renamed else "")


def rename(framework: str, name: str) -> str:
    """A framework's parameter name in the canonical (PyTorch) naming."""
    for old, new in RENAMES.get(framework, ()):
        name = name.replace(old, new)
    return name


def attention(backend, prefix: str, p: Dict[str, np.ndarray], heads: int) -> Dict[str, np.ndarray]:
    w = {n: p[f"{prefix}.{n}.weight"] for n in ("q", "k", "v", "out")}
    b = {n: p[f"{prefix}.{n}.bias"] for n in ("q", "k", "v", "out")}
    if layout(backend.key) == "packed":
        return {f"{prefix}.in_proj_weight": np.concatenate([w[n].T for n in "qkv"]),
                f"{prefix}.in_proj_bias": np.concatenate([b[n] for n in "qkv"]),
                f"{prefix}.out_proj.weight": w["out"].T, f"{prefix}.out_proj.bias": b["out"]}
    if layout(backend.key) == "flat":
        return {f"{prefix}.io_weight_bias": np.concatenate([w[n].ravel() for n in w] + [b[n] for n in b])[None]}
    if layout(backend.key) == "separate":
        return {**{f"{prefix}.{n}_proj.weight": backend.convert("dense", w[n]) for n in w},
                **{f"{prefix}.{n}_proj.bias": b[n] for n in b}}
    names = PER_HEAD[backend.key]
    d = w["q"].shape[0]
    out = {}
    for n, name in zip("qkv", names[:3]):
        out[f"{prefix}.{name}.weight"] = w[n].reshape(d, heads, d // heads)
        out[f"{prefix}.{name}.bias"] = b[n].reshape(heads, d // heads)
    out[f"{prefix}.{names[3]}.weight"] = w["out"].reshape(heads, d // heads, d)
    out[f"{prefix}.{names[3]}.bias"] = b["out"]
    return out


def expand(backend, params: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Every layer's attention projections (kind ("mha", heads) in the spec) for `backend`."""
    from models.transformer.spec import CONFIG

    out = {}
    for prefix in sorted({name.rsplit(".", 2)[0] for name in params}):
        out.update(attention(backend, prefix, params, CONFIG["heads"]))
    return out
