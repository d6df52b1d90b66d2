from __future__ import annotations

import numpy as np

from benchmarks.frameworks.runtime import Runtime


class TorchRuntime(Runtime):
    module = "torch"

    def configure(self, threads: int) -> None:
        self.fw.set_num_threads(threads)
        self.fw.set_num_interop_threads(threads)

    def kernel_build(self):
        """From torch.__config__.show(): the MKL and oneDNN (MKL-DNN) versions and the CPU kernels chosen."""
        lines = [line.strip(" -") for line in self.fw.__config__.show().splitlines()]
        return [line.split("-Product")[0].split(" (Git")[0].strip() for line in lines if line.startswith(("Intel(R) oneAPI Math", "Intel(R) MKL-DNN", "CPU capability"))]

    def tensor(self, array: np.ndarray):
        return self.fw.from_numpy(np.ascontiguousarray(array))

    def to_numpy(self, value) -> np.ndarray:
        return value.detach().numpy()

    def assign(self, model, name, param, array) -> None:
        with self.fw.no_grad():
            param.copy_(self.fw.from_numpy(array))
