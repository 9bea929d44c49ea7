"""``quotebot serve``: no token, custom Bot API servers, webhooks with a secret, and a clean SIGTERM stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.server import serve, webhook_options
from bot.telegram.application import file_url_for
from index.errors import QuoteBotError
from tests.engines import ARTICLE, WEIHAI_QUOTE, make_engine
from tests.fake_bot_api import TOKEN, FakeBotAPI, make_settings, running_bot

ROOT = Path(__file__).resolve().parent.parent


def test_serve_without_a_token_says_how_to_set_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(QuoteBotError) as caught:
        serve(make_settings(tmp_path))
    message = str(caught.value)
    assert "TELEGRAM_BOT_TOKEN" in message and "quotebot chat" in message and "\n" not in message


def test_file_url_follows_the_api_url() -> None:
    assert file_url_for("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"
    assert file_url_for("http://127.0.0.1:8081/custom/{token}") is None
    assert file_url_for(None) is None


def test_webhook_needs_a_url_and_a_well_formed_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "s3cret_-token")
    no_url = make_settings(tmp_path, webhook={"enabled": True, "secret_token_env": "HOOK_SECRET"})
    with pytest.raises(QuoteBotError, match="telegram.webhook.url"):
        webhook_options(no_url)
    hook = {"enabled": True, "url": "https://quotebot.example/hook", "secret_token_env": "HOOK_SECRET"}
    assert webhook_options(make_settings(tmp_path, webhook=hook)).secret_token == "s3cret_-token"
    for bad in ("", "has spaces", "x" * 257):
        monkeypatch.setenv("HOOK_SECRET", bad)
        with pytest.raises(QuoteBotError, match=r"\$HOOK_SECRET"):
            webhook_options(make_settings(tmp_path, webhook=hook))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post_update(port: int, update: dict, secret: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_webhook_mode_registers_its_secret_and_refuses_forged_updates(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "right-secret")
    port = _free_port()
    hook = {"enabled": True, "listen": "127.0.0.1", "port": port, "url_path": "hook",
            "url": "https://quotebot.example/hook"}  # fmt: skip
    settings = make_settings(tmp_path, webhook=hook)
    user = api.user(31)
    chat = api.private_chat(user)
    message = {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": "威海书记说了什么"}
    with running_bot(api, settings, make_engine(tmp_path / "articles"), webhook=webhook_options(settings)) as runner:
        (registered,) = api.wait_for("setWebhook")
        assert registered.params["url"] == "https://quotebot.example/hook"
        assert registered.params["secret_token"] == "right-secret"
        mark = api.mark()
        assert _post_update(port, {"update_id": 500, "message": message}, "forged") == 403
        assert _post_update(port, {"update_id": 501, "message": message}, "right-secret") == 200
        (reply,) = api.sent(chat["id"], mark)
        assert WEIHAI_QUOTE in reply.result["text"]
        assert 500 not in runner.processed


RUNNER = """
import sys, types
from pathlib import Path

sys.path[:0] = [sys.argv[1], sys.argv[2]]
from tests.engines import make_engine

# The real engine would load an embedding model; the fake one answers the same questions at once.
runtime = types.ModuleType("bot.runtime")
runtime.embedder_for = lambda settings: None
runtime.open_engine = lambda settings, progress=None, embedder=None: make_engine(settings.path("articles"))
runtime.ready_for_questions = lambda settings, embedder: None
sys.modules["bot.runtime"] = runtime

from bot.cli import main

sys.argv = ["quotebot", *sys.argv[4:], "--config", sys.argv[2], "serve", "--base-url", sys.argv[3]]
main()
"""


def test_quotebot_serve_answers_private_and_group_questions_and_stops_on_sigterm(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    """With --debug, and a poison update: the token appears nowhere, the poison is skipped once."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "jiaodong.txt").write_text(ARTICLE, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("paths:\n  cache: cache\n  index: index\n  articles: articles\n", encoding="utf-8")
    script = tmp_path / "run_serve.py"
    script.write_text(textwrap.dedent(RUNNER), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_"))}
    env["TELEGRAM_BOT_TOKEN"] = TOKEN
    process = subprocess.Popen(
        [sys.executable, str(script), str(ROOT), str(config), api.base_url, "--debug"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # The last call before the first long poll; updates pushed from now on wake that poll.
        api.wait_for("deleteWebhook", timeout=30)
        user = api.user(41)
        chat, group = api.private_chat(user), api.group_chat(-100_41)
        mark = api.mark()
        # A message without chat and date: PTB cannot parse it, and used to fetch it again forever.
        poison = api.push({"message": {"message_id": 1, "text": "毒"}})
        api.send_text(chat, user, "威海书记说了什么")
        api.send_text(group, user, "/ask@QuoteTestBot 威海书记说了什么")
        assert WEIHAI_QUOTE in api.sent(chat["id"], mark)[0].result["text"]
        assert WEIHAI_QUOTE in api.sent(group["id"], mark)[0].result["text"]
        assert api.commands
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr and "CRITICAL" not in stderr
    assert TOKEN not in stderr and "bot<token>/getUpdates" in stderr  # DEBUG lines were written, masked
    assert stderr.count(f"Skipped update {poison}") == 1
    assert "serving as @QuoteTestBot" in stderr
    # Stopping confirms the updates it handled, so a restart does not answer them again.
    assert api.updates == []


def test_api_and_file_urls_come_from_the_command_line_or_the_config(tmp_path: Path) -> None:
    from bot.telegram.application import build as build_application

    engine = make_engine(tmp_path / "articles")
    configured = make_settings(
        tmp_path, base_url="http://127.0.0.1:9/bot", base_file_url="http://127.0.0.1:9/files/bot"
    )
    bot = build_application(configured, engine, TOKEN).bot
    assert bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"
    assert bot.base_file_url == f"http://127.0.0.1:9/files/bot{TOKEN}"
    # --base-url names another server: its own file URL goes with it.
    bot = build_application(configured, engine, TOKEN, base_url="http://127.0.0.1:7/bot").bot
    assert bot.base_url == f"http://127.0.0.1:7/bot{TOKEN}"
    assert bot.base_file_url == f"http://127.0.0.1:7/file/bot{TOKEN}"


@pytest.mark.integration
def test_real_quotebot_serve_with_the_bundled_model_answers_the_weihai_question(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    (tmp_path / "articles").mkdir()
    sample = ROOT / "articles" / "jiaodong-economic-circle.txt"
    (tmp_path / "articles" / sample.name).write_bytes(sample.read_bytes())
    config = tmp_path / "config.yaml"
    config.write_text("paths:\n  cache: cache\n  index: index\n  articles: articles\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_"))}
    env["TELEGRAM_BOT_TOKEN"] = TOKEN
    code = "from bot.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--config", str(config), "serve", "--base-url", api.base_url],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # First start: the index is built from the articles folder before the bot connects.
        api.wait_for("deleteWebhook", timeout=300)
        user = api.user(51)
        chat, group = api.private_chat(user), api.group_chat(-100_51)
        mark = api.mark()
        api.send_text(chat, user, "威海书记说了什么")
        api.send_text(group, user, "/ask@QuoteTestBot 威海书记说了什么")
        assert WEIHAI_QUOTE in api.sent(chat["id"], mark, timeout=60)[0].result["text"]
        assert WEIHAI_QUOTE in api.sent(group["id"], mark, timeout=60)[0].result["text"]
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr

