"""Numbers that reproduce (#12): the quiet-machine guard, the stopping rule, the estimators' agreement
and the time breakdown, with the test-only fake framework and a real second process that burns CPU."""
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest

from benchmarks import compare, guard, records
from benchmarks.breakdown import PHASES, breakdown, of_run
from benchmarks.worker import median_halfwidth, time_calls
from tests.test_faults import fake_env, fwbench  # noqa: F401 (the fixture)

REQUEST = {"max_seconds": 0.3, "warmup": 2, "min_sample_ms": 0.0, "samples": 200, "min_samples": 3,
           "target_ci": 0.02, "tight_after": 10}


def burner(seconds: float = 600) -> subprocess.Popen:
    """Another process keeping a core busy, as a build or a second benchmark would."""
    return subprocess.Popen([sys.executable, "-c", f"import time\nend = time.time() + {seconds}\n"
                                                   "while time.time() < end: pass"])


def test_the_median_interval_is_distribution_free_and_shrinks_with_n():
    rng = np.random.default_rng(0)
    small, large = rng.normal(10, 1, 20).tolist(), rng.normal(10, 1, 2000).tolist()
    assert median_halfwidth(large) < median_halfwidth(small)
    assert median_halfwidth([5.0] * 15) == 0.0
    covered = 0  # the interval covers the true median about 95% of the time
    for seed in range(300):
        x = sorted(np.random.default_rng(seed).exponential(1.0, 41))
        m, h = statistics.median(x), median_halfwidth(x) * statistics.median(x)
        covered += m - h <= np.log(2) <= m + h
    assert 0.85 <= covered / 300 <= 0.995


def test_a_steady_call_stops_on_its_interval_and_a_noisy_one_on_its_budget():
    steady = time_calls(lambda: time.sleep(0.002), REQUEST)
    assert steady["stop"] == "interval" and REQUEST["tight_after"] <= len(steady["samples_ms"]) < 60
    rng = np.random.default_rng(1)
    noisy = time_calls(lambda: time.sleep(0.001 * rng.choice([1, 4])), REQUEST)
    assert noisy["stop"] == "budget" and noisy["sampling_s"] >= REQUEST["max_seconds"]


def test_a_slow_call_takes_the_fewest_samples_past_its_budget():
    slow = time_calls(lambda: time.sleep(0.12), REQUEST)
    assert len(slow["samples_ms"]) == REQUEST["min_samples"] and slow["stop"] == "budget"
    assert slow["warmup_s"] < 0.3  # one warm-up call for a call longer than half the budget
    assert time_calls(lambda: time.sleep(0.12), REQUEST, warmup=0)["warmup_s"] < 0.2


def test_a_training_step_calibrates_on_its_last_parity_step_and_makes_no_untimed_call():
    calls, request = [], dict(REQUEST, min_sample_ms=1.0)
    timing = time_calls(lambda: calls.append(time.sleep(0.0002)), request, warmup=0, once=0.0002)
    assert len(calls) == len(timing["samples_ms"]) * timing["loops"]  # every call is in a sample
    assert timing["loops"] == 5 and timing["warmup_s"] < 0.01  # 1 ms samples of 0.2 ms calls


def test_the_guard_sees_another_process_burning_cpu_and_not_its_own_children():
    window = guard.Window()
    child = subprocess.run([sys.executable, "-c", "x = 0\nfor i in range(10**7): x += i"])  # ours: not background
    assert child.returncode == 0
    assert window.stop()["background_cpu"] < 0.3
    hog = burner(30)
    try:
        time.sleep(0.3)
        window = guard.Window()
        time.sleep(1.0)
        assert window.stop()["background_cpu"] > 0.7
        start = time.monotonic()
        waited = guard.wait_for_quiet(0.25, max_wait_s=1.0, probe_s=0.2)
        assert waited["waited_s"] >= 1.0 and waited["background_before"] > 0.7
        assert time.monotonic() - start < 5
    finally:
        hog.kill()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs a core for the burner beside the worker's")
def test_a_run_on_a_busy_machine_waits_then_flags_its_cells(fake_env, tmp_path):  # noqa: F811
    hog = burner()
    try:
        time.sleep(0.5)
        run_dir = tmp_path / "busy"
        out = fwbench(fake_env, "run", "-f", "fake_ok", "--quick", "-m", "mlp", "--modes", "eager", "-t", "1",
                      "--max-wait", "2", "--out", str(run_dir))
    finally:
        hog.kill()
    assert out.returncode == 0, out.stderr
    recs = records.read(run_dir / "records.jsonl")
    assert all(r["background_cpu"] > 0.5 and r["waited_s"] >= 2 for r in recs)
    assert "Measured on a busy machine" in (run_dir / "summary.md").read_text()


