from mxnet import autograd, gluon
from mxnet.gluon import nn


class LeNet5(nn.HybridBlock):
    def __init__(self, in_channels, hw, kernel, padding, channels, hidden, classes, **kwargs):
        super().__init__(**kwargs)
        c1, c2 = channels
        flat_hw = ((hw + 2 * padding - kernel + 1) // 2 + 2 * padding - kernel + 1) // 2
        self.conv1 = nn.Conv2D(c1, kernel, padding=padding, in_channels=in_channels, activation="relu")
        self.conv2 = nn.Conv2D(c2, kernel, padding=padding, in_channels=c1, activation="relu")
        self.pool = nn.MaxPool2D(2)
        self.fc1 = nn.Dense(hidden[0], in_units=c2 * flat_hw * flat_hw, activation="relu")
        self.fc2 = nn.Dense(hidden[1], in_units=hidden[0], activation="relu")
        self.fc3 = nn.Dense(classes, in_units=hidden[1])

    def hybrid_forward(self, F, x):
        x = self.pool(self.conv1(x))
        x = self.pool(self.conv2(x))
        return self.fc3(self.fc2(self.fc1(F.flatten(x))))


def build_model(config):
    model = LeNet5(**config)
    model.initialize()
    return model


def build_trainer(model, lr, mode="eager"):
    if mode == "compiled":
        model.hybridize()
    trainer = gluon.Trainer(model.collect_params(), "sgd", {"learning_rate": lr})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    def train_step(x, y):
        with autograd.record():
            loss = loss_fn(model(x), y)
        loss.backward()
        trainer.step(x.shape[0])
        return loss.mean().asscalar()

    return train_step


def build_predictor(model, mode="eager"):
    if mode == "compiled":
        model.hybridize()
    return model
