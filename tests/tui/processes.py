"""The processes a test looks at: its children, and whether a process is still there.
Reads /proc (Linux)."""

from __future__ import annotations

import os
import time

import pytest


def children() -> list[int]:
    """Processes this one started that are still there (zombies aside)."""
    if not os.path.isdir("/proc"):
        pytest.skip("reads /proc")
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.append(int(entry))
    return [pid for pid in found if "resource_tracker" not in command_line(pid)]


def command_line(pid: int) -> str:
    """(multiprocessing's resource tracker is one per process for its whole life, not the run's.)"""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, what: str, deadline: float = 60.0) -> None:
    """Wait on a condition (no fixed sleep); fail, naming it, if it never holds."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"waited {deadline:.0f} s for {what}")
        time.sleep(0.05)
