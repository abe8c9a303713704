"""Re-opening a story does not read unchanged files again (`source_files`, migration 0004)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator import ingest
from annotator.service import Service
from tests.conftest import SEEDS


@pytest.fixture
def story(tmp_path: Path) -> Path:
    folder = tmp_path / "story"
    shutil.copytree(SEEDS, folder)
    return folder


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources `ingest.read_source` is asked for from now on."""
    asked: list[str] = []
    real = ingest.read_source

    def counting(source: Path | str) -> object:
        asked.append(Path(source).name)
        return real(source)

    monkeypatch.setattr(ingest, "read_source", counting)
    return asked


def test_a_second_open_reads_no_unchanged_file(
    make_service: Callable[..., Service], story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_service().open_paths([story])
    asked = reads(monkeypatch)
    again = make_service().open_paths([story])
    assert asked == []
    assert [a.id for a in again.articles] == [a.id for a in first.articles]
    assert again.articles == first.articles and not again.added and not again.errors


def test_a_changed_file_is_read_again(
    make_service: Callable[..., Service], story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_service().open_paths([story])
    changed = sorted(story.glob("*.txt"))[2]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nOne more line.\n")
    stat = changed.stat()
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    asked = reads(monkeypatch)
    report = make_service().open_paths([story])
    assert asked == [changed.name]
    assert len(report.added) == 1 and "One more line." in report.added[0].text
    asked.clear()
    make_service().open_paths([story])
    assert asked == []  # and the new version is remembered


def test_a_removed_article_is_read_again_and_forgotten_with_it(
    make_service: Callable[..., Service], story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = make_service()
    report = service.open_paths([story])
    service.remove_articles([report.articles[0].id])
    rows = service.store.source_files()
    assert report.articles[0].id not in {article_id for _, _, article_id in rows.values()}
    asked = reads(monkeypatch)
    again = make_service().open_paths([story])
    assert len(asked) == 1 and len(again.added) == 1
    assert [a.id for a in again.articles] == [a.id for a in report.articles]


def test_a_read_only_database_still_opens_and_remembers_nothing(
    make_service: Callable[..., Service], story: Path, tmp_path: Path
) -> None:
    db = tmp_path / "annotations.db"
    make_service().open_paths([story])
    make_service().store.conn.execute("DELETE FROM source_files")
    os.chmod(db, 0o444)
    try:
        service = make_service()
        assert service.read_only
        assert len(service.open_paths([story]).articles) == 5
        assert service.store.source_files() == {}
    finally:
        os.chmod(db, 0o644)
