"""The float64 numpy reference of a model, computed once in the harness and cached on disk.

The worker gets the reference logits and losses in its request, so it needs neither autograd
nor float64 work of its own.
"""
from __future__ import annotations

import hashlib
import importlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

from benchmarks import REPO_ROOT


def spec_digest(model: str) -> str:
    text = (REPO_ROOT / "models" / model / "spec.py").read_bytes() + (REPO_ROOT / "models" / "common.py").read_bytes()
    return hashlib.sha256(text).hexdigest()[:12]


def variant_for(model: str, framework: str) -> tuple:
    """The reference variant a framework's convention needs, from the model's weights module
    (e.g. the LSTM's one or two biases), as sorted (keyword, value) pairs."""
    from benchmarks.frameworks import get_framework
    from benchmarks.frameworks.layout import model_weights

    weights = model_weights(model)
    if weights is None or not hasattr(weights, "reference_variant"):
        return ()
    return tuple(sorted(weights.reference_variant(get_framework(framework).layout).items()))


@lru_cache(maxsize=None)
def reference_path(model: str, seed: int, variant: tuple = (), hidden: Optional[int] = None,
                   batch: Optional[int] = None) -> Path:
    """The cached reference file of the spec's model, or of the MLP at another hidden width and batch
    (the size sweep), computed on first use."""
    from benchmarks.measure.envs import cache_root

    tag = "".join(f"-{k}{v}" for k, v in variant) + (f"-h{hidden}-b{batch}" if hidden else "")
    path = cache_root() / "cache" / "reference" / f"{model}-{seed}{tag}-{spec_digest(model)}.json"
    if path.exists():
        return path
    spec = importlib.import_module(f"models.{model}.spec")
    config = dict(spec.CONFIG, n_hidden=hidden) if hidden else spec.CONFIG
    params = spec.init_params(seed, config) if hidden else spec.init_params(seed)
    x, y = spec.make_batch(batch or spec.BATCH, seed + 1)
    lr = spec.lr_for(config, batch or spec.BATCH) if hidden else spec.LR
    result = {"logits": spec.forward(params, x).tolist(),
              "losses": spec.reference_losses(params, x, y, lr, spec.PARITY_STEPS, **dict(variant))}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    tmp.replace(path)
    return path


@lru_cache(maxsize=None)
def reference(model: str, seed: int, variant: tuple = ()) -> Dict:
    """{"logits": forward of the parity batch (inference mode), "losses": the first SGD steps' losses}."""
    return json.loads(reference_path(model, seed, variant).read_text())
