"""A "framework" made of numpy: the MLP trained with the spec's own float64 backprop, in float32."""
import numpy as np

from models.mlp import spec


def build_model(config):
    return {name: np.zeros_like(value) for name, value in spec.init_params(0, config).items()}


def build_trainer(model, lr, mode="eager"):
    def train_step(x, y):
        loss, grads = spec.loss_and_grads(model, x, y)
        for name in model:
            model[name] -= (lr * grads[name]).astype(np.float32)
        return loss

    return train_step


def build_predictor(model, mode="eager"):
    return lambda x: np.astype(spec.forward(model, x), np.float32)  # np.astype: new in numpy 2.0
