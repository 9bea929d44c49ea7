"""👍/👎 votes: kept with the question and quotes, surviving a restart, exported as cases `quotebot eval` runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.runtime
from bot.cli import cli
from bot.feedback import EXPECT_CHARS, FeedbackStore, VotedQuote, expect_piece
from tests.conftest import FakeEmbedder
from tests.engines import ARTICLE, WEIHAI_QUOTE, make_engine
from tests.fake_bot_api import Call, FakeBotAPI, make_settings, running_bot


def _vote(call: Call, label: str) -> str:
    return next(b["callback_data"] for b in call.buttons() if b["text"] == label)


def test_votes_survive_a_restart_and_export_as_cases_eval_runs(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path)
    engine = make_engine(tmp_path / "articles")
    user, other = api.user(81), api.user(82, "en")
    chat, other_chat = api.private_chat(user), api.private_chat(other)
    with running_bot(api, settings, engine) as runner:
        mark = api.mark()
        api.send_text(chat, user, "威海书记说了什么")
        (liked,) = api.sent(chat["id"], mark)
        api.send_text(other_chat, other, "青岛")
        (disliked,) = api.sent(other["id"], mark)
        mark = api.mark()
        update_id, _ = api.press(user, liked.result, _vote(liked, "👍"))
        runner.wait_processed(update_id)
        (thanks,) = api.wait_for("answerCallbackQuery", since=mark)
        assert thanks.params["text"] == "谢谢你的反馈！"
    # A new process: the buttons under old answers still vote, into the same store.
    with running_bot(api, settings, make_engine(tmp_path / "again")) as runner:
        mark = api.mark()
        runner.wait_processed(api.press(other, disliked.result, _vote(disliked, "👎"))[0])
        # A second vote of the same user replaces the first.
        runner.wait_processed(api.press(other, disliked.result, _vote(disliked, "👍"))[0])
        runner.wait_processed(api.press(other, disliked.result, _vote(disliked, "👎"))[0])
        answers = api.calls_of("answerCallbackQuery", mark)
        assert [c.params["text"] for c in answers] == ["Thanks for the feedback!"] * 3

    config = tmp_path / "config.yaml"
    config.write_text(f"paths:\n  cache: {tmp_path / 'cache'}\n", encoding="utf-8")
    exported = tmp_path / "votes.jsonl"
    result = CliRunner().invoke(cli, ["--config", str(config), "feedback", "export", str(exported)])
    assert result.exit_code == 0, result.output
    cases = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert cases == [
        {"q": "威海书记说了什么", "expect": cases[0]["expect"], "article": "jiaodong.txt", "kind": "feedback",
         "speaker": "张海波"},
        {"q": "青岛", "expect": None, "article": None, "kind": "negative", "speaker": None},
    ]  # fmt: skip
    assert cases[0]["expect"] in ARTICLE and WEIHAI_QUOTE in cases[0]["expect"]

    embedder = FakeEmbedder()
    monkeypatch.setattr(bot.runtime, "embedder_for", lambda settings: embedder)
    result = CliRunner().invoke(
        cli, ["--config", str(config), "eval", str(exported), "--articles", str(tmp_path / "articles"), "--json"]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    # The liked answer is found again; "青岛" is answered, which the 👎 says it should not be.
    assert metrics["questions"] == 2 and metrics["pass@1"] == 0.5 and metrics["negatives_ok"] == 0.0


def test_ties_export_nothing_and_unknown_answers_are_refused(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    row = store.record("问题", [VotedQuote("第一句。第二句。", "a.txt", None)])
    assert store.vote(row, 1, up=True) and store.vote(row, 2, up=False)
    assert not store.vote(row + 1, 1, up=True)
    assert store.cases() == []
    store.close()


def test_expect_is_the_first_sentence_cut_short() -> None:
    assert expect_piece("  张海波说，合作基础扎实。双方互补。") == "张海波说，合作基础扎实。"
    assert len(expect_piece("长" * 100)) == EXPECT_CHARS
