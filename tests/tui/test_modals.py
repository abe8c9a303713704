"""Pilot tests of the modal screens: results, cancelling, validation, hostile text shown literally.

No async test plugin is installed, so each test runs its scenario with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.color import Color as RichColor
from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, SelectionList, Static, TextArea

from annotator.sanitize import printable
from annotator.service import evidence_url_problem
from annotator.store import SearchHit
from annotator.tui.screens.export_dialog import (
    ExportDialog,
    ExportRequest,
    check_export_path,
    with_default_name,
)
from annotator.tui.screens.help import HelpRow, HelpScreen, help_rows, key_display
from annotator.tui.screens.label_picker import LabelPicker, label_style
from annotator.tui.screens.note_editor import NoteEditor
from annotator.tui.screens.prompt import TextPrompt
from annotator.tui.screens.search import (
    LISTED,
    MATCH_STYLE,
    SNIPPET_WIDTH,
    SearchResult,
    SearchScreen,
    snippet_text,
    words_pattern,
)

MARKUP = "[b]bold[/b] [@click=app.quit]x[/]"
OSC = "\x1b]0;pwned\x07"
HOSTILE = f"{MARKUP} {OSC}"
OSC_SHOWN = printable(OSC)  # "␛]0;pwned␇"
SIZE = (120, 36)


class Host(App[None]):
    """A bare app that opens one modal at start and records what it is dismissed with."""

    def __init__(
        self, make: Callable[[], ModalScreen[Any]], variables: dict[str, str] | None = None
    ) -> None:
        self._variables = variables or {}  # read by App.__init__
        super().__init__()
        self._make = make
        self.results: list[object] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return self._variables

    def on_mount(self) -> None:
        self.push_screen(self._make(), callback=self.results.append)


Scenario = Callable[[Pilot[None], Host], Coroutine[Any, Any, None]]


def run(
    make: Callable[[], ModalScreen[Any]],
    scenario: Scenario,
    *,
    variables: dict[str, str] | None = None,
) -> Host:
    """Run `scenario` against a host app showing the modal `make()` builds; return the app."""

    async def main() -> Host:
        app = Host(make, variables)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await scenario(pilot, app)
            await pilot.pause()
        return app

    return asyncio.run(main())


def screen_text(app: App[Any]) -> str:
    """Every cell of the active screen as it would reach the terminal, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def static_text(app: App[Any], selector: str) -> str:
    content = app.screen.query_one(selector, Static).content
    assert isinstance(content, Text), f"{selector} must hold a Text, not {type(content)}"
    return content.plain


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text)


def assert_literal(app: App[Any], *expected: str) -> None:
    shown = screen_text(app)
    for part in expected:
        assert part in shown, f"{part!r} not shown literally in:\n{shown}"
    assert "\x1b" not in shown
    assert "\x07" not in shown


# --- NoteEditor ------------------------------------------------------------------------------


