import mindspore as ms
from mindspore import nn, ops


class BasicBlock(nn.Cell):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, pad_mode="pad", padding=1)
        self.bn1 = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.9)
        self.conv2 = nn.Conv2d(cout, cout, 3, pad_mode="pad", padding=1)
        self.bn2 = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.9)
        self.relu = nn.ReLU()
        self.down = cin != cout
        if self.down:
            self.down_conv = nn.Conv2d(cin, cout, 1, stride=stride, pad_mode="valid")
            self.down_bn = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.9)

    def construct(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = self.down_bn(self.down_conv(x)) if self.down else x
        return self.relu(out + shortcut)


class ResNet(nn.Cell):
    def __init__(self, in_channels, widths, classes):
        super().__init__()
        w0, w1, w2 = widths
        self.conv1 = nn.Conv2d(in_channels, w0, 3, pad_mode="pad", padding=1)
        self.bn1 = nn.BatchNorm2d(w0, eps=1e-5, momentum=0.9)
        self.relu = nn.ReLU()
        self.layer1 = BasicBlock(w0, w0, 1)
        self.layer2 = BasicBlock(w0, w1, 2)
        self.layer3 = BasicBlock(w1, w2, 2)
        self.fc = nn.Dense(w2, classes)

    def construct(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(ops.mean(x, axis=(2, 3)))


def build_model(config):
    return ResNet(**config)


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

    def step(x, y):
        model.set_train(True)
        return train_step(x, y).asnumpy().item()

    return step


def build_predictor(model, mode="eager"):
    def predict(x):
        return model(x)

    predict = ms.jit(predict) if mode == "compiled" else predict

    def run(x):
        model.set_train(False)
        return predict(x)

    return run
