from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class MXNetAdapter(Adapter):
    key, display, order, package = "mxnet", "MXNet", 3, "mxnet"
    dense_layout = "out_in"
    deviations = ("MXNet runs with MXNET_ENGINE_TYPE=NaiveEngine (synchronous); its default threaded "
                  "engine oversubscribed the cores and ran slower at a fixed thread count.",)

    def thread_env(self, threads: int):
        return dict(super().thread_env(threads), MXNET_ENGINE_TYPE="NaiveEngine",
                    MXNET_CPU_WORKER_NTHREADS=str(threads))

    def load(self, threads: int):
        import mxnet as mx

        self.mx = mx
        return mx

    def version(self) -> str:
        return self.mx.__version__

    def tensor(self, array: np.ndarray):
        return self.mx.nd.array(array, dtype=array.dtype)

    def to_numpy(self, value) -> np.ndarray:
        return value.asnumpy()

    def named_parameters(self, model):
        return model._collect_params_with_prefix()  # the structured names save_parameters uses

    def assign(self, model, name, param, array) -> None:
        param.set_data(self.mx.nd.array(array))


ADAPTER = MXNetAdapter()
