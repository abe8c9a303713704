"""Pilot tests of the reader with other instances and a hostile world: a second instance's tags
appear after a poll, an edit of a claim changed elsewhere opens the conflict dialog (nothing
lost either way), a read-only database says so, and a model failure is shown, not hidden.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Static

from annotator.model import Claim, NlpResult, Verdict
from annotator.service import Service
from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.conflict import ConflictDialog
from annotator.tui.screens.main import MainScreen
from annotator.tui.screens.note_editor import NoteEditor
from tests.conftest import SEEDS, fixed_clock
from tests.fake_nlp import FakeAnalyzer
from tests.tui.test_app import current, main_screen, run, screen_text, settle


def other_instance(make_service: Callable[..., Service]) -> Service:
    """A second service on the same database file, as another fact-checker's instance."""
    return make_service(user="bob")


class TestOtherInstances:
    def test_a_tag_saved_by_another_instance_shows_after_a_poll(
        self, seeded: Service, make_service: Callable[..., Service]
    ) -> None:
        bob = other_instance(make_service)
        article = seeded.articles()[1]
        sentence = seeded.sentences(article.id)[2]

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            column = screen.panes[1].column
            assert column.stored_claim(2) is None
            screen.check_for_changes()  # nothing written elsewhere: nothing re-read
            assert screen.status.message == "5 articles"
            bob.tag(article.id, sentence, Verdict.DISPUTED)
            screen.check_for_changes()  # what the timer does every 1.5 s
            await pilot.pause()
            claim = column.stored_claim(2)
            assert claim is not None and claim.verdict is Verdict.DISPUTED
            assert claim.annotator == "bob"
            assert screen.panes[1].header.counts_text == "✔ 0 ✖ 1 ? 0"
            assert "1 sentence changed by another instance" in screen.status.message
            assert column.rendered_text()[column._first_line[column._position[2]]][0] == "✖"
            bob.tag(article.id, sentence, None)  # cleared elsewhere: cleared here
            screen.check_for_changes()
            assert screen.panes[1].header.counts_text == "✔ 0 ✖ 0 ? 0"

        run(make_app(seeded), scenario)

    def test_the_terminal_regaining_focus_checks_too(
        self, seeded: Service, make_service: Callable[..., Service]
    ) -> None:
        bob = other_instance(make_service)
        article = seeded.articles()[0]

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            bob.tag(article.id, seeded.sentences(article.id)[0], Verdict.CONFIRMED)
            app.post_message(events.AppFocus())
            await pilot.pause()
            assert main_screen(app).panes[0].header.counts_text == "✔ 1 ✖ 0 ? 0"

        run(make_app(seeded), scenario)

    def test_ctrl_r_re_reads_at_once(
        self, seeded: Service, make_service: Callable[..., Service]
    ) -> None:
        bob = other_instance(make_service)
        article = seeded.articles()[0]

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            bob.set_note(article.id, seeded.sentences(article.id)[3], "seen by bob")
            await pilot.press("ctrl+r")
            screen = main_screen(app)
            assert screen.status.message == "claims re-read: 1 sentence changed"
            claim = screen.panes[0].column.stored_claim(3)
            assert claim is not None and claim.note == "seen by bob"

        run(make_app(seeded), scenario)

    def test_the_timer_polls(self, seeded: Service, make_service: Callable[..., Service]) -> None:
        bob = other_instance(make_service)
        article = seeded.articles()[0]

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            bob.tag(article.id, seeded.sentences(article.id)[0], Verdict.UNVERIFIED)
            await pilot.pause(2.0)  # one poll (every 1.5 s)
            assert main_screen(app).panes[0].header.counts_text == "✔ 0 ✖ 0 ? 1"

        run(make_app(seeded), scenario)