class TestNoteEditor:
    def test_ctrl_s_returns_the_edited_note_stripped(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, " text")  # the cursor starts at the end of the note
            await pilot.press("enter", "ctrl+s")

        app = run(lambda: NoteEditor("The fire killed 12.", "  draft"), scenario)
        assert app.results == ["draft text"]

    def test_escape_returns_none(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "lost")
            await pilot.press("escape")

        app = run(lambda: NoteEditor("quote", "note"), scenario)
        assert app.results == [None]

    def test_quote_and_note_are_shown_literally(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            assert static_text(app, "#note-quote") == f"quote {MARKUP} {OSC_SHOWN}"
            assert app.screen.query_one(TextArea).text == f"note {MARKUP} {OSC_SHOWN}"
            assert_literal(app, f"quote {MARKUP} {OSC_SHOWN}", f"note {MARKUP} {OSC_SHOWN}")
            assert "ctrl+s save · escape cancel" in screen_text(app)
            await pilot.press("ctrl+s")

        app = run(lambda: NoteEditor(f"quote {HOSTILE}", f"note {HOSTILE}"), scenario)
        assert app.results == [f"note {MARKUP} {OSC_SHOWN}"]

    def test_pasted_control_characters_become_stand_ins(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            app.post_message(events.Paste(f" {OSC}"))
            await pilot.pause()
            assert_literal(app, f"old {OSC_SHOWN}")
            await pilot.press("ctrl+s")

        app = run(lambda: NoteEditor("quote", "old"), scenario)
        assert app.results == [f"old {OSC_SHOWN}"]


# --- TextPrompt ------------------------------------------------------------------------------


def url_prompt(value: str = "") -> TextPrompt:
    return TextPrompt("Evidence URL", value, validate=evidence_url_problem, hint="empty clears")


class TestTextPrompt:
    def test_enter_returns_the_stripped_value(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "  https://example.org/report  ")
            await pilot.press("enter")

        app = run(url_prompt, scenario)
        assert app.results == ["https://example.org/report"]

    def test_invalid_value_keeps_the_prompt_open_with_the_error(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "ftp://example.org")
            await pilot.press("enter")
            assert isinstance(app.screen, TextPrompt)
            assert app.results == []
            error = static_text(app, "#prompt-error")
            assert error.startswith("evidence must be an http:// or https:// URL")
            assert error in screen_text(app)
            await type_text(pilot, "x")  # editing clears the stale error
            assert static_text(app, "#prompt-error") == ""
            app.screen.query_one(Input).value = "https://example.org"
            await pilot.press("enter")

        app = run(url_prompt, scenario)
        assert app.results == ["https://example.org"]

    def test_empty_value_clears_without_validation(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            assert app.screen.query_one(Input).value == "https://old.example"
            await pilot.press("ctrl+shift+a", "backspace", "enter")

        app = run(lambda: url_prompt("https://old.example"), scenario)
        assert app.results == [""]

    def test_empty_value_is_validated_when_not_allowed(self) -> None:
        def required(value: str) -> str:
            return "" if value else "a name is required"

        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await pilot.press("enter")
            assert static_text(app, "#prompt-error") == "a name is required"
            await pilot.press("escape")

        app = run(lambda: TextPrompt("Name", validate=required, allow_empty=False), scenario)
        assert app.results == [None]

    def test_escape_returns_none(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "https://example.org")
            await pilot.press("escape")

        app = run(url_prompt, scenario)
        assert app.results == [None]

    def test_title_value_and_error_are_shown_literally(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            assert app.screen.query_one(Input).value == f"v {MARKUP} {OSC_SHOWN}"
            await pilot.press("enter")
            assert static_text(app, "#prompt-error") == f"error {MARKUP} {OSC_SHOWN}"
            assert_literal(app, f"title {MARKUP} {OSC_SHOWN}", f"error {MARKUP} {OSC_SHOWN}")
            app.post_message(events.Paste(OSC))  # as the driver delivers it
            await pilot.pause()
            assert app.screen.query_one(Input).value.endswith(OSC_SHOWN)

        run(
            lambda: TextPrompt(
                f"title {HOSTILE}", f"v {HOSTILE}", validate=lambda _: f"error {HOSTILE}"
            ),
            scenario,
        )


# --- ExportDialog ----------------------------------------------------------------------------

ALL_FORMATS = ("csv", "jsonl", "claimreview", "w3c")


class TestExportDialog:
    def test_enter_exports_the_default(self, tmp_path: Path) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await pilot.press("enter")

        app = run(lambda: ExportDialog(default_path=str(tmp_path / "annotations.csv")), scenario)
        assert app.results == [ExportRequest("csv", str(tmp_path / "annotations.csv"))]

    def test_choosing_a_format_switches_a_default_file_name(self, tmp_path: Path) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            path = app.screen.query_one(Input)
            await pilot.press("down", "down", "enter")  # claimreview, then focus the path
            assert path.value == str(tmp_path / "claimreview.json")
            assert path.has_focus
            await pilot.press("shift+tab", "down", "enter")
            assert path.value == str(tmp_path / "annotations.w3c.jsonld")
            await pilot.press("enter")

        app = run(
            lambda: ExportDialog(ALL_FORMATS, default_path=str(tmp_path / "annotations.csv")),
            scenario,
        )
        assert app.results == [ExportRequest("w3c", str(tmp_path / "annotations.w3c.jsonld"))]

    def test_a_chosen_file_name_is_kept_across_formats(self, tmp_path: Path) -> None:
        mine = str(tmp_path / "mine.csv")

        async def scenario(pilot: Pilot[None], app: Host) -> None:
            app.screen.query_one(Input).value = mine
            await pilot.press("down", "enter", "enter")

        app = run(lambda: ExportDialog(ALL_FORMATS, str(tmp_path / "annotations.csv")), scenario)
        assert app.results == [ExportRequest("jsonl", mine)]

    def test_the_button_exports(self, tmp_path: Path) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await pilot.click("#export-submit")

        app = run(lambda: ExportDialog(("jsonl",), str(tmp_path / "annotations.csv")), scenario)
        assert app.results == [ExportRequest("jsonl", str(tmp_path / "annotations.jsonl"))]

    @pytest.mark.parametrize(
        ("relative", "message"),
        [
            ("", "enter the file to export to"),
            ("missing/out.csv", "folder {tmp}/missing does not exist"),
            ("folder", "{tmp}/folder is a folder: name a file inside it"),
            ("file.txt/out.csv", "{tmp}/file.txt is not a folder"),
        ],
    )
    def test_a_bad_path_keeps_the_dialog_open(
        self, tmp_path: Path, relative: str, message: str
    ) -> None:
        (tmp_path / "folder").mkdir()
        (tmp_path / "file.txt").write_text("x")
        value = str(tmp_path / relative) if relative else ""
        expected = message.format(tmp=tmp_path)

        async def scenario(pilot: Pilot[None], app: Host) -> None:
            app.screen.query_one(Input).value = value
            await pilot.press("enter")
            assert isinstance(app.screen, ExportDialog)
            assert static_text(app, "#export-message") == expected
            assert app.screen.query_one("#export-message").has_class("-error")
            await pilot.press("escape")

        app = run(lambda: ExportDialog(), scenario)
        assert app.results == [None]

    def test_an_existing_file_is_replaced_after_a_warning(self, tmp_path: Path) -> None:
        old = tmp_path / "old.csv"
        old.write_text("x")

        async def scenario(pilot: Pilot[None], app: Host) -> None:
            assert static_text(app, "#export-message") == ""
            app.screen.query_one(Input).value = str(old)
            await pilot.pause()
            assert static_text(app, "#export-message") == "will replace existing file"
            assert app.screen.query_one("#export-message").has_class("-warning")
            await pilot.press("enter")

        app = run(lambda: ExportDialog(default_path=str(tmp_path / "new.csv")), scenario)
        assert app.results == [ExportRequest("csv", str(old))]

    def test_escape_returns_none(self, tmp_path: Path) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await pilot.press("escape")

        app = run(lambda: ExportDialog(default_path=str(tmp_path / "a.csv")), scenario)
        assert app.results == [None]

    def test_a_hostile_path_is_shown_literally(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)  # a short relative path: the message fits on one line

        async def scenario(pilot: Pilot[None], app: Host) -> None:
            assert app.screen.query_one(Input).value == f"{MARKUP}{OSC_SHOWN}/x.csv"
            app.screen.query_one(Input).value = f"{MARKUP}{OSC}/x.csv"  # as if set raw
            await pilot.press("enter")
            shown = f"folder {MARKUP}{OSC_SHOWN} does not exist"
            assert static_text(app, "#export-message") == shown
            assert_literal(app, shown)

        app = run(lambda: ExportDialog(default_path=f"{MARKUP}{OSC}/x.csv"), scenario)
        assert app.results == []


def test_with_default_name_switches_only_default_names() -> None:
    assert with_default_name("out/annotations.csv", "jsonl") == "out/annotations.jsonl"
    assert with_default_name("annotations.jsonl", "claimreview") == "claimreview.json"
    assert with_default_name("out/", "w3c") == "out/annotations.w3c.jsonld"
    assert with_default_name("out/mine.csv", "jsonl") == "out/mine.csv"
    assert with_default_name("annotations.csv", "xml") == "annotations.xml"


def test_check_export_path_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert check_export_path("~/out.csv").error == ""
    assert check_export_path("~/nope/out.csv").error == f"folder {tmp_path}/nope does not exist"


# --- SearchScreen ----------------------------------------------------------------------------

HITS = [
    SearchHit("sentence", "a1", 0, 0, 26, "The fire killed 12 people."),
    SearchHit("sentence", "a1", 11, 300, 340, f"Officials said {HOSTILE} the fire spread"),
    SearchHit("sentence", "a2", 3, 50, 74, "Fire crews arrived late."),
    SearchHit("note", "a2", -1, 50, 74, "check the fire brigade log"),
]
OUTLETS = {"a1": f"Daily {MARKUP}", "a2": "Courier"}


class FakeSearch:
    """Every hit whose snippet holds all the query's words; records each query it is asked."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def __call__(self, query: str) -> Sequence[SearchHit]:
        self.queries.append(query)
        words = query.lower().split()
        return [hit for hit in HITS if all(w in hit.snippet.lower() for w in words)]


def option_texts(app: App[Any]) -> list[str]:
    results = app.screen.query_one("#search-results", OptionList)
    return [str(option.prompt) for option in results.options]


class TestSearchScreen:
    def test_typing_updates_the_list_and_the_count(self) -> None:
        search = FakeSearch()

        async def scenario(pilot: Pilot[None], app: Host) -> None:
            assert static_text(app, "#search-count") == "type to search articles and notes"
            await type_text(pilot, "fire")
            assert static_text(app, "#search-count") == "4 matches"
            assert option_texts(app)[0] == f"Daily {MARKUP} · S1 · The fire killed 12 people."
            assert option_texts(app)[3] == "Courier · note · check the fire brigade log"
            await type_text(pilot, " crews")
            assert static_text(app, "#search-count") == "1 match"
            assert option_texts(app) == ["Courier · S4 · Fire crews arrived late."]
            await type_text(pilot, "x")
            assert static_text(app, "#search-count") == "0 matches"
            assert option_texts(app) == []
            await pilot.press("escape")

        run(lambda: SearchScreen(search, OUTLETS.__getitem__), scenario)
        assert search.queries[-1] == "fire crewsx"

    def test_many_hits_list_the_first_ones_and_keep_them_all(self) -> None:
        many = [
            SearchHit("sentence", "a1", i, 0, 10, f"fire number {i}") for i in range(LISTED + 25)
        ]

        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "fire")
            count = static_text(app, "#search-count")
            assert count == f"{LISTED + 25} matches, the first {LISTED} listed"
            assert len(option_texts(app)) == LISTED
            assert option_texts(app)[-1].endswith(f"fire number {LISTED - 1}")
            await pilot.press("up")  # into the list, on the last one listed
            results = app.screen.query_one("#search-results", OptionList)
            assert results.highlighted == LISTED - 1
            await pilot.press("enter")

        app = run(lambda: SearchScreen(lambda query: many, OUTLETS.__getitem__), scenario)
        assert app.results == [SearchResult("fire", tuple(many), LISTED - 1)]

    def test_enter_in_the_input_picks_the_first_hit(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "fire")
            await pilot.press("enter")

        app = run(lambda: SearchScreen(FakeSearch(), OUTLETS.__getitem__), scenario)
        assert app.results == [SearchResult("fire", tuple(HITS), 0)]
        result = app.results[0]
        assert isinstance(result, SearchResult)
        assert result.hit == HITS[0]

    def test_down_moves_into_the_list_and_enter_picks_the_highlighted_hit(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "fire")
            await pilot.press("down")
            results = app.screen.query_one("#search-results", OptionList)
            assert results.has_focus
            assert results.highlighted == 0
            await pilot.press("down", "down", "enter")

        app = run(lambda: SearchScreen(FakeSearch(), OUTLETS.__getitem__), scenario)
        assert app.results == [SearchResult("fire", tuple(HITS), 2)]

    def test_up_moves_into_the_list_on_the_last_hit(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "fire")
            await pilot.press("up", "enter")

        app = run(lambda: SearchScreen(FakeSearch(), OUTLETS.__getitem__), scenario)
        assert app.results == [SearchResult("fire", tuple(HITS), 3)]

    def test_a_prefilled_query_searches_once_and_only_again_on_change(self) -> None:
        search = FakeSearch()

        async def scenario(pilot: Pilot[None], app: Host) -> None:
            assert static_text(app, "#search-count") == "1 match"
            await pilot.press("end", "space")  # "crews " is still the query "crews"
            assert search.queries == ["crews"]
            await pilot.press("backspace", "backspace")
            assert search.queries == ["crews", "crew"]
            await pilot.press("escape")

        app = run(lambda: SearchScreen(search, OUTLETS.__getitem__, "crews"), scenario)
        assert app.results == [None]

    def test_enter_without_hits_stays_open(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "flood")
            await pilot.press("enter")
            assert isinstance(app.screen, SearchScreen)

        app = run(lambda: SearchScreen(FakeSearch(), OUTLETS.__getitem__), scenario)
        assert app.results == []

    def test_snippets_and_outlets_are_shown_literally(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "officials")
            assert_literal(
                app, f"Daily {MARKUP} · S12 · Officials said {MARKUP}", f"{OSC_SHOWN} the fire"
            )

        run(lambda: SearchScreen(FakeSearch(), OUTLETS.__getitem__), scenario)

    def test_a_failing_search_is_reported_in_the_count_line(self) -> None:
        def broken(query: str) -> Sequence[SearchHit]:
            raise RuntimeError(f"boom {MARKUP}")

        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await type_text(pilot, "fire")
            assert static_text(app, "#search-count") == f"search failed: boom {MARKUP}"
            assert option_texts(app) == []

        run(lambda: SearchScreen(broken, OUTLETS.__getitem__), scenario)


def test_snippet_text_emphasises_every_query_word_ignoring_case() -> None:
    text = snippet_text("Fire and FIRE crews; fireworks", words_pattern("fire CREWS"))
    emphasised = [text.plain[s.start : s.end] for s in text.spans if s.style == MATCH_STYLE]
    assert emphasised == ["Fire", "FIRE", "crews", "fire"]


def test_snippet_text_keeps_a_window_around_the_first_match() -> None:
    long = "x" * 300 + " the fire " + "y" * 300
    text = snippet_text(long, words_pattern("fire"))
    assert text.plain.startswith("…") and text.plain.endswith("…")
    assert "the fire" in text.plain
    assert len(text.plain) == SNIPPET_WIDTH + 2


# --- LabelPicker -----------------------------------------------------------------------------

LABELS = [("PERSON", 12), ("ORG", 5), ("GPE", 1234)]


def label_picker() -> LabelPicker:
    return LabelPicker(LABELS, frozenset({"PERSON", "GPE"}))


class TestLabelPicker:
    def test_space_toggles_and_enter_applies(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            labels = app.screen.query_one(SelectionList)
            assert sorted(labels.selected) == ["GPE", "PERSON"]
            await pilot.press("space", "down", "space", "enter")

        app = run(label_picker, scenario)
        assert app.results == [frozenset({"ORG", "GPE"})]

    def test_a_checks_all_and_n_unchecks_all(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            labels = app.screen.query_one(SelectionList)
            await pilot.press("a")
            assert sorted(labels.selected) == ["GPE", "ORG", "PERSON"]
            await pilot.press("n", "enter")

        app = run(label_picker, scenario)
        assert app.results == [frozenset()]

    def test_escape_returns_none(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            await pilot.press("space", "escape")

        app = run(label_picker, scenario)
        assert app.results == [None]

    def test_labels_show_their_entity_colour_and_count(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            shown = screen_text(app)
            assert "PERSON      12" in shown
            assert "GPE      1,234" in shown
            colours = {
                segment.text.strip(): segment.style.color
                for strip in app.screen._compositor.render_strips()
                for segment in strip
                if segment.style is not None and segment.text.strip() in {"PERSON", "ORG"}
            }
            assert colours["PERSON"] == RichColor.parse("#ff0000")
            assert colours["ORG"] == RichColor.parse("#00ff00")  # entity-org unset: other

        run(
            label_picker,
            scenario,
            variables={"entity-person": "#ff0000", "entity-other": "#00ff00"},
        )


def test_label_style_falls_back_to_other_then_to_plain() -> None:
    variables = {"entity-person": "#ff0000", "entity-other": "#00ff00", "entity-org": "nonsense"}
    assert label_style("PERSON", variables).color == RichColor.parse("#ff0000")
    assert label_style("LAW", variables).color == RichColor.parse("#00ff00")
    assert label_style("ORG", variables).color is None
    assert label_style("PERSON", {}).color is None


# --- HelpScreen ------------------------------------------------------------------------------

BINDINGS = BindingsMap(
    [
        Binding("c", "tag('confirmed')", "Confirmed", id="tag.confirmed"),
        Binding("up,k", "cursor_up", "Previous sentence", id="cursor.up"),
        Binding("ctrl+s", "save", "Save"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("x", "noop", ""),
        Binding("ctrl+e", "app.export", "Export"),
        Binding("d", "tag('disputed')", "Disputed", key_display="D!"),
    ]
)
GROUPS = {
    "cursor_up": "Move",
    "tag('confirmed')": "Tag",
    "tag('disputed')": "Tag",
    "export": "File",
}


def test_help_rows_merge_keys_and_group_in_the_groups_order() -> None:
    assert help_rows(BINDINGS, GROUPS) == [
        HelpRow("↑ / k", "Previous sentence", "Move"),
        HelpRow("c", "Confirmed", "Tag"),
        HelpRow("D!", "Disputed", "Tag"),
        HelpRow("^e", "Export", "File"),
        HelpRow("^s", "Save", "Other"),
        HelpRow("? / f1", "Help", "Other"),
    ]


def test_help_rows_split_unexpanded_keys_and_use_the_given_display() -> None:
    binding = Binding("j,down", "cursor_down", "Next")
    rows = help_rows([(binding.key, binding)], {}, display=lambda b: b.key.upper())
    assert rows == [HelpRow("J / DOWN", "Next", "Other")]


def test_key_display_matches_textual() -> None:
    app = App[None]()
    for key in ("up", "ctrl+s", "question_mark", "shift+tab", "Z", "escape", "slash"):
        binding = Binding(key, "noop", "noop")
        assert key_display(binding) == app.get_key_display(binding)


HELP_ROWS = [
    HelpRow("↑ / k", "Previous sentence", "Move"),
    HelpRow("c", f"Confirmed {HOSTILE}", "Tag"),
    HelpRow("^s", "Save", "Other"),
]


class TestHelpScreen:
    @pytest.mark.parametrize("key", ["escape", "question_mark", "f1", "q"])
    def test_keys_close_it(self, key: str) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            assert isinstance(app.screen, HelpScreen)
            await pilot.press(key)

        app = run(lambda: HelpScreen(HELP_ROWS), scenario)
        assert app.results == [None]

    def test_rows_are_listed_under_their_groups_literally(self) -> None:
        async def scenario(pilot: Pilot[None], app: Host) -> None:
            shown = screen_text(app)
            lines = [line.strip(" │╭╮╰╯─") for line in shown.splitlines()]
            lines = [line.strip() for line in lines if line.strip()]
            assert lines[lines.index("annotator — keys") :][:8] == [
                "annotator — keys",
                "Move",
                "↑ / k  Previous sentence",
                "Tag",
                f"c      Confirmed {MARKUP} {OSC_SHOWN}",
                "Other",
                "^s     Save",
                "↑↓ scroll · escape, ?, f1 or q close",
            ]
            assert_literal(app, f"Confirmed {MARKUP} {OSC_SHOWN}")

        run(lambda: HelpScreen(HELP_ROWS), scenario)
