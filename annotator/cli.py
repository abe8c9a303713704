"""The console script `annotator`: argument parsing and the command-line use cases."""

from __future__ import annotations

import getpass
import io
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import argparse  # imported when a command line needs it: 25 ms of the reader's start

DEFAULT_DB = "annotations.db"
_C1_AND_DEL = re.compile(r"[\x7f-\x9f]")
FORMATS = ("table", "json")
EXPORT_FORMATS = ("csv", "jsonl", "claimreview", "w3c")  # == annotator.export.EXPORT_FORMATS
REPORT_FORMATS = ("table", "md", "html")
EXIT_USAGE = 2


class CliError(Exception):
    """Ends the command with a one-line message and a non-zero exit code."""


def _default_user() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "anonymous"


def seeds_folder() -> Path:
    """The bundled demo story: `seeds/` in the working directory, else beside the package."""
    local = Path("seeds")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parent.parent / "seeds"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="annotations database (default: %(default)s)"
    )
    parser.add_argument("--user", default=_default_user(), help="annotator name (default: $USER)")
    parser.add_argument("--model", default=None, help="spaCy model name (default: en_core_web_sm)")


def _format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table")


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Read several outlets' reports of one story side by side and tag claims.",
        epilog="With no command: open PATHS (default: the bundled seeds/) in the reader.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub = commands.add_parser("open", help="open PATHS in the reader (the default command)")
    sub.add_argument("paths", nargs="*", help="files or folders (default: seeds/)")
    _common(sub)

    sub = commands.add_parser("import", help="ingest and analyse files, folders or web pages")
    sub.add_argument("paths", nargs="+", help="files, folders or http(s):// URLs")
    _common(sub)

    sub = commands.add_parser("report", help="summary of articles and verdicts")
    sub.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        default="table",
        help="table (on the terminal), md (Markdown) or html (default: %(default)s)",
    )
    sub.add_argument("-o", "--output", default="-", help="file for md/html (default: stdout)")
    _common(sub)

    sub = commands.add_parser("articles", help="list the articles")
    _common(sub)
    _format(sub)

    sub = commands.add_parser("sentences", help="an article's numbered sentences and entities")
    sub.add_argument("article", help="id prefix or file-name prefix, e.g. 003")
    _common(sub)
    _format(sub)

    sub = commands.add_parser("claims", help="list the tagged claims")
    _common(sub)
    _format(sub)

    sub = commands.add_parser("tag", help="tag sentence N of ARTICLE")
    sub.add_argument("article", help="id prefix or file-name prefix, e.g. 003")
    sub.add_argument("number", type=int, metavar="N", help="sentence number from `sentences`")
    sub.add_argument("verdict", help="confirmed, disputed, unverified, or clear")
    sub.add_argument("--note", default=None)
    sub.add_argument("--evidence", default=None, help="evidence URL (http/https)")
    _common(sub)

    sub = commands.add_parser("export", help="export every claim")
    sub.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    sub.add_argument("-o", "--output", default="-", help="file (default: standard output)")
    review = sub.add_argument_group(
        "ClaimReview options", "override [export] in annotator.toml (here, or --config FILE)"
    )
    review.add_argument("--org-name", default=None, help="the fact-checking organisation")
    review.add_argument("--org-url", default=None, help="the organisation's web site")
    review.add_argument("--url-prefix", default=None, help="review URL = prefix + claim id")
    review.add_argument("--config", default=None, metavar="FILE", help="a TOML config file")
    _common(sub)

    sub = commands.add_parser(
        "import-annotations", help="merge a JSON Lines export into the database, by claim id"
    )
    sub.add_argument("file", help="a file written by `export --format jsonl` (- for stdin)")
    _common(sub)

    sub = commands.add_parser(
        "backup", help="write a consistent copy of the database to FILE (never overwrites)"
    )
    sub.add_argument("file", help="the backup file to create")
    _common(sub)

    sub = commands.add_parser(
        "remove", help="remove articles from the story (a backup of the database is taken first)"
    )
    sub.add_argument("articles", nargs="+", metavar="ARTICLE", help="id or file-name prefix")
    _common(sub)
    _format(sub)
    _compare_parsers(commands)
    return parser


COMPARE_COMMANDS = ("align", "discrepancies", "entities", "triage")
"""The commands that compare outlets (SPEC §4.5, §4.6); JSON shapes in the README."""


