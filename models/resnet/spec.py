"""A small CIFAR-style ResNet: stem, three stages of one basic block each, global average pool, fc10.

stem: conv3x3(3->24) - BN - ReLU; stage k (widths 24, 48, 96; strides 1, 2, 2): a basic block
conv3x3 - BN - ReLU - conv3x3 - BN, plus a projection shortcut conv1x1 - BN where the shape changes
(stages 2 and 3), then ReLU. 3x32x32 input, about 0.18 M parameters. Convolutions have no bias
(BatchNorm follows); 3x3 convolutions pad 1 on every side (TF/XLA "SAME" pads asymmetrically at
stride 2, so NHWC implementations pad explicitly). BatchNorm: epsilon 1e-5, batch statistics in
training (biased variance), running statistics in inference (initially mean 0, variance 1);
running-average momentum 0.1 in PyTorch's convention (0.9 in Keras/flax/MXNet/MindSpore's).
"""
from __future__ import annotations

import numpy as np

from models.common import Params, autograd_sgd_losses, xp_conv2d

CONFIG = {"in_channels": 3, "widths": (24, 48, 96), "classes": 10}
HW = 32
BATCH = 32
LR = 0.05
# Four steps check the gradients and the update; more only cost time: a MindSpore or MegEngine step
# takes 3-9 s on one core here, and every worker process runs them (they are also its warm-up).
PARITY_STEPS = 4
EPS = 1e-5
# BatchNorm over a batch of 32 and three residual stages: float32 differences grow to ~1e-5.
FORWARD_TOL = 1e-4
LOSS_TOL = 2e-4


def _layout(config: dict = CONFIG) -> dict:
    """Canonical parameter name -> shape."""
    w0, w1, w2 = config["widths"]
    shapes = {"conv1.weight": (w0, config["in_channels"], 3, 3), "bn1.weight": (w0,), "bn1.bias": (w0,)}
    for i, (cin, cout) in enumerate(((w0, w0), (w0, w1), (w1, w2)), start=1):
        p = f"layer{i}"
        shapes.update({f"{p}.conv1.weight": (cout, cin, 3, 3), f"{p}.bn1.weight": (cout,), f"{p}.bn1.bias": (cout,),
                       f"{p}.conv2.weight": (cout, cout, 3, 3), f"{p}.bn2.weight": (cout,), f"{p}.bn2.bias": (cout,)})
        if cin != cout:
            shapes.update({f"{p}.down_conv.weight": (cout, cin, 1, 1), f"{p}.down_bn.weight": (cout,),
                           f"{p}.down_bn.bias": (cout,)})
    shapes.update({"fc.weight": (w2, config["classes"]), "fc.bias": (config["classes"],)})
    return shapes


PARAM_KINDS = {name: "conv" if len(shape) == 4 else "dense" if name == "fc.weight" else "bias"
               for name, shape in _layout().items()}


def init_params(seed: int = 0) -> Params:
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in _layout().items():
        if len(shape) == 4:
            value = rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))
        elif name == "fc.weight":
            value = rng.standard_normal(shape) * np.sqrt(1.0 / shape[0])
        elif name.endswith("weight"):  # BatchNorm scale
            value = 1.0 + 0.1 * rng.standard_normal(shape)
        else:
            value = 0.1 * rng.standard_normal(shape)
        params[name] = value.astype(np.float32)
    return params


def make_batch(batch: int = BATCH, seed: int = 1) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, CONFIG["in_channels"], HW, HW)).astype(np.float32)
    return x, rng.integers(0, CONFIG["classes"], size=batch).astype(np.int64)


def _bn(xp, x, gamma, beta, train: bool):
    if train:
        mean = xp.mean(x, axis=(0, 2, 3), keepdims=True)
        var = xp.mean((x - mean) ** 2, axis=(0, 2, 3), keepdims=True)
        x = (x - mean) / xp.sqrt(var + EPS)
    else:  # initial running statistics: mean 0, variance 1
        x = x / np.sqrt(1.0 + EPS)
    return gamma[None, :, None, None] * x + beta[None, :, None, None]


def forward_xp(xp, p: Params, x, train: bool):
    h = xp.maximum(_bn(xp, xp_conv2d(xp, x, p["conv1.weight"], None, pad=1), p["bn1.weight"], p["bn1.bias"], train), 0)
    for i, stride in ((1, 1), (2, 2), (3, 2)):
        q = f"layer{i}"
        out = xp.maximum(_bn(xp, xp_conv2d(xp, h, p[f"{q}.conv1.weight"], None, stride, 1),
                             p[f"{q}.bn1.weight"], p[f"{q}.bn1.bias"], train), 0)
        out = _bn(xp, xp_conv2d(xp, out, p[f"{q}.conv2.weight"], None, 1, 1), p[f"{q}.bn2.weight"], p[f"{q}.bn2.bias"], train)
        if f"{q}.down_conv.weight" in p:
            h = _bn(xp, xp_conv2d(xp, h, p[f"{q}.down_conv.weight"], None, stride, 0),
                    p[f"{q}.down_bn.weight"], p[f"{q}.down_bn.bias"], train)
        h = xp.maximum(out + h, 0)
    return xp.mean(h, axis=(2, 3)) @ p["fc.weight"] + p["fc.bias"]


def forward(params: Params, x: np.ndarray) -> np.ndarray:
    """Inference-mode logits, float64."""
    return forward_xp(np, {k: v.astype(np.float64) for k, v in params.items()}, x.astype(np.float64), train=False)


def reference_losses(params: Params, x, y, lr: float = LR, steps: int = PARITY_STEPS) -> list:
    return autograd_sgd_losses(lambda xp, p, xx: forward_xp(xp, p, xx, train=True), params, x, y, lr, steps)


def flops(batch: int) -> dict:
    macs, hw = 0, HW
    for name, shape in _layout().items():
        if len(shape) == 4:
            if name.startswith(("layer2.conv1", "layer2.down", "layer3.conv1", "layer3.down")):
                out_hw = hw // 2 if name.startswith("layer2") else hw // 4
            else:
                out_hw = hw if name.startswith(("conv1", "layer1")) else hw // 2 if name.startswith("layer2") else hw // 4
            macs += out_hw * out_hw * int(np.prod(shape))
    macs += CONFIG["widths"][2] * CONFIG["classes"]
    forward_flops = 2 * batch * macs
    return {"forward": forward_flops, "train": 3 * forward_flops}
