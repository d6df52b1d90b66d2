from __future__ import annotations

import numpy as np

from benchmarks.frameworks.runtime import Runtime


class PaddleRuntime(Runtime):
    module = "paddle"

    def configure(self, threads: int) -> None:
        self.fw.set_device("cpu")
        self.fw.base.core.set_num_threads(threads)

    def kernel_build(self):
        """paddle.version says whether the build links MKL (and with it oneDNN)."""
        return [f"MKL {self.fw.version.mkl()}"]

    def tensor(self, array: np.ndarray):
        return self.fw.to_tensor(array)

    def named_parameters(self, model):
        return {name: p for name, p in model.named_parameters() if not p.stop_gradient}

    def assign(self, model, name, param, array) -> None:
        param.set_value(array)
