import keras
import tensorflow as tf
from keras import layers


def conv_bn(x, filters, kernel, stride, conv_name, bn_name):
    if stride > 1 and kernel > 1:  # "same" pads asymmetrically at stride 2: pad 1 on every side instead
        x = layers.ZeroPadding2D(kernel // 2)(x)
    padding = "same" if stride == 1 else "valid"
    x = layers.Conv2D(filters, kernel, strides=stride, padding=padding, use_bias=False, name=conv_name)(x)
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=bn_name)(x)


def basic_block(x, cin, cout, stride, name):
    out = layers.ReLU()(conv_bn(x, cout, 3, stride, f"{name}.conv1", f"{name}.bn1"))
    out = conv_bn(out, cout, 3, 1, f"{name}.conv2", f"{name}.bn2")
    if cin != cout:
        x = conv_bn(x, cout, 1, stride, f"{name}.down_conv", f"{name}.down_bn")
    return layers.ReLU()(layers.Add()([out, x]))


def build_model(config):
    w0, w1, w2 = config["widths"]
    inputs = keras.Input(shape=(32, 32, config["in_channels"]))
    x = layers.ReLU()(conv_bn(inputs, w0, 3, 1, "conv1", "bn1"))
    x = basic_block(x, w0, w0, 1, "layer1")
    x = basic_block(x, w0, w1, 2, "layer2")
    x = basic_block(x, w1, w2, 2, "layer3")
    x = layers.GlobalAveragePooling2D()(x)
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
