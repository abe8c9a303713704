"""The SQLite store: schema, migrations, every query and every write.

Writes run in `BEGIN IMMEDIATE` transactions (sqlite-utils' own `atomic()` begins
DEFERRED, which can fail with "database is locked" half-way through a
read-modify-write); sqlite-utils calls made inside one become savepoints.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from annotator.model import Annotation, Article, Claim, Entity, NlpResult, Sentence, Verdict

BUSY_TIMEOUT_MS = 10_000
SQLITE_MAGIC = b"SQLite format 3\x00"


def wal_reset_bug(version: str = sqlite3.sqlite_version) -> bool:
    """Whether this SQLite has the WAL-reset bug that can corrupt a database when several
    connections write at once: every release before 3.51.3 except the fixed backports
    3.44.6 (3.44 branch) and 3.50.7 (3.50 branch)."""
    parts = tuple(int(p) for p in version.split(".")[:3])
    release = parts + (0,) * (3 - len(parts))
    if release >= (3, 51, 3):
        return False
    if (3, 44, 6) <= release < (3, 45, 0) or (3, 50, 7) <= release < (3, 51, 0):
        return False
    return True


def journal_mode_for(version: str = sqlite3.sqlite_version) -> str:
    """WAL where it is safe; the rollback journal (DELETE) where the WAL-reset bug lives."""
    return "DELETE" if wal_reset_bug(version) else "WAL"


def sqlite_status() -> str:
    """One line for `annotator report`: the SQLite in use and the journal mode chosen."""
    version = sqlite3.sqlite_version
    if wal_reset_bug(version):
        return (
            f"SQLite {version} has the WAL-reset bug (fixed in 3.51.3): using the rollback "
            "journal instead of WAL, safe with several writers"
        )
    return f"SQLite {version}: WAL journal"


migrations = Migrations("annotator")


class StoreError(Exception):
    """A database problem the user must hear about; the message is one line."""


class NewerSchemaError(StoreError):
    """The database was written by a newer annotator."""


class ConflictError(StoreError):
    """A claim changed underneath an edit (another instance wrote it first)."""

    def __init__(self, current: Claim) -> None:
        super().__init__(f"claim {current.id} changed elsewhere (now version {current.version})")
        self.current = current


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One full-text search result: a sentence, or a claim's note."""

    kind: str  # "sentence" or "note"
    article_id: str
    sentence_index: int  # 0-based; -1 when unknown
    start: int
    end: int
    snippet: str


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    """What `Store.merge_claims` did with each incoming claim, by claim id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # the same verdict, note and evidence
    kept: list[str] = field(default_factory=list)  # differs, but the stored copy is as new


# --- migrations --------------------------------------------------------------------------------


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            outlet TEXT NOT NULL DEFAULT '',
            byline TEXT NOT NULL DEFAULT '',
            published TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            source_path TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            words INTEGER NOT NULL,
            dropped TEXT NOT NULL DEFAULT '[]',
            decoded_with_replacement INTEGER NOT NULL DEFAULT 0,
            nlp_model TEXT NOT NULL DEFAULT '',
            imported_at TEXT NOT NULL
        );
        CREATE TABLE sentences (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (article_id, idx)
        );
        CREATE TABLE entities (
            id INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            sentence_idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            label TEXT NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX entities_article ON entities(article_id, sentence_idx);
        CREATE TABLE claims (
            id TEXT PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            quote TEXT NOT NULL,
            prefix TEXT NOT NULL DEFAULT '',
            suffix TEXT NOT NULL DEFAULT '',
            verdict TEXT CHECK (verdict IN ('confirmed', 'disputed', 'unverified')),
            note TEXT NOT NULL DEFAULT '',
            evidence_url TEXT NOT NULL DEFAULT '',
            annotator TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX claims_article ON claims(article_id, start);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            claim_id TEXT NOT NULL,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            action TEXT NOT NULL,
            field TEXT NOT NULL,
            old TEXT,
            new TEXT
        );
        CREATE INDEX audit_claim ON audit(claim_id, id);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
        CREATE TABLE nlp_cache (
            text_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            model_version TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (text_hash, model, model_version)
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


@migrations(name="0002_fulltext_search")
def _fulltext_search(db: Database) -> None:
    db.table("sentences").enable_fts(["text"], fts_version="FTS5", create_triggers=True)
    db.table("claims").enable_fts(["note"], fts_version="FTS5", create_triggers=True)


SCHEMA_VERSION = len(migrations._migrations)


# --- helpers -----------------------------------------------------------------------------------


def utc_now() -> str:
    """Now as ISO 8601 UTC with a `Z`, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _moment(timestamp: str) -> datetime:
    """An ISO 8601 time as aware UTC (no zone = UTC), for ordering; unparsable sorts first."""
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _split_model_key(key: str) -> tuple[str, str]:
    name, _, version = key.partition("@")
    return name, version


