import megengine.functional as F
import megengine.module as M
import megengine.optimizer as optim
from megengine import jit
from megengine.autodiff import GradManager


class LeNet5(M.Module):
    def __init__(self, in_channels, hw, kernel, padding, channels, hidden, classes):
        super().__init__()
        c1, c2 = channels
        self.conv1 = M.Conv2d(in_channels, c1, kernel, padding=padding)
        self.conv2 = M.Conv2d(c1, c2, kernel, padding=padding)
        self.pool = M.MaxPool2d(2)
        flat_hw = ((hw + 2 * padding - kernel + 1) // 2 + 2 * padding - kernel + 1) // 2
        self.fc1 = M.Linear(c2 * flat_hw * flat_hw, hidden[0])
        self.fc2 = M.Linear(hidden[0], hidden[1])
        self.fc3 = M.Linear(hidden[1], classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = F.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def build_model(config):
    return LeNet5(**config)


def build_trainer(model, lr, mode="eager"):
    gm = GradManager().attach(model.parameters())
    optimizer = optim.SGD(model.parameters(), lr=lr)

    def train_step(x, y):
        with gm:
            loss = F.nn.cross_entropy(model(x), y)
            gm.backward(loss)
        optimizer.step().clear_grad()
        return loss

    if mode == "compiled":
        train_step = jit.trace(train_step, symbolic=True)
    return lambda x, y: train_step(x, y).item()


def build_predictor(model, mode="eager"):
    def predict(x):
        return model(x)

    return jit.trace(predict, symbolic=True) if mode == "compiled" else predict
