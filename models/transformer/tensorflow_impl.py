import keras
import tensorflow as tf
from keras import layers


def encoder_layer(x, d_model, heads, ffn, name):
    attention = layers.MultiHeadAttention(heads, d_model // heads, name=f"{name}.self_attn")(x, x)
    x = layers.LayerNormalization(epsilon=1e-5, name=f"{name}.norm1")(x + attention)
    h = layers.Dense(ffn, activation="relu", name=f"{name}.linear1")(x)
    h = layers.Dense(d_model, name=f"{name}.linear2")(h)
    return layers.LayerNormalization(epsilon=1e-5, name=f"{name}.norm2")(x + h)


def build_model(config):
    inputs = keras.Input(shape=(None, config["d_model"]))
    x = inputs
    for n in range(config["layers"]):
        x = encoder_layer(x, config["d_model"], config["heads"], config["ffn"], f"encoder.layers.{n}")
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(config["classes"], name="fc")(x))


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
