"""What is refused with a clear one-line message and no write (SPEC §5), and bounded work.

Databases: a newer schema, not a database, a corrupt file whose header is fine, a
read-only file or folder (the tests run as root too, where only the mode bits say
read-only), a network filesystem opened for writing twice. Bounded work: a file over the
size limit, a page that keeps the HTML extractor busy, a failing NLP model.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from annotator import cli, ingest, store
from annotator.model import NlpResult, Verdict
from annotator.service import Service
from annotator.store import SCHEMA_VERSION, NewerSchemaError, Store, StoreError, mount_type
from tests.conftest import SEEDS
from tests.fake_nlp import FakeAnalyzer
from tests.helpers import CliRun, cli_runner, tagged_database

ARTICLE = SEEDS / "003_6ff3fa6f71314818.txt"


def _database(path: Path) -> Path:
    return tagged_database(path, [ARTICLE], Verdict.DISPUTED)


@pytest.fixture
def annotator(capsys: pytest.CaptureFixture[str]) -> CliRun:
    """Run the real `annotator ARGS` in-process (a real database; no spaCy is loaded)."""

    return cli_runner(capsys, "tester")


def _refused(result: tuple[int, str, str], *words: str) -> None:
    code, out, err = result
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err


# --- databases that are refused ------------------------------------------------------------


def test_newer_schema_is_refused_by_the_cli_and_untouched(
    tmp_path: Path, annotator: CliRun
) -> None:
    db = _database(tmp_path / "new.db")
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(NewerSchemaError):
        Store(db)
    _refused(annotator("tag", "003", "1", "confirmed", "--db", str(db)), "newer annotator")
    assert db.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused_by_the_cli(
    tmp_path: Path, annotator: CliRun
) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(b"my notes\n" * 100)
    _refused(annotator("report", "--db", str(db)), "not an annotator database")
    assert db.read_bytes() == b"my notes\n" * 100


def _corrupt(db: Path) -> None:
    """Overwrite the b-tree headers of interior pages; the file header and schema stay."""
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert pages > 4
    with db.open("r+b") as handle:
        for page in range(2, pages + 1, 2):  # page 1 (the schema) is left alone
            handle.seek((page - 1) * page_size)
            handle.write(b"\x0d\xff\xff\x7f\xff\x00\x00" + b"\xa5" * 57)


def test_a_corrupt_database_with_a_good_header_is_refused_untouched(
    tmp_path: Path, annotator: CliRun
) -> None:
    db = _database(tmp_path / "corrupt.db")
    _corrupt(db)
    before = db.read_bytes()
    assert before.startswith(b"SQLite format 3\x00")
    with pytest.raises(StoreError, match="corrupt") as raised:
        Store(db)
    assert "\n" not in str(raised.value) and "untouched" in str(raised.value)
    _refused(annotator("tag", "003", "1", "confirmed", "--db", str(db)), "corrupt", str(db))
    _refused(annotator("export", "--db", str(db)), "corrupt")
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.db"]  # no journal, no backup


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """chmod a file or folder read-only (r-x for folders); restored afterwards."""
    changed: list[tuple[Path, int]] = []

    def make(path: Path) -> None:
        changed.append((path, stat.S_IMODE(path.stat().st_mode)))
        path.chmod(0o555 if path.is_dir() else 0o444)

    yield make
    for path, mode in reversed(changed):
        path.chmod(mode)


def test_a_read_only_file_opens_for_reading_and_refuses_every_write(
    tmp_path: Path,
    read_only: Callable[[Path], None],
    annotator: CliRun,
) -> None:
    db = _database(tmp_path / "ro.db")
    read_only(db)
    before = db.read_bytes()
    service = Service(Store(db), None, user="tester")
    assert service.store.read_only
    article = service.articles()[0]
    assert [c.verdict for c in service.claims()] == [Verdict.DISPUTED]  # reading works
    with pytest.raises(StoreError, match="read-only") as raised:
        service.tag(article.id, service.sentences(article.id)[1], Verdict.CONFIRMED)
    assert "\n" not in str(raised.value)
    assert service.analyse_pending() == 0  # nothing analysed that could not be stored
    service.store.close()
    _refused(annotator("tag", "003", "2", "confirmed", "--db", str(db)), "read-only")
    code, out, _ = annotator("report", "--db", str(db))
    assert code == 0 and "read-only" in out
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro.db"]


def test_a_new_database_in_a_read_only_folder_is_refused(
    tmp_path: Path,
    read_only: Callable[[Path], None],
    annotator: CliRun,
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    read_only(folder)
    with pytest.raises(
        StoreError, match=re.escape(f"cannot create database in {folder}: read-only")
    ):
        Store(folder / "new.db")
    _refused(annotator("import", str(ARTICLE), "--db", str(folder / "new.db")), "read-only")
    assert list(folder.iterdir()) == []


def test_a_database_in_a_read_only_folder_is_read_only(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    db = _database(folder / "a.db")
    read_only(folder)
    before = db.read_bytes()
    opened = Store(db)
    assert opened.read_only and "folder" in opened.read_only_reason
    with pytest.raises(StoreError, match="read-only"):
        opened.set_meta("k", "v")
    opened.close()
    assert db.read_bytes() == before and [p.name for p in folder.iterdir()] == ["a.db"]


def test_a_read_only_database_that_needs_upgrading_is_refused(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    db = _database(tmp_path / "old.db")
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0002_fulltext_search'")
    conn.commit()
    conn.close()
    read_only(db)
    before = db.read_bytes()
    with pytest.raises(StoreError, match=r"needs upgrading .* read-only"):
        Store(db)
    assert db.read_bytes() == before


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such folder"):
        Store(tmp_path / "nowhere" / "a.db")


# --- network filesystems -------------------------------------------------------------------


@pytest.fixture
def on_nfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend every folder is on NFS."""
    monkeypatch.setattr(store, "filesystem_type", lambda path: "nfs4")


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