def _compare_parsers(commands: Any) -> None:
    sub = commands.add_parser("align", help="each sentence's same-fact sentences in other articles")
    sub.add_argument("article", nargs="?", help="only this article (id or file-name prefix)")
    sub.add_argument(
        "--all",
        action="store_true",
        help="every other article's best sentence, not only the same-fact ones",
    )
    _common(sub)
    _format(sub)
    sub = commands.add_parser(
        "discrepancies", help="figures, people and spellings on which the outlets disagree"
    )
    _common(sub)
    _format(sub)
    sub = commands.add_parser(
        "entities", help="entities merged across articles: variants and coverage per article"
    )
    _common(sub)
    _format(sub)
    sub = commands.add_parser("triage", help="sentences by check-worthiness, with the reasons")
    sub.add_argument("--top", type=int, default=None, metavar="N", help="only the N best")
    _common(sub)
    _format(sub)


KNOWN_COMMANDS = frozenset(
    {"open", "import", "report", "articles", "sentences", "claims", "tag", "export"}
    | {"import-annotations", "backup", "remove"}
    | set(COMPARE_COMMANDS)
)
OPEN_OPTIONS = {"--db": "db", "--user": "user", "--model": "model"}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse `argv`; anything that is not a command means `open` (so `annotator seeds/` works)."""
    args = list(argv)
    if not args or (args[0] not in KNOWN_COMMANDS and args[0] not in ("-h", "--help")):
        args = ["open", *args]
    return quick_open(args) or build_parser().parse_args(args)


def quick_open(args: Sequence[str]) -> argparse.Namespace | None:
    """The reader's own command line (`open [--db F] [--user U] [--model M] [PATH…]`)
    parsed as argparse would, without importing it; None for anything else (help, an
    unknown option, a path starting with "-"), which argparse then parses or refuses."""
    if not args or args[0] != "open":
        return None
    found: dict[str, Any] = {"db": DEFAULT_DB, "user": None, "model": None}
    paths: list[str] = []
    after_paths = False  # an option came after the paths: more paths are argparse's error
    rest = iter(args[1:])
    for arg in rest:
        name, equals, value = arg.partition("=")
        if name in OPEN_OPTIONS:
            if not equals:
                value = next(rest, "")
                if not value or value.startswith("-"):
                    return None
            found[OPEN_OPTIONS[name]] = value
            after_paths = bool(paths)
        elif arg.startswith("-") or after_paths:
            return None
        else:
            paths.append(arg)
    if found["user"] is None:
        found["user"] = _default_user()
    return cast("argparse.Namespace", SimpleNamespace(command="open", paths=paths, **found))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return COMMANDS[args.command](args)
    except CliError as error:
        print(f"annotator: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


# --- commands ------------------------------------------------------------------------------------
# Each imports what it needs when it runs, so `annotator --help` stays instant.


def _service(args: argparse.Namespace) -> Any:
    from annotator.service import ServiceError, open_service
    from annotator.store import StoreError

    try:
        return open_service(args.db, user=args.user, model=args.model)
    except (StoreError, ServiceError) as error:
        raise CliError(str(error)) from error


def cmd_open(args: argparse.Namespace) -> int:
    from annotator.tui import heap

    # The collector waits from before the imports to the reader's first frame (`heap`).
    heap.pause()
    try:
        from annotator.tui.app import run_app

        paths = args.paths or [str(seeds_folder())]
        service = _service(args)
        code: int = run_app(service, paths)
        return code
    finally:
        heap.resume()


def cmd_import(args: argparse.Namespace) -> int:
    from annotator.sanitize import printable

    service = _service(args)
    report = service.open_paths(args.paths)
    for error in report.errors:
        print(f"annotator: {printable(error, single_line=True)}", file=sys.stderr)
    analysed = _analyse(service)
    print(
        f"{len(report.articles)} articles opened, {len(report.added)} new; "
        f"{len(service.articles())} in {args.db}"
    )
    return EXIT_USAGE if report.errors or not analysed else 0


def _analyse(service: Any) -> bool:
    """Analyse pending articles with a progress line; False if the model failed on any."""
    pending = service.pending_analysis()
    if service.analyzer is None:
        if service.analyzer_error:
            print(f"annotator: {service.analyzer_error}", file=sys.stderr)
        return True
    if not pending:
        return True

    def progress(done: int, total: int) -> None:
        print(f"\ranalysing articles: {done}/{total}", end="", file=sys.stderr, flush=True)

    from annotator.nlp import ModelNotInstalled

    try:
        service.analyse_pending(progress)
    except ModelNotInstalled as error:
        print(f"\nannotator: {error}", file=sys.stderr)
        return True
    print(file=sys.stderr)
    failures = service.analysis_failures()
    for failure in failures:
        print(f"annotator: {_shown(failure)}", file=sys.stderr)
    return not failures


def cmd_report(args: argparse.Namespace) -> int:
    from annotator import report

    if args.format == "table" and args.output != "-":
        raise CliError("--output needs --format md or --format html")
    service = _service(args)
    if args.format == "table":
        report.print_report(service)
        return 0
    data = report.report_data(service)
    text = report.render_markdown(data) if args.format == "md" else report.render_html(data)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    _write_file(args.output, lambda stream: stream.write(text))
    print(f"report written to {_shown(args.output)}", file=sys.stderr)
    return 0


def _write_file(path: str, write: Callable[[Any], object]) -> None:
    """Write a file atomically (`export.write_atomically`); a failure is a one-line CliError."""
    from annotator.export import write_atomically

    try:
        write_atomically(path, write)
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise CliError(f"{_shown(path)}: cannot write ({reason}); nothing was written") from error


def _shown(value: object) -> str:
    from annotator.sanitize import printable

    return printable(str(value), single_line=True)


def cmd_articles(args: argparse.Namespace) -> int:
    from annotator import report

    service = _service(args)
    rows = [
        {
            "article": s.article.id,
            "title": s.article.title,
            "outlet": s.article.outlet,
            "byline": s.article.byline,
            "published": s.article.published,
            "url": s.article.url,
            "words": s.article.words,
            "sentences": s.sentences,
        }
        for s in service.summaries()
    ]
    if args.format == "json":
        _print_json(rows)
    else:
        report.print_articles(service.summaries())
    return 0


def cmd_sentences(args: argparse.Namespace) -> int:
    from annotator import report

    service = _service(args)
    article = _resolve(service, args.article)
    sentences = service.sentences(article.id)
    if args.format == "json":
        _print_json(
            [
                {
                    "sentence": s.number,
                    "text": s.text,
                    "entities": [
                        {
                            "text": e.text,
                            "label": e.label,
                            "start": e.start - s.start,
                            "end": e.end - s.start,
                        }
                        for e in s.entities
                    ],
                }
                for s in sentences
            ]
        )
    else:
        report.print_sentences(article, sentences)
    return 0


def cmd_claims(args: argparse.Namespace) -> int:
    from annotator import report
    from annotator.export import sentence_number

    service = _service(args)
    sentences: dict[str, list[Any]] = {}
    rows = []
    for claim in service.claims():
        if claim.article_id not in sentences:
            sentences[claim.article_id] = service.sentences(claim.article_id)
        rows.append(
            {
                "claim_id": claim.id,
                "article": claim.article_id,
                "sentence": sentence_number(sentences[claim.article_id], claim.start),
                "text": claim.quote,
                "verdict": claim.verdict.value if claim.verdict else None,
                "note": claim.note,
                "evidence_url": claim.evidence_url,
                "annotator": claim.annotator,
                "created_at": claim.created_at,
                "updated_at": claim.updated_at,
            }
        )
    if args.format == "json":
        _print_json(rows)
    else:
        report.print_claims(rows)
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    from annotator.model import Verdict
    from annotator.service import ServiceError
    from annotator.store import StoreError

    service = _service(args)
    article = _resolve(service, args.article)
    try:
        verdict = None if args.verdict.strip().lower() == "clear" else Verdict.parse(args.verdict)
        sentence = service.sentence(article.id, args.number)
        claim = service.tag(article.id, sentence, verdict)
        if args.note is not None:
            claim = service.set_note(article.id, sentence, args.note)
        if args.evidence is not None:
            claim = service.set_evidence(article.id, sentence, args.evidence)
    except (ValueError, ServiceError, StoreError) as error:
        raise CliError(str(error)) from error
    shown = claim.verdict.value if claim.verdict else "cleared"
    print(f"sentence {sentence.number} of {article.short_id}: {shown} (claim {claim.id})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from annotator.export import ConfigError, PublishOptions, load_publish_options
    from annotator.service import ServiceError

    options = PublishOptions()
    if args.format == "claimreview":  # a broken config file never blocks the other formats
        try:
            options = load_publish_options(args.config).override(
                org_name=args.org_name, org_url=args.org_url, url_prefix=args.url_prefix
            )
        except ConfigError as error:
            raise CliError(str(error)) from error
    service = _service(args)
    try:
        if args.output == "-" and sys.stdout.isatty():
            # On a terminal the export is for reading: show control characters, never run them.
            from annotator.sanitize import printable

            buffer = io.StringIO()
            count = service.export(args.format, buffer, options=options)
            sys.stdout.write(printable(buffer.getvalue()))
        elif args.output == "-":
            count = service.export(args.format, sys.stdout, options=options)
        else:
            count = service.export_to_file(args.format, args.output, options=options)
    except ServiceError as error:
        raise CliError(str(error)) from error
    if args.output != "-":
        print(f"{count} claims written to {_shown(args.output)}", file=sys.stderr)
    return 0


def cmd_import_annotations(args: argparse.Namespace) -> int:
    from annotator.store import StoreError

    service = _service(args)
    shown = _shown(args.file)
    try:
        if args.file == "-":
            report = service.import_annotations(sys.stdin.buffer)
        else:
            with open(args.file, "rb") as handle:
                report = service.import_annotations(handle)
    except FileNotFoundError as error:
        raise CliError(f"{shown}: no such file") from error
    except IsADirectoryError as error:
        raise CliError(f"{shown}: is a folder, not a file") from error
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise CliError(f"{shown}: cannot read ({reason})") from error
    except StoreError as error:
        raise CliError(f"{error}; nothing was imported") from error
    for problem in report.errors:
        print(f"annotator: {shown}: {_shown(problem)}", file=sys.stderr)
    if report.errors:
        print(
            f"annotator: {shown}: {len(report.errors)} malformed line(s); nothing was imported",
            file=sys.stderr,
        )
        return EXIT_USAGE
    for skipped in report.skipped:
        print(f"annotator: {shown}: skipped {_shown(skipped)}", file=sys.stderr)
    print(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.kept} kept (newer here), {len(report.skipped)} skipped; "
        f"{report.reanchored} re-anchored"
    )
    return EXIT_USAGE if report.skipped else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from annotator.store import StoreError

    if not args.db or not Path(args.db).is_file():
        raise CliError(f"{_shown(args.db)}: no such database")
    service = _service(args)
    try:
        target = service.backup(args.file)
    except StoreError as error:
        raise CliError(str(error)) from error
    size = target.stat().st_size
    print(f"backup of {_shown(args.db)} written to {_shown(target)} ({size:,} bytes)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from annotator.service import ServiceError
    from annotator.store import StoreError

    if not args.db or not Path(args.db).is_file():
        raise CliError(f"{_shown(args.db)}: no such database")
    service = _service(args)
    articles = {article.id: article for article in (_resolve(service, r) for r in args.articles)}
    try:
        removal = service.remove_articles(list(articles))
    except (StoreError, ServiceError) as error:
        raise CliError(str(error)) from error
    rows = [
        {
            "article": a.id,
            "title": a.title,
            "source": a.source_path,
            "claims": len(removal.claims_of.get(a.id, [])),
        }
        for a in removal.articles
    ]
    backup = str(removal.backup) if removal.backup is not None else None
    if args.format == "json":
        _print_json({"removed": rows, "backup": backup})
        return 0
    for row in rows:
        name = Path(row["source"]).name or row["title"]
        claims = f"{row['claims']} claim" + ("" if row["claims"] == 1 else "s")
        print(f"removed {row['article'][:12]} {_shown(name)} with its {claims}")
    print(f"backup of {_shown(args.db)} before the removal: {_shown(backup)}")
    return 0


def _comparison(service: Any) -> Any:
    """The service's comparison; warns on stderr when some articles have no entities yet."""
    if not service.articles():
        raise CliError("no articles in the database; try: annotator import seeds/")
    if any(not s.analysed_by for s in service.summaries()):
        hint = service.analyzer_error or "run `annotator import` to find entities"
        print(
            f"annotator: some articles have no entities yet ({_shown(hint)}); "
            "entity variants and spellings are incomplete",
            file=sys.stderr,
        )
    return service.comparison()