def test_a_run_waits_for_a_busy_spell_to_end_and_then_measures_quietly(fake_env, tmp_path):  # noqa: F811
    hog = burner(12)
    time.sleep(0.5)
    run_dir = tmp_path / "calms"
    out = fwbench(fake_env, "run", "-f", "fake_ok", "--quick", "-m", "mlp", "--modes", "eager", "-t", "1",
                  "--max-wait", "60", "--out", str(run_dir))
    hog.wait()
    assert out.returncode == 0, out.stderr
    recs = records.read(run_dir / "records.jsonl")
    assert all(1 <= r["waited_s"] < 30 and r["background_cpu"] < guard.BUSY_CORES for r in recs)
    # no other process flags it now; only the hypervisor's steal, which no test controls, may (and is then named)
    flagged = "Measured on a busy machine" in (run_dir / "summary.md").read_text()
    assert flagged == any(guard.busy(r) for r in recs)
    spent = of_run(run_dir)["fake_ok"]
    assert set(spent) == set(PHASES) and spent["waiting for quiet"] >= 1
    assert "### Where the run's time went" in (run_dir / "summary.md").read_text()
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["noise"]["verdict"] in ("quiet", "noisy") and meta["cpu_flags"] is not None


def record(fw, ms, task="train", threads=1, **extra):
    return dict(framework=fw, model="mlp", mode="eager", threads=threads, task=task, median_ms=ms, min_ms=ms * 0.9,
                p10_ms=ms * 0.95, time_ms=ms * 0.9, status="ok", **extra)


def test_agreement_reports_how_far_ratios_to_pytorch_moved():
    a = [record("torch", 1.0), record("paddle", 2.0), record("jax", 3.0), record("mxnet", 1.0)]
    b = [record("torch", 2.0), record("paddle", 4.0), record("jax", 6.6), record("mxnet", 2.0)]  # jax moved 10%
    found = compare.agreement(a, b)
    assert found["cells"] == 3 and found["median"] == pytest.approx(0.0)
    assert found["max"] == pytest.approx(0.10) and found["worst"][0][0].startswith("jax/")
    assert set(compare.estimator_agreement(a, b)) == set(compare.ESTIMATORS)
    assert found["steady"]["cells"] == 3  # no cell was unsteady


def test_agreement_over_steady_cells_leaves_out_unsteady_ones_and_those_over_an_unsteady_baseline():
    a = [record("torch", 1.0), record("paddle", 2.0), record("jax", 3.0, unsteady=True),
         record("torch", 1.0, task="infer_b1", unsteady=True), record("paddle", 2.0, task="infer_b1")]
    b = [record("torch", 1.0), record("paddle", 2.0), record("jax", 4.5),
         record("torch", 1.0, task="infer_b1"), record("paddle", 3.0, task="infer_b1")]
    found = compare.agreement(a, b)
    assert found["cells"] == 3 and found["max"] == pytest.approx(0.5)
    assert found["steady"] == {"cells": 1, "median": 0.0, "p90": 0.0}  # paddle's train step alone
    assert compare.steady_text(found) == "0.0% / 0.0% (1 cells)"


def test_agreement_by_thread_setting_keeps_each_ratio_over_its_own_pytorch_cell():
    a = [record("torch", 1.0), record("paddle", 2.0), record("torch", 1.0, threads=2), record("paddle", 2.0, threads=2)]
    b = [record("torch", 1.0), record("paddle", 2.0), record("torch", 1.0, threads=2), record("paddle", 3.0, threads=2)]
    found = compare.thread_agreement(a, b)
    assert found[1]["median"] == pytest.approx(0.0) and found[2]["median"] == pytest.approx(0.5)
    assert compare.thread_agreement_text(found).endswith("1 thread: 0.0% / 0.0% (1 cells); 2 threads: 50.0% / 50.0% (1 cells).")
    assert compare.thread_agreement_text({1: found[1]}) == ""


def test_agreement_by_framework_keeps_each_framework_apart_and_puts_the_best_reproduced_first():
    a = [record("torch", 1.0), record("paddle", 2.0), record("jax", 3.0),
         record("torch", 1.0, threads=2), record("paddle", 2.0, threads=2), record("jax", 3.0, threads=2)]
    b = [record("torch", 1.0), record("paddle", 2.0), record("jax", 3.3),
         record("torch", 1.0, threads=2), record("paddle", 3.0, threads=2), record("jax", 3.0, threads=2)]
    found = compare.framework_agreement(a, b)
    assert set(found) == {"paddle", "jax"}  # PyTorch is every ratio's denominator
    assert found["paddle"][1]["median"] == pytest.approx(0.0) and found["paddle"][2]["median"] == pytest.approx(0.5)
    assert found["jax"][1]["median"] == pytest.approx(0.1) and found["jax"][2]["median"] == pytest.approx(0.0)
    header, rows = compare.framework_agreement_table(found)
    assert header[1:3] == ["1 thread: median / 90th percentile", "2 threads: median / 90th percentile"]
    assert [row[0] for row in rows] == ["JAX", "PaddlePaddle"]  # its worst setting moved 10%, Paddle's 50%
    assert rows[1][1:] == ["0.0% / 0.0% (1)", "50.0% / 50.0% (1)", "paddle/mlp/eager/2/train 50%"]
    assert compare.framework_agreement_table({}) == (["Framework", "Moved most"], [])


