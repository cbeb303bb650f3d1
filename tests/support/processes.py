"""Child processes: the tree below a pid, and ending it at once."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, children first (ansible workers run in sessions of their own,
    so a process group is not enough)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_pids(pids: list[int], sig: int = signal.SIGKILL) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tree(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGKILL ``proc`` and everything below it in one sweep (what a dead CI runner looks like), then reap it."""
    pids = descendants(proc.pid)
    if proc.poll() is None:
        pids.insert(0, proc.pid)
    kill_pids(pids)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
