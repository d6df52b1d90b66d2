"""Runs inside one framework's environment: load, check parity, time; one JSON line per task.

Needs only the standard library, numpy and the framework. Started by the runner as
`<env python> -m benchmarks.measure.worker -` with the request JSON on stdin (or as the argument in place of
`-`) and PYTHONPATH at the repo root. One process may measure several cells of one framework in turn.
Framework chatter on stdout is redirected to stderr so that stdout carries records only.
"""
from __future__ import annotations

import importlib
import json
import math
import os
import platform
import resource
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from benchmarks import REPO_ROOT
from benchmarks.core.plan import TASKS


def pin_cpus(cpus: List[int]) -> None:
    """Pin this process (and threads it will start) before the framework is imported."""
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)


def thread_cpu() -> Dict[int, tuple]:
    """Per thread of this process: (name, CPU seconds so far), from /proc/self/task (schedstat's
    nanoseconds where the kernel has them, else stat's clock ticks)."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/self/task/{tid}/comm") as f:
                name = f.read().strip()
            try:
                with open(f"/proc/self/task/{tid}/schedstat") as f:
                    seconds = int(f.read().split()[0]) / 1e9
            except (OSError, ValueError, IndexError):
                fields = stat[stat.rindex(")") + 2:].split()
                seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        except (OSError, ValueError):
            continue  # the thread ended
        out[int(tid)] = (name, seconds)
    return out


def anatomy(before: Dict[int, tuple], after: Dict[int, tuple], usage0: resource.struct_rusage,
            calls: int, faults0: Optional[resource.struct_rusage] = None) -> Dict[str, Any]:
    """CPU time per step of the main thread and of the framework's helper threads (grouped by name),
    context switches and page faults per step, over the sampling window (`usage0`: the process's rusage at
    its start; `faults0`: where page faults start counting, if later). Minor faults are pages the process
    maps afresh: memory the allocator gave back to the kernel and takes again, zeroed, at every call
    (docs/experiments/2026-12-08-pair-order.md)."""
    faults0 = faults0 or usage0
    groups: Dict[str, float] = {}
    for tid, (name, seconds) in after.items():
        used = seconds - before.get(tid, (name, 0.0))[1]
        key = "main" if tid == os.getpid() else (name.rstrip("0123456789_-:#") or name)
        groups[key] = groups.get(key, 0.0) + used
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"thread_cpu_ms_per_step": {k: round(v * 1000 / calls, 4) for k, v in
                                       sorted(groups.items(), key=lambda kv: -kv[1]) if v > 0},
            "ctx_switches_per_step": {"voluntary": (usage.ru_nvcsw - usage0.ru_nvcsw) / calls,
                                      "involuntary": (usage.ru_nivcsw - usage0.ru_nivcsw) / calls},
            "page_faults_per_step": {"minor": (usage.ru_minflt - faults0.ru_minflt) / calls,
                                     "major": (usage.ru_majflt - faults0.ru_majflt) / calls}}


def median_halfwidth(samples: List[float]) -> float:
    """Half the distribution-free 95% interval of the median (order statistics n/2 -+ 0.98 sqrt(n)),
    relative to the median."""
    ordered = sorted(samples)
    n = len(ordered)
    lo = max(0, math.floor(n / 2 - 0.98 * math.sqrt(n)))
    hi = min(n - 1, math.ceil(n / 2 + 0.98 * math.sqrt(n)))
    middle = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return (ordered[hi] - ordered[lo]) / 2 / middle


def calibrate(fn: Callable[[], Any], request: Dict[str, Any], warmup: Optional[int] = None,
              once: Optional[float] = None, clock: Callable[[], float] = time.perf_counter) -> tuple:
    """Warm up (at most `warmup` calls and one more, within half the budget) and choose the loops that make
    one sample last >= min_sample_ms: (loops, warm-up seconds). Given `once` (the seconds of the same call,
    made just before: a training step's last parity step), it calibrates from that and calls nothing."""
    start = clock()
    if once is None:
        calls = 1 + (request["warmup"] if warmup is None else warmup)  # the last one calibrates the loops
        for _ in range(calls):
            t = clock()
            fn()
            once = max(clock() - t, 1e-9)
            if clock() - start + once > request["max_seconds"] / 2:  # a slow call: one warm-up is enough
                break
    return max(1, math.ceil(request["min_sample_ms"] / 1000 / max(once, 1e-9))), clock() - start


def time_calls(fn: Callable[[], Any], request: Dict[str, Any], warmup: Optional[int] = None,
               loops: Optional[int] = None, once: Optional[float] = None,
               clock: Callable[[], float] = time.perf_counter) -> Dict[str, Any]:
    """Calibrate (`calibrate`), then sample until the median's 95% interval is within target_ci of it (once
    tight_after samples are in) or the time budget is spent (once min_samples are in). Records where
    the CPU time of the sampling window went (main thread, helper threads) and why sampling stopped.
    Given `loops` (a later round of the same call), it does not calibrate, and one untimed call
    settles the work that lazy and asynchronous runtimes (Jittor, MindSpore's ms.jit) left pending
    or ran meanwhile for other calls: without it a round's first sample can hold a step's forward
    pass alone, and the minimum would pick it. `clock` gives seconds (tests inject their own)."""
    budget = request["max_seconds"]
    start = clock()
    if loops is not None:
        fn()
    else:
        loops, _ = calibrate(fn, request, warmup, once, clock)
    warmup_s = clock() - start
    samples: List[float] = []
    threads0, usage = thread_cpu(), resource.getrusage(resource.RUSAGE_SELF)
    wall0, cpu0 = clock(), time.process_time()
    deadline = wall0 + budget
    target, tight_after = request.get("target_ci", 0.02), request.get("tight_after", 10)
    stop = "max samples"
    while len(samples) < request["samples"]:
        t0 = clock()
        for _ in range(loops):
            fn()
        samples.append((clock() - t0) * 1000 / loops)
        if len(samples) >= tight_after and median_halfwidth(samples) <= target:
            stop = "interval"
            break
        if clock() > deadline and len(samples) >= request["min_samples"]:
            stop = "budget"
            break
    wall, cpu = max(clock() - wall0, 1e-9), time.process_time() - cpu0
    steps = anatomy(threads0, thread_cpu(), usage, len(samples) * loops)
    return {"samples_ms": samples, "loops": loops, "cpu_wall_ratio": cpu / wall, "stop": stop,
            "warmup_s": round(warmup_s, 4), "sampling_s": round(wall, 4), **steps}


def knob_facts(request: Dict[str, Any]) -> Dict[str, Any]:
    """The cell's tuning level and the knobs as this process saw them in its environment."""
    return {"tuning": request.get("tuning", "default"),
            "knobs": {k: os.environ.get(k) for k in request.get("knobs", {})}}


def max_rel(values: List[float], reference: List[float]) -> float:
    return max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(values, reference))


