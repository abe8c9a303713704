"""The claims the reader shows, kept in step with the database that other instances share.

`SharedClaims`, for the main screen: the poll (a timer and the terminal regaining focus ask
`Service.changed_since_last_check`, one cheap `PRAGMA data_version`), re-reading the claims
and repainting only what changed, the conflict dialog when an edit meets a claim changed
elsewhere (both versions shown; nothing lost either way), and the read-only refusal.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from annotator.model import Claim
from annotator.service import ClaimConflict, ServiceError, StoreError
from annotator.tui.outlets import outlet_label
from annotator.tui.screens.reader_comparison import plural

if TYPE_CHECKING:
    from annotator.tui.screens.conflict import Choice
    from annotator.tui.screens.main import MainScreen


class SharedClaims:
    """Polling, re-reading and conflicts of the claims on the main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def check_for_changes(self) -> None:
        """The poll (timer, terminal focus): re-read the claims if another instance wrote."""
        screen = self.screen
        if getattr(screen.app, "quitting", False) or not screen.panes:
            return
        try:
            changed = screen.service.changed_since_last_check()
        except Exception as error:  # a poll must never take the app down
            screen.status.show(f"checking for changes failed: {error}", "error")
            return
        if changed:
            self.reload_claims(announce=True)

    def reload(self) -> None:
        """Re-read every claim now (the timer does it whenever another instance writes)."""
        self.screen.service.changed_since_last_check()  # seen now: no need to poll again
        changed = self.reload_claims()
        what = plural(changed, "sentence") + " changed" if changed else "nothing changed"
        self.screen.status.show(f"claims re-read: {what}")

    def reload_claims(self, *, announce: bool = False) -> int:
        """Show the claims as stored now; repaints only what changed. Returns how many."""
        screen = self.screen
        try:
            claims = screen.service.claims()
        except (StoreError, ServiceError) as error:
            screen.status.show(f"re-reading the claims failed: {error}", "error")
            return 0
        by_article: dict[str, list[Claim]] = defaultdict(list)
        for claim in claims:
            by_article[claim.article_id].append(claim)
        changed = 0
        for pane in screen.panes:
            indexes = pane.column.replace_claims(by_article.get(pane.article.id, ()))
            if indexes:
                changed += len(indexes)
                pane.refresh_counts()
        if changed:
            screen.update_inspector()
            if announce:
                screen.status.show(f"{plural(changed, 'sentence')} changed by another instance")
        return changed

    def show_conflict(self, conflict: ClaimConflict) -> None:
        """Both versions of a claim changed elsewhere; the user keeps one (or cancels)."""
        screen = self.screen
        theirs = conflict.theirs
        heading = f"claim {theirs.id}"
        found = screen.pane_for(theirs.article_id)
        if found is not None:
            pane = found[1]
            pane.column.set_claim(theirs)
            pane.refresh_counts()
            index = pane.column.sentence_index_at(theirs.start)
            where = f"{pane.number} {outlet_label(pane.article)}"
            heading = f"S{index + 1} · {where}" if index is not None else where
        who = theirs.annotator or "someone"
        screen.status.show(f"{heading} was changed by {who}: keep yours or theirs", "warning")
        screen.update_inspector()

        def chosen(choice: Choice | None) -> None:
            if choice is None:
                screen.status.show(f"{heading}: theirs kept, yours not saved")
                return
            self._resolve(conflict.mine if choice == "mine" else theirs, heading, choice)

        from annotator.tui.screens.conflict import ConflictDialog  # when first needed

        me = screen.service.user
        screen.app.push_screen(
            ConflictDialog(heading, theirs.quote, conflict.mine, theirs, me), chosen
        )

    def _resolve(self, chosen: Claim, heading: str, choice: Choice) -> None:
        screen = self.screen
        try:
            stored = screen.service.resolve_conflict(chosen)
        except ClaimConflict as again:  # changed yet again meanwhile
            self.show_conflict(again)
            return
        except (StoreError, ServiceError) as error:
            screen.status.show(f"{heading} not saved: {error}", "error")
            screen.report_unsaved(error)
            return
        found = screen.pane_for(stored.article_id)
        if found is not None:
            found[1].column.set_claim(stored)
            found[1].refresh_counts()
        screen.update_inspector()
        kept = "yours" if choice == "mine" else "theirs"
        screen.status.show(f"{heading}: {kept} kept; the other version is in its history")

    def writable(self) -> bool:
        """False, saying why, when the database is read-only (nothing can be saved)."""
        service = self.screen.service
        if not service.read_only:
            return True
        self.screen.status.show(
            f"read-only: {service.read_only_reason}; nothing can be saved", "warning"
        )
        return False
