"""Hostile input, generated from a seed: Telegram updates and uploaded files of every odd kind.

Used by ``tests/test_fuzz.py`` (a small deterministic sample) and ``benchmarks/load.py`` (thousands).
Each generator takes a :class:`random.Random`, so a failing case can be replayed from its seed.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable
from typing import Any

from tests.fake_bot_api import FakeBotAPI

ADMIN = 4242
BOT_NAME = "QuoteTestBot"
WORDS = ["威海", "书记", "青岛", "说了什么", "港口", "合作", "烟台", "日照", "会议", "主持", "市长", "?", "！", "。"]


def random_text(rng: random.Random, most: int = 200) -> str:
    """Any Unicode: CJK, Latin, emoji (astral), combining marks, controls, bidi, lone surrogates."""
    pools: list[Callable[[], str]] = [
        lambda: rng.choice(WORDS),
        lambda: chr(rng.randint(0x4E00, 0x9FFF)),
        lambda: chr(rng.randint(0x20, 0x7E)),
        lambda: chr(rng.randint(0x1F300, 0x1FAFF)),
        lambda: chr(rng.randint(0x0300, 0x036F)),
        lambda: chr(rng.randint(0x00, 0x1F)),
        lambda: rng.choice(["\u202e", "\u2066", "\u200b", "\ufeff", "\u00a0", "\n", "\t", "<b>", "&amp;", "</i>"]),
        lambda: chr(rng.randint(0xD800, 0xDFFF)),
        lambda: chr(rng.randint(0x10000, 0x10FFFF)),
    ]
    length = rng.choice([0, 1, 2, 5, 20, most, rng.randint(0, most)])
    return "".join(rng.choice(pools)() for _ in range(length))


def _entities(rng: random.Random, text: str) -> list[dict[str, Any]] | None:
    if rng.random() < 0.5:
        return None
    kinds = ["bot_command", "mention", "text_mention", "bold", "url", "hashtag"]
    out = []
    for _ in range(rng.randint(1, 4)):
        entity: dict[str, Any] = {"type": rng.choice(kinds), "offset": rng.randint(-3, len(text) + 5),
                                  "length": rng.randint(0, len(text) + 5)}  # fmt: skip
        if entity["type"] == "text_mention":
            entity["user"] = {"id": rng.choice([7_000_001, 1, 2]), "is_bot": False, "first_name": "x"}
        out.append(entity)
    return out


def _user(rng: random.Random) -> dict[str, Any]:
    user_id = rng.choice([ADMIN, rng.randint(1, 10**6), rng.randint(10**9, 10**12)])
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": random_text(rng, 10) or "x"}
    if rng.random() < 0.8:
        user["language_code"] = rng.choice(["en", "zh-hans", "ru", "", "EN-us", "zz"])
    return user


def _chat(rng: random.Random, user: dict[str, Any]) -> dict[str, Any]:
    kind = rng.choice(["private", "group", "supergroup", "channel"])
    if kind == "private":
        return {"id": user["id"], "type": "private", "first_name": "x"}
    chat: dict[str, Any] = {"id": -rng.randint(1, 10**13), "type": kind, "title": random_text(rng, 10) or "t"}
    if kind == "supergroup" and rng.random() < 0.5:
        chat["is_forum"] = True
    return chat


def update(rng: random.Random, api: FakeBotAPI) -> dict[str, Any]:
    """One hostile update payload (without ``update_id``); chats are registered with ``api``."""
    user = _user(rng)
    chat = _chat(rng, user)
    api.chats[chat["id"]] = chat
    text = rng.choice([
        random_text(rng), "/ask " + random_text(rng), f"@{BOT_NAME} " + random_text(rng), "/start " + random_text(rng, 70),
        "/remove " + random_text(rng, 30), "/reload", "/stats", "/articles", "威海书记说了什么", "问" * rng.choice([300, 301, 4096, 20_000]),
    ])  # fmt: skip
    message: dict[str, Any] = {"message_id": rng.randint(1, 2**31), "date": int(time.time()), "chat": chat,
                               "from": user, "text": text}  # fmt: skip
    if (entities := _entities(rng, text)) is not None:
        message["entities"] = entities
    if chat.get("is_forum"):
        message["message_thread_id"], message["is_topic_message"] = rng.randint(1, 99), True
    if rng.random() < 0.2:
        message["reply_to_message"] = {"message_id": 1, "date": 0, "chat": chat,
                                       "from": {"id": 7_000_001, "is_bot": True, "first_name": "Q"}, "text": "x"}  # fmt: skip
    kind = rng.random()
    if kind < 0.45:
        return {"message": message}
    if kind < 0.55:
        return {"edited_message": {**message, "edit_date": int(time.time())}}
    if kind < 0.6:
        return {"channel_post": {**message, "chat": {"id": -100, "type": "channel", "title": "c"}}}
    if kind < 0.8:
        data = rng.choice([random_text(rng, 64), f"c:{'9' * rng.randint(1, 40)}", f"m:{rng.randint(0, 10**6)}:{rng.randint(0, 10**7)}",
                           f"v:{rng.randint(0, 10**20)}:{rng.choice('udx')}", "", "m:1:abc"])  # fmt: skip
        query: dict[str, Any] = {"id": f"cq{rng.random()}", "from": user, "chat_instance": "1", "data": data}
        if rng.random() < 0.8:
            query["message"] = rng.choice([message, {"message_id": 1, "date": 0, "chat": chat}])
        api.open_queries.add(query["id"])
        return {"callback_query": query}
    if kind < 0.9:
        query_id = f"iq{rng.random()}"
        api.open_queries.add(query_id)
        return {"inline_query": {"id": query_id, "from": user, "query": random_text(rng, 300), "offset": ""}}
    if kind < 0.95:
        name = rng.choice(["a.txt", "b.exe", "", "../../etc/passwd.md", "x" * 300 + ".html"])
        size = rng.choice([0, 1, 10**3, 10**9])
        document = {"file_id": "nope", "file_unique_id": "u", "file_name": name, "file_size": size}
        return {"message": {**message, "text": None, "document": document}}
    # Poison: fields Telegram always sends, missing.
    return rng.choice([{"message": {"message_id": 1, "text": "x"}}, {"message": {"chat": chat}}, {"callback_query": {"id": "x"}}])


KINDS = ("binary", "encoding", "deep", "bomb", "compressed", "line", "emphasis", "nul", "crlf", "plain")


def upload(rng: random.Random, scale: float = 1.0, kind: int | None = None) -> tuple[str, bytes]:
    """One hostile file an admin might send: binary, wrong encodings, HTML bombs, huge or deep text.

    ``scale`` shrinks the big shapes (tests use small ones; the benchmark times full-size ones).
    """
    kind = rng.randrange(len(KINDS)) if kind is None else kind

    def n(count: int) -> int:
        return max(1, int(count * scale))

    if kind == 0:
        return "photo.txt", rng.randbytes(rng.randint(1, 50_000))
    if kind == 1:
        text = "标题\n\n" + "威海港口合作。" * rng.randint(1, 200)
        encoding = rng.choice(["utf-16", "utf-32", "big5", "shift_jis", "cp1252"])
        return "enc.txt", text.encode(encoding, "replace")
    if kind == 2:
        depth = n(rng.choice([100, 1000, 10_000, 100_000]))
        return "deep.html", ("<div>" * depth + "威海港口合作。" + "</div>" * depth).encode()
    if kind == 3:
        return "bomb.html", b"<html><body>" + b"<p>" * n(200_000) + b"</body></html>"
    if kind == 4:
        # Compresses to little, expands to a lot: a server that inflates blindly would choke.
        return "gz.html", zlib.compress(b"<p>" * 1_000_000)
    if kind == 5:
        line = "威海港口合作取得新进展" * n(rng.randint(100, 2000))  # one punctuation-free line
        return "line.txt", ("长文\n\n" + line).encode()
    if kind == 6:
        return "md.md", ("# 标题\n\n" + "**a " * n(rng.randint(100, 3000)) + "\n").encode()
    if kind == 7:
        return "nul.txt", b"\x00" * rng.randint(1, 10_000)
    if kind == 8:
        return "crlf.txt", ("标题\r\n\r\n" + "烟台港口。\r" * rng.randint(1, 500)).encode("gb18030")
    return "ok.txt", f"新闻{rng.randint(0, 10**9)}\n\n本报讯 日照港口今年新开航线{rng.randint(1, 99)}条。\n".encode()
