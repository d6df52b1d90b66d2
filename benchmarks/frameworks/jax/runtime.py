from __future__ import annotations

import numpy as np

from benchmarks.frameworks.runtime import Runtime


class JaxRuntime(Runtime):
    module = "jax"
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
            out[".".join(map(str, path[:-1])) + "." + self.layout.param_names[path[-1]]] = variable
        return out

    def assign(self, model, name, param, array) -> None:
        param.value = self.tensor(array)
