"""Keeping the cyclic garbage collector's work out of the first paint and of keystrokes.

A story of 200 articles keeps some hundreds of thousands of objects alive (sentences,
entities, claims, the comparison). CPython's collector walks all of them in each full
(generation 2) collection, which came every few dozen keystrokes once drawing had made
enough garbage: a pause of 130-150 ms inside a key's frame. Once a story's objects are
built they live until it closes, so each time a big batch of them has been made the
reader moves them to the collector's permanent generation (`gc.freeze`), and later
collections walk only what came after. Reference counting still frees them as usual: only
reference cycles made before a freeze outlive it, and the reader does not make many.

Start-up is the same story at its start: importing Textual and the reader and building the
first screen make objects that live as long as the app (modules, classes, widgets), and the
collector walked them again and again, about 20 ms of the first paint's 250. `annotator open`
pauses the collector until the first frame of the reader is drawn (or `PAUSE_LIMIT` seconds,
should that frame never come), then freezes what was made and lets it run again. The
reference cycles made meanwhile are kept for good: about 4,500 objects for the seeds (a full
collection at that point, 38 ms, would cost twice what the pause saves).
"""

from __future__ import annotations

import gc

PAUSE_LIMIT = 3.0  # seconds: the collector runs again by then, painted or not


def settle() -> None:
    """Leave every object alive now out of later collections (cheap: no walk)."""
    gc.freeze()


def pause() -> None:
    """Stop the collector until `resume` (start-up: everything made now lives on)."""
    gc.disable()


def resume() -> None:
    """After `pause`: freeze what was made meanwhile and run the collector again (no-op if
    it runs already)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
