"""Fetch one link: a news page (or a Word/PDF/text file) over HTTP(S), within limits.

Every way a fetch can fail (unreachable, an HTTP error, a type QuoteBot cannot read, too large,
too slow, too many redirects) is a :class:`FetchError` with a sentence naming the link. The body is
read as a stream and dropped as soon as it passes the size limit, whatever the server announced.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from index.errors import FetchError

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = 20.0
MAX_REDIRECTS = 5
# What a link may serve, by media type → the suffix the loader reads it as.
READABLE_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
USER_AGENT = "QuoteBot/0.1 (+news quotation bot)"


@dataclass(frozen=True)
class Fetched:
    """What a link served: its bytes, the URL after redirects, and the media type (without parameters)."""

    url: str
    data: bytes
    content_type: str
    # The full Content-Type header: its charset is a hint for decoding.
    header: str

    @property
    def suffix(self) -> str:
        """The file type the loader reads this as (.html, .pdf, .docx…)."""
        return READABLE_TYPES.get(self.content_type, ".html")


def check_url(url: str) -> str:
    """The URL, stripped; a :class:`FetchError` unless it is an http(s) link with a host."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"'{url}' is not a web link; give a link that starts with http:// or https://.")
    return url


def fetch(
    url: str,
    *,
    accept: tuple[str, ...] = tuple(READABLE_TYPES),
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
    transport: httpx.BaseTransport | None = None,
) -> Fetched:
    """GET ``url`` following at most ``max_redirects`` redirects; only the media types in ``accept`` pass."""
    url = check_url(url)
    client = httpx.Client(
        follow_redirects=True,
        max_redirects=max_redirects,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT, "Accept": ", ".join(accept) + ", */*;q=0.1"},
        transport=transport,
    )
    try:
        with client, client.stream("GET", url) as response:
            return _read(url, response, accept, max_bytes)
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"{url}: redirected more than {max_redirects} times; give the final link.") from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"{url}: no answer within {timeout:g} seconds; the site is too slow or down.") from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"'{url}' is not a valid web link ({exc}).") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: cannot be reached ({type(exc).__name__}); check the link.") from exc


def _read(url: str, response: httpx.Response, accept: tuple[str, ...], max_bytes: int) -> Fetched:
    if response.status_code >= 400:
        reason = response.reason_phrase or "error"
        raise FetchError(f"{url}: the site answered {response.status_code} {reason}; check the link.")
    header = response.headers.get("content-type", "")
    media = header.split(";")[0].strip().lower()
    if media and media not in accept:
        raise FetchError(
            f"{url}: serves '{media}', which QuoteBot cannot read; links must lead to a web page"
            f"{' or a feed' if set(accept) & set(FEED_TYPES) else ', a Word or PDF file'}."
        )
    announced = response.headers.get("content-length")
    if announced and announced.isdigit() and int(announced) > max_bytes:
        raise FetchError(f"{url}: is {_mb(int(announced))} MB; the limit is {_mb(max_bytes)} MB.")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: is larger than the limit of {_mb(max_bytes)} MB.")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data.strip():
        raise FetchError(f"{url}: the site sent an empty page.")
    return Fetched(str(response.url), data, media or "text/html", header)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"
