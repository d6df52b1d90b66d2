"""A run on a quiet machine (#12): waiting for quiet, flagging cells measured on a busy or slow host, refusing a
noisy machine with --require-quiet and the host-speed retakes, with the test-only fake framework and a real second
process that burns CPU. End to end, with bounds a busy host cannot break and the bug each guards against would."""
import json
import os
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from benchmarks.core import records
from benchmarks.measure import guard
from benchmarks.analysis.breakdown import PHASES, of_run
from tests.test_faults import fake_env, fwbench  # noqa: F401 (the fixture)
from tests.test_guard import burner


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



def test_a_noisy_machine_is_named_in_every_table_and_refused_with_require_quiet(fake_env, tmp_path):  # noqa: F811
    from benchmarks.outputs import report

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
    from benchmarks.measure import peak
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
    from benchmarks.measure import runner
    from benchmarks.outputs import report
    from benchmarks.core.plan import PROFILES, Cell, jobs

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

    from benchmarks.measure import runner
    from benchmarks.outputs import report
    from benchmarks.core.plan import PROFILES, Cell, jobs

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
