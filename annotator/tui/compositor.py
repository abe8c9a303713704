"""A compositor that draws, for a partial update, only what the update changes.

Textual's compositor answers a partial update (some widgets asked to be drawn again) by
taking the box around every region that changed and drawing, whole, each widget whose
clip overlaps that box: every widget of a row of panes when one sentence changed in one
of them, and every widget on the screen when a tag changes the status line (the bottom
row) and a column's header (near the top) at once. Then it keeps only the changed rows.

`SpanCompositor` draws each widget only where a changed span crosses it: the rows from
the first to the last it crosses, and no widget that no span crosses. The update it sends
is the same (`ChopsUpdate` only writes the changed spans); the reader's main screen uses it.
Full updates (a resize, a new layout, a screenshot) are drawn by Textual's own code.

This relies on the private `Compositor._get_renders` of the pinned Textual release
(`textual==8.2.8` in pyproject.toml); tests/tui/test_compositor.py checks, frame by frame,
that every span it writes is the one Textual's own code would write.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip


class SpanCompositor(Compositor):
    """A `Compositor` whose partial updates draw only the changed spans' widgets."""

    def __init__(self) -> None:
        super().__init__()
        # Row -> the changed (x1, x2) spans on it, during a partial update only.
        self._spans_by_row: dict[int, list[tuple[int, int]]] | None = None

    def render_partial_update(self) -> ChopsUpdate | None:
        spans: dict[int, list[tuple[int, int]]] = {}
        for y, x1, x2 in self._regions_to_spans(self._dirty_regions):
            spans.setdefault(y, []).append((x1, x2))
        self._spans_by_row = spans
        try:
            return super().render_partial_update()
        finally:
            self._spans_by_row = None

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        spans = self._spans_by_row
        if crop is None or spans is None:
            yield from super()._get_renders(crop)
            return
        for widget, (region, clip) in self.visible_widgets.items():
            x, y, width, height = region.intersection(clip)
            if not (width and height):
                continue
            right = x + width
            rows = [
                row
                for row in range(y, y + height)
                if any(x1 < right and x2 > x for x1, x2 in spans.get(row, ()))
            ]
            if not rows:
                continue
            top, bottom = rows[0], rows[-1] + 1
            # The drawn part stands in for the clip: the chops take their rows from it.
            part = Region(x, top, width, bottom - top)
            crop_in_widget = Region(x - region.x, top - region.y, width, bottom - top)
            yield region, part, widget.render_lines(crop_in_widget)
