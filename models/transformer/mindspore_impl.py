import mindspore as ms
from mindspore import nn, ops


class TransformerClassifier(nn.Cell):
    def __init__(self, d_model, heads, ffn, layers, classes):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, heads, ffn, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.fc = nn.Dense(d_model, classes)

    def construct(self, x):
        return self.fc(ops.mean(self.encoder(x), axis=1))


def build_model(config):
    return TransformerClassifier(**config)


def build_trainer(model, lr, mode="eager"):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.SGD(model.trainable_params(), learning_rate=lr)

    def forward_fn(x, y):
        return loss_fn(model(x), y)

    grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters)

    def train_step(x, y):
        loss, grads = grad_fn(x, y)
        optimizer(grads)
        return loss

    if mode == "compiled":
        train_step = ms.jit(train_step)
    return lambda x, y: train_step(x, y).asnumpy().item()


def build_predictor(model, mode="eager"):
    def predict(x):
        return model(x)

    return ms.jit(predict) if mode == "compiled" else predict
