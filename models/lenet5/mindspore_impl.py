import mindspore as ms
from mindspore import nn, ops


class LeNet5(nn.Cell):
    def __init__(self, in_channels, hw, kernel, padding, channels, hidden, classes):
        super().__init__()
        c1, c2 = channels
        pad_mode = "pad" if padding else "valid"
        self.conv1 = nn.Conv2d(in_channels, c1, kernel, pad_mode=pad_mode, padding=padding, has_bias=True)
        self.conv2 = nn.Conv2d(c1, c2, kernel, pad_mode=pad_mode, padding=padding, has_bias=True)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.relu = nn.ReLU()
        flat_hw = ((hw + 2 * padding - kernel + 1) // 2 + 2 * padding - kernel + 1) // 2
        self.fc1 = nn.Dense(c2 * flat_hw * flat_hw, hidden[0])
        self.fc2 = nn.Dense(hidden[0], hidden[1])
        self.fc3 = nn.Dense(hidden[1], classes)

    def construct(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = ops.flatten(x)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)


def build_model(config):
    return LeNet5(**config)


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
