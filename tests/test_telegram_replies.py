"""Modern replies: quoting the asked words in groups, expandable passages, "typing…", deep links, topics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engines import ARTICLE_TITLE, WEIHAI_QUOTE, HeldEngine, make_engine
from tests.fake_bot_api import BotRunner, FakeBotAPI, make_settings, running_bot

GROUP = -100_808
ADMIN = 4242


# One bot for the whole module: these tests only read the index, and each uses users of its own.
# Tests that start a bot of their own do it on a server of their own (``own_api``).
@pytest.fixture(scope="module")
def api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI()
    server.start()
    yield server
    server.close()


@pytest.fixture
def own_api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI()
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> HeldEngine:
    return make_engine(tmp_path_factory.mktemp("engine") / "articles")


@pytest.fixture(scope="module")
def bot(api: FakeBotAPI, engine: HeldEngine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotRunner]:
    api.private_chat(api.user(ADMIN))
    settings = make_settings(tmp_path_factory.mktemp("bot"), admins=[ADMIN], typing_after_seconds=0)
    with running_bot(api, settings, engine) as runner:
        yield runner



def test_a_group_answer_quotes_the_asked_words_of_the_question(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(71)
    group = api.group_chat(GROUP)
    mark = api.mark()
    api.send_text(group, user, "@QuoteTestBot 威海书记说了什么")
    (reply,) = api.sent(GROUP, mark)
    parameters = reply.params["reply_parameters"]
    assert parameters["quote"] == "威海书记说了什么"
    assert reply.result["reply_to_message"]["text"] == "@QuoteTestBot 威海书记说了什么"
    assert WEIHAI_QUOTE in reply.result["text"]


def test_a_quote_telegram_refuses_is_dropped_not_the_answer(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(72)
    group = api.group_chat(GROUP)
    api.fail("sendMessage", 400, "Bad Request: QUOTE_TEXT_INVALID")
    mark = api.mark()
    api.send_text(group, user, "/ask 威海书记说了什么")
    (reply,) = api.sent(GROUP, mark)
    assert "quote" not in reply.params["reply_parameters"] and WEIHAI_QUOTE in reply.result["text"]


def test_typing_is_shown_while_searching_in_the_chat_and_topic_asked(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(73)
    group = api.group_chat(GROUP)
    group["is_forum"] = True
    mark = api.mark()
    question = {"message_id": 9001, "date": 0, "chat": group, "from": user, "text": "/ask 威海书记说了什么",
                "message_thread_id": 77, "is_topic_message": True,
                "entities": [{"type": "bot_command", "offset": 0, "length": 4}]}  # fmt: skip
    api.push({"message": question})
    (reply,) = api.sent(GROUP, mark)
    (typing,) = api.wait_for("sendChatAction", since=mark)
    assert typing.params["action"] == "typing" and typing.params["message_thread_id"] == 77
    # The answer stays in the forum topic the question was asked in.
    assert reply.params["message_thread_id"] == 77 and WEIHAI_QUOTE in reply.result["text"]
    assert api.calls.index(typing) < api.calls.index(reply)


def test_long_passages_are_expandable_short_ones_are_not(own_api: FakeBotAPI, tmp_path: Path) -> None:
    api = own_api
    long_sentence = "威海港口合作取得新进展，" + "双方在航线、物流与口岸通关方面持续深化协作，" * 12 + "成效明显。"
    text = f"港口合作\n\n本报讯 威海港务局介绍了港口合作的情况。\n\n{long_sentence}\n"
    engine = make_engine(tmp_path / "long", text)
    user = api.user(74)
    chat = api.private_chat(user)
    with running_bot(api, make_settings(tmp_path), engine) as runner:
        mark = api.mark()
        runner.wait_processed(api.send_text(chat, user, "威海港口合作进展"))
        replies = [c for c in api.calls_of("sendMessage", mark) if c.ok]
    assert any("<blockquote expandable>" in r.text for r in replies)
    for reply in replies:
        for part in reply.text.split("<blockquote")[1:]:
            body = part.split("</blockquote>")[0]
            assert body.startswith(" expandable>") == (len(body.split(">", 1)[1]) > 200)


def test_a_deep_link_opens_its_article(api: FakeBotAPI, bot: BotRunner, engine: HeldEngine) -> None:
    user = api.user(75, "en")
    chat = api.private_chat(user)
    (article,) = engine.articles()
    mark = api.mark()
    api.send_text(chat, user, f"/start {article.article_id}")
    (reply,) = api.sent(chat["id"], mark)
    text = reply.result["text"]
    assert text.startswith(f"《{ARTICLE_TITLE}》")
    assert all(section in text for section in article.sections)
    assert engine.paragraph(article.article_id, 0).text in text  # type: ignore[union-attr]
    assert "Ask me about" in text
    # An unknown or malformed payload falls back to the usual help.
    mark = api.mark()
    api.send_text(chat, user, "/start no-such-article")
    api.send_text(chat, user, "/start ../../etc/passwd")
    replies = api.sent(chat["id"], mark, count=2)
    assert all("The articles I know" in r.result["text"] for r in replies)


def test_articles_lists_deep_links(api: FakeBotAPI, bot: BotRunner, engine: HeldEngine) -> None:
    admin = api.user(ADMIN)
    chat = api.private_chat(admin)
    (article,) = engine.articles()
    mark = api.mark()
    api.send_text(chat, admin, "/articles")
    (reply,) = api.sent(chat["id"], mark)
    assert f"https://t.me/QuoteTestBot?start={article.article_id}" in reply.result["text"]


def test_a_quick_answer_needs_no_typing(own_api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> None:
    api = own_api
    user = api.user(76)
    chat = api.private_chat(user)
    with running_bot(api, make_settings(tmp_path, typing_after_seconds=5), engine) as runner:
        mark = api.mark()
        runner.wait_processed(api.send_text(chat, user, "威海书记说了什么"))
        assert WEIHAI_QUOTE in api.sent(chat["id"], mark)[0].result["text"]
    assert api.calls_of("sendChatAction", mark) == []
