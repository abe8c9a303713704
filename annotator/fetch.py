"""Fetching a web page to import: certificate checks on, a timeout, a size cap.

Only the standard library (`urllib.request` with `ssl.create_default_context()`): the
certificate and host name are always verified, and there is no fallback to an
unverified connection (trafilatura's own downloader has one; it is never used).

* schemes: http and https only, also for every redirect; a redirect from https to
  http is refused (it would drop the protection the user asked for);
* time: `timeout` bounds each network wait *and* the whole download;
* size: a `Content-Length` over `max_bytes` is refused before reading, and the body is
  read in pieces and abandoned as soon as it passes `max_bytes`;
* content: `text/html` or `application/xhtml+xml` (a page that names no type is
  accepted when it starts like HTML); anything else is refused with its type named.

Proxies from the environment (`https_proxy`, `no_proxy`) are honoured, as by any
`urllib` client. Errors are `FetchError` with a one-line reason.
"""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

DEFAULT_TIMEOUT = 20.0  # seconds
DEFAULT_MAX_BYTES = 10_000_000
MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = "annotator/0.1 (fact-checking reader; Python urllib)"
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A page that could not be fetched; the message is one line, without the URL."""


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page: its final URL (after redirects), media type, charset and bytes."""

    url: str
    content_type: str
    charset: str
    body: bytes


def check_url(url: str) -> None:
    """Raise FetchError unless `url` is an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"only http:// and https:// URLs can be fetched, not {parts.scheme}:")
    if not parts.hostname or any(char.isspace() for char in url):
        raise FetchError("not a valid URL")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow at most `MAX_REDIRECTS` redirects, to http(s) only, never https → http."""

    max_redirections = MAX_REDIRECTS

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_url(newurl)
        if urlsplit(req.full_url).scheme == "https" and urlsplit(newurl).scheme == "http":
            raise FetchError("refused a redirect from https:// to http://")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    context = ssl.create_default_context()  # CERT_REQUIRED and host name checks
    return urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context), _CheckedRedirects()
    )


def _too_large(size: str, max_bytes: int) -> FetchError:
    return FetchError(f"page too large: {size}, the limit is {max_bytes:,} bytes")


def _looks_like_html(body: bytes) -> bool:
    start = body.lstrip()[:64].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<!--", b"<head"))


def _read_body(
    response: http.client.HTTPResponse, max_bytes: int, deadline: float, timeout: float
) -> bytes:
    pieces: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError(f"timed out after {timeout:g} s")
        piece = response.read1(_CHUNK)
        if not piece:
            return b"".join(pieces)
        size += len(piece)
        if size > max_bytes:
            raise _too_large(f"more than {max_bytes:,} bytes", max_bytes)
        pieces.append(piece)


def fetch_url(
    url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES
) -> Page:
    """Download one HTML page (see the module docstring); raises FetchError."""
    check_url(url)
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            "Accept-Encoding": "identity",
        },
    )
    deadline = time.monotonic() + timeout
    try:
        with _opener().open(request, timeout=timeout) as response:
            headers = response.headers
            content_type = headers.get_content_type() if headers.get("Content-Type") else ""
            if content_type and content_type not in HTML_TYPES:
                raise FetchError(f"not an HTML page (content type {content_type})")
            length = headers.get("Content-Length", "")
            if length.strip().isdigit() and int(length) > max_bytes:
                raise _too_large(f"{int(length):,} bytes", max_bytes)
            body = _read_body(response, max_bytes, deadline, timeout)
            if not content_type and not _looks_like_html(body):
                raise FetchError("not an HTML page (no content type, and not HTML)")
            return Page(
                url=response.geturl(),
                content_type=content_type,
                charset=headers.get_content_charset() or "",
                body=body,
            )
    except urllib.error.HTTPError as error:
        error.close()
        raise FetchError(f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise FetchError(_network_reason(error.reason, timeout)) from None
    except (TimeoutError, ssl.SSLError, http.client.HTTPException, OSError) as error:
        raise FetchError(_network_reason(error, timeout)) from None


def _network_reason(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"certificate verification failed ({reason.verify_message or reason.reason})"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error ({reason.reason or reason})"
    if isinstance(reason, OSError) and reason.strerror:
        return f"cannot connect ({reason.strerror.lower()})"
    text = " ".join(str(reason).split()) or type(reason).__name__
    return f"cannot fetch ({text[:200]})"
