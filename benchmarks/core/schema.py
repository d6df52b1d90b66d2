"""The record and meta.json schemas, declared once: the CSV columns, the check on read and docs/records.md
(`python -m benchmarks.core.schema > docs/records.md`) all come from here.

A record is one cell and task of records.jsonl. Its `schema_version` says which keys it may carry; records of
older versions still read (stats.headline fills `time_ms` for records taken before the estimator was chosen).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

SCHEMA_VERSION = 2  # 2: attempts and retries, warnings, code metrics at the run's commit

KINDS = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list,), "dict": (dict,)}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # a key of KINDS; every field may also be null (a failed cell has no timing)
    doc: str
    required: bool = False  # in every record, failed ones included
    csv: bool = False  # a column of summary.csv; a two-number interval becomes <name>_low_ms, <name>_high_ms
    only: str = ""  # in these records only: "scaling" (size sweep), "tta" (time to accuracy), "merged"


F = Field
RECORD: Tuple[Field, ...] = (
    F("framework", "str", "the framework's key (`torch`, `paddle`, ...)", True, True),
    F("framework_version", "str", "its version in the worker's environment", True, True),
    F("python", "str", "the worker's CPython version", True, True),
    F("model", "str", "`mlp`, `lenet5`, `resnet`, `lstm` or `transformer`", True, True),
    F("task", "str", "`train` (one SGD step), `infer_b1`, `infer_b64`; `tta`; the size sweep's `scale_train_h<hidden>_b<batch>` and `scale_infer_...`", True, True),
    F("mode", "str", "`eager`, `compiled` or `xla`; what each means per framework: `fwbench list`", True, True),
    F("threads", "int", "the thread setting; the worker is pinned to that many cores", True, True),
    F("batch", "int", "the batch size of the timed call", True, True),
    F("status", "str", "`ok`, `failed`, `timeout`, `parity-failed` or `missed-target`", True, True),
    F("reason", "str", "why it is not ok: the signal, the last error line or the parity figures", True, True),
    F("estimator", "str", "what `time_ms` is: `minimum` (older runs: `median`)", csv=True),
    F("time_ms", "float", "the headline time of one call (that estimator): what tables use", True, True),
    F("time_ci95_ms", "list", "its conservative 95% interval [low, high]", True, True),
    F("process_spread", "float", "how far the cell's worker processes disagreed (largest over smallest minimum)", csv=True),
    F("unsteady", "bool", "the processes disagreed by more than stats.UNSTEADY_SPREAD", csv=True),
    F("median_ms", "float", "the median sample", True, True),
    F("ci95_ms", "list", "the median's distribution-free 95% interval [low, high]", True, True),
    F("min_ms", "float", "the fastest sample", csv=True),
    F("p10_ms", "float", "the 10th-percentile sample", csv=True),
    F("cv", "float", "the samples' coefficient of variation", csv=True),
    F("noisy", "bool", "the CV is above stats.NOISY_CV", csv=True),
    F("n_samples", "int", "samples over all worker processes", csv=True),
    F("processes", "int", "worker processes that measured the cell", csv=True),
    F("first_step_ms", "float", "the first call in a fresh process: compilation and allocation included", True, True),
    F("import_s", "float", "seconds to import the framework in the worker", csv=True),
    F("time_to_first_step_s", "float", "from launching the worker to the end of its first training step", csv=True),
    F("peak_rss_mb", "float", "the worker's own peak resident memory (VmHWM)", csv=True),
    F("cpu_wall_ratio", "float", "CPU seconds over wall seconds while sampling", csv=True),
    F("threads_verified", "bool", "the worker used no more cores than its thread setting", csv=True),
    F("flops_per_step", "int", "floating-point operations of one call, from the spec", csv=True),
    F("achieved_gflops", "float", "flops_per_step over time_ms", csv=True),
    F("peak_gflops", "float", "numpy's GEMM peak on the same cores", csv=True),
    F("peak_fraction", "float", "achieved over peak", csv=True),
    F("parity_forward_max_abs", "float", "the forward logits' largest absolute difference from the numpy reference", True, True),
    F("parity_loss_max_rel", "float", "the first training losses' largest relative difference from the reference", True, True),
    F("forward_tol", "float", "the spec's tolerance for the former", csv=True),
    F("loss_tol", "float", "the spec's tolerance for the latter", csv=True),
    F("loc", "int", "lines of code of the model file at the run's commit (pygount)", True, True),
    F("tokens", "int", "its tokens", csv=True),
    F("api_calls", "int", "its framework API calls", csv=True),
    F("similarity_to_pytorch", "float", "how alike it is to the PyTorch file (0-1)", csv=True),
    F("schema_version", "int", "this schema's version when the record was written"),
    F("samples_ms", "list", "every sample (ms per call) of the processes that count", True),
    F("process_medians_ms", "list", "each process's median sample"),
    F("process_page_faults", "list", "each process's minor page faults per call, in the same order (runs from "
      "2026-12-08)"),
    F("tuning", "str", "`default`, `documented` or `all`: the knobs the cell applied"),
    F("knobs", "dict", "the knob variables as the worker saw them"),
    F("kernel_libraries", "list", "math libraries the framework reports and those mapped into the worker"),
    F("thread_cpu_ms_per_step", "dict", "CPU ms per call of the main thread and of each group of helper threads"),
    F("ctx_switches_per_step", "dict", "voluntary and involuntary context switches per call"),
    F("page_faults_per_step", "dict", "minor and major page faults per call (a minor one: a page mapped afresh, "
      "zeroed; runs from 2026-12-08)"),
    F("background_cpu", "float", "cores other processes used while the busiest kept process ran"),
    F("steal", "float", "cores the hypervisor took meanwhile"),
    F("host_slowdown", "float", "how slowly the host ran the cores around the slowest kept process (1.0: full speed)"),
    F("host_retried", "int", "processes taken again because the host ran slow"),
    F("waited_s", "float", "seconds spent waiting for a quiet machine"),
    F("worker_s", "float", "median seconds of the worker processes that measured the cell alone"),
    F("shared_processes", "int", "of its processes, those that measured other cells too"),
    F("over_processes", "int", "the process count its headline stands for (PyTorch's cells take more processes)"),
    F("parity_steps", "int", "training steps the parity gate compared"),
    F("parity_s", "float", "seconds of building the model and the parity gate"),
    F("stop", "str", "why sampling stopped: `interval`, `budget` or `max samples`"),
    F("warmup_s", "float", "seconds of warm-up calls"),
    F("sampling_s", "float", "seconds of sampling"),
    F("seconds_to_target", "float", "training seconds to the target accuracy (`tta` records; else null)"),
    F("retried", "int", "processes relaunched after a signal or a timeout"),
    F("warnings", "list", "what was tolerated: a lost process, a retry"),
    F("process", "int", "the first kept process's index (a leftover of raw.jsonl)"),
    F("background_before", "float", "older runs: cores other processes used just before the worker"),
    F("paired_ratio", "float", "paired runs: time over PyTorch as shipped, the 20% trimmed geometric mean over pairs of trials "
      "taken side by side (benchmarks/measure/paired.py); PyTorch's own cells: against a second PyTorch worker (A/A)", csv=True),
    F("busy_pairs", "int", "paired runs, per process: trial pairs taken while other work used more than 0.1 core"),
    F("paired_ci", "list", "its 95% interval [low, high]: where a rerun's ratio falls, from the pairs and how far worker "
      "processes settle apart (stats.paired_ratio)"),
    F("pairs", "int", "trial pairs behind it", csv=True),
    F("prepared_beside", "bool", "paired runs at one thread: its worker was prepared while another prepared on the "
      "other core (cold figures such as `first_step_ms` taken beside it; its trials ran alone on its core)"),
    F("hidden", "int", "the model's hidden width", only="scaling"),
    F("rounds", "int", "interleaved timing rounds the sizes shared", only="scaling"),
    F("target_accuracy", "float", "the test accuracy to reach", only="tta"),
    F("epochs_to_target", "int", "epochs it took", only="tta"),
    F("final_accuracy", "float", "test accuracy after the last epoch", only="tta"),
    F("accuracy_curve", "list", "{epoch, seconds, accuracy} after each epoch", only="tta"),
    F("parity_accuracy_max_abs", "float", "the curve's largest difference from the numpy reference's", only="tta"),
    F("source", "str", "the run folder the record came from", only="merged"),
    F("machine", "str", "the machine that measured it (runs from several machines)", only="merged"),
)

META: Tuple[Field, ...] = (
    F("date", "str", "when the run started (ISO 8601)", True),
    F("command", "str", "the command line that started it"),
    F("paired", "dict", "a paired run (`--paired`): its `rounds` of trial pairs per worker set; its `trial`: "
      "samples at most, the sampling budget and the time past which a call is its own trial (absent before 2026-12-07: "
      "5, 0.2 s, 0.2 s)"),
    F("git_commit", "str", "the commit, `-dirty` when tracked files differed from it"),
    F("changed_files", "list", "those tracked files"),
    F("fwbench_version", "str", "the harness's version"),
    F("harness_python", "str", "the harness's CPython"),
    F("cpu_model", "str", "the CPU", True),
    F("cpu_vendor", "str", "its vendor"),
    F("cpu_flags", "list", "the vector extensions it has"),
    F("machine", "str", "the architecture"),
    F("cores", "int", "logical CPUs"),
    F("usable_cores", "int", "those this process may use"),
    F("memory_gb", "float", "memory"),
    F("os", "str", "the platform string"),
    F("numpy_blas", "str", "numpy's BLAS"),
    F("scheduler", "dict", "kernel, preemption model, tick rate, virtual machine or not"),
    F("noise", "dict", "before the run: the CV of a fixed numpy kernel pinned to one core (quiet below 3%)"),
    F("noise_after", "dict", "the same after the run"),
    F("loadavg_before", "list", "load averages before the run"),
    F("loadavg_after", "list", "and after it"),
    F("profile", "str", "the sampling profile's name"),
    F("plan", "dict", "the planned cells and the profile: what --resume and merge need", True),
    F("records_schema", "int", "the records' schema version"),
    F("peak_gflops", "dict", "numpy's GEMM peak per thread setting"),
    F("environments", "dict", "per framework: Python, version, size, install time, extra steps, registry facts"),
    F("shard", "dict", "which shard of a plan the run is"),
    F("missing_shards", "list", "a merge's shards that were missing"),
    F("wall_s", "float", "the run's wall seconds"),
    F("interrupted", "bool", "the run was stopped before its plan was done"),
    F("host_retakes", "dict", "processes taken again on a slow host, and the budget for it"),
    F("harness_peak_rss_mb", "float", "the harness's own peak memory, workers not included"),
    F("strays_after", "int", "processes of past runs alive at the run's end"),
    F("note", "str", "a note given with the run"),
    F("release_sweep", "dict", "a release sweep (`--task releases`): its frameworks, models, rounds, disk cap, timed "
      "models and tasks"),
    F("release_facts", "dict", "a release sweep: per framework, its releases on pip's configured index (dates, wheels, "
      "cadence)"),
    F("release_sweep_run", "str", "the release sweep this run's claim C4 is judged on (`fwbench report --releases-run`)"),
    F("methods_comparison", "dict", "a methods comparison (`--task methods`): its models, thread settings, rounds, "
      "worker sets and repeats"),
)

RELEASE: Tuple[Field, ...] = (  # releases.jsonl: one per framework release (benchmarks/measure/release_sweep.py)
    F("framework", "str", "the framework's key", True),
    F("release", "str", "the release's recipe (benchmarks/frameworks/<framework>/releases/<release>.txt; envs/releases/<framework>/ before 2026-12-07), `pinned` for today's", True),
    F("newest", "bool", "today's pinned environment, the one the others are timed against"),
    F("python", "str", "the CPython of its environment"),
    F("recipe", "str", "its recipe file"),
    F("installed", "str", "the framework version its environment holds (null: it cannot install)"),
    F("install_error", "str", "why its environment cannot be built or its framework not imported, in one line"),
    F("install_s", "float", "seconds its environment took to build"),
    F("size_mb", "float", "its environment's size"),
    F("models", "dict", "per model: `outcome` (runs, numeric change, API break, harness break, cannot import, cannot "
      "install), the parity figures, and for a failure its `error`, `at` (path:line) and `code`", True),
    F("framework_version", "str", "the version the worker reported"),
    F("kernel_libraries", "list", "the kernel libraries its worker ran with"),
    F("speed", "dict", "per `model:task`: `ratio` (time over the newest release's, paired trials), `ci`, `pairs`, `ms`"),
    F("measured_at", "str", "when it was measured"),
)
AA: Tuple[Field, ...] = (  # aa.jsonl: one per method, repeat, thread setting and call (benchmarks/measure/methods.py)
    F("method", "str", "`sequential`, `paired` or `duet`", True),
    F("repeat", "int", "which taking of the whole comparison (1, 2)", True),
    F("threads", "int", "the thread setting of both sides", True),
    F("model", "str", "the model", True),
    F("task", "str", "the task", True),
    F("ratio", "float", "PyTorch's time over PyTorch's: the A/A ratio (true value 1.00)", True),
    F("ci", "list", "the 95% interval the method prints for it", True),
    F("a_ms", "float", "the first side's time (ms)"),
    F("b_ms", "float", "the second side's"),
    F("trials", "int", "the trials (or pairs) behind it"),
    F("background_cpu", "float", "paired and duet: the most CPU others used while a worker set's pairs were taken"),
    F("worker_sets", "int", "worker sets per side"),
    F("rounds", "int", "rounds of trials per worker set"),
    F("wall_s", "float", "seconds the method took at this thread setting in this repeat"),
)
del F

RECORD_KEYS = {f.name: f for f in RECORD}
META_KEYS = {f.name: f for f in META}
RELEASE_KEYS = {f.name: f for f in RELEASE}
AA_KEYS = {f.name: f for f in AA}
REQUIRED_KEYS = tuple(f.name for f in RECORD if f.required)


def csv_columns() -> Tuple[str, ...]:
    """summary.csv's columns: an interval becomes its two ends."""
    out: List[str] = []
    for f in RECORD:
        if f.csv:
            stem = f.name.removesuffix("_ms")
            out += [f"{stem}_low_ms", f"{stem}_high_ms"] if f.kind == "list" else [f.name]
    return tuple(out)


