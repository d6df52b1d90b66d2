"""MegEngine (Megvii)."""
from benchmarks.frameworks.framework import Framework, Knob
from benchmarks.frameworks.install import PY39, Install
from benchmarks.frameworks.layout import WeightLayout
from benchmarks.frameworks.megengine.runtime import MegEngineRuntime

FRAMEWORK = Framework(
    "megengine", "MegEngine", 8, MegEngineRuntime,
    Install("megengine", notes=(PY39, "setuptools<70 (imports pkg_resources)", "numpy<2"),
            deviations=("MegEngine 1.13.0 runs on Python 3.9 (no wheels past CPython 3.10).",)),
    WeightLayout(dense_layout="out_in", label_dtype="int32",  # F.nn.cross_entropy takes int32 labels
                 lstm="two linear", attention="flat"),
    api_packages=("megengine",),
    modes={"eager": "imperative", "compiled": "jit.trace(symbolic=True)"},
    default_mode_source="MegEngine user guide: imperative (dynamic graph) by default; jit.trace makes a static graph "
                        "https://www.megengine.org.cn/doc/stable/en/user-guide/model-development/jit/index.html",
    knobs=(Knob({"MGB_WORKER_MAX_SPIN": "1"}, "all",
                "undocumented; read by SCQueueSynchronizer::max_spin in MegEngine's src/core/impl/utils/thread.cpp",
                "its worker threads wait on a condition variable after one spin instead of spinning "
                "for about 5 ms first (1, not 0: 0 is not cached and re-reads the variable, logging, every fetch)"),),
    unsteady_cause=("its interpreter's worker thread spins for about 5 ms after each op before it waits "
                    "(SCQueueSynchronizer::max_spin, src/core/impl/utils/thread.cpp), and whether that spin shares "
                    "a core with the timed thread differs from one process to the next; `--tuning all` sets "
                    "MGB_WORKER_MAX_SPIN=1"),
    concepts={"Model base class": ("megengine.module.Module",), "Dense layer": ("megengine.module.Linear",),
              "Convolution": ("megengine.module.Conv2d",), "Pooling": ("megengine.module.MaxPool2d",),
              "Batch norm": ("megengine.module.BatchNorm2d",),
              "Attention (or a whole encoder layer)": ("megengine.module.MultiHeadAttention",),
              "Cross-entropy loss": ("megengine.functional.nn.cross_entropy",),
              "SGD optimizer": ("megengine.optimizer.SGD",),
              "Backward and update": ("megengine.autodiff.GradManager", ".backward", ".step"),
              "Compile / trace": ("megengine.jit.trace",)})
