import megengine.functional as F
import megengine.module as M
import megengine.optimizer as optim
from megengine import jit
from megengine.autodiff import GradManager


class MLP(M.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.fc1 = M.Linear(n_in, n_hidden)
        self.fc2 = M.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def build_model(config):
    return MLP(**config)


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
