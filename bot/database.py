"""The bot's small SQLite stores (button payloads, feedback votes) open the same way."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_database(path: Path) -> sqlite3.Connection:
    """A connection in autocommit and WAL mode, usable from any thread (callers hold their own lock).

    A crash may lose the last rows; an fsync per answer would cost more than that is worth.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db
