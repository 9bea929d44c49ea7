"""End to end: private chats, groups and inline mode, against the fake Bot API server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import TelegramConfig
from tests.engines import ARTICLE_TITLE, WEIHAI_QUOTE, HeldEngine, make_engine
from tests.fake_bot_api import TOKEN, BotRunner, FakeBotAPI, make_settings, running_bot

ADMIN = 4242
GROUP = -100_555


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
    with running_bot(api, make_settings(tmp_path_factory.mktemp("bot"), admins=[ADMIN]), engine) as runner:
        yield runner



def test_start_publishes_commands_in_both_languages_and_for_admins(api: FakeBotAPI, bot: BotRunner) -> None:
    default = api.commands[('{"type": "default"}', None)]
    english = api.commands[('{"type": "default"}', "en")]
    admin = api.commands[(f'{{"chat_id": {ADMIN}, "type": "chat"}}', None)]
    assert [c["command"] for c in default] == ["start", "help", "ask"]
    assert english[0]["description"].startswith("Start")
    assert {"articles", "remove", "reload", "stats"} <= {c["command"] for c in admin}


def test_start_in_chinese_lists_articles_and_how_to_ask(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(1, "zh-hans")
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "/start")
    (reply,) = api.sent(chat["id"], mark)
    assert ARTICLE_TITLE in reply.text
    assert "怎么问" in reply.text and "@QuoteTestBot" in reply.text
    assert "管理员" not in reply.text


def test_help_in_english_for_english_users_and_admin_commands_for_admins(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(ADMIN, "en-GB")
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "/help")
    (reply,) = api.sent(chat["id"], mark)
    assert "The articles I know" in reply.text and ARTICLE_TITLE in reply.text
    assert "/reload" in reply.text


def test_private_text_is_a_question_answered_with_quote_source_and_buttons(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(2)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "威海书记说了什么")
    (reply,) = api.sent(chat["id"], mark)
    assert reply.params["parse_mode"] == "HTML"
    assert "<blockquote>" in reply.text
    assert WEIHAI_QUOTE in reply.result["text"]
    assert f"《{ARTICLE_TITLE}》 · 威海" in reply.text
    # Private chats get no reply-to: it would only clutter a one-to-one conversation.
    assert "reply_parameters" not in reply.params
    labels = [b["text"] for b in reply.buttons()]
    assert labels[0].startswith("上下文") and all(len(b["callback_data"].encode()) <= 64 for b in reply.buttons())


def test_speaker_is_shown_in_the_source_line(api: FakeBotAPI, engine: HeldEngine, bot: BotRunner) -> None:
    user = api.user(3)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "威海书记说了什么")
    (reply,) = api.sent(chat["id"], mark)
    assert "· 威海市委书记张海波" in reply.result["text"]


def test_not_found_is_polite_and_hints_at_what_the_bot_knows(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(4)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "火星上的天气怎么样")
    (reply,) = api.sent(chat["id"], mark)
    assert "抱歉" in reply.text and ARTICLE_TITLE in reply.text
    assert reply.markup is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("😀🎉👍", "只看得懂文字"),
        ("？？？!!!", "只看得懂文字"),
        ("问" * (TelegramConfig().max_question_chars + 1), "问题太长"),
        ("<b>威海</b> & <script>alert(1)</script>", "威海"),
        ("What did the mayor say about the harbour?", "抱歉"),
    ],
    ids=["emoji", "punctuation", "oversized", "markup", "english"],
)
def test_odd_messages_get_a_sensible_reply(api: FakeBotAPI, bot: BotRunner, text: str, expected: str) -> None:
    user = api.user(5)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, text)
    (reply,) = api.sent(chat["id"], mark)
    assert expected in reply.result["text"]
    # The fake server parses the HTML like Telegram: user text must have been escaped to get here.
    assert "<script>" not in reply.text


def test_english_question_from_english_user_gets_english_not_found(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(6, "en")
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "What did the mayor say?")
    (reply,) = api.sent(chat["id"], mark)
    assert reply.result["text"].startswith("Sorry, no passage")


def test_stickers_photos_and_unknown_commands_in_private(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(7)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_sticker(chat, user)
    api.send_photo(chat, user, caption="这是什么")
    api.send_text(chat, user, "/frobnicate")
    replies = api.sent(chat["id"], mark, count=3)
    texts = sorted(r.result["text"] for r in replies)
    assert sum("图片、贴纸" in t for t in texts) == 2
    assert any("/help" in t for t in texts)


def test_empty_ask_gets_usage(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(8)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "/ask   ")
    (reply,) = api.sent(chat["id"], mark)
    assert "/ask" in reply.result["text"]


def test_edited_messages_and_stickers_in_groups_are_ignored(api: FakeBotAPI, bot: BotRunner) -> None:
    runner = bot
    user = api.user(9)
    chat = api.private_chat(user)
    group = api.group_chat(GROUP)
    mark = api.mark()
    ids = [
        api.edit_text(chat, user, 1, "威海书记说了什么"),
        api.send_sticker(group, user),
        api.send_text(group, user, "威海书记说了什么"),
        api.send_text(group, user, "@SomeoneElse 威海书记说了什么"),
        api.send_text(group, user, "/ask@OtherBot 威海书记说了什么"),
        api.send_text(group, user, "/help@OtherBot"),
    ]
    for update_id in ids:
        runner.wait_processed(update_id)
    assert api.calls_of("sendMessage", mark) == []


@pytest.mark.parametrize(
    "text",
    ["/ask 威海书记说了什么", "/ask@QuoteTestBot 威海书记说了什么", "/ask@quotetestbot 威海书记说了什么"],
)
def test_group_ask_is_answered_as_a_reply_to_the_asker(api: FakeBotAPI, bot: BotRunner, text: str) -> None:
    user = api.user(10)
    group = api.group_chat(GROUP)
    mark = api.mark()
    api.send_text(group, user, text)
    (reply,) = api.sent(GROUP, mark)
    assert WEIHAI_QUOTE in reply.result["text"]
    asked = reply.result["reply_to_message"]
    assert asked["from"]["id"] == 10 and asked["text"] == text


@pytest.mark.parametrize("mention", ["@QuoteTestBot", "@quotetestbot", "@QUOTETESTBOT"])
def test_group_mentions_are_answered_whatever_the_case(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, mention: str
) -> None:
    user = api.user(11)
    group = api.group_chat(GROUP)
    mark = api.mark()
    api.send_text(group, user, f"{mention} 威海书记说了什么")
    (reply,) = api.sent(GROUP, mark)
    assert WEIHAI_QUOTE in reply.result["text"]
    assert engine.asked[-1] == "威海书记说了什么"


def test_group_replies_to_the_bot_are_questions_replies_to_others_are_not(api: FakeBotAPI, bot: BotRunner) -> None:
    runner = bot
    user = api.user(12)
    group = api.group_chat(GROUP)
    mark = api.mark()
    api.send_text(group, user, "/ask 烟台市委书记说了什么")
    (answer,) = api.sent(GROUP, mark)
    mark = api.mark()
    api.send_text(group, user, "威海书记说了什么", reply_to=answer.result)
    (reply,) = api.sent(GROUP, mark)
    assert WEIHAI_QUOTE in reply.result["text"]
    someone = api.message(GROUP, answer.result["reply_to_message"]["message_id"])
    mark = api.mark()
    runner.wait_processed(api.send_text(group, user, "威海书记说了什么", reply_to=someone))
    assert api.calls_of("sendMessage", mark) == []


def test_inline_query_offers_quotes_with_sources(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(13)
    mark = api.mark()
    _, query_id = api.inline(user, "威海书记说了什么")
    (call,) = api.wait_for("answerInlineQuery", since=mark)
    assert call.ok and call.params["inline_query_id"] == query_id
    results = call.params["results"]
    assert 1 <= len(results) <= 10
    first = results[0]
    assert first["type"] == "article" and WEIHAI_QUOTE in first["title"] + first["input_message_content"]["message_text"]
    assert ARTICLE_TITLE in first["description"]
    assert first["input_message_content"]["parse_mode"] == "HTML"


def test_inline_results_are_capped_at_fifty(own_api: FakeBotAPI, tmp_path: Path) -> None:
    api = own_api
    lines = [f"第{i}条：威海港口合作第{i}项进展顺利。" for i in range(80)]
    engine = make_engine(tmp_path / "many", "威海港口合作\n" + "\n".join(lines))
    with running_bot(api, make_settings(tmp_path, inline_results=50), engine):
        mark = api.mark()
        api.inline(api.user(14), "威海港口合作")
        (call,) = api.wait_for("answerInlineQuery", since=mark)
    assert call.ok and len(call.params["results"]) == 50


def test_inline_not_found_and_empty_queries_answer_with_no_results(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(15)
    mark = api.mark()
    api.inline(user, "火星天气")
    api.inline(user, "   ")
    calls = api.wait_for("answerInlineQuery", since=mark, count=2)
    assert all(c.ok and c.params["results"] == [] for c in calls)
    assert any(c.params.get("button", {}).get("start_parameter") == "help" for c in calls)


def test_more_button_pages_on_and_context_button_shows_the_paragraph(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(16)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "青岛")
    (first,) = api.sent(chat["id"], mark)
    more = [b for b in first.buttons() if b["text"] == "更多"]
    assert more and "1." in first.result["text"] and "3." in first.result["text"]

    mark = api.mark()
    update_id, _ = api.press(user, first.result, more[0]["callback_data"])
    (page,) = api.sent(chat["id"], mark)
    assert "4." in page.result["text"]
    api.wait_for("answerCallbackQuery", lambda c: c.ok, since=mark)
    (edit,) = api.wait_for("editMessageReplyMarkup", since=mark)
    bot.wait_processed(update_id)
    assert "更多" not in str(edit.params.get("reply_markup"))

    context = next(b for b in first.buttons() if b["text"].startswith("上下文"))
    mark = api.mark()
    api.press(user, first.result, context["callback_data"])
    (paragraph,) = api.sent(chat["id"], mark)
    assert "第 " in paragraph.result["text"] and "段" in paragraph.result["text"]
    assert "<blockquote>" in paragraph.text


def test_more_after_the_last_page_says_so(api: FakeBotAPI, bot: BotRunner) -> None:
    runner = bot
    user = api.user(17)
    chat = api.private_chat(user)
    mark = api.mark()
    data = runner.data.buttons.more("威海书记说了什么", 40)
    api.press(user, {"message_id": 1, "date": 0, "chat": chat, "text": "x"}, data)
    (answer,) = api.wait_for("answerCallbackQuery", since=mark)
    assert answer.params["text"] == "没有更多结果了。"


def test_unknown_button_data_is_answered_as_expired(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(18)
    chat = api.private_chat(user)
    mark = api.mark()
    api.press(user, {"message_id": 1, "date": 0, "chat": chat, "text": "x"}, "m:999999:3")
    api.press(user, {"message_id": 1, "date": 0, "chat": chat, "text": "x"}, "garbage")
    calls = api.wait_for("answerCallbackQuery", since=mark, count=2)
    assert all("失效" in c.params["text"] for c in calls)


def test_buttons_still_work_after_a_restart(own_api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> None:
    api = own_api
    settings = make_settings(tmp_path)
    user = api.user(19)
    chat = api.private_chat(user)
    with running_bot(api, settings, engine):
        mark = api.mark()
        api.send_text(chat, user, "青岛")
        (first,) = api.sent(chat["id"], mark)
    fresh = make_engine(tmp_path / "articles-again")
    with running_bot(api, settings, fresh) as runner:
        for button in first.buttons():
            if button["text"] in ("👍", "👎"):
                continue
            mark = api.mark()
            update_id, _ = api.press(user, first.result, button["callback_data"])
            api.sent(chat["id"], mark)
            (answered,) = api.wait_for("answerCallbackQuery", since=mark)
            assert answered.ok and not answered.params.get("text")
            runner.wait_processed(update_id)


def test_long_answers_are_split_at_sentences_with_buttons_on_the_last(own_api: FakeBotAPI, tmp_path: Path) -> None:
    api = own_api
    sentence = "威海港口合作取得新进展，" + "双方在航线、物流与口岸通关方面持续深化协作" * 8 + "。"
    engine = make_engine(tmp_path / "long", "长文\n" + sentence * 40)
    with running_bot(api, make_settings(tmp_path), engine):
        user = api.user(20)
        chat = api.private_chat(user)
        mark = api.mark()
        # One paragraph of 40 long sentences, each a quote by itself but all in one message's worth.
        api.send_text(chat, user, "威海港口合作")
        first = api.sent(chat["id"], mark)[0]
        context = next(b for b in first.buttons() if b["text"].startswith("上下文"))
        mark = api.mark()
        api.press(user, first.result, context["callback_data"])
        parts = api.sent(chat["id"], mark, count=2)
    assert all(len(p.result["text"]) <= 4096 for p in parts)
    assert all(p.text.count("<blockquote") == p.text.count("</blockquote>") for p in parts)
    assert parts[0].result["text"].rstrip().endswith("。")


def test_markup_rejected_by_telegram_is_resent_as_plain_text(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(21)
    chat = api.private_chat(user)
    api.fail("sendMessage", 400, "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3")
    mark = api.mark()
    api.send_text(chat, user, "威海书记说了什么")
    (plain,) = api.sent(chat["id"], mark)
    assert "parse_mode" not in plain.params
    assert WEIHAI_QUOTE in plain.text and "<" not in plain.text
    assert plain.buttons()


def test_the_token_never_reaches_the_logs(api: FakeBotAPI, bot: BotRunner, caplog: pytest.LogCaptureFixture) -> None:
    user = api.user(22)
    chat = api.private_chat(user)
    # Everything at DEBUG, except what the bot itself turned down: httpx logs URLs, tokens included.
    with caplog.at_level(logging.DEBUG):
        mark = api.mark()
        api.send_text(chat, user, "威海书记说了什么")
        api.sent(chat["id"], mark)
    assert TOKEN not in caplog.text


def test_a_bare_mention_gets_the_usage_hint(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(23)
    group = api.group_chat(GROUP)
    mark = api.mark()
    api.send_text(group, user, "@QuoteTestBot")
    (reply,) = api.sent(GROUP, mark)
    assert "/ask" in reply.result["text"]


def test_pressing_more_twice_answers_twice_without_an_error(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(24)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "青岛")
    (first,) = api.sent(chat["id"], mark)
    more = next(b for b in first.buttons() if b["text"] == "更多")
    mark = api.mark()
    # Both presses come from the same stale message: the second edit is "not modified" for Telegram.
    update_id, _ = api.press(user, first.result, more["callback_data"])
    api.wait_for("editMessageReplyMarkup", lambda c: c.ok, since=mark)
    bot.wait_processed(update_id)
    api.press(user, first.result, more["callback_data"])
    api.wait_for("editMessageReplyMarkup", lambda c: not c.ok, since=mark)
    pages = api.sent(chat["id"], mark, count=2)
    assert pages[0].result["text"] == pages[1].result["text"]
    assert all(c.ok for c in api.calls_of("answerCallbackQuery", mark))
    assert not any("出了点问题" in c.text for c in api.calls_of("sendMessage", mark))
