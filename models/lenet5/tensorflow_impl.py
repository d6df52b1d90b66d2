import keras
import tensorflow as tf
from keras import layers


def build_model(config):
    c1, c2 = config["channels"]
    k, pad = config["kernel"], "same" if config["padding"] else "valid"
    return keras.Sequential([
        keras.Input(shape=(config["hw"], config["hw"], config["in_channels"])),
        layers.Conv2D(c1, k, padding=pad, activation="relu", name="conv1"),
        layers.MaxPooling2D(2),
        layers.Conv2D(c2, k, padding=pad, activation="relu", name="conv2"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(config["hidden"][0], activation="relu", name="fc1"),
        layers.Dense(config["hidden"][1], activation="relu", name="fc2"),
        layers.Dense(config["classes"], name="fc3"),
    ])


def build_trainer(model, lr, mode="eager"):
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        run_eagerly=mode == "eager",
        jit_compile=mode == "xla",
    )

    def train_step(x, y):
        return float(model.train_on_batch(x, y))

    return train_step


def build_predictor(model, mode="eager"):
    def predict(x):
        return model(x, training=False)

    if mode == "eager":
        return predict
    return tf.function(predict, jit_compile=mode == "xla")