def test_agreement_by_sample_spread_groups_cells_by_the_wider_of_their_two_runs():
    a = [record("torch", 1.0), dict(record("paddle", 2.0), model="lstm"), dict(record("torch", 1.0), model="lstm"),
         record("jax", 3.0), dict(record("jax", 3.0), model="lstm", median_ms=9.0)]  # jax's LSTM: median 3.3× its min
    b = [record("torch", 1.0), dict(record("paddle", 2.0), model="lstm"), dict(record("torch", 1.0), model="lstm"),
         record("jax", 3.3), dict(record("jax", 3.6), model="lstm")]
    found = compare.skew_agreement(a, b)  # record(): median = min / 0.9, 1.11× it
    assert [(f["lower"], f["cells"]) for f in found] == [(1.1, 2), (2.0, 1)]
    assert found[0]["median"] == pytest.approx(0.05) and found[1]["median"] == pytest.approx(0.2)
    text = compare.skew_agreement_text(found)
    assert "1.1–1.25×: 5.0% / 9.0% (2 cells); 2× and more: 20.0% / 20.0% (1 cells)." in text
    assert compare.skew_agreement_text([]) == ""


def test_a_dirty_commit_names_the_files_its_checkout_changed():
    from benchmarks.report import commit_text

    assert commit_text({"git_commit": "0123456789abcdef"}) == "`0123456789ab`"
    assert commit_text({"git_commit": "0123456789abcdef-dirty", "changed_files": ["README.md"]}) == (
        "`0123456789ab` with changes to tracked files (`README.md`)")
    assert "which, the run did not record" in commit_text({"git_commit": "0123456789abcdef-dirty"})


def test_no_steady_cell_is_explained_by_the_spread_between_processes():
    a = [record("torch", 1.0, process_spread=0.2, unsteady=True), record("paddle", 2.0, process_spread=0.3, unsteady=True)]
    b = [record("torch", 1.0, process_spread=0.02), record("paddle", 2.0, process_spread=0.04)]
    text = compare.no_steady_text(a, b, ("this run", "the repeat"))
    assert "processes was 25% in this run and 3% in the repeat" in text
    steady = [dict(r, unsteady=False) for r in a]
    assert compare.no_steady_text(steady, b) == ""


def test_the_baselines_share_holds_pytorch_at_its_common_move_and_names_the_cell_that_moved_most():
    a = [record("torch", 1.0), record("paddle", 2.0), record("jax", 3.0),
         record("torch", 1.0, task="infer_b1"), record("paddle", 1.0, task="infer_b1"), record("jax", 1.0, task="infer_b1")]
    b = [record("torch", 1.5), record("paddle", 2.2), record("jax", 3.3),  # the host 10% slower, PyTorch's step 50%
         record("torch", 1.1, task="infer_b1"), record("paddle", 1.1, task="infer_b1"), record("jax", 1.1, task="infer_b1")]
    assert compare.agreement(a, b)["max"] == pytest.approx(1 - 1.1 / 1.5)  # the training ratios fell by 27%
    found = compare.baseline_share(a, b)
    assert found["cells"] == 2 and found["common"] == pytest.approx((1.5 * 1.1) ** 0.5)
    assert found["worst"][0][0] == "mlp/eager/1/train" and found["worst"][0][2] == 2  # two ratios divide by it
    common = (1.5 * 1.1) ** 0.5  # held at it, every cell moved by 1.1 / common
    assert found["held"]["median"] == pytest.approx(1 - 1.1 / common)
    text = compare.baseline_share_text(found)
    assert "mlp/eager/1/train +" in text and "(2 ratios)" in text and "−" in text
    assert compare.baseline_share([record("paddle", 2.0)], [record("paddle", 2.0)]) is None
    assert compare.baseline_share_text(None) == ""

def process_raw(fw, minima, shared=True, task="train"):
    """A cell's raw records, one ok process per minimum (process 0 alone, the later ones shared)."""
    return [dict(framework=fw, model="mlp", mode="eager", threads=1, task=task, process=p, attempt=0, status="ok",
                 shared_with=(5 if shared and p else 1), samples_ms=[m, m * 1.5]) for p, m in enumerate(minima)]


