import json

import pytest

from benchmarks.core import records
from benchmarks.core.errors import UserError
from benchmarks.measure.runner import aggregate


def raw(process, samples, status="ok"):
    return {
        "framework": "torch", "framework_version": "2", "python": "3.11", "model": "mlp", "mode": "eager",
        "threads": 1, "task": "train", "batch": 64, "status": status, "reason": "" if status == "ok" else "boom",
        "samples_ms": samples, "first_step_ms": 5.0, "parity_forward_max_abs": 1e-7, "parity_loss_max_rel": 1e-8,
        "import_s": 1.0, "time_to_first_step_s": 2.0, "cpu_wall_ratio": 1.0, "peak_rss_mb": 100.0 + process,
        "flops_per_step": 1e6, "process": process,
    }


def test_aggregate_has_every_required_key():
    record = aggregate([raw(0, [1.0, 1.1]), raw(1, [1.2, 1.0])], processes=2)
    assert records.missing_keys(record) == []
    assert record["status"] == "ok"
    assert record["samples_ms"] == [1.0, 1.1, 1.2, 1.0]
    assert record["processes"] == 2
    assert record["peak_rss_mb"] == 101.0
    assert record["ci95_ms"][0] <= record["median_ms"] <= record["ci95_ms"][1]
    assert record["estimator"] == "minimum" and record["time_ms"] == record["min_ms"] == 1.0
    assert record["time_ci95_ms"][0] <= record["time_ms"] <= record["time_ci95_ms"][1]
    assert record["process_spread"] == pytest.approx(0.0) and record["unsteady"] is False
    assert record["loc"] > 10
    assert "process_page_faults" not in record  # workers before page faults were counted
    faulting = [dict(raw(n, [1.0]), page_faults_per_step={"minor": minor, "major": 0.0}) for n, minor in enumerate((48, 4758))]
    assert aggregate(faulting, processes=2)["process_page_faults"] == [48, 4758]


def test_a_cell_with_more_processes_than_the_others_takes_the_minimum_their_count_would_show():
    """PyTorch's cells take twice the processes, yet their headline is the minimum the others' count (three)
    would show: the median over every three of them. The same quantity, not a lower one."""
    from itertools import combinations

    import numpy as np

    minima = [5.0, 1.0, 3.0, 2.0, 6.0, 4.0]
    group = [raw(p, [m, m + 0.5]) for p, m in enumerate(minima)]
    record = aggregate(group, processes=6, over_processes=3)
    assert record["time_ms"] == np.median([min(c) for c in combinations(minima, 3)]) == 1.5
    assert record["min_ms"] == 1.0
    assert record["over_processes"] == 3 and record["processes"] == 6
    assert record["time_ci95_ms"][0] < record["time_ms"] < record["time_ci95_ms"][1]
    plain = aggregate(group[:3], processes=3, over_processes=3)  # as many processes as the others: the minimum
    assert plain["time_ms"] == plain["min_ms"] == 1.0 and plain["over_processes"] == 3
    assert plain["time_ci95_ms"] == aggregate(group[:3], processes=3)["time_ci95_ms"]


def test_a_processs_cold_facts_come_from_the_processes_that_measured_the_cell_alone():
    """A process that measured other models first has their memory and their warm caches: its timings
    count, its peak RSS, first step, import and time to first step do not."""
    warm = dict(raw(1, [0.9, 1.0]), shared_with=5, position=3, peak_rss_mb=900.0, first_step_ms=1.0,
                time_to_first_step_s=30.0)
    record = aggregate([raw(0, [1.0, 1.1]), warm], processes=2)
    assert record["samples_ms"] == [1.0, 1.1, 0.9, 1.0] and record["time_ms"] == 0.9
    assert record["peak_rss_mb"] == 100.0 and record["first_step_ms"] == 5.0
    assert record["time_to_first_step_s"] == 2.0
    assert record["shared_processes"] == 1 and "shared_with" not in record and "position" not in record


def test_one_failed_process_fails_the_cell():
    failed = dict(raw(1, []), status="failed", reason="worker killed by signal 11")
    record = aggregate([raw(0, [1.0]), failed], processes=2)
    assert record["status"] == "failed"
    assert "1 of 2 processes" in record["reason"]
    assert record["median_ms"] is None and record["time_ms"] is None


def test_torn_last_line_is_skipped(tmp_path, capsys):
    path = tmp_path / "records.jsonl"
    records.append(path, {"a": 1})
    with open(path, "a") as f:
        f.write('{"a": 2, "b"')
    assert records.read(path) == [{"a": 1}]
    assert "torn" in capsys.readouterr().err


def test_garbage_in_the_middle_names_the_line(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"a": 1}) + "\nnot json\n" + json.dumps({"a": 2}) + "\n")
    with pytest.raises(UserError, match="records.jsonl:2"):
        records.read(path)


def test_write_atomic_leaves_no_temp_file(tmp_path):
    path = tmp_path / "summary.md"
    records.write_atomic(path, "hello")
    assert path.read_text() == "hello"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.md"]


def killed(process, attempt=0, sig=9):
    return dict(raw(process, []), status="failed", reason=f"worker killed by signal {sig}", signal=sig, attempt=attempt)


def test_a_process_lost_to_a_signal_is_tolerated_while_two_good_ones_remain():
    record = aggregate([raw(0, [1.0]), raw(1, [1.1]), killed(2)], processes=3)
    assert record["status"] == "ok" and record["median_ms"] is not None
    assert "1 of 3 processes" in record["warnings"][0]
    assert aggregate([raw(0, [1.0]), killed(1)], processes=2)["status"] == "failed"


def test_the_last_attempt_counts_and_the_retry_is_recorded():
    record = aggregate([killed(0), dict(raw(0, [1.0]), attempt=1), raw(1, [1.2])], processes=2)
    assert record["status"] == "ok" and record["retried"] == 1
    assert record["samples_ms"] == [1.0, 1.2] and "signal 9" in record["warnings"][0]
    assert "attempt" not in record and "signal" not in record


def test_a_workers_peak_memory_is_its_own_not_its_launchers():
    """Linux carries getrusage's ru_maxrss across exec, so a worker launched by a harness that once held
    hundreds of MB reported that much (every cell of results/amd-full read 780 MB)."""
    import subprocess
    import sys

    import numpy as np

    from benchmarks import REPO_ROOT

    held = np.ones(400 * 1024 * 1024 // 8)  # the launcher touches 400 MB
    code = "from benchmarks.measure.worker import peak_rss_mb; print(peak_rss_mb())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert held.sum() > 0
    assert float(out.stdout) < 200


def test_a_crashed_shared_process_is_named_once_with_every_cell_it_measured():
    from benchmarks.outputs.report import flaky_text

    crash = "retried 1 process(es): worker killed by signal 11: first stderr line | second | third"
    recs = [dict(framework="fw", model=m, mode="compiled", threads=2, task=t, warnings=[crash])
            for m in ("mlp", "lstm") for t in ("train", "infer_b1")]
    recs.append(dict(framework="fw", model="mlp", mode="eager", threads=1, task="train"))
    text = flaky_text(recs)
    assert text == (". Flaky (a worker process was retried or lost): retried 1 process(es): worker killed by "
                    "signal 11: first stderr line (2 cells: fw/mlp/compiled/t2, fw/lstm/compiled/t2)")
    assert flaky_text(recs[-1:]) == ""
