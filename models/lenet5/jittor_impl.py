import jittor as jt
from jittor import nn


class LeNet5(nn.Module):
    def __init__(self, in_channels, hw, kernel, padding, channels, hidden, classes):
        c1, c2 = channels
        self.conv1 = nn.Conv2d(in_channels, c1, kernel, padding=padding)
        self.conv2 = nn.Conv2d(c1, c2, kernel, padding=padding)
        self.pool = nn.MaxPool2d(2)
        flat_hw = ((hw + 2 * padding - kernel + 1) // 2 + 2 * padding - kernel + 1) // 2
        self.fc1 = nn.Linear(c2 * flat_hw * flat_hw, hidden[0])
        self.fc2 = nn.Linear(hidden[0], hidden[1])
        self.fc3 = nn.Linear(hidden[1], classes)

    def execute(self, x):
        x = self.pool(nn.relu(self.conv1(x)))
        x = self.pool(nn.relu(self.conv2(x)))
        x = jt.flatten(x, 1)
        x = nn.relu(self.fc1(x))
        x = nn.relu(self.fc2(x))
        return self.fc3(x)


def build_model(config):
    return LeNet5(**config)


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
