"""Shared fixtures: hermetic services over a tmp_path database, a fake NLP, a fixed clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from annotator.service import Service
from annotator.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TEST_USER = "tester"


def fixed_clock() -> Callable[[], str]:
    """A clock that ticks one second per call from a fixed instant (no real time in tests)."""
    seconds = itertools.count()

    def now() -> str:
        s = next(seconds)
        return f"2024-11-29T12:{s // 60 % 60:02d}:{s % 60:02d}Z"

    return now


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Build services over a database in tmp_path (same file each call unless `db` is given)."""
    from tests.fake_nlp import FakeAnalyzer

    stores: list[Store] = []

    def make(
        *, db: Path | str | None = None, analyzer: object | None = "fake", user: str = TEST_USER
    ) -> Service:
        store = Store(db if db is not None else tmp_path / "annotations.db")
        stores.append(store)
        chosen = FakeAnalyzer() if analyzer == "fake" else analyzer
        return Service(store, chosen, user=user, clock=fixed_clock())  # type: ignore[arg-type]

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def seeded(make_service: Callable[..., Service]) -> Service:
    """A service with the five seed articles opened and analysed by the fake NLP."""
    service = make_service()
    report = service.open_paths([SEEDS])
    assert not report.errors, report.errors
    service.analyse_pending()
    return service
