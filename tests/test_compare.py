"""`fwbench compare`: how far two runs' ratios to PyTorch agree, by thread setting, framework, sample spread
and process count; the time breakdown; which attempt of a process counts. Synthetic records, no processes."""
import json

import pytest

from benchmarks.analysis import compare
from benchmarks.core import records
from benchmarks.measure import guard
from benchmarks.analysis.breakdown import breakdown


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
    from benchmarks.outputs.report import commit_text

    assert commit_text({"git_commit": "0123456789abcdef"}) == "`0123456789ab`"
    assert commit_text({"git_commit": "0123456789abcdef-dirty", "changed_files": ["README.md"]}) == (
        "`0123456789ab` with changes to tracked files (`README.md`)")
    assert "which, the run did not record" in commit_text({"git_commit": "0123456789abcdef-dirty"})
    outputs_only = {"git_commit": "0123456789abcdef-dirty", "changed_files": ["results/reference/meta.json"]}
    assert commit_text(outputs_only) == "`0123456789ab` (its checkout differed only in run folders under results/)"
    from benchmarks.core.run_folder import run_commit  # its code is the commit's: code metrics read the commit's files

    assert run_commit(outputs_only) == "0123456789abcdef"
    assert run_commit(dict(outputs_only, changed_files=["results/x", "benchmarks/measure/worker.py"])) is None


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


def test_of_a_processes_attempts_the_ok_one_on_the_fastest_host_counts():
    from benchmarks.core.records import last_attempts
    from benchmarks.measure.runner import aggregate

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



def test_coverage_counts_the_cells_whose_rerun_ratio_lies_in_the_first_runs_interval():
    def timed(fw, ms, spread):
        return record(fw, ms, time_ci95_ms=[ms * 0.9 * (1 - spread), ms * 0.9 * (1 + spread)])

    a = [timed("torch", 1.0, 0.01), timed("paddle", 2.0, 0.05), timed("jax", 3.0, 0.05), timed("mxnet", 1.0, 0.05)]
    b = [timed("torch", 1.0, 0.01), timed("paddle", 2.04, 0.05), timed("jax", 3.6, 0.05), timed("mxnet", 0.99, 0.05)]
    found = compare.coverage(a, b)  # jax moved 20%, beyond its interval of about ±6%
    assert found["cells"] == 3 and found["share"] == pytest.approx(2 / 3)
    assert found["width"] == pytest.approx(1.05 / 0.95 * 1.01 / 0.99 - 1, rel=1e-6)
    text = compare.coverage_text(a, b, ("run 1", "run 2"))
    assert "run 2's ratio in run 1's interval for 67% of 3 cells" in text and "lower bound" in text
    assert "Both at or above 90%" in compare.coverage_text(a, a)
    assert compare.coverage(a, [timed("torch", 1.0, 0.01)]) is None  # no shared cell but PyTorch's


def test_two_paired_runs_are_compared_by_their_paired_ratios_first():
    def paired(fw, ratio):
        return record(fw, ratio, paired_ratio=ratio, paired_ci=[ratio * 0.9, ratio * 1.1])

    a = [paired("torch", 1.0), paired("paddle", 2.0), paired("jax", 3.0)]
    b = [paired("torch", 1.02), paired("paddle", 2.2), paired("jax", 3.5)]
    rows = compare.reproducibility_rows(a, b)
    assert rows[0][:2] == ["paired ratio (tables)", "3"]  # PyTorch's A/A cell is one of them
    assert rows[0][3] == "15.3%" and all(not r[0].endswith("(tables)") for r in rows[1:])
    assert compare.coverage(a, b)["share"] == pytest.approx(2 / 3)  # jax's 3.5 lies outside [2.7, 3.3]


def test_a_paired_runs_aa_test_counts_pytorch_as_shipped_only_not_its_compiled_mode():
    from benchmarks.analysis.compare import paired_aa

    def record(mode, ratio, ci):
        return {"framework": "torch", "mode": mode, "tuning": "default", "paired_ratio": ratio, "paired_ci": ci}

    found = paired_aa([record("eager", 1.01, [0.95, 1.05]), record("eager", 0.99, [0.97, 1.02]),
                       record("compiled", 0.6, [0.55, 0.65])])  # compiled against eager is a real ratio
    assert found["cells"] == 2 and found["holds_one"] == 1.0 and abs(found["bias"] - 1) < 0.01


def test_the_readme_trust_line_gives_both_runs_coverage_and_judges_by_the_weaker():
    from benchmarks.analysis.reproducibility import trust_line

    def run(ratio, half):
        return [{"framework": "paddle", "model": m, "mode": "eager", "threads": 1, "tuning": "default", "task": "train",
                 "status": "ok", "paired_ratio": ratio, "paired_ci": [ratio / half, ratio * half]}
                for m in ("mlp", "lenet5")]

    wide, narrow = (run(2.0, 1.2), {}), (run(2.3, 1.05), {})  # the first's interval holds 2.3, the repeat's not 2.0
    line = trust_line(wide, narrow)
    assert "held the other run's ratio for 100% and 0% of cells" in line and "too narrow" in line
    assert "the intervals hold" in trust_line(wide, (run(2.1, 1.2), {}))
