import jittor as jt
from jittor import nn


class MLP(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)

    def execute(self, x):
        return self.fc2(nn.relu(self.fc1(x)))


def build_model(config):
    return MLP(**config)


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
