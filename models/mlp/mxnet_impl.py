from mxnet import autograd, gluon
from mxnet.gluon import nn


class MLP(nn.HybridBlock):
    def __init__(self, n_in, n_hidden, n_out, **kwargs):
        super().__init__(**kwargs)
        self.fc1 = nn.Dense(n_hidden, in_units=n_in, activation="relu")
        self.fc2 = nn.Dense(n_out, in_units=n_hidden)

    def hybrid_forward(self, F, x):
        return self.fc2(self.fc1(x))


def build_model(config):
    model = MLP(**config)
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