def _sentence_ref(comparison: Any, article_id: str, index: int) -> dict[str, Any]:
    return {
        "article": article_id,
        "sentence": index + 1,
        "text": comparison.sentence(article_id, index).text,
    }


def cmd_align(args: argparse.Namespace) -> int:
    from annotator import report

    service = _service(args)
    only = _resolve(service, args.article).id if args.article else None
    comparison = _comparison(service)
    rows = []
    for article_id in comparison.articles:
        if only is not None and article_id != only:
            continue
        for sentence in comparison.sentences(article_id):
            found = (
                comparison.matches(article_id, sentence.index)
                if args.all
                else comparison.aligned(article_id, sentence.index)
            )
            matches = [
                {**_sentence_ref(comparison, m.article_id, m.index), "score": round(m.score, 3)}
                for m in found
            ]
            row = _sentence_ref(comparison, article_id, sentence.index)
            rows.append({**row, "matches": matches})
    return _print_comparison_rows(args, service, rows, report.print_alignments)


def cmd_discrepancies(args: argparse.Namespace) -> int:
    from annotator import report

    service = _service(args)
    comparison = _comparison(service)
    rows = [
        {
            "kind": d.kind,
            "explanation": d.explanation,
            "a": {**_sentence_ref(comparison, d.article_a, d.sentence_a), "reading": d.reading_a},
            "b": {**_sentence_ref(comparison, d.article_b, d.sentence_b), "reading": d.reading_b},
        }
        for d in comparison.discrepancies()
    ]
    return _print_comparison_rows(args, service, rows, report.print_discrepancies)


