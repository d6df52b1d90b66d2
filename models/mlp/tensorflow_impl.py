import keras
import tensorflow as tf
from keras import layers


def build_model(config):
    return keras.Sequential([
        keras.Input(shape=(config["n_in"],)),
        layers.Dense(config["n_hidden"], activation="relu", name="fc1"),
        layers.Dense(config["n_out"], name="fc2"),
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
