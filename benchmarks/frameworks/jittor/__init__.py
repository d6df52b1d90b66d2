"""Jittor (Tsinghua University)."""
from benchmarks.frameworks.framework import Framework
from benchmarks.frameworks.install import Install
from benchmarks.frameworks.jittor.runtime import JittorRuntime
from benchmarks.frameworks.layout import WeightLayout

FRAMEWORK = Framework(
    "jittor", "Jittor", 6, JittorRuntime,
    Install(
        "jittor",
        notes=("numpy<2", "oneDNN archive from the PyPI package jittor-offline (Jittor downloads it from its own server)",
               "nvcc_path='' so that it does not try CUDA", "compiles its core at first import (minutes)"),
        deviations=("Jittor's oneDNN 2.2.0 comes from the PyPI package jittor-offline instead of Jittor's "
                    "own download server (same archive); CUDA detection is off (nvcc_path='').",),
        worker_env={"nvcc_path": "", "cc_path": "g++"},
        cache_dirs=("~/.cache/jittor",),
        warm_modes=("eager",),
        # Jittor compiles its core at first import (minutes): do it at setup, with its output shown.
        post_install=("import jittor; jittor.flags.use_cuda = 0; print('jittor core compiled')",)),
    WeightLayout(dense_layout="out_in", lstm="torch", attention="packed"),
    api_packages=("jittor",),
    modes={"eager": "Jittor is always lazily traced and JIT-compiled (fused, cached kernels): its only mode"},
    default_mode_source="Jittor tutorial: one execution mode (lazy, JIT-compiled) https://cg.cs.tsinghua.edu.cn/jittor/tutorial/",
    concepts={"Model base class": ("jittor.nn.Module",), "Dense layer": ("jittor.nn.Linear",),
              "Convolution": ("jittor.nn.Conv2d",), "Pooling": ("jittor.nn.MaxPool2d",),
              "Batch norm": ("jittor.nn.BatchNorm2d",), "LSTM": ("jittor.nn.LSTM",),
              "Attention (or a whole encoder layer)": ("jittor.attention.MultiheadAttention",),
              "Cross-entropy loss": ("jittor.nn.cross_entropy_loss",), "SGD optimizer": ("jittor.nn.SGD",),
              "Backward and update": (".step",), "No-grad inference": ("jittor.no_grad",)})
