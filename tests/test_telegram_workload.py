"""Concurrency that matches the work: a bounded wait for search with "busy" beyond it, per-chat order,
button presses de-duplicated and rate-limited, and input limits checked before any search."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.engines import WEIHAI_QUOTE, YANTAI_QUOTE, HeldEngine, make_engine
from tests.fake_bot_api import FakeBotAPI, make_settings, running_bot


@pytest.fixture
def engine(tmp_path: Path) -> HeldEngine:
    return make_engine(tmp_path / "articles")


def test_a_full_waiting_line_answers_busy_at_once(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> None:
    release = engine.hold_question("烟台市委书记说了什么")
    slow, other = api.user(101), api.user(102, "en")
    slow_chat, other_chat = api.private_chat(slow), api.private_chat(other)
    with running_bot(api, make_settings(tmp_path, search_threads=1, search_queue=0), engine) as runner:
        mark = api.mark()
        api.send_text(slow_chat, slow, "烟台市委书记说了什么")
        assert engine.question_started.wait(10)
        runner.wait_processed(api.send_text(other_chat, other, "威海书记说了什么"))
        (busy,) = api.sent(other["id"], mark)
        assert busy.result["text"].startswith("Too many questions at once")
        release.set()
        assert YANTAI_QUOTE in api.sent(slow["id"], mark)[0].result["text"]
        assert runner.data.metrics.value("quotebot_questions_total", outcome="busy") == 1


def test_one_chats_questions_are_answered_in_the_order_asked(api: FakeBotAPI, engine: HeldEngine,
                                                             tmp_path: Path) -> None:  # fmt: skip
    release = engine.hold_question("烟台市委书记说了什么")
    user, other = api.user(103), api.user(104)
    chat, other_chat = api.private_chat(user), api.private_chat(other)
    with running_bot(api, make_settings(tmp_path), engine):
        mark = api.mark()
        api.send_text(chat, user, "烟台市委书记说了什么")
        assert engine.question_started.wait(10)
        api.send_text(chat, user, "威海书记说了什么")
        # Another chat is not held up by this one.
        api.send_text(other_chat, other, "威海书记说了什么")
        assert WEIHAI_QUOTE in api.sent(other["id"], mark)[0].result["text"]
        assert [c for c in api.calls_of("sendMessage", mark) if c.chat_id == user["id"]] == []
        release.set()
        first, second = api.sent(user["id"], mark, count=2)
    assert YANTAI_QUOTE in first.result["text"] and WEIHAI_QUOTE in second.result["text"]


def test_a_press_while_the_last_one_runs_is_answered_not_queued(api: FakeBotAPI, engine: HeldEngine,
                                                                tmp_path: Path) -> None:  # fmt: skip
    user = api.user(105)
    chat = api.private_chat(user)
    with running_bot(api, make_settings(tmp_path), engine) as runner:
        mark = api.mark()
        api.send_text(chat, user, "青岛")
        (answer,) = api.sent(chat["id"], mark)
        more = next(b for b in answer.buttons() if b["text"] == "更多")
        release = engine.hold_question("青岛")
        mark = api.mark()
        first, _ = api.press(user, answer.result, more["callback_data"])
        assert engine.question_started.wait(10)
        runner.wait_processed(api.press(user, answer.result, more["callback_data"])[0])
        (working,) = api.wait_for("answerCallbackQuery", since=mark)
        assert working.params["text"] == "正在处理你上一次的点击，请稍候。"
        release.set()
        runner.wait_processed(first)
    pages = [c for c in api.calls_of("sendMessage", mark) if c.ok]
    assert len(pages) == 1 and "4." in pages[0].result["text"]


def test_fifty_presses_of_context_on_one_message_no_errors_and_rate_limited(
    api: FakeBotAPI, engine: HeldEngine, tmp_path: Path
) -> None:
    user = api.user(106)
    chat = api.private_chat(user)
    settings = make_settings(tmp_path, rate_limit={"messages": 5, "per_seconds": 600})
    with running_bot(api, settings, engine) as runner:
        mark = api.mark()
        api.send_text(chat, user, "威海书记说了什么")
        (answer,) = api.sent(chat["id"], mark)
        context = next(b for b in answer.buttons() if b["text"].startswith("上下文"))
        mark = api.mark()
        updates = [api.press(user, answer.result, context["callback_data"])[0] for _ in range(50)]
        for update_id in updates:
            runner.wait_processed(update_id)
        answers = api.calls_of("answerCallbackQuery", mark)
        sent = [c for c in api.calls_of("sendMessage", mark) if c.ok]
        assert runner.data.metrics.value("quotebot_errors_total", kind="RuntimeError") == 0
    assert len(answers) == 50 and all(c.ok for c in answers)
    # The question took one of the five; presses beyond the limit are told to wait, not answered.
    assert 1 <= len(sent) <= 4
    assert not any("出了点问题" in c.text for c in api.calls_of("sendMessage", mark))
    texts = {c.params.get("text") or "" for c in answers}
    assert all(t == "" or t == "正在处理你上一次的点击，请稍候。" or "秒后再问" in t for t in texts)


def test_context_presses_count_against_the_rate_limit(api: FakeBotAPI, engine: HeldEngine, tmp_path: Path) -> None:
    user = api.user(109)
    chat = api.private_chat(user)
    settings = make_settings(tmp_path, rate_limit={"messages": 3, "per_seconds": 600})
    with running_bot(api, settings, engine) as runner:
        mark = api.mark()
        api.send_text(chat, user, "威海书记说了什么")
        (answer,) = api.sent(chat["id"], mark)
        context = next(b for b in answer.buttons() if b["text"].startswith("上下文"))
        mark = api.mark()
        for _ in range(4):
            runner.wait_processed(api.press(user, answer.result, context["callback_data"])[0])
        answers = [c.params.get("text") or "" for c in api.calls_of("answerCallbackQuery", mark)]
        sent = [c for c in api.calls_of("sendMessage", mark) if c.ok]
    assert answers[:2] == ["", ""] and all("秒后再问" in a for a in answers[2:])
    assert len(sent) == 2


def test_a_4096_character_question_is_refused_at_once_and_never_searched(
    api: FakeBotAPI, engine: HeldEngine, tmp_path: Path
) -> None:
    user = api.user(107)
    chat = api.private_chat(user)
    with running_bot(api, make_settings(tmp_path), engine) as runner:
        mark = api.mark()
        started = time.monotonic()
        runner.wait_processed(api.send_text(chat, user, "威" * 4096))
        (reply,) = api.sent(chat["id"], mark)
        elapsed = time.monotonic() - started
    assert "问题太长了（最多 300 个字）" in reply.result["text"] and engine.asked == []
    assert elapsed < 5  # generous: the benchmark measures it; this only catches a search of 4096 characters


def test_control_characters_and_bidi_overrides_are_removed_before_searching(
    api: FakeBotAPI, engine: HeldEngine, tmp_path: Path
) -> None:
    user = api.user(108)
    chat = api.private_chat(user)
    with running_bot(api, make_settings(tmp_path), engine):
        mark = api.mark()
        api.send_text(chat, user, "\x00威海\u202e书记\x1b说了\ud800什么\x7f")
        (reply,) = api.sent(chat["id"], mark)
    assert engine.asked == ["威海书记说了什么"] and WEIHAI_QUOTE in reply.result["text"]


def test_the_expected_wait_from_the_measured_search_time_bounds_the_line() -> None:
    from bot.telegram.workload import Busy, Workload

    workload = Workload(threads=1, queue=100, max_wait=1.5)
    workload.service = 1.0  # seconds a search takes, as measured
    # One searching, one waiting 1 s: a third would wait 2 s.
    with workload.admit(), workload.admit(), pytest.raises(Busy), workload.admit():
        pass
    assert workload.pending == 0
    workload.close()
