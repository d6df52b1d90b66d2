"""MindSpore (Huawei)."""
from benchmarks.frameworks.framework import Framework, Knob
from benchmarks.frameworks.install import Install
from benchmarks.frameworks.layout import WeightLayout
from benchmarks.frameworks.mindspore.runtime import MindSporeRuntime

FRAMEWORK = Framework(
    "mindspore", "MindSpore", 5, MindSporeRuntime,
    Install("mindspore", notes=("numpy<2 (numpy 2 breaks its PyNative mode)",)),
    WeightLayout(dense_layout="out_in",
                 label_dtype="int32",  # nn.CrossEntropyLoss takes int32 labels
                 param_names={"gamma": "weight", "beta": "bias"},  # BatchNorm's and LayerNorm's scale and shift
                 # its TransformerEncoderLayer names the feed-forward layers dense1/dense2 where PyTorch says linear1/2
                 renames=((".dense1.", ".linear1."), (".dense2.", ".linear2.")),
                 lstm="torch", attention="packed"),
    api_packages=("mindspore",),
    modes={"eager": "PyNative", "compiled": "ms.jit (graph compilation)"},
    default_mode_source="mindspore.set_context: mode 'Default: PYNATIVE_MODE' "
                        "https://mindspore.cn/docs/en/r2.4.1/api_python/mindspore/mindspore.set_context.html",
    knobs=(Knob({"MS_DEV_HOST_BLOCKING_RUN": "1"}, "documented",
                "MindSpore environment-variable reference: 'Controls whether dynamic graph operators are dispatched "
                "in a single thread' https://www.mindspore.cn/docs/en/master/api_python/env_var_list.html",
                "dispatches ops from the Python thread instead of through busy-waiting pipeline queues"),
           Knob({"ONEDNN_MAX_CPU_ISA": "AVX2"}, "all",
                "oneDNN's CPU dispatcher control (not in MindSpore's documentation): 'limit processor features "
                "oneDNN is able to detect' https://oneapi-src.github.io/oneDNN/dev_guide_cpu_dispatcher_control.html",
                "on AVX-512 CPUs MindSpore's oneDNN 3.10 runs its plain-layout (NCHW) convolutions through a "
                "reference kernel (ONEDNN_VERBOSE: jit_uni_ncsp:conv+ref:any); held to AVX2 it takes "
                "im2col + GEMM (gemm:jit)", cpu_flag="avx512f")),
    unsteady_cause=("PyNative dispatches each op through three pipeline queue threads (frontend, backend, bprop) "
                    "that busy-wait beside the Python thread, and how they share the cores with it differs from "
                    "one process to the next; `--tuning documented` sets MS_DEV_HOST_BLOCKING_RUN=1"),
    concepts={"Model base class": ("mindspore.nn.Cell",), "Dense layer": ("mindspore.nn.Dense",),
              "Convolution": ("mindspore.nn.Conv2d",), "Pooling": ("mindspore.nn.MaxPool2d",),
              "Batch norm": ("mindspore.nn.BatchNorm2d",), "LSTM": ("mindspore.nn.LSTM",),
              "Attention (or a whole encoder layer)": ("mindspore.nn.TransformerEncoderLayer",),
              "Cross-entropy loss": ("mindspore.nn.CrossEntropyLoss",), "SGD optimizer": ("mindspore.nn.SGD",),
              "Backward and update": ("mindspore.value_and_grad",), "Compile / trace": ("mindspore.jit",)})
