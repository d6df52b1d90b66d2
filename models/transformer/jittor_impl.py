import jittor as jt
from jittor import nn
from jittor.attention import MultiheadAttention


class EncoderLayer(nn.Module):
    def __init__(self, d_model, heads, ffn):
        self.self_attn = MultiheadAttention(d_model, heads, batch_first=True)
        self.norm1 = nn.LayerNorm(d_model, eps=1e-5)
        self.linear1 = nn.Linear(d_model, ffn)
        self.linear2 = nn.Linear(ffn, d_model)
        self.norm2 = nn.LayerNorm(d_model, eps=1e-5)

    def execute(self, x):
        x = self.norm1(x + self.self_attn(x, x, x, need_weights=False)[0])
        return self.norm2(x + self.linear2(nn.relu(self.linear1(x))))


class Encoder(nn.Module):
    def __init__(self, d_model, heads, ffn, layers):
        self.layers = nn.ModuleList([EncoderLayer(d_model, heads, ffn) for _ in range(layers)])

    def execute(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class TransformerClassifier(nn.Module):
    def __init__(self, d_model, heads, ffn, layers, classes):
        self.encoder = Encoder(d_model, heads, ffn, layers)
        self.fc = nn.Linear(d_model, classes)

    def execute(self, x):
        return self.fc(self.encoder(x).mean(dim=1))


def build_model(config):
    return TransformerClassifier(**config)


def build_trainer(model, lr, mode="eager"):
    optimizer = nn.SGD(model.parameters(), lr)

    def train_step(x, y):
        loss = nn.cross_entropy_loss(model(x), y)
        optimizer.step(loss)
        return loss.item()

    return train_step


def build_predictor(model, mode="eager"):
    def predict(x):
        with jt.no_grad():
            return model(x)

    return predict
