from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter, Knob


class PaddleAdapter(Adapter):
    key, display, order = "paddle", "PaddlePaddle", 4
    module = "paddle"
    api_packages = ("paddle",)
    modes = {"eager": "dynamic graph", "compiled": "paddle.jit.to_static"}
    default_mode_source = "PaddlePaddle quick start: dynamic graph by default since 2.0 https://www.paddlepaddle.org.cn/documentation/docs/en/guides/beginner/quick_start_en.html"
    knobs = (Knob({"MKL_DEBUG_CPU_TYPE": "5"}, "all",
                  "undocumented Intel MKL switch; Paddle bundles MKL 2019.0.5, which takes a slow path on AMD CPUs "
                  "(PaddlePaddle/Paddle#75760)", "MKL's AVX2 kernels on AMD CPUs", cpu_vendor="AuthenticAMD"),)
    dense_layout = "in_out"

    def configure(self, threads: int) -> None:
        self.fw.set_device("cpu")
        self.fw.base.core.set_num_threads(threads)

    def kernel_build(self):
        """paddle.version says whether the build links MKL (and with it oneDNN)."""
        return [f"MKL {self.fw.version.mkl()}"]

    def tensor(self, array: np.ndarray):
        return self.fw.to_tensor(array)

    def named_parameters(self, model):
        return {name: p for name, p in model.named_parameters() if not p.stop_gradient}

    def assign(self, model, name, param, array) -> None:
        param.set_value(array)


ADAPTER = PaddleAdapter()
