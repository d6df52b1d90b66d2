import mindspore as ms
from mindspore import nn


class MLP(nn.Cell):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.fc1 = nn.Dense(n_in, n_hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Dense(n_hidden, n_out)

    def construct(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def build_model(config):
    return MLP(**config)


def build_trainer(model, lr, mode="eager"):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.SGD(model.trainable_params(), learning_rate=lr)

    def forward_fn(x, y):
        return loss_fn(model(x), y)

    grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters)

    def train_step(x, y):
        loss, grads = grad_fn(x, y)
        optimizer(grads)
        return loss

    if mode == "compiled":
        train_step = ms.jit(train_step)
    return lambda x, y: train_step(x, y).asnumpy().item()


def build_predictor(model, mode="eager"):
    def predict(x):
        return model(x)

    return ms.jit(predict) if mode == "compiled" else predict
