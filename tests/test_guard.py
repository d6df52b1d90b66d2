"""The quiet-machine guard (benchmarks.measure.guard): other processes' CPU on fake /proc readings, its own and
its children's CPU, a real second process burning CPU seen and waited for, the retake budget and the host
probe. The process checks have bounds a busier host only moves further from."""
import os
import subprocess
import sys
import time

from benchmarks.measure import guard


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