def start(request: Dict[str, Any]) -> tuple:
    """Pin, set the thread environment and import the framework: (its runtime, import seconds)."""
    from benchmarks.frameworks import get_framework

    pin_cpus(request.get("cpus", []))
    runtime = get_framework(request["framework"]).runtime
    os.environ.update(runtime.thread_env(request["threads"]))
    t0 = time.perf_counter()
    runtime.load(request["threads"])
    return runtime, time.perf_counter() - t0


def error_line(exc: BaseException, **where) -> Dict[str, Any]:
    """The exception as one line: its first lines joined (a framework's own log prefix can fill the first,
    as Jittor's `[f ... executor.cc:686]` does), at most 500 characters; the traceback goes to stderr."""
    traceback.print_exc()
    lines = [line.strip() for line in f"{type(exc).__name__}: {exc}".splitlines() if line.strip()]
    return {"error": " | ".join(lines[:4])[:500], **raised_at(exc), **where}


def raised_at(exc: BaseException) -> Dict[str, Any]:
    """Where in this repository the exception came from: the deepest frame in a model file (`*_impl.py`, the
    code a user wrote) if any, else the deepest in the harness; as `path:line`, that line's code, and which
    of the two (`error_in`: "model" or "harness")."""
    root = str(REPO_ROOT) + os.sep
    ours = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(root)]
    models = [f for f in ours if f.filename.endswith("_impl.py")]
    frame = (models or ours or [None])[-1]
    if frame is None:
        return {}
    return {"error_at": f"{frame.filename[len(root):]}:{frame.lineno}", "error_code": (frame.line or "").strip()[:200],
            "error_in": "model" if models else "harness"}


