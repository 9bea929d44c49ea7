from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import bot.runtime
from bot.cli import cli
from index.datasets import DatasetError, JsonlCase, load_jsonl, load_squad
from index.engine import EngineSettings, QuoteEngine
from index.evaluation import (
    JSONL_KEYS,
    SQUAD_KEYS,
    Outcome,
    evaluate_squad,
    jsonl_metrics,
    kind_metrics,
    percentile,
    squad_metrics,
)
from tests.conftest import ROOT, LexicalOnlyEmbedder

MINI = ROOT / "tests" / "fixtures" / "mini_squad.json"
NEWS_MINI = ROOT / "tests" / "fixtures" / "news_mini.jsonl"
NEWS_ARTICLES = ROOT / "tests" / "fixtures" / "news_mini"


def test_load_squad_makes_one_article_per_entry() -> None:
    ds = load_squad(MINI)
    assert [a.title for a in ds.articles] == ["烟台苹果", "交通"]
    assert [len(a.paragraphs) for a in ds.articles] == [1, 2]
    assert [(q.article_id, q.paragraph) for q in ds.questions] == [("d00000", 0), ("d00000", 0), ("d00001", 0), ("d00001", 1)]
    assert ds.questions[0].answers == ("三元五角",)


def test_squad_metrics_by_hand() -> None:
    outcomes = [
        Outcome("a", ("甲",), 1, True, ["甲乙", "丙"]),  # passage and quote hit at 1
        Outcome("b", ("丁",), 3, True, ["戊", "己", "丁庚辛"]),  # rank 3; gold only in quote 3
        Outcome("c", ("壬",), None, False, []),  # not found
        Outcome("d", ("癸",), 7, True, ["子丑寅卯"]),  # rank 7: within mrr@10, not hit@5
    ]
    metrics = squad_metrics(outcomes, [10.0, 20.0, 30.0, 40.0], 1.26)
    assert list(metrics) == list(SQUAD_KEYS)
    assert metrics["passage_hit@1"] == 0.25
    assert metrics["passage_hit@5"] == 0.5
    assert metrics["mrr@10"] == round((1 + 1 / 3 + 1 / 7) / 4, 4) == 0.369
    assert metrics["quote_hit@1"] == 0.25
    assert metrics["quote_hit@3"] == 0.5
    assert metrics["quote_chars_median"] == 2.0  # top quotes 甲乙 (2), 戊 (1), 子丑寅卯 (4)
    assert metrics["not_found_rate"] == 0.25
    assert metrics["latency_ms_p50"] == 25.0 and metrics["latency_ms_p95"] == 38.5
    assert metrics["index_build_s"] == 1.3 and metrics["questions"] == 4


def test_percentile() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0


def test_jsonl_metrics_by_hand() -> None:
    cases = [JsonlCase("q1", "甲"), JsonlCase("q2", "乙"), JsonlCase("q3", None), JsonlCase("q4", None)]
    answers = [(True, ["甲丙"]), (True, ["丁", "戊乙"]), (False, []), (True, ["己"])]
    metrics = jsonl_metrics(cases, answers)
    assert list(metrics) == list(JSONL_KEYS)
    assert metrics == {"pass@1": 0.5, "pass@3": 0.75, "negatives_ok": 0.5, "questions": 4}


def test_load_jsonl_reads_the_news_labels_and_plain_lines() -> None:
    cases = load_jsonl(NEWS_MINI)
    assert cases[0] == JsonlCase("林振东说了什么", "每天开行40个班次", "speaker", "harbour-ferry.txt", "林振东")
    assert cases[3] == JsonlCase("火星探测器什么时候着陆", None, "negative", None, None)
    # The older layout has no labels.
    assert cases[4] == JsonlCase("西城图书馆自习区有多少座位", "300个")


