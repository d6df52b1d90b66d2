from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.adapters.base import Adapter


class OneFlowAdapter(Adapter):
    key, display, order, package = "oneflow", "OneFlow", 7, "oneflow"
    module = "oneflow"
    mha_layout = "separate"
    install_notes = ("Python 3.9 (no wheels past CPython 3.10)", "CUDA build only: cuDNN and cuBLAS wheels from PyPI on LD_LIBRARY_PATH", "numpy<2")
    api_packages = ("oneflow",)
    modes = {"eager": "eager", "compiled": "nn.Graph (static graph)"}
    dense_layout = "out_in"
    deviations = ("OneFlow 0.9.0 runs on Python 3.9 (no wheels past CPython 3.10).",
                  "OneFlow's PyPI wheel is a CUDA build; it runs on the CPU with cuDNN/cuBLAS from PyPI "
                  "on its library path.")

    def extra_env(self, env_dir: Path):
        libs = sorted(str(p) for p in env_dir.glob("lib/python3*/site-packages/nvidia/*/lib"))
        return {"LD_LIBRARY_PATH": ":".join(libs), "ONEFLOW_DEBUG_MODE": "0", "GLOG_minloglevel": "2"}

    def configure(self, threads: int) -> None:
        self.fw.set_num_threads(threads)

    def tensor(self, array: np.ndarray):
        return self.fw.tensor(array)

    def assign(self, model, name, param, array) -> None:
        with self.fw.no_grad():
            param.copy_(self.fw.tensor(array))


ADAPTER = OneFlowAdapter()