def saved_raw(folder, found):
    """`found` written as a run folder's raw.jsonl, read back as `fwbench compare` reads it."""
    folder.mkdir()
    records.write_atomic(folder / "raw.jsonl", "".join(json.dumps(r) + "\n" for r in found))
    return compare.read_raw(folder)


def test_agreement_by_process_count_pools_the_same_processes_in_both_runs(tmp_path):
    # paddle's process 1 ran in a slow state in run B only; PyTorch ran alike throughout
    a = process_raw("torch", [1.0, 1.0, 1.0]) + process_raw("paddle", [2.0, 2.0, 2.0])
    b = process_raw("torch", [1.0, 1.0, 1.0]) + process_raw("paddle", [2.0, 3.0, 2.0])
    rows = compare.process_count_agreement(a, b)
    assert [(r["processes"], r["choices"]) for r in rows] == [(1, 3), (2, 3), (3, 1)]
    assert rows[0]["p90"] == pytest.approx(0.5 / 3) and rows[0]["p90_range"] == pytest.approx([0.0, 0.5])
    assert rows[1]["p90"] == rows[2]["p90"] == 0.0  # two processes or more: the minimum is the fast state's in both
    text = compare.process_count_text(saved_raw(tmp_path / "a", a), saved_raw(tmp_path / "b", b))
    assert "1 process: 16.7% / 16.7% (90th percentile 0.0%–50.0%); 2 processes: 0.0% / 0.0%" in text
    assert "3 processes: 0.0% / 0.0% (median / 90th percentile)" in text
    assert compare.process_count_text(compare.read_raw(tmp_path / "a"), compare.read_raw(tmp_path / "missing")) == ""


def test_agreement_by_process_count_can_keep_all_of_pytorchs_processes(tmp_path):
    # PyTorch's process 0 ran slow in run B only: taken alone, it moves every ratio
    a = process_raw("torch", [1.0, 1.0, 1.0]) + process_raw("paddle", [2.0, 2.0, 2.0])
    b = process_raw("torch", [1.5, 1.0, 1.0]) + process_raw("paddle", [2.0, 2.0, 2.0])
    plain, held = compare.process_count_agreement(a, b), compare.process_count_agreement(a, b, baseline_all=True)
    assert plain[0]["p90"] == pytest.approx((1 - 1 / 1.5) / 3)  # one of the three choices took process 0
    assert [(r["processes"], r["p90"]) for r in held] == [(1, 0.0), (2, 0.0)]  # PyTorch: the median of its minima
    text = compare.process_count_text(saved_raw(tmp_path / "a", a), saved_raw(tmp_path / "b", b))
    assert "With PyTorch's cells, the denominator of every ratio, at all their processes" in text
    # a run that already gave PyTorch's cells more processes keeps them all in every line, and needs no second
    a = process_raw("torch", [1.0] * 6) + process_raw("paddle", [2.0, 2.0, 2.0])
    b = process_raw("torch", [1.5, 1.5, 1.0, 1.0, 1.0, 1.0]) + process_raw("paddle", [2.0, 2.0, 2.0])
    assert [(r["processes"], r["p90"]) for r in compare.process_count_agreement(a, b)] == [(1, 0.0), (2, 0.0), (3, 0.0)]
    assert "at all their processes" not in compare.process_count_text(saved_raw(tmp_path / "a6", a),
                                                                     saved_raw(tmp_path / "b6", b))


def test_estimators_from_raw_samples_are_judged_by_how_their_ratios_reproduce():
    # paddle's processes 1 and 2 ran in a slow state in run B: its minimum held, the median of its minima moved
    a = process_raw("torch", [1.0, 1.0, 1.0]) + process_raw("paddle", [2.0, 2.0, 2.0])
    b = process_raw("torch", [1.0, 1.0, 1.0]) + process_raw("paddle", [2.0, 3.0, 3.0])
    found = compare.raw_estimator_agreement(a, b)
    assert list(found) == [compare.ESTIMATOR] + list(compare.RAW_ESTIMATORS)
    assert found["minimum"]["p90"] == 0.0 and found["median of process minima"]["p90"] == pytest.approx(0.5)
    assert found["minimum"]["steady"] is None  # paddle's processes disagreed in run B


