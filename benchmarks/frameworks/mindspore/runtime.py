from __future__ import annotations

import numpy as np

from benchmarks.frameworks.runtime import Runtime


class MindSporeRuntime(Runtime):
    module = "mindspore"
    # OMP_NUM_THREADS is ignored; the worker's CPU affinity is what holds it to its cores.

    def thread_env(self, threads: int):
        return dict(super().thread_env(threads), GLOG_v="3")

    def configure(self, threads: int) -> None:
        self.fw.set_context(mode=self.fw.PYNATIVE_MODE)
        if hasattr(self.fw, "set_device"):
            self.fw.set_device("CPU")
        else:  # before 2.3: the device is a context setting
            self.fw.set_context(device_target="CPU")

    def tensor(self, array: np.ndarray):
        return self.fw.Tensor(array)

    def to_numpy(self, value) -> np.ndarray:
        return value.asnumpy()

    def named_parameters(self, model):
        out = {}
        for name, p in model.parameters_and_names():
            if p.requires_grad:
                out[self.layout.rename(name)] = p
        return out

    def assign(self, model, name, param, array) -> None:
        param.set_data(self.fw.Tensor(array))
