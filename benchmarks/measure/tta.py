"""Time to accuracy on real data: scikit-learn's 8x8 handwritten digits (1,797 images, shipped inside
scikit-learn, no download).

The harness prepares everything a worker needs in one .npz (a fixed stratified split, features
standardised with training-set statistics, and the batch order of every epoch drawn from a seeded
numpy generator), so every framework sees the same batches in the same order. Models: the MLP
(64-128-10) and the LeNet-style CNN at 1x8x8 (3x3 convolutions, padding 1). The float64 numpy
reference trains the same way and gives the accuracy curve every framework must follow.
"""
from __future__ import annotations

import hashlib
import importlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Dict

import numpy as np

TARGET_ACCURACY = 0.96  # the float64 reference reaches it at epoch 5 (MLP) and 9 (CNN)
MAX_EPOCHS = 20
BATCH = 32
LR = 0.1
SEED = 0
CURVE_TOL = 0.03  # 3 points (13 of 450): after ~400 float32 SGD steps rounding alone moves a few samples



def settings(model: str) -> Dict:
    """The model spec's TTA settings: its config at 8x8 and the input shape of one sample."""
    return importlib.import_module(f"models.{model}.spec").TTA


def prepare(path: Path, seed: int = SEED) -> Path:
    """Write the split, standardised data and per-epoch batch indices to `path` (.npz)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.25, stratify=digits.target, random_state=seed)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6
    x_train, x_test = ((x_train - mean) / std).astype(np.float32), ((x_test - mean) / std).astype(np.float32)
    rng = np.random.default_rng(seed)
    per_epoch = len(x_train) // BATCH  # drop the last partial batch: fixed shapes for compiled modes
    order = np.stack([rng.permutation(len(x_train))[: per_epoch * BATCH].reshape(per_epoch, BATCH)
                      for _ in range(MAX_EPOCHS)]).astype(np.int32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x_train=x_train, y_train=y_train.astype(np.int64), x_test=x_test,
             y_test=y_test.astype(np.int64), order=order)
    return path


def digest(*parts) -> str:
    """A short key of what a cached file depends on."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def data_path() -> Path:
    """The prepared digits data, cached under a key of everything `prepare` depends on."""
    import sklearn

    from benchmarks.measure.envs import cache_root

    key = digest(SEED, BATCH, MAX_EPOCHS, sklearn.__version__, Path(__file__).read_text())
    path = cache_root() / "cache" / "tta" / f"digits-{key}.npz"
    return path if path.exists() else prepare(path)


def images(x: np.ndarray, model: str) -> np.ndarray:
    return x.reshape(-1, *settings(model)["input_shape"])


@lru_cache(maxsize=None)
def reference_curve(model: str) -> Dict:
    """Test accuracy after each epoch of float64 SGD with the same data, batches and initial weights,
    using the spec's own forward; cached under a key of the data, the spec and these settings."""
    import autograd.numpy as anp
    from autograd import grad

    from benchmarks.measure.envs import cache_root
    from benchmarks.measure.reference import spec_digest
    from models.common import xp_cross_entropy

    data_file = data_path()
    path = cache_root() / "cache" / "tta" / f"reference-{model}-{digest(data_file.name, spec_digest(model), LR)}.json"
    if path.exists():
        return json.loads(path.read_text())
    spec = importlib.import_module(f"models.{model}.spec")
    config = settings(model)["config"]
    data = np.load(data_file)
    params = {k: v.astype(np.float64) for k, v in spec.init_params(SEED, config).items()}

    def forward(xp, p, x):
        return spec.forward_xp(xp, p, x, config)

    def loss(p, x, y):
        return xp_cross_entropy(anp, forward(anp, p, x), y)

    step = grad(loss)
    x_train = images(data["x_train"], model).astype(np.float64)
    x_test = images(data["x_test"], model).astype(np.float64)
    curve = []
    for epoch, batches in enumerate(data["order"]):
        for idx in batches:
            grads = step(params, x_train[idx], data["y_train"][idx])
            params = {k: params[k] - LR * grads[k] for k in params}
        accuracy = float(np.mean(np.argmax(forward(np, params, x_test), axis=1) == data["y_test"]))
        curve.append(accuracy)
    result = {"accuracy": curve}
    path.write_text(json.dumps(result))
    return result


def request(model: str) -> Dict:
    """What a worker needs for the tta task."""
    return {"data": str(data_path()), "config": settings(model)["config"], "input_shape": settings(model)["input_shape"],
            "target": TARGET_ACCURACY,
            "max_epochs": MAX_EPOCHS, "lr": LR, "seed": SEED, "curve_tol": CURVE_TOL,
            "reference_accuracy": reference_curve(model)["accuracy"]}
