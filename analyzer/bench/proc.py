"""What a process tree costs, from /proc: CPU-seconds (utime + stime) and resident memory of a process and
its children, and a wait until it is idle. Robust to other work on the machine, unlike wall time."""

from __future__ import annotations

import os
import time

TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return pids


def cpu_s(pid: int) -> float:
    """utime+stime of the process and its live children, plus the children it has waited for."""
    total = 0
    for index, each in enumerate(_tree(pid)):
        try:
            with open(f"/proc/{each}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        if index == 0:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total * TICK_S


def rss_mb(pid: int) -> float:
    total_kb = 0
    for each in _tree(pid):
        try:
            with open(f"/proc/{each}/status") as fh:
                total_kb += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total_kb / 1024


def settle(pid: int, step_s: float = 0.25, quiet_s: float = 0.011, most_s: float = 20.0) -> float:
    """Wait until the server is idle again (less than a tick of CPU in a step: the post-run work done); its CPU."""
    deadline = time.monotonic() + most_s
    before = cpu_s(pid)
    while time.monotonic() < deadline:
        time.sleep(step_s)
        now = cpu_s(pid)
        if now - before < quiet_s:
            return now
        before = now
    return before
