from __future__ import annotations

import numpy as np

from benchmarks.frameworks.runtime import Runtime


class MegEngineRuntime(Runtime):
    module = "megengine"

    def configure(self, threads: int) -> None:
        self.fw.set_default_device("cpu0" if threads == 1 else f"multithread{threads}:0")

    def tensor(self, array: np.ndarray):
        return self.fw.tensor(array)

    def named_parameters(self, model):
        return dict(model.named_parameters())

    def assign(self, model, name, param, array) -> None:
        param._reset(self.fw.Parameter(array))
