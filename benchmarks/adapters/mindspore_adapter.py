from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class MindSporeAdapter(Adapter):
    key, display, order, package = "mindspore", "MindSpore", 5, "mindspore"
    install_notes = ("numpy<2 (numpy 2 breaks its PyNative mode)",)
    api_packages = ("mindspore",)
    modes = {"eager": "PyNative", "compiled": "ms.jit (graph compilation)"}
    dense_layout = "out_in"
    # OMP_NUM_THREADS is ignored; the worker's CPU affinity is what holds it to its cores.

    def thread_env(self, threads: int):
        return dict(super().thread_env(threads), GLOG_v="3")

    def load(self, threads: int):
        import mindspore as ms

        ms.set_context(mode=ms.PYNATIVE_MODE)
        ms.set_device("CPU")
        self.ms = ms
        return ms

    def version(self) -> str:
        return self.ms.__version__

    def tensor(self, array: np.ndarray):
        return self.ms.Tensor(array)

    def labels(self, array: np.ndarray):
        return self.ms.Tensor(array.astype(np.int32))

    def to_numpy(self, value) -> np.ndarray:
        return value.asnumpy()

    def named_parameters(self, model):
        names = {"gamma": "weight", "beta": "bias"}  # BatchNorm's and LayerNorm's scale and shift
        out = {}
        for name, p in model.parameters_and_names():
            if p.requires_grad:  # its TransformerEncoderLayer names the feed-forward layers dense1/2
                name = name.replace(".dense1.", ".linear1.").replace(".dense2.", ".linear2.")
                out[self.rename(name, names)] = p
        return out

    def assign(self, model, name, param, array) -> None:
        param.set_data(self.ms.Tensor(array))


ADAPTER = MindSporeAdapter()
