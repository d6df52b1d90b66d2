import paddle
from paddle import nn


class MLP(nn.Layer):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.fc2(nn.functional.relu(self.fc1(x)))


def build_model(config):
    return MLP(**config)


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