def test_later_shift_compares_a_cells_later_processes_with_its_first():
    # paddle's train step ran 10% slower in its later processes; its inference alike in all
    run = (process_raw("torch", [1.0, 1.0, 1.0]) + process_raw("paddle", [2.0, 2.2, 2.3])
           + process_raw("torch", [1.0, 1.0, 1.0], task="infer_b1") + process_raw("paddle", [3.0, 3.0, 3.0], task="infer_b1"))
    shift = compare.later_shift(run)
    assert shift["cells"] == 2 and shift["shared"] and shift["median"] == pytest.approx(1.05)
    assert shift["p90"] == pytest.approx(1.09)
    assert "later ones, which were shared (each measured every model" in compare.later_shift_text(shift)
    assert "over 2 cells, a cell's ratio to PyTorch from its later processes alone was 1.050×" in compare.later_shift_text(shift)
    alone = compare.later_shift(process_raw("torch", [1.0, 1.0], shared=False) + process_raw("paddle", [2.0, 2.0], shared=False))
    assert not alone["shared"] and alone["median"] == 1.0 and "which measured one cell each, like the first:" in compare.later_shift_text(alone)
    # PyTorch's five later processes, one fast: its later minimum is the one two of them would show, not the lowest
    more = compare.later_shift(process_raw("torch", [1.0, 0.8, 1.0, 1.0, 1.0, 1.0]) + process_raw("paddle", [2.0, 2.0, 2.0]))
    assert more["median"] == 1.0
    assert compare.later_shift(process_raw("torch", [1.0]) + process_raw("paddle", [2.0])) is None  # one process per cell
    assert compare.later_shift_text(None) == ""


def test_compare_says_when_the_two_hosts_ran_at_different_speeds():
    rows = [{"ratio": 2.0}, {"ratio": 1.5}, {"ratio": None}]
    alike = {"peak_gflops": {"1": 130.0, "2": 250.0}}
    assert compare.host_speed_text(alike, {"peak_gflops": {"1": 125.0, "2": 260.0}}, rows) == ""
    assert compare.host_speed_text(alike, {}, rows) == ""  # an older run without the yardstick
    text = compare.host_speed_text(alike, {"peak_gflops": {"1": 100.0, "2": 190.0}}, rows)
    assert "130 (A) and 100 (B) GFLOP/s at 1 thread(s), 250 (A) and 190 (B) GFLOP/s at 2 thread(s)" in text
    assert "over the 2 measurements both timed, B took 1.73× A's time" in text


def test_the_time_breakdown_adds_up_to_the_worker_time():
    raw = [dict(record("fake", 1.0, task=t), batch=b, process=0, attempt=0, import_s=1.0, parity_s=2.0, warmup_s=0.5,
                sampling_s=1.0, waited_s=3.0, worker_s=10.0) for t, b in (("train", 64), ("infer_b1", 1), ("infer_b64", 64))]
    phases = breakdown(raw)["fake"]
    assert phases["import"] == 1.0 and phases["build + parity"] == 2.0 and phases["warm-up"] == 1.5
    assert phases["samples"] == 3.0 and phases["waiting for quiet"] == 3.0
    assert phases["other"] == pytest.approx(10.0 - 1.0 - 2.0 - 1.5 - 3.0)


def test_a_worker_process_that_measured_two_models_counts_its_import_and_its_wait_once():
    raw = [dict(record("fake", 1.0, task="train"), model=m, batch=64, process=1, attempt=0, import_s=1.0, parity_s=2.0,
                warmup_s=0.0, sampling_s=1.0, waited_s=3.0, worker_s=10.0, launch="17.5", shared_with=2, position=i)
           for i, m in enumerate(("mlp", "lenet5"))]
    phases = breakdown(raw)["fake"]
    assert phases["import"] == 1.0 and phases["waiting for quiet"] == 3.0
    assert phases["build + parity"] == 4.0 and phases["samples"] == 2.0  # each model's own
    assert phases["other"] == pytest.approx(10.0 - 1.0 - 4.0 - 2.0)


def test_a_cells_first_process_checks_parity_in_full_and_its_later_ones_warm_up_on_two_steps(fake_env, tmp_path):  # noqa: F811
    from models.mlp import spec

    run_dir = tmp_path / "three"
    out = fwbench(fake_env, "run", "-f", "fake_ok", "--processes", "3", "-m", "mlp", "--modes", "eager",
                  "-t", "1", "--max-wait", "5", "--out", str(run_dir))
    assert out.returncode == 0, out.stderr
    steps = {r["process"]: r["parity_steps"] for r in records.read(run_dir / "raw.jsonl")}
    assert steps == {0: spec.PARITY_STEPS, 1: 2, 2: 2}
    recs = records.read(run_dir / "records.jsonl")
    assert all(r["parity_steps"] == spec.PARITY_STEPS and r["estimator"] == "minimum" for r in recs)
    assert all(r["time_ms"] == min(r["samples_ms"]) for r in recs)
    assert f"the loss over the first {spec.PARITY_STEPS} SGD steps" in (run_dir / "summary.md").read_text()


def test_a_quick_run_checks_parity_over_two_steps_and_says_so(fake_env, tmp_path):  # noqa: F811
    run_dir = tmp_path / "quick"
    out = fwbench(fake_env, "run", "-f", "fake_ok", "--quick", "-m", "mlp", "--out", str(run_dir))
    assert out.returncode == 0, out.stderr
    assert {r["parity_steps"] for r in records.read(run_dir / "raw.jsonl")} == {2}
    assert "the loss over the first 2 SGD steps" in (run_dir / "summary.md").read_text()


