from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from index.articles import load_bytes, url_base_id
from index.errors import FetchError, QuoteBotError
from index.fetching import fetch
from tests.local_server import Route, serve
from tests.pages import TITLE, portal_page

PAGE = portal_page("gb2312").encode("utf-8")  # a page whose <meta> lies about its charset


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    routes = {
        "/news/a1.html": Route(body=PAGE, content_type="text/html"),
        "/gbk.html": Route(body=portal_page("gbk").encode("gb18030"), content_type="text/html; charset=GBK"),
        "/moved": Route(302, headers={"Location": "/news/a1.html"}),
        "/loop": Route(302, headers={"Location": "/loop"}),
        "/logo.png": Route(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png"),
        "/big.html": Route(body=b"<p>" + "很长的页面。".encode() * 200_000 + b"</p>"),
        "/big-unannounced.html": Route(body=b"<p>" + "很长的页面。".encode() * 200_000 + b"</p>", length=False),
        "/slow.html": Route(body=PAGE, delay=1.5),
        "/report.pdf": Route(body=b"%PDF-1.4 fake", content_type="application/pdf"),
        "/empty.html": Route(body=b"   "),
    }
    with serve(routes) as url:
        yield url


def test_a_page_is_fetched_and_indexed_with_its_final_url(base: str) -> None:
    fetched = fetch(f"{base}/moved")
    assert fetched.url == f"{base}/news/a1.html"
    assert fetched.content_type == "text/html" and fetched.suffix == ".html"
    (article,) = load_bytes(fetched.data, "a1.html", url_base_id(fetched.url), url=fetched.url,
                            content_type=fetched.header)
    assert article.title == TITLE and article.url == fetched.url and article.date == "2024-05-14"


def test_the_header_charset_decodes_a_gbk_page(base: str) -> None:
    fetched = fetch(f"{base}/gbk.html")
    (article,) = load_bytes(fetched.data, "gbk.html", "gbk", url=fetched.url, content_type=fetched.header)
    assert article.title == TITLE


def test_a_document_link_keeps_its_type(base: str) -> None:
    assert fetch(f"{base}/report.pdf").suffix == ".pdf"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.html", r"the site answered 404 Not Found; check the link\."),
        ("/logo.png", r"serves 'image/png', which QuoteBot cannot read; links must lead to a web page"),
        ("/big.html", r"is 3\.4 MB; the limit is 1\.0 MB\."),
        ("/big-unannounced.html", r"is larger than the limit of 1\.0 MB\."),
        ("/loop", r"redirected more than 3 times; give the final link\."),
        ("/slow.html", r"no answer within 0\.5 seconds"),
        ("/empty.html", r"the site sent an empty page\."),
    ],
)
def test_every_failure_is_one_sentence(base: str, path: str, message: str) -> None:
    with pytest.raises(FetchError, match=message) as info:
        fetch(f"{base}{path}", max_bytes=1024 * 1024, timeout=0.5, max_redirects=3)
    assert isinstance(info.value, QuoteBotError)
    assert "\n" not in str(info.value) and str(info.value).endswith(".")


def test_an_unreachable_host_is_one_sentence() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more.
    with pytest.raises(FetchError, match=rf"127\.0\.0\.1:{port}/a\.html: cannot be reached \(ConnectError\)"):
        fetch(f"http://127.0.0.1:{port}/a.html", timeout=2)


@pytest.mark.parametrize("url", ["ftp://example.invalid/a.html", "file:///etc/passwd", "not a link", "http://"])
def test_only_web_links_are_fetched(url: str) -> None:
    with pytest.raises(FetchError, match="is not a web link"):
        fetch(url)


def test_link_ids_are_short_stable_and_distinct() -> None:
    a = url_base_id("https://news.example.invalid/2024/0514/a1.html")
    b = url_base_id("https://news.example.invalid/2024/0515/a1.html")
    assert a.startswith("news-a1-") and a != b and a == url_base_id("https://news.example.invalid/2024/0514/a1.html")
    assert len(a) <= 40 and a.isascii()
