"""What every section shares: figures and their targets, statistics, child-process settings."""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@dataclass
class Settings:
    """How much to measure: `full` (the default, the issue's sizes) or `quick`."""

    quick: bool = False
    workdir: Path = Path("/tmp")
    repeats: int = 7  # runs of each start-up measurement (median taken)
    keys: int = 30  # presses of each key in the latency section
    articles: int = 200  # the "200 articles × 1,000 words" corpus
    words: int = 1000
    long_articles: int = 20  # the "20 articles × 50,000 words" corpus
    long_words: int = 50_000
    claims: int = 100_000
    compare_sizes: tuple[int, ...] = (10, 20, 50)
    compare_sentences: int = 40
    terminal: tuple[int, int] = (160, 48)  # columns, rows of the pseudo-terminal

    @classmethod
    def make(cls, *, quick: bool, workdir: Path) -> Settings:
        if not quick:
            return cls(workdir=workdir)
        return cls(
            quick=True,
            workdir=workdir,
            repeats=3,
            keys=10,
            articles=40,
            long_articles=4,
            long_words=20_000,
            claims=20_000,
            compare_sizes=(5, 10, 20),
        )


@dataclass
class Figure:
    """One measured figure: the median of `samples`, and its ratio to a baseline."""

    section: str
    name: str
    unit: str
    samples: list[float]
    baseline: str = ""
    baseline_samples: list[float] = field(default_factory=list)
    target: str = ""  # e.g. "ratio <= 1.5", "median <= 50 ms"
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        return median(self.samples)

    @property
    def baseline_value(self) -> float | None:
        return median(self.baseline_samples) if self.baseline_samples else None

    @property
    def ratio(self) -> float | None:
        base = self.baseline_value
        if base is None or base == 0 or not self.samples:
            return None
        return self.value / base

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            value=_round(self.value),
            p95=_round(self.p95) if len(self.samples) > 1 else None,
            baseline_value=_round(self.baseline_value),
            ratio=_round(self.ratio),
            samples=[_round(s) for s in self.samples],
            baseline_samples=[_round(s) for s in self.baseline_samples],
        )
        return data


def _round(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return float(f"{value:.4g}")


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct` percentile, nearest-rank (p95 of 30 samples is the 29th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(function: Callable[[], object]) -> float:
    """Seconds `function()` takes (wall clock)."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def child_env(workdir: Path, *, cache_bytecode: bool = True, **extra: str) -> dict[str, str]:
    """The environment of an app run under the pseudo-terminal.

    A plain xterm with true colour, no size hints (the pty's size rules), and bytecode
    cached under `workdir` (not in the source tree): the runs after the first warm-up
    start from cached bytecode, as a user's second start does, even where the calling
    environment sets PYTHONDONTWRITEBYTECODE. (`cache_bytecode=False`: the installed
    packages' own bytecode, for a quick single run such as a test.)
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE", "NO_COLOR")
        and not key.startswith("TEXTUAL")
    }
    env.update(TERM="xterm-256color", COLORTERM="truecolor", PYTHONUNBUFFERED="1")
    if cache_bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    env.update(extra)
    return env


def python() -> str:
    """The interpreter that runs the app (the one running the bench: the project's venv)."""
    return sys.executable


def mb(kilobytes: float) -> float:
    return kilobytes / 1024
