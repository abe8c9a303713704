"""The real `annotator` process in a real pseudo-terminal, fed hostile text (issue 6, item 6).

`tests/tui/test_hostile.py` checks every widget through Textual's compositor; this test
checks the bytes the installed program actually writes to a terminal: a hostile file opened
from the command line (title, text) and a note on it, both carrying markup and escape
sequences. No OSC (window title, clipboard, hyperlink), no clear-screen, no BEL and no C1
byte of the text may reach the terminal; the markup is shown literally; its
`[@click=app.quit]` does not quit the app.
"""

from __future__ import annotations

import re
from pathlib import Path

from annotator.tui.hangup import HANGUP_EXIT
from bench.common import child_env
from bench.pty_latency import PtyApp, annotator_argv
from tests.helpers import analysed_for_the_app

TITLE = "\x1b]0;PWNED-TITLE\x07"
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
CLEAR = "\x1b[2J\x1b[H"
C1 = "\x9b31m"
MARKUP = "[b]not bold[/b] [@click=app.quit]quit[/] [link=http://e.vil]link[/link]"

# What the text could smuggle out: any OSC, erase-display, BEL, or a C1 control.
SMUGGLED = re.compile(rb"\x1b\]|\x1b\[2J|\x07|\xc2[\x80-\x9f]")
# Textual's own OSC: the mouse pointer's shape (OSC 22), with a name Textual chose.
TEXTUAL_OWN = re.compile(rb"\x1b\]22;[a-z-]+\x07")


def test_hostile_text_never_reaches_the_terminal(tmp_path: Path) -> None:
    hostile_file = tmp_path / "hostile.txt"
    hostile_file.write_text(
        f"File headline {TITLE}\n\nThe file says {MARKUP} and {CLEAR} {C1} {CLIPBOARD} here.\n",
        encoding="utf-8",
    )
    db = tmp_path / "h.db"
    with analysed_for_the_app(db, [hostile_file]) as service:
        (article,) = service.articles()
        said = next(s for s in service.sentences(article.id) if "file says" in s.text)
        service.set_note(article.id, said, f"note {MARKUP} {TITLE} {CLIPBOARD}")

    env = child_env(tmp_path, cache_bytecode=False)
    with PtyApp(annotator_argv(db, [hostile_file]), cwd=tmp_path, env=env, size=(120, 36)) as app:
        frame = app.wait_frame(app.started, 60, "The file says")
        assert frame is not None, app.screen_text()[-2000:]
        app.wait_quiet(0.3, 10)
        app.press("j")  # down to the sentence with the note
        app.wait_quiet(0.3, 5)
        pressed = app.press("i")  # the inspector shows the note
        inspector = app.wait_frame(pressed, 30, "verdict")
        app.wait_quiet(0.3, 5)
        shown = app.screen_text()
        assert inspector is not None, shown[-3000:]
        written = TEXTUAL_OWN.sub(b"", b"".join(bytes(f.data) for f in app.frames))
        assert app.process is not None and app.process.poll() is None  # [@click] did not quit
        code = app.close()
    assert code == 0
    assert "[b]not bold[/b]" in shown
    assert "[@click=app.quit]quit[/]" in shown
    assert "[link=http://e.vil]link[/link]" in shown
    assert "File headline" in shown, shown
    assert "note [b]not bold[/b]" in shown, shown
    assert "␛]0;PWNED-TITLE␇" in shown  # the note's escape shown as control pictures
    found = SMUGGLED.search(written)
    assert found is None, f"{found.group()!r} written near {written[found.start() - 60 :][:120]!r}"


def test_the_reader_ends_when_its_terminal_hangs_up(tmp_path: Path) -> None:
    """A terminal that goes away without SIGHUP (a dropped SSH connection): the reader
    quits within seconds (Textual alone would spin a core on its dead input for ever)."""
    story = tmp_path / "story.txt"
    story.write_text("Headline\n\nThe mayor opened the bridge on Monday.\n", encoding="utf-8")
    db = tmp_path / "h.db"
    with analysed_for_the_app(db, [story]):
        pass
    env = child_env(tmp_path, cache_bytecode=False)
    with PtyApp(annotator_argv(db, [story]), cwd=tmp_path, env=env, size=(100, 30)) as app:
        assert app.wait_frame(app.started, 60, "opened the bridge") is not None
        assert app.process is not None
        app.hang_up()
        assert app.process.wait(15) == HANGUP_EXIT
