import jax
import optax
from flax import nnx


class EncoderLayer(nnx.Module):
    def __init__(self, d_model, heads, ffn, rngs):
        self.self_attn = nnx.MultiHeadAttention(heads, d_model, decode=False, rngs=rngs)
        self.norm1 = nnx.LayerNorm(d_model, epsilon=1e-5, rngs=rngs)
        self.linear1 = nnx.Linear(d_model, ffn, rngs=rngs)
        self.linear2 = nnx.Linear(ffn, d_model, rngs=rngs)
        self.norm2 = nnx.LayerNorm(d_model, epsilon=1e-5, rngs=rngs)

    def __call__(self, x):
        x = self.norm1(x + self.self_attn(x))
        return self.norm2(x + self.linear2(jax.nn.relu(self.linear1(x))))


class Encoder(nnx.Module):
    def __init__(self, d_model, heads, ffn, layers, rngs):
        self.layers = nnx.List([EncoderLayer(d_model, heads, ffn, rngs) for _ in range(layers)])

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class TransformerClassifier(nnx.Module):
    def __init__(self, d_model, heads, ffn, layers, classes, rngs):
        self.encoder = Encoder(d_model, heads, ffn, layers, rngs)
        self.fc = nnx.Linear(d_model, classes, rngs=rngs)

    def __call__(self, x):
        return self.fc(self.encoder(x).mean(axis=1))


def build_model(config):
    return TransformerClassifier(**config, rngs=nnx.Rngs(0))


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