@pytest.mark.usefixtures("on_nfs")
def test_a_second_writer_on_a_network_filesystem_is_refused(tmp_path: Path) -> None:
    db = _database(tmp_path / "shared.db")
    lock = tmp_path / "shared.db.lock"
    first = Store(db)
    holder = json.loads(lock.read_text())
    assert holder == {"host": socket.gethostname(), "pid": os.getpid()}
    before = db.read_bytes()
    with pytest.raises(StoreError) as raised:
        Store(db)
    message = str(raised.value)
    assert f"{socket.gethostname()} (pid {os.getpid()})" in message and "nfs4" in message
    assert "\n" not in message and db.read_bytes() == before
    reader = Store(db, read_only=True)  # reading needs no lock
    assert reader.read_only and len(reader.articles()) == 1
    reader.close()
    first.close()
    assert not lock.exists()
    Store(db).close()  # the lock is free again


@pytest.mark.usefixtures("on_nfs")
def test_a_stale_lock_of_this_host_is_taken_over(tmp_path: Path) -> None:
    db = _database(tmp_path / "shared.db")
    lock = tmp_path / "shared.db.lock"
    lock.write_text(json.dumps({"host": socket.gethostname(), "pid": _dead_pid()}))
    opened = Store(db)
    assert json.loads(lock.read_text())["pid"] == os.getpid()
    opened.close()


@pytest.mark.usefixtures("on_nfs")
def test_a_lock_held_on_another_host_is_refused_with_its_name(tmp_path: Path) -> None:
    db = _database(tmp_path / "shared.db")
    lock = tmp_path / "shared.db.lock"
    lock.write_text(json.dumps({"host": "laptop-of-ann", "pid": 4242}))
    with pytest.raises(StoreError, match=r"laptop-of-ann \(pid 4242\).*remove .*shared.db.lock"):
        Store(db)
    assert json.loads(lock.read_text())["host"] == "laptop-of-ann"


def test_no_lock_file_on_a_local_filesystem(tmp_path: Path) -> None:
    Store(tmp_path / "a.db").close()
    assert not (tmp_path / "a.db.lock").exists()


MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:40 / /mnt/team rw,relatime shared:9 - nfs4 srv:/export rw,vers=4.2
31 30 0:41 / /mnt/team/local\\040copy rw - tmpfs tmpfs rw
32 22 0:42 / /home/ann/remote rw,nosuid - fuse.sshfs ann@host:/ rw
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/home/ann/notes.db", "ext4"),
        ("/mnt/team", "nfs4"),
        ("/mnt/team/story/annotations.db", "nfs4"),
        ("/mnt/teamwork/a.db", "ext4"),  # a prefix of the name is not the mount
        ("/mnt/team/local copy/a.db", "tmpfs"),  # \040 is a space
        ("/home/ann/remote/a.db", "fuse.sshfs"),
    ],
)
def test_mount_type_finds_the_innermost_mount(path: str, kind: str) -> None:
    assert mount_type(MOUNTINFO, path) == kind


