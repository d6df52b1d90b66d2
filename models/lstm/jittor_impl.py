import jittor as jt
from jittor import nn


class LSTMClassifier(nn.Module):
    def __init__(self, features, hidden, classes):
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def execute(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


def build_model(config):
    return LSTMClassifier(**config)


def build_trainer(model, lr, mode="eager"):
    optimizer = nn.SGD(model.parameters(), lr)

    def train_step(x, y):
        loss = nn.cross_entropy_loss(model(x), y)
        optimizer.step(loss)
        return loss.item()

    return train_step


def build_predictor(model, mode="eager"):
    def predict(x):
        with jt.no_grad():
            return model(x)

    return predict
