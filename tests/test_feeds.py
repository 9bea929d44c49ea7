from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.articles import content_hash, load_bytes, url_base_id
from index.errors import FeedError, FetchError
from index.feeds import FeedItem, FeedLedger, parse_feed
from index.fetching import FEED_TYPES, fetch
from index.records import CleanArticle
from tests.local_server import Route, serve
from tests.pages import ATOM, PARAGRAPHS, RSS, RSS_ITEM

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a0 "ha"><!ENTITY a1 "&a0;&a0;&a0;&a0;&a0;&a0;&a0;&a0;">'
    b'<!ENTITY a2 "&a1;&a1;&a1;&a1;&a1;&a1;&a1;&a1;">]><rss version="2.0"><channel><title>&a2;</title>'
    b"</channel></rss>"
)


def _rss(base: str, entries: list[tuple[str, str, str]]) -> bytes:
    items = "".join(
        RSS_ITEM.format(title=title, link=f"{base}{path}", guid=guid, date="Tue, 14 May 2024 08:00:00 +0800")
        for path, title, guid in entries
    )
    return RSS.format(base=base, items=items).encode("utf-8")


def test_rss_items() -> None:
    items = parse_feed(_rss("https://example.invalid", [("/a/1.html", "第一篇", "g1"), ("/a/2.html", "第二篇", "g2")]))
    assert items == [
        FeedItem("https://example.invalid/a/1.html", "第一篇", "2024-05-14", "g1"),
        FeedItem("https://example.invalid/a/2.html", "第二篇", "2024-05-14", "g2"),
    ]


def test_atom_entries_resolve_relative_links_and_skip_entries_without_one() -> None:
    items = parse_feed(ATOM.encode("utf-8"), "https://example.invalid/feed.xml")
    assert [(i.link, i.title, i.date, i.guid) for i in items] == [
        ("https://example.invalid/a/1.html", "第一篇", "2024-05-14", "urn:example:1"),
        ("https://example.invalid/a/2.html", "第二篇", "2024-05-15", "urn:example:2"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body><p>a page</p></body></html>", r"is XML but not an RSS or Atom feed \(its root element is <html>\)"),
        (b"this is plain text, not a feed", r"is not XML, so not an RSS or Atom feed"),
        ("<p>未闭合".encode(), r"is not XML"),
        (BOMB, r"declares XML entities, which QuoteBot refuses to expand"),
        (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><rss>&x;</rss>',
         r"declares XML entities"),
    ],
)
def test_what_is_not_a_feed_is_one_sentence(data: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=rf"^https://example\.invalid/feed: {message}"):
        parse_feed(data, "https://example.invalid/feed")


def _page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><meta charset='utf-8'><title>{title}_示例日报</title></head><body><h1>{title}</h1>"
            f"<div>发布时间：2024-05-14 10:00 来源：示例日报</div><div class='content'>{body}</div></body></html>").encode()


@pytest.fixture
def site() -> Iterator[tuple[str, dict[str, Route]]]:
    routes: dict[str, Route] = {
        "/a/1.html": Route(body=_page("第一篇报道", PARAGRAPHS[:2])),
        "/a/2.html": Route(body=_page("第二篇报道", PARAGRAPHS[2:])),
        "/a/3.html": Route(body=_page("第三篇报道", PARAGRAPHS[1:3])),
        # The first story again under another link: a re-post, not a new article.
        "/a/1-repost.html": Route(body=_page("第一篇报道", PARAGRAPHS[:2])),
    }
    with serve(lambda: routes) as base:
        yield base, routes


def _poll(feed_url: str, ledger: FeedLedger) -> list[CleanArticle]:
    """One poll as the watcher does it: fetch the feed, fetch each unseen item, keep the new articles."""
    feed = fetch(feed_url, accept=FEED_TYPES)
    added: list[CleanArticle] = []
    for item in ledger.unseen(parse_feed(feed.data, feed.url)):
        page = fetch(item.link)
        articles = load_bytes(page.data, Path(item.link).name, url_base_id(page.url), url=page.url,
                              content_type=page.header)
        if ledger.remember(item, content_hash(articles[0])):
            added.extend(articles)
    return added


def test_polling_adds_two_items_then_only_the_new_one_and_never_a_duplicate(
    site: tuple[str, dict[str, Route]],
) -> None:
    base, routes = site
    entries = [("/a/1.html", "第一篇", "g1"), ("/a/2.html", "第二篇", "g2")]
    routes["/feed.xml"] = Route(body=_rss(base, entries), content_type="application/rss+xml")
    ledger = FeedLedger()
    first = _poll(f"{base}/feed.xml", ledger)
    assert [a.title for a in first] == ["第一篇报道", "第二篇报道"]
    assert all(a.url and a.url.startswith(base) and a.date == "2024-05-14" for a in first)

    entries += [("/a/3.html", "第三篇", "g3"), ("/a/1-repost.html", "第一篇（重发）", "g4")]
    routes["/feed.xml"] = Route(body=_rss(base, entries), content_type="application/rss+xml")
    second = _poll(f"{base}/feed.xml", FeedLedger.from_json(ledger.to_json()))
    assert [a.title for a in second] == ["第三篇报道"]


def test_a_page_is_not_a_feed(site: tuple[str, dict[str, Route]]) -> None:
    base, _ = site
    with pytest.raises(FetchError, match="serves 'text/html'"):
        fetch(f"{base}/a/1.html", accept=FEED_TYPES)
