"""``quotebot serve`` follows its feeds: the job queue polls them, new items are indexed once, never twice.

The feed and its pages are the tests' own, on 127.0.0.1; the job's callback is run on the bot's event
loop with the context PTB would give it, so the test decides when a poll happens.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import CallbackContext, Job

from bot.runtime import feed_watcher
from bot.telegram import feeds
from index import QuoteEngine
from tests.conftest import FakeEmbedder
from tests.engines import HeldEngine, make_engine
from tests.fake_bot_api import BotRunner, FakeBotAPI, make_settings, running_bot
from tests.local_server import Route, serve
from tests.pages import PARAGRAPHS
from tests.test_feeds import _page, _rss

Site = tuple[str, dict[str, Route]]


@pytest.fixture
def site() -> Iterator[Site]:
    routes: dict[str, Route] = {
        "/a/1.html": Route(body=_page("第一篇报道", PARAGRAPHS[:2])),
        "/a/2.html": Route(body=_page("第二篇报道", PARAGRAPHS[2:])),
        "/a/3.html": Route(body=_page("第三篇报道", PARAGRAPHS[1:3])),
        # The first story again under another link: a re-post, not a new article.
        "/a/1-repost.html": Route(body=_page("第一篇报道", PARAGRAPHS[:2])),
    }
    with serve(lambda: routes) as base:
        yield base, routes


def _feed(site: Site, entries: list[tuple[str, str, str]]) -> None:
    base, routes = site
    routes["/feed.xml"] = Route(body=_rss(base, entries), content_type="application/rss+xml")


@pytest.fixture
def engine(tmp_path: Path) -> HeldEngine:
    return make_engine(tmp_path / "articles")


@pytest.fixture
def bot(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path, site: Site) -> Iterator[BotRunner]:
    settings = make_settings(tmp_path).model_copy(update={"feeds": [f"{site[0]}/feed.xml"], "feed_poll_minutes": 5})
    with running_bot(api, settings, engine) as runner:
        yield runner


def _job(runner: BotRunner) -> Job[Any]:
    """The feed job, paused: the test runs its callback itself."""
    assert runner.app is not None and runner.app.job_queue is not None
    (job,) = runner.app.job_queue.get_jobs_by_name(feeds.JOB_NAME)

    async def pause() -> None:
        job.enabled = False

    runner.run(pause())
    return job


def _poll(runner: BotRunner, job: Job[Any]) -> None:
    assert runner.app is not None
    runner.run(feeds.poll_feeds(CallbackContext.from_job(job, runner.app)), timeout=60)


def _feed_urls(engine: HeldEngine) -> list[str]:
    return sorted(a.url for a in engine.articles() if a.url is not None)


def test_serve_polls_its_feeds_two_items_then_the_new_one_never_a_duplicate(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    base, _ = site
    job = _job(bot)
    assert job.job.trigger.interval == dt.timedelta(minutes=5)
    _feed(site, [("/a/1.html", "第一篇", "g1"), ("/a/2.html", "第二篇", "g2")])
    caplog.set_level(logging.INFO, logger="bot")
    _poll(bot, job)
    assert _feed_urls(engine) == [f"{base}/a/1.html", f"{base}/a/2.html"]
    assert [r.getMessage() for r in caplog.records if r.name == feeds.__name__] == [
        "Feeds polled: 1 feeds, 2 new items (2 articles indexed: 《第一篇报道》、《第二篇报道》), 0 already indexed, "
        "0 problems."
    ]
    generation = engine.stats()["generation"]
    assert bot.data.metrics.value("quotebot_index_generation") == generation

    # The bot answers from the new articles at once, with their date and a link to each.
    reader = api.user(7)
    chat = api.private_chat(reader)
    mark = api.mark()
    api.send_text(chat, reader, "烟台将在哪些领域开展合作")
    (answer,) = api.sent(chat["id"], mark)
    assert PARAGRAPHS[2][:20] in answer.result["text"]
    # The source line: title, then the speaker where there is one, then date, outlet and the link.
    source = next(line for line in answer.result["text"].splitlines() if line.startswith("1. "))
    assert source.startswith("1. 《第二篇报道》 · ") and source.endswith(" · 2024-05-14 · 示例日报 · 原文")
    assert f'<a href="{base}/a/2.html">原文</a>' in answer.text

    _feed(site, [("/a/1.html", "第一篇", "g1"), ("/a/2.html", "第二篇", "g2"), ("/a/3.html", "第三篇", "g3"),
                 ("/a/1-repost.html", "第一篇（重发）", "g4")])  # fmt: skip
    caplog.clear()
    _poll(bot, job)
    assert _feed_urls(engine) == [f"{base}/a/1.html", f"{base}/a/2.html", f"{base}/a/3.html"]
    assert "1 new items (1 articles indexed: 《第三篇报道》), 1 already indexed" in caplog.records[0].getMessage()

    # Nothing new: nothing indexed, no new generation; and `quotebot index watch` shares the ledger.
    generation = engine.stats()["generation"]
    _poll(bot, job)
    assert feed_watcher(bot.settings, engine.engine).poll([f"{base}/feed.xml"]).index.added == []
    assert engine.stats()["generation"] == generation
    assert _feed_urls(engine) == [f"{base}/a/1.html", f"{base}/a/2.html", f"{base}/a/3.html"]


@pytest.mark.parametrize(
    ("route", "problem"),
    [
        (Route(500, b"oops", "text/plain"), "the site answered 500 Internal Server Error"),
        (Route(body=b"not a feed at all", content_type="application/xml"), "is not XML, so not an RSS or Atom feed"),
    ],
)
def test_a_broken_feed_is_one_warning_per_poll_and_changes_nothing(
    engine: HeldEngine, bot: BotRunner, site: Site, caplog: pytest.LogCaptureFixture, route: Route, problem: str
) -> None:
    base, routes = site
    routes["/feed.xml"] = route
    job = _job(bot)
    before = (engine.articles(), engine.stats()["generation"])
    caplog.set_level(logging.INFO)
    for _ in range(2):
        _poll(bot, job)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(": ", 1)[0] for r in warnings] == ["Feed poll problems"] * 2
    assert all(problem in r.getMessage() and f"{base}/feed.xml" in r.getMessage() for r in warnings)
    assert all(r.exc_info is None for r in caplog.records)
    assert (engine.articles(), engine.stats()["generation"]) == before


def test_an_item_that_fails_is_named_in_the_polls_one_warning(
    engine: HeldEngine, bot: BotRunner, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    base, _ = site
    _feed(site, [("/a/1.html", "第一篇", "g1"), ("/a/gone.html", "不见了", "g2")])
    job = _job(bot)
    caplog.set_level(logging.INFO)
    _poll(bot, job)
    assert _feed_urls(engine) == [f"{base}/a/1.html"]
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.getMessage() == f"Feed poll problems: {base}/a/gone.html: the site answered 404 Not Found; check the link."


def test_without_feeds_nothing_is_scheduled(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> None:
    with running_bot(api, make_settings(tmp_path), engine) as runner:
        assert runner.app is not None and runner.app.job_queue is not None
        assert runner.app.job_queue.get_jobs_by_name(feeds.JOB_NAME) == ()
        assert runner.data.feed_poller is None


def test_the_job_queue_runs_the_first_poll_by_itself(
    api: FakeBotAPI, engine: HeldEngine, tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = site
    _feed(site, [("/a/1.html", "第一篇", "g1"), ("/a/2.html", "第二篇", "g2")])
    monkeypatch.setattr(feeds, "FIRST_POLL_SECONDS", 0.1)
    settings = make_settings(tmp_path).model_copy(update={"feeds": [f"{base}/feed.xml"]})
    with running_bot(api, settings, engine):
        deadline = time.monotonic() + 30
        while len(_feed_urls(engine)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert _feed_urls(engine) == [f"{base}/a/1.html", f"{base}/a/2.html"]


def test_an_item_the_cli_indexed_a_moment_ago_counts_as_already_indexed(
    engine: HeldEngine, bot: BotRunner, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    base, _ = site
    _feed(site, [("/a/1.html", "第一篇", "g1"), ("/a/2.html", "第二篇", "g2")])
    job = _job(bot)
    # `quotebot index add URL` in another process, just before the poll (before the bot's index watch).
    cli = QuoteEngine.open(engine.engine.settings, FakeEmbedder())
    cli.add_urls([f"{base}/a/1.html"])
    caplog.set_level(logging.INFO, logger="bot")
    _poll(bot, job)
    (line,) = [r.getMessage() for r in caplog.records if r.name == feeds.__name__]
    assert "1 new items (1 articles indexed: 《第二篇报道》), 1 already indexed" in line
    assert _feed_urls(engine) == [f"{base}/a/1.html", f"{base}/a/2.html"]
