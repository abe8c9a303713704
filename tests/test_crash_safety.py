"""Crash safety: a process tagging claims is SIGKILLed at random moments, again and again.

Afterwards every write it reported committed is there (with that value or a later one),
the database passes `integrity_check` and `foreign_key_check`, and the audit trail
matches the claims exactly: the claim and its audit rows are committed together or not
at all. `make test` kills 20 times, `make stress` 200 times.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from annotator.service import Service
from annotator.store import Store
from tests.conftest import SEEDS
from tests.workers.loops import scaled, tag_loop

KILLS = scaled(20, 200)
MAX_LIFETIME = 0.25  # seconds a writer lives before its SIGKILL (uniformly at random)


@dataclass(frozen=True, slots=True)
class Report:
    """One line a writer printed after a commit returned."""

    claim_id: str
    version: int
    field: str  # "verdict" or "note"
    value: str


def _seed(db: Path) -> None:
    service = Service(Store(db), None, user="setup")
    assert not service.open_paths([SEEDS]).errors
    service.store.close()


def _run_and_kill(db: Path, run: int, rng: random.Random) -> list[Report]:
    """Start a writer, SIGKILL it at a random moment, return the lines it completed."""
    context = multiprocessing.get_context("fork")
    read_end, write_end = os.pipe()
    writer = context.Process(target=tag_loop, args=(str(db), run, write_end))
    writer.start()
    os.close(write_end)
    time.sleep(rng.uniform(0, MAX_LIFETIME))
    writer.kill()
    writer.join()
    assert writer.exitcode == -9, f"writer {run} ended by itself ({writer.exitcode})"
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    text = b"".join(chunks).decode("utf-8")
    complete = text[: text.rfind("\n") + 1]  # a line cut by the kill was not reported
    reports = []
    for line in complete.splitlines():
        claim_id, version, field, value = line.split(" ")
        reports.append(Report(claim_id, int(version), field, value))
    return reports


def test_writes_reported_committed_survive_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    _seed(db)
    rng = random.Random(6)
    reports: list[Report] = []
    for run in range(KILLS):
        reports += _run_and_kill(db, run, rng)
    assert len(reports) > KILLS, "the writers hardly wrote: the test proves nothing"

    # The database opens (a hot journal is rolled back) and is sound.
    store = Store(db)
    conn = store.conn
    assert [tuple(row) for row in conn.execute("PRAGMA integrity_check")] == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []

    claims = {claim.id: claim for claim in store.claims(include_empty=True)}
    audit = [tuple(row) for row in conn.execute("SELECT claim_id, field, new FROM audit")]
    rows = set(audit)
    newest: dict[str, Report] = {}
    for report in reports:
        stored = claims.get(report.claim_id)
        assert stored is not None, f"reported claim {report.claim_id} is missing"
        assert stored.version >= report.version, f"{report} lost (stored {stored.version})"
        assert (report.claim_id, report.field, report.value) in rows, f"{report}: no audit row"
        if report.version >= newest.get(report.claim_id, report).version:
            newest[report.claim_id] = report
    for report in newest.values():
        stored = claims[report.claim_id]
        if stored.version == report.version:  # nothing committed after the last report
            value = (
                stored.verdict.value
                if report.field == "verdict" and stored.verdict
                else (stored.note)
            )
            assert value == report.value, f"{report} but stored {value!r}"
    # Every note written once: one audit row per reported token, never two.
    notes = [new for _, field, new in audit if field == "note"]
    assert len(notes) == len(set(notes))
    # Each commit changed one field and wrote one audit row, in one transaction: a claim
    # at version N has exactly N audit rows (a torn commit would break the equality).
    counts: dict[str, int] = {}
    for claim_id, _, _ in audit:
        counts[claim_id] = counts.get(claim_id, 0) + 1
    assert counts == {claim_id: claim.version for claim_id, claim in claims.items()}
    store.close()


def test_a_killed_writer_leaves_no_lock_behind(tmp_path: Path) -> None:
    """After a SIGKILL mid-write the next writer gets in at once (no busy wait, no error)."""
    db = tmp_path / "crash.db"
    _seed(db)
    _run_and_kill(db, 0, random.Random(1))
    started = time.monotonic()
    service = Service(Store(db), None, user="after")
    article = service.articles()[0]
    service.append_note(article.id, service.sentences(article.id)[0], "after the crash")
    assert time.monotonic() - started < 2
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    service.store.close()
