from mxnet import autograd, gluon
from mxnet.gluon import nn


class BasicBlock(nn.HybridBlock):
    def __init__(self, cin, cout, stride, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = nn.Conv2D(cout, 3, strides=stride, padding=1, use_bias=False, in_channels=cin)
        self.bn1 = nn.BatchNorm(in_channels=cout)
        self.conv2 = nn.Conv2D(cout, 3, padding=1, use_bias=False, in_channels=cout)
        self.bn2 = nn.BatchNorm(in_channels=cout)
        self.down = cin != cout
        if self.down:
            self.down_conv = nn.Conv2D(cout, 1, strides=stride, use_bias=False, in_channels=cin)
            self.down_bn = nn.BatchNorm(in_channels=cout)

    def hybrid_forward(self, F, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = self.down_bn(self.down_conv(x)) if self.down else x
        return F.relu(out + shortcut)


class ResNet(nn.HybridBlock):
    def __init__(self, in_channels, widths, classes, **kwargs):
        super().__init__(**kwargs)
        w0, w1, w2 = widths
        self.conv1 = nn.Conv2D(w0, 3, padding=1, use_bias=False, in_channels=in_channels)
        self.bn1 = nn.BatchNorm(in_channels=w0)
        self.layer1 = BasicBlock(w0, w0, 1)
        self.layer2 = BasicBlock(w0, w1, 2)
        self.layer3 = BasicBlock(w1, w2, 2)
        self.pool = nn.GlobalAvgPool2D()
        self.fc = nn.Dense(classes, in_units=w2)

    def hybrid_forward(self, F, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(F.flatten(self.pool(x)))


def build_model(config):
    model = ResNet(**config)
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
