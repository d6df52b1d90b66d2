import torch
from torch import nn


class TransformerClassifier(nn.Module):
    def __init__(self, d_model, heads, ffn, layers, classes):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, heads, ffn, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.fc = nn.Linear(d_model, classes)

    def forward(self, x):
        return self.fc(self.encoder(x).mean(dim=1))


def build_model(config):
    return TransformerClassifier(**config)


def build_trainer(model, lr, mode="eager"):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    forward = torch.compile(model) if mode == "compiled" else model

    def train_step(x, y):
        model.train()
        optimizer.zero_grad()
        loss = loss_fn(forward(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return train_step


def build_predictor(model, mode="eager"):
    forward = torch.compile(model) if mode == "compiled" else model

    @torch.no_grad()
    def predict(x):
        model.eval()
        return forward(x)

    return predict
