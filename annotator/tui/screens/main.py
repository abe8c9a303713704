"""The reader: article columns side by side, tagging, search, filter, inspector, export, and
the comparison of the outlets (aligned sentences, discrepancies, entities, check-worthiness).

The screen owns the view state (filter, highlighting, hidden labels, sync scroll) as
reactives that the columns and the legend bind to; columns report cursor moves by message.
Slow work (opening files, the language model, comparing the outlets, export) runs in
threads that only post messages: thread workers, or daemon threads for the work that cannot
stop halfway (the model, the comparison), so that quitting never waits for it; their
failures are handled in one place, `_failed`. A timer (and the terminal regaining focus)
asks the service whether another instance wrote (`PRAGMA data_version`) and re-reads the
claims if so; an edit of a claim changed elsewhere opens the conflict dialog.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import Reactive, var
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from annotator.model import Claim, Sentence, Verdict
from annotator.service import (
    CHECK_WORTHY,
    EXPORT_FORMATS,
    ClaimConflict,
    ConflictError,
    OpenReport,
    SearchHit,
    Service,
    ServiceError,
    StoreError,
    evidence_url_problem,
)
from annotator.sources import is_url
from annotator.tui import heap
from annotator.tui.compositor import SpanCompositor
from annotator.tui.frames import take_pending_repaints
from annotator.tui.keys import BINDINGS, FOOTER_LABELS, FOOTER_OPTIONAL, HELP_GROUPS
from annotator.tui.literal import literal
from annotator.tui.outlets import outlet_label, outlet_parts
from annotator.tui.screens.reader_claims import SharedClaims
from annotator.tui.screens.reader_comparison import ComparisonView, plural
from annotator.tui.screens.reader_loading import (
    ColumnLoader,
    Loaded,
    LoadedArticle,
    load,
    read_first,
)
from annotator.tui.themes import ENTITY_LABELS
from annotator.tui.widgets.article_column import FILTERS, ArticleColumn
from annotator.tui.widgets.article_pane import ArticlePane
from annotator.tui.widgets.column_tabs import ColumnTabs
from annotator.tui.widgets.columns_row import ColumnsRow
from annotator.tui.widgets.inspector import ClaimInspector
from annotator.tui.widgets.key_bar import KeyBar
from annotator.tui.widgets.legend import EntityLegend
from annotator.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from annotator.compare import Comparison, MergedEntity
    from annotator.tui.screens.export_dialog import ExportRequest
    from annotator.tui.screens.prompt import TextPrompt
    from annotator.tui.screens.search import SearchResult, SearchScreen

# The dialogs (search, note editor, export, help…) are imported when first opened: with
# Textual's TextArea and their widgets they cost tens of milliseconds at start-up.

WidgetType = TypeVar("WidgetType", bound=Widget)

DEFAULT_EXPORT = "annotations.csv"
POLL_SECONDS = 1.5
"""How often the reader asks whether another instance wrote (one cheap PRAGMA)."""
OPEN_AT_ONCE_BYTES = 2_000_000
"""Local files up to this size in all are opened before the first paint (a few ms per
article), so that the reader's first frame shows them; more, or any URL, in a worker
behind an "opening…" screen."""

FILTER_NAMES = {
    "all": "all sentences",
    "tagged": "tagged only",
    "untagged": "untagged only",
    "disputed": "disputed only",
    "check-worthy": f"check-worthy only (score ≥ {CHECK_WORTHY:.2f})",
}


class AnalysisStopped(Exception):
    """Raised from the progress callback to end the analysis early (the app is closing)."""


def evidence_prompt(sentence: Sentence, url: str) -> TextPrompt:
    """The dialog that edits the evidence URL `url` of `sentence`."""
    from annotator.tui.screens.prompt import TextPrompt

    return TextPrompt(
        f"Evidence URL for S{sentence.number}",
        url,
        placeholder="https://…",
        validate=evidence_url_problem,
        hint="enter save · empty removes it · escape cancel",
    )


class MainScreen(Screen[None]):
    """The side-by-side reader over one service."""

    BINDINGS: ClassVar[list[BindingType]] = BINDINGS

    AUTO_FOCUS = None

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """As `Screen.focused`, without repainting the whole screen on every focus change (the
    widgets whose look depends on the focus repaint themselves): moving to the next column
    cost a full repaint, 60 ms of a 75 ms key."""

    filter_mode: var[str] = var("all")
    highlight: var[bool] = var(True)
    hidden_labels: var[frozenset[str]] = var(frozenset())
    sync_scroll: var[bool] = var(False)

    @dataclass
    class Opened(Message):
        """The open worker has read the articles (and knows how many await the model)."""

        report: OpenReport
        loaded: list[LoadedArticle]
        pending: int

    @dataclass
    class AnalysisProgress(Message):
        """`done` of `total` pending articles have been analysed."""

        done: int
        total: int

    @dataclass
    class Analysed(Message):
        """The model has run: the fresh sentences (and claims) of the open articles."""

        loaded: list[LoadedArticle]
        count: int

    @dataclass
    class AnalysisFailed(Message):
        """Analysing the pending articles raised `error`."""

        error: Exception

    @dataclass
    class Compared(Message):
        """The comparison of the outlets is ready (discrepancies and scores computed); None
        when only a stored one was asked for and the database has none."""

        comparison: Comparison | None

    @dataclass
    class CompareFailed(Message):
        """Comparing the outlets raised `error`."""

        error: Exception

    @dataclass
    class Exported(Message):
        """`count` claims were written to `path`."""

        count: int
        path: str

    def __init__(self, service: Service, paths: Sequence[str] = (), *, analyse: bool = True):
        super().__init__()
        self._compositor = SpanCompositor()  # draws only the spans a frame changes
        self.service = service
        self.paths = tuple(str(p) for p in paths)
        self.analyse = analyse
        self.current = 0
        self._shown = -1  # the column `_show_column` last made current
        # What the inspector and the aligned marks last followed: (column, cursor, claim).
        self._followed: tuple[ArticleColumn, int, Claim | None] | None = None
        self.search_result: SearchResult | None = None
        self.match = 0
        self.last_query = ""
        self._search_screen: SearchScreen | None = None
        self._warned_no_model = False
        self._widgets: dict[str, Widget] = {}
        self._pane_index: dict[str, int] = {}  # article id -> its pane's index
        self._tab_labels: list[tuple[str, str]] = []  # (name, note) of each pane's outlet
        self.analysing = False  # the language model is running
        self._closed_down = threading.Event()  # the screen has gone: background work stops
        self._ready = ""  # what the progress area says once the model has run
        self._failures: dict[str, str] = {}  # article id -> why the model failed on it
        self.stepping = "search"  # what ] and [ step through: search, mentions, discrepancies
        self.comparing = ComparisonView(self)
        self.shared = SharedClaims(self)
        self.loader = ColumnLoader(self)
        self._pending = 0  # articles awaiting the model when the story was opened

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No action runs once the app is quitting (keys typed after `q`)."""
        return not getattr(self.app, "quitting", False)

    # -- layout --

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="reader"):
                yield ColumnTabs(id="tabs")
                yield EntityLegend(id="legend").data_bind(
                    MainScreen.highlight, MainScreen.hidden_labels
                )
                yield ColumnsRow(id="columns")
                yield StatusLine(id="status")
            yield ClaimInspector(id="inspector")
        app: Any = self.app
        yield KeyBar(
            [binding for binding in self.BINDINGS if isinstance(binding, Binding)],
            app.get_key_display,
            labels=FOOTER_LABELS,
            optional=FOOTER_OPTIONAL,
            right=(app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, "")), "Commands"),
            id="keys",
        )

    def _widget(self, selector: str, kind: type[WidgetType]) -> WidgetType:
        """A widget of the screen by id, looked up once (queries walk the whole DOM)."""
        found = self._widgets.get(selector)
        if found is None:
            found = self._widgets[selector] = self.query_one(selector, kind)
        assert isinstance(found, kind)
        return found

    @property
    def status(self) -> StatusLine:
        return self._widget("#status", StatusLine)

    @property
    def row(self) -> ColumnsRow:
        return self._widget("#columns", ColumnsRow)

    @property
    def tabs(self) -> ColumnTabs:
        return self._widget("#tabs", ColumnTabs)

    @property
    def legend(self) -> EntityLegend:
        return self._widget("#legend", EntityLegend)

    @property
    def inspector(self) -> ClaimInspector:
        return self._widget("#inspector", ClaimInspector)

    @property
    def panes(self) -> list[ArticlePane]:
        return self.row.panes

    @property
    def columns(self) -> list[ArticleColumn]:
        return [pane.column for pane in self.panes]

    @property
    def current_pane(self) -> ArticlePane | None:
        panes = self.panes
        return panes[self.current] if 0 <= self.current < len(panes) else None

    @property
    def current_column(self) -> ArticleColumn | None:
        pane = self.current_pane
        return pane.column if pane is not None else None

    def pane_index(self, article_id: str) -> int | None:
        """The index of an article's pane (None when it is not open)."""
        return self._pane_index.get(article_id)

    def pane_for(self, article_id: str) -> tuple[int, ArticlePane] | None:
        """The pane of an article (its column read first, if it is still empty)."""
        found = self._pane_at(article_id)
        if found is not None:
            self.loader.ensure(found[1])
        return found

    def _pane_at(self, article_id: str) -> tuple[int, ArticlePane] | None:
        index = self._pane_index.get(article_id)
        return (index, self.panes[index]) if index is not None else None

    @property
    def closed_down(self) -> bool:
        """Whether the screen has gone (background work stops)."""
        return self._closed_down.is_set()

    def _notify(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information"
    ) -> None:
        """A toast showing `message` literally (Textual would otherwise read it as markup)."""
        self.notify(
            literal(message), title=literal(title, single_line=True), severity=severity,
            markup=False,
        )  # fmt: skip

    def describe(self, article_id: str) -> str:
        """How an article is named in search results: its column number and outlet."""
        found = self.pane_for(article_id)
        if found is None:
            article = self.service.article(article_id)
            return outlet_label(article) if article else article_id[:12]
        return f"{found[1].number} {outlet_label(found[1].article)}"

    def _compositor_refresh(self) -> None:
        take_pending_repaints(self)  # in this frame, not the next (see `frames`)
        super()._compositor_refresh()

    # -- opening and analysing --

    async def on_mount(self) -> None:
        what = f"{len(self.paths)} path{'s' if len(self.paths) != 1 else ''}"
        self.status.show_progress(f"opening {what}…" if self.paths else "opening…")
        if self.service.read_only:
            self.status.set_badge("read-only")
        self._update_info()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.set_interval(POLL_SECONDS, self.check_for_changes)
        self.set_timer(heap.PAUSE_LIMIT, heap.resume)  # should the columns never come
        if self.paths and local_and_small(self.paths, OPEN_AT_ONCE_BYTES):
            # Opened and laid out before anything is drawn: the first frame shows them.
            with self.app.batch_update():
                await self.on_main_screen_opened(self._opened())
        else:
            self._open()

    def _theme_changed(self, theme: object) -> None:
        self.update_inspector()  # its entity and verdict colours are baked into its text

    @work(thread=True, exclusive=True, exit_on_error=False, group="open", name="open")
    def _open(self) -> None:
        self.post_message(self._opened())

    def _opened(self) -> Opened:
        """Open the paths (or the database's articles) and read the columns in view."""
        service = self.service
        report = service.open_paths(self.paths) if self.paths else OpenReport(service.articles())
        first = read_first(report.articles, self.app.size.width)
        loaded = [load(service, article) for article in first]
        return self.Opened(report, loaded, len(service.pending_analysis()))

    async def on_main_screen_opened(self, message: Opened) -> None:
        for error in message.report.errors:
            self._notify(literal(error, single_line=True), title="Not opened", severity="error")
        read = {item.article.id: item for item in message.loaded}
        panes = [
            ArticlePane(item.article, item.sentences, item.claims, number=number)
            if (item := read.get(article.id)) is not None
            else ArticlePane(article, (), (), number=number, unread=True)
            for number, article in enumerate(message.report.articles, start=1)
        ]
        for pane in panes:
            pane.column.data_bind(
                MainScreen.filter_mode, MainScreen.highlight, MainScreen.hidden_labels
            )
        self._pane_index = {pane.article.id: index for index, pane in enumerate(panes)}
        # Named once: the tab row is updated on every move between columns.
        self._tab_labels = [outlet_parts(pane.article) for pane in panes]
        await self.row.set_panes(panes)
        self.status.show_progress("")
        self.update_labels()
        self._shown = -1
        if panes:
            panes[0].column.focus()
            self._show_column(0)
            self.status.show(plural(len(panes), "article"))
        else:
            self.status.show("no articles to show: give files or folders of articles", "error")
        service = self.service
        if service.read_only:
            reason = service.read_only_reason
            self.status.show(
                f"read-only ({reason}): reading works, nothing can be saved", "warning"
            )
        self._pending = message.pending
        self.loader.start([pane.article for pane in panes if pane.article.id not in read])
        self.call_after_refresh(heap.resume)  # the collector, paused by `annotator open`

    def on_loaded(self, message: Loaded) -> None:
        self.loader.on_loaded(message)

    def all_read(self) -> None:
        """Every column has its sentences: run the model or compare."""
        service = self.service
        if service.analyzer is None:
            if service.analyzer_error and not self._warned_no_model:
                self._warned_no_model = True
                self._notify(
                    literal(service.analyzer_error), title="No entities", severity="warning"
                )
                self.status.show(service.analyzer_error, "warning")
            self.comparing.start(auto=True)
        elif self.analyse and self._pending and not service.read_only:
            self.status.show_progress("loading the language model…")
            self.analysing = True
            self._analyse()
        else:
            self.comparing.start(auto=True)
        heap.settle()  # the story's articles are built

    def _analyse(self) -> None:
        """Run the language model over the pending articles in the background.

        A daemon thread rather than a Textual worker, as `compare` is: a model stuck on a
        text holds its call for up to the analysis time limit, and the app must quit at once
        all the same, where a worker's thread would hold the exit until the call ended. It
        only posts messages (`AnalysisProgress`, `Analysed`, `AnalysisFailed`), and stops
        after the batch it is in once the screen has gone (`on_unmount`).
        """
        thread = threading.Thread(target=self._run_analysis, name="analyse", daemon=True)
        thread.start()

    def _run_analysis(self) -> None:
        def progress(done: int, total: int) -> None:
            if self._closed_down.is_set():  # the app is closing: stop after this batch
                raise AnalysisStopped
            self.post_message(self.AnalysisProgress(done, total))

        try:
            count = self.service.analyse_pending(progress)
            loaded = [load(self.service, pane.article) for pane in self.panes]
        except AnalysisStopped:
            return
        except Exception as error:  # reported as a worker's failure is
            self.post_message(self.AnalysisFailed(error))
            return
        self.post_message(self.Analysed(loaded, count))

    def on_unmount(self) -> None:
        self._closed_down.set()

    def on_main_screen_analysis_failed(self, message: AnalysisFailed) -> None:
        self._failed("analyse", message.error)

    def on_main_screen_analysis_progress(self, message: AnalysisProgress) -> None:
        self.status.show_progress(f"analysing {message.done}/{message.total}…")

    def on_main_screen_analysed(self, message: Analysed) -> None:
        self.analysing = False
        fresh = {item.article.id: item for item in message.loaded}
        for pane in self.panes:
            item = fresh.get(pane.article.id)
            if item is not None:
                pane.column.set_sentences(item.sentences, item.claims)
                pane.refresh_counts()
        self.comparing.forget()  # compared on the old sentences
        self.update_labels()
        self.update_inspector()
        analyzer = self.service.analyzer
        model = analyzer.model_key if analyzer is not None else ""
        self._ready = f"entities ready ({model})" if model else "entities ready"
        self.status.show_progress(self._ready)
        self._update_failures()
        self.comparing.start(auto=True)
        heap.settle()  # their new sentences and entities are built

    def _update_failures(self) -> None:
        """Show the articles the model failed on: header, inspector, status and a toast."""
        failures = {f.article_id: f for f in self.service.analysis_failures()}
        new = [f for article_id, f in failures.items() if article_id not in self._failures]
        self._failures = {article_id: f.reason for article_id, f in failures.items()}
        for pane in self.panes:
            pane.header.set_failure(self._failures.get(pane.article.id, ""))
        if not new:
            return
        names = ", ".join(self.describe(f.article_id) for f in new[:3])
        more = f" and {len(new) - 3} more" if len(new) > 3 else ""
        message = (
            f"analysis failed for {plural(len(new), 'article')} ({names}{more}): "
            f"{new[0].reason}; they keep their sentences, without entities"
        )
        self.status.show(message, "error")
        self._notify(message, title="Analysis failed", severity="error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker failure ends up here (and the analysis's and the comparison's, by
        message)."""
        if event.state is WorkerState.ERROR:
            self._failed(event.worker.name, event.worker.error)

    def _failed(self, name: str, error: BaseException | None) -> None:
        """Say that background work `name` failed: status line and notification."""
        what = {
            "open": "Opening failed",
            "load": "Reading the articles failed",
            "analyse": "Analysis failed (reading and tagging still work)",
            "compare": "Comparing the outlets failed (reading and tagging still work)",
            "export": "Export failed",
        }.get(name, "Failed")
        message = literal(str(error) or type(error).__name__, single_line=True)
        self.status.show_progress("")
        self.status.show(f"{what}: {message}", "error")
        self._notify(message, title=what, severity="error")
        if name == "compare":
            self.comparing.failed()
            self.update_inspector()
        elif name == "analyse":
            self.analysing = False
            self.comparing.start(auto=True)  # on the sentences there are

    # -- comparing the outlets (`reader_comparison.ComparisonView`) --

    def compare(self, *, stored_only: bool = False) -> None:
        """Compare the outlets in the background (started by `ComparisonView.start`);
        `stored_only`: only the comparison the database has stored (None if none).

        A daemon thread rather than a Textual worker: the comparison cannot stop halfway
        (scikit-learn's import and the matrix products take seconds), and the app must
        quit at once all the same, where a worker's thread would hold the exit until it
        ended. Like a worker, it only posts messages (`Compared`, `CompareFailed`).
        """
        thread = threading.Thread(
            target=self._compare, args=(stored_only,), name="compare", daemon=True
        )
        thread.start()

    def _compare(self, stored_only: bool) -> None:
        service = self.service
        try:
            comparison = service.stored_comparison() if stored_only else service.comparison()
            if comparison is not None:
                comparison.triage()  # the discrepancies and scores too: keys never wait
        except Exception as error:  # reported as a worker's failure is
            self.post_message(self.CompareFailed(error))
            return
        self.post_message(self.Compared(comparison))

    def on_main_screen_compare_failed(self, message: CompareFailed) -> None:
        self._failed("compare", message.error)

    def on_main_screen_compared(self, message: Compared) -> None:
        self.comparing.ready(message.comparison, self._ready)

    @property
    def comparison(self) -> Comparison | None:
        """The comparison of the outlets, once the worker has computed it."""
        return self.comparing.comparison

    @property
    def entity(self) -> MergedEntity | None:
        """The entity the Entities panel highlighted, if any."""
        return self.comparing.entity

    def watch_sync_scroll(self, on: bool) -> None:
        if self.is_mounted:
            self._update_info()
            if on:
                self.comparing.update_aligned()

    def action_toggle_sync(self) -> None:
        """Sync scroll: the other columns keep the sentence aligned with the selected in view."""
        self.comparing.toggle_sync()

    def action_discrepancies(self) -> None:
        """The Discrepancies panel: every discrepancy, both readings; enter goes there."""
        self.comparing.open_discrepancies()

    def action_entities(self) -> None:
        """The Entities panel: merged entities, spellings and coverage; enter highlights one."""
        self.comparing.open_entities()

    def action_apply_aligned(self) -> None:
        """Give the selected sentence's verdict to its aligned sentences (one undo step)."""
        self.comparing.apply_aligned()

    # -- other instances (`reader_claims.SharedClaims`) --

    def check_for_changes(self) -> None:
        """The poll (timer, terminal focus): re-read the claims if another instance wrote."""
        self.shared.check_for_changes()

    def action_reload(self) -> None:
        """Re-read every claim now (the timer does it whenever another instance writes)."""
        self.shared.reload()

    # -- state shown around the columns --

    def update_labels(self) -> None:
        counts = self.label_counts()
        known = [label for label in ENTITY_LABELS if label in counts]
        self.legend.set_labels(known + sorted(set(counts) - set(known)))

    def label_counts(self) -> Counter[str]:
        """Entities per label across the open articles."""
        total: Counter[str] = Counter()
        for column in self.columns:
            total.update(column.label_counts())
        return total

    def _update_info(self) -> None:
        sync = " · sync scroll" if self.sync_scroll else ""
        self.legend.set_info(f"filter: {self.filter_mode}{sync}")
        self._update_tabs()

    def _update_tabs(self) -> None:
        row = self.row
        panes = self.panes
        self.tabs.show(self._tab_labels, self.current, row.first, min(row.per_view, len(panes)))

    def on_columns_row_window_changed(self, message: ColumnsRow.WindowChanged) -> None:
        self._update_tabs()

    async def on_column_tabs_chosen(self, message: ColumnTabs.Chosen) -> None:
        await self.focus_column(message.index)

    def watch_filter_mode(self, mode: str) -> None:
        if self.is_mounted:
            self._update_info()

    async def on_descendant_focus(self, event: DescendantFocus) -> None:
        """A column took the focus some other way than `focus_column` (a click)."""
        if isinstance(event.widget, ArticleColumn):
            index = self._pane_index.get(event.widget.article.id)
            if index is not None and index != self._shown:
                await self.row.reveal(index)
                self._show_column(index)

    def on_article_column_cursor_moved(self, message: ArticleColumn.CursorMoved) -> None:
        column = message.column
        if column is self.current_column and self._followed != self._cursor_state(column):
            self._follow_cursor(column)

    def _follow_current(self) -> None:
        column = self.current_column
        if column is not None:
            self._follow_cursor(column)
        else:
            self.update_inspector()

    def _cursor_state(self, column: ArticleColumn) -> tuple[ArticleColumn, int, Claim | None]:
        return column, column.cursor, column.display_claim(column.cursor)

    def _follow_cursor(self, column: ArticleColumn) -> None:
        """Show in the inspector and the other columns' aligned marks what the cursor of the
        current `column` is on. Called by the key's own handler: the column's `CursorMoved`
        arrives after the key's frame, and following it then drew a second frame (the
        message still comes, and finds nothing left to do)."""
        self._followed = self._cursor_state(column)
        self.update_inspector()
        self.comparing.update_aligned()

    def update_inspector(self) -> None:
        inspector = self.inspector
        if not inspector.display:
            return
        column = self.current_column
        sentence = column.current_sentence if column is not None else None
        if column is None or sentence is None:
            inspector.show_nothing()
            return
        claim = column.display_claim(sentence.index)
        stored = column.stored_claim(sentence.index)
        history = self.service.history(stored.id) if stored is not None else []
        inspector.show_claim(
            heading=f"S{sentence.number} · {column.number} {outlet_label(column.article)}",
            sentence=sentence,
            claim=claim,
            history=history,
            error=column.unsaved_error(sentence.index),
            comparison=self.comparing.info(column.article.id, sentence.index),
            failure=self._failures.get(column.article.id, ""),
        )

    # -- columns and cursor --

    async def focus_column(self, index: int) -> None:
        """Move to column `index` (0-based): into view, mounted, focused."""
        panes = self.panes
        if not panes:
            return
        index = max(0, min(len(panes) - 1, index))
        self.loader.ensure(panes[index])
        await self.row.reveal(index)
        # Not `focus()`, which repaints all the column; no scrolling into view: the window
        # of panes does it.
        self.set_focus(panes[index].column, scroll_visible=False)
        self._show_column(index)

    def _show_column(self, index: int) -> None:
        """Make column `index` the current one everywhere at once: its header marked, the
        tabs, the inspector and the aligned sentences of the others. (Done here, in the
        key's own handler, rather than when the focus events arrive: then the key's whole
        effect is drawn in one frame, not two or three.)"""
        panes = self.panes
        if 0 <= self._shown < len(panes) and self._shown != index:
            panes[self._shown].header.set_focused(False)
        self.current = self._shown = index
        panes[index].header.set_focused(True)
        self._update_tabs()
        self.update_inspector()
        self.comparing.update_aligned()

    async def action_next_column(self) -> None:
        if self.panes:
            await self.focus_column((self.current + 1) % len(self.panes))

    async def action_previous_column(self) -> None:
        if self.panes:
            await self.focus_column((self.current - 1) % len(self.panes))

    async def action_go_column(self, number: int) -> None:
        if number > len(self.panes):
            self._notify(f"there is no column {number}", severity="warning")
            return
        await self.focus_column(number - 1)

    def action_cursor(self, delta: int) -> None:
        if (column := self.current_column) is not None:
            column.move_cursor(delta)
            self._follow_cursor(column)

    def action_page(self, direction: int) -> None:
        if (column := self.current_column) is not None:
            column.page(direction)
            self._follow_cursor(column)

    def action_cursor_home(self) -> None:
        if (column := self.current_column) is not None:
            column.cursor_home()
            self._follow_cursor(column)

    def action_cursor_end(self) -> None:
        if (column := self.current_column) is not None:
            column.cursor_end()
            self._follow_cursor(column)

    # -- tagging --

    def target(self) -> tuple[ArticleColumn, Sentence] | None:
        column = self.current_column
        if column is None:
            self._notify("no article is open", severity="warning")
            return None
        sentence = column.current_sentence
        if sentence is None:
            self._notify("no sentence selected (f changes the filter)", severity="warning")
            return None
        return column, sentence

    def writable_target(self) -> tuple[ArticleColumn, Sentence] | None:
        """The sentence under the cursor, to change: None (and why, said) if there is none
        or the database cannot be written."""
        if not self.shared.writable():
            return None
        return self.target()

    def _save(
        self,
        column: ArticleColumn,
        sentence: Sentence,
        save: Callable[[], Claim],
        wanted: Callable[[Claim], Claim],
        done: str,
    ) -> None:
        """Save a change at once; on failure show why and keep the sentence marked unsaved."""
        try:
            claim = save()
        except ClaimConflict as conflict:
            self.shared.show_conflict(conflict)
        except (StoreError, ServiceError) as error:
            if isinstance(error, ConflictError):
                column.set_claim(error.current)
            message = f"S{sentence.number} not saved: {error}"
            column.mark_unsaved(sentence.index, wanted(column.intended(sentence.index)), message)
            self.status.show(message, "error")
            self.report_unsaved(error)
        else:
            column.set_claim(claim)
            self.status.show(f"S{sentence.number} {done}")
        self._claims_changed(column)

    def report_unsaved(self, error: Exception) -> None:
        self._notify(literal(str(error), single_line=True), title="Not saved", severity="error")

    def _claims_changed(self, column: ArticleColumn) -> None:
        for pane in self.panes:
            if pane.column is column:
                pane.refresh_counts()
        self._follow_current()

    def action_tag(self, verdict_name: str) -> None:
        """Tag the sentence under the cursor (`clear` removes its verdict)."""
        target = self.writable_target()
        if target is None:
            return
        column, sentence = target
        verdict = None if verdict_name == "clear" else Verdict(verdict_name)
        article_id = column.article.id
        self._save(
            column,
            sentence,
            partial(self.service.tag, article_id, sentence, verdict),
            lambda claim: replace(claim, verdict=verdict),
            verdict.value if verdict is not None else "cleared",
        )

    def action_edit_note(self) -> None:
        """Edit the note of the sentence under the cursor (in `NoteEditor`)."""
        from annotator.tui.screens.note_editor import NoteEditor

        self._edit_text(
            "note",
            lambda sentence, note: NoteEditor(sentence.text, note),
            self.service.set_note,
            "note",
        )

    def action_edit_evidence(self) -> None:
        """Edit the evidence URL of the sentence under the cursor (in a `TextPrompt`)."""
        self._edit_text("evidence_url", evidence_prompt, self.service.set_evidence, "evidence")

    def _edit_text(
        self,
        field: str,
        editor: Callable[[Sentence, str], Screen[str | None]],
        save: Callable[[str, Sentence, str], Claim],
        what: str,
    ) -> None:
        """Edit the text `field` of the claim under the cursor in the dialog `editor` makes
        of the sentence and the text; store a changed text (an empty one removes it) with
        `save(article id, sentence, text)`, and say "`what` saved" or "`what` removed"."""
        target = self.writable_target()
        if target is None:
            return
        column, sentence = target
        claim = column.display_claim(sentence.index)
        before: str = getattr(claim, field) if claim is not None else ""

        def edited(text: str | None) -> None:
            if text is None or text == before:
                return
            changed: dict[str, Any] = {field: text}
            self._save(
                column,
                sentence,
                partial(save, column.article.id, sentence, text),
                lambda claim: replace(claim, **changed),
                f"{what} saved" if text else f"{what} removed",
            )

        self.app.push_screen(editor(sentence, before), edited)

    async def action_undo(self) -> None:
        await self._undo_redo(self.service.undo, "undo", "undone")

    async def action_redo(self) -> None:
        await self._undo_redo(self.service.redo, "redo", "redone")

    async def _undo_redo(self, step: Callable[[], tuple[Claim, ...]], name: str, done: str) -> None:
        if not self.shared.writable():
            return
        try:
            claims = step()
        except ClaimConflict as conflict:
            self.shared.reload_claims()
            self.shared.show_conflict(conflict)
            return
        except (StoreError, ServiceError) as error:
            message = f"{name} not saved: {error}"
            self.status.show(message, "error")
            self.report_unsaved(error)
            return
        if not claims:
            self.status.show(f"nothing to {name}")
            self._notify(f"nothing to {name}")
            return
        for claim in reversed(claims):  # a step of several claims (`a`) puts them all back
            if (other := self.pane_for(claim.article_id)) is not None:
                other[1].column.set_claim(claim)
                other[1].refresh_counts()
        found = self.pane_for(claims[0].article_id)  # the claim the user acted on
        if found is None:
            self.status.show(f"{done} (in an article that is not open)")
            return
        index, pane = found
        sentence_index = pane.column.sentence_index_at(claims[0].start)
        if sentence_index is not None:
            if index != self.current:
                await self.focus_column(index)
            pane.column.select(sentence_index)
            more = len(claims) - 1
            also = f" with {plural(more, 'other sentence')}" if more else ""
            self.status.show(f"S{sentence_index + 1} {done}{also}")
        self._follow_current()

    # -- finding --

    def action_search(self) -> None:
        from annotator.tui.screens.search import SearchScreen

        # One search screen, kept: showing it again composes nothing, and closing it does
        # not remove it (Textual lays the whole reader out again after removing a screen).
        screen = self._search_screen
        if screen is None:
            screen = SearchScreen(self.service.search, self.describe, self.last_query)
            self._search_screen = screen
            self.app.install_screen(screen, name=f"search-{id(self)}")
        else:
            screen.reopen(self.last_query)
        self.app.push_screen(screen, self._searched)

    async def _searched(self, result: SearchResult | None) -> None:
        if result is None:
            return
        self.last_query = result.query
        self.search_result = result
        self.match = result.chosen
        self.stepping = "search"
        await self._jump(result.hits[result.chosen])

    async def action_match(self, step: int) -> None:
        """Go to the next (1) or previous (-1) of what was activated last: the hits of the
        search, the mentions of the highlighted entity, or the discrepancies."""
        if self.stepping == "mentions" and self.entity is not None:
            await self.comparing.step_mention(step)
            return
        if self.stepping == "discrepancies" and self.comparing.discrepancies:
            await self.comparing.step_discrepancy(step)
            return
        result = self.search_result
        if result is None or not result.hits:
            self._notify(
                "nothing to step through: / searches, E highlights an entity, D lists the "
                "discrepancies",
                severity="warning",
            )
            return
        self.match = (self.match + step) % len(result.hits)
        await self._jump(result.hits[self.match])

    async def _jump(self, hit: SearchHit) -> None:
        found = self.pane_for(hit.article_id)
        if found is None:
            self._notify("that article is not open", severity="warning")
            return
        index, pane = found
        column = pane.column
        if hit.kind == "sentence" and hit.sentence_index >= 0:
            sentence_index: int | None = hit.sentence_index
        else:
            sentence_index = column.sentence_index_at(hit.start)
        if sentence_index is None or not await self.go_to(index, sentence_index):
            return
        total = len(self.search_result.hits) if self.search_result else 1
        self.status.show(
            f"match {self.match + 1} of {total}: S{sentence_index + 1} in "
            f"{outlet_label(pane.article)} (] next, [ previous)"
        )

    async def go_to(self, index: int, sentence_index: int) -> bool:
        """Focus column `index` with its cursor on sentence `sentence_index` (the filter set
        to all if it hides it); False if the article has no such sentence."""
        self.loader.ensure(self.panes[index])
        column = self.panes[index].column
        if not 0 <= sentence_index < len(column.sentences):
            self._notify("that sentence is no longer in the article", severity="warning")
            return False
        await self.focus_column(index)
        column.filter_mode = self.filter_mode  # in case it was just mounted
        if not column.is_visible(sentence_index):
            self.filter_mode = "all"
            self._notify("filter set to all to show it")
        column.select(sentence_index)
        return True

    def action_cycle_filter(self) -> None:
        mode = FILTERS[(FILTERS.index(self.filter_mode) + 1) % len(FILTERS)]
        self.filter_mode = mode
        self.status.show(f"showing {FILTER_NAMES[mode]} (f: next filter)")
        if mode == "check-worthy" and self.comparison is None:
            self.comparing.need(None, "the check-worthy sentences show")
        self.update_inspector()

    # -- view --

    def action_toggle_inspector(self) -> None:
        inspector = self.inspector
        inspector.display = not inspector.display
        self.update_inspector()

    def action_toggle_highlight(self) -> None:
        self.highlight = not self.highlight
        self.status.show(f"entity highlighting {'on' if self.highlight else 'off'}")

    def action_pick_labels(self) -> None:
        counts = self.label_counts()
        if not counts:
            self._notify("no entities yet", severity="warning")
            return
        labels = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        enabled = frozenset(counts) - self.hidden_labels

        def picked(chosen: frozenset[str] | None) -> None:
            if chosen is None:
                return
            self.hidden_labels = frozenset(counts) - chosen
            if chosen and not self.highlight:
                self.highlight = True
            hidden = len(self.hidden_labels)
            self.status.show(f"{hidden} label{'s' if hidden != 1 else ''} hidden")

        from annotator.tui.screens.label_picker import LabelPicker

        self.app.push_screen(LabelPicker(labels, enabled), picked)

    # -- export --

    def action_export(self) -> None:
        from annotator.tui.screens.export_dialog import ExportDialog

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.status.show_progress(f"exporting to {request.path}…")
                self._export(request)

        self.app.push_screen(ExportDialog(EXPORT_FORMATS, DEFAULT_EXPORT), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", name="export")
    def _export(self, request: ExportRequest) -> None:
        # Written to a temporary file renamed over the target: never a half-written export.
        count = self.service.export_to_file(request.fmt, request.path)
        self.post_message(self.Exported(count, request.path))

    def on_main_screen_exported(self, message: Exported) -> None:
        claims = "claim" if message.count == 1 else "claims"
        text = f"{message.count} {claims} written to {message.path}"
        self.status.show_progress("")
        self.status.show(text)
        self._notify(literal(text, single_line=True), title="Exported")

    # -- removing an article (`reader_removal`) --

    def action_remove_article(self) -> None:
        """Remove the current column's article from the story, after asking; a backup of
        the database is taken first (command palette: "Remove this article…")."""
        from annotator.tui.screens.reader_removal import ask_to_remove

        ask_to_remove(self)

    # -- help and quitting --

    def action_help(self) -> None:
        from annotator.tui.screens.help import HelpScreen, help_rows

        app: Any = self.app
        self.app.push_screen(HelpScreen(help_rows(app.help_bindings(), HELP_GROUPS)))

    async def action_quit(self) -> None:
        self.app.exit(0)


def local_and_small(paths: Sequence[str], limit: int) -> bool:
    """Whether `paths` are all local files and folders holding at most `limit` bytes of
    files in all (a folder's own files, as opening reads them, counted until the limit
    is passed)."""
    total = 0
    for path in paths:
        if is_url(path):
            return False
        try:
            if os.path.isdir(path):
                with os.scandir(path) as entries:
                    for entry in entries:
                        if entry.is_file():
                            total += entry.stat().st_size
                            if total > limit:
                                return False
            else:
                total += os.stat(path).st_size
        except OSError:
            return False  # the worker reports it, as it reports any failure to open
        if total > limit:
            return False
    return True
