"""The app's light and dark themes and the theme variables its widgets and modals read.

Entity colours (`$entity-person` …) and verdict colours (`$verdict-disputed`, with a
`-tint` background for tagged sentences), the aligned-sentence highlight
(`$aligned-background`, `$aligned-mark`) and the highlighted entity's mentions
(`$mention-background`) are theme variables: a theme may override them,
and `VARIABLE_DEFAULTS` fills them in for Textual's own themes.
"""

from __future__ import annotations

from textual.theme import Theme

ENTITY_LABELS = (
    "PERSON", "ORG", "GPE", "NORP", "LOC", "DATE", "CARDINAL", "QUANTITY", "MONEY",
    "PERCENT", "EVENT", "FAC",
)  # fmt: skip
"""The labels with a colour of their own; any other label uses `$entity-other`."""

DARK = "annotator-dark"
LIGHT = "annotator-light"

_DARK_VARIABLES = {
    "entity-person": "#ffb86c",
    "entity-org": "#8be9fd",
    "entity-gpe": "#c9a4ff",
    "entity-norp": "#ff8fcf",
    "entity-loc": "#a9b8ff",
    "entity-date": "#f1e68c",
    "entity-cardinal": "#7ee0c3",
    "entity-quantity": "#5fd7af",
    "entity-money": "#e6db74",
    "entity-percent": "#f0c27b",
    "entity-event": "#ff9e9e",
    "entity-fac": "#d2b48c",
    "entity-other": "#aab2c0",
    "verdict-confirmed": "#5fd38d",
    "verdict-disputed": "#ff6b6b",
    "verdict-unverified": "#f2c14e",
    "verdict-confirmed-tint": "#1d3527",
    "verdict-disputed-tint": "#432226",
    "verdict-unverified-tint": "#3a3220",
    "sentence-cursor": "#284a7e",
    "sentence-cursor-blurred": "#2b3038",
    "aligned-background": "#17414a",
    "aligned-mark": "#4fd1c5",
    "mention-background": "#5f4813",
    "unsaved": "#ff5f5f",
}

_LIGHT_VARIABLES = {
    "entity-person": "#a85400",
    "entity-org": "#00698a",
    "entity-gpe": "#6a3db5",
    "entity-norp": "#b0246f",
    "entity-loc": "#3c4fc0",
    "entity-date": "#7d6200",
    "entity-cardinal": "#00806a",
    "entity-quantity": "#2e7d5b",
    "entity-money": "#6e6000",
    "entity-percent": "#98591b",
    "entity-event": "#b3261e",
    "entity-fac": "#6d5030",
    "entity-other": "#4f5968",
    "verdict-confirmed": "#17793a",
    "verdict-disputed": "#c0262d",
    "verdict-unverified": "#8f5f00",
    "verdict-confirmed-tint": "#d8f0df",
    "verdict-disputed-tint": "#f9dcdc",
    "verdict-unverified-tint": "#f5ebc9",
    "sentence-cursor": "#bcd3f5",
    "sentence-cursor-blurred": "#e3e6ec",
    "aligned-background": "#c9ebe6",
    "aligned-mark": "#00796b",
    "mention-background": "#f6d98a",
    "unsaved": "#c0262d",
}

VARIABLE_DEFAULTS = {
    **_DARK_VARIABLES,
    # Tints and cursor as translucent colours, so that they sit on any theme's background.
    "verdict-confirmed-tint": "#5fd38d 18%",
    "verdict-disputed-tint": "#ff6b6b 20%",
    "verdict-unverified-tint": "#f2c14e 18%",
    "sentence-cursor": "#5b8def 40%",
    "sentence-cursor-blurred": "#888888 18%",
    "aligned-background": "#4fd1c5 22%",
    "mention-background": "#e0a64b 40%",
}
"""Values for the app's variables under themes that do not define them."""

ANNOTATOR_DARK = Theme(
    name=DARK,
    primary="#5b8def",
    secondary="#3b5ba9",
    accent="#e0a64b",
    warning="#e0a64b",
    error="#ff6b6b",
    success="#5fd38d",
    foreground="#e3e6ea",
    background="#16181c",
    surface="#1d2025",
    panel="#272b32",
    dark=True,
    variables=dict(_DARK_VARIABLES),
)

ANNOTATOR_LIGHT = Theme(
    name=LIGHT,
    primary="#2f5fb3",
    secondary="#4a73c4",
    accent="#a35f00",
    warning="#8f5f00",
    error="#c0262d",
    success="#17793a",
    foreground="#1d2330",
    background="#f7f7f4",
    surface="#ffffff",
    panel="#e6e6e0",
    dark=False,
    variables={**_LIGHT_VARIABLES, "footer-key-foreground": "#2f5fb3"},
)

THEMES = (ANNOTATOR_DARK, ANNOTATOR_LIGHT)
