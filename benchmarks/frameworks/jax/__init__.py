"""JAX with Flax NNX and Optax."""
from benchmarks.frameworks.framework import Framework
from benchmarks.frameworks.install import Install
from benchmarks.frameworks.jax.runtime import JaxRuntime
from benchmarks.frameworks.layout import WeightLayout

FRAMEWORK = Framework(
    "jax", "JAX", 2, JaxRuntime,
    Install("jaxlib"),  # the binary part; jax itself is pure Python
    WeightLayout(dense_layout="in_out", image_layout="NHWC", param_names={"kernel": "weight", "bias": "bias", "scale": "weight"},
                 lstm="flax", attention="flax"),
    api_packages=("jax", "flax", "optax"),
    modes={"eager": "no jit (op-by-op dispatch, a debugging mode)", "compiled": "nnx.jit (XLA)"},
    default_mode="compiled",
    default_mode_source="Flax NNX MNIST tutorial: the train step is wrapped in nnx.jit "
                        "https://flax.readthedocs.io/en/latest/mnist_tutorial.html",
    concepts={"Model base class": ("flax.nnx.Module",), "Dense layer": ("flax.nnx.Linear",),
              "Convolution": ("flax.nnx.Conv",), "Pooling": ("flax.nnx.max_pool",),
              "Batch norm": ("flax.nnx.BatchNorm",), "LSTM": ("flax.nnx.RNN", "flax.nnx.LSTMCell"),
              "Attention (or a whole encoder layer)": ("flax.nnx.MultiHeadAttention",),
              "Cross-entropy loss": ("optax.softmax_cross_entropy_with_integer_labels",),
              "SGD optimizer": ("optax.sgd",), "Backward and update": ("flax.nnx.value_and_grad", ".update"),
              "Compile / trace": ("flax.nnx.jit",)})
