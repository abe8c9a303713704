"""A widget's Rich styles, kept until its CSS changes.

Textual forgets a widget's component styles on every `refresh()`, and working one out again
walks the widget's ancestors and merges their styles: a column or header repainting one
line after a tag paid for that a dozen times. A `StyleKeeper` keeps them until the widget's
styles really change (`notify_style_update`: a class, a pseudo-class or the theme), which
is when its owner calls `clear`.
"""

from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


class StyleKeeper:
    """The base style and component styles of `widget`, each worked out once."""

    def __init__(self, widget: Widget) -> None:
        self._widget = widget
        self._styles: dict[tuple[str, bool], Style] = {}

    def base(self) -> Style:
        """The widget's own style (`Widget.rich_style`: colours over its ancestors')."""
        return self.component("")

    def component(self, name: str, *, partial: bool = False) -> Style:
        """The style of component class `name` (`Widget.get_component_rich_style`)."""
        key = (name, partial)
        style = self._styles.get(key)
        if style is None:
            widget = self._widget
            style = (
                widget.get_component_rich_style(name, partial=partial) if name
                else widget.rich_style
            )  # fmt: skip
            self._styles[key] = style
        return style

    def clear(self) -> None:
        """Forget them all (the widget's styles changed)."""
        self._styles.clear()
