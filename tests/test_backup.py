"""Backups: `annotator backup FILE` (VACUUM INTO), never over a file, consistent while
another process writes. (The snapshot before each migration: tests/test_store.py and
tests/test_concurrency.py. The backup before removing articles: tests/test_remove.py.)"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from annotator.model import Verdict
from annotator.service import Service
from annotator.store import Store, StoreError
from tests.conftest import ROOT, SEEDS
from tests.helpers import CliRun, cli_runner, tagged_database
from tests.workers.loops import scaled

BACKUPS = scaled(5, 25)


def _seed(db: Path) -> Path:
    return tagged_database(db, [SEEDS], Verdict.CONFIRMED)


@pytest.fixture
def annotator(capsys: pytest.CaptureFixture[str]) -> CliRun:
    return cli_runner(capsys, "tester")


def _sound(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    return conn


def test_backup_command_writes_a_copy_and_says_how_big(tmp_path: Path, annotator: CliRun) -> None:
    db = _seed(tmp_path / "a.db")
    target = tmp_path / "copy.db"
    code, out, err = annotator("backup", str(target), "--db", str(db))
    assert code == 0, err
    size = target.stat().st_size
    assert out == f"backup of {db} written to {target} ({size:,} bytes)\n"
    conn = _sound(target)
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 5
    assert conn.execute("SELECT verdict FROM claims").fetchall() == [("confirmed",)]
    conn.close()
    code, out, _ = annotator("report", "--db", str(target))  # a backup is a database
    assert code == 0 and "Verdicts" in out


def test_backup_command_never_overwrites(tmp_path: Path, annotator: CliRun) -> None:
    db = _seed(tmp_path / "a.db")
    target = tmp_path / "precious.txt"
    target.write_text("do not touch")
    code, _, err = annotator("backup", str(target), "--db", str(db))
    assert code == 2 and "already exists" in err and err.count("\n") == 1
    assert target.read_text() == "do not touch"


def test_backup_of_a_missing_database_creates_nothing(tmp_path: Path, annotator: CliRun) -> None:
    code, _, err = annotator("backup", str(tmp_path / "b.db"), "--db", str(tmp_path / "no.db"))
    assert code == 2 and "no such database" in err
    assert list(tmp_path.iterdir()) == []


def test_backup_of_a_read_only_database(tmp_path: Path) -> None:
    db = _seed(tmp_path / "a.db")
    db.chmod(0o444)
    try:
        service = Service(Store(db), None)
        assert service.store.read_only
        target = service.backup(tmp_path / "copy.db")
        _sound(target).close()
        with pytest.raises(StoreError, match="already exists"):
            service.backup(target)
        service.store.close()
    finally:
        db.chmod(0o644)


def _count_lines(stream: IO[bytes]) -> list[int]:
    """A one-item list counting the lines read so far from `stream`, by a daemon thread."""
    counter = [0]

    def drain() -> None:
        for _ in stream:
            counter[0] += 1

    threading.Thread(target=drain, daemon=True).start()
    return counter


def _wait_for_more(counter: list[int], timeout: float = 30.0) -> None:
    seen = counter[0]
    deadline = time.monotonic() + timeout
    while counter[0] <= seen + 1:  # a tag and a note: at least one whole round more
        assert time.monotonic() < deadline, "the writer made no progress"
        time.sleep(0.005)


def test_backups_taken_while_another_process_writes_are_sound_and_consistent(
    tmp_path: Path,
) -> None:
    db = _seed(tmp_path / "busy.db")
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.workers.loops", "tag", str(db), "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert writer.stdout is not None
        commits = _count_lines(writer.stdout)  # drained: a full pipe would stop the writer
        service = Service(Store(db), None, user="backup")
        claims_seen = []
        for number in range(BACKUPS):
            _wait_for_more(commits)  # it has committed since the last backup
            target = service.backup(tmp_path / f"backup{number}.db")
            conn = _sound(target)
            versions = dict(conn.execute("SELECT id, version FROM claims"))
            audit = dict(conn.execute("SELECT claim_id, COUNT(*) FROM audit GROUP BY claim_id"))
            # one audit row per committed change: a torn snapshot would break this
            assert audit == versions
            claims_seen.append(sum(versions.values()))
            conn.close()
        assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
        assert claims_seen == sorted(claims_seen) and claims_seen[-1] > claims_seen[0]
        service.store.close()
    finally:
        writer.kill()
        writer.wait()
