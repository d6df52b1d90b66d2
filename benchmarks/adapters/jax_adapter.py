from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class JaxAdapter(Adapter):
    key, display, order, package = "jax", "JAX", 2, "jax"
    module = "jax"
    mha_layout = "per_head"
    mha_names = ("query", "key", "value", "out")
    registry_package = "jaxlib"  # the binary part; jax itself is pure Python
    install_notes = ()
    api_packages = ("jax", "flax", "optax")
    modes = {"eager": "no jit (op-by-op dispatch)", "compiled": "nnx.jit (XLA)"}
    dense_layout = "in_out"
    image_layout = "NHWC"
    lstm_biases = 1
    # XLA's CPU thread flags do not cap its pools; the worker's CPU affinity does.

    def configure(self, threads: int) -> None:
        self.fw.config.update("jax_platforms", "cpu")
        import jax.numpy as jnp

        self.jnp = jnp

    def version(self) -> str:
        import flax

        return f"{self.fw.__version__} (flax {flax.__version__})"

    def tensor(self, array: np.ndarray):
        return self.jnp.asarray(array)

    def to_numpy(self, value) -> np.ndarray:
        return np.asarray(value)

    def named_parameters(self, model):
        from flax import nnx

        names = {"kernel": "weight", "bias": "bias", "scale": "weight"}
        out = {}
        for path, _ in nnx.to_flat_state(nnx.state(model, nnx.Param)):
            variable = model
            for part in path:
                variable = variable[part] if isinstance(part, int) else getattr(variable, part)
            out[".".join(map(str, path[:-1])) + "." + names[path[-1]]] = variable
        return out

    def lstm_params(self, prefix, w_ih, w_hh, bias):
        # flax nnx.LSTMCell (wrapped in nnx.RNN as `.cell`): one dense layer per gate; the input
        # side (ii, if_, ig, io) has no bias, the hidden side (hi, hf, hg, ho) has it.
        hidden = w_hh.shape[0]
        out = {}
        for k, gate in enumerate("ifgo"):
            cols = slice(k * hidden, (k + 1) * hidden)
            input_name = "if_" if gate == "f" else f"i{gate}"
            out[f"{prefix}.cell.{input_name}.weight"] = w_ih[:, cols]
            out[f"{prefix}.cell.h{gate}.weight"] = w_hh[:, cols]
            out[f"{prefix}.cell.h{gate}.bias"] = bias[cols]
        return out

    def assign(self, model, name, param, array) -> None:
        param.value = self.jnp.asarray(array)


ADAPTER = JaxAdapter()
