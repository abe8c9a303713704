"""`hangup.terminal_gone` on a real pseudo-terminal: false while the terminal is there,
true once its other side has closed (and for a closed descriptor)."""

from __future__ import annotations

import os

from annotator.tui.hangup import terminal_gone


def test_a_terminal_is_gone_once_its_other_side_closes() -> None:
    master, slave = os.openpty()
    try:
        assert not terminal_gone(slave)
        os.write(master, b"typed, not read yet")  # pending input is not a hang-up
        assert not terminal_gone(slave)
        os.close(master)
        assert terminal_gone(slave)
    finally:
        os.close(slave)


def test_a_closed_descriptor_counts_as_gone() -> None:
    master, slave = os.openpty()
    os.close(master)
    os.close(slave)
    assert terminal_gone(slave)
