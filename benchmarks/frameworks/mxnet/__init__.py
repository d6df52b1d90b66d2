"""Apache MXNet (Gluon), retired to the Apache Attic in 2023."""
from benchmarks.frameworks.framework import Framework
from benchmarks.frameworks.install import Install
from benchmarks.frameworks.layout import WeightLayout
from benchmarks.frameworks.mxnet.runtime import MXNetRuntime

FRAMEWORK = Framework(
    "mxnet", "MXNet", 3, MXNetRuntime,
    Install("mxnet", notes=("numpy<1.24 (MXNet 1.9.1 uses np.bool, removed in numpy 1.24)",)),
    WeightLayout(dense_layout="out_in", param_names={"gamma": "weight", "beta": "bias"},  # BatchNorm's scale and shift
                 lstm="gluon", attention="separate"),
    api_packages=("mxnet",),
    modes={"eager": "Gluon imperative", "compiled": "hybridize() (cached symbolic graph)"},
    default_mode_source="MXNet 1.9 Gluon crash course: imperative training; hybridize() is an optional later step "
                        "https://mxnet.apache.org/versions/1.9.1/api/python/docs/tutorials/getting-started/crash-course/index.html",
    concepts={"Model base class": ("mxnet.gluon.nn.HybridBlock",), "Dense layer": ("mxnet.gluon.nn.Dense",),
              "Convolution": ("mxnet.gluon.nn.Conv2D",),
              "Pooling": ("mxnet.gluon.nn.MaxPool2D", "mxnet.gluon.nn.GlobalAvgPool2D"),
              "Batch norm": ("mxnet.gluon.nn.BatchNorm",), "LSTM": ("mxnet.gluon.rnn.LSTM",),
              "Cross-entropy loss": ("mxnet.gluon.loss.SoftmaxCrossEntropyLoss",),
              "SGD optimizer": ("mxnet.gluon.Trainer",),
              "Backward and update": ("mxnet.autograd.record", ".backward", ".step"),
              "Compile / trace": (".hybridize",)})
