"""Removing articles from the story (`Service.remove_articles`, `annotator remove`): a
`VACUUM INTO` backup beside the database first, then one transaction that leaves no orphan
row in any table and keeps the removed claims' values in the append-only audit trail."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from annotator import cli
from annotator.model import NlpResult, Verdict
from annotator.service import Service, ServiceError
from annotator.store import Store, StoreError
from tests.conftest import SEEDS
from tests.fake_nlp import FakeAnalyzer

# Every table holding rows of an article, and the column naming it.
ARTICLE_ROWS = {
    "articles": "id",
    "sentences": "article_id",
    "entities": "article_id",
    "claims": "article_id",
    "nlp_cache": "text_hash",
}


def _sound(path: Path) -> sqlite3.Connection:
    """A connection to `path` after checking it is a sound SQLite database."""
    conn = sqlite3.connect(path, isolation_level=None)  # no transaction left open
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    for index in ("sentences_fts", "claims_fts"):  # the full-text indexes match their tables
        conn.execute(f"INSERT INTO {index}({index}) VALUES ('integrity-check')")
    return conn


def _rows_of(conn: sqlite3.Connection, article_id: str) -> dict[str, int]:
    return {
        table: conn.execute(
            f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (article_id,)
        ).fetchone()[0]
        for table, column in ARTICLE_ROWS.items()
    }


def _orphans(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows in any table that belong to no article (or index no row)."""
    checks = {
        "sentences": "SELECT COUNT(*) FROM sentences WHERE article_id NOT IN "
        "(SELECT id FROM articles)",
        "entities": "SELECT COUNT(*) FROM entities WHERE article_id NOT IN "
        "(SELECT id FROM articles)",
        "claims": "SELECT COUNT(*) FROM claims WHERE article_id NOT IN (SELECT id FROM articles)",
        "nlp_cache": "SELECT COUNT(*) FROM nlp_cache WHERE text_hash NOT IN "
        "(SELECT id FROM articles)",
        "sentences_fts": "SELECT COUNT(*) FROM sentences_fts WHERE rowid NOT IN "
        "(SELECT rowid FROM sentences)",
        "claims_fts": "SELECT COUNT(*) FROM claims_fts WHERE rowid NOT IN "
        "(SELECT rowid FROM claims)",
    }
    return {name: n for name, sql in checks.items() if (n := conn.execute(sql).fetchone()[0])}


@pytest.fixture
def story(seeded: Service) -> tuple[Service, str]:
    """The seeded service, with the second article tagged, noted and cached everywhere."""
    article = seeded.articles()[1]
    sentences = seeded.sentences(article.id)
    seeded.tag(article.id, sentences[0], Verdict.DISPUTED)
    seeded.set_note(article.id, sentences[0], "wrong outlet [b]entirely[/b]")
    seeded.tag(article.id, sentences[2], Verdict.CONFIRMED)
    seeded.tag(article.id, sentences[2], None)  # a cleared claim is removed too
    other = seeded.articles()[0]
    seeded.tag(other.id, seeded.sentences(other.id)[0], Verdict.CONFIRMED)
    seeded.store.cache_comparison("signature", 1, "{}", at="2024-11-29T12:00:00Z")
    return seeded, article.id


