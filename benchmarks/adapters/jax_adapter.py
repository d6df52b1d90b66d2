from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class JaxAdapter(Adapter):
    key, display, order = "jax", "JAX", 2
    module = "jax"
    api_packages = ("jax", "flax", "optax")
    modes = {"eager": "no jit (op-by-op dispatch, a debugging mode)", "compiled": "nnx.jit (XLA)"}
    default_mode = "compiled"
    default_mode_source = "Flax NNX MNIST tutorial: the train step is wrapped in nnx.jit https://flax.readthedocs.io/en/latest/mnist_tutorial.html"
    dense_layout = "in_out"
    image_layout = "NHWC"
    param_names = {"kernel": "weight", "bias": "bias", "scale": "weight"}
    # XLA's CPU thread flags do not cap its pools; the worker's CPU affinity does.

    def configure(self, threads: int) -> None:
        self.fw.config.update("jax_platforms", "cpu")
        import jax.numpy  # noqa: F401  (self.fw.numpy)

    def version(self) -> str:
        import flax

        return f"{self.fw.__version__} (flax {flax.__version__})"

    def tensor(self, array: np.ndarray):
        return self.fw.numpy.asarray(array)

    def to_numpy(self, value) -> np.ndarray:
        return np.asarray(value)

    def named_parameters(self, model):
        from flax import nnx

        state = nnx.state(model, nnx.Param)
        flat = nnx.to_flat_state(state) if hasattr(nnx, "to_flat_state") else state.flat_state().items()  # flax < 0.11
        out = {}
        for path, _ in flat:
            variable = model
            for part in path:
                variable = variable[part] if isinstance(part, int) else getattr(variable, part)
            out[".".join(map(str, path[:-1])) + "." + self.param_names[path[-1]]] = variable
        return out

    def assign(self, model, name, param, array) -> None:
        param.value = self.tensor(array)


ADAPTER = JaxAdapter()
