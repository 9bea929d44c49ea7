"""Feeds: `quotebot index add --feed`, `quotebot index watch`, the feed ledger, and feeds in config.yaml."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.runtime
from bot.cli import cli
from index.engine import QuoteEngine
from index.feeds import MAX_ATTEMPTS
from index.subscriptions import LEDGER, FeedWatcher
from tests.conftest import SAMPLE, FakeEmbedder
from tests.local_server import Route, serve
from tests.pages import PARAGRAPHS, RSS, RSS_ITEM
from tests.test_links import index_state

MORE = [
    "港口方面表示，今年前四个月集装箱吞吐量同比增长百分之八，外贸航线新增五条，通关效率进一步提升。",
    "市文旅部门介绍，五一假期全市接待游客三百万人次，乡村旅游和海滨度假成为市民出游的热门选择。",
]


def _page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><meta charset='utf-8'><title>{title}_示例日报</title></head><body><h1>{title}</h1>"
            f"<div>发布时间：2024-05-14 10:00 来源：示例日报</div><div class='content'>{body}</div></body></html>").encode()


def _rss(base: str, entries: list[tuple[str, str]]) -> Route:
    items = "".join(
        RSS_ITEM.format(title=guid, link=f"{base}{path}", guid=guid, date="Thu, 16 May 2024 08:00:00 +0800")
        for path, guid in entries
    )
    return Route(body=RSS.format(base=base, items=items).encode("utf-8"), content_type="application/rss+xml")


@pytest.fixture
def site() -> Iterator[tuple[str, dict[str, Route]]]:
    routes: dict[str, Route] = {
        "/a/1.html": Route(body=_page("第一篇报道", PARAGRAPHS[:2])),
        "/a/2.html": Route(body=_page("第二篇报道", PARAGRAPHS[2:])),
        "/a/3.html": Route(body=_page("第三篇报道", MORE)),
        # The first story again under another link: a re-post, not a new article.
        "/a/1-repost.html": Route(body=_page("第一篇报道", PARAGRAPHS[:2])),
        "/page.html": Route(body=_page("不是订阅源", MORE)),
        "/broken.xml": Route(body=b"<rss><channel><item>", content_type="application/xml"),
    }
    with serve(lambda: routes) as base:
        yield base, routes


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    embedder = FakeEmbedder()
    monkeypatch.setattr(bot.runtime, "embedder_for", lambda settings: embedder)
    for name in ("QUOTEBOT_CONFIG", "QUOTEBOT_INDEX", "QUOTEBOT_ARTICLES", "QUOTEBOT_CACHE"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "config.yaml"
    path.write_text("search:\n  top_k: 3\n", encoding="utf-8")
    return path


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def feed_articles(config: Path) -> list[str]:
    code, out, _ = run(config, "index", "list", "--json")
    assert code == 0
    return sorted(str(a["title"]) for a in json.loads(out) if a["url"])


def test_a_feed_adds_two_items_then_only_the_new_one_and_never_a_duplicate(
    config: Path, site: tuple[str, dict[str, Route]]
) -> None:
    base, routes = site
    feed = f"{base}/feed.xml"
    routes["/feed.xml"] = _rss(base, [("/a/1.html", "g1"), ("/a/2.html", "g2")])
    code, out, err = run(config, "index", "add", "--feed", feed)
    assert code == 0, err
    assert f"feed {feed}: 2 items, 2 new, 0 already indexed, 0 failed." in out
    assert feed_articles(config) == ["第一篇报道", "第二篇报道"]

    # Next poll: one new story, the first one re-posted under a new link, and the old items again.
    routes["/feed.xml"] = _rss(base, [("/a/3.html", "g3"), ("/a/1-repost.html", "g4"), ("/a/1.html", "g1"),
                                      ("/a/2.html", "g2")])
    code, out, _ = run(config, "index", "add", "--feed", feed)
    assert code == 0 and f"feed {feed}: 4 items, 1 new, 1 already indexed, 0 failed." in out
    assert feed_articles(config) == ["第一篇报道", "第三篇报道", "第二篇报道"]

    # Nothing new: no item is fetched again, and the index keeps its generation.
    before = index_state(config)
    code, out, _ = run(config, "index", "add", "--feed", feed)
    assert code == 0 and f"feed {feed}: 4 items, 0 new, 0 already indexed, 0 failed." in out
    assert index_state(config) == before

    # Without the ledger, items are fetched again but still never indexed twice (by link and by content).
    ledger = config.parent / "data" / "cache" / LEDGER
    assert set(json.loads(ledger.read_text(encoding="utf-8"))) == {"keys", "hashes", "attempts"}
    ledger.unlink()
    code, out, _ = run(config, "index", "add", "--feed", feed)
    assert code == 0 and f"feed {feed}: 4 items, 0 new, 4 already indexed, 0 failed." in out
    assert index_state(config) == before


@pytest.mark.parametrize(
    ("path", "sentence"),
    [
        ("/page.html", "serves 'text/html', which QuoteBot cannot read; links must lead to a web page or a feed."),
        ("/broken.xml", "is not XML, so not an RSS or Atom feed"),
        ("/missing.xml", "the site answered 404 Not Found; check the link."),
    ],
)
def test_a_bad_feed_gets_one_sentence_and_nothing_else_changes(
    config: Path, site: tuple[str, dict[str, Route]], path: str, sentence: str
) -> None:
    base, _ = site
    assert run(config, "index", "build")[0] == 0
    before = index_state(config)
    code, out, err = run(config, "index", "add", "--feed", f"{base}{path}")
    assert code == 1 and out == ""
    assert err.startswith(f"Error: {base}{path}: {sentence}") and err.count("\n") == 1
    assert index_state(config) == before
    assert not (config.parent / "data" / "cache" / LEDGER).exists()


def test_an_item_that_cannot_be_fetched_is_tried_again_then_given_up(
    engine: QuoteEngine, tmp_path: Path, site: tuple[str, dict[str, Route]]
) -> None:
    base, routes = site
    routes["/feed.xml"] = _rss(base, [("/a/gone.html", "g-gone"), ("/a/1.html", "g1")])
    watcher = FeedWatcher(engine, tmp_path / "cache" / LEDGER)
    first = watcher.poll([f"{base}/feed.xml"])
    (result,) = first.feeds
    assert result.added == [f"{base}/a/1.html"] and [link for link, _ in result.failed] == [f"{base}/a/gone.html"]
    for _ in range(MAX_ATTEMPTS - 1):
        (result,) = watcher.poll([f"{base}/feed.xml"]).feeds
        assert [link for link, _ in result.failed] == [f"{base}/a/gone.html"] and result.added == []
    (result,) = watcher.poll([f"{base}/feed.xml"]).feeds
    assert result.failed == [] and result.added == []


def test_watch_polls_the_configured_feeds_until_ctrl_c(config: Path, site: tuple[str, dict[str, Route]]) -> None:
    base, routes = site
    routes["/feed.xml"] = _rss(base, [("/a/1.html", "g1"), ("/a/2.html", "g2")])
    config.write_text(f"feeds:\n  - {base}/feed.xml\nfeed_poll_minutes: 5\n", encoding="utf-8")
    assert run(config, "index", "build")[0] == 0
    ledger = config.parent / "data" / "cache" / LEDGER

    def interrupt_after_first_poll() -> None:
        # The ledger is written at the end of a poll; then the watcher waits five minutes for the next.
        for _ in range(400):
            if ledger.exists():
                break
            threading.Event().wait(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_after_first_poll, daemon=True).start()
    code, out, err = run(config, "index", "watch")
    assert code == 0, err
    assert f"feed {base}/feed.xml: 2 items, 2 new" in out
    assert err.splitlines()[0].startswith("Watching 1 feeds every 5 minutes") and err.splitlines()[-1] == "Stopped watching."
    assert feed_articles(config) == ["第一篇报道", "第二篇报道"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    code, out, _ = run(config, "index", "watch", "--once")
    assert code == 0 and f"feed {base}/feed.xml: 2 items, 0 new" in out


def test_watch_without_feeds_says_where_to_list_them(config: Path) -> None:
    code, _, err = run(config, "index", "watch")
    assert code == 2 and "list them under 'feeds:' in config.yaml" in err


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("feeds:\n  - ftp://example.invalid/rss.xml\n", "bad value for 'feeds': 'ftp://example.invalid/rss.xml' is not a "
                                                        "web link; each feed must start with http:// or https://"),
        ("feeds: https://example.invalid/rss.xml\n", "bad value for 'feeds'"),
        ("feed_poll_minutes: 1\n", "bad value for 'feed_poll_minutes': Input should be greater than or equal to 5"),
    ],
)
def test_feeds_in_config_are_checked(tmp_path: Path, yaml: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "index", "watch"])
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: Config file {path}: {message}")


def test_config_feeds_are_links_polled_once_each(tmp_path: Path) -> None:
    from bot.config import load_settings

    path = tmp_path / "config.yaml"
    path.write_text("feeds:\n  - https://a.example.invalid/rss\n  - https://a.example.invalid/rss\n", encoding="utf-8")
    settings = load_settings(path)
    assert settings.feeds == ["https://a.example.invalid/rss"] and settings.feed_poll_seconds == 30 * 60


def test_a_long_feed_is_taken_a_few_items_a_poll_and_undated_pages_take_the_feeds_date(
    engine: QuoteEngine, tmp_path: Path, site: tuple[str, dict[str, Route]]
) -> None:
    base, routes = site
    routes["/a/undated.html"] = Route(body=(
        "<html><head><meta charset='utf-8'><title>没有日期的报道</title></head><body><h1>没有日期的报道</h1>"
        f"<div class='content'><p>{MORE[0]}</p><p>{MORE[1]}</p></div></body></html>").encode())
    routes["/feed.xml"] = _rss(base, [("/a/undated.html", "g0"), ("/a/1.html", "g1"), ("/a/2.html", "g2")])
    watcher = FeedWatcher(engine, tmp_path / "cache" / LEDGER, max_items=2)
    added = [watcher.poll([f"{base}/feed.xml"]).feeds[0].added for _ in range(3)]
    assert added == [[f"{base}/a/undated.html", f"{base}/a/1.html"], [f"{base}/a/2.html"], []]
    dates = {a.title: a.date for a in engine.articles() if a.url}
    # The page names no date: the feed's pubDate stands in; the others keep their own.
    assert dates == {"没有日期的报道": "2024-05-16", "第一篇报道": "2024-05-14", "第二篇报道": "2024-05-14"}
