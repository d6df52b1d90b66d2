"""PaddlePaddle (Baidu)."""
from benchmarks.frameworks.framework import Framework, Knob
from benchmarks.frameworks.install import Install
from benchmarks.frameworks.layout import WeightLayout
from benchmarks.frameworks.paddle.runtime import PaddleRuntime

FRAMEWORK = Framework(
    "paddle", "PaddlePaddle", 4, PaddleRuntime,
    Install("paddlepaddle"),
    WeightLayout(dense_layout="in_out", lstm="torch", attention="separate"),
    api_packages=("paddle",),
    modes={"eager": "dynamic graph", "compiled": "paddle.jit.to_static"},
    default_mode_source="PaddlePaddle quick start: dynamic graph by default since 2.0 "
                        "https://www.paddlepaddle.org.cn/documentation/docs/en/guides/beginner/quick_start_en.html",
    knobs=(Knob({"MKL_DEBUG_CPU_TYPE": "5"}, "all",
                "undocumented Intel MKL switch; Paddle bundles MKL 2019.0.5, which takes a slow path on AMD CPUs "
                "(PaddlePaddle/Paddle#75760)", "MKL's AVX2 kernels on AMD CPUs", cpu_vendor="AuthenticAMD"),),
    concepts={"Model base class": ("paddle.nn.Layer",), "Dense layer": ("paddle.nn.Linear",),
              "Convolution": ("paddle.nn.Conv2D",), "Pooling": ("paddle.nn.MaxPool2D",),
              "Batch norm": ("paddle.nn.BatchNorm2D",), "LSTM": ("paddle.nn.LSTM",),
              "Attention (or a whole encoder layer)": ("paddle.nn.TransformerEncoderLayer",),
              "Cross-entropy loss": ("paddle.nn.CrossEntropyLoss",), "SGD optimizer": ("paddle.optimizer.SGD",),
              "Backward and update": (".backward", ".step"), "Compile / trace": ("paddle.jit.to_static",),
              "No-grad inference": ("paddle.no_grad",)})
