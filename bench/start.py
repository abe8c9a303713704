"""Start-up: process start → first painted main screen, against a bare Textual app.

Every run is a new process under a pseudo-terminal; the time is from just before the
process is started to the end of the first frame that shows a known text (the first
article's headline; the bare app's one Static). Runs of the app and of the baseline
alternate, so that a slow moment of the machine hits both. One unmeasured run of each
comes first, to write the bytecode cache (see `bench.common.child_env`).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.bare_app import MARKER as BARE_MARKER
from bench.common import SEEDS, Figure, Settings, child_env, median, python
from bench.prepare import Workspace
from bench.pty_latency import PtyApp, annotator_argv

BARE_APP = Path(__file__).resolve().parent / "bare_app.py"
START_TARGET = 1.5
# The status line once the model's sentences and entities are on screen: "entities ready",
# at once replaced by the comparison starting (or saying how to start it).
ENTITIES_READY = ("entities ready", "comparing the outlets", "compares the outlets")


def paint_times(
    settings: Settings,
    argv: Sequence[str],
    marker: str,
    *,
    cwd: Path | None = None,
    then: Sequence[str | tuple[str, ...]] = (),
    timeout: float = 180.0,
) -> dict[str, Any]:
    """Seconds from process start to the first frame showing `marker`, then each of `then`;
    and the app's peak memory once it is quiet."""
    env = child_env(settings.workdir, ANNOTATOR_BENCH="1")
    with PtyApp(argv, cwd=cwd or settings.workdir, env=env, size=settings.terminal) as app:
        frame = app.wait_frame(app.started, timeout, marker)
        if frame is None:
            tail = app.screen_text()[-1500:]
            raise RuntimeError(f"{marker!r} never appeared on screen; it showed:\n{tail}")
        result: dict[str, Any] = {"paint": frame.end - app.started, "cpu": app.cpu_seconds()}
        for number, text in enumerate(then):
            later = app.wait_frame(app.started, timeout, text)
            result[f"then{number}"] = later.end - app.started if later is not None else None
        app.wait_quiet(0.3, 5)
        result["memory_kb"] = app.memory_kb()
        result["first_frame"] = app.frames[0].end - app.started if app.frames else None
    return result


def bare_argv() -> list[str]:
    return [python(), str(BARE_APP)]


BREAKDOWN = """
import json, sys, time
from pathlib import Path
times = {}
t = time.perf_counter()
import textual.app
times["import textual"] = time.perf_counter() - t
t = time.perf_counter()
import annotator.tui.app
times["import annotator.tui.app (after textual)"] = time.perf_counter() - t
from annotator.ingest import read_article
from annotator.nlp import SpacyAnalyzer, find_model
texts = [read_article(p).text for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
analyzer = SpacyAnalyzer(find_model())
t = time.perf_counter()
import spacy
times["import spacy"] = time.perf_counter() - t
t = time.perf_counter()
analyzer.load()
times["load the model (components excluded)"] = time.perf_counter() - t
t = time.perf_counter()
analyzer.analyse(texts)
times["analyse the seeds"] = time.perf_counter() - t
print(json.dumps(times))
"""


def breakdown(settings: Settings) -> dict[str, float]:
    """Where a cold start's time goes, each step timed in one fresh process."""
    done = subprocess.run(
        [python(), "-c", BREAKDOWN, str(SEEDS)],
        capture_output=True,
        text=True,
        env=child_env(settings.workdir),
        cwd=settings.workdir,
        check=True,
    )
    times: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return times


def run_start(settings: Settings, workspace: Workspace) -> list[Figure]:
    db = workspace.db("seeds")
    marker = workspace.marker("seeds")
    seeds_argv = annotator_argv(db, [SEEDS])
    paint_times(settings, bare_argv(), BARE_MARKER)  # warm-ups: bytecode cache
    paint_times(settings, seeds_argv, marker)
    bare: list[float] = []
    warm: list[float] = []
    cpu: dict[str, list[float]] = {"bare": [], "app": []}
    for _ in range(settings.repeats):
        times = paint_times(settings, bare_argv(), BARE_MARKER)
        bare.append(times["paint"])
        cpu["bare"].append(times["cpu"])
        times = paint_times(settings, seeds_argv, marker)
        warm.append(times["paint"])
        cpu["app"].append(times["cpu"])
    cold_paint: list[float] = []
    cold_entities: list[float] = []
    cold_bare: list[float] = []
    for run in range(max(2, settings.repeats // 2)):
        folder = settings.workdir / f"cold-{run}"
        folder.mkdir()
        argv = annotator_argv(folder / "annotations.db", [SEEDS])
        times = paint_times(settings, argv, marker, cwd=folder, then=[ENTITIES_READY])
        cold_paint.append(times["paint"])
        if times["then0"] is None:
            raise RuntimeError("the cold start never showed entities")
        cold_entities.append(times["then0"])
        cold_bare.append(paint_times(settings, bare_argv(), BARE_MARKER)["paint"])
    where = breakdown(settings)
    warm_figure = Figure(
        "start",
        "seeds, warm NLP cache: start → first paint",
        "s",
        warm,
        baseline="bare Textual app painting one Static",
        baseline_samples=bare,
        target=f"ratio ≤ {START_TARGET}",
        extra={
            "cpu_seconds_to_paint": {key: median(values) for key, values in cpu.items()},
            "cpu_ratio": median(cpu["app"]) / median(cpu["bare"]),
        },
    )
    warm_figure.met = (warm_figure.ratio or 0) <= START_TARGET
    cpu_figure = Figure(
        "start",
        "seeds, warm cache: CPU time of the process up to first paint (information)",
        "s",
        cpu["app"],
        baseline="bare Textual app",
        baseline_samples=cpu["bare"],
        note="less disturbed than wall time by other load on the machine",
    )
    return [
        warm_figure,
        cpu_figure,
        Figure(
            "start",
            "seeds, empty cache: start → first paint (no entities yet)",
            "s",
            cold_paint,
            baseline="bare Textual app",
            baseline_samples=cold_bare,
        ),
        Figure(
            "start",
            "seeds, empty cache: start → entities visible",
            "s",
            cold_entities,
            baseline="bare Textual app",
            baseline_samples=cold_bare,
            extra={"where the time goes (one process, seconds)": where},
        ),
    ]
