import jax
import optax
from flax import nnx


class MLP(nnx.Module):
    def __init__(self, n_in, n_hidden, n_out, rngs):
        self.fc1 = nnx.Linear(n_in, n_hidden, rngs=rngs)
        self.fc2 = nnx.Linear(n_hidden, n_out, rngs=rngs)

    def __call__(self, x):
        return self.fc2(jax.nn.relu(self.fc1(x)))


def build_model(config):
    return MLP(**config, rngs=nnx.Rngs(0))


def loss_fn(model, x, y):
    logits = model(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def build_trainer(model, lr, mode="eager"):
    optimizer = nnx.Optimizer(model, optax.sgd(lr), wrt=nnx.Param)

    def train_step(model, optimizer, x, y):
        loss, grads = nnx.value_and_grad(loss_fn)(model, x, y)
        optimizer.update(model, grads)
        return loss

    if mode == "compiled":
        train_step = nnx.jit(train_step)
    return lambda x, y: float(train_step(model, optimizer, x, y))


def build_predictor(model, mode="eager"):
    def predict(model, x):
        return model(x)

    if mode == "compiled":
        predict = nnx.jit(predict)
    return lambda x: predict(model, x)
