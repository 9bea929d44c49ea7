"""End to end with the real ``QuoteEngine`` (fake embedder from conftest) on the sample article."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from index.engine import QuoteEngine
from tests.fake_bot_api import BotRunner, FakeBotAPI, make_settings, running_bot

ADMIN = 4242
WEIHAI_QUOTE = "威海与青岛合作基础扎实"
NEW_ARTICLE = """日照港开通东南亚集装箱新航线

日照:港口开放再提速

本报讯 日照港至东南亚的集装箱新航线昨日正式开通，每周两班，覆盖胡志明、曼谷等港口。

日照港集团负责人表示，新航线将降低企业物流成本，带动临港产业发展。
"""


@pytest.fixture
def bot(api: FakeBotAPI, engine: QuoteEngine, tmp_path: Path) -> Iterator[BotRunner]:
    with running_bot(api, make_settings(tmp_path, admins=[ADMIN]), engine) as runner:
        yield runner


def test_weihai_question_in_private_and_group_with_working_buttons(
    api: FakeBotAPI, engine: QuoteEngine, bot: BotRunner
) -> None:
    user = api.user(1)
    chat, group = api.private_chat(user), api.group_chat(-100_7)
    mark = api.mark()
    api.send_text(chat, user, "威海书记说了什么")
    api.send_text(group, user, "/ask@QuoteTestBot 威海书记说了什么")
    (private,) = api.sent(chat["id"], mark)
    (grouped,) = api.sent(group["id"], mark)
    for reply in (private, grouped):
        assert WEIHAI_QUOTE in reply.result["text"]
        assert "威海:将积极接轨青岛" in reply.result["text"]

    index = next(i for i, q in enumerate(private.result["text"].split("\n\n")) if WEIHAI_QUOTE in q)
    context = [b for b in private.buttons() if b["text"].startswith("上下文")][index]
    mark = api.mark()
    api.press(user, private.result, context["callback_data"])
    (paragraph,) = api.sent(chat["id"], mark)
    assert WEIHAI_QUOTE in paragraph.result["text"] and "威海:将积极接轨青岛" in paragraph.result["text"]

    # 更多 appears only when the engine holds a fourth quote, and then shows it as number 4.
    mark = api.mark()
    api.send_text(chat, user, "青岛")
    (first,) = api.sent(chat["id"], mark)
    more = [b for b in first.buttons() if b["text"] == "更多"]
    assert bool(more) == (len(engine.ask("青岛", 4).quotes) == 4)
    if more:
        mark = api.mark()
        api.press(user, first.result, more[0]["callback_data"])
        (page,) = api.sent(chat["id"], mark)
        assert "\n4. 《" in page.result["text"]


def test_an_upload_is_answerable_at_once_while_questions_keep_being_answered(
    api: FakeBotAPI, engine: QuoteEngine, bot: BotRunner, tmp_path: Path
) -> None:
    gate, started = threading.Event(), threading.Event()
    embedder = engine.embedder
    encode = embedder.encode_passages

    def slow_encode(texts: Sequence[str]) -> Any:
        # Hold the update in mid-embedding, so the questions below certainly arrive while it runs.
        started.set()
        gate.wait(10)
        return encode(texts)

    embedder.encode_passages = slow_encode  # type: ignore[method-assign]
    admin = api.user(ADMIN)
    admin_chat = api.private_chat(admin)
    mark = api.mark()
    api.send_document(admin_chat, admin, "rizhao port.txt", NEW_ARTICLE.encode())
    assert started.wait(10)
    readers = [api.user(200 + i) for i in range(6)]
    for reader in readers:
        api.send_text(api.private_chat(reader), reader, "对接青岛就是对接世界")
    for reader in readers:
        assert "对接青岛就是对接世界" in api.sent(reader["id"], mark)[0].result["text"]
    assert api.calls_of("editMessageText", mark) == []  # all answered while the update was still held
    gate.set()
    (done,) = api.wait_for("editMessageText", lambda c: c.ok and c.chat_id == ADMIN, since=mark)
    # The reply reports what the engine made of the file: its title, id, sections and chunks.
    (added,) = [a for a in engine.articles() if a.article_id.startswith("rizhao-port-")]
    assert f"已添加《{added.title}》（编号 {added.article_id}）" in done.result["text"]
    assert f"{len(added.sections)} 节，{added.chunks} 段" in done.result["text"]
    assert (tmp_path / "articles").is_dir() and len(list((tmp_path / "articles").glob("rizhao-port-*.txt"))) == 1

    mark = api.mark()
    api.send_text(admin_chat, admin, "日照港新开通了什么航线")
    (answer,) = api.sent(ADMIN, mark)
    assert "东南亚的集装箱新航线" in answer.result["text"]


def test_remove_keeps_a_file_that_holds_other_articles_and_reload_restores(
    api: FakeBotAPI, engine: QuoteEngine, bot: BotRunner
) -> None:
    admin = api.user(ADMIN)
    chat = api.private_chat(admin)
    before = len(engine.articles())
    mark = api.mark()
    api.send_text(chat, admin, "/remove jiaodong-economic-circle")
    (removed,) = api.sent(ADMIN, mark)
    assert "已删除" in removed.result["text"] and "原样保留" in removed.result["text"]
    assert len(engine.articles()) == before - 1
    mark = api.mark()
    api.send_text(chat, admin, "/reload")
    (done,) = api.wait_for("editMessageText", lambda c: c.ok, since=mark)
    assert f"索引已重建：{before} 篇文章" in done.result["text"]
    mark = api.mark()
    api.send_text(chat, admin, "/stats")
    assert f"文章：{before}" in api.sent(ADMIN, mark)[0].result["text"]
