"""The reader: article columns side by side, tagging, search, filter, inspector, export.

The screen owns the view state (filter, highlighting, hidden labels) as reactives that the
columns and the legend bind to; columns report cursor moves by message. Slow work (opening
files, the language model, export) runs in thread workers that only post messages; their
failures are handled in one place, `on_worker_state_changed`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, ClassVar, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from annotator.model import Article, Claim, Sentence, Verdict
from annotator.sanitize import printable
from annotator.service import (
    EXPORT_FORMATS,
    ConflictError,
    OpenReport,
    SearchHit,
    Service,
    ServiceError,
    StoreError,
    evidence_url_problem,
)
from annotator.tui.keys import BINDINGS, FOOTER_LABELS, HELP_GROUPS
from annotator.tui.screens.export_dialog import ExportDialog, ExportRequest
from annotator.tui.screens.help import HelpScreen, help_rows
from annotator.tui.screens.label_picker import LabelPicker
from annotator.tui.screens.note_editor import NoteEditor
from annotator.tui.screens.prompt import TextPrompt
from annotator.tui.screens.search import SearchResult, SearchScreen
from annotator.tui.themes import ENTITY_LABELS
from annotator.tui.widgets.article_column import FILTERS, ArticleColumn
from annotator.tui.widgets.article_pane import ArticlePane
from annotator.tui.widgets.column_header import outlet_label
from annotator.tui.widgets.column_tabs import ColumnTabs
from annotator.tui.widgets.columns_row import ColumnsRow
from annotator.tui.widgets.inspector import ClaimInspector
from annotator.tui.widgets.key_bar import KeyBar
from annotator.tui.widgets.legend import EntityLegend
from annotator.tui.widgets.status_line import StatusLine

WidgetType = TypeVar("WidgetType", bound=Widget)

DEFAULT_EXPORT = "annotations.csv"

FILTER_NAMES = {
    "all": "all sentences",
    "tagged": "tagged only",
    "untagged": "untagged only",
    "disputed": "disputed only",
}


class AnalysisStopped(Exception):
    """Raised from the progress callback to end the analysis early (the app is closing)."""


@dataclass(frozen=True)
class LoadedArticle:
    """An article with what its column shows, read from the store in a worker."""

    article: Article
    sentences: list[Sentence]
    claims: list[Claim]


class MainScreen(Screen[None]):
    """The side-by-side reader over one service."""

    BINDINGS: ClassVar[list[BindingType]] = BINDINGS

    AUTO_FOCUS = None

    filter_mode: var[str] = var("all")
    highlight: var[bool] = var(True)
    hidden_labels: var[frozenset[str]] = var(frozenset())

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
    class Exported(Message):
        """`count` claims were written to `path`."""

        count: int
        path: str

    def __init__(self, service: Service, paths: Sequence[str] = (), *, analyse: bool = True):
        super().__init__()
        self.service = service
        self.paths = tuple(str(p) for p in paths)
        self.analyse = analyse
        self.current = 0
        self.search_result: SearchResult | None = None
        self.match = 0
        self.last_query = ""
        self._warned_no_model = False
        self._widgets: dict[str, Widget] = {}

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

    def pane_for(self, article_id: str) -> tuple[int, ArticlePane] | None:
        for index, pane in enumerate(self.panes):
            if pane.article.id == article_id:
                return index, pane
        return None

    def describe(self, article_id: str) -> str:
        """How an article is named in search results: its column number and outlet."""
        found = self.pane_for(article_id)
        if found is None:
            article = self.service.article(article_id)
            return outlet_label(article) if article else article_id[:12]
        return f"{found[1].number} {outlet_label(found[1].article)}"

    # -- opening and analysing --

    def on_mount(self) -> None:
        what = f"{len(self.paths)} path{'s' if len(self.paths) != 1 else ''}"
        self.status.show_progress(f"opening {what}…" if self.paths else "opening…")
        self._update_info()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._open()

    def _theme_changed(self, theme: object) -> None:
        self._update_inspector()  # its entity and verdict colours are baked into its text

    @work(thread=True, exclusive=True, exit_on_error=False, group="open", name="open")
    def _open(self) -> None:
        service = self.service
        report = service.open_paths(self.paths) if self.paths else OpenReport(service.articles())
        loaded = [self._load(article) for article in report.articles]
        self.post_message(self.Opened(report, loaded, len(service.pending_analysis())))

    def _load(self, article: Article) -> LoadedArticle:
        return LoadedArticle(
            article, self.service.sentences(article.id), self.service.claims(article.id)
        )

    async def on_main_screen_opened(self, message: Opened) -> None:
        for error in message.report.errors:
            self.notify(printable(error, single_line=True), title="Not opened", severity="error")
        panes = [
            ArticlePane(item.article, item.sentences, item.claims, number=number)
            for number, item in enumerate(message.loaded, start=1)
        ]
        for pane in panes:
            pane.column.data_bind(
                MainScreen.filter_mode, MainScreen.highlight, MainScreen.hidden_labels
            )
        await self.row.set_panes(panes)
        self.status.show_progress("")
        self._update_labels()
        if panes:
            self.current = 0
            panes[0].column.focus()
            count = len(panes)
            self.status.show(f"{count} article{'s' if count != 1 else ''}")
        else:
            self.status.show("no articles to show: give files or folders of articles", "error")
        service = self.service
        if service.analyzer is None:
            if service.analyzer_error and not self._warned_no_model:
                self._warned_no_model = True
                self.notify(
                    printable(service.analyzer_error), title="No entities", severity="warning"
                )
                self.status.show(service.analyzer_error, "warning")
        elif self.analyse and message.pending:
            self.status.show_progress("loading the language model…")
            self._analyse()

    @work(thread=True, exclusive=True, exit_on_error=False, group="analyse", name="analyse")
    def _analyse(self) -> None:
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:  # the app is closing: stop after this batch
                raise AnalysisStopped
            self.post_message(self.AnalysisProgress(done, total))

        try:
            count = self.service.analyse_pending(progress)
        except AnalysisStopped:
            return
        loaded = [self._load(pane.article) for pane in self.panes]
        self.post_message(self.Analysed(loaded, count))

    def on_main_screen_analysis_progress(self, message: AnalysisProgress) -> None:
        self.status.show_progress(f"analysing {message.done}/{message.total}…")

    def on_main_screen_analysed(self, message: Analysed) -> None:
        fresh = {item.article.id: item for item in message.loaded}
        for pane in self.panes:
            item = fresh.get(pane.article.id)
            if item is not None:
                pane.column.set_sentences(item.sentences, item.claims)
                pane.refresh_counts()
        self._update_labels()
        self._update_inspector()
        analyzer = self.service.analyzer
        model = analyzer.model_key if analyzer is not None else ""
        self.status.show_progress(f"entities ready ({model})" if model else "entities ready")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker failure ends up here, as a status line and a notification."""
        if event.state is not WorkerState.ERROR:
            return
        what = {
            "open": "Opening failed",
            "analyse": "Analysis failed (reading and tagging still work)",
            "export": "Export failed",
        }.get(event.worker.name, "Failed")
        error = event.worker.error
        message = printable(str(error) or type(error).__name__, single_line=True)
        self.status.show_progress("")
        self.status.show(f"{what}: {message}", "error")
        self.notify(message, title=what, severity="error")

    # -- state shown around the columns --

    def _update_labels(self) -> None:
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
        self.legend.set_info(f"filter: {self.filter_mode}")
        self._update_tabs()

    def _update_tabs(self) -> None:
        row = self.row
        panes = self.panes
        labels = [outlet_label(pane.article) for pane in panes]
        self.tabs.show(labels, self.current, row.first, min(row.per_view, len(panes)))

    def on_columns_row_window_changed(self, message: ColumnsRow.WindowChanged) -> None:
        self._update_tabs()

    async def on_column_tabs_chosen(self, message: ColumnTabs.Chosen) -> None:
        await self.focus_column(message.index)

    def watch_filter_mode(self, mode: str) -> None:
        if self.is_mounted:
            self._update_info()

    async def on_descendant_focus(self, event: DescendantFocus) -> None:
        if isinstance(event.widget, ArticleColumn):
            for index, pane in enumerate(self.panes):
                if pane.column is event.widget:
                    self.current = index
                    await self.row.reveal(index)
            self._update_tabs()
            self._update_inspector()

    def on_article_column_cursor_moved(self, message: ArticleColumn.CursorMoved) -> None:
        if message.column is self.current_column:
            self._update_inspector()

    def _update_inspector(self) -> None:
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
        )

    # -- columns and cursor --

    async def focus_column(self, index: int) -> None:
        """Move to column `index` (0-based): into view, mounted, focused."""
        panes = self.panes
        if not panes:
            return
        index = max(0, min(len(panes) - 1, index))
        self.current = index
        await self.row.reveal(index)
        panes[index].column.focus()
        self._update_tabs()
        self._update_inspector()

    async def action_next_column(self) -> None:
        if self.panes:
            await self.focus_column((self.current + 1) % len(self.panes))

    async def action_previous_column(self) -> None:
        if self.panes:
            await self.focus_column((self.current - 1) % len(self.panes))

    async def action_go_column(self, number: int) -> None:
        if number > len(self.panes):
            self.notify(f"there is no column {number}", severity="warning")
            return
        await self.focus_column(number - 1)

    def action_cursor(self, delta: int) -> None:
        if (column := self.current_column) is not None:
            column.move_cursor(delta)

    def action_page(self, direction: int) -> None:
        if (column := self.current_column) is not None:
            column.page(direction)

    def action_cursor_home(self) -> None:
        if (column := self.current_column) is not None:
            column.cursor_home()

    def action_cursor_end(self) -> None:
        if (column := self.current_column) is not None:
            column.cursor_end()

    # -- tagging --

    def _target(self) -> tuple[ArticleColumn, Sentence] | None:
        column = self.current_column
        if column is None:
            self.notify("no article is open", severity="warning")
            return None
        sentence = column.current_sentence
        if sentence is None:
            self.notify("no sentence selected (f changes the filter)", severity="warning")
            return None
        return column, sentence

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
        except (StoreError, ServiceError) as error:
            if isinstance(error, ConflictError):
                column.set_claim(error.current)
            message = f"S{sentence.number} not saved: {error}"
            column.mark_unsaved(sentence.index, wanted(column.intended(sentence.index)), message)
            self.status.show(message, "error")
            self._report_unsaved(error)
        else:
            column.set_claim(claim)
            self.status.show(f"S{sentence.number} {done}")
        self._claims_changed(column)

    def _report_unsaved(self, error: Exception) -> None:
        self.notify(printable(str(error), single_line=True), title="Not saved", severity="error")

    def _claims_changed(self, column: ArticleColumn) -> None:
        for pane in self.panes:
            if pane.column is column:
                pane.refresh_counts()
        self._update_inspector()

    def action_tag(self, verdict_name: str) -> None:
        """Tag the sentence under the cursor (`clear` removes its verdict)."""
        target = self._target()
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
        target = self._target()
        if target is None:
            return
        column, sentence = target
        claim = column.display_claim(sentence.index)
        before = claim.note if claim is not None else ""

        def edited(note: str | None) -> None:
            if note is None or note == before:
                return
            self._save(
                column,
                sentence,
                partial(self.service.set_note, column.article.id, sentence, note),
                lambda claim: replace(claim, note=note),
                "note saved" if note else "note removed",
            )

        self.app.push_screen(NoteEditor(sentence.text, before), edited)

    def action_edit_evidence(self) -> None:
        target = self._target()
        if target is None:
            return
        column, sentence = target
        claim = column.display_claim(sentence.index)
        before = claim.evidence_url if claim is not None else ""

        def entered(url: str | None) -> None:
            if url is None or url == before:
                return
            self._save(
                column,
                sentence,
                partial(self.service.set_evidence, column.article.id, sentence, url),
                lambda claim: replace(claim, evidence_url=url),
                "evidence saved" if url else "evidence removed",
            )

        prompt = TextPrompt(
            f"Evidence URL for S{sentence.number}",
            before,
            placeholder="https://…",
            validate=evidence_url_problem,
            hint="enter save · empty removes it · escape cancel",
        )
        self.app.push_screen(prompt, entered)

    async def action_undo(self) -> None:
        await self._undo_redo(self.service.undo, "undo", "undone")

    async def action_redo(self) -> None:
        await self._undo_redo(self.service.redo, "redo", "redone")

    async def _undo_redo(self, step: Callable[[], Claim | None], name: str, done: str) -> None:
        try:
            claim = step()
        except (StoreError, ServiceError) as error:
            message = f"{name} not saved: {error}"
            self.status.show(message, "error")
            self._report_unsaved(error)
            return
        if claim is None:
            self.status.show(f"nothing to {name}")
            self.notify(f"nothing to {name}")
            return
        found = self.pane_for(claim.article_id)
        if found is None:
            self.status.show(f"{done} (in an article that is not open)")
            return
        index, pane = found
        sentence_index = pane.column.set_claim(claim)
        pane.refresh_counts()
        if sentence_index is not None:
            if index != self.current:
                await self.focus_column(index)
            pane.column.select(sentence_index)
            self.status.show(f"S{sentence_index + 1} {done}")
        self._update_inspector()

    # -- finding --

    def action_search(self) -> None:
        self.app.push_screen(
            SearchScreen(self.service.search, self.describe, self.last_query), self._searched
        )

    async def _searched(self, result: SearchResult | None) -> None:
        if result is None:
            return
        self.last_query = result.query
        self.search_result = result
        self.match = result.chosen
        await self._jump(result.hits[result.chosen])

    async def action_match(self, step: int) -> None:
        """Go to the next (1) or previous (-1) hit of the last search."""
        result = self.search_result
        if result is None or not result.hits:
            self.notify("no search results: press / to search", severity="warning")
            return
        self.match = (self.match + step) % len(result.hits)
        await self._jump(result.hits[self.match])

    async def _jump(self, hit: SearchHit) -> None:
        found = self.pane_for(hit.article_id)
        if found is None:
            self.notify("that article is not open", severity="warning")
            return
        index, pane = found
        column = pane.column
        if hit.kind == "sentence" and hit.sentence_index >= 0:
            sentence_index: int | None = hit.sentence_index
        else:
            sentence_index = column.sentence_index_at(hit.start)
        if sentence_index is None or sentence_index >= len(column.sentences):
            self.notify("that match is no longer in the article", severity="warning")
            return
        await self.focus_column(index)
        column.filter_mode = self.filter_mode  # in case it was just mounted
        if not column.is_visible(sentence_index):
            self.filter_mode = "all"
            self.notify("filter set to all to show the match")
        column.select(sentence_index)
        total = len(self.search_result.hits) if self.search_result else 1
        self.status.show(
            f"match {self.match + 1} of {total}: S{sentence_index + 1} in "
            f"{outlet_label(pane.article)} (] next, [ previous)"
        )

    def action_cycle_filter(self) -> None:
        mode = FILTERS[(FILTERS.index(self.filter_mode) + 1) % len(FILTERS)]
        self.filter_mode = mode
        self.status.show(f"showing {FILTER_NAMES[mode]} (f: next filter)")
        self._update_inspector()

    # -- view --

    def action_toggle_inspector(self) -> None:
        inspector = self.inspector
        inspector.display = not inspector.display
        self._update_inspector()

    def action_toggle_highlight(self) -> None:
        self.highlight = not self.highlight
        self.status.show(f"entity highlighting {'on' if self.highlight else 'off'}")

    def action_pick_labels(self) -> None:
        counts = self.label_counts()
        if not counts:
            self.notify("no entities yet", severity="warning")
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

        self.app.push_screen(LabelPicker(labels, enabled), picked)

    # -- export --

    def action_export(self) -> None:
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
        self.notify(printable(text, single_line=True), title="Exported")

    # -- help and quitting --

    def action_help(self) -> None:
        app: Any = self.app
        self.app.push_screen(HelpScreen(help_rows(app.help_bindings(), HELP_GROUPS)))

    async def action_quit(self) -> None:
        self.app.exit(0)
