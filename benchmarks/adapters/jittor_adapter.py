from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.adapters.base import Adapter


class JittorAdapter(Adapter):
    key, display, order, package = "jittor", "Jittor", 6, "jittor"
    module = "jittor"
    mha_layout = "separate"
    install_notes = ("numpy<2", "oneDNN archive from the PyPI package jittor-offline (Jittor downloads it from its own server)", "nvcc_path='' so that it does not try CUDA", "compiles its core at first import (minutes)")
    api_packages = ("jittor",)
    modes = {"eager": "Jittor is always lazily traced and JIT-compiled (fused, cached kernels): its only mode"}
    dense_layout = "out_in"
    deviations = ("Jittor's oneDNN 2.2.0 comes from the PyPI package jittor-offline instead of Jittor's "
                  "own download server (same archive); CUDA detection is off (nvcc_path='').",)

    def extra_env(self, env_dir: Path):
        return {"nvcc_path": "", "cc_path": "g++"}

    def cache_dirs(self):
        return ["~/.cache/jittor"]

    def post_install(self, python: Path):
        # Jittor compiles its core at first import (minutes): do it at setup, with its output shown.
        return [[str(python), "-c", "import jittor; jittor.flags.use_cuda = 0; print('jittor core compiled')"]]

    def configure(self, threads: int) -> None:
        self.fw.flags.use_cuda = 0

    def tensor(self, array: np.ndarray):
        return self.fw.array(array)

    def named_parameters(self, model):
        return {name: p for name, p in model.named_parameters() if not p.is_stop_grad()}

    def assign(self, model, name, param, array) -> None:
        param.assign(self.fw.array(array))


ADAPTER = JittorAdapter()
