"""Removing the current article from the story (an article imported by mistake).

For the main screen's `action_remove_article` (command palette: "Remove this article…"):
a `ConfirmDialog` first; then `Service.remove_articles` in a thread worker (it writes a
backup of the database with `VACUUM INTO` before removing, which takes a moment on a large
file), the columns rebuilt without the article, and the status line and a toast say where
the backup is. A read-only database is refused before anything is asked. A failure of the
worker itself ends in the screen's `on_worker_state_changed`, as every worker's does.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from annotator.model import Article
from annotator.service import OpenReport, Removal, ServiceError, StoreError
from annotator.tui.literal import literal
from annotator.tui.outlets import outlet_label
from annotator.tui.screens.confirm import ConfirmDialog
from annotator.tui.screens.reader_comparison import plural
from annotator.tui.screens.reader_loading import LoadedArticle, load

if TYPE_CHECKING:
    from annotator.tui.screens.main import MainScreen


def ask_to_remove(screen: MainScreen) -> None:
    """Ask whether to remove the current column's article; remove it if the answer is yes."""
    if not screen.shared.writable():
        return
    pane = screen.current_pane
    if pane is None:
        screen.status.show("no article is open", "warning")
        return
    article = pane.article
    tagged = sum(pane.column.counts())
    title = literal(article.title, single_line=True)
    message = (
        f"Column {pane.number}, {outlet_label(article)}: “{title}”.\n\n"
        f"Its sentences and {plural(tagged, 'tagged claim')} leave the story. A backup of "
        "the database is written first, and the claims' values stay in the audit trail."
    )

    def answered(yes: bool | None) -> None:
        if not yes:
            screen.status.show("nothing removed")
            return
        screen.status.show_progress("backing up the database, then removing…", busy=True)
        remaining = [p.article for p in screen.panes if p.article.id != article.id]
        screen.run_worker(
            partial(_remove, screen, article, remaining),
            name="remove",
            group="remove",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    screen.app.push_screen(
        ConfirmDialog("Remove this article?", message, yes="remove it"), answered
    )


def _remove(screen: MainScreen, article: Article, remaining: list[Article]) -> None:
    """The removal, in a thread worker (the backup takes a moment on a large database); the
    screen is told by callbacks run in its own message loop (`call_later` is thread-safe)."""
    try:
        removal = screen.service.remove_articles([article.id])
    except (StoreError, ServiceError) as error:
        screen.call_later(_not_removed, screen, error)
        return
    loaded = [load(screen.service, other) for other in remaining]
    screen.call_later(_removed, screen, article, removal, loaded)


def _not_removed(screen: MainScreen, error: Exception) -> None:
    screen.status.show_progress("")
    screen.status.show(f"not removed: {error}", "error")
    screen.report_unsaved(error)


async def _removed(
    screen: MainScreen, article: Article, removal: Removal, loaded: list[LoadedArticle]
) -> None:
    """Rebuild the columns without the article as when the story was opened (the others keep
    their order and are numbered afresh, the first is focused, the outlets are compared
    again), and say where the backup is."""
    screen.comparing.forget()  # it compared the removed article too
    remaining = [item.article for item in loaded]
    await screen.on_main_screen_opened(screen.Opened(OpenReport(remaining), loaded, 0))
    claims = plural(removal.claims, "claim")
    where = f"backup in {removal.backup}" if removal.backup is not None else "no backup (in memory)"
    text = f"removed {outlet_label(article)} with its {claims}; {where}"
    screen.status.show(text)
    screen.notify(literal(text), title="Article removed", markup=False)
