"""The SQLite store: schema, migrations, every query and every write.

Writes run in `BEGIN IMMEDIATE` transactions (sqlite-utils' own `atomic()` begins
DEFERRED, which can fail with "database is locked" half-way through a
read-modify-write); sqlite-utils calls made inside one become savepoints.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.model import Annotation, Article, Claim, Entity, NlpResult, Sentence, Verdict

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

BUSY_TIMEOUT_MS = 10_000
CACHE_KIB = 64 * 1024
"""SQLite's page cache of the connection, at most (filled only as pages are read). The
default 2 MiB holds a fraction of a 200-article story (13 MiB): the first search of a
session re-read what the columns had pushed out (66 ms in the query of a one-letter
prefix; 9-11 ms with this cache)."""
# `PRAGMA quick_check` on open reads the whole file (about 0.4 s for 32 MiB): larger files
# are not checked up front; SQLite still refuses any page it finds corrupt when it reads it.
QUICK_CHECK_MAX_BYTES = 32 * 1024 * 1024
SQLITE_MAGIC = b"SQLite format 3\x00"


def wal_reset_bug(version: str = sqlite3.sqlite_version) -> bool:
    """Whether this SQLite has the WAL-reset bug that can corrupt a database when several
    connections write at once: every release before 3.51.3 except the fixed backports
    3.44.6 (3.44 branch) and 3.50.7 (3.50 branch)."""
    parts = tuple(int(p) for p in version.split(".")[:3])
    release = parts + (0,) * (3 - len(parts))
    if release >= (3, 51, 3):
        return False
    fixed_backport = (3, 44, 6) <= release < (3, 45, 0) or (3, 50, 7) <= release < (3, 51, 0)
    return not fixed_backport


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


# Where SQLite's file locks cannot be trusted (SQLite FAQ 5: "locking on network
# filesystems is buggy"): there a second writer is refused by a lock file of our own.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ncpfs", "coda", "ceph",
        "glusterfs", "fuse.glusterfs", "lustre", "gpfs", "davfs", "fuse.sshfs", "sshfs",
        "fuse.rclone", "fuse.s3fs",
    }
)  # fmt: skip
MOUNTINFO = Path("/proc/self/mountinfo")


def _unescape_mount(field: str) -> str:
    """A mountinfo path field with its octal escapes (``\\040`` = space) decoded."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mount_type(mountinfo: str, path: str) -> str:
    """The filesystem type of the mount holding the absolute `path`, from mountinfo text."""
    best, kind = -1, ""
    for line in mountinfo.splitlines():
        left, separator, right = line.partition(" - ")
        fields = left.split()
        if not separator or len(fields) < 5 or not right.split():
            continue
        point = _unescape_mount(fields[4])
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= best:  # later mounts on the same point hide earlier ones
            best, kind = len(point), right.split()[0]
    return kind


def filesystem_type(path: str | Path) -> str:
    """The type of the filesystem holding `path` ("ext4", "nfs4", …); "" when unknown."""
    try:
        mountinfo = MOUNTINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return mount_type(mountinfo, os.path.realpath(path))


