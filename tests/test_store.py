"""The SQLite store: schema, pragmas, migrations, refusals, claims and the audit trail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.model import Article, Claim, Entity, NlpResult, Sentence, Verdict
from annotator.store import (
    SCHEMA_VERSION,
    ConflictError,
    NewerSchemaError,
    Store,
    StoreError,
    journal_mode_for,
    migrations,
    wal_reset_bug,
)

TEXT = "Aleppo was hit on Friday.\nSome 200 people died."


def _article(text: str = TEXT, article_id: str = "a" * 64) -> Article:
    return Article(id=article_id, text=text, title="Title", outlet="Outlet", source_path="x.txt")


def _analysis(model: str = "m@1") -> NlpResult:
    return NlpResult(
        model=model,
        sentences=(
            Sentence(0, 0, 25, TEXT[0:25], (Entity("Aleppo", "GPE", 0, 6),)),
            Sentence(1, 26, 47, TEXT[26:47], (Entity("Some 200", "CARDINAL", 26, 34),)),
        ),
    )


def _claim(verdict: Verdict | None = Verdict.DISPUTED, note: str = "") -> Claim:
    return Claim(id="c1", article_id="a" * 64, start=0, end=25, quote=TEXT[:25],
                 verdict=verdict, note=note)  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "a.db")
    s.add_article(_article(), _analysis(), at="2024-01-01T00:00:00Z")
    return s


def test_pragmas_and_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == journal_mode_for().lower()
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    # A page cache that holds a 200-article story (SQLite's default is 2 MiB).
    assert conn.execute("PRAGMA cache_size").fetchone()[0] <= -32 * 1024
    assert store.schema_version() == SCHEMA_VERSION == 4
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for name in ("articles", "sentences", "entities", "claims", "audit", "nlp_cache", "meta",
                 "comparison_cache", "source_files"):  # fmt: skip
        assert name in tables
    assert [m.name for m in migrations.applied(store.db)] == [
        "0001_initial",
        "0002_fulltext_search",
        "0003_comparison_cache",
        "0004_source_files",
    ]


def test_add_article_is_idempotent_and_reads_back(store: Store) -> None:
    assert store.add_article(_article(), _analysis(), at="t") is False
    assert len(store.articles()) == 1
    sentences = store.sentences("a" * 64)
    assert [s.text for s in sentences] == ["Aleppo was hit on Friday.", "Some 200 people died."]
    assert sentences[1].entities == (Entity("Some 200", "CARDINAL", 26, 34),)
    assert store.article_models() == {"a" * 64: "m@1"}


def test_nlp_cache_round_trip(store: Store) -> None:
    assert store.cached_analysis("a" * 64, "m@1", TEXT) is None
    store.cache_analysis("a" * 64, _analysis(), at="t")
    assert store.cached_analysis("a" * 64, "m@1", TEXT) == _analysis()
    assert store.cached_analysis("a" * 64, "m@2", TEXT) is None
    row = store.conn.execute("SELECT model, model_version FROM nlp_cache").fetchone()
    assert tuple(row) == ("m", "1")


def test_replace_analysis_swaps_sentences(store: Store) -> None:
    single = NlpResult("n@2", (Sentence(0, 0, len(TEXT), TEXT),))
    store.replace_analysis("a" * 64, single)
    assert [s.text for s in store.sentences("a" * 64)] == [TEXT]
    assert store.entity_count("a" * 64) == 0
    assert store.article_models()["a" * 64] == "n@2"


def test_save_claim_versions_and_audit(store: Store) -> None:
    first = store.save_claim(_claim(), user="ann", action="tag", at="t1", expected_version=0)
    assert first.version == 1 and first.annotator == "ann" and first.created_at == "t1"
    second = store.save_claim(
        _claim(Verdict.CONFIRMED, note="ok"), user="bob", action="tag", at="t2",
        expected_version=1,
    )  # fmt: skip
    assert second.version == 2 and second.created_at == "t1" and second.updated_at == "t2"
    history = store.history("c1")
    assert [(h.user, h.field, h.old, h.new) for h in history] == [
        ("ann", "verdict", None, "disputed"),
        ("bob", "verdict", "disputed", "confirmed"),
        ("bob", "note", None, "ok"),
    ]


def test_stale_edit_is_a_conflict_and_writes_nothing(store: Store) -> None:
    store.save_claim(_claim(), user="ann", action="tag", at="t1", expected_version=0)
    store.save_claim(_claim(Verdict.CONFIRMED), user="bob", action="tag", at="t2",
                     expected_version=1)  # fmt: skip
    with pytest.raises(ConflictError) as raised:
        store.save_claim(_claim(Verdict.UNVERIFIED), user="ann", action="tag", at="t3",
                         expected_version=1)  # fmt: skip
    assert raised.value.current.verdict is Verdict.CONFIRMED
    assert store.claim("c1").verdict is Verdict.CONFIRMED  # type: ignore[union-attr]
    assert store.audit_count() == 2


def test_audit_is_append_only(store: Store) -> None:
    store.save_claim(_claim(), user="ann", action="tag", at="t1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("UPDATE audit SET new = 'confirmed'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("DELETE FROM audit")
    assert store.audit_count() == 1


def test_claims_lists_only_annotated_and_counts(store: Store) -> None:
    store.save_claim(_claim(), user="ann", action="tag", at="t1")
    assert [c.id for c in store.claims()] == ["c1"]
    assert store.verdict_counts() == {"a" * 64: {"disputed": 1}}
    store.save_claim(_claim(None), user="ann", action="clear", at="t2")
    assert store.claims() == []
    assert store.verdict_counts() == {}


def test_write_failure_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('k', 'v')")
        raise RuntimeError("boom")
    assert store.get_meta("k") is None
    store.set_meta("k", "v")
    assert store.get_meta("k") == "v"


def test_search_sentences_and_notes(store: Store) -> None:
    store.save_claim(_claim(note="casualty figure differs"), user="a", action="note", at="t")
    hits = store.search("aleppo")
    assert [(h.kind, h.sentence_index) for h in hits] == [("sentence", 0)]
    assert [h.kind for h in store.search("casualt")] == ["note"]
    assert store.search('" OR *') == []  # user input is never FTS syntax


def test_newer_schema_is_refused_and_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer annotator"):
        Store(path)
    assert path.read_bytes() == before


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("hello, I am a text file\n")
    with pytest.raises(StoreError, match="not an annotator database"):
        Store(path)
    assert path.read_text() == "hello, I am a text file\n"


def test_corrupt_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(StoreError):
        Store(path)


def test_migration_takes_a_snapshot_first(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store(path)
    # Pretend the database predates the second migration.
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0002_fulltext_search'")
    for table in ("sentences_fts", "claims_fts"):
        store.db[table].drop()
    for trigger in [r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_a%'"
    )]:  # fmt: skip
        store.conn.execute(f"DROP TRIGGER [{trigger}]")
    store.conn.execute("PRAGMA user_version = 1")
    store.close()
    migrated = Store(path)
    assert migrated.schema_version() == SCHEMA_VERSION
    backups = list(tmp_path.glob("old.db.v1-*.bak"))
    assert len(backups) == 1
    snapshot = sqlite3.connect(backups[0])
    assert snapshot.execute("PRAGMA user_version").fetchone()[0] == 1
    assert snapshot.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def older_database(path: Path, migration: str, table: str, version: int) -> Path:
    """A database with one article that looks as it did before `migration` (which made
    `table`): schema `version`, the migration not recorded, the table gone."""
    store = Store(path)
    store.add_article(_article(), _analysis(), at="2024-01-01T00:00:00Z")
    store.conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", (migration,))
    store.conn.execute(f"DROP TABLE {table}")
    store.conn.execute(f"PRAGMA user_version = {version}")
    store.close()
    return path


def test_a_schema_2_database_gains_the_comparison_cache_after_a_snapshot(
    tmp_path: Path,
) -> None:
    path = older_database(tmp_path / "v2.db", "0003_comparison_cache", "comparison_cache", 2)
    migrated = Store(path)
    assert migrated.schema_version() == SCHEMA_VERSION == 4
    assert [m.name for m in migrations.applied(migrated.db)][-1] == "0003_comparison_cache"
    assert migrated.cached_comparison("sig", 1) is None
    migrated.cache_comparison("sig", 1, "{}", at="t")
    assert migrated.cached_comparison("sig", 1) == "{}"
    assert len(migrated.articles()) == 1  # nothing else touched
    (backup,) = tmp_path.glob("v2.db.v2-*.bak")
    snapshot = sqlite3.connect(backup)
    assert snapshot.execute("PRAGMA user_version").fetchone()[0] == 2
    assert snapshot.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    tables = {r[0] for r in snapshot.execute("SELECT name FROM sqlite_master")}
    assert "comparison_cache" not in tables and "articles" in tables
    snapshot.close()


def test_comparison_cache_keeps_one_signature_and_one_format(store: Store) -> None:
    store.cache_comparison("old", 1, '{"a": 1}', at="t1")
    store.cache_comparison("new", 1, '{"b": 2}', at="t2")
    assert store.cached_comparison("new", 1) == '{"b": 2}'
    assert store.cached_comparison("old", 1) is None  # outdated corpora are dropped
    assert store.cached_comparison("new", 2) is None  # another format is not read
    count = store.conn.execute("SELECT COUNT(*) FROM comparison_cache").fetchone()[0]
    assert count == 1


def test_backup_refuses_to_overwrite(store: Store, tmp_path: Path) -> None:
    target = store.backup(tmp_path / "b.db")
    assert sqlite3.connect(target).execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1
    with pytest.raises(StoreError, match="already exists"):
        store.backup(target)


def test_two_connections_see_each_others_writes(tmp_path: Path) -> None:
    one, two = Store(tmp_path / "a.db"), Store(tmp_path / "a.db")
    one.add_article(_article(), _analysis(), at="t")
    version = two.data_version()
    one.save_claim(_claim(), user="ann", action="tag", at="t1")
    assert two.data_version() != version
    assert two.claim("c1").verdict is Verdict.DISPUTED  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("3.40.1", True), ("3.44.5", True), ("3.44.6", False), ("3.45.0", True),
        ("3.50.6", True), ("3.50.7", False), ("3.51.1", True), ("3.51.2", True),
        ("3.51.3", False), ("3.52.0", False), ("4.0", False),
    ],
)  # fmt: skip
def test_wal_reset_bug_versions(version: str, affected: bool) -> None:
    assert wal_reset_bug(version) is affected
    assert journal_mode_for(version) == ("DELETE" if affected else "WAL")


def test_a_schema_3_database_gains_the_source_files_after_a_snapshot(tmp_path: Path) -> None:
    path = older_database(tmp_path / "v3.db", "0004_source_files", "source_files", 3)
    migrated = Store(path)
    assert migrated.schema_version() == SCHEMA_VERSION == 4
    assert migrated.source_files() == {}
    article_id = migrated.articles()[0].id
    migrated.remember_sources([("/x/a.txt", 10, 20, article_id)])
    assert migrated.source_files() == {"/x/a.txt": (10, 20, article_id)}
    (backup,) = tmp_path.glob("v3.db.v3-*.bak")
    snapshot = sqlite3.connect(backup)
    assert snapshot.execute("PRAGMA user_version").fetchone()[0] == 3
    assert "source_files" not in {r[0] for r in snapshot.execute("SELECT name FROM sqlite_master")}
    snapshot.close()
