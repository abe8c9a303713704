"""Comparison: aligning sentences across 10, 20 and 50 articles of 40 sentences each.

The articles are the short corpus's, cut to their first 40 sentences, with the entities the
app's model found (from the prepared database). `annotator.compare.compare_articles` is
timed (after a warm-up that pays its imports); the figure of interest is how the time
grows: the exponent k in time ∝ articles^k between the smallest and the largest size
(all-pairs work without pruning would be k = 2). If the comparison does not exist yet,
the section says so instead of failing.
"""

from __future__ import annotations

import math
from typing import Any

from annotator.service import Service
from annotator.store import Store
from bench.common import Figure, Settings, median, timed
from bench.prepare import Workspace

GROWTH_TARGET = 2.0


def load_corpus(workspace: Workspace, count: int, sentences: int) -> list[tuple[Any, Any]]:
    store = Store(workspace.db("short"), read_only=True)
    try:
        service = Service(store, None)
        articles = service.articles()[:count]
        return [(a, service.sentences(a.id)[:sentences]) for a in articles]
    finally:
        store.close()


def run_comparison(settings: Settings, workspace: Workspace) -> list[Figure]:
    try:
        from annotator.compare import compare_articles
    except ImportError as error:
        return [
            Figure(
                "comparison",
                "alignment",
                "s",
                [],
                note=f"not available: annotator.compare cannot be imported ({error})",
            )
        ]
    sizes = settings.compare_sizes
    corpus = load_corpus(workspace, max(sizes), settings.compare_sentences)
    compare_articles(corpus[:3])  # warm-up: scikit-learn and friends are imported here
    times: dict[int, list[float]] = {}
    for size in sizes:
        part = corpus[:size]
        times[size] = [timed(lambda part=part: compare_articles(part)) for _ in range(3)]
    small, large = sizes[0], sizes[-1]
    growth = median(times[large]) / median(times[small])
    exponent = math.log(growth) / math.log(large / small)
    figures = [
        Figure(
            "comparison",
            f"align {size} articles × {settings.compare_sentences} sentences",
            "s",
            times[size],
            baseline=f"{small} articles" if size != small else "",
            baseline_samples=times[small] if size != small else [],
        )
        for size in sizes
    ]
    figures[-1].target = f"growth exponent < {GROWTH_TARGET} (not quadratic)"
    figures[-1].met = exponent < GROWTH_TARGET
    figures[-1].extra["growth_exponent"] = exponent
    figures[-1].note = f"time ∝ articles^{exponent:.2f} from {small} to {large} articles"
    return figures
