"""The key help screen, built from the app's bindings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.tui.literal import literal

OTHER = "Other"


@dataclass(frozen=True)
class HelpRow:
    """One line of help: the keys (e.g. "up / k"), what they do, and the group it is listed in."""

    keys: str
    description: str
    group: str


def key_display(binding: Binding) -> str:
    """How a binding's key is shown: the same rules as `App.get_key_display` (ctrl+s → ^s)."""
    if binding.key_display:
        return binding.key_display
    modifiers, key = binding.parse_key()
    key = format_key(key)
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        key = f"^{key}"
    return "+".join([*modifiers, key])


def _group_of(action: str, groups: Mapping[str, str]) -> str:
    if action in groups:
        return groups[action]
    _namespace, _dot, bare = action.partition(".")
    return groups.get(bare, OTHER) if bare else OTHER


def help_rows(
    bindings: Iterable[tuple[str, Binding]],
    groups: Mapping[str, str],
    *,
    display: Callable[[Binding], str] = key_display,
) -> list[HelpRow]:
    """Help rows from (key, binding) pairs, e.g. iterating a `BindingsMap`.

    Bindings of one action merge into one row ("up / k"); bindings without a description are
    left out; `groups` maps an action to its group ("Other" when absent). Groups come in the
    order of `groups`' values, then "Other"; rows keep the bindings' order within a group.
    Pass `display=app.get_key_display` to honour an app's own key display.
    """
    keys: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    for key, binding in bindings:
        for one in (k.strip() for k in key.split(",")):
            if not one:
                continue
            shown = display(binding if one == binding.key else binding.with_key(one))
            if shown not in keys.setdefault(binding.action, []):
                keys[binding.action].append(shown)
        if binding.description and not descriptions.get(binding.action):
            descriptions[binding.action] = binding.description
    order = list(dict.fromkeys([*groups.values(), OTHER]))
    rows = [
        HelpRow(" / ".join(shown), descriptions[action], _group_of(action, groups))
        for action, shown in keys.items()
        if descriptions.get(action)
    ]
    # sorted() is stable: rows keep the bindings' order inside their group.
    return sorted(rows, key=lambda row: order.index(row.group))


def help_table(rows: Sequence[HelpRow]) -> Table:
    """A two-column table of `rows`, one titled section per group in first-seen order."""
    table = Table(box=None, show_header=False, expand=False, padding=(0, 2, 0, 0))
    table.add_column("keys", no_wrap=True, style="bold")
    table.add_column("description")
    grouped: dict[str, list[HelpRow]] = {}
    for row in rows:
        grouped.setdefault(row.group, []).append(row)
    for number, (group, members) in enumerate(grouped.items()):
        if number:
            table.add_row(Text(""), Text(""))
        table.add_row(Text(literal(group, single_line=True), style="underline"), Text(""))
        for row in members:
            table.add_row(
                Text(literal(row.keys, single_line=True)),
                Text(literal(row.description, single_line=True)),
            )
    return table


class HelpScreen(ModalScreen[None]):
    """The keys, grouped; escape, ?, f1 or q closes."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > #help {
        width: 80%;
        max-width: 90;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    HelpScreen .modal-title {
        text-style: bold;
        margin-bottom: 1;
    }
    HelpScreen #help-scroll {
        height: auto;
        max-height: 60vh;
    }
    HelpScreen .modal-hint {
        margin-top: 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close help", id="help.close"),
        Binding("question_mark", "close", "Close help", id="help.close_question", show=False),
        Binding("f1", "close", "Close help", id="help.close_f1", show=False),
        Binding("q", "close", "Close help", id="help.close_q", show=False),
    ]

    def __init__(self, rows: Sequence[HelpRow], title: str = "annotator — keys") -> None:
        super().__init__()
        self._rows = tuple(rows)
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static(
                Text(literal(self._title, single_line=True)), classes="modal-title", markup=False
            )
            with VerticalScroll(id="help-scroll"):
                yield Static(help_table(self._rows), id="help-table", markup=False)
            yield Static(
                Text("↑↓ scroll · escape, ?, f1 or q close"), classes="modal-hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
