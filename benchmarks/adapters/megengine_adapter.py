from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class MegEngineAdapter(Adapter):
    key, display, order = "megengine", "MegEngine", 8
    module = "megengine"
    api_packages = ("megengine",)
    modes = {"eager": "imperative", "compiled": "jit.trace(symbolic=True)"}
    dense_layout = "out_in"

    def configure(self, threads: int) -> None:
        self.fw.set_default_device("cpu0" if threads == 1 else f"multithread{threads}:0")

    def tensor(self, array: np.ndarray):
        return self.fw.tensor(array)

    def labels(self, array: np.ndarray):
        return self.fw.tensor(array.astype(np.int32))

    def named_parameters(self, model):
        return dict(model.named_parameters())

    def assign(self, model, name, param, array) -> None:
        param._reset(self.fw.Parameter(array))


ADAPTER = MegEngineAdapter()
