"""Callback data for the 更多 and 上下文 buttons, made to outlive the bot process.

Telegram gives a button at most 64 bytes of callback data, which a Chinese question soon outgrows (three
bytes a character). So the data holds only a row id into a small SQLite file — JSON text, no pickle —
and the engine's cursor for the next page; a button pressed after a restart finds its question there.

    m:<row>:<cursor>      更多: the question stored in <row>, the page at <cursor> (digits)
    c:<row>               上下文: the article id and paragraph number stored in <row>
    v:<row>:u|d           👍/👎 on the answer stored in <row> of the feedback store (:mod:`bot.feedback`)

Row ids are at most 18 digits, so they always fit SQLite's 64-bit integers: forged data with longer
numbers is refused by the patterns, before any lookup.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from telegram.constants import InlineKeyboardButtonLimit

from bot.database import open_database

CALLBACK_DATA_LIMIT = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MORE_PATTERN = re.compile(r"^m:([0-9]{1,18}):([0-9]{1,6})\Z")
CONTEXT_PATTERN = re.compile(r"^c:([0-9]{1,18})\Z")
VOTE_PATTERN = re.compile(r"^v:([0-9]{1,18}):([ud])\Z")
# Rows unused for this long are dropped at start-up; their buttons then say they have expired.
KEEP_SECONDS = 90 * 24 * 3600


@dataclass(frozen=True)
class More:
    question: str
    cursor: str


@dataclass(frozen=True)
class Context:
    article_id: str
    paragraph: int


class CallbackStore:
    """The payloads behind buttons, keyed by row id; identical payloads share a row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # The handlers run on one event loop today; the lock keeps the one connection safe should a
        # caller ever move to a worker thread.
        self._lock = threading.Lock()
        self._db = open_database(path)
        with self._lock:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS payloads ("
                "id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE, used REAL NOT NULL)"
            )
            self._db.execute("DELETE FROM payloads WHERE used < ?", (time.time() - KEEP_SECONDS,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _row(self, payload: dict[str, object]) -> int:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        with self._lock:
            self._db.execute(
                "INSERT INTO payloads (body, used) VALUES (?, ?) ON CONFLICT(body) DO UPDATE SET used = ?",
                (body, time.time(), time.time()),
            )
            row = self._db.execute("SELECT id FROM payloads WHERE body = ?", (body,)).fetchone()
        return int(row[0])

    def _payload(self, row: int) -> dict[str, object] | None:
        with self._lock:
            found = self._db.execute("SELECT body FROM payloads WHERE id = ?", (row,)).fetchone()
        if found is None:
            return None
        value = json.loads(found[0])
        return value if isinstance(value, dict) else None

    def more(self, question: str, cursor: str) -> str:
        """Callback data for the next page of ``question``'s results."""
        return _checked(f"m:{self._row({'q': question})}:{cursor}")

    def context(self, article_id: str, paragraph: int) -> str:
        """Callback data for the whole paragraph of a quote."""
        return _checked(f"c:{self._row({'a': article_id, 'p': paragraph})}")

    def parse(self, data: str | None) -> More | Context | None:
        """What a pressed button asks for; None for data we did not make or rows since dropped."""
        more = MORE_PATTERN.match(data or "")
        if more is not None:
            payload = self._payload(int(more.group(1)))
            question = payload.get("q") if payload else None
            return More(question, more.group(2)) if isinstance(question, str) else None
        context = CONTEXT_PATTERN.match(data or "")
        if context is not None:
            payload = self._payload(int(context.group(1)))
            article, number = (payload.get("a"), payload.get("p")) if payload else (None, None)
            if isinstance(article, str) and isinstance(number, int):
                return Context(article, number)
        return None


def parse_vote(data: str | None) -> tuple[int, bool] | None:
    """The feedback row and whether the vote is 👍, for vote buttons; None for anything else."""
    match = VOTE_PATTERN.match(data or "")
    return (int(match.group(1)), match.group(2) == "u") if match else None


def _checked(data: str) -> str:
    # Row ids would need 50 digits to break this; the check keeps the invariant visible.
    if len(data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"Callback data {data!r} is longer than Telegram's {CALLBACK_DATA_LIMIT} bytes.")
    return data
