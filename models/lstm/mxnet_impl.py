from mxnet import autograd, gluon
from mxnet.gluon import nn, rnn


class LSTMClassifier(nn.HybridBlock):
    def __init__(self, features, hidden, classes, **kwargs):
        super().__init__(**kwargs)
        self.lstm = rnn.LSTM(hidden, layout="NTC", input_size=features)
        self.fc = nn.Dense(classes, in_units=hidden)

    def hybrid_forward(self, F, x):
        out = self.lstm(x)
        return self.fc(F.squeeze(F.slice_axis(out, axis=1, begin=-1, end=None), axis=1))


def build_model(config):
    model = LSTMClassifier(**config)
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
