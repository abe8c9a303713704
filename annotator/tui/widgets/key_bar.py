"""The footer line of main keys, drawn once from the bindings.

Textual's `Footer` recomposes itself on every focus change (dozens of widgets); the reader's
main keys do not depend on focus, so one line of text serves, and moving between columns
stays quick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingsMap
from textual.widget import Widget

from annotator.sanitize import printable


class KeyBar(Widget):
    """`key label` pairs of the bindings marked `show` (label: from `labels` by action, else
    the description), the palette key at the right."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description"}

    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    KeyBar > .key-bar--key { color: $accent; text-style: bold; }
    KeyBar > .key-bar--description { color: $foreground; }
    """

    def __init__(
        self,
        bindings: Iterable[Binding],
        display: Callable[[Binding], str],
        *,
        labels: Mapping[str, str] | None = None,
        right: tuple[str, str] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.keys: list[tuple[str, str]] = []
        seen: set[str] = set()
        for _key, binding in BindingsMap(bindings):  # one binding per key, in order
            if binding.show and binding.description and binding.action not in seen:
                seen.add(binding.action)
                label = (labels or {}).get(binding.action, binding.description)
                self.keys.append((display(binding), label))
        self.right = right

    @property
    def plain(self) -> str:
        return "  ".join(f"{key} {description}" for key, description in self.keys)

    def _pair(self, key: str, description: str) -> Text:
        return Text.assemble(
            (printable(key, single_line=True), self.get_component_rich_style("key-bar--key")),
            " ",
            (
                printable(description, single_line=True),
                self.get_component_rich_style("key-bar--description"),
            ),
        )

    def render(self) -> RenderableType:
        keys = Text(" ", no_wrap=True, overflow="ellipsis")
        for number, (key, description) in enumerate(self.keys):
            if number:
                keys.append("  ")
            keys.append_text(self._pair(key, description))
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(no_wrap=True, justify="right")
        right = Text.assemble(self._pair(*self.right), " ") if self.right else Text("")
        grid.add_row(keys, right)
        return grid
