import megengine.functional as F
import megengine.module as M
import megengine.optimizer as optim
from megengine import jit
from megengine.autodiff import GradManager


class LSTM(M.Module):
    # Composed from Linear layers: in MegEngine 1.13 on CPU, M.LSTM's fused op returns wrong weight
    # gradients (the parity gate sees the loss drift ~10% within 10 steps) and M.LSTMCell's backward
    # fails ("split size sums to 0").
    def __init__(self, features, hidden):
        super().__init__()
        self.hidden = hidden
        self.ih = M.Linear(features, 4 * hidden)
        self.hh = M.Linear(hidden, 4 * hidden)

    def forward(self, x):
        h = c = F.zeros((x.shape[0], self.hidden))
        for t in range(x.shape[1]):
            i, f, g, o = F.split(self.ih(x[:, t]) + self.hh(h), 4, axis=1)
            c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
            h = F.sigmoid(o) * F.tanh(c)
        return h


class LSTMClassifier(M.Module):
    def __init__(self, features, hidden, classes):
        super().__init__()
        self.lstm = LSTM(features, hidden)
        self.fc = M.Linear(hidden, classes)

    def forward(self, x):
        return self.fc(self.lstm(x))


def build_model(config):
    return LSTMClassifier(**config)


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
