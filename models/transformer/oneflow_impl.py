# OneFlow 0.9.0 ships no nn.MultiheadAttention or nn.TransformerEncoderLayer (checked in the pinned
# version), so attention is composed here from Linear layers, as its users do.
import math

import oneflow as flow
from oneflow import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x):
        b, t, d = x.shape

        def split(y):
            return y.reshape(b, t, self.heads, d // self.heads).transpose(1, 2)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        weights = flow.softmax(flow.matmul(q, k.transpose(-2, -1)) / math.sqrt(d // self.heads), dim=-1)
        return self.out_proj(flow.matmul(weights, v).transpose(1, 2).reshape(b, t, d))


class EncoderLayer(nn.Module):
    def __init__(self, d_model, heads, ffn):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, heads)
        self.norm1 = nn.LayerNorm(d_model, eps=1e-5)
        self.linear1 = nn.Linear(d_model, ffn)
        self.linear2 = nn.Linear(ffn, d_model)
        self.norm2 = nn.LayerNorm(d_model, eps=1e-5)

    def forward(self, x):
        x = self.norm1(x + self.self_attn(x))
        return self.norm2(x + self.linear2(flow.relu(self.linear1(x))))


class Encoder(nn.Module):
    def __init__(self, d_model, heads, ffn, layers):
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer(d_model, heads, ffn) for _ in range(layers)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class TransformerClassifier(nn.Module):
    def __init__(self, d_model, heads, ffn, layers, classes):
        super().__init__()
        self.encoder = Encoder(d_model, heads, ffn, layers)
        self.fc = nn.Linear(d_model, classes)

    def forward(self, x):
        return self.fc(self.encoder(x).mean(dim=1))


class TrainGraph(nn.Graph):
    def __init__(self, model, loss_fn, optimizer):
        super().__init__()
        self.model = model
        self.loss_fn = loss_fn
        self.add_optimizer(optimizer)

    def build(self, x, y):
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        return loss


class EvalGraph(nn.Graph):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def build(self, x):
        return self.model(x)


def build_model(config):
    return TransformerClassifier(**config)


def build_trainer(model, lr, mode="eager"):
    optimizer = flow.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    if mode == "compiled":
        graph = TrainGraph(model, loss_fn, optimizer)
        return lambda x, y: graph(x, y).item()

    def train_step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return train_step


def build_predictor(model, mode="eager"):
    if mode == "compiled":
        return EvalGraph(model)

    @flow.no_grad()
    def predict(x):
        return model(x)

    return predict
