"""Text fields that never hold a control character, however the text gets in.

Textual's `Input` and `TextArea` keep pasted or assigned text as is, and an ESC in their text
is written to the terminal when they render; these replace control characters with visible
stand-ins (`annotator.tui.literal.literal`) on the way in.
"""

from __future__ import annotations

from textual.widgets import Input, TextArea
from textual.widgets.text_area import EditResult, Location

from annotator.tui.literal import literal


class PrintableInput(Input):
    """An `Input` whose value never holds a control character (typed, pasted or assigned)."""

    def validate_value(self, value: str) -> str:
        """Reactive validator of `value`: every change passes through here."""
        return literal(value, single_line=True)


class PrintableTextArea(TextArea):
    """A `TextArea` whose typed or pasted text has control characters replaced by stand-ins.

    Text given to the constructor or `load_text` is the caller's to clean.
    """

    def _replace_via_keyboard(
        self, insert: str, start: Location, end: Location
    ) -> EditResult | None:
        # Typing, a terminal paste and the paste action all insert through here.
        return super()._replace_via_keyboard(literal(insert), start, end)