def _claim_from_row(row: sqlite3.Row) -> Claim:
    return Claim(
        id=row["id"],
        article_id=row["article_id"],
        start=row["start"],
        end=row["end"],
        quote=row["quote"],
        prefix=row["prefix"],
        suffix=row["suffix"],
        verdict=Verdict(row["verdict"]) if row["verdict"] else None,
        note=row["note"],
        evidence_url=row["evidence_url"],
        annotator=row["annotator"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _article_from_row(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        text=row["text"],
        title=row["title"],
        outlet=row["outlet"],
        byline=row["byline"],
        published=row["published"],
        url=row["url"],
        source_path=row["source_path"],
        dropped=tuple(json.loads(row["dropped"])),
        decoded_with_replacement=bool(row["decoded_with_replacement"]),
    )


AUDITED_FIELDS = ("verdict", "note", "evidence_url")


def _field_text(claim: Claim | None, name: str) -> str | None:
    if claim is None:
        return None
    value = getattr(claim, name)
    if value is None or value == "":
        return None
    return str(value)


# --- the store ---------------------------------------------------------------------------------


class Store:
    """One open annotations database. Safe to share between threads (one lock)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.journal_mode = journal_mode_for()
        self._lock = threading.RLock()
        self._check_file()
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: cannot open database: {error}") from error
        conn.row_factory = sqlite3.Row
        self.conn = conn
        self.db = Database(conn, execute_plugins=False)
        try:
            self._configure()
            self._migrate()
        except sqlite3.DatabaseError as error:
            conn.close()
            raise StoreError(f"{self.path}: {self._explain(error)}") from error
        except StoreError:
            conn.close()
            raise

    # -- opening --

    @property
    def in_memory(self) -> bool:
        return self.path == ":memory:" or self.path == ""

    def _check_file(self) -> None:
        if self.in_memory:
            return
        path = Path(self.path)
        if path.is_dir():
            raise StoreError(f"{path}: is a folder, not a database file")
        if path.exists():
            try:
                with path.open("rb") as handle:
                    header = handle.read(len(SQLITE_MAGIC))
            except OSError as error:
                raise StoreError(f"{path}: cannot read: {error.strerror}") from error
            if header and header != SQLITE_MAGIC:
                raise StoreError(f"{path}: not an annotator database (not SQLite); left untouched")

    @staticmethod
    def _explain(error: sqlite3.Error) -> str:
        text = str(error)
        if "locked" in text or "busy" in text:
            return "database is locked by another program; nothing was written"
        if "not a database" in text or "malformed" in text:
            return "database file is corrupt; nothing was written, the file is untouched"
        if "readonly" in text or "read-only" in text:
            return "database is read-only; nothing can be saved"
        return text

    def _configure(self) -> None:
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA foreign_keys = ON")
        if not self.in_memory:
            wanted = self.journal_mode
            mode = self.conn.execute(f"PRAGMA journal_mode = {wanted}").fetchone()[0]
            if str(mode).lower() != wanted.lower():
                raise StoreError(f"{self.path}: cannot switch to {wanted} journal (got {mode})")
            # FULL: a commit reported to the user survives power loss too.
            self.conn.execute("PRAGMA synchronous = FULL")

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        found = self.schema_version()
        if found > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.path}: written by a newer annotator (schema {found}, this version "
                f"knows {SCHEMA_VERSION}); upgrade annotator; the file is untouched"
            )
        if not migrations.pending(self.db):
            return
        if not self.in_memory and found > 0:
            self.backup(self._snapshot_path(found))
        with self.write():
            # Another instance may have migrated while we waited for the lock.
            if migrations.pending(self.db):
                migrations.apply(self.db)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _snapshot_path(self, version: int) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        return Path(f"{self.path}.v{version}-{stamp}.bak")

    def backup(self, target: str | Path) -> Path:
        """Write a consistent copy of the database to `target` (VACUUM INTO)."""
        target = Path(target)
        if target.exists():
            raise StoreError(f"{target}: already exists; choose another backup file")
        with self._lock:
            self.conn.execute("VACUUM INTO ?", (str(target),))
        return target

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    # -- transactions --

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with BEGIN IMMEDIATE, committed on success."""
        with self._lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise StoreError(self._explain(error)) from error
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(f"save failed: {self._explain(error)}") from error

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self.conn.execute(sql, params))

    def data_version(self) -> int:
        """Changes when another connection commits (cheap polling for refresh)."""
        with self._lock:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    # -- meta --

    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- articles and their analysis --

    def has_article(self, article_id: str) -> bool:
        return bool(self._rows("SELECT 1 FROM articles WHERE id = ?", (article_id,)))

    def add_article(self, article: Article, analysis: NlpResult, *, at: str) -> bool:
        """Insert an article with its sentences; False (and no write) if it is already there."""
        with self.write() as conn:
            if conn.execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone():
                return False
            position = conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM articles")
            conn.execute(
                "INSERT INTO articles (id, position, title, outlet, byline, published, url, "
                "source_path, text, words, dropped, decoded_with_replacement, nlp_model, "
                "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.id,
                    position.fetchone()[0],
                    article.title,
                    article.outlet,
                    article.byline,
                    article.published,
                    article.url,
                    article.source_path,
                    article.text,
                    article.words,
                    json.dumps(list(article.dropped)),
                    int(article.decoded_with_replacement),
                    analysis.model,
                    at,
                ),
            )
            self._insert_sentences(conn, article.id, analysis.sentences)
        return True

    def replace_analysis(self, article_id: str, analysis: NlpResult) -> None:
        """Swap an article's sentences and entities for a new analysis (one transaction)."""
        with self.write() as conn:
            conn.execute("DELETE FROM entities WHERE article_id = ?", (article_id,))
            conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
            self._insert_sentences(conn, article_id, analysis.sentences)
            conn.execute(
                "UPDATE articles SET nlp_model = ? WHERE id = ?", (analysis.model, article_id)
            )

    @staticmethod
    def _insert_sentences(
        conn: sqlite3.Connection, article_id: str, sentences: Sequence[Sentence]
    ) -> None:
        conn.executemany(
            'INSERT INTO sentences (article_id, idx, start, "end", text) VALUES (?, ?, ?, ?, ?)',
            [(article_id, s.index, s.start, s.end, s.text) for s in sentences],
        )
        conn.executemany(
            'INSERT INTO entities (article_id, sentence_idx, start, "end", label, text) '
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (article_id, s.index, e.start, e.end, e.label, e.text)
                for s in sentences
                for e in s.entities
            ],
        )

    def articles(self) -> list[Article]:
        """Every article, in the order they were first imported."""
        return [
            _article_from_row(r) for r in self._rows("SELECT * FROM articles ORDER BY position")
        ]

    def article(self, article_id: str) -> Article | None:
        rows = self._rows("SELECT * FROM articles WHERE id = ?", (article_id,))
        return _article_from_row(rows[0]) if rows else None

    def article_models(self) -> dict[str, str]:
        """Article id → the key of the NLP model its sentences came from ('' = fallback)."""
        return {r["id"]: r["nlp_model"] for r in self._rows("SELECT id, nlp_model FROM articles")}

    def sentences(self, article_id: str) -> list[Sentence]:
        """An article's sentences in order, each with its entities."""
        by_sentence: dict[int, list[Entity]] = {}
        for row in self._rows(
            'SELECT sentence_idx, start, "end", label, text FROM entities '
            "WHERE article_id = ? ORDER BY start",
            (article_id,),
        ):
            by_sentence.setdefault(row["sentence_idx"], []).append(
                Entity(row["text"], row["label"], row["start"], row["end"])
            )
        return [
            Sentence(
                r["idx"], r["start"], r["end"], r["text"], tuple(by_sentence.get(r["idx"], ()))
            )
            for r in self._rows(
                'SELECT idx, start, "end", text FROM sentences WHERE article_id = ? ORDER BY idx',
                (article_id,),
            )
        ]

    def entity_count(self, article_id: str) -> int:
        rows = self._rows("SELECT COUNT(*) AS n FROM entities WHERE article_id = ?", (article_id,))
        return int(rows[0]["n"])

    # -- the NLP cache --

    def cached_analysis(self, text_hash: str, model_key: str, text: str) -> NlpResult | None:
        """The cached analysis of `text` (whose SHA-256 is `text_hash`) by a model, if any."""
        name, version = _split_model_key(model_key)
        rows = self._rows(
            "SELECT data FROM nlp_cache WHERE text_hash = ? AND model = ? AND model_version = ?",
            (text_hash, name, version),
        )
        if not rows:
            return None
        return _decode_analysis(model_key, rows[0]["data"], text)

    def cache_analysis(self, text_hash: str, result: NlpResult, *, at: str) -> None:
        name, version = _split_model_key(result.model)
        with self.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO nlp_cache (text_hash, model, model_version, data, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                (text_hash, name, version, _encode_analysis(result), at),
            )

    # -- claims and their audit trail --

    def claims(self, article_id: str | None = None, *, include_empty: bool = False) -> list[Claim]:
        """Claims that carry something (a verdict, a note or evidence), in article order.

        With `include_empty`, also claims whose fields were all cleared (a lossless export
        needs them: a clear is a change that must win over an older verdict elsewhere).
        """
        where = (
            "WHERE 1 = 1"
            if include_empty
            else "WHERE (verdict IS NOT NULL OR note != '' OR evidence_url != '')"
        )
        params: tuple[str, ...] = ()
        if article_id is not None:
            where += " AND article_id = ?"
            params = (article_id,)
        sql = (
            "SELECT c.* FROM claims c JOIN articles a ON a.id = c.article_id "
            f"{where} ORDER BY a.position, c.start, c.id"
        )
        return [_claim_from_row(r) for r in self._rows(sql, params)]

    def claim(self, claim_id: str) -> Claim | None:
        rows = self._rows("SELECT * FROM claims WHERE id = ?", (claim_id,))
        return _claim_from_row(rows[0]) if rows else None

    def save_claim(
        self, claim: Claim, *, user: str, action: str, at: str, expected_version: int | None = None
    ) -> Claim:
        """Write a claim's verdict/note/evidence and one audit row per changed field.

        `expected_version` is the version the caller last read (0 = "did not exist");
        if the stored claim has moved on since, nothing is written and ConflictError
        carries the current claim. Returns the claim as stored.
        """
        with self.write() as conn:
            row = conn.execute("SELECT * FROM claims WHERE id = ?", (claim.id,)).fetchone()
            before = _claim_from_row(row) if row else None
            current_version = before.version if before else 0
            if expected_version is not None and expected_version != current_version:
                if before is None:
                    raise StoreError(f"claim {claim.id} no longer exists")
                raise ConflictError(before)
            changed = [f for f in AUDITED_FIELDS if _field_text(before, f) != _field_text(claim, f)]
            if before is not None and not changed:
                return before
            verdict = claim.verdict.value if claim.verdict else None
            if before is None:
                stored = replace(claim, created_at=at, updated_at=at, version=1, annotator=user)
                conn.execute(
                    'INSERT INTO claims (id, article_id, start, "end", quote, prefix, suffix, '
                    "verdict, note, evidence_url, annotator, created_at, updated_at, version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                    (
                        claim.id,
                        claim.article_id,
                        claim.start,
                        claim.end,
                        claim.quote,
                        claim.prefix,
                        claim.suffix,
                        verdict,
                        claim.note,
                        claim.evidence_url,
                        user,
                        at,
                        at,
                    ),
                )
            else:
                stored = replace(
                    before,
                    verdict=claim.verdict,
                    note=claim.note,
                    evidence_url=claim.evidence_url,
                    annotator=user,
                    updated_at=at,
                    version=before.version + 1,
                )
                conn.execute(
                    "UPDATE claims SET verdict = ?, note = ?, evidence_url = ?, annotator = ?, "
                    "updated_at = ?, version = version + 1 WHERE id = ?",
                    (verdict, claim.note, claim.evidence_url, user, at, claim.id),
                )
            conn.executemany(
                "INSERT INTO audit (claim_id, at, user, action, field, old, new) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (claim.id, at, user, action, f, _field_text(before, f), _field_text(claim, f))
                    for f in (changed or ["verdict"])
                ],
            )
        return stored

    def merge_claims(
        self, claims: Sequence[Claim], *, user: str, at: str, action: str = "import"
    ) -> MergeOutcome:
        """Merge claims from elsewhere by id, all in one transaction (all or nothing).

        A claim not stored yet is inserted as it is (annotator, times and version kept).
        A stored claim takes the incoming verdict, note, evidence, annotator and
        `updated_at` only when the incoming `updated_at` is later and one of those
        fields differs; its version then moves past both. Every change writes one audit
        row per changed field, with `action`, `user` and `at`. The articles must exist.
        """
        outcome = MergeOutcome()
        with self.write() as conn:
            for claim in claims:
                row = conn.execute("SELECT * FROM claims WHERE id = ?", (claim.id,)).fetchone()
                before = _claim_from_row(row) if row else None
                changed = [
                    f for f in AUDITED_FIELDS if _field_text(before, f) != _field_text(claim, f)
                ]
                verdict = claim.verdict.value if claim.verdict else None
                if before is None:
                    conn.execute(
                        'INSERT INTO claims (id, article_id, start, "end", quote, prefix, suffix, '
                        "verdict, note, evidence_url, annotator, created_at, updated_at, version) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            claim.id,
                            claim.article_id,
                            claim.start,
                            claim.end,
                            claim.quote,
                            claim.prefix,
                            claim.suffix,
                            verdict,
                            claim.note,
                            claim.evidence_url,
                            claim.annotator,
                            claim.created_at,
                            claim.updated_at,
                            claim.version,
                        ),
                    )
                    outcome.added.append(claim.id)
                    changed = changed or ["verdict"]
                elif not changed:
                    outcome.unchanged.append(claim.id)
                    continue
                elif _moment(claim.updated_at) <= _moment(before.updated_at):
                    outcome.kept.append(claim.id)
                    continue
                else:
                    conn.execute(
                        "UPDATE claims SET verdict = ?, note = ?, evidence_url = ?, annotator = ?, "
                        "updated_at = ?, version = ? WHERE id = ?",
                        (
                            verdict,
                            claim.note,
                            claim.evidence_url,
                            claim.annotator,
                            claim.updated_at,
                            max(before.version + 1, claim.version),
                            claim.id,
                        ),
                    )
                    outcome.updated.append(claim.id)
                conn.executemany(
                    "INSERT INTO audit (claim_id, at, user, action, field, old, new) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            claim.id,
                            at,
                            user,
                            action,
                            f,
                            _field_text(before, f),
                            _field_text(claim, f),
                        )
                        for f in changed
                    ],
                )
        return outcome

    def history(self, claim_id: str) -> list[Annotation]:
        """The audit trail of one claim, oldest first."""
        return [
            Annotation(
                r["id"],
                r["claim_id"],
                r["at"],
                r["user"],
                r["action"],
                r["field"],
                r["old"],
                r["new"],
            )
            for r in self._rows("SELECT * FROM audit WHERE claim_id = ? ORDER BY id", (claim_id,))
        ]

    def audit_count(self) -> int:
        return int(self._rows("SELECT COUNT(*) AS n FROM audit")[0]["n"])

    def verdict_counts(self) -> dict[str, Counter[str]]:
        """Article id → counts of each verdict among its claims."""
        counts: dict[str, Counter[str]] = {}
        for row in self._rows(
            "SELECT article_id, verdict, COUNT(*) AS n FROM claims "
            "WHERE verdict IS NOT NULL GROUP BY article_id, verdict"
        ):
            counts.setdefault(row["article_id"], Counter())[row["verdict"]] = row["n"]
        return counts

    # -- full-text search --

    def search(self, query: str, *, limit: int = 200) -> list[SearchHit]:
        """Sentences and notes matching `query` (words, prefix-matched), best first."""
        match = _fts_query(query)
        if not match:
            return []
        hits = [
            SearchHit("sentence", r["article_id"], r["idx"], r["start"], r["end"], r["text"])
            for r in self._rows(
                'SELECT s.article_id, s.idx, s.start, s."end", s.text FROM sentences_fts '
                "JOIN sentences s ON s.rowid = sentences_fts.rowid "
                "JOIN articles a ON a.id = s.article_id "
                "WHERE sentences_fts MATCH ? ORDER BY a.position, s.idx LIMIT ?",
                (match, limit),
            )
        ]
        hits += [
            SearchHit("note", r["article_id"], -1, r["start"], r["end"], r["note"])
            for r in self._rows(
                'SELECT c.article_id, c.start, c."end", c.note FROM claims_fts '
                "JOIN claims c ON c.rowid = claims_fts.rowid "
                "WHERE claims_fts MATCH ? ORDER BY c.article_id, c.start LIMIT ?",
                (match, limit),
            )
        ]
        return hits


def _fts_query(query: str) -> str:
    """Quote each word so user input is never FTS syntax; the last word prefix-matches."""
    words = [w.replace('"', '""') for w in query.split()]
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _encode_analysis(result: NlpResult) -> str:
    return json.dumps(
        [
            [s.start, s.end, [[e.start, e.end, e.label] for e in s.entities]]
            for s in result.sentences
        ],
        separators=(",", ":"),
    )


def _decode_analysis(model_key: str, data: str, text: str) -> NlpResult:
    sentences = tuple(
        Sentence(
            index,
            start,
            end,
            text[start:end],
            tuple(Entity(text[es:ee], label, es, ee) for es, ee, label in entities),
        )
        for index, (start, end, entities) in enumerate(json.loads(data))
    )
    return NlpResult(model=model_key, sentences=sentences)
