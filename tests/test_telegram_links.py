"""End to end in Telegram: an admin's link is indexed; answers show the date and link to the original.

Pages are the tests' own, served by a local HTTP server on 127.0.0.1; the bot is the real application
against the fake Bot API.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.settings import IngestLimits
from tests.engines import HeldEngine, make_engine
from tests.fake_bot_api import BotRunner, FakeBotAPI, make_settings, running_bot
from tests.local_server import Route, closed_port, serve
from tests.pages import PARAGRAPHS, TITLE, portal_page

ADMIN = 4242
# The engine's ingest.max_file_mb is 1 here: a link is cut off at this size.
MAX_BYTES = 1024 * 1024
# PARAGRAPHS[2] of the portal page, asked about in other words.
QUESTION = "烟台将在哪些领域开展合作"


@pytest.fixture
def site() -> Iterator[tuple[str, dict[str, Route], list[str]]]:
    routes: dict[str, Route] = {
        "/news/a1.html": Route(body=portal_page().encode("utf-8")),
        "/logo.png": Route(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png"),
        "/huge.html": Route(body=b"<p>" + b"x" * (MAX_BYTES + 10) + b"</p>"),
    }
    requested: list[str] = []

    def table() -> dict[str, Route]:
        requested.append("request")
        return routes

    with serve(table) as base:
        yield base, routes, requested


@pytest.fixture
def engine(tmp_path: Path) -> HeldEngine:
    return make_engine(tmp_path / "articles", limits=IngestLimits(max_file_bytes=MAX_BYTES))


@pytest.fixture
def bot(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> Iterator[BotRunner]:
    with running_bot(api, make_settings(tmp_path, admins=[ADMIN]), engine) as runner:
        yield runner


def _final_text(api: FakeBotAPI, chat_id: int, since: int) -> str:
    (edit,) = api.wait_for("editMessageText", lambda c: c.ok and c.chat_id == chat_id, since=since, timeout=30)
    return edit.result["text"]


def _links(markup: str) -> list[tuple[str, str]]:
    return [(html.unescape(href), html.unescape(label))
            for href, label in re.findall(r'<a href="([^"]*)">(.*?)</a>', markup)]  # fmt: skip


def test_an_admins_link_is_indexed_and_answers_link_to_it_with_its_date(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, site: tuple[str, dict[str, Route], list[str]]
) -> None:
    base, _, _ = site
    admin = api.user(ADMIN)
    chat = api.private_chat(admin)
    mark = api.mark()
    api.send_text(chat, admin, f"  {base}/news/a1.html\n")
    (busy,) = api.sent(chat["id"], mark)
    assert "正在读取链接" in busy.result["text"]
    result = _final_text(api, chat["id"], mark)
    (added,) = [a for a in engine.articles() if a.url is not None]
    assert added.url == f"{base}/news/a1.html" and added.date == "2024-05-14"
    assert result == f"已添加《{TITLE}》（2024-05-14 · 示例日报，编号 {added.article_id}）：{added.chunks} 段可检索的文字。"

    reader = api.user(7)
    reader_chat = api.private_chat(reader)
    mark = api.mark()
    api.send_text(reader_chat, reader, QUESTION)
    (answer,) = api.sent(reader_chat["id"], mark)
    assert PARAGRAPHS[2][:20] in answer.result["text"]
    # Title and section, then the speaker where there is one, then date, outlet and the link.
    source = next(line for line in answer.result["text"].splitlines() if line.startswith("1. "))
    assert source.startswith(f"1. 《{TITLE}》 · 产业协同成为重点 · ") and source.endswith(" · 2024-05-14 · 示例日报 · 原文")
    assert (f"{base}/news/a1.html", "原文") in _links(answer.text)

    # Inline answers carry the same source line and link.
    mark = api.mark()
    api.inline(api.user(8, language_code="en"), QUESTION)
    (inline,) = api.wait_for("answerInlineQuery", lambda c: c.ok, since=mark)
    message = inline.params["results"][0]["input_message_content"]["message_text"]
    assert (f"{base}/news/a1.html", "source") in _links(message) and "2024-05-14" in message


def test_the_same_link_twice_is_reported_unchanged_in_english(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, site: tuple[str, dict[str, Route], list[str]]
) -> None:
    base, _, _ = site
    admin = api.user(ADMIN, language_code="en")
    chat = api.private_chat(admin)
    mark = api.mark()
    api.send_text(chat, admin, f"{base}/news/a1.html")
    assert _final_text(api, chat["id"], mark).startswith(f"Added “{TITLE}” (2024-05-14 · 示例日报, id ")
    generation = engine.stats()["generation"]
    mark = api.mark()
    api.send_text(chat, admin, f"{base}/news/a1.html")
    assert _final_text(api, chat["id"], mark) == f"“{TITLE}” is already in the index, unchanged."
    assert engine.stats()["generation"] == generation and len(engine.articles()) == 2


@pytest.mark.parametrize(
    ("path", "sentence"),
    [
        ("/missing.html", "the site answered 404 Not Found; check the link."),
        ("/logo.png", "serves 'image/png', which QuoteBot cannot read; links must lead to a web page, a Word or "
                      "PDF file."),
        ("/huge.html", "is 1.0 MB; the limit is 1.0 MB."),
        (None, "cannot be reached (ConnectError); check the link."),
    ],
)
def test_a_bad_link_gets_one_sentence_and_nothing_else_changes(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, site: tuple[str, dict[str, Route], list[str]],
    path: str | None, sentence: str,
) -> None:
    base, _, _ = site
    url = f"{base}{path}" if path else f"http://127.0.0.1:{closed_port()}/news.html"
    before = (engine.articles(), engine.stats()["generation"])
    admin = api.user(ADMIN)
    chat = api.private_chat(admin)
    mark = api.mark()
    api.send_text(chat, admin, url)
    assert _final_text(api, chat["id"], mark) == f"没能添加这个链接：{url}: {sentence}"
    assert (engine.articles(), engine.stats()["generation"]) == before
    assert len(api.sent(chat["id"], mark, count=1)) == 1


def test_anyone_elses_link_is_a_question_and_fetches_nothing(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, site: tuple[str, dict[str, Route], list[str]]
) -> None:
    base, _, requested = site
    reader = api.user(7)
    chat = api.private_chat(reader)
    mark = api.mark()
    api.send_text(chat, reader, f"{base}/news/a1.html")
    (reply,) = api.sent(chat["id"], mark)
    assert reply.result["text"].startswith("抱歉，我收录的文章里没有能回答")
    assert requested == [] and len(engine.articles()) == 1


def test_a_link_inside_a_sentence_is_a_question_even_for_an_admin(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, site: tuple[str, dict[str, Route], list[str]]
) -> None:
    base, _, requested = site
    admin = api.user(ADMIN)
    chat = api.private_chat(admin)
    mark = api.mark()
    api.send_text(chat, admin, f"这篇说了什么 {base}/news/a1.html")
    (reply,) = api.sent(chat["id"], mark)
    assert "正在读取链接" not in reply.result["text"]
    assert requested == [] and len(engine.articles()) == 1


def test_questions_are_answered_while_a_link_is_being_fetched_and_indexed(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, site: tuple[str, dict[str, Route], list[str]]
) -> None:
    base, _, _ = site
    engine.hold_updates = threading.Event()
    admin = api.user(ADMIN)
    chat = api.private_chat(admin)
    mark = api.mark()
    api.send_text(chat, admin, f"{base}/news/a1.html")
    assert engine.update_started.wait(10)
    readers = [api.user(100 + i) for i in range(4)]
    for reader in readers:
        api.send_text(api.private_chat(reader), reader, "威海书记说了什么")
    for reader in readers:
        (reply,) = api.sent(reader["id"], mark)
        assert "威海与青岛合作基础扎实" in reply.result["text"]
    assert api.calls_of("editMessageText", mark) == []
    engine.hold_updates.set()
    assert _final_text(api, chat["id"], mark).startswith(f"已添加《{TITLE}》")
