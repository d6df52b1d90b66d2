from __future__ import annotations

import numpy as np

from benchmarks.adapters.base import Adapter, Knob


class MindSporeAdapter(Adapter):
    key, display, order = "mindspore", "MindSpore", 5
    module = "mindspore"
    api_packages = ("mindspore",)
    modes = {"eager": "PyNative", "compiled": "ms.jit (graph compilation)"}
    default_mode_source = "mindspore.set_context: mode 'Default: PYNATIVE_MODE' https://mindspore.cn/docs/en/r2.4.1/api_python/mindspore/mindspore.set_context.html"
    knobs = (Knob({"MS_DEV_HOST_BLOCKING_RUN": "1"}, "documented",
                  "MindSpore environment-variable reference: 'Controls whether dynamic graph operators are dispatched "
                  "in a single thread' https://www.mindspore.cn/docs/en/master/api_python/env_var_list.html",
                  "dispatches ops from the Python thread instead of through busy-waiting pipeline queues"),
             Knob({"ONEDNN_MAX_CPU_ISA": "AVX2"}, "all",
                  "oneDNN's CPU dispatcher control (not in MindSpore's documentation): 'limit processor features "
                  "oneDNN is able to detect' https://oneapi-src.github.io/oneDNN/dev_guide_cpu_dispatcher_control.html",
                  "on AVX-512 CPUs MindSpore's oneDNN 3.10 runs its plain-layout (NCHW) convolutions through a "
                  "reference kernel (ONEDNN_VERBOSE: jit_uni_ncsp:conv+ref:any); held to AVX2 it takes "
                  "im2col + GEMM (gemm:jit)", cpu_flag="avx512f"))
    unsteady_cause = ("PyNative dispatches each op through three pipeline queue threads (frontend, backend, bprop) "
                      "that busy-wait beside the Python thread, and how they share the cores with it differs from "
                      "one process to the next; `--tuning documented` sets MS_DEV_HOST_BLOCKING_RUN=1")
    dense_layout = "out_in"
    label_dtype = "int32"  # nn.CrossEntropyLoss takes int32 labels
    param_names = {"gamma": "weight", "beta": "bias"}  # BatchNorm's and LayerNorm's scale and shift
    # OMP_NUM_THREADS is ignored; the worker's CPU affinity is what holds it to its cores.

    def thread_env(self, threads: int):
        return dict(super().thread_env(threads), GLOG_v="3")

    def configure(self, threads: int) -> None:
        self.fw.set_context(mode=self.fw.PYNATIVE_MODE)
        if hasattr(self.fw, "set_device"):
            self.fw.set_device("CPU")
        else:  # before 2.3: the device is a context setting
            self.fw.set_context(device_target="CPU")

    def tensor(self, array: np.ndarray):
        return self.fw.Tensor(array)

    def to_numpy(self, value) -> np.ndarray:
        return value.asnumpy()

    def named_parameters(self, model):
        out = {}
        for name, p in model.parameters_and_names():
            if p.requires_grad:
                out[self.rename(name)] = p
        return out

    def assign(self, model, name, param, array) -> None:
        param.set_data(self.fw.Tensor(array))


ADAPTER = MindSporeAdapter()
