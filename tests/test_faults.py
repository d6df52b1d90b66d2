"""Fault injection: each broken fake framework becomes a clear record; every other cell is intact.

The fakes (tests/fakefw) are numpy dressed as a framework, run through the real CLI, runner and
worker in a real environment built by `fwbench setup` in a temporary FWBENCH_HOME.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from benchmarks import REPO_ROOT
from benchmarks.core import records
from benchmarks.core.plan import PROFILES, SUITES
from benchmarks.measure.runner import parse_worker_output, threads_verified

pytestmark = pytest.mark.processes


@pytest.fixture(scope="module")
def fake_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("fwbench-home")
    env = dict(os.environ, FWBENCH_HOME=str(home), FWBENCH_EXTRA_FRAMEWORKS="tests.fakefw", FAKE_SLOW_S="4")
    out = subprocess.run([sys.executable, "-m", "benchmarks.cli", "setup", "fake_ok"], env=env, cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return env


def fwbench(env, *args, timeout=300):
    return subprocess.run([sys.executable, "-m", "benchmarks.cli", *args], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def by_framework(run_dir):
    out = {}
    for r in records.read(run_dir / "records.jsonl"):
        out.setdefault(r["framework"], []).append(r)
    return out


@pytest.fixture(scope="module")
def faulty_run(fake_env, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "faulty"
    fakes = "fake_ok,fake_segfault,fake_abort,fake_hang,fake_import,fake_garbage,fake_parity,fake_pool"
    out = fwbench(fake_env, "run", "--sequential", "-f", fakes, "--quick", "-m", "mlp", "--modes", "eager", "-t", "1", "--timeout", "5",
                  "--out", str(run_dir))
    assert out.returncode == 1, out.stderr  # some cells failed, and the run still finished
    return by_framework(run_dir)


def assert_healthy(cells):
    assert [r["task"] for r in cells] == list(SUITES["speed"])
    for r in cells:
        assert r["status"] == "ok", r["reason"]
        assert records.missing_keys(r) == []
        assert r["median_ms"] > 0


def test_fault_01_segfault_is_a_failed_record_after_one_retry(faulty_run):
    for r in faulty_run["fake_segfault"]:
        assert r["status"] == "failed" and "signal 11" in r["reason"]
        assert r["retried"] == 1 and "signal 11" in r["warnings"][0]


def test_fault_02_abort_is_a_failed_record(faulty_run):
    for r in faulty_run["fake_abort"]:
        assert r["status"] == "failed" and "signal 6" in r["reason"]


def test_fault_03_hang_past_timeout_is_a_timeout_record(faulty_run):
    for r in faulty_run["fake_hang"]:
        assert r["status"] == "timeout" and "5 s" in r["reason"] and r["retried"] == 1


def test_fault_04_import_error_names_the_module_and_is_not_retried(faulty_run):
    for r in faulty_run["fake_import"]:
        assert r["status"] == "failed" and "fakeflow" in r["reason"]
        assert "retried" not in r


def test_fault_05_junk_on_stdout_does_not_corrupt_records(faulty_run):
    assert_healthy(faulty_run["fake_garbage"])


def test_fault_06_parity_failure_is_recorded_not_timed(faulty_run):
    for r in faulty_run["fake_parity"]:
        assert r["status"] == "parity-failed"
        assert r["parity_forward_max_abs"] > r["forward_tol"]
        assert r["samples_ms"] == [] and r["median_ms"] is None


def test_fault_07_the_healthy_framework_keeps_complete_rows(faulty_run):
    assert_healthy(faulty_run["fake_ok"])
    assert len(faulty_run) == 8  # every cell has its records, failed ones included


def test_fault_07b_a_pool_that_forks_replacements_leaves_no_stray_and_costs_no_timeout(faulty_run, fake_env):
    """Within the run's 5 s timeout: a stray holding the worker's pipes would have held the cell until it."""
    assert_healthy(faulty_run["fake_pool"])
    assert all("retried" not in r for r in faulty_run["fake_pool"])
    assert fake_workers(fake_env["FWBENCH_HOME"]) == []


def test_fault_08_garbage_worker_output_parses_to_nothing():
    junk = "\x00\xff\n{not json\n[1, 2]\n" + json.dumps({"task": "train"}) + "\n" + json.dumps({"error": "boom"}) + \
        "\n" + json.dumps({"error": "bad weights", "model": "mlp"})
    found, errors = parse_worker_output(junk)
    assert found == {} and errors == {None: "boom", "mlp": "bad weights"}


def fake_workers(home):
    alive = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if "benchmarks.measure.worker" in " ".join(proc.info["cmdline"] or []) and \
                    proc.environ().get("FWBENCH_HOME") == home:
                alive.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return alive


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_fault_09_sigint_mid_run_keeps_records_and_resume_finishes(fake_env, tmp_path, stop):
    run_dir = tmp_path / "interrupted"
    cmd = [sys.executable, "-m", "benchmarks.cli", "run", "--sequential", "-f", "fake_ok,fake_slow", "--quick", "-m", "mlp", "--modes", "eager", "-t", "1",
           "--processes", "2", "--out", str(run_dir)]
    # SIGINT at its default, as under a terminal: a shell that starts CI as a background job hands it down ignored
    proc = subprocess.Popen(cmd, env=fake_env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and not (run_dir / "raw.jsonl").exists():
        time.sleep(0.1)
    while time.time() < deadline and not fake_workers(fake_env["FWBENCH_HOME"]):
        time.sleep(0.1)  # the next worker starts once the host guard finds its core at full speed
    time.sleep(0.5)  # the slow fake's worker is now running
    assert fake_workers(fake_env["FWBENCH_HOME"]), "expected a worker in flight"
    proc.send_signal(stop)  # SIGTERM as a kill or a scheduler's time limit sends it: ended as Ctrl-C ends it
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "--resume" in err
    time.sleep(0.5)
    assert fake_workers(fake_env["FWBENCH_HOME"]) == []  # no orphans
    done_before = records.read(run_dir / "raw.jsonl")
    assert done_before and all(r["status"] == "ok" for r in done_before)

    out = fwbench(fake_env, "run", "--resume", str(run_dir))
    assert out.returncode == 0, out.stderr
    raw = records.read(run_dir / "raw.jsonl")
    jobs = [(r["framework"], r["process"]) for r in raw if r["task"] == "train" and r["attempt"] == 0]
    assert sorted(jobs) == sorted({(f, p) for f in ("fake_ok", "fake_slow") for p in (0, 1)})  # none run twice
    # (a process taken again on a slow host is a later attempt of the same job, not a second job)
    assert raw[: len(done_before)] == done_before
    final = by_framework(run_dir)
    for framework in ("fake_ok", "fake_slow"):
        assert_healthy(final[framework])
        assert all(r["processes"] == 2 for r in final[framework])


def test_fault_10_resume_of_a_non_run_folder_is_one_line(fake_env, tmp_path):
    out = fwbench(fake_env, "run", "--resume", str(tmp_path))
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "not a fwbench run folder" in out.stderr


@pytest.mark.skipif(os.cpu_count() < 2, reason="needs a second core to oversubscribe")
def test_fault_11_a_worker_using_more_cores_than_its_setting_is_flagged(fake_env, tmp_path):
    run_dir = tmp_path / "threads"
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok,fake_oversubscribe", "-t", "1", "-m", "mlp", "--modes", "eager", "--quick", "--out", str(run_dir))
    assert out.returncode == 0, out.stderr
    cells = by_framework(run_dir)
    summary = (run_dir / "summary.md").read_text()
    # how much CPU the burner gets depends on what else the host runs; that its CPU is seen, and that the flag
    # follows the recorded figure, does not
    for r in cells["fake_oversubscribe"]:
        assert sum(ms for thread, ms in r["thread_cpu_ms_per_step"].items() if thread != "main") > 0
        assert r["threads_verified"] is threads_verified(r["cpu_wall_ratio"], 1)
        assert r["threads_verified"] or "cpu×" in summary
    for r in cells["fake_ok"]:
        assert r["cpu_wall_ratio"] < 1.1 and r["threads_verified"] is True


def test_a_worker_is_flagged_when_it_burns_more_cpu_than_its_thread_setting_allows():
    assert threads_verified(1.0, 1) and threads_verified(1.14, 1) and not threads_verified(1.2, 1)
    assert threads_verified(2.2, 2) and not threads_verified(2.4, 2)


def test_fault_12_a_worker_killed_once_is_retried_and_the_cell_ends_ok(fake_env, tmp_path):
    home = tmp_path / "home"  # a fresh FWBENCH_HOME: the flaky fake dies on its first launch there
    home.mkdir()
    (home / "envs").symlink_to(os.path.join(fake_env["FWBENCH_HOME"], "envs"))
    env = dict(fake_env, FWBENCH_HOME=str(home))
    run_dir = tmp_path / "flaky"
    out = fwbench(env, "run", "--sequential", "-f", "fake_flaky", "--quick", "-m", "mlp", "--modes", "eager", "-t", "1",
                  "--out", str(run_dir))
    assert out.returncode == 0, out.stderr
    cells = by_framework(run_dir)["fake_flaky"]
    assert_healthy(cells)
    for r in cells:
        assert r["retried"] == 1 and "signal 9" in r["warnings"][0]
    attempts = [(r["attempt"], r["status"]) for r in records.read(run_dir / "raw.jsonl") if r["task"] == "train"]
    assert attempts == [(0, "failed"), (1, "ok")]  # the first failure is kept
    assert "Flaky" in (run_dir / "summary.md").read_text()


def test_fault_13_retry_failed_reruns_only_the_failed_processes(fake_env, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "envs").symlink_to(os.path.join(fake_env["FWBENCH_HOME"], "envs"))
    env = dict(fake_env, FWBENCH_HOME=str(home))
    run_dir = tmp_path / "flaky"
    out = fwbench(env, "run", "--sequential", "-f", "fake_ok,fake_flaky", "--quick", "-m", "mlp", "--modes", "eager", "-t", "1",
                  "--retries", "0", "--out", str(run_dir))
    assert out.returncode == 1, out.stderr
    assert all(r["status"] == "failed" for r in by_framework(run_dir)["fake_flaky"])
    before = records.read(run_dir / "raw.jsonl")
    out = fwbench(env, "run", "--retry-failed", str(run_dir))
    assert out.returncode == 0, out.stderr
    raw = records.read(run_dir / "raw.jsonl")
    assert raw[: len(before)] == before
    rerun = raw[len(before):]
    assert {r["framework"] for r in rerun} == {"fake_flaky"} and {r["attempt"] for r in rerun} == {1}
    final = by_framework(run_dir)
    assert_healthy(final["fake_flaky"])
    assert_healthy(final["fake_ok"])
    assert len(records.read(run_dir / "records.jsonl")) == 2 * len(SUITES["speed"])  # replaced, not duplicated


@pytest.mark.parametrize("option,value,message", [
    ("--processes", "0", "--processes: 0 is out of range; give a value >= 1"),
    ("--timeout", "-1", "--timeout: -1 is out of range; give a value > 0"),
    ("--timeout", "0", "--timeout: 0 is out of range; give a value > 0"),
    ("--retries", "-1", "--retries: -1 is out of range; give a value >= 0"),
    ("--processes", "three", "--processes: 'three' is not an integer; give one >= 1"),
])
def test_fault_14_a_bad_number_is_one_line_naming_the_range(option, value, message):
    out = subprocess.run([sys.executable, "-m", "benchmarks.cli", "run", "-f", "torch", option, value],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [f"fwbench: error: argument {message}"]


def test_fault_15_a_tuning_knob_reaches_the_worker_and_its_records(fake_env, tmp_path):
    run_dir = tmp_path / "tuned"
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok,fake_garbage", "--quick", "-m", "mlp", "--modes", "eager", "-t", "1",
                  "--tuning", "default,documented", "--out", str(run_dir))
    assert out.returncode == 0, out.stderr
    cells = by_framework(run_dir)
    tuned = [r for r in cells["fake_ok"] if r["tuning"] == "documented"]
    assert len(tuned) == len(SUITES["speed"]) and all(r["knobs"] == {"FAKE_KNOB": "on"} for r in tuned)
    assert all(r["tuning"] == "default" and r["knobs"] == {} for r in cells["fake_garbage"])  # no knob: no tuned cell
    assert "fake_ok + FAKE_KNOB=on (documented tuning)" in (run_dir / "summary.md").read_text()
    assert "fwbench: 3 cells, 3 worker processes; about " in out.stdout  # what it will do, before it starts
    assert "The answer, 1 thread:" in out.stdout and "report.html" in out.stdout  # and the answer at the end


def test_fault_16_a_helper_threads_cpu_time_is_attributed_to_it(fake_env, tmp_path):
    run_dir = tmp_path / "helper"
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok,fake_helper", "--quick", "-m", "mlp", "--modes", "eager", "-t", "1",
                  "--out", str(run_dir))
    assert out.returncode == 0, out.stderr
    cells = by_framework(run_dir)
    for r in cells["fake_helper"]:
        split = r["thread_cpu_ms_per_step"]
        assert split["fakehelper"] > 0 and split["main"] > 0, split
        assert r["ctx_switches_per_step"]["involuntary"] > 0  # two busy threads on one core take turns
    for r in cells["fake_ok"]:
        assert "fakehelper" not in r["thread_cpu_ms_per_step"] and r["thread_cpu_ms_per_step"]["main"] > 0
    assert "Anatomy of a mlp training step" in (run_dir / "summary.md").read_text()


def test_17_size_sweep_runs_end_to_end_with_one_process_per_framework_and_mode(fake_env, tmp_path):
    run_dir = tmp_path / "sweep"
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok,fake_parity", "--task", "scaling", "--quick", "--out", str(run_dir))
    assert out.returncode == 1, out.stderr  # fake_parity fails its gate at every size
    cells = by_framework(run_dir)
    ok = cells["fake_ok"]
    assert {r["task"] for r in ok} == set(SUITES["scaling"]) and {r["mode"] for r in ok} == {"eager", "compiled"}
    assert all(r["status"] == "ok" and r["hidden"] and r["flops_per_step"] for r in ok)
    assert all(r["status"] == "parity-failed" for r in cells["fake_parity"])
    raw = records.read(run_dir / "raw.jsonl")
    assert len({(r["framework"], r["mode"], r["process"]) for r in raw}) == 4  # one worker per framework x mode
    timed = [r for r in raw if r["status"] == "ok"]  # every size sampled in each of the interleaved rounds
    assert all(r["rounds"] == PROFILES["quick"].rounds > 1 and len(r["samples_ms"]) >= r["rounds"] for r in timed)
    summary = (run_dir / "summary.md").read_text()
    assert "Size sweep: overhead and throughput per training step" in summary and "fake_parity" not in summary.split(
        "Size sweep")[1].split("###")[0]  # a row only where the gate passed
    assert (run_dir / "plots" / "scaling_as_shipped.png").exists()


def test_fault_18_a_broken_model_in_a_shared_process_costs_the_other_models_nothing(fake_env, tmp_path):
    """A cell's later processes measure every model of its framework in turn: one that raises is its own
    failed record; one that kills the process loses the models after it only until they run again alone."""
    run_dir = tmp_path / "shared"
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_model_raises,fake_model_segfault", "--quick", "--processes", "3",
                  "-m", "lenet5,mlp", "--modes", "eager", "-t", "1", "--out", str(run_dir))
    assert out.returncode == 1, out.stderr
    cells = {(r["framework"], r["model"]): r for r in records.read(run_dir / "records.jsonl") if r["task"] == "train"}
    assert cells[("fake_model_raises", "lenet5")]["status"] == "failed"
    assert "ValueError: lenet5 weights" in cells[("fake_model_raises", "lenet5")]["reason"]
    assert "retried" not in cells[("fake_model_raises", "lenet5")]  # an error, not a transient death
    assert cells[("fake_model_segfault", "lenet5")]["status"] == "failed"
    assert "signal 11" in cells[("fake_model_segfault", "lenet5")]["reason"]
    for fw in ("fake_model_raises", "fake_model_segfault"):
        mlp = cells[(fw, "mlp")]
        assert mlp["status"] == "ok" and mlp["processes"] == 3, mlp["reason"]
    raw = [r for r in records.read(run_dir / "raw.jsonl") if r["model"] == "mlp" and r["task"] == "train"]
    shared = {(r["framework"], r["process"], r["attempt"]): r.get("shared_with") for r in raw if r["status"] == "ok"}
    assert shared[("fake_model_raises", 0, 0)] == 1  # the first process measures its cell alone
    assert shared[("fake_model_raises", 1, 0)] == shared[("fake_model_raises", 2, 0)] == 2
    # processes 1 and 2 put the models in opposite orders: once the crash came first and took the MLP down
    lost = [r for r in raw if r["framework"] == "fake_model_segfault" and r["status"] != "ok"]
    assert len(lost) == 1 and lost[0]["signal"] == 11
    again = [r for r in raw if r["framework"] == "fake_model_segfault" and r["process"] == lost[0]["process"]
             and r["attempt"] == 1]
    assert [(r["status"], r["shared_with"]) for r in again] == [("ok", 1)]  # run again alone


def test_setup_compiles_every_model_once_where_the_framework_keeps_kernels_on_disk(fake_env):
    from benchmarks.commands.common import thread_settings
    from benchmarks.measure.envs import MARKER

    def doctor_row() -> str:
        out = fwbench(fake_env, "doctor")
        assert out.returncode == 0, out.stderr
        return next(line for line in out.stdout.splitlines() if "fake_model_cached" in line)

    assert "empty: run fwbench setup" in doctor_row()
    # fake_model_cached's install says it keeps eager kernels on disk; its lenet5 fails to build
    out = fwbench(fake_env, "setup", "fake_model_cached")
    assert out.returncode == 0, out.stderr
    [marker_path] = (Path(fake_env["FWBENCH_HOME"]) / "envs").glob(f"fake-*/{MARKER}")
    marker = json.loads(marker_path.read_text())
    assert marker["warm_pass_s"] > 0
    # a worker process per thread setting, every model in it: the MLP ran (the fake has no other model), and
    # the broken lenet5 failed at each thread setting, said once per cell
    failures = dict(f.split(": ", 1) for f in marker["warm_pass_failures"])
    assert len(failures) == len(marker["warm_pass_failures"]) and not any(c.startswith("mlp") for c in failures)
    for t in thread_settings():
        assert "ValueError: lenet5 weights" in failures[f"lenet5 eager t{t}"]
    assert f"filled in {marker['warm_pass_s']:.0f} s" in doctor_row()
    again = fwbench(fake_env, "setup", "fake_model_cached")  # once per environment
    assert again.returncode == 0 and json.loads(marker_path.read_text())["warm_pass_s"] == marker["warm_pass_s"]
