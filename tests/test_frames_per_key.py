"""A key's whole effect in one frame, in a real pseudo-terminal (the installed program).

Textual draws a frame once the screen has taken in the widgets' repaints; a repaint that
reaches it after the frame waits for the next tick, 17 to 33 ms later, and is counted in
the key's latency (`make bench` times a key to its last frame). Moving to the next column
drew the column tabs and headers a frame after the columns; moving the window of columns
drew the columns shown twice (once laid out, once again for the repaint their new size asked);
a letter typed in the search was drawn alone, its hits a frame later, the list's scroll bar in
a third; picking a hit drew the reader, then its status line again.
"""

from __future__ import annotations

from pathlib import Path

from bench.common import child_env
from bench.pty_latency import PtyApp, annotator_argv
from tests.conftest import SEEDS
from tests.helpers import analysed_for_the_app, key_frames


def test_moving_between_columns_and_searching_are_drawn_in_one_frame_per_key(
    tmp_path: Path,
) -> None:
    db = tmp_path / "f.db"
    with analysed_for_the_app(db, [SEEDS]):
        pass
    env = child_env(tmp_path, cache_bytecode=False)
    # 120 cells: three columns of the five in view.
    with PtyApp(annotator_argv(db, [SEEDS]), cwd=tmp_path, env=env, size=(120, 36)) as app:
        assert app.wait_frame(app.started, 60, " words") is not None, app.screen_text()[-2000:]
        app.wait_quiet(1.0, 30)  # the comparison of the five runs at the start
        for step, (key, what) in enumerate(
            [
                ("tab", "to column 2, in view"),
                ("tab", "to column 3, in view"),
                ("tab", "to column 4: the window moves"),
                ("tab", "to column 5: the window moves"),
                ("shift+tab", "back to column 4, in view"),
            ]
        ):
            frames = key_frames(app, key)
            shown = [frame.text[:300] for frame in frames]
            assert len(frames) == 1, f"step {step}, {what}: {len(frames)} frames {shown}"
        # Back to column 1, whose first sentence is the first hit: picking it needs no move
        # of the window (a jump that moves it draws the reader, then the new layout).
        key_frames(app, "1")
        key_frames(app, "/")
        # (The first letter, into an empty list, draws the list's new scroll bar a frame
        # after its hits: Textual's bar, shown, sizes itself when its Show event comes.)
        assert "156 matches" in key_frames(app, "A")[0].text  # with the letter
        for typed in ("Al", "Ale", "Alep"):
            frames = key_frames(app, typed[-1])
            shown = [frame.text[:300] for frame in frames]
            assert len(frames) == 1, f"typing {typed!r}: {len(frames)} frames {shown}"
            assert typed in frames[0].text, shown
        frames = key_frames(app, "enter")  # to the first hit, in the reader
        shown = [frame.text[:300] for frame in frames]
        assert len(frames) == 1, f"enter: {len(frames)} frames {shown}"
        assert "match 1 of" in frames[0].text, shown
        code = app.close()
    assert code == 0
