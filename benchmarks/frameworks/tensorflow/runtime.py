from __future__ import annotations

import numpy as np

from benchmarks.frameworks.runtime import Runtime


class TensorFlowRuntime(Runtime):
    module = "tensorflow"

    def thread_env(self, threads: int):
        return dict(super().thread_env(threads), TF_CPP_MIN_LOG_LEVEL="2")

    def configure(self, threads: int) -> None:
        # Only effective before the first op runs.
        self.fw.config.threading.set_intra_op_parallelism_threads(threads)
        self.fw.config.threading.set_inter_op_parallelism_threads(threads)

    def kernel_build(self):
        """Whether TensorFlow's oneDNN kernels are on (its own check; TF_ENABLE_ONEDNN_OPTS turns them off)."""
        from tensorflow.python.util import _pywrap_util_port

        return [f"oneDNN {'on' if _pywrap_util_port.IsMklEnabled() else 'off'}"]

    def tensor(self, array: np.ndarray):
        return self.fw.constant(array)

    def named_parameters(self, model):
        out = {}
        for layer in model.layers:
            for w in layer.trainable_weights:
                # [model/]layer[/sub-layer]/weight, e.g. MHA's .../query/kernel; Keras 2 (TF < 2.16) has no
                # .path, its .name is the same path with ":0"
                parts = (getattr(w, "path", None) or w.name.split(":")[0]).split("/")
                start = parts.index(layer.name) + 1 if layer.name in parts else len(parts) - 1
                inner = [part for part in parts[start:-1] if part != "lstm_cell"]  # LSTM weights sit in its cell
                out[".".join([layer.name, *inner, self.layout.param_names.get(parts[-1], parts[-1])])] = w
        return out

    def assign(self, model, name, param, array) -> None:
        param.assign(array)
