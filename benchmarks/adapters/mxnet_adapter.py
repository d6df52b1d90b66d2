from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class MXNetAdapter(Adapter):
    key, display, order, package = "mxnet", "MXNet", 3, "mxnet"
    module = "mxnet"
    mha_layout = "separate"
    install_notes = ("numpy<1.24 (MXNet 1.9.1 uses np.bool, removed in numpy 1.24)",)
    api_packages = ("mxnet",)
    modes = {"eager": "Gluon imperative", "compiled": "hybridize() (cached symbolic graph)"}
    dense_layout = "out_in"
    # Stock threaded engine: pinned to one core it ran as fast as NaiveEngine (2.06 vs 2.15 ms/step).

    def thread_env(self, threads: int):
        return dict(super().thread_env(threads), MXNET_CPU_WORKER_NTHREADS=str(threads))

    def tensor(self, array: np.ndarray):
        return self.fw.nd.array(array, dtype=array.dtype)

    def to_numpy(self, value) -> np.ndarray:
        return value.asnumpy()

    def named_parameters(self, model):
        names = {"gamma": "weight", "beta": "bias"}  # BatchNorm's scale and shift
        params = model._collect_params_with_prefix()  # the structured names save_parameters uses
        return {self.rename(name, names): p for name, p in params.items() if p.grad_req != "null"}

    def lstm_params(self, prefix, w_ih, w_hh, bias):
        # Gluon's LSTM shares its fused weights with per-layer cells named _unfused.<layer>;
        # gates i, f, c, o = canonical order; weights [4H, in]; two biases.
        cell = f"{prefix}._unfused.0"
        return {f"{cell}.i2h_weight": w_ih.T, f"{cell}.h2h_weight": w_hh.T,
                f"{cell}.i2h_bias": bias, f"{cell}.h2h_bias": np.zeros_like(bias)}

    def assign(self, model, name, param, array) -> None:
        param.set_data(self.fw.nd.array(array))


ADAPTER = MXNetAdapter()
