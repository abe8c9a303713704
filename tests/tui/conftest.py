"""Fixtures of the TUI tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def comparison_imports() -> None:
    """Pay the comparison's imports (scikit-learn, ~2-4 s) once per test process, so that
    no Pilot test waits for them while its toasts time out."""
    from annotator.compare import compare_articles

    compare_articles([])
