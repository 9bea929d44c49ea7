"""A segment's articles in one SQLite file, read one article at a time.

Each row holds an article's record as JSON (paragraphs, people, statements, metadata) and, apart, its
BM25 terms, which only an update reads. A few columns (id, source, date, paragraph count) are plain
SQL so that opening an index, listing sources or dating articles never parses a record. The file is
written once, through a temporary file and ``os.replace``, and never changed: it is opened read-only
and ``immutable``, so readers take no locks.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from index.directory import replacing
from index.records import ArticleRecord, text_hash

_SCHEMA = """
CREATE TABLE articles (
    ordinal INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    date TEXT,
    paragraphs INTEGER NOT NULL,
    record TEXT NOT NULL,
    speakers TEXT NOT NULL,
    terms TEXT NOT NULL,
    text_hash TEXT NOT NULL
);
CREATE INDEX articles_by_text_hash ON articles (text_hash);
-- The plain columns by ordinal, apart from the records: opening an index reads them for every article,
-- and a scan of the table itself reads every record's pages (2.6 s at 1M chunks when they are not in
-- memory; 0.05 s from this index, which adds 3 MB to 1.3 GB).
CREATE INDEX articles_plain ON articles (ordinal, article_id, paragraphs, source, date)
"""
# Articles recently read: a quote reads its article several times (context, topic, speakers).
HOT_ARTICLES = 2048


def write_articles(path: Path, records: Iterable[ArticleRecord]) -> int:
    """Write ``records`` (ordinals in the order given) to a new file at ``path``; returns how many."""
    count = 0
    with replacing(path) as tmp:
        con = sqlite3.connect(tmp)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.executescript(_SCHEMA)
            rows = (
                (i, r.article_id, r.source, r.date, len(r.paragraphs), r.json_text(),
                 json.dumps([r.people, r.statements], ensure_ascii=False), json.dumps(r.terms, ensure_ascii=False),
                 text_hash(r.title, r.text))
                for i, r in enumerate(records)
            )
            for batch in _batches(rows, 1000):
                con.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                count += len(batch)
            con.commit()
        finally:
            con.close()
    return count


def _batches(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class ArticleTable:
    """Read-only access to one articles file; threads may share it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise FileNotFoundError(2, "missing", str(path))
        self._con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                    check_same_thread=False)
        self._lock = threading.Lock()
        self._hot: OrderedDict[int, ArticleRecord] = OrderedDict()

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._con.execute(sql, args).fetchall()

    def index(self) -> tuple[list[str], list[int]]:
        """Every article id and paragraph count, by ordinal."""
        rows = self._query("SELECT article_id, paragraphs FROM articles ORDER BY ordinal")
        return [str(r[0]) for r in rows], [int(r[1]) for r in rows]

    def column(self, name: str) -> list[Any]:
        """One plain column ("source" or "date") of every article, by ordinal."""
        if name not in ("source", "date"):
            raise ValueError(f"no column {name}")
        return [r[0] for r in self._query(f"SELECT {name} FROM articles ORDER BY ordinal")]

    def record(self, ordinal: int) -> ArticleRecord:
        """One article's record, without its terms (:meth:`terms`)."""
        with self._lock:
            hot = self._hot.get(ordinal)
            if hot is not None:
                self._hot.move_to_end(ordinal)
                return hot
            row = self._con.execute("SELECT record FROM articles WHERE ordinal = ?", (ordinal,)).fetchone()
        if row is None:
            raise KeyError(ordinal)
        record = ArticleRecord.from_json(json.loads(row[0]))
        with self._lock:
            self._hot[ordinal] = record
            if len(self._hot) > HOT_ARTICLES:
                self._hot.popitem(last=False)
        return record

    def records(self) -> Iterator[tuple[int, ArticleRecord]]:
        """Every record with its ordinal, read in one pass (not kept in the LRU)."""
        for ordinal, raw in self._query("SELECT ordinal, record FROM articles ORDER BY ordinal"):
            yield int(ordinal), ArticleRecord.from_json(json.loads(raw))

    def stream(self) -> Iterator[tuple[int, ArticleRecord]]:
        """Every record with its ordinal, in ordinal order, one row at a time: a build's compaction reads
        tables larger than it may hold (only the build reads them meanwhile)."""
        for ordinal, raw in self._con.execute("SELECT ordinal, record FROM articles ORDER BY ordinal"):
            yield int(ordinal), ArticleRecord.from_json(json.loads(raw))

    def speakers(self) -> Iterator[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]]:
        """Every article's people and statements (who-said-what), without the rest of its record."""
        for ordinal, raw in self._query("SELECT ordinal, speakers FROM articles ORDER BY ordinal"):
            people, statements = json.loads(raw)
            yield int(ordinal), people, statements

    def speakers_of(self, ordinal: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """One article's people and statements (a speaker question about it reads them)."""
        rows = self._query("SELECT speakers FROM articles WHERE ordinal = ?", (ordinal,))
        if not rows:
            raise KeyError(ordinal)
        people, statements = json.loads(rows[0][0])
        return people, statements

    def terms(self) -> dict[int, list[list[str]]]:
        """Every article's BM25 terms by ordinal (an update's business, never a question's)."""
        out: dict[int, list[list[str]]] = {}
        for ordinal, raw in self._query("SELECT ordinal, terms FROM articles"):
            terms = json.loads(raw)
            if not isinstance(terms, list) or not all(isinstance(p, list) for p in terms):
                raise ValueError(f"the terms of article {ordinal} are not lists")
            out[int(ordinal)] = terms
        return out

    def containing(self, words: Sequence[str]) -> list[int]:
        """Ordinals of the articles whose record holds any of ``words`` (a superset: callers check the
        text). One scan of the table for up to 200 words: an add learns several names at once."""
        found: set[int] = set()
        for i in range(0, len(words), 200):
            encoded = tuple(json.dumps(w, ensure_ascii=False)[1:-1] for w in words[i : i + 200])
            test = " OR ".join(["instr(record, ?) > 0"] * len(encoded))
            found.update(int(r[0]) for r in self._query(f"SELECT ordinal FROM articles WHERE {test}", encoded))
        return sorted(found)

    def with_text_hashes(self, hashes: Sequence[str]) -> list[tuple[int, str]]:
        """(ordinal, hash) of the articles whose :func:`index.records.text_hash` is among ``hashes``: an
        indexed look-up (files written before the column existed are read whole)."""
        with self._lock:
            columns = {str(r[1]) for r in self._con.execute("PRAGMA table_info(articles)").fetchall()}
        if "text_hash" not in columns:
            wanted = set(hashes)
            found = ((o, text_hash(r.title, r.text)) for o, r in self.records())
            return [(o, h) for o, h in found if h in wanted]
        out: list[tuple[int, str]] = []
        for i in range(0, len(hashes), 500):
            part = tuple(hashes[i : i + 500])
            marks = ", ".join("?" * len(part))
            rows = self._query(f"SELECT ordinal, text_hash FROM articles WHERE text_hash IN ({marks})", part)
            out += [(int(r[0]), str(r[1])) for r in rows]
        return sorted(out)

    def close(self) -> None:
        with self._lock:
            self._con.close()
