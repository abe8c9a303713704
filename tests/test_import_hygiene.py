"""Layering: nothing outside annotator/tui imports Textual; heavy libraries stay off start-up."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "annotator"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_tui_imports_textual() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tui" not in path.relative_to(PACKAGE).parts and "textual" in _imports(path)
    ]
    assert offenders == []


def test_tui_does_no_sql() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / "tui").rglob("*.py")
        if {"sqlite3", "sqlite_utils"} & _imports(path)
    ]
    assert offenders == []


def test_model_imports_only_the_standard_library() -> None:
    assert _imports(PACKAGE / "model.py") <= {"__future__", "dataclasses", "enum"}


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(out.stdout.split())


def test_help_imports_nothing_heavy() -> None:
    loaded = _modules_after(
        "import contextlib, io\nfrom annotator.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    assert not {"spacy", "textual", "trafilatura", "sqlite_utils", "thinc"} & loaded


def test_tui_reaches_the_store_only_through_the_service() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / "tui").rglob("*.py")
        if ".store." in path.read_text(encoding="utf-8") or "annotator.store" in _imports_full(path)
    ]
    assert offenders == []


def _imports_full(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_opening_the_reader_imports_no_exporter_nor_package_metadata() -> None:
    # What `annotator` (the reader) imports before its first paint: the service, the
    # model's lookup and the main screen, not the exporters (csv, tomllib…) nor
    # importlib.metadata (email, zipfile…), which cost tens of milliseconds at start-up.
    loaded = _modules_after(
        "from annotator.service import open_service\nimport annotator.tui.app\n"
        "from annotator.nlp import find_model\nfind_model()"
    )
    assert "annotator.tui.screens.main" in loaded
    assert not {"annotator.export", "tomllib", "importlib.metadata", "spacy"} & loaded
    assert "annotator.ingest" not in loaded  # its patterns are compiled when a file is read


def test_the_service_names_the_formats_the_exporter_writes() -> None:
    from annotator import cli, export, service

    assert service.EXPORT_FORMATS == export.EXPORT_FORMATS == cli.EXPORT_FORMATS


def test_the_dialogs_are_imported_when_first_opened() -> None:
    loaded = _modules_after("import annotator.tui.app")
    dialogs = {
        f"annotator.tui.screens.{name}"
        for name in (
            "search", "note_editor", "prompt", "export_dialog", "help", "label_picker",
            "conflict", "discrepancies", "entities", "reader_removal", "confirm", "fields",
        )
    }  # fmt: skip
    assert not dialogs & loaded
    assert "textual.widgets._text_area" not in loaded


def test_the_readers_command_line_needs_no_argparse() -> None:
    loaded = _modules_after(
        "from annotator.cli import parse_args\nparse_args(['--db', 'x.db', 'seeds'])"
    )
    assert "argparse" not in loaded
