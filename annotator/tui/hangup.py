"""Noticing that the terminal has gone, so that the reader ends instead of spinning.

When the terminal closes without sending SIGHUP (an SSH connection that drops, a `docker
exec` or automation session that dies, a terminal the process was not a child of), every
read of stdin fails at once, and Textual's input thread loops on it at full speed for ever
(Textual issue: "input thread busy-looping at 100% CPU when stdin reaches EOF"). Every
change is saved as it is made, so ending loses only what SIGHUP would have lost (a note
still being typed in its dialog): the reader checks its terminal once a second and, when
it has hung up, ends as SIGHUP would have ended it: at once. Textual
cannot shut down normally then: its output thread died writing to the dead terminal, and
its exit waits for that thread to take what it writes on the way out.
"""

from __future__ import annotations

import contextlib
import os
import select
from collections.abc import Callable
from typing import NoReturn

CHECK_SECONDS = 1.0
HANGUP_EXIT = 129
"""The exit code when the terminal hung up (128 + SIGHUP, as a shell reports it)."""
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL if hasattr(select, "poll") else 0


def terminal_gone(fd: int) -> bool:
    """Whether the terminal on `fd` has hung up (its other side closed) or `fd` is closed."""
    if not _GONE:
        return False  # no poll() here (Windows): never claim it has gone
    poller = select.poll()
    poller.register(fd, _GONE)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    return any(mask & _GONE for _, mask in events)


def end_after_hangup(close: Callable[[], None]) -> NoReturn:
    """End the process now with `HANGUP_EXIT`, after `close` (which releases the database;
    a failure there changes nothing: every write was committed when it was made)."""
    with contextlib.suppress(Exception):
        close()
    os._exit(HANGUP_EXIT)
