import jax
import optax
from flax import nnx


class BasicBlock(nnx.Module):
    def __init__(self, cin, cout, stride, rngs):
        pad = ((1, 1), (1, 1))
        self.conv1 = nnx.Conv(cin, cout, (3, 3), strides=stride, padding=pad, use_bias=False, rngs=rngs)
        self.bn1 = nnx.BatchNorm(cout, momentum=0.9, epsilon=1e-5, rngs=rngs)
        self.conv2 = nnx.Conv(cout, cout, (3, 3), padding=pad, use_bias=False, rngs=rngs)
        self.bn2 = nnx.BatchNorm(cout, momentum=0.9, epsilon=1e-5, rngs=rngs)
        self.down = cin != cout
        if self.down:
            self.down_conv = nnx.Conv(cin, cout, (1, 1), strides=stride, use_bias=False, rngs=rngs)
            self.down_bn = nnx.BatchNorm(cout, momentum=0.9, epsilon=1e-5, rngs=rngs)

    def __call__(self, x):
        out = jax.nn.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = self.down_bn(self.down_conv(x)) if self.down else x
        return jax.nn.relu(out + shortcut)


class ResNet(nnx.Module):
    def __init__(self, in_channels, widths, classes, rngs):
        w0, w1, w2 = widths
        self.conv1 = nnx.Conv(in_channels, w0, (3, 3), padding=((1, 1), (1, 1)), use_bias=False, rngs=rngs)
        self.bn1 = nnx.BatchNorm(w0, momentum=0.9, epsilon=1e-5, rngs=rngs)
        self.layer1 = BasicBlock(w0, w0, 1, rngs)
        self.layer2 = BasicBlock(w0, w1, 2, rngs)
        self.layer3 = BasicBlock(w1, w2, 2, rngs)
        self.fc = nnx.Linear(w2, classes, rngs=rngs)

    def __call__(self, x):
        x = jax.nn.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean(axis=(1, 2)))


def build_model(config):
    return ResNet(**config, rngs=nnx.Rngs(0))


def loss_fn(model, x, y):
    logits = model(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def build_trainer(model, lr, mode="eager"):
    optimizer = nnx.Optimizer(model, optax.sgd(lr), wrt=nnx.Param)

    def train_step(model, optimizer, x, y):
        loss, grads = nnx.value_and_grad(loss_fn)(model, x, y)
        optimizer.update(model, grads)
        return loss

    if mode == "compiled":
        train_step = nnx.jit(train_step)

    def step(x, y):
        model.train()
        return float(train_step(model, optimizer, x, y))

    return step


def build_predictor(model, mode="eager"):
    def predict(model, x):
        return model(x)

    if mode == "compiled":
        predict = nnx.jit(predict)

    def run(x):
        model.eval()
        return predict(model, x)

    return run
