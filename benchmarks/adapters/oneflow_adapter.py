from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter, Knob


class OneFlowAdapter(Adapter):
    key, display, order = "oneflow", "OneFlow", 7
    module = "oneflow"
    api_packages = ("oneflow",)
    modes = {"eager": "eager", "compiled": "nn.Graph (static graph)"}
    default_mode_source = "OneFlow quick start: eager training; nn.Graph is the opt-in graph mode https://docs.oneflow.org/en/master/basics/01_quickstart.html"
    knobs = (Knob({"OPENBLAS_CORETYPE": "Haswell"}, "all",
                  "OpenBLAS's override of its run-time CPU detection (not in OneFlow's documentation) "
                  "https://github.com/OpenMathLib/OpenBLAS#support-for-multiple-targets-in-a-single-library",
                  "OneFlow 0.9 links its own OpenBLAS (DYNAMIC_ARCH, no AVX-512 kernels), which took an AMX-capable "
                  "Xeon (this project's Intel host) for a Prescott (OPENBLAS_VERBOSE=2: 'Core: Prescott') and ran "
                  "SSE3 GEMM kernels; Haswell's are AVX2 + FMA", cpu_flag="avx2"),)
    dense_layout = "out_in"

    def configure(self, threads: int) -> None:
        self.fw.set_num_threads(threads)

    def tensor(self, array: np.ndarray):
        return self.fw.tensor(array)

    def assign(self, model, name, param, array) -> None:
        with self.fw.no_grad():
            param.copy_(self.fw.tensor(array))


ADAPTER = OneFlowAdapter()
