import torch
from torch import nn


class LSTMClassifier(nn.Module):
    def __init__(self, features, hidden, classes):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


def build_model(config):
    return LSTMClassifier(**config)


def build_trainer(model, lr, mode="eager"):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    forward = torch.compile(model) if mode == "compiled" else model

    def train_step(x, y):
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
        return forward(x)

    return predict
