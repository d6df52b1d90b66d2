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


# ---- autograd-traceable pieces (pass `xp` = autograd.numpy) for the models with no hand backprop ----
def xp_cross_entropy(xp, logits, labels):
    z = logits - xp.max(logits, axis=1, keepdims=True)
    log_probs = z - xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))
    return -xp.mean(log_probs[np.arange(len(labels)), labels])


def xp_conv2d(xp, x, w, b, stride: int = 1, pad: int = 0):
    """Cross-correlation of NCHW `x` with OIHW `w` (as every framework's Conv2D computes it)."""
    if pad:
        x = xp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    _, c, h, width = x.shape
    o, _, kh, kw = w.shape
    ho, wo = (h - kh) // stride + 1, (width - kw) // stride + 1
    patches = xp.stack([x[:, :, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride]
                        for i in range(kh) for j in range(kw)], axis=2)  # N, C, kh*kw, Ho, Wo
    out = xp.transpose(xp.tensordot(patches, xp.reshape(w, (o, c, kh * kw)), axes=([1, 2], [1, 2])), (0, 3, 1, 2))
    return out if b is None else out + b[None, :, None, None]


def xp_maxpool2(xp, x):
    """2x2 max pooling, stride 2 (H and W even)."""
    n, c, h, w = x.shape
    return xp.max(xp.max(xp.reshape(x, (n, c, h // 2, 2, w // 2, 2)), axis=5), axis=3)


def autograd_sgd_losses(forward_train, params: Params, x, y, lr: float, steps: int) -> list:
    """Losses of `steps` SGD updates with gradients from HIPS autograd, all in float64."""
    import autograd.numpy as anp
    from autograd import value_and_grad

    def loss(p):
        return xp_cross_entropy(anp, forward_train(anp, p, x.astype(np.float64)), y)

    step = value_and_grad(loss)
    p = {k: v.astype(np.float64) for k, v in params.items()}
    losses = []
    for _ in range(steps):
        value, grads = step(p)
        losses.append(float(value))
        p = {k: p[k] - lr * grads[k] for k in p}
    return losses
