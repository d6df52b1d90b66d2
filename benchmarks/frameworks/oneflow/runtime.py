from __future__ import annotations

import numpy as np

from benchmarks.frameworks.runtime import Runtime


class OneFlowRuntime(Runtime):
    module = "oneflow"

    def configure(self, threads: int) -> None:
        self.fw.set_num_threads(threads)

    def tensor(self, array: np.ndarray):
        return self.fw.tensor(array)

    def assign(self, model, name, param, array) -> None:
        with self.fw.no_grad():
            param.copy_(self.fw.tensor(array))
