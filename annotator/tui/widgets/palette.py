"""Entity label colours as Rich styles, resolved from the theme variables once per theme."""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from textual.color import Color, ColorParseError


def _style(value: str | None) -> Style:
    if not value:
        return Style()
    try:
        return Style(color=Color.parse(value).rich_color)
    except ColorParseError:
        return Style()


class EntityPalette:
    """Label → Rich style (`entity-<label>` or else `entity-other`), cached per theme."""

    def __init__(self) -> None:
        self._theme = ""
        self._styles: dict[str, Style] = {}
        self._variables: Mapping[str, str] = {}

    def update(self, theme: str, variables: Mapping[str, str]) -> None:
        """Forget the cached styles if the theme has changed since the last call."""
        if theme != self._theme or variables is not self._variables:
            self._theme = theme
            self._variables = variables
            self._styles.clear()

    def style(self, label: str) -> Style:
        """The foreground style of entities labelled `label`."""
        style = self._styles.get(label)
        if style is None:
            variables = self._variables
            value = variables.get(f"entity-{label.lower()}") or variables.get("entity-other")
            style = _style(value)
            self._styles[label] = style
        return style
