"""The Textual application: themes, app-wide keys, and the entry point the CLI calls."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.console import RenderableType
from textual.app import App
from textual.binding import Binding, BindingsMap, BindingType
from textual.events import AppFocus, DescendantFocus
from textual.screen import Screen

import annotator
from annotator.service import Service
from annotator.tui.hangup import CHECK_SECONDS, end_after_hangup, terminal_gone
from annotator.tui.screens.main import MainScreen
from annotator.tui.themes import DARK, LIGHT, THEMES, VARIABLE_DEFAULTS

if TYPE_CHECKING:
    from textual.command import Provider

BENCH_ENV = "ANNOTATOR_BENCH"
"""Set to 1 by `make bench`: binds f12 to a no-op action, the baseline of its key latencies."""


def annotator_commands() -> type[Provider]:
    """The command palette's provider, imported when the palette first opens (importing
    textual.command at start-up would cost ~50 ms before the first paint)."""
    from annotator.tui.commands import AnnotatorCommands

    return AnnotatorCommands


def stylesheet_path() -> Path:
    """The stylesheet: inside the package when installed from a wheel, else the repository's."""
    packaged = Path(annotator.__file__).resolve().parent / "styles.tcss"
    if packaged.exists():
        return packaged
    return packaged.parent.parent / "styles.tcss"


class AnnotatorApp(App[int]):
    """Read several outlets' reports of one story side by side and tag their claims."""

    TITLE = "annotator"
    CSS_PATH = stylesheet_path()
    COMMANDS = App.COMMANDS | {annotator_commands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_theme", "Light/dark theme", id="app.toggle_theme", show=False),
    ]

    APP_ACTIONS: ClassVar[frozenset[str]] = frozenset({"toggle_theme", "command_palette"})
    """Actions that run on the app (the others run on the main screen)."""

    def __init__(
        self,
        service: Service,
        paths: Sequence[str | Path] = (),
        *,
        analyse: bool = True,
        theme: str = DARK,
    ) -> None:
        super().__init__()
        self.service = service
        self.paths = tuple(str(path) for path in paths)
        self.analyse = analyse
        self.quitting = False
        self._terminal = -1  # stdin's descriptor, watched for a hang-up (see `hangup`)
        for each in THEMES:
            self.register_theme(each)
        self.theme = theme
        if os.environ.get(BENCH_ENV) == "1":
            self.bind("f12", "bench_noop", description="Benchmark no-op", show=False)
            self.bind("f11", "bench_redraw", description="Benchmark redraw", show=False)

    def on_mount(self) -> None:
        if not self.is_headless and sys.__stdin__ is not None and sys.__stdin__.isatty():
            self._terminal = sys.__stdin__.fileno()
            self.set_interval(CHECK_SECONDS, self._check_terminal)

    def _check_terminal(self) -> None:
        """End when the terminal has gone (see `hangup`): everything is saved already."""
        if terminal_gone(self._terminal):
            end_after_hangup(self.service.close)

    def action_bench_noop(self) -> None:
        """Change nothing, repaint the one-line status bar: the baseline key of `make bench`
        (a key whose action paints nothing would give no frame to time)."""
        status = getattr(self.screen, "status", None)
        if status is not None:
            status.refresh()

    def action_bench_redraw(self) -> None:
        """Change nothing, draw the whole screen again: the benchmark's reference for the
        keys that change most of the screen (what drawing it costs, whatever the key did)."""
        self.screen.refresh()

    def exit(
        self, result: int | None = None, return_code: int = 0, message: RenderableType | None = None
    ) -> None:
        # Keys typed after quitting must not open dialogs on a closing app.
        self.quitting = True
        super().exit(result, return_code, message)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self.service, self.paths, analyse=self.analyse)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        # No blinking cursor anywhere: calmer, and snapshots stay deterministic.
        widget = event.widget
        if getattr(widget, "cursor_blink", False):
            widget.cursor_blink = False  # type: ignore[attr-defined]

    def on_app_focus(self, event: AppFocus) -> None:
        # Back in the terminal: show at once what another instance saved meanwhile.
        screen = self.screen_stack[0] if self.screen_stack else None
        if isinstance(screen, MainScreen):
            screen.check_for_changes()

    def action_toggle_theme(self) -> None:
        """Switch between the light and the dark theme."""
        self.theme = LIGHT if self.theme == DARK else DARK

    def help_bindings(self) -> list[tuple[str, Binding]]:
        """(key, binding) of every key the reader has, for the help screen and the palette."""
        palette = Binding(
            self.COMMAND_PALETTE_BINDING, "command_palette", "Command palette", id="app.palette"
        )
        bindings = BindingsMap([*MainScreen.BINDINGS, *self.BINDINGS, palette])
        return list(bindings)


def make_app(
    service: Service,
    paths: Sequence[str | Path] = (),
    *,
    analyse: bool = True,
    theme: str = DARK,
) -> AnnotatorApp:
    """The app over `service` (tests build the service over a tmp_path store and a fake NLP)."""
    return AnnotatorApp(service, paths, analyse=analyse, theme=theme)


def run_app(service: Service, paths: Sequence[str | Path]) -> int:
    """Run the reader until the user quits; the exit code for the console script."""
    app = make_app(service, paths)
    result = app.run()
    if app.return_code:
        return app.return_code
    return result or 0