def test_removal_takes_a_sound_backup_first_and_leaves_no_orphans(
    story: tuple[Service, str], tmp_path: Path
) -> None:
    service, article_id = story
    db = tmp_path / "annotations.db"
    conn = _sound(db)
    before = _rows_of(conn, article_id)
    assert all(before.values()), before  # it has rows in every table
    assert conn.execute("SELECT COUNT(*) FROM comparison_cache").fetchone()[0] == 1

    removal = service.remove_articles([article_id])

    assert [a.id for a in removal.articles] == [article_id]
    assert removal.claims == 2 and removal.sentences == before["sentences"]
    assert removal.backup is not None and removal.backup.parent == tmp_path
    assert removal.backup.name.startswith("annotations.db.before-remove-")
    assert list(tmp_path.glob("*.bak")) == [removal.backup]  # one backup, beside the db
    backup = _sound(removal.backup)
    assert _rows_of(backup, article_id) == before  # the backup still holds all of it
    claims = backup.execute("SELECT note FROM claims WHERE article_id = ?", (article_id,))
    assert ("wrong outlet [b]entirely[/b]",) in claims.fetchall()

    conn = _sound(db)
    assert _rows_of(conn, article_id) == dict.fromkeys(ARTICLE_ROWS, 0)
    assert _orphans(conn) == {}
    assert conn.execute("SELECT COUNT(*) FROM comparison_cache").fetchone()[0] == 0
    assert len(service.articles()) == 4 and len(service.claims()) == 1
    assert service.search("entirely") == []  # gone from the full-text index as well


def test_the_audit_trail_keeps_what_was_removed(story: tuple[Service, str]) -> None:
    service, article_id = story
    before = service.store.audit_count()
    removal = service.remove_articles([article_id])
    assert service.store.audit_count() == before + 3  # verdict + note; the cleared one
    ends = sorted(
        repr([(a.action, a.field, a.old, a.new) for a in service.history(claim_id)][-2:])
        for claim_id in removal.claim_ids
    )
    tagged = [
        ("remove", "verdict", "disputed", None),
        ("remove", "note", "wrong outlet [b]entirely[/b]", None),
    ]
    cleared = [("clear", "verdict", "confirmed", None), ("remove", "verdict", None, None)]
    assert ends == sorted([repr(tagged), repr(cleared)])
    for claim_id in removal.claim_ids:
        assert all(a.user == "tester" for a in service.history(claim_id)[-1:])


def test_the_service_forgets_the_removed_articles_edits(story: tuple[Service, str]) -> None:
    service, article_id = story
    assert service.can_undo
    service.remove_articles([article_id])
    (undone,) = service.undo()  # the last edit left is the tag of the other article
    assert undone.article_id != article_id
    assert service.undo() == ()


def test_a_removed_article_can_be_imported_again_and_tagged(story: tuple[Service, str]) -> None:
    service, article_id = story
    removal = service.remove_articles([article_id])
    report = service.open_paths([removal.articles[0].source_path])
    assert [a.id for a in report.added] == [article_id]
    sentence = service.sentences(article_id)[0]
    claim = service.tag(article_id, sentence, Verdict.UNVERIFIED)
    assert claim.version == 1 and claim.id in removal.claim_ids


def test_unknown_ids_are_refused_and_nothing_is_removed(
    story: tuple[Service, str], tmp_path: Path
) -> None:
    service, article_id = story
    with pytest.raises(ServiceError, match="no such article: deadbeef"):
        service.remove_articles([article_id, "deadbeef"])
    with pytest.raises(ServiceError, match="no article given"):
        service.remove_articles([])
    assert len(service.articles()) == 5 and list(tmp_path.glob("*.bak")) == []


def test_a_read_only_database_refuses_and_nothing_is_written(
    story: tuple[Service, str], tmp_path: Path
) -> None:
    service, article_id = story
    db = tmp_path / "annotations.db"
    service.store.close()
    content = db.read_bytes()
    reader = Service(Store(db, read_only=True), None, user="tester")
    try:
        with pytest.raises(StoreError, match=r"read-only.*nothing was removed"):
            reader.remove_articles([article_id])
    finally:
        reader.store.close()
    assert db.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotations.db"]


def test_in_memory_there_is_no_backup_but_the_removal_is_whole() -> None:
    service = Service(Store(":memory:"), None, user="tester")
    service.open_paths([SEEDS])
    first = service.articles()[0]
    service.tag(first.id, service.sentences(first.id)[0], Verdict.DISPUTED)
    removal = service.remove_articles([first.id])
    assert removal.backup is None and removal.claims == 1
    assert _orphans(service.store.conn) == {}
    assert [a.id for a in service.articles()] == [a.id for a in service.articles()[:4]]


