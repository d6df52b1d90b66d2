import paddle
from paddle import nn


class TransformerClassifier(nn.Layer):
    def __init__(self, d_model, heads, ffn, layers, classes):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, heads, ffn, dropout=0.0)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.fc = nn.Linear(d_model, classes)

    def forward(self, x):
        return self.fc(self.encoder(x).mean(axis=1))


def build_model(config):
    return TransformerClassifier(**config)


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
