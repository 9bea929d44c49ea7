"""Bot API faults on the send side: every injected fault ends in a delivered answer or a counted drop.

429 (retry_after), 500, 400 "message is not modified", 403 "bot was blocked", a timeout (the call is
done, the answer comes too late) and a dropped connection, on sendMessage, editMessageText and
answerCallbackQuery. Never an error notice to the user, never the error handler's traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.telegram import sending
from tests.engines import WEIHAI_QUOTE, HeldEngine, make_engine
from tests.fake_bot_api import BotRunner, FakeBotAPI, make_settings, running_bot

# PTB itself reads RetryAfter.retry_after, which warns about a type change in its next major version.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ADMIN = 4242
FAULTS: dict[str, dict[str, object]] = {
    "429": {"code": 429, "description": "Too Many Requests: retry after 1", "retry_after": 1},
    "500": {"code": 500, "description": "Internal Server Error"},
    "not-modified": {"code": 400, "description": "Bad Request: message is not modified"},
    "blocked": {"code": 403, "description": "Forbidden: bot was blocked by the user"},
    "timeout": {"kind": "slow", "delay": 0.6},
    "dropped": {"kind": "drop"},
}


@pytest.fixture
def engine(tmp_path: Path) -> HeldEngine:
    return make_engine(tmp_path / "articles")


@pytest.fixture
def bot(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BotRunner]:
    monkeypatch.setattr(sending, "BACKOFF_SECONDS", 0.05)
    settings = make_settings(tmp_path, admins=[ADMIN], request_timeout=0.3, send_retries=2, flood_retries=2,
                             rate_limit={"messages": 1000, "per_seconds": 1})  # fmt: skip
    api.private_chat(api.user(ADMIN))
    with running_bot(api, settings, engine) as runner:
        yield runner


def _outcome(api: FakeBotAPI, runner: BotRunner, method: str, mark: int, dropped_before: float) -> str:
    # An edit Telegram calls "not modified" shows what it should already.
    edit = method.startswith("edit")
    delivered = any(c.ok or (edit and "not modified" in (c.error or "")) for c in api.calls_of(method, mark))
    dropped = _dropped(runner, method) > dropped_before
    assert delivered or dropped, f"{method}: neither delivered nor counted as dropped"
    return "delivered" if delivered else "dropped"


def _dropped(runner: BotRunner, method: str) -> float:
    reasons = ("timeout", "forbidden", "flood", "network", "error", "bad_request", "expired")
    return sum(runner.data.metrics.value("quotebot_sends_dropped_total", method=method, reason=r) for r in reasons)


def _exercise(api: FakeBotAPI, runner: BotRunner, method: str, action: Callable[[], int],
              caplog: pytest.LogCaptureFixture) -> dict[str, str]:  # fmt: skip
    outcomes = {}
    for name, fault in FAULTS.items():
        before = _dropped(runner, method)
        mark = api.mark()
        api.fail(method, **fault)  # type: ignore[arg-type]
        runner.wait_processed(action(), timeout=15)
        outcomes[name] = _outcome(api, runner, method, mark, before)
        notices = [c for c in api.calls_of("sendMessage", mark) if "出了点问题" in c.text]
        assert notices == [], name
    assert not [r for r in caplog.records if r.name == "bot.telegram.errors"]
    assert "Traceback" not in caplog.text
    return outcomes


def test_send_message_faults(api: FakeBotAPI, bot: BotRunner, caplog: pytest.LogCaptureFixture) -> None:
    user = api.user(91)
    chat = api.private_chat(user)
    outcomes = _exercise(api, bot, "sendMessage", lambda: api.send_text(chat, user, "威海书记说了什么"), caplog)
    # Retried: flood control, server errors, dropped connections. A timeout is not retried (the
    # message arrived, and a second copy would be a duplicate); 403 and 400 are counted drops.
    assert outcomes == {"429": "delivered", "500": "delivered", "not-modified": "dropped", "blocked": "dropped",
                        "timeout": "delivered", "dropped": "delivered"}  # fmt: skip
    answers = [c for c in api.calls_of("sendMessage") if c.ok and WEIHAI_QUOTE in c.result["text"]]
    assert len(answers) == 4  # one each for 429, 500, timeout (done, answered late) and dropped


def test_edit_message_text_faults(api: FakeBotAPI, bot: BotRunner, caplog: pytest.LogCaptureFixture) -> None:
    admin = api.user(ADMIN)
    chat = api.private_chat(admin)
    outcomes = _exercise(api, bot, "editMessageText", lambda: api.send_text(chat, admin, "/reload"), caplog)
    assert outcomes["500"] == outcomes["dropped"] == outcomes["timeout"] == outcomes["429"] == "delivered"
    # "Not modified" is success for an edit; a refused edit is sent as a new message instead.
    assert any("索引已重建" in c.result["text"] for c in api.calls_of("sendMessage") if c.ok)


def test_answer_callback_query_faults(api: FakeBotAPI, bot: BotRunner, caplog: pytest.LogCaptureFixture) -> None:
    user = api.user(92)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "威海书记说了什么")
    (answer,) = api.sent(chat["id"], mark)
    context = next(b for b in answer.buttons() if b["text"].startswith("上下文"))
    mark = api.mark()
    outcomes = _exercise(api, bot, "answerCallbackQuery",
                         lambda: api.press(user, answer.result, context["callback_data"])[0], caplog)  # fmt: skip
    assert outcomes["429"] == outcomes["500"] == outcomes["dropped"] == "delivered"
    # Whatever happened to the button's spinner, the paragraph itself was sent every time.
    paragraphs = [c for c in api.calls_of("sendMessage", mark) if c.ok and WEIHAI_QUOTE in c.result["text"]]
    assert len(paragraphs) == len(FAULTS)


def test_the_token_is_never_logged_at_debug_through_uploads_faults_and_admin_commands(
    api: FakeBotAPI, engine: HeldEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.fake_bot_api import TOKEN

    caplog.set_level(logging.DEBUG)
    admin = api.user(ADMIN)
    chat = api.private_chat(admin)
    settings = make_settings(tmp_path, admins=[ADMIN], request_timeout=0.5, send_retries=1)
    with running_bot(api, settings, engine) as runner:
        for command in ("/articles", "/stats", "/reload"):
            runner.wait_processed(api.send_text(chat, admin, command))
        runner.wait_processed(api.send_document(chat, admin, "n.txt", "标题\n\n正文一句话。\n".encode())[0])
        update_id, file_id = api.send_document(chat, admin, "gone.txt", b"x")
        api.files[file_id].path = "missing/elsewhere.txt"  # the download answers 404
        runner.wait_processed(update_id)
        api.fail("sendMessage", 500, "Internal Server Error")
        api.fail("getUpdates", 502, "Bad Gateway")
        runner.wait_processed(api.send_text(chat, admin, "威海书记说了什么"))
    assert caplog.records and any(r.levelno == logging.DEBUG for r in caplog.records)
    assert TOKEN not in caplog.text and TOKEN.replace(":", "%3A") not in caplog.text


def test_a_failed_download_edits_the_progress_message_without_server_paths(
    api: FakeBotAPI, bot: BotRunner, tmp_path: Path
) -> None:
    admin = api.user(ADMIN)
    chat = api.private_chat(admin)
    for fail in ("getFile", "download"):
        mark = api.mark()
        update_id, file_id = api.send_document(chat, admin, "today.txt", "标题\n\n正文。\n".encode())
        if fail == "getFile":
            api.fail("getFile", 500, "Internal Server Error", times=5)
        else:
            api.files[file_id].path = "missing/elsewhere.txt"
        bot.wait_processed(update_id)
        (edit,) = api.wait_for("editMessageText", lambda c: c.ok, since=mark)
        assert "没能下载“today.txt”" in edit.result["text"]
        assert str(tmp_path) not in edit.result["text"]
