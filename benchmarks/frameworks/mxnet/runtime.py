from __future__ import annotations

import numpy as np

from benchmarks.frameworks.runtime import Runtime


class MXNetRuntime(Runtime):
    module = "mxnet"
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
        return {self.layout.rename(name): p for name, p in params.items() if p.grad_req != "null"}

    def assign(self, model, name, param, array) -> None:
        param.set_data(self.fw.nd.array(array))
