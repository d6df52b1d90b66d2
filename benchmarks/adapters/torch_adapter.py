from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter


class TorchAdapter(Adapter):
    key, display, order, package = "torch", "PyTorch", 0, "torch"
    install_notes = ()
    api_packages = ("torch",)
    modes = {"eager": "eager", "compiled": "torch.compile (Inductor, C++ codegen)"}
    dense_layout = "out_in"

    def extra_env(self, env_dir):
        # A private Inductor cache (not the shared /tmp/torchinductor_<user>), reused across runs.
        return {"TORCHINDUCTOR_CACHE_DIR": str(env_dir.parent.parent / "cache" / "torchinductor")}

    def load(self, threads: int):
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)
        self.torch = torch
        return torch

    def version(self) -> str:
        return self.torch.__version__

    def tensor(self, array: np.ndarray):
        return self.torch.from_numpy(np.ascontiguousarray(array))

    def to_numpy(self, value) -> np.ndarray:
        return value.detach().numpy()

    def assign(self, model, name, param, array) -> None:
        with self.torch.no_grad():
            param.copy_(self.torch.from_numpy(array))


ADAPTER = TorchAdapter()
