"""The footer line of main keys, drawn once from the bindings.

Textual's `Footer` recomposes itself on every focus change (dozens of widgets); the reader's
main keys do not depend on focus, so one line of text serves, and moving between columns
stays quick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingsMap
from textual.widget import Widget

from annotator.tui.literal import literal


class KeyBar(Widget):
    """`key label` pairs of the bindings marked `show` (label: from `labels` by action, else
    the description), the palette key at the right. The pairs of `optional` actions are left
    out, last first, when the line is too narrow for them all."""

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
        optional: Iterable[str] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.keys: list[tuple[str, str]] = []
        self._optional: list[int] = []  # indexes in `keys` that may be left out
        droppable = set(optional)
        seen: set[str] = set()
        for _key, binding in BindingsMap(bindings):  # one binding per key, in order
            if binding.show and binding.description and binding.action not in seen:
                seen.add(binding.action)
                label = (labels or {}).get(binding.action, binding.description)
                if binding.action in droppable:
                    self._optional.append(len(self.keys))
                self.keys.append((display(binding), label))
        self.right = right

    @property
    def plain(self) -> str:
        return "  ".join(f"{key} {description}" for key, description in self.shown_keys())

    def shown_keys(self, width: int | None = None) -> list[tuple[str, str]]:
        """The pairs that fit in `width` cells (default: the widget's), beside the right one."""
        width = self.size.width if width is None else width
        if not width:
            return list(self.keys)
        room = width - 1 - (cell_len(" ".join(self.right)) + 1 if self.right else 0)
        left_out: set[int] = set()
        optional = list(self._optional)

        def used() -> int:
            kept = [pair for n, pair in enumerate(self.keys) if n not in left_out]
            return sum(cell_len(f"{k} {d}") for k, d in kept) + 2 * max(0, len(kept) - 1)

        while optional and used() > room:
            left_out.add(optional.pop())
        return [pair for n, pair in enumerate(self.keys) if n not in left_out]

    def _pair(self, key: str, description: str) -> Text:
        return Text.assemble(
            (literal(key, single_line=True), self.get_component_rich_style("key-bar--key")),
            " ",
            (
                literal(description, single_line=True),
                self.get_component_rich_style("key-bar--description"),
            ),
        )

    def render(self) -> RenderableType:
        keys = Text(" ", no_wrap=True, overflow="ellipsis")
        for number, (key, description) in enumerate(self.shown_keys()):
            if number:
                keys.append("  ")
            keys.append_text(self._pair(key, description))
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(no_wrap=True, justify="right")
        right = Text.assemble(self._pair(*self.right), " ") if self.right else Text("")
        grid.add_row(keys, right)
        return grid
