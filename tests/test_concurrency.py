"""Several processes on one database file: no "database is locked", no lost update,
migrations that race cleanly; and two services on one file that see each other's changes
and never overwrite one another silently (conflicts).

`make test` runs 4 processes x 100 edits; `make stress` 4 x 400 (and more open races).
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.model import Verdict
from annotator.service import ClaimConflict, Service
from annotator.store import MIGRATIONS, SCHEMA_VERSION, Store, wal_reset_bug
from tests.conftest import SEEDS, fixed_clock
from tests.workers.loops import append_loop, increment_loop, open_loop, scaled

WORKERS = 4
EDITS = scaled(100, 400)
OPEN_ROUNDS = scaled(3, 20)
ARTICLE = SEEDS / "003_6ff3fa6f71314818.txt"


def _race(
    target: Callable[..., None],
    db: Path,
    args_for: Callable[[int], tuple[Any, ...]] = lambda worker: (),
) -> list[dict[str, Any]]:
    """Run `target(db, *args_for(i), start, result)` in WORKERS forked processes released
    at once by a start file; return what each wrote to its result file."""
    context = multiprocessing.get_context("fork")
    start = db.with_name(db.name + ".start")
    results = [db.with_name(f"{db.name}.result{i}") for i in range(WORKERS)]
    workers = [
        context.Process(target=target, args=(str(db), *args_for(i), str(start), str(result)))
        for i, result in enumerate(results)
    ]
    for worker in workers:
        worker.start()
    start.touch()  # the barrier: every worker waits for this file
    for worker in workers:
        worker.join(timeout=300)
        assert worker.exitcode == 0, f"a worker failed (exit {worker.exitcode})"
    start.unlink()
    return [json.loads(result.read_text()) for result in results]


def _seeded(db: Path) -> tuple[str, Any]:
    service = Service(Store(db), None, user="setup")
    assert not service.open_paths([ARTICLE]).errors
    article = service.articles()[0]
    sentence = service.sentences(article.id)[0]
    service.store.close()
    return article.id, sentence


def _check(db: Path) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


# --- read-modify-write from four processes -----------------------------------------------------


def test_four_processes_appending_lose_nothing_and_never_lock(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    article_id, _ = _seeded(db)
    results = _race(append_loop, db, lambda i: (i, EDITS))
    assert [r["errors"] for r in results] == [[]] * WORKERS  # no "database is locked"
    store = Store(db)
    claim = store.claims(article_id)[0]
    lines = claim.note.split("\n")
    expected = {f"p{w}-{i}" for w in range(WORKERS) for i in range(EDITS)}
    assert len(lines) == len(expected) and set(lines) == expected  # no lost update
    for worker in range(WORKERS):  # each process's lines in its own order
        own = [line for line in lines if line.startswith(f"p{worker}-")]
        assert own == [f"p{worker}-{i}" for i in range(EDITS)]
    assert claim.version == WORKERS * EDITS == store.audit_count()
    store.close()
    _check(db)


def test_four_processes_incrementing_optimistically_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    article_id, _ = _seeded(db)
    edits = EDITS // 2  # each conflict costs a retry: half as many keeps the time alike
    results = _race(increment_loop, db, lambda i: (i, edits))
    assert [r["errors"] for r in results] == [[]] * WORKERS
    store = Store(db)
    claim = store.claims(article_id)[0]
    assert claim.note == str(WORKERS * edits)  # every increment counted once
    assert claim.version == WORKERS * edits == store.audit_count()
    store.close()
    _check(db)


# --- opening at once ---------------------------------------------------------------------------


@pytest.mark.parametrize("round_", range(OPEN_ROUNDS))
def test_four_instances_create_and_migrate_a_fresh_file_at_once(
    tmp_path: Path, round_: int
) -> None:
    db = tmp_path / f"fresh{round_}.db"
    results = _race(open_loop, db)
    assert results == [{"schema": SCHEMA_VERSION, "error": ""}] * WORKERS
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert names == [name for name, _ in MIGRATIONS]  # each once, in order
    conn.close()
    _check(db)


def test_four_instances_upgrade_an_old_file_at_once(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    store = Store(db)
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0002_fulltext_search'")
    for table in ("sentences_fts", "claims_fts"):
        store.db[table].drop()
    for (trigger,) in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_a%'"
    ).fetchall():
        store.conn.execute(f"DROP TRIGGER [{trigger}]")
    store.conn.execute("PRAGMA user_version = 1")
    store.close()
    results = _race(open_loop, db)
    assert results == [{"schema": SCHEMA_VERSION, "error": ""}] * WORKERS
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert sorted(names) == [name for name, _ in MIGRATIONS]
    conn.close()
    snapshots = list(tmp_path.glob("old.db.v1-*.bak"))
    assert len(snapshots) == 1  # the migrating instance's; the others dropped theirs
    snapshot = sqlite3.connect(snapshots[0])
    assert snapshot.execute("PRAGMA user_version").fetchone()[0] == 1
    assert snapshot.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    snapshot.close()


# --- two instances: seeing changes, and conflicts ----------------------------------------------


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Service, Service, str, Any]:
    """Two services on one file (two fact-checkers), with one article opened."""
    db = tmp_path / "pair.db"
    article_id, sentence = _seeded(db)
    ann = Service(Store(db), None, user="ann", clock=fixed_clock())
    bob = Service(Store(db), None, user="bob", clock=fixed_clock())
    return ann, bob, article_id, sentence


def confirmed_after_bob_read_it(pair: tuple[Service, Service, str, Any]) -> None:
    """Ann tags the sentence unverified, bob reads the claims, then ann confirms it."""
    ann, bob, article_id, sentence = pair
    ann.tag(article_id, sentence, Verdict.UNVERIFIED)
    bob.claims()
    ann.tag(article_id, sentence, Verdict.CONFIRMED)


def test_changed_since_last_check_sees_only_other_instances(
    pair: tuple[Service, Service, str, Any],
) -> None:
    ann, bob, article_id, sentence = pair
    assert not ann.changed_since_last_check()
    ann.tag(article_id, sentence, Verdict.DISPUTED)
    assert not ann.changed_since_last_check()  # its own write is not news to it
    assert bob.changed_since_last_check()  # bob should re-read: ann wrote
    assert not bob.changed_since_last_check()  # and only once
    assert bob.claim_for(article_id, sentence).verdict is Verdict.DISPUTED


def test_an_edit_of_a_claim_changed_elsewhere_is_a_conflict_and_writes_nothing(
    pair: tuple[Service, Service, str, Any],
) -> None:
    ann, bob, article_id, sentence = pair
    ann.tag(article_id, sentence, Verdict.UNVERIFIED)
    seen = bob.claim_for(article_id, sentence)  # bob reads version 1
    ann.tag(article_id, sentence, Verdict.CONFIRMED)  # ann moves it to version 2
    audit = bob.store.audit_count()
    with pytest.raises(ClaimConflict) as raised:
        bob.tag(article_id, sentence, Verdict.DISPUTED)
    conflict = raised.value
    assert (conflict.mine.verdict, conflict.theirs.verdict) == (
        Verdict.DISPUTED,
        Verdict.CONFIRMED,
    )
    assert conflict.theirs.version == 2 and conflict.current == conflict.theirs
    assert "ann" in str(conflict) and "\n" not in str(conflict)
    assert bob.store.audit_count() == audit  # nothing written
    assert bob.claim(seen.id).verdict is Verdict.CONFIRMED  # type: ignore[union-attr]
    assert bob.conflict(seen.id) is conflict


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_resolving_keeps_either_side_and_the_audit_has_both(
    pair: tuple[Service, Service, str, Any], keep: str
) -> None:
    ann, bob, article_id, sentence = pair
    claim = bob.claim_for(article_id, sentence)  # bob sees no claim yet (version 0)
    ann.tag(article_id, sentence, Verdict.CONFIRMED)
    with pytest.raises(ClaimConflict) as raised:
        bob.tag(article_id, sentence, Verdict.DISPUTED)
    conflict = raised.value
    stored = bob.resolve_conflict(conflict.mine if keep == "mine" else conflict.theirs)
    wanted = Verdict.DISPUTED if keep == "mine" else Verdict.CONFIRMED
    assert stored.verdict is wanted
    assert ann.claim(claim.id).verdict is wanted  # type: ignore[union-attr]
    assert bob.conflict(claim.id) is None
    history = [(h.user, h.action, h.field, h.old, h.new) for h in ann.history(claim.id)]
    lost = "confirmed" if keep == "mine" else "disputed"
    assert history == [
        ("ann", "tag", "verdict", None, "confirmed"),
        ("bob", "resolve", "verdict", lost, wanted.value),  # the losing value is kept here
    ]
    assert stored.version == (2 if keep == "mine" else 1)


def test_a_conflict_keeps_the_other_fields_of_theirs(
    pair: tuple[Service, Service, str, Any],
) -> None:
    ann, bob, article_id, sentence = pair
    ann.tag(article_id, sentence, Verdict.UNVERIFIED)
    bob.claims()  # bob's view: version 1
    ann.set_note(article_id, sentence, "two sources disagree")
    with pytest.raises(ClaimConflict) as raised:
        bob.tag(article_id, sentence, Verdict.DISPUTED)
    mine = raised.value.mine
    assert (mine.verdict, mine.note) == (Verdict.DISPUTED, "two sources disagree")
    stored = bob.resolve_conflict(mine)
    assert (stored.verdict, stored.note) == (Verdict.DISPUTED, "two sources disagree")


def test_resolving_after_yet_another_change_is_a_new_conflict(
    pair: tuple[Service, Service, str, Any],
) -> None:
    ann, bob, article_id, sentence = pair
    confirmed_after_bob_read_it(pair)
    with pytest.raises(ClaimConflict) as first:
        bob.tag(article_id, sentence, Verdict.DISPUTED)
    ann.set_note(article_id, sentence, "new evidence")
    with pytest.raises(ClaimConflict) as second:
        bob.resolve_conflict(first.value.mine)
    assert second.value.theirs.note == "new evidence"
    assert second.value.mine.verdict is Verdict.DISPUTED
    stored = bob.resolve_conflict(second.value.mine)
    assert (stored.verdict, stored.note) == (Verdict.DISPUTED, "new evidence")


def test_the_same_edit_made_again_after_a_conflict_is_deliberate(
    pair: tuple[Service, Service, str, Any],
) -> None:
    _ann, bob, article_id, sentence = pair
    confirmed_after_bob_read_it(pair)
    with pytest.raises(ClaimConflict):
        bob.tag(article_id, sentence, Verdict.DISPUTED)
    stored = bob.tag(article_id, sentence, Verdict.DISPUTED)  # seen theirs, insists
    assert stored.verdict is Verdict.DISPUTED and stored.version == 3


def test_agreeing_with_a_change_made_elsewhere_is_no_conflict(
    pair: tuple[Service, Service, str, Any],
) -> None:
    _ann, bob, article_id, sentence = pair
    confirmed_after_bob_read_it(pair)
    stored = bob.tag(article_id, sentence, Verdict.CONFIRMED)
    assert stored.version == 2 and bob.store.audit_count() == 2


def test_an_explicit_expected_version_is_checked(
    pair: tuple[Service, Service, str, Any],
) -> None:
    ann, bob, article_id, sentence = pair
    ann.tag(article_id, sentence, Verdict.UNVERIFIED)
    with pytest.raises(ClaimConflict):
        bob.set_note(article_id, sentence, "mine", expected_version=0)
    assert bob.set_note(article_id, sentence, "mine", expected_version=1).version == 2


def test_undo_of_a_claim_changed_elsewhere_is_a_conflict_and_stays_undoable(
    pair: tuple[Service, Service, str, Any],
) -> None:
    ann, bob, article_id, sentence = pair
    bob.tag(article_id, sentence, Verdict.DISPUTED)
    ann.tag(article_id, sentence, Verdict.CONFIRMED)
    with pytest.raises(ClaimConflict) as raised:
        bob.undo()
    assert raised.value.mine.verdict is None and raised.value.theirs.verdict is Verdict.CONFIRMED
    assert bob.can_undo
    assert bob.claim_for(article_id, sentence).verdict is Verdict.CONFIRMED


def test_report_says_which_sqlite_and_journal_are_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from annotator import cli

    _seeded(tmp_path / "a.db")
    assert cli.main(["report", "--db", str(tmp_path / "a.db")]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("Storage: "))
    assert sqlite3.sqlite_version in line
    assert ("rollback journal" in line) == wal_reset_bug()
    conn = sqlite3.connect(tmp_path / "a.db")
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert mode == ("delete" if wal_reset_bug() else "wal")
