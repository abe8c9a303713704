"""One frame per change: every repaint asked for by the time a frame is drawn is in it.

Textual draws the widgets whose repaint has reached the screen as a message. A repaint asked
for meanwhile, and in particular while the frame lays the screen out, waits for the next
frame, a screen tick later (17 to 33 ms: the tick after an idle screen's first frame is
skipped), and is counted in the key's latency (`make bench` times a key to its last frame):
- laying out, each widget placed anew, told its new size, asks to be drawn whole
  (`Widget._size_updated`): moving the window of columns drew the columns shown twice;
- a list whose length changed lays out its scroll bar, which asks to be drawn again (its
  thumb moved): every letter typed in the search drew the bar in a frame of its own.

Leaving the search, the reader's status line, changed by the jump to the hit, was drawn again
alone a frame after the whole screen was.

`take_pending_repaints`, called as a frame starts drawing (after its layout), puts the repaint
each widget on screen still has pending, sent or not, into that frame. A widget that asks
while the frame is drawn still gets a frame of its own, unless it knows it drew what it asked
for (`withdraw_repaint`: a column laying out its text at its first paint, then drawing it).

This relies on private parts of the pinned Textual release (`textual==8.2.8` in
pyproject.toml): the screen's `_compositor_refresh` and message queue (`values`),
`Widget._repaint_required` and `_exchange_repaint_regions`, and the
compositor's `update_widgets` and `visible_widgets`;
tests/test_frames_per_key.py counts the frames keys write to a real terminal.
"""

from __future__ import annotations

from typing import Any

from textual import messages
from textual._queue import Queue
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget


def take_pending_repaints(screen: Screen[Any]) -> None:
    """Put the repaints the widgets on `screen` have asked for, but that have not reached it,
    into the frame about to be drawn: those not sent yet, and those sent but still waiting in
    the screen's queue (made to do nothing: handled later, they would draw the widget again)."""
    visible = screen._compositor.visible_widgets
    pending = {widget for widget in visible if widget._repaint_required and widget is not screen}
    for widget in pending:
        widget._repaint_required = False
    queue: Queue[Message | None] = screen._message_queue
    for update in queue.values:
        if isinstance(update, messages.Update) and update.widget in visible:
            update.prevent_default()  # left in the queue (its reader may be about to take it)
            pending.add(update.widget)
    if pending:
        screen._compositor.update_widgets(pending)


def withdraw_repaint(widget: Widget) -> None:
    """Take back `widget`'s pending request to be drawn (by the frame being drawn, whole,
    with what it shows now). Its caches stay cleared: only the second drawing is saved."""
    if widget._repaint_required:
        widget._repaint_required = False
        widget._exchange_repaint_regions()
