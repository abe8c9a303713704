"""URL import against a local HTTP(S) server on 127.0.0.1 (never any other address).

The server is started by the fixtures in a thread: pages, a 404, a PDF, a 20 MB page
(with and without Content-Length), a server that sleeps, one that trickles bytes, and
redirects. The HTTPS tests need the `openssl` command to make a self-signed certificate.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from annotator.fetch import FetchError, fetch_url
from annotator.ingest import IngestError, read_url
from annotator.service import Service
from tests.helpers import CliRun, fake_nlp_cli

PAGES = Path(__file__).resolve().parent / "data" / "html"
ARTICLE = (PAGES / "reuters_aleppo.html").read_bytes()
HUGE_BYTES = 20_000_000
STOP = threading.Event()


class Handler(BaseHTTPRequestHandler):
    """The routes of the test server."""

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, code: int, body: bytes, content_type: str | None = "text/html") -> None:
        self.send_response(code)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # A client that gives up early (a refused page, a timeout) closes the connection.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def _stream(self, total: int, *, declare: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if declare:
            self.send_header("Content-Length", str(total))
        self.end_headers()
        chunk = b"<p>" + b"word " * 200_000 + b"</p>"  # 1 MB
        sent = 0
        try:
            while sent < total and not STOP.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def do_GET(self) -> None:
        routes: dict[str, Callable[[], None]] = {
            "/article": lambda: self._send(200, ARTICLE, "text/html; charset=utf-8"),
            "/no-type": lambda: self._send(200, ARTICLE, None),
            "/cp1252": lambda: self._send(
                200,
                ARTICLE.decode("utf-8")
                .replace("pull back", "pull back \u2014 caf\xe9")
                .encode("cp1252"),
                "text/html; charset=windows-1252",
            ),
            "/missing": lambda: self._send(404, b"<h1>Not Found</h1>"),
            "/pdf": lambda: self._send(200, b"%PDF-1.7\n" + b"x" * 100, "application/pdf"),
            "/plain": lambda: self._send(200, b"Just text.", "text/plain"),
            "/binary-no-type": lambda: self._send(200, b"\x89PNG\r\n\x1a\n" * 10, None),
            "/huge": lambda: self._stream(HUGE_BYTES, declare=False),
            "/huge-declared": lambda: self._stream(HUGE_BYTES, declare=True),
            "/consent": lambda: self._send(200, (PAGES / "no_article_consent.html").read_bytes()),
        }
        if self.path in routes:
            routes[self.path]()
        elif self.path == "/slow":
            STOP.wait(5)  # longer than the client's timeout
            self._send(200, ARTICLE)
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                while not STOP.wait(0.05):  # a byte well within each read timeout, forever
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect?to="))
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, b"")


def _serve(context: ssl.SSLContext | None = None) -> Iterator[str]:
    STOP.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    scheme = "https" if context else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_port}"
    finally:
        STOP.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield from _serve()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    # openssl is on every machine of ours (Debian base); a missing one must fail, not skip.
    assert shutil.which("openssl"), "the openssl command is needed to make a test certificate"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    yield from _serve(context)


# --------------------------------------------------------------------------- fetching


def test_a_page_is_fetched_and_imported_with_its_url(server: str) -> None:
    page = fetch_url(f"{server}/article")
    assert (page.content_type, page.charset, page.body) == ("text/html", "utf-8", ARTICLE)
    article = read_url(f"{server}/article")
    assert article.url == article.source_path == f"{server}/article"
    assert article.title.startswith("Syrian rebels breach Aleppo")
    assert (article.outlet, article.byline) == ("Reuters", "Maya Gebeily and Timour Azhari")


def test_the_http_charset_is_used(server: str) -> None:
    article = read_url(f"{server}/cp1252")
    assert "pull back — café" in article.title and not article.decoded_with_replacement


def test_a_page_without_a_content_type_is_accepted_when_it_is_html(server: str) -> None:
    assert fetch_url(f"{server}/no-type").body == ARTICLE
    with pytest.raises(FetchError, match="no content type, and not HTML"):
        fetch_url(f"{server}/binary-no-type")


def test_redirects_are_followed_to_http_only(server: str) -> None:
    page = fetch_url(f"{server}/redirect?to=/article")
    assert page.url == f"{server}/article" and page.body == ARTICLE
    with pytest.raises(FetchError, match=r"^HTTP 302 Found - Redirection to url .* not allowed"):
        fetch_url(f"{server}/redirect?to=file:///etc/passwd")  # urllib's own check
    with pytest.raises(
        FetchError, match=r"^only http:// and https:// URLs can be fetched, not ftp"
    ):
        fetch_url(f"{server}/redirect?to=ftp://127.0.0.1/article")  # urllib allows ftp: not us


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP 404 Not Found"),
        ("/pdf", "not an HTML page (content type application/pdf)"),
        ("/plain", "not an HTML page (content type text/plain)"),
        ("/huge", "page too large: more than 10,000,000 bytes, the limit is 10,000,000 bytes"),
        ("/huge-declared", "page too large: 20,000,000 bytes, the limit is 10,000,000 bytes"),
        ("/consent", "no article in the page ("),
    ],
)
def test_bad_pages_are_refused_with_the_reason(server: str, path: str, reason: str) -> None:
    with pytest.raises(IngestError) as error:
        read_url(f"{server}{path}")
    assert str(error.value).startswith(f"{server}{path}: {reason}")
    assert "\n" not in str(error.value)


def test_a_server_that_does_not_answer_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(IngestError, match=r"/slow: timed out after 0\.5 s$"):
        read_url(f"{server}/slow", timeout=0.5)
    assert time.monotonic() - started < 3


def test_a_trickling_server_is_cut_off_at_the_total_timeout(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^timed out after 1 s$"):
        fetch_url(f"{server}/trickle", timeout=1)
    assert time.monotonic() - started < 4


def test_a_refused_connection_is_one_line(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    probe = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    free_port = probe.server_port
    probe.server_close()  # now nothing listens there
    assert free_port != port
    with pytest.raises(FetchError, match=r"^cannot connect \(connection refused\)$"):
        fetch_url(f"http://127.0.0.1:{free_port}/article", timeout=2)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "http://", "https:x"])
def test_only_http_urls_are_fetched(url: str) -> None:
    with pytest.raises(FetchError):
        fetch_url(url)


# --------------------------------------------------------------------------- certificates


def test_a_self_signed_certificate_is_refused(tls_server: str) -> None:
    with pytest.raises(IngestError) as error:
        read_url(f"{tls_server}/article", timeout=5)
    assert "certificate verification failed" in str(error.value)


def test_a_trusted_certificate_is_accepted(
    tls_server: str, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust our test CA only
    assert fetch_url(f"{tls_server}/article", timeout=5).body == ARTICLE


def test_a_redirect_from_https_to_http_is_refused(
    tls_server: str,
    server: str,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with pytest.raises(FetchError, match="refused a redirect from https:// to http://"):
        fetch_url(f"{tls_server}/redirect?to={server}/article", timeout=5)


# --------------------------------------------------------------------------- through the CLI


@pytest.fixture
def run(
    make_service: Callable[..., Service],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> CliRun:
    return fake_nlp_cli(make_service, monkeypatch, capsys)


def test_cli_imports_a_url_and_stores_it(server: str, run: CliRun) -> None:
    code, out, err = run("import", f"{server}/article")
    assert code == 0 and "annotator:" not in err and "1 articles opened, 1 new" in out
    _, out, _ = run("articles", "--format", "json")
    (row,) = json.loads(out)
    assert (row["url"], row["outlet"]) == (f"{server}/article", "Reuters")


def test_cli_a_failed_url_writes_nothing(
    server: str, run: CliRun, make_service: Callable[..., Service]
) -> None:
    code, _, err = run("import", f"{server}/huge")
    assert code == 2 and err.count("\n") == 1 and "the limit is 10,000,000 bytes" in err
    service = make_service()
    assert service.articles() == [] and service.store.audit_count() == 0