def test_a_backup_taken_while_another_instance_writes_is_taken_again(
    story: tuple[Service, str], make_service: Callable[..., Service], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    service, article_id = story
    bob = make_service(user="bob")
    other = bob.articles()[2]
    backup = service.store.backup
    calls: list[Path] = []

    def backup_then_bob_writes(target: str | Path) -> Path:
        made = backup(target)
        if not calls:  # between the first backup and the removal, bob tags a sentence
            bob.tag(other.id, bob.sentences(other.id)[0], Verdict.DISPUTED)
        calls.append(made)
        return made

    monkeypatch.setattr(service.store, "backup", backup_then_bob_writes)
    removal = service.remove_articles([article_id])
    assert len(calls) == 2  # the first was thrown away (its name is free again)
    assert removal.backup == calls[1] and list(tmp_path.glob("*.bak")) == [calls[1]]
    backup_db = _sound(calls[1])
    tagged = backup_db.execute("SELECT verdict FROM claims WHERE article_id = ?", (other.id,))
    assert tagged.fetchall() == [("disputed",)]  # the backup has bob's write: the state removed


def test_an_analysis_that_ends_after_the_removal_stores_nothing_of_it(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    bob = make_service(analyzer=None, user="bob")

    class RemovedMeanwhile(FakeAnalyzer):
        """Another instance removes the first article while the model runs."""

        def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
            if not bob.store.has_article(victim.id) or len(texts) < 2:
                return super().analyse(texts)
            bob.remove_articles([victim.id])
            return super().analyse(texts)

    service = make_service()
    service.analyzer = RemovedMeanwhile()
    service.open_paths([SEEDS])
    victim = service.articles()[0]
    assert service.analyse_pending() == 4
    conn = _sound(tmp_path / "annotations.db")
    assert _orphans(conn) == {} and _rows_of(conn, victim.id) == dict.fromkeys(ARTICLE_ROWS, 0)


# --- the command line --------------------------------------------------------------------------


@pytest.fixture
def annotator(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main([*args, "--user", "tester", "--model", "no_such_model_here"])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_the_cli_removes_articles_and_says_where_the_backup_is(
    story: tuple[Service, str], tmp_path: Path, annotator: Callable[..., tuple[int, str, str]]
) -> None:
    service, article_id = story
    db = tmp_path / "annotations.db"
    names = [Path(a.source_path).name for a in service.articles()]
    code, out, err = annotator("remove", names[1][:3], names[3][:3], "--db", str(db))
    assert code == 0, err
    assert f"removed {article_id[:12]} {names[1]} with its 2 claims" in out
    (backup,) = tmp_path.glob("*.bak")
    assert f"backup of {db} before the removal: {backup}" in out
    code, out, err = annotator("articles", "--format", "json", "--db", str(db))
    assert len(json.loads(out)) == 3


def test_the_cli_remove_json_and_refusals(
    story: tuple[Service, str], tmp_path: Path, annotator: Callable[..., tuple[int, str, str]]
) -> None:
    _, article_id = story
    db = tmp_path / "annotations.db"
    code, out, err = annotator("remove", article_id[:10], "--db", str(db), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert [a["article"] for a in data["removed"]] == [article_id]
    assert data["removed"][0]["claims"] == 2 and Path(data["backup"]).is_file()
    code, out, err = annotator("remove", article_id[:10], "--db", str(db))
    assert code == 2 and "no article matches" in err and out == ""
    code, out, err = annotator("remove", "000", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "no such database" in err
    assert not (tmp_path / "none.db").exists()
    os.chmod(db, 0o444)
    try:
        code, out, err = annotator("remove", "000", "--db", str(db))
    finally:
        os.chmod(db, 0o644)
    assert code == 2 and "read-only" in err and "nothing was removed" in err
    assert len(list(tmp_path.glob("*.bak"))) == 1
