"""What every command shares: exit codes, the bad-input error, argument types."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from datetime import datetime, timezone

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
CRASH_REPORTS_VARIABLE = "GROWTHSIM_CRASH_REPORTS"


class BadInput(Exception):
    """A problem with what the user gave, reported as a message and exit code 2."""


def whole_number(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number of at least {minimum}, got {value}")
        return value
    return parse


positive_int, non_negative_int = whole_number(1), whole_number(0)


def crash_report(error: BaseException) -> str:
    """Write what a crash's report needs (command, versions, traceback, a worker's too)
    to a file in the system's temporary folder, or in the folder GROWTHSIM_CRASH_REPORTS
    names; returns the sentence that points at it."""
    from simulation.storage.history import versions
    try:
        folder = os.environ.get(CRASH_REPORTS_VARIABLE) or None
        if folder is not None:
            os.makedirs(folder, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix="growthsim-crash-", suffix=".txt", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"growthsim crashed at {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n")
            handle.write(f"command: {' '.join(map(repr, sys.argv))}\n")
            handle.write(f"versions: {versions()}\n\n")
            handle.write("".join(traceback.format_exception(error)))
    except Exception:   # nowhere to write: the message alone, still no traceback
        return "This is a bug in growthsim; please report it with the command you ran."
    return f"This is a bug in growthsim; please report it with the details written to {path}"
