import paddle
from paddle import nn


class BasicBlock(nn.Layer):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2D(cin, cout, 3, stride=stride, padding=1, bias_attr=False)
        self.bn1 = nn.BatchNorm2D(cout, momentum=0.9, epsilon=1e-5)
        self.conv2 = nn.Conv2D(cout, cout, 3, padding=1, bias_attr=False)
        self.bn2 = nn.BatchNorm2D(cout, momentum=0.9, epsilon=1e-5)
        self.down = cin != cout
        if self.down:
            self.down_conv = nn.Conv2D(cin, cout, 1, stride=stride, bias_attr=False)
            self.down_bn = nn.BatchNorm2D(cout, momentum=0.9, epsilon=1e-5)

    def forward(self, x):
        out = nn.functional.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = self.down_bn(self.down_conv(x)) if self.down else x
        return nn.functional.relu(out + shortcut)


class ResNet(nn.Layer):
    def __init__(self, in_channels, widths, classes):
        super().__init__()
        w0, w1, w2 = widths
        self.conv1 = nn.Conv2D(in_channels, w0, 3, padding=1, bias_attr=False)
        self.bn1 = nn.BatchNorm2D(w0, momentum=0.9, epsilon=1e-5)
        self.layer1 = BasicBlock(w0, w0, 1)
        self.layer2 = BasicBlock(w0, w1, 2)
        self.layer3 = BasicBlock(w1, w2, 2)
        self.fc = nn.Linear(w2, classes)

    def forward(self, x):
        x = nn.functional.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean(axis=[2, 3]))


def build_model(config):
    return ResNet(**config)


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