def run(request: Dict[str, Any], emit: Callable[[Dict[str, Any]], None]) -> bool:
    """Load the framework once, then measure the request's cells (one per model) in turn; a cell that
    raises becomes an error line naming its model, and the next one runs. True when none raised."""
    runtime, import_s = start(request)
    shared = {"shared_with": len(request["cells"])}
    clean = True
    for position, part in enumerate(request["cells"]):
        try:
            measure(dict(request, **part), runtime, import_s, lambda record: emit(dict(record, **shared,
                                                                                     position=position)))
        except Exception as exc:  # reported by the runner as this cell's failure
            emit(error_line(exc, model=part["model"]))
            clean = False
    return clean


def serve(request: Dict[str, Any], emit: Callable[[Dict[str, Any]], None], lines) -> bool:
    """A long-lived worker: load the framework and prepare every cell of the request once (parity gate,
    first calls, loops calibrated), each task announced by a `ready` line; then take trials on request, one
    JSON line each from `lines` ({"trial": id, "call": "position:task", "samples": n, "budget_s": s, "alone_s": s}), until
    {"stop": true}. True when no cell raised."""
    runtime, import_s = start(request)
    calls: Dict[str, tuple] = {}
    clean = True
    for position, part in enumerate(request["cells"]):
        try:
            for record, fn, once in timed_calls(dict(request, **part), runtime, import_s):
                key = f"{position}:{record['task']}"
                if fn is not None:
                    loops, warm_s = calibrate(fn, request, warmup_calls(record["task"]), once)
                    calls[key] = (fn, loops)
                    record.update(loops=loops, warmup_s=round(warm_s, 4), status="ok", reason="")
                emit(dict(record, ready=key, position=position, shared_with=len(request["cells"])))
        except Exception as exc:
            emit(error_line(exc, model=part["model"]))
            clean = False
    emit({"serving": sorted(calls)})
    for line in lines:
        message = json.loads(line)
        if message.get("stop"):
            break
        fn, loops = calls[message["call"]]
        emit(dict(trial(fn, loops, message["samples"], message["budget_s"], alone_s=message.get("alone_s")),
                  trial=message["trial"]))
    emit({"stopped": True, "peak_rss_mb": peak_rss_mb()})
    return clean


def trial(fn: Callable[[], Any], loops: int, samples: int, budget_s: float,
          clock: Callable[[], float] = time.perf_counter, alone_s: Optional[float] = None) -> Dict[str, Any]:
    """One short trial of a prepared call: one call to settle (see time_calls), then up to `samples` samples
    of `loops` calls each, at least one, no more once `budget_s` is spent. A call slower than `alone_s` (the
    budget unless given) is its own trial: the settling call is its one sample (a step of seconds leaves
    nothing to settle). With the samples, where the trial's CPU went (as time_calls records it), for the
    step anatomy."""
    threads0, usage = thread_cpu(), resource.getrusage(resource.RUSAGE_SELF)
    wall0, cpu0 = clock(), time.process_time()
    fn()
    once = clock() - wall0
    taken: List[float] = []
    faults0 = usage  # the settling call's page faults count only where it is the sample
    if loops == 1 and once > (budget_s if alone_s is None else alone_s):
        taken.append(once * 1000)
    else:
        faults0, start = resource.getrusage(resource.RUSAGE_SELF), clock()
        while len(taken) < samples:
            t0 = clock()
            for _ in range(loops):
                fn()
            taken.append((clock() - t0) * 1000 / loops)
            if clock() - start > budget_s:
                break
    wall, cpu = max(clock() - wall0, 1e-9), time.process_time() - cpu0
    calls = max(1, len(taken) * loops)  # the settling call's CPU counts too: the anatomy of the trial's window
    return {"samples_ms": taken, "loops": loops, "cpu_wall_ratio": cpu / wall, "stop": "trial", "warmup_s": 0.0,
            "sampling_s": round(wall, 4), **anatomy(threads0, thread_cpu(), usage, calls, faults0)}


