"""An English-language user reads English only, a Chinese-language one Chinese only, in every answer and note.

Article text (quotes, titles, sections, names) and the user's own words are the articles' and the
user's, not the bot's: they are taken out before looking for the other language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.engines import ARTICLE, make_engine
from tests.fake_bot_api import FakeBotAPI, make_settings, running_bot

ADMIN = 4242
# CJK characters and punctuation, except the title marks that enclose a (Chinese) article title.
CJK = re.compile(r"[\u3000-\u3009\u300c-\u303f\u4e00-\u9fff\uff00-\uffef]")
SPEAKERS = ["威海市委书记张海波", "烟台市委书记张术平", "日照市委书记张惠"]
# The part of a question the engine hands back as "asked" (the role nobody holds), and the article's id.
ASKED = ["青岛市长", "jiaodong", "nosuch"]
# What a Chinese reply may hold in Latin letters: commands, the bot's name, ids, file types, units, links.
LATIN_ALLOWED = re.compile(r"https?://\S+|/\w+|@\w+|\.\w+|<[^>]+>|\bMB\b|QuoteBot|[a-z0-9]+(?:-[a-z0-9]+)+")
WORDS = re.compile(r"[A-Za-z]{2,}")


def _own_words(text: str, asked: list[str]) -> str:
    """``text`` without article text and without what the user wrote."""
    pieces = [line for line in ARTICLE.splitlines() if line.strip()]
    pieces += re.split(r"[，。：:、]", ARTICLE) + asked + SPEAKERS + ASKED
    for piece in sorted({p.strip() for p in pieces if p.strip()}, key=len, reverse=True):
        text = text.replace(piece, " ")
    return text


QUESTIONS = [
    "威海书记说了什么",  # found, with a speaker
    "青岛市长说了什么",  # not found: nobody holds the role (a note)
    "火星上的天气怎么样",  # not found, with the hint
    "问" * 400,  # too long
    "😀🎉",  # no words
    "/frobnicate",  # unknown command
    "/start",
    "/help",
    "/ask",
    "/articles",
    "/stats",
    "/remove nosuch",
]


@pytest.mark.parametrize(("code", "lang"), [("en-GB", "en"), ("zh-hans", "zh"), (None, "zh")])
def test_every_reply_is_in_the_users_language_only(api: FakeBotAPI, tmp_path: Path, code: str | None,
                                                   lang: str) -> None:  # fmt: skip
    engine = make_engine(tmp_path / "articles")
    user = api.user(ADMIN, code)
    chat = api.private_chat(user)
    settings = make_settings(tmp_path, admins=[ADMIN], rate_limit={"messages": 100, "per_seconds": 60})
    texts: list[str] = []
    with running_bot(api, settings, engine) as runner:
        mark = api.mark()
        for question in QUESTIONS:
            runner.wait_processed(api.send_text(chat, user, question))
        answers = [c for c in api.calls_of("sendMessage", mark) if c.ok]
        first = next(c for c in answers if c.buttons())
        texts += [c.result["text"] for c in answers] + [b["text"] for c in answers for b in c.buttons()]
        mark = api.mark()
        for label in ("👍", "上下文", "Context"):
            button = next((b for b in first.buttons() if b["text"].startswith(label)), None)
            if button is not None:
                runner.wait_processed(api.press(user, first.result, button["callback_data"])[0])
        runner.wait_processed(api.press(user, first.result, "garbage")[0])
        texts += [c.params.get("text") or "" for c in api.calls_of("answerCallbackQuery", mark)]
        texts += [c.result["text"] for c in api.calls_of("sendMessage", mark) if c.ok]
    assert len(texts) > len(QUESTIONS)
    for text in texts:
        own = _own_words(text, QUESTIONS)
        if lang == "en":
            assert not CJK.search(own), (own, text)
        else:
            assert not WORDS.search(LATIN_ALLOWED.sub(" ", own)), (own, text)
