"""TensorFlow with Keras 3."""
from benchmarks.frameworks.framework import Framework
from benchmarks.frameworks.install import Install
from benchmarks.frameworks.layout import WeightLayout
from benchmarks.frameworks.tensorflow.runtime import TensorFlowRuntime

FRAMEWORK = Framework(
    "tensorflow", "TensorFlow", 1, TensorFlowRuntime,
    Install("tensorflow-cpu", worker_env={"KERAS_HOME": "{cache}/keras"}),
    WeightLayout(dense_layout="in_out", image_layout="NHWC",
                 param_names={"kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias"},
                 lstm="keras", attention="keras"),
    api_packages=("tensorflow", "keras"),
    modes={"eager": "Keras run_eagerly=True (a debugging mode)", "compiled": "tf.function (Keras default graph)",
           "xla": "tf.function + XLA (jit_compile=True)"},
    default_mode="compiled",
    default_mode_source="Keras Model.compile: run_eagerly defaults to False (a tf.function graph) and "
                        "jit_compile='auto' resolves to False without an accelerator "
                        "(keras/src/trainers/trainer.py, _resolve_auto_jit_compile) "
                        "https://keras.io/api/models/model_training_apis/",
    concepts={"Model base class": ("keras.Sequential",), "Dense layer": ("keras.layers.Dense",),
              "Convolution": ("keras.layers.Conv2D",),
              "Pooling": ("keras.layers.MaxPooling2D", "keras.layers.GlobalAveragePooling1D",
                          "keras.layers.GlobalAveragePooling2D"),
              "Batch norm": ("keras.layers.BatchNormalization",), "LSTM": ("keras.layers.LSTM",),
              "Attention (or a whole encoder layer)": ("keras.layers.MultiHeadAttention",),
              "Cross-entropy loss": ("keras.losses.SparseCategoricalCrossentropy",),
              "SGD optimizer": ("keras.optimizers.SGD",), "Backward and update": (".train_on_batch",),
              "Compile / trace": (".compile", "tensorflow.function")})
