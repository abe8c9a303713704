"""HTML ingest: saved news pages through trafilatura, metadata, and bad pages refused.

The pages in tests/data/html/ are built like saved pages of BBC News, Reuters and AP
News (og: and article: meta tags, JSON-LD NewsArticle, navigation, ads, scripts, styles,
comments, related links, footers); their article text is written for these tests.
Every script, style, noscript and comment block carries a *-LEAK-MARKER that must never
reach the article text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator import ingest
from annotator.ingest import (
    IngestError,
    article_id,
    collect_paths,
    collect_sources,
    decode_html,
    normalise_text,
    parse_html,
    read_article,
)
from annotator.service import Service
from tests.conftest import ROOT, SEEDS
from tests.helpers import CliRun, fake_nlp_cli

PAGES = Path(__file__).resolve().parent / "data" / "html"

EXPECTED = {
    "bbc_aleppo.html": {
        "title": "Syria: Rebels enter Aleppo in surprise offensive against Assad",
        "byline": "Lina Sinjab",
        "outlet": "BBC News",
        "published": "2024-11-29",
        "url": "https://www.bbc.co.uk/news/articles/c0example1o",
        "first": "Rebel fighters have entered Aleppo, Syria's second-largest city,",
        "last": "since a ceasefire brokered by Russia and Turkey in March 2020.",
    },
    "reuters_aleppo.html": {
        "title": "Syrian rebels breach Aleppo as government forces pull back, monitor says",
        "byline": "Maya Gebeily and Timour Azhari",
        "outlet": "Reuters",
        "published": "2024-11-29",
        "url": "https://www.reuters.com/world/middle-east/"
        "syrian-rebels-breach-aleppo-monitor-says-2024-11-29/",
        "first": "BEIRUT, Nov 29 (Reuters) - Syrian rebels pushed into Aleppo on Friday,",
        "last": "Editing by Frances Kerry",
    },
    "ap_aleppo.html": {
        "title": "Insurgents breach Syria's largest city in a surprise offensive",
        "byline": "Abby Sewell and Bassem Mroue",
        "outlet": "AP News",
        "published": "2024-11-29",
        "url": "https://apnews.com/article/syria-aleppo-insurgents-offensive-example0001",
        "first": "BEIRUT (AP) — Insurgents breached Syria's largest city of Aleppo on Friday",
        "last": "Associated Press writer Ghaith Alsayed in Idlib, Syria, contributed to this "
        "report.",
    },
}
BOILERPLATE = (
    "LEAK-MARKER", "Skip to", "Advertisement", "ADVERTISEMENT", "Most read", "Related",
    "Read Next", "More Stories", "Copyright", "©", "Privacy Policy", "Terms of Use",
    "Sign In", "Newsletters", "This is terrible news", "should never be part",
    "Who are the rebels", "Stocks edge higher", "All quotes delayed", "Trust Principles",
    "Middle East correspondent", "window.", "function(", "{", "}",
)  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_news_pages_import_with_their_metadata(name: str) -> None:
    article = read_article(PAGES / name)
    expected = EXPECTED[name]
    assert (article.title, article.byline, article.outlet, article.published, article.url) == (
        expected["title"], expected["byline"], expected["outlet"], expected["published"],
        expected["url"],
    )  # fmt: skip
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0] == expected["title"]  # the headline is the first line, on its own
    assert paragraphs[1].startswith(expected["first"])
    assert paragraphs[-1].endswith(expected["last"])
    assert article.source_path == str(PAGES / name)
    assert article.decoded_with_replacement is False


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scripts_styles_and_page_furniture_never_reach_the_text(name: str) -> None:
    text = read_article(PAGES / name).text
    for marker in BOILERPLATE:
        assert marker not in text, marker


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_text_is_normalised_like_a_text_file(name: str) -> None:
    article = read_article(PAGES / name)
    assert article.id == article_id(article.text)
    assert normalise_text(article.text) == article.text
    assert "\n\n\n" not in article.text and "\u00a0" not in article.text


def test_page_read_twice_is_the_same_article() -> None:
    path = PAGES / "reuters_aleppo.html"
    assert read_article(path) == read_article(path)


# --------------------------------------------------------------------------- metadata rules


def _page(body: str, head: str = "", prolog: str = "") -> str:
    paragraphs = "".join(
        f"<p>Paragraph {n}: the insurgents entered the city on Friday after a surprise "
        f"offensive, a war monitor said, and residents fled towards the east.</p>"
        for n in range(1, 5)
    )
    return (
        f"{prolog}<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head>"
        f"<body><article><h1>Rebels enter Aleppo</h1>{body}{paragraphs}</article></body></html>"
    )


def test_a_page_without_metadata_falls_back_to_the_text() -> None:
    article = parse_html(_page(""), source_path="plain.html")
    assert article.title == "Rebels enter Aleppo"
    assert (article.outlet, article.byline, article.published, article.url) == ("", "", "", "")


def test_the_url_fetched_wins_and_a_saved_from_comment_is_a_fallback() -> None:
    saved = "<!-- saved from url=(0034)https://news.example/aleppo-story -->\n"
    assert parse_html(_page("", prolog=saved)).url == "https://news.example/aleppo-story"
    head = '<link rel="canonical" href="https://news.example/canonical">'
    article = parse_html(_page("", head=head), url="https://news.example/fetched?utm=x")
    assert article.url == "https://news.example/fetched?utm=x"


def test_hostile_metadata_is_cleaned_to_one_visible_line() -> None:
    head = (
        '<meta property="og:site_name" content="Evil\u202eNews\x1b[31m">'
        '<meta name="author" content="ANA MARIA\nLOPEZ; Ana Maria Lopez">'
    )
    article = parse_html(_page("", head=head))
    assert article.outlet.startswith("Evil") and article.outlet.endswith("News[31m")
    assert not {"\x1b", "\u202e", "\n"} & set(article.outlet)
    assert article.byline == "Ana Maria Lopez"


# --------------------------------------------------------------------------- bad pages (§5)


@pytest.mark.parametrize("name", ["no_article_consent.html", "script_rendered.html"])
def test_a_page_with_no_article_is_refused(name: str) -> None:
    with pytest.raises(IngestError) as error:
        read_article(PAGES / name)
    message = str(error.value)
    assert message.startswith(f"{PAGES / name}: no article in the page (")
    assert "at least 25 needed" in message and "\n" not in message


def test_a_binary_html_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.html"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(IngestError, match=r"photo\.html: binary file \(contains NUL bytes\)$"):
        read_article(path)


def test_an_empty_html_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.htm"
    path.write_bytes(b"  \n")
    with pytest.raises(IngestError, match=r"empty\.htm: empty file$"):
        read_article(path)


def test_invalid_utf8_is_decoded_with_replacement_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "latin1.html"
    path.write_bytes(_page("<p>Caf\xe9 owners closed early.</p>").encode("latin-1"))
    article = read_article(path)
    assert article.decoded_with_replacement is True
    assert "Caf\ufffd owners" in article.text


def test_a_declared_charset_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.html"
    page = _page("<p>Caf\xe9 owners \u2014 and \u201cothers\u201d \u2014 closed early.</p>")
    path.write_bytes(page.replace("charset='utf-8'", "charset='windows-1252'").encode("cp1252"))
    article = read_article(path)
    assert article.decoded_with_replacement is False
    assert "Café owners — and “others” — closed early." in article.text
    html, replaced = decode_html(page.encode("utf-8"), "x", charset="utf-8")
    assert (html, replaced) == (page, False)


def test_a_20_mb_page_is_refused_naming_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    with path.open("wb") as handle:
        handle.write(b"<html><body><article>")
        handle.write(b"<p>" + b"word " * 2_000_000 + b"</p>")
        handle.write(b"</article></body></html>")
    assert path.stat().st_size > 10_000_000
    with pytest.raises(IngestError) as error:
        read_article(path)
    size = f"{path.stat().st_size:,}"
    assert str(error.value) == (
        f"{path}: too large: {size} bytes, the limit for a web page is 10,000,000 bytes"
    )


def test_a_page_with_too_much_text_is_refused_naming_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest, "MAX_CHARS", 200)
    with pytest.raises(IngestError, match="the limit is 200 characters"):
        parse_html(_page(""), source_path="long.html")


# --------------------------------------------------------------------------- folders, laziness


def test_folders_contribute_html_files(tmp_path: Path) -> None:
    for name in ("a.html", "b.HTM", "c.txt", "d.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    files, errors = collect_paths([tmp_path])
    assert errors == [] and [f.name for f in files] == ["a.html", "b.HTM", "c.txt"]


def test_collect_sources_keeps_urls_in_place_once(tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_text("x", encoding="utf-8")
    url = "https://news.example/story"
    found, errors = collect_sources([url, page, str(tmp_path / "missing.txt"), url, str(page)])
    assert found == [url, page]
    assert errors == [f"{tmp_path / 'missing.txt'}: no such file or folder"]


def _modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return set(done.stdout.split())


def test_text_files_never_load_trafilatura_or_the_network_stack() -> None:
    loaded = _modules_after(
        "from annotator.service import Service\nfrom annotator.store import Store\n"
        f"Service(Store(':memory:')).open_paths([{str(SEEDS)!r}])"
    )
    assert not {"trafilatura", "lxml", "annotator.fetch", "urllib.request"} & loaded


def test_html_files_do_load_trafilatura() -> None:
    page = str(PAGES / "bbc_aleppo.html")
    loaded = _modules_after(f"from annotator.ingest import read_article\nread_article({page!r})")
    assert "trafilatura" in loaded


# --------------------------------------------------------------------------- through the CLI


@pytest.fixture
def run(
    make_service: Callable[..., Service],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> CliRun:
    return fake_nlp_cli(make_service, monkeypatch, capsys)


def test_cli_imports_a_folder_of_saved_pages(run: CliRun, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in EXPECTED:
        (folder / name).write_bytes((PAGES / name).read_bytes())
    code, out, err = run("import", str(folder))
    assert code == 0 and "annotator:" not in err and "3 articles opened, 3 new" in out
    _, out, _ = run("articles", "--format", "json")
    rows = {row["outlet"]: row for row in json.loads(out)}
    assert set(rows) == {"BBC News", "Reuters", "AP News"}
    assert rows["Reuters"]["byline"] == "Maya Gebeily and Timour Azhari"
    assert rows["AP News"]["published"] == "2024-11-29"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "consent.html",
            (PAGES / "no_article_consent.html").read_bytes(),
            "no article in the page",
        ),
        ("binary.html", b"\x00\x01\x02PNG" * 100, "binary file"),
        ("huge.html", b"<p>" + b"word " * 2_100_000, "the limit for a web page is 10,000,000"),
    ],
)
def test_cli_bad_pages_give_one_line_exit_2_and_no_new_rows(
    run: CliRun,
    make_service: Callable[..., Service],
    tmp_path: Path,
    name: str,
    content: bytes,
    reason: str,
) -> None:
    run("import", str(SEEDS))
    service = make_service()
    before = (len(service.articles()), service.store.audit_count())
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run("import", str(path))
    assert code == 2 and reason in err and err.count("\n") == 1 and str(path) in err
    assert (len(service.articles()), service.store.audit_count()) == before
