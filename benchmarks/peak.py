"""Run a command and write its peak resident set size in KiB to a file:
`python benchmarks/peak.py OUT COMMAND...`; exits as the command did.

Why a launcher: Linux starts a child's peak from its parent's (the forked image is the
parent's, and the peak is kept across exec), so a run started by a large process (a test
worker that has simulated for minutes) would report that process's peak, not its own.
Started from this small process, it reports its own, plus this launcher's few MB."""

import os
import subprocess
import sys

out, command = sys.argv[1], sys.argv[2:]
process = subprocess.Popen(command)
_, status, usage = os.wait4(process.pid, 0)
with open(out, "w") as file:
    file.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
