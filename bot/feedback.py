"""👍/👎 votes on answers, kept with the question and the quotes, and exported as evaluation cases.

The store is a small SQLite file in ``paths.cache`` (JSON text, no pickle), so votes survive restarts.
``quotebot feedback export`` turns them into lines of the news set's JSONL format, which
``quotebot eval`` runs:

    {"q": question, "expect": text or null, "article": file name or null, "kind": ..., "speaker": ...}

- Votes are summed per question (one vote per user and answer; a new vote replaces the old one).
- More 👍 than 👎: ``kind`` "feedback", ``expect`` the first sentence of the best-voted answer's first
  quote, at most :data:`EXPECT_CHARS` characters. It is verbatim article text, so ``eval`` checks that
  the top quote still contains it; only the first quote is taken, since a vote is on the whole answer.
- More 👎 than 👍: ``kind`` "negative", ``expect`` null. A 👎 says none of the quotes answers; QuoteBot
  prefers "not found" to a wrong quote, so the case asks ``eval`` for "not found". Review these before
  adding them to a test set: a 👎 may also mean that the right passage exists but was not found.
- A tie exports nothing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.database import open_database

EXPECT_CHARS = 40
FILE_NAME = "feedback.sqlite3"
_FIRST_SENTENCE = re.compile(r".+?(?:[。！？!?；;]|$)", re.S)


@dataclass(frozen=True)
class VotedQuote:
    text: str
    article: str | None  # the article's file name, as in the news set
    speaker: str | None


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_database(path)
        with self._lock:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS answers (id INTEGER PRIMARY KEY, question TEXT NOT NULL, "
                "quotes TEXT NOT NULL, created REAL NOT NULL)"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS votes (answer INTEGER NOT NULL, user INTEGER NOT NULL, "
                "vote INTEGER NOT NULL, at REAL NOT NULL, PRIMARY KEY (answer, user))"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record(self, question: str, quotes: Sequence[VotedQuote]) -> int:
        """Keep an answer that can be voted on; its row id goes into the vote buttons."""
        body = json.dumps([q.__dict__ for q in quotes], ensure_ascii=False)
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO answers (question, quotes, created) VALUES (?, ?, ?)", (question, body, time.time())
            )
        return int(cursor.lastrowid or 0)

    def vote(self, answer: int, user: int, up: bool) -> bool:
        """Record ``user``'s vote on ``answer`` (replacing an earlier one); False for an unknown answer."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM answers WHERE id = ?", (answer,)).fetchone() is None:
                return False
            self._db.execute(
                "INSERT INTO votes (answer, user, vote, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(answer, user) DO UPDATE SET vote = excluded.vote, at = excluded.at",
                (answer, user, 1 if up else -1, time.time()),
            )
        return True

    def cases(self) -> list[dict[str, object]]:
        """The votes as evaluation cases, one per question, in the order questions were first asked."""
        with self._lock:
            rows = self._db.execute(
                "SELECT a.id, a.question, a.quotes, SUM(v.vote) FROM answers a JOIN votes v ON v.answer = a.id "
                "GROUP BY a.id ORDER BY a.id"
            ).fetchall()
        by_question: dict[str, list[tuple[int, list[VotedQuote]]]] = {}
        for _, question, quotes, net in rows:
            parsed = [VotedQuote(q["text"], q.get("article"), q.get("speaker")) for q in json.loads(quotes)]
            by_question.setdefault(question, []).append((int(net), parsed))
        cases: list[dict[str, object]] = []
        for question, answers in by_question.items():
            net = sum(n for n, _ in answers)
            if net < 0:
                cases.append({"q": question, "expect": None, "article": None, "kind": "negative", "speaker": None})
            elif net > 0:
                best = max(answers, key=lambda item: item[0])[1]
                if best:
                    first = best[0]
                    cases.append({"q": question, "expect": expect_piece(first.text), "article": first.article,
                                  "kind": "feedback", "speaker": first.speaker})  # fmt: skip
        return cases

    def export(self, target: Path) -> int:
        """Write the cases to ``target`` (atomically); how many were written."""
        cases = self.cases()
        text = "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
        return len(cases)


def expect_piece(quote: str) -> str:
    """The first sentence of a quote, at most :data:`EXPECT_CHARS` characters: verbatim, and short enough
    to survive small changes in where a quote starts or ends."""
    match = _FIRST_SENTENCE.match(quote.strip())
    first = match.group() if match else quote.strip()
    return first[:EXPECT_CHARS]
