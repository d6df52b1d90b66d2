import megengine.functional as F
import megengine.module as M
import megengine.optimizer as optim
from megengine import jit
from megengine.autodiff import GradManager


class EncoderLayer(M.Module):
    def __init__(self, d_model, heads, ffn):
        super().__init__()
        self.self_attn = M.MultiHeadAttention(d_model, heads)
        self.norm1 = M.LayerNorm(d_model, eps=1e-5)
        self.linear1 = M.Linear(d_model, ffn)
        self.linear2 = M.Linear(ffn, d_model)
        self.norm2 = M.LayerNorm(d_model, eps=1e-5)

    def forward(self, x):
        x = self.norm1(x + self.self_attn(x, x, x)[0])
        return self.norm2(x + self.linear2(F.relu(self.linear1(x))))


class Encoder(M.Module):
    def __init__(self, d_model, heads, ffn, layers):
        super().__init__()
        self.layers = [EncoderLayer(d_model, heads, ffn) for _ in range(layers)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class TransformerClassifier(M.Module):
    def __init__(self, d_model, heads, ffn, layers, classes):
        super().__init__()
        self.encoder = Encoder(d_model, heads, ffn, layers)
        self.fc = M.Linear(d_model, classes)

    def forward(self, x):
        return self.fc(F.mean(self.encoder(x), axis=1))


def build_model(config):
    return TransformerClassifier(**config)


def build_trainer(model, lr, mode="eager"):
    gm = GradManager().attach(model.parameters())
    optimizer = optim.SGD(model.parameters(), lr=lr)

    def train_step(x, y):
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
        return model(x)

    return jit.trace(predict, symbolic=True) if mode == "compiled" else predict
