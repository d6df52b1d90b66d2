import megengine.functional as F
import megengine.module as M
import megengine.optimizer as optim
from megengine import jit
from megengine.autodiff import GradManager


class BasicBlock(M.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = M.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = M.BatchNorm2d(cout)
        self.conv2 = M.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = M.BatchNorm2d(cout)
        self.down = cin != cout
        if self.down:
            self.down_conv = M.Conv2d(cin, cout, 1, stride=stride, bias=False)
            self.down_bn = M.BatchNorm2d(cout)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = self.down_bn(self.down_conv(x)) if self.down else x
        return F.relu(out + shortcut)


class ResNet(M.Module):
    def __init__(self, in_channels, widths, classes):
        super().__init__()
        w0, w1, w2 = widths
        self.conv1 = M.Conv2d(in_channels, w0, 3, padding=1, bias=False)
        self.bn1 = M.BatchNorm2d(w0)
        self.layer1 = BasicBlock(w0, w0, 1)
        self.layer2 = BasicBlock(w0, w1, 2)
        self.layer3 = BasicBlock(w1, w2, 2)
        self.fc = M.Linear(w2, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(F.mean(x, axis=(2, 3)))


def build_model(config):
    return ResNet(**config)


def build_trainer(model, lr, mode="eager"):
    gm = GradManager().attach(model.parameters())
    optimizer = optim.SGD(model.parameters(), lr=lr)

    def train_step(x, y):
        model.train()
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
        model.eval()
        return model(x)

    return jit.trace(predict, symbolic=True) if mode == "compiled" else predict
