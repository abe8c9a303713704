"""Fixtures of the TUI tests."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from annotator.service import Service
from tests.conftest import SeededDatabase


@pytest.fixture(scope="session", autouse=True)
def comparison_imports() -> None:
    """Pay the comparison's imports (scikit-learn, ~2-4 s) once per test process, so that
    no Pilot test waits for them while its toasts time out."""
    from annotator.compare import compare_articles

    compare_articles([])


@pytest.fixture(autouse=True)
def young_heap() -> Iterator[None]:
    """Collect what the previous tests left, then freeze the survivors (scikit-learn, Textual's
    caches): the collector then walks only what this test makes, not a heap that grows with
    every app run before it (a full collection took 0.2-0.7 s of each snapshot test)."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    yield
    if gc.get_freeze_count() != frozen:
        # The reader froze its story (`annotator.tui.heap.settle`): give it back to the
        # collector, or every test's app would stay in memory to the end of the run.
        gc.unfreeze()


@pytest.fixture
def seeded(
    compared_database: SeededDatabase, make_service: Callable[..., Service], tmp_path: Path
) -> Service:
    """The five seeds analysed by the fake NLP, with the comparison of the outlets already in
    the database, as the reader finds them at a user's second start: a test about something
    else neither computes the comparison nor waits for it. Tests of computing it use
    `uncompared`."""
    return compared_database.service(make_service, tmp_path)


@pytest.fixture
def uncompared(
    seeded_database: SeededDatabase, make_service: Callable[..., Service], tmp_path: Path
) -> Service:
    """The five seeds analysed by the fake NLP, never compared."""
    return seeded_database.service(make_service, tmp_path)
