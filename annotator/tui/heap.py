"""Keeping the cyclic garbage collector's full collections out of keystrokes.

A story of 200 articles keeps some hundreds of thousands of objects alive (sentences,
entities, claims, the comparison). CPython's collector walks all of them in each full
(generation 2) collection, which came every few dozen keystrokes once drawing had made
enough garbage: a pause of 130-150 ms inside a key's frame. Once a story's objects are
built they live until it closes, so each time a big batch of them has been made the
reader moves them to the collector's permanent generation (`gc.freeze`), and later
collections walk only what came after. Reference counting still frees them as usual: only
reference cycles made before a freeze outlive it, and the reader does not make many.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Leave every object alive now out of later collections (cheap: no walk)."""
    gc.freeze()
