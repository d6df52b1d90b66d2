"""Float64 numpy pieces shared by the model specs: loss, its gradient and the SGD reference."""
from __future__ import annotations

from typing import Callable, Dict

import numpy as np

Params = Dict[str, np.ndarray]


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean softmax cross-entropy of integer labels, computed in float64."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())


def cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """d(mean cross-entropy)/d(logits)."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    probs[np.arange(len(labels)), labels] -= 1.0
    return probs / len(labels)


def sgd_losses(
    loss_and_grads: Callable[[Params, np.ndarray, np.ndarray], tuple],
    params: Params,
    x: np.ndarray,
    y: np.ndarray,
    lr: float,
    steps: int,
) -> list:
    """Loss before each of `steps` plain-SGD updates on one batch, in float64."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    losses = []
    for _ in range(steps):
        loss, grads = loss_and_grads(p, x, y)
        losses.append(loss)
        p = {k: p[k] - lr * grads[k] for k in p}
    return losses