def test_a_noisy_machine_is_named_in_every_table_and_refused_with_require_quiet(fake_env, tmp_path):  # noqa: F811
    from benchmarks import report

    quiet = {"cv": 0.01, "verdict": "quiet"}
    assert report.noisy_machine_text({"noise": quiet, "noise_after": quiet}) == ""
    text = report.noisy_machine_text({"noise": quiet, "noise_after": {"cv": 0.12, "verdict": "noisy"}})
    assert "**Taken on a noisy machine**" in text and "CV 1.0% before the run and CV 12.0% after the run" in text
    last_core = sorted(os.sched_getaffinity(0))[-1]
    hog = subprocess.Popen(["taskset", "-c", str(last_core), sys.executable, "-c",
                            "import time\nend = time.time() + 60\nwhile time.time() < end: pass"])
    try:
        time.sleep(0.3)
        out = fwbench(fake_env, "run", "-f", "fake_ok", "--quick", "-m", "mlp", "--require-quiet",
                      "--out", str(tmp_path / "refused"))
        waited = fwbench(fake_env, "run", "-f", "fake_ok", "--quick", "-m", "mlp", "--require-quiet", "0.4",
                         "--out", str(tmp_path / "waited"))  # checks again after 15 s, then gives up
    finally:
        hog.kill()
    assert out.returncode == 2 and not (tmp_path / "refused").exists()
    assert out.stderr.strip().count("\n") == 0 and "this machine is noisy" in out.stderr and "--require-quiet" in out.stderr
    assert waited.returncode == 2 and not (tmp_path / "waited").exists()
    lines = waited.stderr.strip().splitlines()
    assert lines[0].startswith("noisy (CV ") and "checking again in 15 s" in lines[0]
    assert "this machine is noisy for 0.4 min (2 checks, CV " in lines[-1]


def test_require_quiet_with_minutes_checks_again_and_records_the_checks_that_refused(monkeypatch):
    from benchmarks import cli, peak

    found = iter([{"cv": 0.08, "verdict": "noisy"}, {"cv": 0.05, "verdict": "noisy"}, {"cv": 0.02, "verdict": "quiet"}])
    monkeypatch.setattr(peak, "noise", lambda: next(found))
    monkeypatch.setattr(cli, "QUIET_RECHECK_S", 0.0)
    assert cli.quiet_enough(1.0) == {"cv": 0.02, "verdict": "quiet", "refused_cvs": [0.08, 0.05]}
    monkeypatch.setattr(peak, "noise", lambda: {"cv": 0.08, "verdict": "noisy"})
    assert cli.quiet_enough(None) == {"cv": 0.08, "verdict": "noisy"}  # without --require-quiet: noted, not refused


def test_rounds_of_one_call_merge_into_one_timing_weighted_by_calls():
    from benchmarks.worker import merge_rounds

    first = {"samples_ms": [2.0, 2.0], "loops": 3, "cpu_wall_ratio": 1.0, "stop": "budget", "warmup_s": 0.1,
             "sampling_s": 1.0, "thread_cpu_ms_per_step": {"main": 2.0}, "ctx_switches_per_step": {"voluntary": 0.0}}
    second = dict(first, samples_ms=[1.0] * 6, cpu_wall_ratio=0.5, stop="interval", warmup_s=0.0, sampling_s=3.0,
                  thread_cpu_ms_per_step={"main": 1.0, "helper": 0.5}, ctx_switches_per_step={"voluntary": 4.0})
    merged = merge_rounds([first, second])
    assert merged["samples_ms"] == [2.0, 2.0] + [1.0] * 6 and merged["rounds"] == 2 and merged["stop"] == "interval"
    assert merged["cpu_wall_ratio"] == pytest.approx(0.625) and merged["sampling_s"] == 4.0  # weighted by time
    assert merged["thread_cpu_ms_per_step"] == {"main": 1.25, "helper": 0.375}  # weighted by calls: 6 and 18
    assert merged["ctx_switches_per_step"] == {"voluntary": 3.0}


class LazyRuntime:
    """A runtime like Jittor's: a step returns its loss after the forward pass; its backward pass runs
    at the next sync, which any model's call makes (so a call of another model can run it)."""
    FORWARD_S, BACKWARD_S = 0.002, 0.004

    def __init__(self):
        self.pending = 0

    def step(self):
        time.sleep(self.pending * self.BACKWARD_S + self.FORWARD_S)  # the sync: what was pending, then this forward
        self.pending = 1