def measure(request: Dict[str, Any], runtime, import_s: float, emit: Callable[[Dict[str, Any]], None]) -> None:
    """One cell: its model's parity gate, then each of its tasks, one record each."""
    if request["suite"] in ("tta", "scaling"):
        spec = importlib.import_module(f"models.{request['model']}.spec")
        impl = importlib.import_module(runtime.framework.impl_module(request["model"]))
        run_suite = time_to_accuracy if request["suite"] == "tta" else size_sweep
        return run_suite(request, runtime, spec, impl, import_s, emit)
    for record, fn, once in timed_calls(request, runtime, import_s):
        emit(record if fn is None else finished(record, time_calls(fn, request, warmup_calls(record["task"]),
                                                                   once=once)))


def timed_calls(request: Dict[str, Any], runtime, import_s: float):
    """A speed cell's model through the parity gate, then per task: (its record so far, the call to time or
    None where parity failed, a training step's last parity step in seconds). Lazy: each task's first call
    is made when the caller asks for it, after the previous task was timed."""
    model_name = request["model"]
    spec = importlib.import_module(f"models.{model_name}.spec")
    impl = importlib.import_module(runtime.framework.impl_module(model_name))
    mode = request["mode"]
    model, xt, yt, train_step, parity = prepare(request, runtime, spec, impl, None, spec.BATCH, request["reference"])
    common = dict(base_facts(request, runtime, spec, import_s), **parity_facts(parity))
    for task in request["tasks"]:
        batch = TASKS[task].batch or spec.BATCH
        record = dict(common, task=task, batch=batch, flops_per_step=spec.flops(batch)["train" if task == "train" else "forward"])
        if not parity["ok"]:
            yield dict(record, status="parity-failed", reason=parity_reason(parity, spec), samples_ms=[],
                       first_step_ms=None), None, None
            continue
        once = None
        if task == "train":
            record["first_step_ms"], once = parity["first_step_ms"], parity["last_step_s"]
            fn = lambda: train_step(xt, yt)  # noqa: E731
        else:
            xb = runtime.inputs(np.ascontiguousarray(spec.make_batch(batch, request["seed"] + 2)[0]))
            fn, record["first_step_ms"] = first_call(runtime, impl.build_predictor(model, mode), xb)
        yield record, fn, once


def prepare(request: Dict[str, Any], runtime, spec, impl, config: Optional[Dict], batch: int, reference: Dict) -> tuple:
    """Build the model with the spec's weights at this size (config None: the spec's own), and check it
    against the reference: the forward logits, then the losses of the first SGD steps (whose first
    call is the first step): the spec's PARITY_STEPS, or the request's `parity_steps` (a cell's later
    processes, whose parity steps are their training warm-up)."""
    from benchmarks.frameworks.layout import model_weights

    mode, seed = request["mode"], request["seed"]
    started = time.perf_counter()
    params = spec.init_params(seed, config) if config else spec.init_params(seed)
    x, y = spec.make_batch(batch, seed + 1)
    model = runtime.load_params(impl.build_model(config or spec.CONFIG), params, spec.PARAM_KINDS, model_weights(request["model"]))
    xt, yt = runtime.inputs(x), runtime.labels(y)
    logits = runtime.to_numpy(impl.build_predictor(model, mode)(xt))
    forward_diff = float(np.max(np.abs(logits.astype(np.float64) - np.asarray(reference["logits"]))))
    train_step = impl.build_trainer(model, spec.lr_for(config, batch) if config else spec.LR, mode)
    losses, first_step_ms, to_first = [], None, None
    for _ in range(min(request.get("parity_steps") or spec.PARITY_STEPS, spec.PARITY_STEPS)):
        t = time.perf_counter()
        losses.append(float(train_step(xt, yt)))
        last_step_s = time.perf_counter() - t
        if first_step_ms is None:
            first_step_ms = last_step_s * 1000
            to_first = time.time() - request["launched_at"]
    loss_diff = max_rel(losses, reference["losses"])
    ok = forward_diff <= spec.FORWARD_TOL and loss_diff <= spec.LOSS_TOL and all(map(math.isfinite, losses))
    parity = {"forward": forward_diff, "loss": loss_diff, "steps": len(losses), "ok": ok, "first_step_ms": first_step_ms,
              "time_to_first_step_s": to_first, "parity_s": time.perf_counter() - started, "last_step_s": last_step_s}
    return model, xt, yt, train_step, parity


