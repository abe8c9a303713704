"""The row of article panes: as many side by side as fit, the rest reached by moving focus."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from textual import events
from textual.containers import Horizontal
from textual.geometry import Region
from textual.message import Message

from annotator.tui.widgets.article_pane import ArticlePane

MIN_COLUMN_WIDTH = 40


class ColumnsRow(Horizontal):
    """Shows a window of `per_view` panes (each at least 40 cells wide) that follows focus.

    The window moves like a horizontal scroll that keeps the current column in view. Panes
    are mounted when they first enter the window (so 200 articles open as fast as three)
    and stay mounted, not displayed, when they leave it.
    """

    DEFAULT_CSS = """
    ColumnsRow {
        height: 1fr;
        width: 1fr;
    }
    """

    @dataclass
    class WindowChanged(Message):
        """The panes shown changed: `first` (0-based) to `first + count`, of `total`."""

        first: int
        count: int
        total: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.first = 0
        self.current = 0
        self._window = (-1, -1, -1)
        self._panes: list[ArticlePane] = []
        self._fitted_width = -1  # the width the window was last fitted to

    @property
    def panes(self) -> list[ArticlePane]:
        """Every pane in order, mounted or not (a list: DOM queries are slow with 200)."""
        return self._panes

    @property
    def per_view(self) -> int:
        """How many panes fit side by side."""
        return max(1, self.size.width // MIN_COLUMN_WIDTH)

    async def set_panes(self, panes: list[ArticlePane]) -> None:
        """Replace the panes; the window starts at the first."""
        await self.remove_children()
        self._panes = list(panes)
        self.current = self.first = 0
        self._window = (-1, -1, -1)
        await self.reveal(0)

    async def reveal(self, index: int) -> None:
        """Move the window (as little as possible) so that pane `index` is shown, mounting
        what enters it, and keep that pane shown when the row is resized."""
        self.current = index
        await self._mount_window()
        self._apply()

    def on_mount(self) -> None:
        self.screen.screen_layout_refresh_signal.subscribe(self, self._check_width, immediate=True)

    async def on_resize(self, event: events.Resize) -> None:
        await self._fit()

    def _check_width(self, screen: object) -> None:
        """After every layout of the screen: refit the window if the row's width changed.
        Textual misses some resizes: when its map of the screen is rebuilt on demand (a
        widget asking its size) between a change of layout and the layout itself, the
        layout finds every widget already where it is and sends no Resize (showing the
        inspector then left three panes in the room of two)."""
        if self._panes and self.container_size.width != self._fitted_width:
            self.call_next(self._fit)

    async def _fit(self) -> None:
        """Fit the window to the row's width: as many panes as fit, the current one shown."""
        self._fitted_width = self.container_size.width
        await self._mount_window()
        self._apply()

    def _window_range(self) -> range:
        panes = self._panes
        count = min(self.per_view, len(panes))
        if self.current < self.first:
            self.first = self.current
        elif self.current >= self.first + count:
            self.first = self.current - count + 1
        self.first = max(0, min(self.first, len(panes) - count))
        return range(self.first, self.first + count)

    async def _mount_window(self) -> None:
        for index in self._window_range():
            await self._mount(index)

    async def _mount(self, index: int) -> None:
        """Mount pane `index`, not displayed (`_apply` shows it), if it is not mounted."""
        pane = self._panes[index]
        if pane.is_attached:
            return
        later = next((p for p in self._panes[index + 1 :] if p.is_attached), None)
        pane.display = False
        await self.mount(pane, before=later) if later else await self.mount(pane)

    async def _mount_neighbours(self) -> None:
        """Mount the panes just left and right of the window, once the window's frame is
        drawn: the next move of the window then only shows one (mounting a pane in the
        key's frame cost as much as drawing the screen). Hidden, they draw nothing."""
        first, count, total = self._window
        for index in (first + count, first - 1):
            if 0 <= index < total:
                await self._mount(index)

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        # A new layout of the row is drawn where it changes things: laying out marks every
        # region whose widget was shown, hidden, moved or resized. Textual would also draw
        # the whole row again (every column, unchanged), e.g. when a hidden pane is mounted
        # ahead, a frame after the window moved: lay out only. (The panes cover the row:
        # it has nothing of its own to draw.)
        repaint = repaint and not layout
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _apply(self) -> None:
        window = self._window_range()
        for index, pane in enumerate(self._panes):
            if pane.is_attached:
                pane.display = index in window
        state = (window.start, len(window), len(self._panes))
        if state != self._window:
            self._window = state
            self.post_message(self.WindowChanged(*state))
            self.call_after_refresh(self._mount_neighbours)
