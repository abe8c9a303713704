"""Open at scale: first paint and peak memory with many or very long articles (warm cache).

The app is started as a user would, `annotator --db DB FOLDER`, on a database where the
folder's articles are already imported and analysed; the time is from process start to
the first frame showing the first article's headline, the memory is the app process's
peak resident set (VmHWM) once it has settled. The seeds are measured in the same way,
alternating with the big corpora, as the baseline.
"""

from __future__ import annotations

from bench.common import Figure, Settings, mb
from bench.prepare import Workspace
from bench.pty_latency import annotator_argv
from bench.start import paint_times

PAINT_TARGET = 2.0
RSS_TARGET_MB = 400.0


def run_scale(settings: Settings, workspace: Workspace) -> list[Figure]:
    names = ("seeds", "short", "long")
    labels = {
        "short": f"{settings.articles} × {settings.words:,} words",
        "long": f"{settings.long_articles} × {settings.long_words:,} words",
    }
    argv = {name: annotator_argv(workspace.db(name), [workspace.folder(name)]) for name in names}
    for name in names:  # warm-up (and the bytecode cache)
        paint_times(settings, argv[name], workspace.marker(name))
    paint: dict[str, list[float]] = {name: [] for name in names}
    peak: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(max(3, settings.repeats // 2)):
        for name in names:
            times = paint_times(settings, argv[name], workspace.marker(name))
            paint[name].append(times["paint"])
            peak[name].append(mb(times["memory_kb"].get("VmHWM", 0)))
    figures = []
    for name in ("short", "long"):
        first = Figure(
            "scale",
            f"{labels[name]}: start → first paint",
            "s",
            paint[name],
            baseline="seeds (5 articles), same run",
            baseline_samples=paint["seeds"],
            target=f"ratio ≤ {PAINT_TARGET}",
        )
        first.met = (first.ratio or 0) <= PAINT_TARGET
        memory = Figure(
            "scale",
            f"{labels[name]}: peak RSS",
            "MB",
            peak[name],
            baseline="seeds",
            baseline_samples=peak["seeds"],
            target=f"≤ {RSS_TARGET_MB:.0f} MB",
            met=max(peak[name]) <= RSS_TARGET_MB,
        )
        figures += [first, memory]
    return figures
