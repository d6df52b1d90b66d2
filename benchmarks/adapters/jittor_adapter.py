from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class JittorAdapter(Adapter):
    key, display, order = "jittor", "Jittor", 6
    module = "jittor"
    api_packages = ("jittor",)
    modes = {"eager": "Jittor is always lazily traced and JIT-compiled (fused, cached kernels): its only mode"}
    default_mode_source = "Jittor tutorial: one execution mode (lazy, JIT-compiled) https://cg.cs.tsinghua.edu.cn/jittor/tutorial/"
    dense_layout = "out_in"

    def configure(self, threads: int) -> None:
        self.fw.flags.use_cuda = 0

    def tensor(self, array: np.ndarray):
        return self.fw.array(array)

    def named_parameters(self, model):
        return {name: p for name, p in model.named_parameters() if not p.is_stop_grad()}

    def assign(self, model, name, param, array) -> None:
        param.assign(self.fw.array(array))


ADAPTER = JittorAdapter()