def test_filesystem_type_of_a_real_folder(tmp_path: Path) -> None:
    if not Path("/proc/self/mountinfo").exists():
        pytest.skip("no /proc/self/mountinfo here")
    assert store.filesystem_type(tmp_path) not in ("", *store.NETWORK_FILESYSTEMS)


# --- bounded work ------------------------------------------------------------------------------


@pytest.fixture
def run_fake(
    make_service: Callable[..., Service],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> CliRun:
    """`annotator ARGS` over tmp_path's database with an analyzer chosen per call."""
    import annotator.service

    analyzers: list[object] = [FakeAnalyzer()]
    monkeypatch.setattr(
        annotator.service,
        "open_service",
        lambda db, user="", model=None: make_service(user=user, analyzer=analyzers[-1]),
    )

    def invoke(*args: str, analyzer: object | None = None) -> tuple[int, str, str]:
        if analyzer is not None:
            analyzers.append(analyzer)
        capsys.readouterr()
        code = cli.main([*args, "--user", "tester"])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(
    tmp_path: Path, run_fake: CliRun
) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_text("A sentence about Aleppo. " * 45_000)  # 1,125,000 characters
    _refused(run_fake("import", str(huge)), "huge.txt", "the limit is 1,000,000 characters")
    code, out, _ = run_fake("articles", "--format", "json")
    assert code == 0 and json.loads(out) == []


def _slow_page(paragraphs: int = 12_000) -> str:
    words = " ".join(["word"] * 40)
    body = "".join(f"<p>Paragraph {i}: {words}.</p>" for i in range(paragraphs))
    return f"<html><head><title>Slow</title></head><body>{body}</body></html>"


def test_a_page_that_keeps_the_extractor_busy_ends_as_a_failure_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_service: Callable[..., Service]
) -> None:
    monkeypatch.setattr(ingest, "EXTRACT_TIMEOUT", 0.5)
    page = tmp_path / "slow.html"
    page.write_text(_slow_page())  # trafilatura needs seconds for this one
    service = make_service()
    started = time.monotonic()
    report = service.open_paths([page, ARTICLE])
    elapsed = time.monotonic() - started
    assert elapsed < 3, elapsed
    (error,) = report.errors
    assert "slow.html" in error and "extraction took longer than 0.5 s" in error
    assert [a.source_path for a in report.articles] == [str(ARTICLE)]  # the rest opened


def test_a_normal_page_is_extracted_within_the_limit(tmp_path: Path) -> None:
    article = ingest.read_article(Path(__file__).parent / "data" / "html" / "bbc_aleppo.html")
    assert article.title and article.words > 100


class ExplodingAnalyzer(FakeAnalyzer):
    """Fails on any text that mentions `trigger`, as a broken model might."""

    def __init__(self, trigger: str) -> None:
        super().__init__()
        self.trigger = trigger

    def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
        if any(self.trigger in text for text in texts):
            raise RuntimeError("[E999] the model fell over\nwith a second line")
        return super().analyse(texts)


def test_a_model_failure_is_recorded_and_the_fallback_sentences_stay(
    make_service: Callable[..., Service],
) -> None:
    service = make_service(analyzer=ExplodingAnalyzer("Kafr Halab"))
    service.open_paths([SEEDS])
    bad = [a for a in service.articles() if "Kafr Halab" in a.text]
    assert bad, "the trigger must be in some seed article"
    before = {a.id: service.sentences(a.id) for a in bad}
    done = service.analyse_pending()
    assert done == 5 - len(bad)  # the others were analysed, in spite of the failures
    failures = service.analysis_failures()
    assert sorted(f.article_id for f in failures) == sorted(a.id for a in bad)
    for failure in failures:
        assert failure.reason == "RuntimeError: [E999] the model fell over with a second line"
        assert failure.model == "fake@1" and "\n" not in str(failure)
        assert service.sentences(failure.article_id) == before[failure.article_id]
    assert service.analyse_pending() == 0  # not retried in a loop
    assert service.analyse_pending(retry_failed=True) == 0
    assert len(service.analysis_failures()) == len(bad)


def test_a_model_failure_is_shown_by_the_cli_with_exit_2(
    run_fake: CliRun,
) -> None:
    code, out, err = run_fake("import", str(SEEDS), analyzer=ExplodingAnalyzer("Kafr Halab"))
    assert code == 2 and "5 articles opened, 5 new" in out
    assert "analysis of" in err and "RuntimeError: [E999] the model fell over" in err
    assert "fallback splitter" in err
