import oneflow as flow
from oneflow import nn


class LeNet5(nn.Module):
    def __init__(self, in_channels, hw, kernel, padding, channels, hidden, classes):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(in_channels, c1, kernel, padding=padding)
        self.conv2 = nn.Conv2d(c1, c2, kernel, padding=padding)
        self.pool = nn.MaxPool2d(2)
        flat_hw = ((hw + 2 * padding - kernel + 1) // 2 + 2 * padding - kernel + 1) // 2
        self.fc1 = nn.Linear(c2 * flat_hw * flat_hw, hidden[0])
        self.fc2 = nn.Linear(hidden[0], hidden[1])
        self.fc3 = nn.Linear(hidden[1], classes)

    def forward(self, x):
        x = self.pool(flow.relu(self.conv1(x)))
        x = self.pool(flow.relu(self.conv2(x)))
        x = flow.flatten(x, 1)
        x = flow.relu(self.fc1(x))
        x = flow.relu(self.fc2(x))
        return self.fc3(x)


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
    return LeNet5(**config)


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
