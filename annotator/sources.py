"""Finding the sources of a story: files in folders, and URLs (cheap: no text is read here).

`ingest` reads what these name; this module is all that opening a story whose files have
not changed needs (`Service.open_paths` takes those from the database).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
ARTICLE_SUFFIXES = SUPPORTED_SUFFIXES + HTML_SUFFIXES  # what a folder contributes

_PATH_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_URL_START_RE = re.compile(r"https?://", re.IGNORECASE)


class IngestError(Exception):
    """A file or text that cannot be ingested; ``str(error)`` is one line: ``path: reason``."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{display_path(path)}: {reason}")


def collect_paths(paths: Sequence[str | Path]) -> tuple[list[Path], list[str]]:
    """Expand folders into their article files and check every path; never raises.

    A folder contributes its regular files with a supported suffix (`ARTICLE_SUFFIXES`,
    any case), sorted by name, not recursing, skipping hidden files. A file named
    explicitly is kept whatever its suffix. A file reached twice is listed once.
    Returns ``(files, errors)``; each error is one line naming the path.
    """
    files: list[Path] = []
    errors: list[str] = []
    seen: set[str] = set()

    def add(path: Path) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            files.append(path)

    for given in paths:
        path, shown = Path(given), display_path(given)
        if not str(given).strip():
            errors.append(f"{shown!r}: empty path")
            continue
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            errors.append(f"{shown}: no such file or folder")
            continue
        except OSError as error:
            errors.append(f"{shown}: cannot open ({os_reason(error)})")
            continue
        if stat.S_ISDIR(mode):
            found, error_text = _folder_files(path, shown)
            if error_text:
                errors.append(error_text)
            for file in found:
                add(file)
        elif not stat.S_ISREG(mode):
            errors.append(f"{shown}: not a regular file")
        elif not os.access(path, os.R_OK):
            errors.append(f"{shown}: cannot read (permission denied)")
        else:
            add(path)
    return files, errors


def _folder_files(folder: Path, shown: str) -> tuple[list[Path], str]:
    """The visible regular files of `folder` with a supported suffix, by name; or an error."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        return [], f"{shown}: cannot list folder ({os_reason(error)})"
    found = [
        folder / entry.name
        for entry in entries
        if not entry.name.startswith(".")
        and Path(entry.name).suffix.lower() in ARTICLE_SUFFIXES
        and entry.is_file()
    ]
    if not found:
        suffixes = ", ".join(SUPPORTED_SUFFIXES)
        return [], f"{shown}: no article files ({suffixes}) in folder"
    return found, ""


def os_reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


def display_path(path: str | Path) -> str:
    """`path` on one line, with control characters (newline, ESC, …) shown as escapes."""
    text = str(path).encode("utf-8", "backslashreplace").decode("utf-8")  # undecodable names
    return _PATH_CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def is_url(source: str | Path) -> bool:
    """Whether `source` is an http(s) URL to fetch rather than a path to read."""
    return isinstance(source, str) and _URL_START_RE.match(source.strip()) is not None


def collect_sources(sources: Sequence[str | Path]) -> tuple[list[Path | str], list[str]]:
    """`collect_paths` that keeps http(s) URLs as they are, each in its place; never raises.

    A URL or a file given twice is listed once. Returns ``(sources, errors)``.
    """
    found: list[Path | str] = []
    errors: list[str] = []
    seen: set[str] = set()
    for source in sources:
        if is_url(source):
            url = str(source).strip()
            if url not in seen:
                seen.add(url)
                found.append(url)
            continue
        files, problems = collect_paths([source])
        errors.extend(problems)
        for file in files:
            key = os.path.realpath(file)
            if key not in seen:
                seen.add(key)
                found.append(file)
    return found, errors