def conflict_setup(
    seeded: Service, make_service: Callable[..., Service], note: str = ""
) -> tuple[Service, str, int]:
    """Alice (the app) tagged S2 of the first article disputed (with `note`); bob has read it."""
    article = seeded.articles()[0]
    sentence = seeded.sentences(article.id)[1]
    seeded.tag(article.id, sentence, Verdict.DISPUTED)
    if note:
        seeded.set_note(article.id, sentence, note)
    bob = other_instance(make_service)
    bob.claims()
    return bob, article.id, sentence.index


def resolved(bob: Service, dialog: ConflictDialog, verdict: Verdict, *, lost: str) -> Claim:
    """The claim of `dialog` once settled: stored with `verdict`, its last audit row a
    "resolve" whose old value is the one that `lost`."""
    claim = bob.claim(dialog.theirs.id)
    assert claim is not None and claim.verdict is verdict
    history = bob.history(claim.id)
    assert history[-1].action == "resolve" and history[-1].old == lost
    return claim


class TestConflicts:
    @pytest.fixture(autouse=True)
    def no_poll(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """No re-reading on a timer here: it would show bob's change before alice's edit
        (as it should), and then there would be no conflict to test."""
        monkeypatch.setattr("annotator.tui.screens.main.POLL_SECONDS", 3600)

    async def _conflict(self, pilot: Pilot[int], app: AnnotatorApp, bob: Service) -> ConflictDialog:
        """Bob confirms S2, then alice (not yet re-read) tags it unverified: the dialog."""
        article = main_screen(app).panes[0].article
        bob.tag(article.id, bob.sentences(article.id)[1], Verdict.CONFIRMED)
        await pilot.press("down", "u")
        dialog = app.screen
        assert isinstance(dialog, ConflictDialog)
        return dialog

    def test_both_versions_are_shown_and_m_keeps_mine(
        self, seeded: Service, make_service: Callable[..., Service]
    ) -> None:
        bob, _article_id, _index = conflict_setup(seeded, make_service, note="[b]mine[/b]")

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            dialog = await self._conflict(pilot, app, bob)
            assert dialog.mine.verdict is Verdict.UNVERIFIED
            assert dialog.theirs.verdict is Verdict.CONFIRMED
            text = screen_text(app)
            for expected in ("Yours (not saved)", "Theirs (saved)", "? unverified",
                             "✔ confirmed", "bob", "Keep mine (m)", "Keep theirs (t)",
                             "nothing of yours is written", "[b]mine[/b]"):  # fmt: skip
                assert expected in text, expected
            await pilot.press("m")
            assert isinstance(app.screen, MainScreen)
            claim = resolved(bob, dialog, Verdict.UNVERIFIED, lost="confirmed")
            column = current(app)
            assert column.stored_claim(1) == claim
            assert "yours kept" in main_screen(app).status.message

        run(make_app(seeded), scenario)

    def test_t_keeps_theirs_and_records_mine(
        self, seeded: Service, make_service: Callable[..., Service]
    ) -> None:
        bob, _article_id, _index = conflict_setup(seeded, make_service)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            dialog = await self._conflict(pilot, app, bob)
            await pilot.press("t")
            claim = resolved(bob, dialog, Verdict.CONFIRMED, lost="unverified")
            assert current(app).stored_claim(1) == claim
            assert "theirs kept" in main_screen(app).status.message

        run(make_app(seeded), scenario)

    def test_escape_writes_nothing_and_shows_theirs(
        self, seeded: Service, make_service: Callable[..., Service]
    ) -> None:
        bob, _article_id, _index = conflict_setup(seeded, make_service)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            dialog = await self._conflict(pilot, app, bob)
            before = seeded.history(dialog.theirs.id)
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)
            assert seeded.history(dialog.theirs.id) == before
            column = current(app)
            claim = column.stored_claim(1)
            assert claim is not None and claim.verdict is Verdict.CONFIRMED
            assert main_screen(app).panes[0].header.counts_text == "✔ 1 ✖ 0 ? 0"
            assert "theirs kept, yours not saved" in main_screen(app).status.message
            await pilot.press("u")  # seen now: a deliberate edit, no conflict
            assert isinstance(app.screen, MainScreen)
            claim = bob.claim(dialog.theirs.id)
            assert claim is not None and claim.verdict is Verdict.UNVERIFIED

        run(make_app(seeded), scenario)

    def test_a_note_edit_conflict_opens_the_dialog_too(
        self, seeded: Service, make_service: Callable[..., Service]
    ) -> None:
        bob, article_id, index = conflict_setup(seeded, make_service)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            bob.set_note(article_id, bob.sentences(article_id)[index], "bob's note")
            await pilot.press("down", "n")
            assert isinstance(app.screen, NoteEditor)
            await pilot.press(*"alice", "ctrl+s")
            dialog = app.screen
            assert isinstance(dialog, ConflictDialog)
            assert (dialog.mine.note, dialog.theirs.note) == ("alice", "bob's note")
            await pilot.press("m")
            claim = bob.claim(dialog.theirs.id)
            assert claim is not None and claim.note == "alice"

        run(make_app(seeded), scenario)


