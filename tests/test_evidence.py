"""Evidence that a passage answers, and the not-found model over it: sentences written for the tests."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from index.errors import QuoteBotError
from index.evidence import FEATURES, Evidence, measure
from index.not_found import NotFoundModel, model_for
from index.questions import analyse


def evidence(question: str, passage: str, cosine: float = 0.9) -> Evidence:
    return measure(analyse(question, speakers=False), passage, cosine)


def test_a_passage_holding_every_content_word() -> None:
    found = evidence("东湖大桥有多长", "东湖大桥全长1200米，去年建成。")
    assert found.content == found.pairs == found.segments == found.weakest == 1.0
    assert found.typed == 1.0 and found.exact == 1.0 and found.dense == 0.9


def test_question_words_are_no_evidence_to_miss() -> None:
    # 叫什么名字 is not in the passage, and must not count against it.
    found = evidence("滨江市长叫什么名字", "滨江市长王立新出席了开幕式。")
    assert found.content == 1.0 and found.weakest == 1.0


def test_a_place_the_passage_lacks_is_the_weakest_segment() -> None:
    other_city = evidence("西宁的高温津贴标准是多少", "山东的高温津贴标准为每月120元。")
    assert other_city.weakest == 0.0
    assert 0.5 < other_city.content < 1.0  # most of the words are there; one segment is not


def test_numbers_must_be_there_verbatim() -> None:
    assert evidence("天舟九号什么时候发射", "天舟八号于去年发射。").exact == 0.0
    assert evidence("天舟八号什么时候发射", "天舟八号于去年发射。").exact == 1.0
    assert evidence("iPhone 15卖多少钱", "iphone 14售价799美元。").exact == 0.5  # 15 missing, iphone there


@pytest.mark.parametrize(
    ("question", "passage", "typed"),
    [
        ("东湖大桥有多长", "东湖大桥全长1200米。", 1.0),
        ("东湖大桥有多长", "东湖大桥风景优美。", 0.0),
        ("东湖大桥哪一年建成", "东湖大桥于2019年建成。", 1.0),
        ("东湖大桥哪一年建成", "东湖大桥由市政公司建成。", 0.0),
        ("滨江市长是谁", "滨江市长王立新出席了开幕式。", 1.0),
        ("滨江市长是谁", "滨江市长出席了开幕式。", 0.0),
        ("为什么推迟开学", "由于台风影响，学校推迟开学。", 1.0),
        ("东湖大桥", "东湖大桥全长1200米。", 0.5),  # no kind of answer asked
    ],
)
def test_the_asked_for_kind_of_answer(question: str, passage: str, typed: float) -> None:
    assert evidence(question, passage).typed == typed


def write_model(path: Path, embedder: str = "fake", weights: list[float] | None = None) -> Path:
    model = {
        "features": list(FEATURES),
        "embedder": embedder,
        "mean": [0.0] * len(FEATURES),
        "scale": [1.0] * len(FEATURES),
        "weights": weights or [0.0] * len(FEATURES),
        "bias": 0.0,
    }
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def test_the_model_is_a_logistic_of_the_evidence(tmp_path: Path) -> None:
    weights = [2.0] + [0.0] * (len(FEATURES) - 1)  # only the content share counts
    model = NotFoundModel.load(write_model(tmp_path / "m.json", weights=weights))
    half = Evidence(0.0, 0, 0, 0, 0, 0, 0, 0)
    full = Evidence(1.0, 0, 0, 0, 0, 0, 0, 0)
    assert model.probability(half) == 0.5
    assert model.probability(full) == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_the_model_applies_only_to_its_embedder(tmp_path: Path) -> None:
    path = write_model(tmp_path / "m.json", embedder="fake")
    assert model_for("fake", path) is not None
    assert model_for("another", path) is None
    assert model_for("fake", tmp_path / "missing.json") is None


def test_a_broken_model_is_an_error_that_says_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"features": ["content"]}', encoding="utf-8")
    with pytest.raises(QuoteBotError, match="broken.json cannot be read"):
        NotFoundModel.load(path)


def test_the_bundled_model_fits_the_features() -> None:
    bundled = Path(__file__).resolve().parent.parent / "index" / "not_found.json"
    if not bundled.is_file():
        pytest.skip("no bundled model")
    model = NotFoundModel.load(bundled)
    assert len(model.weights) == len(FEATURES)
    # More of the question in the passage can only make an answer likelier.
    weak = Evidence(0.3, 0.2, 0.3, 0.0, 1.0, 0.5, 0.85, 2.0)
    strong = Evidence(1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.85, 2.0)
    assert model.probability(strong) > model.probability(weak)
