from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class MindSporeAdapter(Adapter):
    key, display, order = "mindspore", "MindSpore", 5
    module = "mindspore"
    api_packages = ("mindspore",)
    modes = {"eager": "PyNative", "compiled": "ms.jit (graph compilation)"}
    dense_layout = "out_in"
    # OMP_NUM_THREADS is ignored; the worker's CPU affinity is what holds it to its cores.

    def thread_env(self, threads: int):
        return dict(super().thread_env(threads), GLOG_v="3")

    def configure(self, threads: int) -> None:
        self.fw.set_context(mode=self.fw.PYNATIVE_MODE)
        self.fw.set_device("CPU")

    def tensor(self, array: np.ndarray):
        return self.fw.Tensor(array)

    def labels(self, array: np.ndarray):
        return self.fw.Tensor(array.astype(np.int32))

    def to_numpy(self, value) -> np.ndarray:
        return value.asnumpy()

    def named_parameters(self, model):
        names = {"gamma": "weight", "beta": "bias"}  # BatchNorm's and LayerNorm's scale and shift
        out = {}
        for name, p in model.parameters_and_names():
            if p.requires_grad:
                out[self.rename(name, names)] = p
        return out

    def assign(self, model, name, param, array) -> None:
        param.set_data(self.fw.Tensor(array))


ADAPTER = MindSporeAdapter()
