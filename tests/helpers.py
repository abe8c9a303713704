"""Helpers shared by several test modules (fixtures stay in the modules and conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from annotator import cli
from annotator.model import Verdict
from annotator.service import Service
from annotator.store import Store
from bench.pty_latency import Frame, PtyApp

CliRun = Callable[..., tuple[int, str, str]]
"""`run("import", path)` -> (exit code, stdout, stderr) of `annotator import PATH`."""


def cli_runner(capsys: pytest.CaptureFixture[str], user: str) -> CliRun:
    """Run `annotator ARGS --user USER` in-process, capturing what it prints."""

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main([*args, "--user", user])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def fake_nlp_cli(
    make_service: Callable[..., Service],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> CliRun:
    """`cli_runner` whose commands open tmp_path's database with the fake NLP."""
    import annotator.service

    monkeypatch.setattr(
        annotator.service, "open_service", lambda db, user="", model=None: make_service(user=user)
    )
    return cli_runner(capsys, "cli-user")


def tagged_database(path: Path, sources: Sequence[Path], verdict: Verdict) -> Path:
    """A closed database at `path` with `sources` opened (no NLP) and the first sentence of
    the first article tagged `verdict`."""
    service = Service(Store(path), None, user="setup")
    assert not service.open_paths(sources).errors
    article = service.articles()[0]
    service.tag(article.id, service.sentences(article.id)[0], verdict)
    service.store.close()
    return path


@contextmanager
def analysed_for_the_app(path: Path, sources: Sequence[Path]) -> Iterator[Service]:
    """A service over a database at `path` with `sources` opened and analysed by the quick
    analyzer under the real model's key (so the app started on it analyses nothing); the
    database is closed on leaving."""
    from annotator.nlp import find_model
    from bench.prepare import QuickAnalyzer

    analyzer = QuickAnalyzer()
    analyzer.model_key = find_model().key  # type: ignore[misc]
    store = Store(path)
    try:
        service = Service(store, analyzer, user="tester")
        assert not service.open_paths(sources).errors
        service.analyse_pending()
        yield service
    finally:
        store.close()


def key_frames(app: PtyApp, key: str, quiet: float = 0.35) -> list[Frame]:
    """The frames `app` writes for `key`, pressed once the app has been quiet for `quiet`
    seconds, until it is quiet again (fails if no frame comes)."""
    app.wait_quiet(quiet, 10)
    sent = app.press(key)
    assert app.wait_frame(sent, 10) is not None, app.screen_text()[-2000:]
    app.wait_quiet(quiet, 10)
    return app.frames_between(sent, time.perf_counter())
