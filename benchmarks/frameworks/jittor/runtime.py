from __future__ import annotations

import numpy as np

from benchmarks.frameworks.runtime import Runtime


class JittorRuntime(Runtime):
    module = "jittor"

    def configure(self, threads: int) -> None:
        self.fw.flags.use_cuda = 0

    def tensor(self, array: np.ndarray):
        return self.fw.array(array)

    def named_parameters(self, model):
        return {name: p for name, p in model.named_parameters() if not p.is_stop_grad()}

    def assign(self, model, name, param, array) -> None:
        param.assign(self.fw.array(array))
