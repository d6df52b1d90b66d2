# MXNet 1.9.1's Gluon ships no multi-head attention layer (GluonNLP had one; it is not maintained
# for this version), so attention is composed here from Dense layers.
import math

from mxnet import autograd, gluon
from mxnet.gluon import nn


class MultiHeadAttention(nn.HybridBlock):
    def __init__(self, d_model, heads, **kwargs):
        super().__init__(**kwargs)
        self.heads, self.scale = heads, 1.0 / math.sqrt(d_model // heads)
        self.q_proj = nn.Dense(d_model, flatten=False, in_units=d_model)
        self.k_proj = nn.Dense(d_model, flatten=False, in_units=d_model)
        self.v_proj = nn.Dense(d_model, flatten=False, in_units=d_model)
        self.out_proj = nn.Dense(d_model, flatten=False, in_units=d_model)

    def hybrid_forward(self, F, x):
        def split(y):  # (B, T, D) -> (B * heads, T, D / heads)
            y = F.transpose(F.reshape(y, shape=(0, 0, self.heads, -1)), axes=(0, 2, 1, 3))
            return F.reshape(y, shape=(-3, 0, 0))

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        weights = F.softmax(F.batch_dot(q, k, transpose_b=True) * self.scale, axis=-1)
        out = F.reshape(F.batch_dot(weights, v), shape=(-4, -1, self.heads, 0, 0))
        return self.out_proj(F.reshape(F.transpose(out, axes=(0, 2, 1, 3)), shape=(0, 0, -3)))


class EncoderLayer(nn.HybridBlock):
    def __init__(self, d_model, heads, ffn, **kwargs):
        super().__init__(**kwargs)
        self.self_attn = MultiHeadAttention(d_model, heads)
        self.norm1 = nn.LayerNorm(epsilon=1e-5, in_channels=d_model)
        self.linear1 = nn.Dense(ffn, flatten=False, in_units=d_model, activation="relu")
        self.linear2 = nn.Dense(d_model, flatten=False, in_units=ffn)
        self.norm2 = nn.LayerNorm(epsilon=1e-5, in_channels=d_model)

    def hybrid_forward(self, F, x):
        x = self.norm1(x + self.self_attn(x))
        return self.norm2(x + self.linear2(self.linear1(x)))


class Encoder(nn.HybridBlock):
    def __init__(self, d_model, heads, ffn, layers, **kwargs):
        super().__init__(**kwargs)
        self.layers = nn.HybridSequential()
        for _ in range(layers):
            self.layers.add(EncoderLayer(d_model, heads, ffn))

    def hybrid_forward(self, F, x):
        return self.layers(x)


class TransformerClassifier(nn.HybridBlock):
    def __init__(self, d_model, heads, ffn, layers, classes, **kwargs):
        super().__init__(**kwargs)
        self.encoder = Encoder(d_model, heads, ffn, layers)
        self.fc = nn.Dense(classes, in_units=d_model)

    def hybrid_forward(self, F, x):
        return self.fc(F.mean(self.encoder(x), axis=1))


def build_model(config):
    model = TransformerClassifier(**config)
    model.initialize()
    return model


def build_trainer(model, lr, mode="eager"):
    if mode == "compiled":
        model.hybridize()
    trainer = gluon.Trainer(model.collect_params(), "sgd", {"learning_rate": lr})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    def train_step(x, y):
        with autograd.record():
            loss = loss_fn(model(x), y)
        loss.backward()
        trainer.step(x.shape[0])
        return loss.mean().asscalar()

    return train_step


def build_predictor(model, mode="eager"):
    if mode == "compiled":
        model.hybridize()
    return model
