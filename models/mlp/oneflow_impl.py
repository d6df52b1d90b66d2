import oneflow as flow
from oneflow import nn


class MLP(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.fc2(flow.relu(self.fc1(x)))


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
    return MLP(**config)


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
