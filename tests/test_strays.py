"""No process a worker forks outlives it, and no stray holds a cell (issue #35).

Jittor's compile pool forks a replacement for each pool worker it sees die; the worker used to end the
children it had listed once and exit, leaving the replacement holding its pipes until the cell's timeout.
"""
import os
import signal
import subprocess
import sys
import time

import pytest

from benchmarks import REPO_ROOT
from benchmarks.measure.process_group import group_members, run_in_group, strays

pytestmark = pytest.mark.processes

# A worker's end, as benchmarks.measure.worker ends: records out, then reap_children and os._exit, with a pool that
# repopulates (the fake framework's, a real multiprocessing pool) still running.
WORKER_END = """
import os
from tests.fakefw.fake_framework import start_pool
from benchmarks.measure.worker import reap_children
start_pool()
print(os.getpid(), flush=True)
reap_children()
os._exit(0)
"""


def end_leftovers(pgid: int) -> list:
    """Any process left in the group (a failure); each is ended so that it cannot hold up the suite."""
    left = group_members(pgid)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def test_a_worker_whose_pool_repopulates_leaves_no_process_of_its_group_every_time():
    """The race needs a pool worker dying while the worker waits for another: a one-off pass would miss it."""
    left_behind, hung, failed = [], 0, 0
    for _ in range(15):
        proc = subprocess.Popen([sys.executable, "-c", WORKER_END], cwd=REPO_ROOT, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert int(proc.stdout.readline()) == proc.pid  # not communicate(): a stray would hold the pipe
            failed += proc.wait(timeout=120) != 0
        except subprocess.TimeoutExpired:  # the worker itself never got past its reaping
            hung += 1
        finally:
            left_behind += end_leftovers(proc.pid)
            proc.kill()
            proc.wait()
    assert (hung, failed, left_behind) == (0, 0, [])


# A worker that writes its record and exits, leaving a forked helper that holds its stdout and stderr.
LEAVES_A_STRAY = """
import os, time
if os.fork() == 0:
    time.sleep(600)
    os._exit(0)
print('{"record": 1}', flush=True)
os._exit(0)
"""


def test_the_runner_reads_a_worker_that_exited_without_waiting_for_its_stray_and_ends_it():
    done = run_in_group([sys.executable, "-c", LEAVES_A_STRAY], "", timeout=300, env=dict(os.environ), cwd=REPO_ROOT)
    assert not done.timed_out and done.returncode == 0
    assert done.stdout == '{"record": 1}\n'
    assert done.strays == 1


def test_the_runner_ends_a_worker_past_its_timeout_and_everything_it_forked():
    hangs = "import os, time\nos.fork()\nprint(os.getpgid(0), flush=True)\ntime.sleep(600)"
    done = run_in_group([sys.executable, "-c", hangs], "", timeout=10, env=dict(os.environ), cwd=REPO_ROOT)
    assert done.timed_out and done.returncode == -signal.SIGKILL
    groups = set(done.stdout.split())  # printed after the fork: one line seen means the copy exists
    assert len(groups) == 1, done.stderr
    assert done.strays == 1  # the forked copy; the worker itself is not counted
    assert end_leftovers(int(groups.pop())) == []


# A worker whose harness is gone (its parent exits at once) and a process a finished worker forked.
ORPHANS = """
import os, subprocess, sys, time
sleeper = [sys.executable, "-c", "import time; time.sleep(60)  # MARK", "-m", "benchmarks.measure.worker"]
worker = subprocess.Popen(sleeper, start_new_session=True)  # its harness, this script, exits below
if os.fork() == 0:  # a worker that forks a helper, then exits
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, sleeper)
    os._exit(0)
time.sleep(0.5)
"""


def test_doctor_finds_processes_of_past_runs_and_leaves_live_workers_alone():
    mark = f"stray-test-{os.getpid()}-{time.time_ns()}"
    mine = lambda: [s for s in strays() if mark in s["cmdline"]]  # noqa: E731
    live = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep(60)  # {mark}", "-m", "benchmarks.measure.worker"],
                            start_new_session=True)  # a worker of a live harness: this test
    subprocess.run([sys.executable, "-c", ORPHANS.replace("MARK", mark)], check=True, timeout=60)
    try:
        deadline = time.monotonic() + 30  # the helper's exec may take a moment
        while time.monotonic() < deadline and len(mine()) < 2:
            time.sleep(0.1)
        found = mine()
        assert len(found) == 2, found  # the orphaned worker and the helper whose worker exited
        assert live.pid not in [s["pid"] for s in found]
    finally:
        live.kill()
        live.wait()
        for s in mine():
            os.kill(s["pid"], signal.SIGKILL)


def test_every_test_has_a_time_limit_and_those_that_launch_processes_a_generous_one(request):
    from tests.conftest import PROCESS_TIMEOUT_S

    assert float(request.config.getini("timeout")) == 60 and request.config.getini("timeout_method") == "signal"
    limits = {item.nodeid: (item.get_closest_marker("timeout").args[0] if item.get_closest_marker("timeout") else None)
              for item in request.session.items}
    launching = [item.nodeid for item in request.session.items if item.get_closest_marker("integration")
                 or item.get_closest_marker("processes") or "fake_env" in item.fixturenames]
    assert launching and all(limits[nodeid] == PROCESS_TIMEOUT_S for nodeid in launching)


HANGS_THEN_PASSES = """
import time

def test_hangs():
    time.sleep(600)

def test_after_it():
    pass
"""


def test_a_hanging_test_fails_alone_with_where_it_hung_and_the_suite_goes_on(tmp_path):
    (tmp_path / "test_inner.py").write_text(HANGS_THEN_PASSES)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(REPO_ROOT / "pyproject.toml"),
                          "--rootdir", str(tmp_path), "-o", "timeout=3", str(tmp_path / "test_inner.py")],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert "1 failed, 1 passed" in out.stdout, out.stdout
    assert "Timeout" in out.stdout and "time.sleep(600)" in out.stdout


LEFT_BEHIND = """
import os, time
from benchmarks.measure.worker import reap_children
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
