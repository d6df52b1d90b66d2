"""A quiet machine (#12): the guard, waiting for quiet, the host-speed retakes and a run's provenance, with the
test-only fake framework and a real second process that burns CPU. End to end, with bounds a busy host cannot
break and the bug each guards against would."""
import json
import os
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from benchmarks import guard, records
from benchmarks.breakdown import PHASES, of_run
from tests.test_faults import fake_env, fwbench  # noqa: F401 (the fixture)


def burner(seconds: float = 600) -> subprocess.Popen:
    """Another process keeping a core busy, as a build or a second benchmark would."""
    return subprocess.Popen([sys.executable, "-c", f"import time\nend = time.time() + {seconds}\n"
                                                   "while time.time() < end: pass"])


def test_the_guard_counts_other_processes_cpu_and_not_its_own_on_fake_readings():
    """/proc/stat's busy seconds minus this process's and its children's, per second of the window."""
    readings = {"machine": [(100.0, 5.0), (103.0, 5.5)], "own": [10.0, 11.5], "clock": [50.0, 52.0]}
    window = guard.Window(machine=lambda: readings["machine"].pop(0), own=lambda: readings["own"].pop(0),
                          clock=lambda: readings["clock"].pop(0))
    assert window.stop() == {"background_cpu": 0.75, "background_raw": 0.75, "steal": 0.25}  # (3 - 1.5) / 2 s; 0.5 / 2 s
    readings = {"machine": [(100.0, 0.0), (101.0, 0.0)], "own": [10.0, 11.2], "clock": [0.0, 1.0]}
    window = guard.Window(machine=lambda: readings["machine"].pop(0), own=lambda: readings["own"].pop(0),
                          clock=lambda: readings["clock"].pop(0))
    found = window.stop()
    assert found["background_cpu"] == 0.0 and found["background_raw"] == -0.2  # never below zero, but for averaging


def test_own_cpu_counts_the_children_it_waited_for():
    before = guard.own_cpu()
    child = subprocess.run([sys.executable, "-c", "x = 0\nfor i in range(10**7): x += i"])  # CPU time, whatever the load
    assert child.returncode == 0 and guard.own_cpu() - before > 0.2


def test_the_guard_sees_another_process_burning_cpu():
    """End to end, with bounds a busier host only moves further from: a burner is seen, and waited for."""
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
        out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok", "--quick", "-m", "mlp", "--modes", "eager", "-t", "1",
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
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok", "--quick", "-m", "mlp", "--modes", "eager", "-t", "1",
                  "--max-wait", "60", "--out", str(run_dir))
    hog.wait()
    assert out.returncode == 0, out.stderr
    recs = records.read(run_dir / "records.jsonl")
    assert all(r["waited_s"] >= 1 for r in recs)  # it waited for the burner
    # once the burner is gone it measures; anything else still busy (a second test run, the hypervisor's steal,
    # which no test controls) flags the cell, and the summary names it
    flagged = "Measured on a busy machine" in (run_dir / "summary.md").read_text()
    assert flagged == any(guard.busy(r) for r in recs)
    spent = of_run(run_dir)["fake_ok"]
    assert set(spent) == set(PHASES) and spent["waiting for quiet"] >= 1
    assert "### Where the run's time went" in (run_dir / "summary.md").read_text()
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["noise"]["verdict"] in ("quiet", "noisy") and meta["cpu_flags"] is not None


def test_a_cells_first_process_checks_parity_in_full_and_its_later_ones_warm_up_on_two_steps(fake_env, tmp_path):  # noqa: F811
    from models.mlp import spec

    run_dir = tmp_path / "three"
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok", "--processes", "3", "-m", "mlp", "--modes", "eager",
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
    out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok", "--quick", "-m", "mlp", "--out", str(run_dir))
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
        out = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok", "--quick", "-m", "mlp", "--require-quiet",
                      "--out", str(tmp_path / "refused"))
        waited = fwbench(fake_env, "run", "--sequential", "-f", "fake_ok", "--quick", "-m", "mlp", "--require-quiet", "0.4",
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
    from benchmarks import peak
    from benchmarks.commands import run as cli

    found = iter([{"cv": 0.08, "verdict": "noisy"}, {"cv": 0.05, "verdict": "noisy"}, {"cv": 0.02, "verdict": "quiet"}])
    monkeypatch.setattr(peak, "noise", lambda: next(found))
    monkeypatch.setattr(cli, "QUIET_RECHECK_S", 0.0)
    assert cli.quiet_enough(1.0) == {"cv": 0.02, "verdict": "quiet", "refused_cvs": [0.08, 0.05]}
    monkeypatch.setattr(peak, "noise", lambda: {"cv": 0.08, "verdict": "noisy"})
    assert cli.quiet_enough(None) == {"cv": 0.08, "verdict": "noisy"}  # without --require-quiet: noted, not refused


@pytest.fixture
def fake_in_process(fake_env, monkeypatch):  # noqa: F811
    """The fake frameworks, seen by this process (run_matrix called directly)."""
    from benchmarks import frameworks

    for key in ("FWBENCH_HOME", "FWBENCH_EXTRA_FRAMEWORKS", "FAKE_SLOW_S"):
        monkeypatch.setenv(key, fake_env[key])
    frameworks.all_frameworks.cache_clear()
    yield
    frameworks.all_frameworks.cache_clear()


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
    git("checkout", "-q", "spec.py")
    (tmp_path / "results" / "reference").mkdir(parents=True)
    (tmp_path / "results" / "reference" / "meta.json").write_text("{}\n")
    git("add", "results")
    git("commit", "-q", "-m", "a run")
    (tmp_path / "results" / "reference" / "meta.json").unlink()  # a run folder replaced: outputs, not code
    assert hardware.changed_files() == [] and not hardware.git_commit().endswith("-dirty")

