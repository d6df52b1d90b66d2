import jittor as jt
from jittor import nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = cin != cout
        if self.down:
            self.down_conv = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
            self.down_bn = nn.BatchNorm2d(cout)

    def execute(self, x):
        out = nn.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = self.down_bn(self.down_conv(x)) if self.down else x
        return nn.relu(out + shortcut)


class ResNet(nn.Module):
    def __init__(self, in_channels, widths, classes):
        w0, w1, w2 = widths
        self.conv1 = nn.Conv2d(in_channels, w0, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w0)
        self.layer1 = BasicBlock(w0, w0, 1)
        self.layer2 = BasicBlock(w0, w1, 2)
        self.layer3 = BasicBlock(w1, w2, 2)
        self.fc = nn.Linear(w2, classes)

    def execute(self, x):
        x = nn.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean(dims=(2, 3)))


def build_model(config):
    return ResNet(**config)


def build_trainer(model, lr, mode="eager"):
    optimizer = nn.SGD(model.parameters(), lr)

    def train_step(x, y):
        model.train()
        loss = nn.cross_entropy_loss(model(x), y)
        optimizer.step(loss)
        return loss.item()

    return train_step


def build_predictor(model, mode="eager"):
    def predict(x):
        model.eval()
        with jt.no_grad():
            return model(x)

    return predict
