from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class OneFlowAdapter(Adapter):
    key, display, order = "oneflow", "OneFlow", 7
    module = "oneflow"
    api_packages = ("oneflow",)
    modes = {"eager": "eager", "compiled": "nn.Graph (static graph)"}
    default_mode_source = "OneFlow quick start: eager training; nn.Graph is the opt-in graph mode https://docs.oneflow.org/en/master/basics/01_quickstart.html"
    dense_layout = "out_in"

    def configure(self, threads: int) -> None:
        self.fw.set_num_threads(threads)

    def tensor(self, array: np.ndarray):
        return self.fw.tensor(array)

    def assign(self, model, name, param, array) -> None:
        with self.fw.no_grad():
            param.copy_(self.fw.tensor(array))


ADAPTER = OneFlowAdapter()
