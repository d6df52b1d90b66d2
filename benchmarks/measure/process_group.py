"""A worker process in its own session: run it, read its output, and end everything it leaves behind.

A framework may fork helpers that outlive the worker (Jittor's compile pool forks a replacement when its
workers are ended). They inherit the worker's pipes, so waiting for end of file on them would wait for
the helpers, not the worker. Here the wait is for the worker's own exit; then its whole process group is
ended and its output read, so a stray never holds a cell until its timeout.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import IO, Dict, List, Optional, Sequence

import psutil

WORKER_MODULE = "benchmarks.measure.worker"
READ_GRACE_S = 5.0  # for output still in flight once the group is ended; a helper that left the group may hold it


@dataclass
class Finished:
    stdout: str
    stderr: str
    returncode: int  # negative: the signal that ended it
    timed_out: bool
    strays: int  # processes of its group still running when it exited (or timed out), ended here


def group_members(pgid: int, exclude: Sequence[int] = ()) -> List[int]:
    """The live (not zombie) processes whose process group is `pgid`."""
    found = []
    for proc in psutil.process_iter(["status"]):
        try:
            if proc.pid not in exclude and os.getpgid(proc.pid) == pgid and \
                    proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return found


def end_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _drain(stream: IO[bytes], into: List[bytes]) -> None:
    try:
        for chunk in iter(lambda: stream.read1(65536), b""):
            into.append(chunk)
    except (OSError, ValueError):
        pass


def _wait_unreaped(pid: int, timeout: Optional[float]) -> bool:
    """Wait up to `timeout` s for `pid` to exit, leaving it unreaped (its pid, and so its group's id, stays
    ours until it is reaped). True when it exited."""
    if not hasattr(os, "waitid"):
        return psutil.wait_procs([psutil.Process(pid)], timeout=timeout)[1] == []

    def wait() -> None:
        try:
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:  # reaped meanwhile, after a timeout
            pass

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    waiter.join(timeout)
    return not waiter.is_alive()


def run_in_group(cmd: Sequence[str], stdin: str, timeout: float, env: Dict[str, str], cwd: os.PathLike) -> Finished:
    """Start `cmd` as the leader of a new session, write `stdin` to it, and wait up to `timeout` s for it to
    exit. Then end every process of its group (strays, or the worker itself at a timeout) and read its output.
    Ctrl-C (or any exception) ends the group too. Raises OSError when the command cannot start."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                            env=env, start_new_session=True)
    out: List[bytes] = []
    err: List[bytes] = []
    readers = [threading.Thread(target=_drain, args=(proc.stdout, out), daemon=True),
               threading.Thread(target=_drain, args=(proc.stderr, err), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        try:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass  # it ended before reading its request: its exit status and stderr say why
        exited = _wait_unreaped(proc.pid, timeout)
        strays = len(group_members(proc.pid, exclude=(proc.pid,)))
    finally:
        end_group(proc.pid)
        proc.wait()
    for reader in readers:
        reader.join(READ_GRACE_S)
    text = lambda chunks: b"".join(chunks).decode(errors="replace")  # noqa: E731
    return Finished(text(out), text(err), proc.returncode, not exited, strays)


def strays() -> List[Dict]:
    """Processes of past runs still alive: a worker, or a process it forked, whose worker has exited or
    whose harness is gone. Each as {pid, age_s, cmdline}."""
    found, now = [], time.time()
    for proc in psutil.process_iter(["cmdline", "create_time", "ppid", "status"]):
        try:
            cmdline = proc.info["cmdline"] or []
            if WORKER_MODULE not in cmdline or proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            leader = os.getsid(proc.pid)
            if leader == proc.pid:  # a worker itself: stray when its harness is gone
                orphaned = proc.info["ppid"] in (0, 1) or not psutil.pid_exists(proc.info["ppid"])
            else:  # a process the worker forked: stray when the worker has exited
                orphaned = not psutil.pid_exists(leader) or psutil.Process(leader).status() == psutil.STATUS_ZOMBIE
            if orphaned:
                found.append({"pid": proc.pid, "age_s": round(now - proc.info["create_time"]),
                              "cmdline": " ".join(cmdline)})
        except (ProcessLookupError, psutil.Error):
            continue
    return found


def strays_line(found: List[Dict]) -> str:
    """One line for a user: which processes of past runs are alive and how to end them."""
    pids = " ".join(str(s["pid"]) for s in found)
    return (f"{len(found)} process(es) of a past fwbench run still alive (pid {pids}, the oldest "
            f"{max(s['age_s'] for s in found) / 60:.0f} min old): they hold memory and may hold a run's pipes; "
            f"end them with `kill -9 {pids}`")