def base_facts(request: Dict[str, Any], runtime, spec, import_s: float) -> Dict[str, Any]:
    return {"framework": runtime.framework.key, "framework_version": runtime.version(), "python": platform.python_version(),
            "model": request["model"], "mode": request["mode"], "threads": request["threads"],
            "forward_tol": spec.FORWARD_TOL, "loss_tol": spec.LOSS_TOL, "import_s": import_s,
            "kernel_libraries": runtime.kernel_libraries(), **knob_facts(request)}


def parity_facts(parity: Dict[str, Any]) -> Dict[str, Any]:
    return {"parity_forward_max_abs": parity["forward"], "parity_loss_max_rel": parity["loss"],
            "parity_steps": parity["steps"],
            "time_to_first_step_s": parity["time_to_first_step_s"], "parity_s": parity["parity_s"]}


def parity_reason(parity: Dict[str, Any], spec) -> str:
    return (f"parity: forward {parity['forward']:.2e} (tol {spec.FORWARD_TOL:g}), "
            f"loss {parity['loss']:.2e} (tol {spec.LOSS_TOL:g})")


def first_call(runtime, predict: Callable, xb) -> tuple:
    """An inference function that reads its logits back, and the ms its first call took."""
    fn = lambda: runtime.to_numpy(predict(xb))  # noqa: E731
    t = time.perf_counter()
    fn()
    return fn, (time.perf_counter() - t) * 1000


def warmup_calls(task: str) -> Optional[int]:
    """A training step needs no warm-up beyond the parity steps it has just run (0); others the request's (None)."""
    return 0 if task == "train" or TASKS.get(task, TASKS["train"]).kind == "train" else None


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, the high-water mark of its own address space.
    Not getrusage's ru_maxrss: Linux carries that across exec from the process that launched it, so
    a worker started by a harness that once held 780 MB reports at least 780 MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def finished(record: Dict[str, Any], timing: Dict[str, Any]) -> Dict[str, Any]:
    record.update(timing, status="ok", reason="")
    record["peak_rss_mb"] = peak_rss_mb()
    return record


