"""End to end: admins feed the bot articles from the chat; everyone else is politely refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engines import ARTICLE_TITLE, HeldEngine, make_engine
from tests.fake_bot_api import BotRunner, FakeBotAPI, make_settings, running_bot

ADMIN = 4242
NEW_ARTICLE = """日照港口新航线开通

本报讯 日照港新开通至东南亚的集装箱航线，每周两班，覆盖胡志明、曼谷等港口。

日照:港口开放再提速

港口负责人表示，新航线将带动临港产业发展，降低企业物流成本。
"""


@pytest.fixture
def engine(tmp_path: Path) -> HeldEngine:
    return make_engine(tmp_path / "articles")


@pytest.fixture
def bot(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> Iterator[BotRunner]:
    with running_bot(api, make_settings(tmp_path, admins=[ADMIN], max_upload_mb=1), engine) as runner:
        yield runner


@pytest.fixture
def admin(api: FakeBotAPI) -> tuple[dict, dict]:
    user = api.user(ADMIN)
    return user, api.private_chat(user)


def _final_text(api: FakeBotAPI, chat_id: int, since: int) -> str:
    """The progress message's final text, once the bot has edited the result into it."""
    (edit,) = api.wait_for("editMessageText", lambda c: c.ok and c.chat_id == chat_id, since=since)
    return edit.result["text"]


def test_admin_upload_is_saved_safely_indexed_and_answerable(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, admin: tuple[dict, dict], tmp_path: Path
) -> None:
    user, chat = admin
    mark = api.mark()
    _, file_id = api.send_document(chat, user, "../../港口 news.txt", NEW_ARTICLE.encode())
    (busy,) = api.sent(chat["id"], mark)
    assert "正在更新索引" in busy.result["text"]
    result = _final_text(api, chat["id"], mark)
    (added,) = [a for a in engine.articles() if a.article_id.startswith("news-")]
    assert f"已添加《日照港口新航线开通》（编号 {added.article_id}）" in result and "小节：日照:港口开放再提速" in result
    assert f"{added.chunks} 段" in result
    assert api.calls_of("getFile", mark)[0].params["file_id"] == file_id
    assert api.downloads == [f"documents/{file_id} 文档.txt"]
    saved = [p.name for p in (tmp_path / "articles").iterdir()]
    assert len(saved) == 2 and any(name.startswith("news-") and name.endswith(".txt") for name in saved)
    assert not list(tmp_path.glob("*.txt")) and not list(tmp_path.parent.glob("*.txt"))

    mark = api.mark()
    api.send_text(chat, user, "日照港新航线")
    (answer,) = api.sent(chat["id"], mark)
    assert "每周两班" in answer.result["text"]


def test_the_same_upload_twice_is_reported_unchanged(
    api: FakeBotAPI, bot: BotRunner, admin: tuple[dict, dict], tmp_path: Path
) -> None:
    user, chat = admin
    for expected in ("已添加", "已经在索引里了"):
        mark = api.mark()
        api.send_document(chat, user, "rizhao.txt", NEW_ARTICLE.encode())
        assert expected in _final_text(api, chat["id"], mark)
    assert len(list((tmp_path / "articles").glob("rizhao-*.txt"))) == 1


def test_questions_are_answered_while_an_upload_is_being_indexed(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, admin: tuple[dict, dict]
) -> None:
    import threading

    user, chat = admin
    engine.hold_updates = threading.Event()
    mark = api.mark()
    api.send_document(chat, user, "rizhao.txt", NEW_ARTICLE.encode())
    assert engine.update_started.wait(10)
    # The index update is in mid-flight: every question asked now must still be answered.
    readers = [api.user(100 + i) for i in range(8)]
    for reader in readers:
        api.send_text(api.private_chat(reader), reader, "威海书记说了什么")
    for reader in readers:
        (reply,) = api.sent(reader["id"], mark)
        assert "威海与青岛合作基础扎实" in reply.result["text"]
    assert api.calls_of("editMessageText", mark) == []
    engine.hold_updates.set()
    assert "已添加" in _final_text(api, chat["id"], mark)
    mark = api.mark()
    api.send_text(chat, user, "日照港新航线")
    assert "每周两班" in api.sent(chat["id"], mark)[0].result["text"]


