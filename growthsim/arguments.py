"""What every command shares: exit codes, the bad-input error, argument types."""

from __future__ import annotations

import argparse

from growthsim.i18n import _
import os
import sys
import tempfile
import traceback
from datetime import datetime, timezone

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
CRASH_REPORTS_VARIABLE = "GROWTHSIM_CRASH_REPORTS"


class Parser(argparse.ArgumentParser):
    """growthsim's parser (its subcommands' too): help wrapped by the width a character
    takes in a terminal, so that Chinese help (two columns a character) fits the window."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", WideHelpFormatter)
        super().__init__(*args, **kwargs)


class WideHelpFormatter(argparse.HelpFormatter):
    """argparse wraps by len() at spaces; Chinese has no spaces and a character is two
    columns wide: break between wide characters too, and measure in columns."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if text.isascii():   # English: argparse's own wrapping, as before
            return super()._split_lines(text, width)
        return wrap_cells(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.isascii():
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in wrap_cells(" ".join(text.split()), width - len(indent)))


def wrap_cells(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` terminal columns, broken at spaces or between
    wide (CJK) characters; a word wider than a line stays whole."""
    from rich.cells import cell_len

    pieces, word = [], ""
    for char in text:   # words of narrow characters, each wide character a piece of its own
        if char == " " or cell_len(char) == 2:
            if word:
                pieces.append(word)
            pieces.append(char)
            word = ""
        else:
            word += char
    if word:
        pieces.append(word)
    lines, line = [], ""
    for piece in pieces:
        if line and cell_len(line + piece) > width and piece != " ":
            lines.append(line.rstrip())
            line = ""
        if piece == " " and not line:
            continue
        line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


class BadInput(Exception):
    """A problem with what the user gave, reported as a message and exit code 2."""


def whole_number(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(_("expected a whole number, got {text!r}").format(text=text)) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(_("expected a number of at least {minimum}, got {value}").format(
                minimum=minimum, value=value))
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
        return _("This is a bug in growthsim; please report it with the command you ran.")
    return _("This is a bug in growthsim; please report it with the details written to {path}").format(path=path)
