"""Button callback data: at most 64 bytes, and still meaningful after the bot restarts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.callbacks import CALLBACK_DATA_LIMIT, CallbackStore, Context, More, parse_vote


def test_buttons_round_trip_and_survive_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "buttons.sqlite3"
    store = CallbackStore(path)
    question = "王清宪对威海说了什么，" * 40
    more = store.more(question, "3")
    context = store.context("jiaodong-economic-circle-with-a-rather-long-article-id-2", 17)
    assert len(more.encode()) <= CALLBACK_DATA_LIMIT and len(context.encode()) <= CALLBACK_DATA_LIMIT
    store.close()

    reopened = CallbackStore(path)
    assert reopened.parse(more) == More(question, "3")
    assert reopened.parse(context) == Context("jiaodong-economic-circle-with-a-rather-long-article-id-2", 17)
    # The same question gets the same row: pressing 更多 over and over does not grow the file.
    assert reopened.more(question, "6").split(":")[1] == more.split(":")[1]


def test_foreign_or_stale_data_parses_to_none(tmp_path: Path) -> None:
    store = CallbackStore(tmp_path / "b.sqlite3")
    for data in (None, "", "x", "m:", "m:abc:1", "m:1:-1", "m:999:0", "c:1", "c:", "c:zz"):
        assert store.parse(data) is None, data


def test_old_rows_are_dropped_at_start(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    store = CallbackStore(path)
    data = store.more("旧问题", "3")
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE payloads SET used = 0")
    assert CallbackStore(path).parse(data) is None


@pytest.mark.parametrize(
    "data", ["c:" + "9" * 23, "m:" + "1" * 23 + ":3", "m:1:" + "9" * 40, "v:" + "9" * 30 + ":u", "c:-1", "c:1 ", "c:1\n", "c:١"]
)
def test_forged_numbers_parse_to_none_without_overflow(tmp_path: Path, data: str) -> None:
    store = CallbackStore(tmp_path / "buttons.sqlite3")
    store.context("a", 1)
    assert store.parse(data) is None and parse_vote(data) is None
    store.close()
