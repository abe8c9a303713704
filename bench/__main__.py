"""`python -m bench [--quick] [--only start,latency,…] [--tests]`: run, print, write results.

Sections, in the order they run (each can be chosen with --only):
  nlp         NLP throughput, app pipeline vs plain full pipeline (also warms the NLP cache)
  start       process start → first paint of the seeds, vs a bare Textual app
  latency     keypress → frame with the big corpus open, vs a no-op key
  scale       first paint and peak RSS with many / very long articles, vs the seeds
  export      claims to CSV, vs a plain sqlite3 + csv script
  comparison  sentence alignment time and growth with the number of articles
  tests       the test suite's time (only with --tests or --only tests)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import ROOT, Figure, Settings

SECTIONS = ("nlp", "start", "latency", "scale", "export", "comparison", "tests")
DEFAULT_SECTIONS = SECTIONS[:-1]
RESULTS = ROOT / "bench" / "results.json"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller corpora, fewer repetitions")
    parser.add_argument("--only", default="", help="comma-separated sections to run")
    parser.add_argument("--tests", action="store_true", help="also time the test suite")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (JSON)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument(
        "--append",
        action="store_true",
        help="add to the results file, replacing only the sections run (e.g. --only tests)",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(DEFAULT_SECTIONS)
    if args.tests and "tests" not in chosen:
        chosen.append("tests")
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}; use {', '.join(SECTIONS)}")
    args.sections = [s for s in SECTIONS if s in chosen]
    return args


def runner(name: str) -> Callable[[Settings, Any], list[Figure]]:
    """The function of section `name` (imported only when it runs)."""
    if name == "nlp":
        from bench.nlp_throughput import run_nlp

        return run_nlp
    if name == "start":
        from bench.start import run_start

        return run_start
    if name == "latency":
        from bench.pty_latency import run_latency

        def latency(settings: Settings, workspace: Any) -> list[Figure]:
            folder, db = workspace.folder("short"), workspace.db("short")
            return run_latency(settings, folder, db, workspace.marker("short"))

        return latency
    if name == "scale":
        from bench.scale import run_scale

        return run_scale
    if name == "export":
        from bench.export_csv import run_export

        return run_export
    if name == "comparison":
        from bench.comparison import run_comparison

        return run_comparison
    from bench.suite import run_suite

    return lambda settings, _workspace: run_suite(settings)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "words/s":
        return f"{value:,.0f} w/s"
    if unit == "%":
        return f"{value:.2f} %"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.3g} {unit}"


def table(figures: list[Figure], errors: dict[str, str]) -> str:
    rows = [("section", "measurement", "median", "p95", "baseline", "ratio", "target", "met")]
    for f in figures:
        p95 = format_value(f.p95, f.unit) if len(f.samples) > 2 else ""
        met = {True: "yes", False: "NO", None: ""}[f.met]
        if not f.samples:
            rows.append((f.section, f.name, f.note, "", "", "", "", ""))
            continue
        baseline = format_value(f.baseline_value, f.unit) if f.baseline_samples else ""
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
        rows.append(
            (f.section, f.name, format_value(f.value, f.unit), p95, baseline, ratio, f.target, met)
        )
    for section, error in errors.items():
        rows.append((section, "FAILED: " + error.splitlines()[-1][:80], "", "", "", "", "", "NO"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    widths[1] = min(widths[1], 58)
    lines = []
    for number, row in enumerate(rows):
        cells = [str(cell)[: widths[i]].ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _target(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("section", "name", "target", "met", "value", "p95", "ratio")
    return {key: data[key] for key in keys}


def write_results(
    path: Path, args: argparse.Namespace, settings: Settings, figures: list[Figure],
    errors: dict[str, str], began: float,
) -> None:  # fmt: skip
    earlier: dict[str, Any] = {}
    if args.append and path.exists():
        earlier = json.loads(path.read_text(encoding="utf-8"))
    kept = [f for f in earlier.get("figures", []) if f.get("section") not in args.sections]
    all_figures = kept + [figure.as_json() for figure in figures]
    data = {
        "meta": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "mode": "quick" if settings.quick else "full",
            "sections": args.sections,
            "seconds": round(time.perf_counter() - began, 1),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "terminal": list(settings.terminal),
        },
        "figures": all_figures,
        "targets": [_target(f) for f in all_figures if f.get("target")],
        "errors": errors,
    }
    if earlier:  # what each earlier run was, beside this one's
        data["meta"]["earlier_runs"] = [
            *earlier["meta"].pop("earlier_runs", []),
            earlier["meta"],
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    began = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    settings = Settings.make(quick=args.quick, workdir=workdir)
    from bench.prepare import Workspace

    workspace = Workspace(settings)
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    mode = "quick" if args.quick else "full"
    print(f"annotator bench ({mode}): {', '.join(args.sections)}; working in {workdir}", flush=True)
    try:
        for name in args.sections:
            started = time.perf_counter()
            print(f"-- {name} …", flush=True)
            try:
                found = runner(name)(settings, workspace)
            except Exception:
                errors[name] = traceback.format_exc()
                print(errors[name], file=sys.stderr, flush=True)
            else:
                figures += found
                print(table(found, {}), flush=True)
            print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
            write_results(args.out, args, settings, figures, errors, began)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(table(figures, errors))
    missed = [f for f in figures if f.met is False]
    print(
        f"\n{len(figures)} figures in {time.perf_counter() - began:.0f} s; "
        f"{sum(f.met is True for f in figures)} targets met, {len(missed)} missed"
        + (f", {len(errors)} sections failed" if errors else "")
        + f"; written to {args.out}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
