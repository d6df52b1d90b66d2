"""The conventions frameworks name and lay out the canonical attention projections of spec.py in; each
framework says which one it loads (`attention` in its WeightLayout, benchmarks/frameworks/<name>/__init__.py).

Canonical: q, k, v and out projections per layer, each dense [in, out] with a bias. The layouts:
packed (PyTorch, MindSpore, Jittor: in_proj [3D, D] and out_proj), separate (Paddle, and the frameworks
whose implementation composes attention from dense layers: q_proj, k_proj, v_proj, out_proj),
per head (Keras and flax, each with its own names: query/key/value [D, heads, D/heads], output
[heads, D/heads, D]) and flat (MegEngine: every weight and bias in one buffer; its layout is not
documented, and was found by matching a numpy attention to 5e-7: weights [in, out] row-major in the order
q, k, v, out, then the four biases).
"""
from __future__ import annotations

from typing import Dict

import numpy as np

# flat: M.MultiHeadAttention's one [1, 4*D*D + 4*D] buffer, Wq Wk Wv Wo ([in, out], row-major), then biases
PER_HEAD = {"keras": ("query", "key", "value", "attention_output"), "flax": ("query", "key", "value", "out")}


LAYOUTS = {
    "packed": "in_proj_weight [3D, D] (q, k, v stacked, [out, in]) and out_proj",
    "flat": "one [1, 4D² + 4D] buffer: Wq, Wk, Wv, Wo [in, out] row-major, then the four biases (undocumented)",
    "per head": "query, key, value [D, heads, D/heads] and output [heads, D/heads, D]",
    "separate": "separate q, k, v and out projections, in its dense layout",
}


def kind(convention: str) -> str:
    """Which of LAYOUTS a convention is (the per-head ones differ only in their names)."""
    if convention not in LAYOUTS and convention not in PER_HEAD:
        raise ValueError(f"unknown attention convention {convention!r}: one of {sorted(set(LAYOUTS) | set(PER_HEAD))}")
    return "per head" if convention in PER_HEAD else convention


def describe(layout) -> str:
    renamed = "; ".join(f"{old.strip('.')} for {new.strip('.')}" for old, new in layout.renames)
    return f"{kind(layout.attention)}: {LAYOUTS[kind(layout.attention)]}" + (f"; names {renamed}" if renamed else "")


def attention(layout, prefix: str, p: Dict[str, np.ndarray], heads: int) -> Dict[str, np.ndarray]:
    w = {n: p[f"{prefix}.{n}.weight"] for n in ("q", "k", "v", "out")}
    b = {n: p[f"{prefix}.{n}.bias"] for n in ("q", "k", "v", "out")}
    if kind(layout.attention) == "packed":
        return {f"{prefix}.in_proj_weight": np.concatenate([w[n].T for n in "qkv"]),
                f"{prefix}.in_proj_bias": np.concatenate([b[n] for n in "qkv"]),
                f"{prefix}.out_proj.weight": w["out"].T, f"{prefix}.out_proj.bias": b["out"]}
    if kind(layout.attention) == "flat":
        return {f"{prefix}.io_weight_bias": np.concatenate([w[n].ravel() for n in w] + [b[n] for n in b])[None]}
    if kind(layout.attention) == "separate":
        return {**{f"{prefix}.{n}_proj.weight": layout.convert("dense", w[n]) for n in w},
                **{f"{prefix}.{n}_proj.bias": b[n] for n in b}}
    names = PER_HEAD[layout.attention]
    d = w["q"].shape[0]
    out = {}
    for n, name in zip("qkv", names[:3]):
        out[f"{prefix}.{name}.weight"] = w[n].reshape(d, heads, d // heads)
        out[f"{prefix}.{name}.bias"] = b[n].reshape(heads, d // heads)
    out[f"{prefix}.{names[3]}.weight"] = w["out"].reshape(heads, d // heads, d)
    out[f"{prefix}.{names[3]}.bias"] = b["out"]
    return out


def expand(layout, params: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Every layer's attention projections (kind ("mha", heads) in the spec) in a weight layout's convention."""
    from models.transformer.spec import CONFIG

    out = {}
    for prefix in sorted({name.rsplit(".", 2)[0] for name in params}):
        out.update(attention(layout, prefix, params, CONFIG["heads"]))
    return out