class TestReadOnly:
    def test_a_read_only_database_says_so_and_keys_do_not_fail(
        self, seeded: Service, tmp_path: Path
    ) -> None:
        copy = tmp_path / "copy.db"
        shutil.copy(tmp_path / "annotations.db", copy)
        store = Store(copy, read_only=True)
        service = Service(store, FakeAnalyzer(), user="tester", clock=fixed_clock())

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            assert screen.status.badge == "read-only"
            assert "read-only" in screen_text(app)
            await pilot.press("d")
            assert screen.status.message == "read-only: opened read-only; nothing can be saved"
            assert screen.status.kind == "warning"
            await pilot.press("n")
            assert isinstance(app.screen, MainScreen)  # no editor for a note never saved
            await pilot.press("a", "z")
            assert "read-only" in screen.status.message
            assert service.claims() == []
            assert app.is_running

        try:
            run(make_app(service), scenario)
        finally:
            store.close()


class FailingAnalyzer(FakeAnalyzer):
    """The fake model, failing on the article that mentions the Kremlin's spokesman."""

    def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
        if any("Peskov" in text for text in texts):
            raise RuntimeError("tokenizer crashed [b]hard[/b]")
        return super().analyse(texts)


class TestAnalysisFailure:
    def test_a_model_failure_is_recorded_and_shown(
        self, make_service: Callable[..., Service]
    ) -> None:
        service = make_service(analyzer=FailingAnalyzer())

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            failures = service.analysis_failures()
            assert failures, "the fake model should have failed on an article"
            failed = {f.article_id for f in failures}
            assert "analysis failed for" in screen.status.message
            assert "tokenizer crashed [b]hard[/b]" in screen.status.message
            assert screen.status.kind == "error"
            messages = [str(n.message) for n in app._notifications]
            assert any("tokenizer crashed [b]hard[/b]" in m for m in messages), messages
            index = next(i for i, p in enumerate(screen.panes) if p.article.id in failed)
            await pilot.press(str(index + 1), "i")
            header = screen.panes[index].header
            assert header.failure.startswith("RuntimeError: tokenizer crashed")
            assert "analysis failed · " in screen_text(app)
            assert "analysis failed: RuntimeError" in screen.inspector.plain
            # the others were analysed, and everything still works
            assert len(failed) < len(screen.panes)
            await pilot.press("d")
            assert current(app).stored_claim(0) is not None
            body = screen.inspector.query_one("#inspector-body", Static)
            assert body is not None

        async def main() -> None:
            app = make_app(service, [str(SEEDS)])
            async with app.run_test(size=(120, 36)) as pilot:
                await settle(pilot)
                await scenario(pilot, app)

        import asyncio

        asyncio.run(main())
