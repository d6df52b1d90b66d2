import paddle
from paddle import nn


class LSTMClassifier(nn.Layer):
    def __init__(self, features, hidden, classes):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


def build_model(config):
    return LSTMClassifier(**config)


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
