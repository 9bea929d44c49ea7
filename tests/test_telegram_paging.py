"""更多 through the fake Bot API: on an article whose paragraphs share a sentence, pressing it until it
disappears shows every quote the engine ranks, each once, in order."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from index import Page
from tests.engines import MEETINGS, MEETINGS_QUESTION, make_engine
from tests.fake_bot_api import Call, FakeBotAPI, make_settings, running_bot

_QUOTE = re.compile(r"<blockquote[^>]*>(.*?)</blockquote>", re.S)


def _quotes(call: Call) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", body)) for body in _QUOTE.findall(call.text)]


def _more(call: Call) -> dict | None:
    return next((b for b in call.buttons() if b["text"] == "更多"), None)


@pytest.mark.parametrize("top_k", [1, 2, 3])
def test_more_until_it_disappears_shows_every_quote_once(api: FakeBotAPI, tmp_path: Path, top_k: int) -> None:
    engine = make_engine(tmp_path / "articles", MEETINGS, "meetings.txt")
    everything = engine.ask(MEETINGS_QUESTION, top_k=50)
    assert isinstance(everything, Page) and not everything.has_more
    expected = [q.text for q in everything.quotes]
    # The shared sentence closes eight paragraphs; it must be one quote among several.
    assert "会议由市长主持。" in expected and len(expected) > top_k
    user = api.user(61)
    chat = api.private_chat(user)
    with running_bot(api, make_settings(tmp_path, top_k=top_k), engine) as runner:
        mark = api.mark()
        api.send_text(chat, user, MEETINGS_QUESTION)
        (message,) = api.sent(chat["id"], mark)
        shown = _quotes(message)
        pages = 1
        while (more := _more(message)) is not None:
            mark = api.mark()
            update_id, _ = api.press(user, message.result, more["callback_data"])
            (message,) = api.sent(chat["id"], mark)
            runner.wait_processed(update_id)
            shown += _quotes(message)
            pages += 1
    assert shown == expected
    assert len(shown) == len(set(shown))
    assert pages == -(-len(expected) // top_k)
