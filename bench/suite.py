"""The test suite's time (`--tests`, not part of the default run): pytest -n 2, as `make test`.

Reports the whole run's wall time (target: within 5 minutes) and the slowest snapshot tests
(target: at most 1 s each), from pytest's own `--durations` list (every phase of 0.05 s or more).
"""

from __future__ import annotations

import re
import subprocess
import time

from bench.common import ROOT, Figure, Settings, python

SUITE_TARGET = 300.0
SNAPSHOT_TARGET = 1.0
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
_DURATION = re.compile(r"^\s*([\d.]+)s\s+(call|setup|teardown)\s+(\S+)", re.MULTILINE)


def read_report(stdout: str) -> tuple[list[tuple[float, str]], list[str]]:
    """The call phases of pytest's `--durations` list (slowest first) and the tests `-rfE`
    names as failed or in error."""
    durations = [
        (float(value), test) for value, phase, test in _DURATION.findall(stdout)
        if phase == "call"
    ]  # fmt: skip
    return durations, _FAILED.findall(stdout)


def run_suite(settings: Settings) -> list[Figure]:
    began = time.perf_counter()
    done = subprocess.run(
        [
            python(),
            "-m",
            "pytest",
            "-n",
            "2",
            "-q",
            "-rfE",
            "--durations=0",
            "--durations-min=0.05",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - began
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    durations, failed = read_report(done.stdout)
    if failed:  # a failure that does not come back on a second run must still be traceable
        summary += "; failed: " + ", ".join(failed)
    snapshots = sorted(
        ((value, test) for value, test in durations if "snapshot" in test), reverse=True
    )
    suite = Figure(
        "tests",
        "pytest -n 2, whole suite",
        "s",
        [seconds],
        target=f"≤ {SUITE_TARGET:.0f} s, all passing",
        met=seconds <= SUITE_TARGET and done.returncode == 0,
        note=summary,
        extra={"slowest": durations[:15], "failed": failed},
    )
    snapshot = Figure(
        "tests",
        "slowest snapshot test",
        "s",
        [snapshots[0][0]] if snapshots else [],
        target=f"≤ {SNAPSHOT_TARGET:.0f} s each",
        met=(snapshots[0][0] <= SNAPSHOT_TARGET) if snapshots else None,
        note=snapshots[0][1] if snapshots else "no snapshot test took 0.05 s or more",
        extra={"slowest_snapshots": snapshots[:10]},
    )
    return [suite, snapshot]
