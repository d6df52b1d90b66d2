from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class MegEngineAdapter(Adapter):
    key, display, order, package = "megengine", "MegEngine", 8, "megengine"
    module = "megengine"
    mha_layout = "separate"
    install_notes = ("Python 3.9 (no wheels past CPython 3.10)", "setuptools<70 (imports pkg_resources)", "numpy<2")
    api_packages = ("megengine",)
    modes = {"eager": "imperative", "compiled": "jit.trace(symbolic=True)"}
    dense_layout = "out_in"
    deviations = ("MegEngine 1.13.0 runs on Python 3.9 (no wheels past CPython 3.10).",)

    def configure(self, threads: int) -> None:
        self.fw.set_default_device("cpu0" if threads == 1 else f"multithread{threads}:0")

    def tensor(self, array: np.ndarray):
        return self.fw.tensor(array)

    def labels(self, array: np.ndarray):
        return self.fw.tensor(array.astype(np.int32))

    def named_parameters(self, model):
        return dict(model.named_parameters())

    def lstm_params(self, prefix, w_ih, w_hh, bias):
        # The model composes its LSTM from two Linear layers, ih and hh (see
        # models/lstm/megengine_impl.py for why not M.LSTM); gates i, f, g, o.
        return {f"{prefix}.ih.weight": w_ih.T, f"{prefix}.ih.bias": bias,
                f"{prefix}.hh.weight": w_hh.T, f"{prefix}.hh.bias": np.zeros_like(bias)}

    def assign(self, model, name, param, array) -> None:
        param._reset(self.fw.Parameter(array))


ADAPTER = MegEngineAdapter()