def test_a_later_round_settles_pending_work_before_it_samples():
    runtime = LazyRuntime()
    request = dict(REQUEST, max_seconds=0.1, min_samples=3, samples=3)
    first = time_calls(runtime.step, request, warmup=0)
    runtime.step()  # another size's round: runs this model's pending backward outside its timings
    runtime.pending = 0
    later = time_calls(runtime.step, request, warmup=0, loops=first["loops"])
    whole = (LazyRuntime.FORWARD_S + LazyRuntime.BACKWARD_S) * 1000
    assert min(later["samples_ms"]) >= 0.95 * whole  # no sample holds a forward pass alone
    assert later["warmup_s"] >= LazyRuntime.FORWARD_S  # the settling call is counted as warm-up


def test_of_a_processes_attempts_the_ok_one_on_the_fastest_host_counts():
    from benchmarks.runner import aggregate, last_attempts

    def raw(process, attempt, host, status="ok"):
        return dict(record("torch", 1.0 + process + host), process=process, attempt=attempt, host_slowdown=host,
                    status=status, reason="" if status == "ok" else "killed by signal 9", samples_ms=[1.0 + host],
                    peak_rss_mb=100.0)

    attempts = [raw(0, 0, 1.5), raw(0, 1, 1.05),  # taken again on a slow host: the faster host counts
                raw(1, 0, 1.3), raw(1, 1, 1.4),  # ... unless the second try was slower still
                raw(2, 0, 1.0, "failed"), raw(2, 1, 1.2),  # lost, then ok
                raw(3, 0, 1.2), raw(3, 1, 1.0, "failed")]  # ok, then lost: the ok one
    kept = last_attempts(attempts)
    assert [(r["process"], r["attempt"]) for r in kept] == [(0, 1), (1, 0), (2, 1), (3, 0)]
    cell = aggregate(attempts, 4)
    assert cell["host_retried"] == 3 and cell["retried"] == 1 and cell["host_slowdown"] == 1.3
    assert guard.host_slow(cell) and not guard.host_slow({"host_slowdown": 1.1}) and not guard.host_slow({})


@pytest.fixture
def fake_in_process(fake_env, monkeypatch):  # noqa: F811
    """The fake framework's adapters, seen by this process (run_matrix called directly)."""
    from benchmarks import adapters

    for key in ("FWBENCH_HOME", "FWBENCH_EXTRA_ADAPTERS", "FAKE_SLOW_S"):
        monkeypatch.setenv(key, fake_env[key])
    adapters.adapter_modules.cache_clear()
    adapters.all_adapters.cache_clear()
    yield
    adapters.adapter_modules.cache_clear()
    adapters.all_adapters.cache_clear()


def test_a_worker_waits_for_a_slow_host_is_taken_again_when_it_slowed_and_says_so(fake_in_process, tmp_path):
    from benchmarks import report, runner
    from benchmarks.plan import PROFILES, Cell, jobs

    cores = sorted(os.sched_getaffinity(0))
    # calibration, then the first worker: slow twice before it (it waits), full speed, slow after it (taken
    # again); the second attempt: full speed before and after
    speeds = iter([1.0] * len(cores) + [2.0, 2.0, 1.0, 1.6, 1.0, 1.02])
    probes = []
    host = guard.HostSpeed(cores, probe=lambda cpu, seconds=0.03: probes.append(cpu) or next(speeds))
    cell = Cell("fake_ok", "mlp", "eager", 1)
    # one job: a quarter of its own first pass would not cover its retake, so the budget is lifted here
    profile = replace(PROFILES["quick"], host_retries=1, host_wait_s=10.0, host_retry_share=100.0)
    runner.run_matrix(tmp_path, profile, jobs([cell], 1), host=host)
    raw = records.read(tmp_path / "raw.jsonl")
    first, second = ([r for r in raw if r["attempt"] == a] for a in (0, 1))
    assert first and second and {r["host_slowdown"] for r in first} == {1.6} and first[0]["waited_s"] >= 0.5
    assert {r["host_slowdown"] for r in second} == {1.02} and len(probes) == len(cores) + 6
    assert set(probes[len(cores):]) == {runner.cpus_for(1)[0]}  # the worker's own core
    recs = records.read(tmp_path / "records.jsonl")
    assert all(r["host_retried"] == 1 and r["host_slowdown"] == 1.02 and not r.get("warnings") for r in recs)
    assert "1 cell-processes (a shared worker process counts once per cell it measured) were taken again" in report.host_slow_text(recs)
    assert "Measured on a slow host" in report.host_slow_text([dict(recs[0], host_slowdown=1.6)])
    assert PROFILES["quick"].host_retries == 0 and PROFILES["quick"].host_wait_s == 0  # a first look only notes it


