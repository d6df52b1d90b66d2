"""OneFlow (OneFlow Inc., now part of Lightelligence)."""
from benchmarks.frameworks.framework import Framework, Knob
from benchmarks.frameworks.install import PY39, Install
from benchmarks.frameworks.layout import WeightLayout
from benchmarks.frameworks.oneflow.runtime import OneFlowRuntime

FRAMEWORK = Framework(
    "oneflow", "OneFlow", 7, OneFlowRuntime,
    Install(
        "oneflow",
        notes=(PY39, "CUDA build only: cuDNN and cuBLAS wheels from PyPI on LD_LIBRARY_PATH", "numpy<2"),
        deviations=("OneFlow 0.9.0 runs on Python 3.9 (no wheels past CPython 3.10).",
                    "OneFlow's PyPI wheel is a CUDA build; it runs on the CPU with cuDNN/cuBLAS from PyPI "
                    "on its library path."),
        worker_env={"ONEFLOW_DEBUG_MODE": "0", "GLOG_minloglevel": "2"},
        library_globs=("lib/python3*/site-packages/nvidia/*/lib",)),
    WeightLayout(dense_layout="out_in", lstm="torch", attention="separate"),
    api_packages=("oneflow",),
    modes={"eager": "eager", "compiled": "nn.Graph (static graph)"},
    default_mode_source="OneFlow quick start: eager training; nn.Graph is the opt-in graph mode "
                        "https://docs.oneflow.org/en/master/basics/01_quickstart.html",
    knobs=(Knob({"OPENBLAS_CORETYPE": "Haswell"}, "all",
                "OpenBLAS's override of its run-time CPU detection (not in OneFlow's documentation) "
                "https://github.com/OpenMathLib/OpenBLAS#support-for-multiple-targets-in-a-single-library",
                "OneFlow 0.9 links its own OpenBLAS (DYNAMIC_ARCH, no AVX-512 kernels), which took an AMX-capable "
                "Xeon (this project's Intel host) for a Prescott (OPENBLAS_VERBOSE=2: 'Core: Prescott') and ran "
                "SSE3 GEMM kernels; Haswell's are AVX2 + FMA", cpu_flag="avx2"),),
    crash_cause=("a race in nn.Graph's launch (oneflow/core/vm/lazy_job_instruction_policy.h, "
                 "LaunchLazyJobInstructionPolicy::Compute): the job is handed to the actor threads before its graph "
                 "is queued (EnqueueNNGraph), so a small job that finishes first pops an empty queue "
                 "(LazyJobStreamPolicy::DequeueNNGraph) and corrupts the heap: SIGSEGV there, or SIGABRT "
                 "(free(): invalid pointer) later; found with gdb at 2 threads, where the actor threads run on "
                 "the other core"),
    concepts={"Model base class": ("oneflow.nn.Module",), "Dense layer": ("oneflow.nn.Linear",),
              "Convolution": ("oneflow.nn.Conv2d",), "Pooling": ("oneflow.nn.MaxPool2d",),
              "Batch norm": ("oneflow.nn.BatchNorm2d",), "LSTM": ("oneflow.nn.LSTM",),
              "Cross-entropy loss": ("oneflow.nn.CrossEntropyLoss",), "SGD optimizer": ("oneflow.optim.SGD",),
              "Backward and update": (".backward", ".step"), "Compile / trace": ("oneflow.nn.Graph",),
              "No-grad inference": ("oneflow.no_grad",)})
