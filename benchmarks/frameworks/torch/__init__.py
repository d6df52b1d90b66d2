"""PyTorch, the baseline every ratio is taken against."""
from benchmarks.frameworks.framework import Framework
from benchmarks.frameworks.install import Install
from benchmarks.frameworks.layout import WeightLayout
from benchmarks.frameworks.torch.runtime import TorchRuntime

FRAMEWORK = Framework(
    "torch", "PyTorch", 0, TorchRuntime,
    # A private Inductor cache (not the shared /tmp/torchinductor_<user>), reused across runs.
    Install("torch", worker_env={"TORCHINDUCTOR_CACHE_DIR": "{cache}/torchinductor"}, warm_modes=("compiled",)),
    WeightLayout(dense_layout="out_in", lstm="torch", attention="packed"),
    api_packages=("torch",),
    modes={"eager": "eager", "compiled": "torch.compile (Inductor, C++ codegen)"},
    default_mode_source="PyTorch tutorials, Learn the Basics: Optimizing Model Parameters (eager training loop) "
                        "https://pytorch.org/tutorials/beginner/basics/optimization_tutorial.html",
    concepts={"Model base class": ("torch.nn.Module",), "Dense layer": ("torch.nn.Linear",),
              "Convolution": ("torch.nn.Conv2d",), "Pooling": ("torch.nn.MaxPool2d",),
              "Batch norm": ("torch.nn.BatchNorm2d",), "LSTM": ("torch.nn.LSTM",),
              "Attention (or a whole encoder layer)": ("torch.nn.TransformerEncoderLayer",),
              "Cross-entropy loss": ("torch.nn.CrossEntropyLoss",), "SGD optimizer": ("torch.optim.SGD",),
              "Backward and update": (".backward", ".step"), "Compile / trace": ("torch.compile",),
              "No-grad inference": ("torch.no_grad",)})
