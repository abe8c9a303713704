"""The legend line: the entity labels present, in their colours, and the view's state."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.reactive import var
from textual.widget import Widget

from annotator.tui.literal import literal
from annotator.tui.widgets.palette import EntityPalette


class EntityLegend(Widget):
    """Labels in their entity colour (dim and struck through when hidden), then the
    filter and which columns are shown, right-aligned."""

    DEFAULT_CSS = """
    EntityLegend {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    highlight: var[bool] = var(True)
    hidden_labels: var[frozenset[str]] = var(frozenset())

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels: tuple[str, ...] = ()
        self.info = ""
        self._palette = EntityPalette()

    def set_labels(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        self.refresh()

    def set_info(self, info: str) -> None:
        self.info = info
        self.refresh()

    def watch_highlight(self) -> None:
        self.refresh()

    def watch_hidden_labels(self) -> None:
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    @property
    def legend_text(self) -> Text:
        """The labels part, as shown."""
        self._palette.update(self.app.theme, self.app.theme_variables)
        text = Text(no_wrap=True, overflow="ellipsis")
        if not self.labels:
            text.append("no entities yet")
            return text
        for number, label in enumerate(self.labels):
            if number:
                text.append(" ")
            shown = literal(label, single_line=True)
            if self.highlight and label not in self.hidden_labels:
                text.append(shown, self._palette.style(label) + Style(bold=True))
            else:
                text.append(shown, Style(dim=True, strike=True))
        if not self.highlight:
            text.append("  (highlighting off)")
        return text

    def render(self) -> RenderableType:
        grid = Table.grid(expand=True, padding=(0, 0, 0, 2))
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(no_wrap=True, justify="right")
        grid.add_row(self.legend_text, Text(self.info, no_wrap=True))
        return grid