def merge_rounds(parts: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One timing of a call from its rounds: the samples of all, CPU per step weighted by the calls."""
    calls = [len(p["samples_ms"]) * p["loops"] for p in parts]
    sampling = [p["sampling_s"] for p in parts]

    def weighted(key: str) -> Dict[str, float]:
        names = dict.fromkeys(n for p in parts for n in p[key])
        return {n: round(sum(p[key].get(n, 0.0) * c for p, c in zip(parts, calls)) / sum(calls), 4) for n in names}

    return {"samples_ms": [s for p in parts for s in p["samples_ms"]], "loops": parts[0]["loops"],
            "cpu_wall_ratio": sum(p["cpu_wall_ratio"] * w for p, w in zip(parts, sampling)) / (sum(sampling) or 1.0),
            "stop": parts[-1]["stop"], "rounds": len(parts), "warmup_s": round(sum(p["warmup_s"] for p in parts), 4),
            "sampling_s": round(sum(sampling), 4), "thread_cpu_ms_per_step": weighted("thread_cpu_ms_per_step"),
            "ctx_switches_per_step": weighted("ctx_switches_per_step"),
            **({"page_faults_per_step": weighted("page_faults_per_step")}
               if all("page_faults_per_step" in p for p in parts) else {})}


def size_sweep(request: Dict[str, Any], runtime, spec, impl, import_s: float,
               emit: Callable[[Dict[str, Any]], None]) -> None:
    """The scaling suite: at each (hidden, batch) of the plan, the parity gate, then a training step
    and an inference call at that size; one model per size, in this one process. The sizes are timed in
    `rounds` interleaved rounds that share the budget, so a slow spell of the machine lands on every size
    alike instead of bending the curve at the sizes it happened to hit."""
    facts = base_facts(request, runtime, spec, import_s)
    sizes = list(dict.fromkeys((TASKS[t].hidden, TASKS[t].batch) for t in request["tasks"]))
    timings = []  # (record, the call to time, a training step's last parity step in s, its rounds' timings), in plan order
    for hidden, batch in sizes:
        config = dict(spec.CONFIG, n_hidden=hidden)
        tasks = [t for t in request["tasks"] if (TASKS[t].hidden, TASKS[t].batch) == (hidden, batch)]
        with open(request["references"][tasks[0]]) as f:
            reference = json.load(f)
        model, xt, yt, train_step, parity = prepare(request, runtime, spec, impl, config, batch, reference)
        for task in tasks:
            kind = TASKS[task].kind
            record = dict(facts, **parity_facts(parity), task=task, batch=batch, hidden=hidden,
                          flops_per_step=spec.flops(batch, config)["train" if kind == "train" else "forward"])
            if not parity["ok"]:
                emit(dict(record, status="parity-failed", reason=parity_reason(parity, spec), samples_ms=[],
                          first_step_ms=None))
                continue
            once = None
            if kind == "train":
                record["first_step_ms"], once = parity["first_step_ms"], parity["last_step_s"]
                fn = lambda step=train_step, x=xt, y=yt: step(x, y)  # noqa: E731
            else:
                fn, record["first_step_ms"] = first_call(runtime, impl.build_predictor(model, request["mode"]), xt)
            timings.append((record, fn, once, []))
    rounds = max(1, request.get("rounds") or 1)
    share = dict(request, max_seconds=request["max_seconds"] / rounds, samples=math.ceil(request["samples"] / rounds),
                 min_samples=math.ceil(request["min_samples"] / rounds))
    for _ in range(rounds):
        for record, fn, once, parts in timings:
            parts.append(time_calls(fn, share, warmup_calls(record["task"]), parts[0]["loops"] if parts else None,
                                    None if parts else once))
    for record, _, _, parts in timings:
        emit(finished(record, merge_rounds(parts)))


def time_to_accuracy(request: Dict[str, Any], runtime, spec, impl, import_s: float,
                     emit: Callable[[Dict[str, Any]], None]) -> None:
    """Train on the digits data until test accuracy reaches the target; only training is timed."""
    tta, mode = request["tta"], request["mode"]
    config = tta["config"]
    data = np.load(tta["data"])
    shape = (-1, *tta["input_shape"])
    x_train, y_train = data["x_train"].reshape(shape), data["y_train"]
    params = spec.init_params(tta["seed"], config)
    model = runtime.load_params(impl.build_model(config), params, spec.param_kinds(config))
    train_step = impl.build_trainer(model, tta["lr"], mode)
    predict = impl.build_predictor(model, mode)
    x_test = runtime.inputs(np.ascontiguousarray(data["x_test"].reshape(shape)))
    seconds, curve, epochs_to_target, seconds_to_target = 0.0, [], None, None
    for epoch, batches in enumerate(data["order"][: tta["max_epochs"]], start=1):
        feed = [(runtime.inputs(np.ascontiguousarray(x_train[i])), runtime.labels(y_train[i])) for i in batches]
        start = time.perf_counter()
        for xb, yb in feed:
            train_step(xb, yb)
        seconds += time.perf_counter() - start
        accuracy = float(np.mean(np.argmax(runtime.to_numpy(predict(x_test)), axis=1) == data["y_test"]))
        curve.append({"epoch": epoch, "seconds": seconds, "accuracy": accuracy})
        if accuracy >= tta["target"]:
            epochs_to_target, seconds_to_target = epoch, seconds
            break
    reference = tta["reference_accuracy"][: len(curve)]
    deviation = max(abs(point["accuracy"] - ref) for point, ref in zip(curve, reference))
    status, reason = "ok", ""
    if deviation > tta["curve_tol"]:
        status, reason = "parity-failed", f"accuracy curve off the reference by {deviation:.3f} (tol {tta['curve_tol']})"
    elif epochs_to_target is None:
        status, reason = "missed-target", f"test accuracy {curve[-1]['accuracy']:.3f} < {tta['target']} after {len(curve)} epochs"
    emit({"framework": runtime.framework.key, "framework_version": runtime.version(), "python": platform.python_version(),
          "model": request["model"], "mode": mode, "threads": request["threads"], "task": "tta", **knob_facts(request),
          "batch": int(data["order"].shape[2]), "status": status, "reason": reason, "import_s": import_s,
          "target_accuracy": tta["target"], "seconds_to_target": seconds_to_target,
          "epochs_to_target": epochs_to_target, "final_accuracy": curve[-1]["accuracy"], "accuracy_curve": curve,
          "parity_accuracy_max_abs": deviation, "samples_ms": [seconds_to_target * 1000] if seconds_to_target else [],
          "first_step_ms": None, "time_to_first_step_s": None, "cpu_wall_ratio": None,
          "peak_rss_mb": peak_rss_mb(), "flops_per_step": None,
          "parity_forward_max_abs": None, "parity_loss_max_rel": None})


def probe(framework: str, emit: Callable[[Dict[str, Any]], None]) -> None:
    """Import the framework once (setup uses this to verify an environment)."""
    from benchmarks.frameworks import get_framework

    runtime = get_framework(framework).runtime
    runtime.load(1)
    emit({"version": runtime.version(), "python": platform.python_version()})


def child_pids() -> List[int]:
    """This process's live children, from /proc (none where there is no procfs)."""
    me, found = os.getpid(), []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except (OSError, ValueError):
            continue
        if name.isdigit() and int(stat[stat.rindex(")") + 2:].split()[1]) == me:
            found.append(int(name))
    return found


def stop_pools(timeout_s: float = 2.0) -> None:
    """Terminate the framework's multiprocessing pools (Jittor keeps one for compiling): a pool whose workers
    are merely killed forks replacements. Bounded: a pool that does not stop in time is left to the loop of
    reap_children and to the runner, which ends this worker's whole process group."""
    pool_module = sys.modules.get("multiprocessing.pool")
    if pool_module is None:
        return
    import gc
    import threading

    pools = [obj for obj in gc.get_objects() if isinstance(obj, pool_module.Pool)]
    stoppers = [threading.Thread(target=pool.terminate, daemon=True) for pool in pools]
    for stopper in stoppers:
        stopper.start()
    deadline = time.monotonic() + timeout_s
    for stopper in stoppers:
        stopper.join(max(0.0, deadline - time.monotonic()))


def reap_children(grace_s: float = 2.0, rounds: int = 20) -> None:
    """End and wait for the processes the framework left running (Jittor leaves seven forked helpers), so that
    their CPU time is this worker's: left behind, they would be reaped by init, and the harness would
    count what they used as other processes' (a busy machine) for this worker's cell. Pools are stopped
    first; then children are ended round after round until none is left, since a pool that missed the stop
    forks a replacement for each one it sees die."""
    import signal

    if not child_pids():
        return
    stop_pools()
    for _ in range(rounds):
        pids = child_pids()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        deadline = time.monotonic() + grace_s
        for pid in pids:
            while True:
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:  # reaped by the pool's own thread
                    break
                if done:
                    break
                if time.monotonic() > deadline:
                    try:
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                    except (OSError, ChildProcessError):
                        pass
                    break
                time.sleep(0.01)


def main() -> int:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything the framework prints goes to stderr

    def emit(obj: Dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    try:
        if sys.argv[1] == "--probe":
            probe(sys.argv[2], emit)
            clean = True
        elif sys.argv[1] == "--serve":  # the request on the first line, then one trial request per line
            clean = serve(json.loads(sys.stdin.readline()), emit, sys.stdin)
        else:
            clean = run(json.loads(sys.stdin.read() if sys.argv[1] == "-" else sys.argv[1]), emit)
    except Exception as exc:  # reported as a record by the runner, never swallowed
        emit(error_line(exc))
        return 1
    # Every record is out: skip the interpreter's teardown (framework finalizers take 0.1-0.4 s a process,
    # minutes over a run), which measures nothing.
    out.flush()
    sys.stderr.flush()
    reap_children()
    os._exit(0 if clean else 1)


if __name__ == "__main__":
    sys.exit(main())