def is_writable(path: str | Path) -> bool:
    """Whether `path` may be written: `os.access`, and some write bit in its mode.

    The mode bits matter for root, for whom `os.access` is always true: a database file
    made read-only with chmod (or a read-only folder) is treated as such by everyone.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & 0o222)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


MIGRATION_SET = "annotator"


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


@dataclass(frozen=True, slots=True)
class Removal:
    """What `Store.remove_articles` removed, and the backup taken just before."""

    articles: list[Article] = field(default_factory=list)
    sentences: int = 0
    claims_of: dict[str, list[str]] = field(default_factory=dict)  # article id -> claim ids
    backup: Path | None = None  # None: nothing was removed, or the database is in memory

    @property
    def claim_ids(self) -> list[str]:
        """The ids of every removed claim (their audit history stays)."""
        return [claim_id for ids in self.claims_of.values() for claim_id in ids]

    @property
    def claims(self) -> int:
        return len(self.claim_ids)


REMOVAL_TRIES = 3
"""How often `Store.remove_articles` takes its backup again when another instance committed
between the backup and the removal (the last try removes anyway: the audit keeps the claims)."""


# --- migrations --------------------------------------------------------------------------------


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


def _fulltext_search(db: Database) -> None:
    db.table("sentences").enable_fts(["text"], fts_version="FTS5", create_triggers=True)
    db.table("claims").enable_fts(["note"], fts_version="FTS5", create_triggers=True)


def _comparison_cache(db: Database) -> None:
    # One row per corpus signature (`Service.corpus_signature`, hashed): the comparison of
    # outlets as JSON (`Comparison.to_json`), so that it is computed once per corpus.
    db.executescript(
        """
        CREATE TABLE comparison_cache (
            signature TEXT PRIMARY KEY,
            format INTEGER NOT NULL,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """
    )


def _source_files(db: Database) -> None:
    # Which article each local file held when it was last read, by its size and mtime: a
    # file that has not changed since is not read again (`Service.open_paths`).
    db.executescript(
        """
        CREATE TABLE source_files (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
        );
        CREATE INDEX source_files_article ON source_files(article_id);
        """
    )


MIGRATIONS = (
    ("0001_initial", _initial),
    ("0002_fulltext_search", _fulltext_search),
    ("0003_comparison_cache", _comparison_cache),
    ("0004_source_files", _source_files),
)
"""Every migration, in order: (name, function). Never edit one that has shipped: add one."""

SCHEMA_VERSION = len(MIGRATIONS)


@cache
def _migration_set() -> Migrations:
    """The sqlite-utils migration set. Built, and sqlite-utils imported, only when a
    migration is pending: sqlite-utils imports numpy (~0.3 s), which an up-to-date
    database (every start of the reader) must not pay for."""
    from sqlite_utils.migrations import Migrations

    made = Migrations(MIGRATION_SET)
    for name, function in MIGRATIONS:
        made(name=name)(function)
    return made


def __getattr__(name: str) -> Any:
    """`migrations`, the sqlite-utils migration set, made on first use."""
    if name == "migrations":
        return _migration_set()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _edited(stored: Claim, edit: Claim, *, user: str, at: str) -> Claim:
    """`stored` with the audited fields of `edit`, changed by `user` at `at` (next version)."""
    return replace(
        stored,
        verdict=edit.verdict,
        note=edit.note,
        evidence_url=edit.evidence_url,
        annotator=user,
        updated_at=at,
        version=stored.version + 1,
    )


def _insert_claim(conn: sqlite3.Connection, claim: Claim) -> None:
    """Insert `claim` as it is (annotator, times and version included)."""
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
            claim.verdict.value if claim.verdict else None,
            claim.note,
            claim.evidence_url,
            claim.annotator,
            claim.created_at,
            claim.updated_at,
            claim.version,
        ),
    )


def _update_claim(conn: sqlite3.Connection, claim: Claim) -> None:
    """Write `claim`'s audited fields, annotator, `updated_at` and version over its row."""
    conn.execute(
        "UPDATE claims SET verdict = ?, note = ?, evidence_url = ?, annotator = ?, "
        "updated_at = ?, version = ? WHERE id = ?",
        (
            claim.verdict.value if claim.verdict else None,
            claim.note,
            claim.evidence_url,
            claim.annotator,
            claim.updated_at,
            claim.version,
            claim.id,
        ),
    )


AuditRow = tuple[str, str, str, str, str, str | None, str | None]
"""One row of the audit trail: claim id, at, user, action, field, old value, new value."""


def _audit(conn: sqlite3.Connection, rows: Iterable[AuditRow]) -> None:
    """Append `rows` to the audit trail."""
    conn.executemany(
        "INSERT INTO audit (claim_id, at, user, action, field, old, new) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _carried_fields(claim: Claim) -> list[str]:
    """The audited fields a claim has a value in ("verdict" when it has none: one row)."""
    return [name for name in AUDITED_FIELDS if _field_text(claim, name) is not None] or ["verdict"]


# --- the store ---------------------------------------------------------------------------------


class Store:
    """One open annotations database. Safe to share between threads (one lock)."""

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        """Open (or create) the database at `path`, check it, and migrate it.

        Refused with a one-line `StoreError`, before anything is written: a file that is
        not SQLite, a newer schema, a corrupt file (`PRAGMA quick_check`), a new database
        in a folder that is not writable, and a second writer of a database on a network
        filesystem. A file or folder that is not writable (or `read_only`) opens
        read-only: reading works, every write raises `StoreError` saying "read-only".
        """
        self.path = str(path)
        self.journal_mode = journal_mode_for()
        self._lock = threading.RLock()
        self._lock_file: Path | None = None
        self.read_only_reason = "opened read-only" if read_only else ""
        existed = self._check_file()
        self._take_network_lock()
        try:
            conn = sqlite3.connect(
                self._address(),
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
                uri=self.read_only,
            )
        except sqlite3.Error as error:
            self._release_network_lock()
            raise StoreError(f"{self.path}: cannot open database: {error}") from error
        conn.row_factory = sqlite3.Row
        self.conn = conn
        self._db: Database | None = None
        try:
            self._configure()
            self._check_contents(existed)
            self._set_journal_mode()
            self._migrate()
        except sqlite3.DatabaseError as error:
            conn.close()
            self._release_network_lock()
            raise StoreError(f"{self.path}: {self._explain(error)}") from error
        except StoreError:
            conn.close()
            self._release_network_lock()
            raise

    # -- opening --

    @property
    def in_memory(self) -> bool:
        return self.path == ":memory:" or self.path == ""

    @property
    def read_only(self) -> bool:
        """Whether every write is refused (see `read_only_reason`)."""
        return bool(self.read_only_reason)

    def _address(self) -> str:
        if not self.read_only:
            return self.path
        return Path(self.path).resolve().as_uri() + "?mode=ro"

    def _check_file(self) -> bool:
        """Refuse what must not be opened; note a read-only file. Whether it has content."""
        if self.in_memory:
            return False
        path = Path(self.path)
        if path.is_dir():
            raise StoreError(f"{path}: is a folder, not a database file")
        folder = path.parent
        if not path.exists():
            if not folder.is_dir():
                raise StoreError(f"cannot create database in {folder}: no such folder")
            if self.read_only:
                raise StoreError(f"{path}: no such database")
            if not is_writable(folder):
                raise StoreError(f"cannot create database in {folder}: read-only")
            return False
        try:
            with path.open("rb") as handle:
                header = handle.read(len(SQLITE_MAGIC))
        except OSError as error:
            raise StoreError(f"{path}: cannot read: {error.strerror}") from error
        if header and header != SQLITE_MAGIC:
            raise StoreError(f"{path}: not an annotator database (not SQLite); left untouched")
        if not self.read_only and not is_writable(path):
            self.read_only_reason = "the file is not writable"
        elif not self.read_only and not is_writable(folder):
            # The rollback journal (or the WAL) is a file beside the database.
            self.read_only_reason = f"its folder {folder} is not writable"
        return bool(header)

    def _take_network_lock(self) -> None:
        """On a network filesystem, hold `<db>.lock` (host and pid) while open for writing.

        SQLite's own locks are not reliable there, so a second writer is refused with the
        holder named. A lock left by a dead process of this host is taken over.
        """
        if self.in_memory or self.read_only:
            return
        kind = filesystem_type(Path(self.path).resolve().parent)
        if kind not in NETWORK_FILESYSTEMS:
            return
        lock = Path(f"{self.path}.lock")
        me = {"host": socket.gethostname(), "pid": os.getpid()}
        for _ in range(3):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = _read_lock(lock)
                host, pid = str(holder.get("host", "")), holder.get("pid")
                if host == me["host"] and isinstance(pid, int) and not _pid_alive(pid):
                    lock.unlink(missing_ok=True)  # left by a process that died: stale
                    continue
                who = f"{host} (pid {pid})" if host else "an unknown program"
                raise StoreError(
                    f"{self.path}: already open for writing by {who} on a network filesystem "
                    f"({kind}); close it there first (or remove {lock} if it is gone)"
                ) from None
            except OSError as error:
                reason = (error.strerror or type(error).__name__).lower()
                message = f"{self.path}: cannot create the lock file {lock} ({reason})"
                raise StoreError(message) from error
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(me, handle)
            self._lock_file = lock
            return
        raise StoreError(f"{self.path}: cannot take the lock file {lock}; try again")

    def _release_network_lock(self) -> None:
        lock, self._lock_file = self._lock_file, None
        if lock is not None and _read_lock(lock).get("pid") == os.getpid():
            lock.unlink(missing_ok=True)

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
        self.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.conn.execute("PRAGMA foreign_keys = ON")

    def _check_contents(self, existed: bool) -> None:
        """Refuse a newer schema or a corrupt file before anything could be written."""
        found = self.schema_version()
        if found > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.path}: written by a newer annotator (schema {found}, this version "
                f"knows {SCHEMA_VERSION}); upgrade annotator; the file is untouched"
            )
        if existed and os.path.getsize(self.path) <= QUICK_CHECK_MAX_BYTES:
            problems = [str(row[0]) for row in self.conn.execute("PRAGMA quick_check(3)")]
            if problems != ["ok"]:
                first = " ".join(problems[0].split())[:120]
                raise StoreError(
                    f"{self.path}: database file is corrupt ({first}); nothing was written, "
                    "the file is untouched"
                )

    def _set_journal_mode(self) -> None:
        if not self.in_memory and not self.read_only:
            wanted = self.journal_mode
            mode = self.conn.execute(f"PRAGMA journal_mode = {wanted}").fetchone()[0]
            if str(mode).lower() != wanted.lower():
                raise StoreError(f"{self.path}: cannot switch to {wanted} journal (got {mode})")
            # FULL: a commit reported to the user survives power loss too.
            self.conn.execute("PRAGMA synchronous = FULL")

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @property
    def db(self) -> Database:
        """The sqlite-utils view of the connection (sqlite-utils imported on first use)."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    def _pending_migrations(self) -> list[str]:
        """Names of the migrations not applied yet, read with plain SQL from the table
        where sqlite-utils records them (as `Migrations.pending` does)."""
        recorded = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        applied: set[str] = set()
        if recorded:
            applied = {
                row[0]
                for row in self.conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                    (MIGRATION_SET,),
                )
            }
        return [name for name, _ in MIGRATIONS if name not in applied]

    def _migrate(self) -> None:
        found = self.schema_version()
        if not self._pending_migrations():
            return
        if self.read_only:
            raise StoreError(
                f"{self.path}: needs upgrading to schema {SCHEMA_VERSION}, but the database "
                f"is read-only ({self.read_only_reason}); nothing was written"
            )
        snapshot = None
        if not self.in_memory and found > 0:
            snapshot = self.backup(self._snapshot_path(found))
        with self.write():
            # Another instance may have migrated while we waited for the lock.
            if self._pending_migrations():
                _migration_set().apply(self.db)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif snapshot is not None:
                snapshot.unlink(missing_ok=True)  # that instance took its own snapshot

    def _snapshot_path(self, version: int) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        # The pid keeps snapshots of instances upgrading at the same second apart.
        return Path(f"{self.path}.v{version}-{stamp}-{os.getpid()}.bak")

    def _removal_backup_path(self) -> Path:
        """`<db>.before-remove-<UTC time>-<pid>[-n].bak`, a name no file has yet."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        base = f"{self.path}.before-remove-{stamp}-{os.getpid()}"
        path, number = Path(f"{base}.bak"), 1
        while path.exists():  # two removals in one second
            number += 1
            path = Path(f"{base}-{number}.bak")
        return path

    def backup(self, target: str | Path) -> Path:
        """Write a consistent copy of the database to `target` (VACUUM INTO).

        Works while other connections write (it reads one snapshot) and on a read-only
        database; never overwrites a file.
        """
        target = Path(target)
        if target.exists():
            raise StoreError(f"{target}: already exists; choose another backup file")
        try:
            with self._lock:
                self.conn.execute("VACUUM INTO ?", (str(target),))
        except sqlite3.Error as error:
            raise StoreError(f"{target}: backup failed: {self._explain(error)}") from error
        return target

    def close(self) -> None:
        with self._lock:
            self.conn.close()
            self._release_network_lock()

    # -- transactions --

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with BEGIN IMMEDIATE, committed on success."""
        with self._lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            if self.read_only:
                raise StoreError(
                    f"{self.path}: database is read-only ({self.read_only_reason}); "
                    "nothing was saved"
                )
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

    def replace_analysis(self, article_id: str, analysis: NlpResult) -> bool:
        """Swap an article's sentences and entities for a new analysis (one transaction);
        False, and nothing written, if the article is gone (removed meanwhile)."""
        with self.write() as conn:
            if not conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone():
                return False
            conn.execute("DELETE FROM entities WHERE article_id = ?", (article_id,))
            conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
            self._insert_sentences(conn, article_id, analysis.sentences)
            conn.execute(
                "UPDATE articles SET nlp_model = ? WHERE id = ?", (analysis.model, article_id)
            )
        return True

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

    def source_files(self) -> dict[str, tuple[int, int, str]]:
        """Every local file read before: real path -> (size, mtime_ns, article id)."""
        return {
            r["path"]: (r["size"], r["mtime_ns"], r["article_id"])
            for r in self._rows("SELECT * FROM source_files")
        }

    def remember_sources(self, rows: Sequence[tuple[str, int, int, str]]) -> None:
        """Record (real path, size, mtime_ns, article id) of files just read, in one write."""
        with self.write() as conn:
            conn.executemany(
                "INSERT INTO source_files(path, size, mtime_ns, article_id) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(path) DO UPDATE SET size = excluded.size, "
                "mtime_ns = excluded.mtime_ns, article_id = excluded.article_id",
                rows,
            )

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

    def remove_articles(self, article_ids: Sequence[str], *, user: str, at: str) -> Removal:
        """Remove articles and everything derived from them, after a backup of the database.

        First a `VACUUM INTO` copy beside the database (`<db>.before-remove-<time>-<pid>.bak`,
        as `backup`); then, in one `BEGIN IMMEDIATE` transaction, for each article: one audit
        row per field its claims carried (action "remove", `old` the value, `new` NULL;
        the audit trail is append-only, so each claim's history stays, ending with who
        removed it and when), then its claims, entities and sentences (the full-text
        indexes follow by their triggers), its cached analysis (`nlp_cache` rows of its
        text hash, which is its id), and the article; and the cached comparison, which was
        of a corpus that no longer exists. If another instance committed between the
        backup and the transaction, the backup is taken again (`REMOVAL_TRIES`).

        Ids not in the database are ignored (nothing at all: no backup). A read-only
        database refuses with `StoreError` and nothing is written, no backup either. A
        database in memory has no "beside": no backup is taken there.
        """
        if self.read_only:
            raise StoreError(
                f"{self.path}: database is read-only ({self.read_only_reason}); nothing was removed"
            )
        wanted = list(dict.fromkeys(article_ids))
        if not any(self.has_article(article_id) for article_id in wanted):
            return Removal()
        for attempt in range(1, REMOVAL_TRIES + 1):
            version = self.data_version()
            backup = None if self.in_memory else self.backup(self._removal_backup_path())
            with self.write() as conn:
                if attempt == REMOVAL_TRIES or self.data_version() == version:
                    return self._remove(conn, wanted, user=user, at=at, backup=backup)
            if backup is not None:  # someone wrote after it: it is not the state removed from
                backup.unlink(missing_ok=True)
        raise AssertionError("unreachable: the last try always removes")  # pragma: no cover

    def _remove(
        self,
        conn: sqlite3.Connection,
        article_ids: Sequence[str],
        *,
        user: str,
        at: str,
        backup: Path | None,
    ) -> Removal:
        """The deletes of `remove_articles`, inside its transaction."""
        removed: list[Article] = []
        claims_of: dict[str, list[str]] = {}
        sentences = 0
        for article_id in article_ids:
            row = conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                continue  # removed by another instance meanwhile, or never here
            removed.append(_article_from_row(row))
            rows = conn.execute("SELECT * FROM claims WHERE article_id = ?", (article_id,))
            gone = [_claim_from_row(r) for r in rows]
            claims_of[article_id] = [claim.id for claim in gone]
            _audit(
                conn,
                [
                    (claim.id, at, user, "remove", name, _field_text(claim, name), None)
                    for claim in gone
                    for name in _carried_fields(claim)
                ],
            )
            count = conn.execute(
                "SELECT COUNT(*) FROM sentences WHERE article_id = ?", (article_id,)
            )
            sentences += int(count.fetchone()[0])
            for table in ("claims", "entities", "sentences"):
                conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
            conn.execute("DELETE FROM nlp_cache WHERE text_hash = ?", (article_id,))
            conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        if removed:
            conn.execute("DELETE FROM comparison_cache")
        return Removal(removed, sentences, claims_of, backup)

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

    # -- the comparison cache --

    def cached_comparison(self, signature: str, fmt: int) -> str | None:
        """The comparison cached for a corpus `signature` in format `fmt` (JSON), if any."""
        rows = self._rows(
            "SELECT data FROM comparison_cache WHERE signature = ? AND format = ?",
            (signature, fmt),
        )
        return str(rows[0]["data"]) if rows else None

    def cache_comparison(self, signature: str, fmt: int, data: str, *, at: str) -> None:
        """Cache a corpus's comparison; comparisons of other signatures (outdated) go."""
        with self.write() as conn:
            conn.execute("DELETE FROM comparison_cache WHERE signature != ?", (signature,))
            conn.execute(
                "INSERT OR REPLACE INTO comparison_cache (signature, format, data, created_at) "
                "VALUES (?, ?, ?, ?)",
                (signature, fmt, data, at),
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
            if before is None:
                stored = replace(claim, created_at=at, updated_at=at, version=1, annotator=user)
                _insert_claim(conn, stored)
            else:
                stored = _edited(before, claim, user=user, at=at)
                _update_claim(conn, stored)
            _audit(
                conn,
                [
                    (claim.id, at, user, action, f, _field_text(before, f), _field_text(claim, f))
                    for f in (changed or ["verdict"])
                ],
            )
        return stored

    def resolve_claim(
        self, chosen: Claim, *, rejected: Claim, user: str, at: str, expected_version: int
    ) -> Claim:
        """Settle a conflict: store `chosen`'s fields, and audit the value that lost.

        One audit row (action "resolve") per field where `chosen` and `rejected` differ
        or `chosen` changes the stored value: `old` is the value that lost (the rejected
        one, else the stored one), `new` the value kept, so both sides stay in the trail
        whichever wins. The version moves on only if a stored field changes. If the claim
        moved past `expected_version` meanwhile, nothing is written (ConflictError).
        """
        with self.write() as conn:
            row = conn.execute("SELECT * FROM claims WHERE id = ?", (chosen.id,)).fetchone()
            if row is None:
                raise StoreError(f"claim {chosen.id} no longer exists")
            current = _claim_from_row(row)
            if current.version != expected_version:
                raise ConflictError(current)
            changed = [
                f for f in AUDITED_FIELDS if _field_text(current, f) != _field_text(chosen, f)
            ]
            contested = [
                f for f in AUDITED_FIELDS if _field_text(rejected, f) != _field_text(chosen, f)
            ]
            stored = current
            if changed:
                stored = _edited(current, chosen, user=user, at=at)
                _update_claim(conn, stored)
            _audit(
                conn,
                [
                    (
                        chosen.id,
                        at,
                        user,
                        "resolve",
                        f,
                        _field_text(rejected if f in contested else current, f),
                        _field_text(chosen, f),
                    )
                    for f in AUDITED_FIELDS
                    if f in changed or f in contested
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
                if before is None:
                    _insert_claim(conn, claim)
                    outcome.added.append(claim.id)
                    changed = changed or ["verdict"]
                elif not changed:
                    outcome.unchanged.append(claim.id)
                    continue
                elif _moment(claim.updated_at) <= _moment(before.updated_at):
                    outcome.kept.append(claim.id)
                    continue
                else:
                    newer = replace(claim, version=max(before.version + 1, claim.version))
                    _update_claim(conn, newer)
                    outcome.updated.append(claim.id)
                _audit(
                    conn,
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


def _read_lock(lock: Path) -> dict[str, Any]:
    """The holder written in a lock file ({} when it is gone or unreadable)."""
    try:
        holder = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


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
