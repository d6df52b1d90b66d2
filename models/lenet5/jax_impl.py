import jax
import optax
from flax import nnx


class LeNet5(nnx.Module):
    def __init__(self, in_channels, hw, kernel, padding, channels, hidden, classes, rngs):
        c1, c2 = channels
        k, pad = (kernel, kernel), "SAME" if padding else "VALID"
        self.conv1 = nnx.Conv(in_channels, c1, k, padding=pad, rngs=rngs)
        self.conv2 = nnx.Conv(c1, c2, k, padding=pad, rngs=rngs)
        flat_hw = ((hw + 2 * padding - kernel + 1) // 2 + 2 * padding - kernel + 1) // 2
        self.fc1 = nnx.Linear(c2 * flat_hw * flat_hw, hidden[0], rngs=rngs)
        self.fc2 = nnx.Linear(hidden[0], hidden[1], rngs=rngs)
        self.fc3 = nnx.Linear(hidden[1], classes, rngs=rngs)

    def __call__(self, x):
        x = nnx.max_pool(jax.nn.relu(self.conv1(x)), (2, 2), strides=(2, 2))
        x = nnx.max_pool(jax.nn.relu(self.conv2(x)), (2, 2), strides=(2, 2))
        x = x.reshape(x.shape[0], -1)
        x = jax.nn.relu(self.fc1(x))
        x = jax.nn.relu(self.fc2(x))
        return self.fc3(x)


def build_model(config):
    return LeNet5(**config, rngs=nnx.Rngs(0))


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