def cmd_entities(args: argparse.Namespace) -> int:
    from annotator import report

    service = _service(args)
    comparison = _comparison(service)
    rows = [
        {"name": e.name, "label": e.label, "variants": list(e.variants), "counts": dict(e.counts)}
        for e in comparison.entities()
    ]
    return _print_comparison_rows(args, service, rows, report.print_entities)


def cmd_triage(args: argparse.Namespace) -> int:
    from annotator import report

    if args.top is not None and args.top < 1:
        raise CliError("--top must be at least 1")
    service = _service(args)
    comparison = _comparison(service)
    rows = [
        {
            **_sentence_ref(comparison, item.article_id, item.index),
            "score": item.score,
            "features": [
                {"name": f.name, "weight": f.weight, "detail": f.detail} for f in item.features
            ],
        }
        for item in comparison.triage(args.top)
    ]
    return _print_comparison_rows(args, service, rows, report.print_triage)


def _print_comparison_rows(
    args: argparse.Namespace,
    service: Any,
    rows: list[dict[str, Any]],
    table: Callable[[list[dict[str, Any]], dict[str, str]], None],
) -> int:
    """Print `rows` of a comparison command as JSON (`--format json`), else as `table`
    prints them with the articles named (`_names`); the command's exit status."""
    if args.format == "json":
        _print_json(rows)
    else:
        table(rows, _names(service))
    return 0


def _names(service: Any) -> dict[str, str]:
    """Article id → how tables name it: its file name, else its short id."""
    return {a.id: Path(a.source_path).name or a.short_id for a in service.articles()}


def _resolve(service: Any, ref: str) -> Any:
    from annotator.service import ServiceError

    try:
        return service.resolve_article(ref)
    except ServiceError as error:
        raise CliError(str(error)) from error


def _print_json(value: object) -> None:
    # json.dumps escapes C0 controls; DEL and C1 (8-bit CSI/OSC) are escaped here, so no
    # control sequence of the text reaches the terminal raw.
    text = json.dumps(value, ensure_ascii=False, indent=2)
    print(_C1_AND_DEL.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "open": cmd_open,
    "import": cmd_import,
    "report": cmd_report,
    "articles": cmd_articles,
    "sentences": cmd_sentences,
    "claims": cmd_claims,
    "tag": cmd_tag,
    "export": cmd_export,
    "import-annotations": cmd_import_annotations,
    "backup": cmd_backup,
    "remove": cmd_remove,
    "align": cmd_align,
    "discrepancies": cmd_discrepancies,
    "entities": cmd_entities,
    "triage": cmd_triage,
}
