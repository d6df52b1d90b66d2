from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter, Knob


class MegEngineAdapter(Adapter):
    key, display, order = "megengine", "MegEngine", 8
    module = "megengine"
    api_packages = ("megengine",)
    modes = {"eager": "imperative", "compiled": "jit.trace(symbolic=True)"}
    default_mode_source = "MegEngine user guide: imperative (dynamic graph) by default; jit.trace makes a static graph https://www.megengine.org.cn/doc/stable/en/user-guide/model-development/jit/index.html"
    knobs = (Knob({"MGB_WORKER_MAX_SPIN": "1"}, "all",
                  "undocumented; read by SCQueueSynchronizer::max_spin in MegEngine's src/core/impl/utils/thread.cpp",
                  "its worker threads wait on a condition variable after one spin instead of spinning "
                  "for about 5 ms first (1, not 0: 0 is not cached and re-reads the variable, logging, every fetch)"),)
    unsteady_cause = ("its interpreter's worker thread spins for about 5 ms after each op before it waits "
                      "(SCQueueSynchronizer::max_spin, src/core/impl/utils/thread.cpp), and whether that spin shares "
                      "a core with the timed thread differs from one process to the next; `--tuning all` sets "
                      "MGB_WORKER_MAX_SPIN=1")
    dense_layout = "out_in"
    label_dtype = "int32"  # F.nn.cross_entropy takes int32 labels

    def configure(self, threads: int) -> None:
        self.fw.set_default_device("cpu0" if threads == 1 else f"multithread{threads}:0")

    def tensor(self, array: np.ndarray):
        return self.fw.tensor(array)

    def named_parameters(self, model):
        return dict(model.named_parameters())

    def assign(self, model, name, param, array) -> None:
        param._reset(self.fw.Parameter(array))


ADAPTER = MegEngineAdapter()
