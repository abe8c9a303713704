"""The reader's keys: one list of bindings for the screen, the footer, help and the palette.

Every binding has an `id` (so keys can be remapped) and a description; `show` marks the
few the footer lists.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

BINDINGS: list[BindingType] = [
    # columns
    Binding("tab", "next_column", "Next column", id="main.next_column", show=False),
    Binding("shift+tab", "previous_column", "Previous column", id="main.previous_column",
            show=False),
    Binding("right", "next_column", "Next column", id="main.right", show=False),
    Binding("left", "previous_column", "Previous column", id="main.left", show=False),
    Binding("1", "go_column(1)", "Go to column 1–9", id="main.column_1", show=False,
            key_display="1…9"),
    *(Binding(str(n), f"go_column({n})", "", id=f"main.column_{n}", show=False)
      for n in range(2, 10)),
    # cursor
    Binding("up,k", "cursor(-1)", "Previous sentence", id="main.cursor_up", show=False),
    Binding("down,j", "cursor(1)", "Next sentence", id="main.cursor_down", show=False),
    Binding("pageup", "page(-1)", "Page up", id="main.page_up", show=False),
    Binding("pagedown", "page(1)", "Page down", id="main.page_down", show=False),
    Binding("home", "cursor_home", "First sentence", id="main.home", show=False),
    Binding("end", "cursor_end", "Last sentence", id="main.end", show=False),
    # tagging
    Binding("c", "tag('confirmed')", "Tag confirmed", id="main.confirmed"),
    Binding("d", "tag('disputed')", "Tag disputed", id="main.disputed"),
    Binding("u", "tag('unverified')", "Tag unverified", id="main.unverified"),
    Binding("x", "tag('clear')", "Clear the verdict", id="main.clear", show=False),
    Binding("n", "edit_note", "Edit the note", id="main.note"),
    Binding("e", "edit_evidence", "Set the evidence URL", id="main.evidence", show=False),
    Binding("a", "apply_aligned", "Give the verdict to its aligned sentences",
            id="main.apply_aligned", show=False),
    Binding("z", "undo", "Undo the last change", id="main.undo"),
    Binding("Z,ctrl+y", "redo", "Redo", id="main.redo", show=False),
    # finding
    Binding("slash", "search", "Search articles and notes", id="main.search"),
    Binding("right_square_bracket", "match(1)", "Next match, mention or discrepancy",
            id="main.next_match", show=False),
    Binding("left_square_bracket", "match(-1)", "Previous match, mention or discrepancy",
            id="main.previous_match", show=False),
    Binding("f", "cycle_filter", "Filter: all, tagged, untagged, disputed, check-worthy",
            id="main.filter"),
    # comparing outlets
    Binding("D", "discrepancies", "Discrepancies between the outlets", id="main.discrepancies"),
    Binding("E", "entities", "Entities, spellings and coverage", id="main.entities"),
    Binding("s", "toggle_sync", "Sync scroll on/off (aligned sentences kept in view)",
            id="main.sync", show=False),
    # view
    Binding("i", "toggle_inspector", "Show/hide the claim inspector", id="main.inspector"),
    Binding("l", "pick_labels", "Choose entity labels", id="main.labels", show=False),
    Binding("h", "toggle_highlight", "Entity highlighting on/off", id="main.highlight", show=False),
    # app
    Binding("ctrl+e", "export", "Export annotations", id="main.export", show=False),
    Binding("ctrl+r", "reload", "Re-read changes saved by other instances", id="main.reload",
            show=False),
    Binding("question_mark,f1", "help", "Help", id="main.help"),
    Binding("q", "quit", "Quit", id="main.quit"),
]  # fmt: skip

FOOTER_LABELS: dict[str, str] = {
    "tag('confirmed')": "Confirmed",
    "tag('disputed')": "Disputed",
    "tag('unverified')": "Unverified",
    "edit_note": "Note",
    "undo": "Undo",
    "search": "Search",
    "cycle_filter": "Filter",
    "discrepancies": "Discrepancies",
    "entities": "Entities",
    "toggle_inspector": "Inspector",
}
"""Short names for the footer; the help and the palette use the bindings' descriptions."""

FOOTER_OPTIONAL = ("discrepancies", "entities")
"""Footer keys left out when the terminal is too narrow for them (help and palette list them)."""

HELP_GROUPS: dict[str, str] = {
    "next_column": "Columns",
    "previous_column": "Columns",
    "go_column(1)": "Columns",
    "cursor(-1)": "Sentence cursor",
    "cursor(1)": "Sentence cursor",
    "page(-1)": "Sentence cursor",
    "page(1)": "Sentence cursor",
    "cursor_home": "Sentence cursor",
    "cursor_end": "Sentence cursor",
    "tag('confirmed')": "Tagging",
    "tag('disputed')": "Tagging",
    "tag('unverified')": "Tagging",
    "tag('clear')": "Tagging",
    "edit_note": "Tagging",
    "edit_evidence": "Tagging",
    "apply_aligned": "Tagging",
    "undo": "Tagging",
    "redo": "Tagging",
    "search": "Finding",
    "match(1)": "Finding",
    "match(-1)": "Finding",
    "cycle_filter": "Finding",
    "discrepancies": "Comparing outlets",
    "entities": "Comparing outlets",
    "toggle_sync": "Comparing outlets",
    "toggle_inspector": "View",
    "pick_labels": "View",
    "toggle_highlight": "View",
    "toggle_theme": "View",
    "export": "App",
    "reload": "App",
    "help": "App",
    "command_palette": "App",
    "quit": "App",
}
"""The help screen's sections, by action."""
