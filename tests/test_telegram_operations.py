"""Operations: start-up against a failing Bot API, /healthz and /metrics, update ids in the log, a
shutdown that finishes the answers in hand, and index changes made by the CLI picked up while running."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bot.telegram import lifecycle
from index import EngineSettings, QuoteEngine
from tests.conftest import FakeEmbedder
from tests.engines import WEIHAI_QUOTE, YANTAI_QUOTE, HeldEngine, make_engine
from tests.fake_bot_api import TOKEN, BotRunner, FakeBotAPI, make_settings, running_bot


@pytest.fixture
def engine(tmp_path: Path) -> HeldEngine:
    return make_engine(tmp_path / "articles")


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "STARTUP_BACKOFF_SECONDS", 0.05)


def test_get_me_failing_at_start_up_is_retried(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> None:
    api.fail("getMe", 500, "Internal Server Error", times=2)
    user = api.user(111)
    chat = api.private_chat(user)
    with running_bot(api, make_settings(tmp_path, startup_retries=3), engine):
        mark = api.mark()
        api.send_text(chat, user, "威海书记说了什么")
        assert WEIHAI_QUOTE in api.sent(chat["id"], mark)[0].result["text"]
    assert [c.ok for c in api.calls_of("getMe")][:3] == [False, False, True]


@pytest.mark.parametrize(
    ("code", "description", "expected"),
    [(500, "Internal Server Error", "Could not reach the Telegram Bot API after 3 attempts"),
     (401, "Unauthorized", "Telegram refused the bot token")],
)  # fmt: skip
def test_a_bot_api_that_stays_away_or_refuses_the_token_is_a_one_line_exit(
    api: FakeBotAPI, engine: HeldEngine, tmp_path: Path, code: int, description: str, expected: str
) -> None:
    api.fail("getMe", code, description, times=10)
    runner = BotRunner(api, make_settings(tmp_path, startup_retries=2), engine)
    with pytest.raises(lifecycle.StartupError) as caught:
        runner.start()
    message = str(caught.value)
    assert message.startswith(expected) and "\n" not in message and TOKEN not in message


def test_webhook_serves_healthz_and_metrics(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = lifecycle.WebhookOptions("127.0.0.1", port, "hook", "https://quotebot.example/hook", "sec-ret")
    user = api.user(112)
    chat = api.private_chat(user)
    update = {"update_id": 9, "message": {"message_id": 1, "date": 0, "chat": chat, "from": user,
                                          "text": "威海书记说了什么"}}  # fmt: skip
    with running_bot(api, make_settings(tmp_path), engine, webhook=options):
        mark = api.mark()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/hook", data=json.dumps(update).encode(),
                                         headers={"X-Telegram-Bot-Api-Secret-Token": "sec-ret"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        assert WEIHAI_QUOTE in api.sent(chat["id"], mark)[0].result["text"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            health = json.loads(response.read())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            metrics = response.read().decode()
    assert health["status"] == "ok" and health["articles"] == 1 and health["generation"] >= 1
    assert 'quotebot_questions_total{outcome="found"} 1.0' in metrics
    assert "quotebot_answer_seconds_bucket" in metrics and "quotebot_index_generation" in metrics


def test_log_lines_written_while_handling_an_update_carry_its_id(
    api: FakeBotAPI, engine: HeldEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine.fail_on = "爆炸"
    user = api.user(113)
    chat = api.private_chat(user)
    with caplog.at_level(logging.ERROR), running_bot(api, make_settings(tmp_path), engine) as runner:
        update_id = api.send_text(chat, user, "爆炸了吗")
        runner.wait_processed(update_id)
    (record,) = [r for r in caplog.records if r.name == "bot.telegram.errors"]
    assert record.update_id == update_id  # type: ignore[attr-defined]


def test_shutdown_finishes_the_answers_in_hand(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> None:
    release = engine.hold_question("烟台市委书记说了什么")
    user = api.user(114)
    chat = api.private_chat(user)
    runner = BotRunner(api, make_settings(tmp_path), engine).start()
    mark = api.mark()
    api.send_text(chat, user, "烟台市委书记说了什么")
    assert engine.question_started.wait(10)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    runner.stop()
    assert time.monotonic() - started >= 0.4
    (answer,) = [c for c in api.calls_of("sendMessage", mark) if c.ok]
    assert YANTAI_QUOTE in answer.result["text"]


def test_the_bot_picks_up_index_changes_made_by_the_cli(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> None:
    user = api.user(115)
    chat = api.private_chat(user)
    news = tmp_path / "today.txt"
    news.write_text("日照港口新航线开通\n\n本报讯 日照港新开通至东南亚的集装箱航线，每周两班。\n", encoding="utf-8")
    with running_bot(api, make_settings(tmp_path, index_watch_seconds=0.1), engine) as runner:
        # Another process (here: another engine on the same index directory) adds an article.
        cli_engine = QuoteEngine.open(EngineSettings(engine.settings.index_dir, tmp_path / "cli-cache",
                                                     engine.articles_dir), FakeEmbedder())  # fmt: skip
        cli_engine.add_files([news])
        deadline = time.monotonic() + 10
        while runner.data.metrics.value("quotebot_index_generation") < cli_engine.stats()["generation"]:
            assert time.monotonic() < deadline, "the bot did not notice the new generation"
            time.sleep(0.05)
        mark = api.mark()
        api.send_text(chat, user, "日照港新开通了什么航线")
        (answer,) = api.sent(chat["id"], mark)
    assert "每周两班" in answer.result["text"]


def test_a_revoked_token_while_polling_stops_the_bot_with_one_line(
    api: FakeBotAPI, engine: HeldEngine, tmp_path: Path
) -> None:
    import asyncio

    from bot.telegram import application as telegram_app

    app = telegram_app.build(make_settings(tmp_path), engine, TOKEN, base_url=api.base_url)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        future = asyncio.run_coroutine_threadsafe(lifecycle.run(app, 0, poll_timeout=1), loop)
        api.wait_for("deleteWebhook", timeout=10)
        api.fail("getUpdates", 401, "Unauthorized", times=1000)
        with pytest.raises(lifecycle.StartupError, match="401 Unauthorized") as caught:
            future.result(timeout=15)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
    assert "\n" not in str(caught.value) and TOKEN not in str(caught.value)
    assert not app.running
