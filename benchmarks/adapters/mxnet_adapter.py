from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class MXNetAdapter(Adapter):
    key, display, order = "mxnet", "MXNet", 3
    module = "mxnet"
    api_packages = ("mxnet",)
    modes = {"eager": "Gluon imperative", "compiled": "hybridize() (cached symbolic graph)"}
    default_mode_source = ("MXNet 1.9 Gluon crash course: imperative training; hybridize() is an optional later step "
                           "https://mxnet.apache.org/versions/1.9.1/api/python/docs/tutorials/getting-started/crash-course/index.html")
    dense_layout = "out_in"
    param_names = {"gamma": "weight", "beta": "bias"}  # BatchNorm's scale and shift
    # Stock threaded engine: pinned to one core it ran as fast as NaiveEngine (2.06 vs 2.15 ms/step).

    def thread_env(self, threads: int):
        return dict(super().thread_env(threads), MXNET_CPU_WORKER_NTHREADS=str(threads))

    def kernel_build(self):
        """The build features MXNet reports (mxnet.runtime.Features): BLAS flavour, MKLDNN (oneDNN)."""
        features = self.fw.runtime.Features()
        return [f for f in features if features.is_enabled(f) and (f.startswith("BLAS") or "MKL" in f)]

    def tensor(self, array: np.ndarray):
        return self.fw.nd.array(array, dtype=array.dtype)

    def to_numpy(self, value) -> np.ndarray:
        return value.asnumpy()

    def named_parameters(self, model):
        params = model._collect_params_with_prefix()  # the structured names save_parameters uses
        return {self.rename(name): p for name, p in params.items() if p.grad_req != "null"}

    def assign(self, model, name, param, array) -> None:
        param.set_data(self.fw.nd.array(array))


ADAPTER = MXNetAdapter()
