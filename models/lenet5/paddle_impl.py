import paddle
from paddle import nn


class LeNet5(nn.Layer):
    def __init__(self, in_channels, hw, kernel, padding, channels, hidden, classes):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2D(in_channels, c1, kernel, padding=padding)
        self.conv2 = nn.Conv2D(c1, c2, kernel, padding=padding)
        self.pool = nn.MaxPool2D(2)
        flat_hw = ((hw + 2 * padding - kernel + 1) // 2 + 2 * padding - kernel + 1) // 2
        self.fc1 = nn.Linear(c2 * flat_hw * flat_hw, hidden[0])
        self.fc2 = nn.Linear(hidden[0], hidden[1])
        self.fc3 = nn.Linear(hidden[1], classes)

    def forward(self, x):
        x = self.pool(nn.functional.relu(self.conv1(x)))
        x = self.pool(nn.functional.relu(self.conv2(x)))
        x = paddle.flatten(x, 1)
        x = nn.functional.relu(self.fc1(x))
        x = nn.functional.relu(self.fc2(x))
        return self.fc3(x)


def build_model(config):
    return LeNet5(**config)


def build_trainer(model, lr, mode="eager"):
    optimizer = paddle.optimizer.SGD(learning_rate=lr, parameters=model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    forward = paddle.jit.to_static(model) if mode == "compiled" else model

    def train_step(x, y):
        model.train()
        loss = loss_fn(forward(x), y)
        loss.backward()
        optimizer.step()
        optimizer.clear_grad()
        return float(loss)

    return train_step


def build_predictor(model, mode="eager"):
    model.eval()
    forward = paddle.jit.to_static(model) if mode == "compiled" else model

    @paddle.no_grad()
    def predict(x):
        model.eval()
        return forward(x)

    return predict