def test_slow_host_processes_are_taken_again_worst_first_within_the_retake_budget(fake_in_process, tmp_path):
    import itertools

    from benchmarks import report, runner
    from benchmarks.plan import PROFILES, Cell, jobs

    cores = sorted(os.sched_getaffinity(0))
    cells = [Cell("fake_ok", "mlp", "eager", 1), Cell("fake_ok", "mlp", "compiled", 1)]

    def run(folder, share):  # both first attempts end on a slow host (1.3x, then 1.8x); every retake at full speed
        speeds = itertools.chain([1.0] * len(cores), [1.0, 1.3, 1.0, 1.8], itertools.repeat(1.0))
        host = guard.HostSpeed(cores, probe=lambda cpu, seconds=0.03: next(speeds))
        profile = replace(PROFILES["quick"], host_retries=1, host_retry_share=share)
        folder.mkdir()
        return runner.run_matrix(folder, profile, jobs(cells, 1), host=host)

    generous, spent = run(tmp_path / "generous", 100.0), run(tmp_path / "spent", 0.0)
    retaken = [r for r in records.read(tmp_path / "generous" / "raw.jsonl") if r["attempt"] == 1]
    assert [r["mode"] for r in sorted(retaken, key=lambda r: float(r["launch"]))][::3] == ["compiled", "eager"]
    assert generous["taken"] == generous["full_speed"] == 2 and generous["skipped"] == 0 and not generous["stopped"]
    assert spent["taken"] == 0 and spent["skipped"] == 2 and spent["stopped"] == "budget"
    assert not any(r["attempt"] for r in records.read(tmp_path / "spent" / "raw.jsonl"))
    recs = records.read(tmp_path / "spent" / "records.jsonl")
    assert {r["mode"] for r in recs} == {"eager", "compiled"} and all(guard.host_slow(r) for r in recs)
    text = report.host_slow_text(recs, spent)
    assert "2 more slow-host worker processes were not taken again: its budget, 0% of the first pass" in text


def test_retakes_stop_once_they_keep_finding_a_slow_host():
    budget = guard.RetakeBudget(share=1.0, futile_after=3)
    budget.first_pass_s = 100.0
    for slowdown in (1.5, 1.05, 1.4):  # one of three found full speed: a third is still worth it
        assert budget.allows(10.0)
        budget.took(10.0, slowdown)
    assert budget.allows(10.0) and not budget.stopped
    budget.took(10.0, 1.6)  # one of four
    assert not budget.allows(1.0) and budget.stopped == "futile"
    assert guard.RetakeBudget(share=0.25).allows(1.0) is False  # no first pass yet: nothing to spend
    spent = guard.RetakeBudget(share=0.25)
    spent.first_pass_s = 100.0
    assert spent.allows(25.0) and not spent.allows(25.1) and spent.stopped == "budget"


def test_the_host_probe_times_real_work_on_the_core_it_is_given():
    core = sorted(os.sched_getaffinity(0))[0]
    before = os.sched_getaffinity(0)
    small, large = guard.host_probe(core, 0.05, size=32), guard.host_probe(core, 0.05, size=256)
    assert 0 < small < large and os.sched_getaffinity(0) == before  # 512x the flops takes longer; affinity restored


LEFT_BEHIND = """
import os, time
from benchmarks.worker import reap_children
pid = os.fork()
if pid == 0:  # a framework's helper process that outlives its work, as Jittor's helpers do
    end = time.process_time() + 1.0
    while time.process_time() < end:
        pass
    time.sleep(60)
    os._exit(0)
time.sleep(1.5)
print(pid, flush=True)
reap_children()
"""


def test_a_worker_ends_the_processes_its_framework_left_and_their_cpu_counts_as_its_own():
    """Left running, they were reaped by init, and the guard counted their CPU as other processes' (Jittor's
    cells read 0.10-0.13 cores busy on an idle machine)."""
    import resource

    from benchmarks import REPO_ROOT

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", LEFT_BEHIND], capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    helper = int(out.stdout.split()[0])
    try:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert not os.path.exists(f"/proc/{helper}")
        assert (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime) >= 1.0  # the helper's second
    finally:
        if os.path.exists(f"/proc/{helper}"):
            os.kill(helper, 9)


def test_a_run_in_a_changed_checkout_records_the_files_it_changed(tmp_path, monkeypatch):
    from benchmarks import hardware

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    git("init", "-q")
    (tmp_path / "spec.py").write_text("BATCH = 64\n")
    git("add", "spec.py")
    git("commit", "-q", "-m", "spec")
    monkeypatch.setattr(hardware, "REPO_ROOT", tmp_path)
    assert hardware.changed_files() == [] and not hardware.git_commit().endswith("-dirty")
    (tmp_path / "spec.py").write_text("BATCH = 32\n")
    (tmp_path / "untracked.txt").write_text("not the code\n")  # untracked files do not count
    assert hardware.changed_files() == ["spec.py"] and hardware.git_commit().endswith("-dirty")
