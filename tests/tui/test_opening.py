"""How the reader opens its paths: small local ones before the first paint, the rest in a
worker behind an "opening…" screen (`MainScreen.on_mount`, `local_and_small`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from annotator.service import Service
from annotator.tui.app import make_app
from annotator.tui.screens import main as main_module
from annotator.tui.screens.main import local_and_small
from tests.conftest import SEEDS
from tests.tui.test_app import main_screen, settle


def test_local_and_small_counts_files_in_folders_up_to_the_limit(tmp_path: Path) -> None:
    folder = tmp_path / "story"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"x" * 600)
    (folder / "b.txt").write_bytes(b"y" * 600)
    single = tmp_path / "c.txt"
    single.write_bytes(b"z" * 100)
    assert local_and_small([str(folder), str(single)], 1300)
    assert not local_and_small([str(folder), str(single)], 1299)
    assert not local_and_small([str(folder)], 1000)
    (folder / "older").mkdir()  # not opened (folders are not read recursively): not counted
    (folder / "older" / "big.txt").write_bytes(b"w" * 10_000)
    assert local_and_small([str(folder), str(single)], 1300)


def test_urls_and_missing_paths_go_to_the_worker(tmp_path: Path) -> None:
    assert not local_and_small(["https://example.org/story"], 10**9)
    assert not local_and_small([str(tmp_path / "missing.txt")], 10**9)


def _columns_at_start(service: Service) -> tuple[int, int]:
    """(panes right after the app is up, before any wait; panes once all work is done)."""

    async def main() -> tuple[int, int]:
        app = make_app(service, [SEEDS], analyse=False)
        async with app.run_test(size=(120, 36)) as pilot:
            at_start = len(main_screen(app).panes)
            await settle(pilot)
            return at_start, len(main_screen(app).panes)

    return asyncio.run(main())


def _workers_started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each start of the open worker (`MainScreen._open`)."""
    started: list[str] = []
    real = main_module.MainScreen._open

    def recorded(screen: main_module.MainScreen) -> None:
        started.append("open")
        real(screen)

    monkeypatch.setattr(main_module.MainScreen, "_open", recorded)
    return started


def test_the_seeds_are_on_the_first_frame(seeded: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    started = _workers_started(monkeypatch)
    assert _columns_at_start(seeded) == (5, 5)
    assert started == []


def test_over_the_limit_the_worker_opens_them(
    seeded: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_module, "OPEN_AT_ONCE_BYTES", 10)
    started = _workers_started(monkeypatch)
    assert _columns_at_start(seeded)[1] == 5
    assert started == ["open"]
