"""Shared fixtures: hermetic services over a tmp_path database, a fake NLP, a fixed clock.

The seeded databases are built once per test process (session templates) and copied for each
test: opening and analysing the seeds, and comparing them, is then paid once, not per test.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from annotator.service import Service
from annotator.store import Store

if TYPE_CHECKING:
    from annotator.nlp import SpacyAnalyzer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TEST_USER = "tester"
DB_NAME = "annotations.db"
"""The file `make_service` opens in tmp_path unless given another."""


def fixed_clock(start: int = 0) -> Callable[[], str]:
    """A clock that ticks one second per call from a fixed instant (no real time in tests),
    `start` seconds after it."""
    seconds = itertools.count(start)

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
        *,
        db: Path | str | None = None,
        analyzer: object | None = "fake",
        user: str = TEST_USER,
        clock: Callable[[], str] | None = None,
    ) -> Service:
        store = Store(db if db is not None else tmp_path / DB_NAME)
        stores.append(store)
        chosen = FakeAnalyzer() if analyzer == "fake" else analyzer
        return Service(store, chosen, user=user, clock=clock or fixed_clock())  # type: ignore[arg-type]

    yield make
    for store in stores:
        store.close()


@dataclass(frozen=True)
class SeededDatabase:
    """A closed database file with the five seeds opened and analysed by the fake NLP."""

    path: Path
    ticks: int
    """The clock ticks its making took: a copy's clock goes on from there, so that what a
    test does is stamped as if the seeds had been opened in that test."""

    def service(self, make_service: Callable[..., Service], tmp_path: Path) -> Service:
        """A service over a copy of this database at tmp_path's `DB_NAME`."""
        shutil.copyfile(self.path, tmp_path / DB_NAME)
        return make_service(clock=fixed_clock(self.ticks))


@pytest.fixture(scope="session")
def analyzer() -> SpacyAnalyzer:
    """The real spaCy analyzer, loaded once per test process (the NLP tests share it)."""
    from annotator.nlp import SpacyAnalyzer

    analyzer = SpacyAnalyzer()
    analyzer.load()
    return analyzer


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> SeededDatabase:
    """The seeds opened and analysed once per test process (as `seeded` used to per test)."""
    from tests.fake_nlp import FakeAnalyzer

    path = tmp_path_factory.mktemp("seeded") / DB_NAME
    ticks = itertools.count()
    clock = fixed_clock()

    def counting_clock() -> str:
        next(ticks)
        return clock()

    store = Store(path)
    try:
        service = Service(store, FakeAnalyzer(), user=TEST_USER, clock=counting_clock)
        report = service.open_paths([SEEDS])
        assert not report.errors, report.errors
        service.analyse_pending()
    finally:
        store.close()
    return SeededDatabase(path, next(ticks))


@pytest.fixture(scope="session")
def compared_database(
    tmp_path_factory: pytest.TempPathFactory, seeded_database: SeededDatabase
) -> SeededDatabase:
    """`seeded_database` with the comparison of the outlets cached in it too, as a user's
    second start finds it. The comparison's cache stamp takes no tick of the copies' clock
    (it is shown nowhere): tests stamp as on `seeded_database`."""
    path = tmp_path_factory.mktemp("compared") / DB_NAME
    shutil.copyfile(seeded_database.path, path)
    store = Store(path)
    try:
        Service(store, None, user=TEST_USER, clock=fixed_clock(seeded_database.ticks)).comparison()
    finally:
        store.close()
    return SeededDatabase(path, seeded_database.ticks)


@pytest.fixture
def seeded(
    seeded_database: SeededDatabase, make_service: Callable[..., Service], tmp_path: Path
) -> Service:
    """A service with the five seed articles opened and analysed by the fake NLP."""
    return seeded_database.service(make_service, tmp_path)