def test_non_admin_uploads_are_refused_without_downloading(api: FakeBotAPI, bot: BotRunner) -> None:
    user = api.user(7)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_document(chat, user, "rizhao.txt", NEW_ARTICLE.encode())
    (reply,) = api.sent(chat["id"], mark)
    assert "只有管理员" in reply.result["text"]
    assert api.calls_of("getFile") == [] and api.downloads == []


@pytest.mark.parametrize(
    ("name", "declared", "expected"),
    [
        ("scan.rtf", None, "只能添加"),
        ("program.exe", None, "只能添加"),
        ("noextension", None, "只能添加"),
        ("big.txt", 2 * 1024 * 1024, "文件太大了"),
        ("huge.txt", 30 * 1024 * 1024, "文件太大了"),
        ("empty.txt", 0, "空的"),
    ],
)
def test_wrong_types_and_sizes_are_refused_before_downloading(
    api: FakeBotAPI, bot: BotRunner, admin: tuple[dict, dict], name: str, declared: int | None, expected: str
) -> None:
    user, chat = admin
    mark = api.mark()
    api.send_document(chat, user, name, b"x", declared_size=declared)
    (reply,) = api.sent(chat["id"], mark)
    assert expected in reply.result["text"]
    assert api.calls_of("getFile") == [] and api.downloads == []


def test_a_file_bigger_than_it_claimed_is_refused_after_get_file(
    api: FakeBotAPI, bot: BotRunner, admin: tuple[dict, dict], tmp_path: Path
) -> None:
    user, chat = admin
    mark = api.mark()
    _, file_id = api.send_document(chat, user, "liar.txt", b"x" * 10, declared_size=10)
    api.files[file_id].size = 3 * 1024 * 1024  # getFile tells the truth the message did not
    assert "文件太大了" in _final_text(api, chat["id"], mark)
    assert api.downloads == []
    assert len(list((tmp_path / "articles").iterdir())) == 1


def test_an_unreadable_upload_is_reported_and_not_kept(
    api: FakeBotAPI, bot: BotRunner, admin: tuple[dict, dict], tmp_path: Path
) -> None:
    user, chat = admin
    mark = api.mark()
    api.send_document(chat, user, "gbk.txt", "无法解码".encode("utf-16"))
    result = _final_text(api, chat["id"], mark)
    assert "没能添加“gbk.txt”：" in result and str(tmp_path) not in result
    assert [p.name for p in (tmp_path / "articles").iterdir()] == ["jiaodong.txt"]


def test_articles_remove_reload_and_stats(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, admin: tuple[dict, dict], tmp_path: Path
) -> None:
    user, chat = admin
    mark = api.mark()
    api.send_text(chat, user, "/articles")
    (listing,) = api.sent(chat["id"], mark)
    assert "<code>jiaodong</code>" in listing.text and ARTICLE_TITLE in listing.text

    mark = api.mark()
    api.send_text(chat, user, "/stats")
    (stats,) = api.sent(chat["id"], mark)
    assert "文章：1" in stats.result["text"] and "运行时间：" in stats.result["text"]

    mark = api.mark()
    api.send_text(chat, user, "/remove nosuch")
    api.send_text(chat, user, "/remove")
    texts = {r.result["text"] for r in api.sent(chat["id"], mark, count=2)}
    assert any("没有编号为 nosuch 的文章" in t for t in texts) and any("用法" in t for t in texts)

    mark = api.mark()
    api.send_text(chat, user, "/remove jiaodong")
    (removed,) = api.sent(chat["id"], mark)
    assert "已删除" in removed.result["text"] and ".jiaodong.txt.removed" in removed.result["text"]
    assert engine.articles() == []
    assert (tmp_path / "articles" / ".jiaodong.txt.removed").exists()

    (tmp_path / "articles" / "back.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    mark = api.mark()
    api.send_text(chat, user, "/reload")
    assert "索引已重建：1 篇文章" in _final_text(api, chat["id"], mark)
    assert [a.article_id for a in engine.articles()] == ["back"]


@pytest.mark.parametrize("command", ["/articles", "/remove jiaodong", "/reload", "/stats"])
def test_admin_commands_refuse_everyone_else(
    api: FakeBotAPI, engine: HeldEngine, bot: BotRunner, command: str
) -> None:
    user = api.user(8)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, command)
    (reply,) = api.sent(chat["id"], mark)
    assert "只有管理员" in reply.result["text"]
    assert len(engine.articles()) == 1
