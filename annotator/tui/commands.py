"""The command palette's provider: every action of the reader, with its key."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from annotator.tui.literal import literal
from annotator.tui.outlets import outlet_label

if TYPE_CHECKING:
    from annotator.tui.screens.main import MainScreen


REMOVE_ARTICLE = "Remove this article…"
"""The palette's entry for `MainScreen.action_remove_article` (it has no key: it is rare and
not to be hit by accident)."""


def _prompt(matcher: Matcher, name: str) -> Content:
    """`name` with the matched letters emphasised, never read as markup (outlets are data)."""
    if "[" in name or "\\" in name:
        return Content(name)
    return matcher.highlight(name)


class AnnotatorCommands(Provider):
    """One command per action of the reader (tagging, finding, view, export, columns…)."""

    def _entries(self) -> list[tuple[str, str, Callable[[], Any]]]:
        from annotator.tui.screens.main import MainScreen

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return []
        return [
            (literal(name, single_line=True), escape(literal(help_text)), run)
            for name, help_text, run in palette_entries(screen)
        ]

    async def discover(self) -> Hits:
        for name, help_text, run in self._entries():
            yield DiscoveryHit(Content(name), run, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _prompt(matcher, name), run, text=name, help=help_text)


def palette_entries(screen: MainScreen) -> list[tuple[str, str, Callable[[], Any]]]:
    """(name, help, run) for every action of the reader, with its keys, and one entry per
    column ("Go to column 4: Worthy News")."""
    app: Any = screen.app
    entries: list[tuple[str, str, Callable[[], Any]]] = []
    seen: dict[str, int] = {}
    for _key, binding in app.help_bindings():
        action = binding.action
        shown = app.get_key_display(binding)
        if action in seen:
            name, help_text, run = entries[seen[action]]
            entries[seen[action]] = (name, f"{help_text} / {shown}", run)
            continue
        if not binding.description or action == "command_palette":
            continue
        if action.startswith("go_column("):  # the columns are listed by name below
            continue
        node = app if action in app.APP_ACTIONS else screen
        seen[action] = len(entries)
        entries.append((binding.description, f"key {shown}", partial(node.run_action, action)))
    if screen.panes:
        entries.append(
            (
                REMOVE_ARTICLE,
                "asks first; a backup of the database is written before",
                partial(screen.run_action, "remove_article"),
            )
        )
    for number, pane in enumerate(screen.panes, start=1):
        entries.append(
            (
                f"Go to column {number}: {outlet_label(pane.article)}",
                f"key {number}" if number < 10 else "tab / shift+tab",
                partial(screen.focus_column, number - 1),
            )
        )
    return entries
