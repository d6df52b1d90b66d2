from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class TorchAdapter(Adapter):
    key, display, order = "torch", "PyTorch", 0
    module = "torch"
    api_packages = ("torch",)
    modes = {"eager": "eager", "compiled": "torch.compile (Inductor, C++ codegen)"}
    default_mode_source = "PyTorch tutorials, Learn the Basics: Optimizing Model Parameters (eager training loop) https://pytorch.org/tutorials/beginner/basics/optimization_tutorial.html"
    dense_layout = "out_in"

    def configure(self, threads: int) -> None:
        self.fw.set_num_threads(threads)
        self.fw.set_num_interop_threads(threads)

    def kernel_build(self):
        """From torch.__config__.show(): the MKL and oneDNN (MKL-DNN) versions and the CPU kernels chosen."""
        lines = [line.strip(" -") for line in self.fw.__config__.show().splitlines()]
        return [line.split("-Product")[0].split(" (Git")[0].strip() for line in lines if line.startswith(("Intel(R) oneAPI Math", "Intel(R) MKL-DNN", "CPU capability"))]

    def tensor(self, array: np.ndarray):
        return self.fw.from_numpy(np.ascontiguousarray(array))

    def to_numpy(self, value) -> np.ndarray:
        return value.detach().numpy()

    def assign(self, model, name, param, array) -> None:
        with self.fw.no_grad():
            param.copy_(self.fw.from_numpy(array))


ADAPTER = TorchAdapter()