def test_load_jsonl_refuses_a_label_that_is_not_text(tmp_path: Path) -> None:
    lines = tmp_path / "bad.jsonl"
    lines.write_text('{"q": "a", "expect": "b", "kind": 3}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"bad.jsonl, line 1: .*'kind' must be a string or null, not int"):
        load_jsonl(lines)


def test_kind_metrics_by_hand() -> None:
    cases = [
        JsonlCase("q1", "甲", "speaker"),
        JsonlCase("q2", "乙", "speaker"),
        JsonlCase("q3", "丙", "fact"),
        JsonlCase("q4", None, "negative"),
        JsonlCase("q5", None, "negative"),
        JsonlCase("q6", "丁", "zeta"),  # a kind the news set does not use: after the known ones
        JsonlCase("q7", "戊"),  # no kind: only in answerable and all
    ]
    answers = [
        (True, ["甲"]),  # passes at 1
        (True, ["x", "y", "乙"]),  # passes at 3 only
        (True, ["x", "y", "z", "丙"]),  # the 4th quote does not count
        (False, []),  # refused, as it should be
        (True, ["x"]),  # answered although nothing answers
        (False, []),
        (True, ["戊己"]),
    ]
    table = kind_metrics(cases, answers)
    assert list(table) == ["speaker", "fact", "negative", "zeta", "answerable", "null", "all"]
    assert table["speaker"] == {"questions": 2, "passed@1": 1, "passed@3": 2, "pass@3": 1.0}
    assert table["fact"] == {"questions": 1, "passed@1": 0, "passed@3": 0, "pass@3": 0.0}
    assert table["negative"] == {"questions": 2, "passed@1": 1, "passed@3": 1, "pass@3": 0.5}
    assert table["answerable"] == {"questions": 5, "passed@1": 2, "passed@3": 3, "pass@3": 0.6}
    assert table["null"]["passed@3"] == 1 and table["all"] == {
        "questions": 7, "passed@1": 3, "passed@3": 4, "pass@3": 0.5714
    }


def test_evaluate_squad_on_fixture(tmp_path: Path) -> None:
    settings = EngineSettings(tmp_path / "index", tmp_path / "cache", tmp_path, threshold=0.1)
    metrics, outcomes = evaluate_squad(QuoteEngine(settings, LexicalOnlyEmbedder()), load_squad(MINI))
    # Questions in file order: q1 (apples), q4, q2 (port), q3 (railway). q4 is filed under the apple
    # paragraph but asks about the railway: the railway paragraph comes first, then the port
    # paragraph (it shares 青 with the question), then the apple paragraph: rank 3.
    assert [o.rank for o in outcomes] == [1, 3, 1, 1]
    assert metrics["passage_hit@1"] == 0.75  # 3 of 4
    assert metrics["passage_hit@5"] == 1.0
    assert metrics["mrr@10"] == 0.8333  # (1 + 1/3 + 1 + 1) / 4
    # Every top quote holds its gold answer: q4's is in the railway paragraph it found.
    assert metrics["quote_hit@1"] == 1.0 and metrics["quote_hit@3"] == 1.0
    assert metrics["not_found_rate"] == 0.0 and metrics["questions"] == 4
    # A run of sentences grows while each sentence adds question words: the apple, port and railway
    # paragraphs are quoted whole (their second sentences hold 收购价, 全年完成, 设计时速), while for
    # q3 the second railway sentence adds nothing 济青高铁全长 did not already match.
    assert [o.quotes[0] for o in outcomes] == [
        "烟台苹果今年大丰收。果农王大山说，收购价每斤三元五角。",
        "济青高铁全长三百零八公里。设计时速三百五十公里。",
        "青岛港集装箱吞吐量创新高。全年完成二千万标准箱。",
        "济青高铁全长三百零八公里。",
    ]
    assert metrics["quote_chars_median"] == 24.0  # lengths 27, 24, 24, 13


def test_bad_datasets(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(DatasetError, match="not SQuAD layout"):
        load_squad(bad)
    lines = tmp_path / "bad.jsonl"
    lines.write_text('{"q": "a", "expect": null}\n{"question": "b"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"bad.jsonl, line 2: expected"):
        load_jsonl(lines)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("search:\n  threshold: 0.1\n", encoding="utf-8")
    monkeypatch.setattr(bot.runtime, "embedder_for", lambda settings: LexicalOnlyEmbedder())
    return path


def test_cli_eval_squad_json_has_exactly_the_keys(config: Path, tmp_path: Path) -> None:
    misses = tmp_path / "misses.jsonl"
    result = CliRunner().invoke(cli, ["--config", str(config), "eval", str(MINI), "--json", "--misses", str(misses)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert list(metrics) == list(SQUAD_KEYS) and metrics["questions"] == 4
    assert misses.read_text(encoding="utf-8") == ""
    table = CliRunner().invoke(cli, ["--config", str(config), "eval", str(MINI), "--limit", "2"])
    assert table.exit_code == 0 and "passage_hit@1" in table.stdout and "questions" in table.stdout


def test_cli_eval_times_the_model_for_every_question(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    class Counting(LexicalOnlyEmbedder):
        def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
            asked.extend(texts)
            return super().encode_queries(texts)

    monkeypatch.setattr(bot.runtime, "embedder_for", lambda settings: Counting())
    for _ in range(2):  # a second run must not find the first one's vectors in the embedding cache
        result = CliRunner().invoke(cli, ["--config", str(config), "eval", str(MINI), "--json"])
        assert result.exit_code == 0, result.output
    questions = [q.question for q in load_squad(MINI).questions]
    # Each run: the warm-up question, then every question, each through the model.
    assert asked == [questions[0], *questions] * 2


def test_cli_eval_readies_the_question_model(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readied: list[object] = []
    monkeypatch.setattr(bot.runtime, "ready_for_questions", lambda settings, embedder: readied.append(embedder))
    result = CliRunner().invoke(cli, ["--config", str(config), "eval", str(MINI), "--json"])
    assert result.exit_code == 0, result.output
    assert len(readied) == 1 and isinstance(readied[0], LexicalOnlyEmbedder)


def test_cli_eval_jsonl_against_articles(config: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        '{"q": "张海波说了什么", "expect": "威海与青岛合作基础扎实"}\n{"q": "Quantum chromodynamics lattice", "expect": null}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["--config", str(config), "eval", str(cases), "--articles", str(ROOT / "articles"), "--json"]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert {k: metrics[k] for k in JSONL_KEYS} == {"pass@1": 1.0, "pass@3": 1.0, "negatives_ok": 1.0, "questions": 2}
    # Unlabelled lines are counted only by their expectation.
    assert list(metrics["by_kind"]) == ["answerable", "null", "all"]
    assert metrics["by_kind"]["all"] == {"questions": 2, "passed@1": 2, "passed@3": 2, "pass@3": 1.0}


def test_cli_eval_news_layout_reports_every_kind(config: Path, tmp_path: Path) -> None:
    misses = tmp_path / "misses.jsonl"
    args = ["--config", str(config), "eval", str(NEWS_MINI), "--articles", str(NEWS_ARTICLES)]
    result = CliRunner().invoke(cli, [*args, "--json", "--misses", str(misses)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert list(metrics) == [*JSONL_KEYS, "by_kind"]
    by_kind = metrics["by_kind"]
    assert list(by_kind) == ["speaker", "fact", "negative", "answerable", "null", "all"]
    assert [by_kind[k]["questions"] for k in by_kind] == [1, 2, 1, 4, 1, 5]
    assert by_kind["all"]["pass@3"] == metrics["pass@3"]
    assert by_kind["null"]["pass@3"] == metrics["negatives_ok"]
    # Every miss at the top quote is written with its labels and whether a later quote held it.
    rows = [json.loads(line) for line in misses.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == round((1 - metrics["pass@1"]) * 5)
    assert all({"q", "expect", "found", "quotes", "pass@3"} <= set(r) for r in rows)
    table = CliRunner().invoke(cli, args)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert any(line.split()[:1] == ["speaker"] for line in lines)
    assert any(line.split()[:1] == ["all"] and line.split()[1].endswith("/5") for line in lines)