def csv_row(record: Dict[str, Any]) -> Dict[str, Any]:
    """The record with each interval split into its two ends."""
    row = dict(record)
    for f in RECORD:
        if f.csv and f.kind == "list":
            stem = f.name.removesuffix("_ms")
            row[f"{stem}_low_ms"], row[f"{stem}_high_ms"] = record.get(f.name) or [None, None]
    return row


def problems(obj: Dict[str, Any], fields: Dict[str, Field], required: bool = True) -> List[str]:
    """What does not fit the schema: a required key missing, a known key of the wrong kind (unknown keys pass:
    older and newer runs carry keys this version does not know)."""
    found = [f"no `{f.name}`" for f in fields.values() if required and f.required and f.name not in obj]
    for key, value in obj.items():
        field = fields.get(key)
        if field and value is not None and (not isinstance(value, KINDS[field.kind]) or
                                            (field.kind in ("int", "float") and isinstance(value, bool))):
            found.append(f"`{key}` is {type(value).__name__}, not {field.kind}")
    return found


def record_problems(record: Dict[str, Any]) -> List[str]:
    return problems(record, RECORD_KEYS)


def meta_problems(meta: Dict[str, Any]) -> List[str]:
    return problems(meta, META_KEYS, required=False)


def reference_markdown() -> str:
    """docs/records.md."""
    def table(fields: Tuple[Field, ...]) -> List[str]:
        rows = ["| Key | Kind | Meaning |", "|---|---|---|"]
        for f in fields:
            notes = [n for n, on in (("every record", f.required), ("CSV column", f.csv)) if on]
            notes += [f"{f.only} records only"] if f.only else []
            rows.append(f"| `{f.name}` | {f.kind} | {f.doc}" + (f" ({'; '.join(notes)})" if notes else "") + " |")
        return rows

    return "\n".join([
        "# Records and meta.json", "",
        "<!-- generated by `python -m benchmarks.core.schema > docs/records.md` from benchmarks/core/schema.py; do not edit -->", "",
        "A run folder (benchmarks/core/run_folder.py owns it) holds `meta.json`, `raw.jsonl` (one record per worker "
        "process, task and attempt, with its `process`, `attempt`, `launch`, `shared_with` and `position`, and "
        "`strays_ended` where the harness had to end processes the worker left; a paired run's also `pair_ms`, per "
        "pair this side's trial figure and the baseline's, and `baseline_first`, per pair whether the baseline's "
        "trial went first) and `records.jsonl` (one record "
        "per cell and task, built from them). Any key may be null: a failed cell has no timing. Keys this version "
        "does not know are kept and ignored.", "",
        f"## A record (schema version {SCHEMA_VERSION})", "", *table(RECORD), "",
        "## meta.json", "", *table(META), "",
        "## A release sweep's record (releases.jsonl)", "", *table(RELEASE), "",
        "## A methods comparison's record (aa.jsonl)", "", *table(AA), "",
    ])


if __name__ == "__main__":
    sys.stdout.write(reference_markdown())
